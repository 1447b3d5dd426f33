#!/usr/bin/env bash
# 3 nodes over af_packet with crypto form a ring, deliver generator load from every node, and end
# with equal digests and delivered counts.
source "$(dirname "$0")/lib.sh"
cluster up 3 ${RINGCAST_MP_UP_ARGS:-}
out=$(cluster load 3 --size 512 --nodes all)
echo "$out"
digests=$(for i in 1 2 3; do status $i | field digest; done | sort -u)
counts=$(for i in 1 2 3; do status $i | field delivered; done | sort -u)
[ "$(wc -l <<<"$digests")" -eq 1 ] || fail "digests differ: $digests"
[ "$(wc -l <<<"$counts")" -eq 1 ] || fail "delivered counts differ: $counts"
[ "$counts" -gt 1000 ] || fail "only $counts messages delivered"
for i in 1 2 3; do
    [ "$(status $i | drop bad_tag)" -eq 0 ] || fail "node $i saw bad tags"
done
echo "ok: 3 nodes delivered $counts messages each, digest $digests"
