#!/usr/bin/env bash
# Partition and merge: five nodes split {1,2}|{3,4,5} at the bridge under load. Both sides form
# their own rings and go on delivering; after the heal they merge into one ring. The checker
# judges every client's stream and every transitional and regular configuration across it.
source "$(dirname "$0")/lib.sh"
RATE=${RATE:-600}
cluster up 5 >/dev/null
start_clients "1 2 3 4 5"
sleep 2
t0=$(wall_ns)
cluster partition "1,2|3,4,5" >/dev/null
wait_members "1 2" && wait_members "3 4 5" || fail "no rings {1,2} and {3,4,5}"
t1=$(status 3 | field last_ring_change_unix_ns)
say "partition -> both sides re-formed: $(( (t1 - t0) / 1000000 )) ms (token timeout ${RINGCAST_TOKEN_MS} ms)"
a1=$(delivered 1); a3=$(delivered 3)
sleep 2
b1=$(delivered 1); b3=$(delivered 3)
[ "$b1" -gt "$a1" ] && [ "$b3" -gt "$a3" ] || fail "a side stopped delivering: {1,2} $a1->$b1, {3,4,5} $a3->$b3"
clean=$(mono_ns)
t0=$(wall_ns)
cluster heal >/dev/null
wait_members "1 2 3 4 5" || fail "no ring of all five after the heal"
t1=$(status 1 | field last_ring_change_unix_ns)
say "heal -> one ring: $(( (t1 - t0) / 1000000 )) ms"
sleep 2
finish_clients "1 2 3 4 5"
check_logs "1 2 3 4 5" --clean-since "$clean" --bound-ms 3000
say "ok: {1,2} delivered $((b1 - a1)), {3,4,5} $((b3 - a3)) messages while apart"
