#!/usr/bin/env bash
# Local clients over shared memory on a 3-node cluster: one sender on node 1, receivers on nodes 2
# and 3 get the identical stream (order and bytes, by digest); a receiving client killed with -9
# mid-stream leaves the daemon, the ring and the other clients unaffected, and every other member
# of the group sees it leave (a process_gone view naming it).
source "$(dirname "$0")/lib.sh"
count=${RINGCAST_MP_CLIENT_MESSAGES:-200000}
cluster up 3
tmp=$RINGCAST_CLUSTER_DIR
cluster exec 2 -- ringcast recv mp --count "$count" --digest --views --timeout 60 >"$tmp/r2" 2>&1 &
r2=$!
cluster exec 3 -- ringcast recv mp --count "$count" --digest --timeout 60 >"$tmp/r3" 2>&1 &
r3=$!
cluster exec 3 -- ringcast recv mp --digest --timeout 60 >"$tmp/victim" 2>&1 &
victim=$!
for f in r2 r3 victim; do wait_joined "$tmp/$f"; done
victim_pid=$(recv_pid "$tmp/victim")
victim_client=$(sed -n 's/^joined .* as client \([0-9]*\) .*/\1/p' "$tmp/victim")
[ -n "$victim_pid" ] && [ -n "$victim_client" ] || fail "victim did not say who it is: $(cat "$tmp/victim")"
changes=$(status 1 | field ring_changes)
cluster exec 1 -- ringcast send mp --count "$count" --size 1024 --mixed >"$tmp/s1" 2>&1 &
sender=$!
sleep 0.3
kill -9 "$victim_pid"
wait "$sender" || fail "sender failed: $(cat "$tmp/s1")"
wait "$r2" || fail "receiver on node 2 failed: $(cat "$tmp/r2")"
wait "$r3" || fail "receiver on node 3 failed: $(cat "$tmp/r3")"
wait "$victim" 2>/dev/null || true
cat "$tmp/s1" "$tmp/r2" "$tmp/r3"
d=$(for f in s1 r2 r3; do tail -n 1 "$tmp/$f" | awk '{print $NF}'; done | sort -u)
[ "$(wc -l <<<"$d")" -eq 1 ] || fail "digests differ: $d"
grep -q "received $count messages" "$tmp/r2" || fail "node 2 did not receive $count messages"
gone=$(grep "reason process_gone .* left \[3/$victim_pid/$victim_client\]" "$tmp/r2" || true)
[ -n "$gone" ] || fail "node 2's receiver saw no process_gone view for the killed client: $(grep '^view' "$tmp/r2")"
echo "node 2 saw: $gone"
for i in 1 2 3; do
    [ "$(status $i | field members)" = "1 2 3" ] || fail "node $i left the ring"
done
# Clients never cause a ring change; a re-form among the same three nodes can still happen when
# three pollers share two CPUs (a descheduled node looks silent), so it is reported, not failed.
after=$(status 1 | field ring_changes)
[ "$after" = "$changes" ] || echo "note: ring_changes $changes -> $after (same members 1 2 3)"
echo "ok: $count messages, digest $d on sender and both receivers; a killed client changed nothing"
