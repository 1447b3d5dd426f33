#!/usr/bin/env bash
# Lossy network: nftables on the egress of every bridge port (so each frame is hit on its way to
# each receiver, independently). First 1 % loss: no membership change at all (token retransmission
# covers a lost token). Then 5 % loss and 1 % duplication under load:
# throughput may drop, the guarantees may not (the checker over every client's stream), and the
# ring is whole again once the links are clean. This kernel has no netem (CONFIG_NET_SCH_NETEM
# unset, nor any queueing discipline that delays), so reordering and jitter are not reproduced here; the simulator's sweep covers them.
source "$(dirname "$0")/lib.sh"
RATE=${RATE:-800}
n=4
cluster up $n >/dev/null
lossy() { # LOSS_PERCENT DUP_PERCENT on every port's egress, or "off"
    local i
    ip netns exec "$brns" nft delete table netdev lossy 2>/dev/null || true
    [ "$1" = off ] && return 0
    {
        echo "table netdev lossy {"
        for i in $(seq 1 $n); do
            echo "  chain p$i { type filter hook egress device \"p$i\" priority 0;"
            echo "    numgen random mod 100 < $1 counter drop"
            [ "$2" -gt 0 ] && echo "    numgen random mod 100 < $2 counter dup to \"p$i\""
            echo "  }"
        done
        echo "}"
    } | ip netns exec "$brns" nft -f -
}
counted() { ip netns exec "$brns" nft list table netdev lossy | awk '/drop/ {d += $(NF-3)} /dup/ {u += $(NF-5)} END {print d+0, "dropped,", u+0, "duplicated"}'; }
extra_cleanup='lossy off'
start_clients "1 2 3 4"
changes0=$(status 1 | field ring_changes)
lossy 1 0
a=$(delivered 1)
sleep 4
b=$(delivered 1)
changes1=$(status 1 | field ring_changes)
say "1 % loss: $(( (b - a) / 4 )) msgs/s, ring_changes $changes0 -> $changes1 ($(counted))"
[ "$changes1" = "$changes0" ] ||
    fail "the membership changed under 1 % loss (ring_changes $changes0 -> $changes1; see the node logs for token losses and poll loop pauses)"
lossy 5 1
sleep 5
c=$(delivered 1)
changes2=$(status 1 | field ring_changes)
say "5 % loss, 1 % dup: $(( (c - b) / 5 )) msgs/s, ring_changes $changes1 -> $changes2 ($(counted))"
for i in $(seq 1 $n); do
    say "node $i: retransmissions $(status $i | field retransmissions) token_lost $(status $i | field token_lost)"
done
lossy off
clean=$(mono_ns)
wait_members "1 2 3 4" || fail "no ring of all four once the links were clean"
sleep 1
finish_clients "1 2 3 4"
check_logs "1 2 3 4" --clean-since "$clean" --bound-ms 5000
[ "$c" -gt "$b" ] || fail "nothing delivered under 5 % loss"
say "ok"
