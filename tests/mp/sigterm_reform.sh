#!/usr/bin/env bash
# SIGTERM one node: it leaves gracefully and the others form a new ring within 100 ms (no token
# timeout), then go on delivering.
source "$(dirname "$0")/lib.sh"
export RINGCAST_TOKEN_MS=${RINGCAST_TOKEN_MS:-200} # a timeout could not explain a fast re-form
cluster up 3
t0=$(now_ns)
cluster stop 3 >/dev/null &
for _ in $(seq 1 100); do
    [ "$(status 1 | field members)" = "1 2" ] && break
    sleep 0.02
done
wait
t1=$(status 1 | field last_ring_change_unix_ns)
ms=$(( (t1 - t0) / 1000000 ))
[ "$(status 1 | field members)" = "1 2" ] || fail "no new ring after SIGTERM"
echo "re-formed in $ms ms after SIGTERM (token timeout ${RINGCAST_TOKEN_MS} ms)"
[ "$ms" -lt 100 ] || fail "re-forming took $ms ms (>= 100 ms)"
cluster load 1 --size 256 --nodes 1,2 >/dev/null
c1=$(status 1 | field delivered); c2=$(status 2 | field delivered)
[ "$c1" = "$c2" ] && [ "$c1" -gt 0 ] || fail "survivors delivered $c1 / $c2"
echo "ok"
