#!/usr/bin/env bash
# Restart: node 4 is killed under load and comes back. It starts while cut off from the others,
# so its new client attaches to its singleton ring and then sees the merge as a real
# configuration change: from there on it must receive everything (the checker's completeness
# over the final ring), and its ring seq must not have gone backwards across the restart.
source "$(dirname "$0")/lib.sh"
cluster up 4 >/dev/null
start_clients "1 2 3 4"
sleep 2
seq_before=$(status 4 | field ring_id)
cluster kill 4 >/dev/null
wait_members "1 2 3" || fail "no ring 1 2 3 after the kill"
sleep 1
cluster partition "1,2,3|4" >/dev/null
cluster restart 4 >/dev/null
wait_members "4" || fail "restarted node 4 did not come up"
start_client 4 0
wait_client_joined 4
sleep 0.5
clean=$(mono_ns)
t0=$(wall_ns)
cluster heal >/dev/null
wait_members "1 2 3 4" || fail "node 4 did not merge back"
t1=$(status 1 | field last_ring_change_unix_ns)
seq_after=$(status 4 | field ring_id)
say "heal -> node 4 merged: $(( (t1 - t0) / 1000000 )) ms; ring id before the kill $seq_before, after $seq_after"
[ "${seq_after#*:}" -gt "${seq_before#*:}" ] 2>/dev/null || fail "ring seq went backwards: $seq_before -> $seq_after"
sleep 2
finish_clients "1 2 3 4"
check_logs "1 2 3 4" --clean-since "$clean" --bound-ms 3000
say "ok"
