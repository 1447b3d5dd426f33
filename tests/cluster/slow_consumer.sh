#!/usr/bin/env bash
# Slow consumer: next to the load clients, a client on node 2 stops reading after 100 messages.
# The configured policy (the default: block, 64 MiB backlog, 2 s) holds its messages, pauses
# node 2's submissions while the backlog lasts, then drops it with the reason in the daemon log.
# No membership change, the daemon stays up, and every other client's stream passes the checker.
source "$(dirname "$0")/lib.sh"
RATE=${RATE:-1500}
cluster up 3 >/dev/null
start_clients "1 2 3"
changes=$(status 1 | field ring_changes)
ip netns exec "$(ns 2)" "$logclient" "/run/ringcast/$(ns 2).sock" "$group" "$dir/stalled2.log" \
    --node 2 --inc 99 --rate 0 --stall-after 100 2>"$dir/stalled2.err" &
client_pid[stall]=$!
found=""
for _ in $(seq 1 150); do
    found=$(grep "disconnected: slow consumer" "$dir/node2.log" || true)
    [ -n "$found" ] && break
    sleep 0.1
done
[ -n "$found" ] || fail "the stalled client was not dropped within 15 s"
say "node 2: ${found##*clients: }"
sleep 1
finish_clients "1 2 3"
for i in 1 2 3; do alive_node "$i" || fail "ringcastd on node $i died"; done
[ "$(status 1 | field members)" = "1 2 3" ] || fail "the ring lost a member"
after=$(status 1 | field ring_changes)
[ "$after" = "$changes" ] || fail "ring_changes $changes -> $after"
check_logs "1 2 3"
say "ok"
