#!/usr/bin/env bash
# Lossy network: nftables on the egress of every bridge port (so each frame is hit on its way to
# each receiver, independently). First 1 % loss: no membership change at all (token retransmission
# covers a lost token). Then 5 % loss and 1 % duplication under load:
# throughput may drop, the guarantees may not (the checker over every client's stream), and the
# ring is whole again once the links are clean. Then reordering and 100 us jitter with the same
# loss and duplication: this kernel has no netem (CONFIG_NET_SCH_NETEM unset, no queueing
# discipline that delays, no nftables queue), so the bridge ports leave the bridge and impairhub,
# a userspace hub, forwards between them holding each frame 100 +- 100 us and letting a quarter
# overtake the held ones.
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
impairhub=${RINGCAST_IMPAIRHUB:?meson passes impairhub}
hub_pid=
# Switching between the bridge and the hub leaves no gap (a gap of a token timeout would be a
# membership change the impairments did not cause): the hub starts while the ports are still
# bridged (for a moment frames go both ways: duplicates), and the ports rejoin the bridge before it stops.
hub_on() { # impairhub options
    local i ports=""
    for i in $(seq 1 $n); do ports="$ports${ports:+,}p$i"; done
    ip netns exec "$brns" "$impairhub" "$ports" "$@" >"$dir/impairhub.json" 2>"$dir/impairhub.err" &
    hub_pid=$!
    for _ in $(seq 1 50); do grep -q ports "$dir/impairhub.err" && break; sleep 0.02; done
    grep -q ports "$dir/impairhub.err" || fail "impairhub did not start: $(cat "$dir/impairhub.err")"
    for i in $(seq 1 $n); do ip -n "$brns" link set "p$i" nomaster; done
}
hub_off() {
    [ -n "$hub_pid" ] || return 0
    local i
    for i in $(seq 1 $n); do ip -n "$brns" link set "p$i" master br0; done
    kill -TERM "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
    hub_pid=
}
counted() { ip netns exec "$brns" nft list table netdev lossy | awk '/drop/ {d += $(NF-3)} /dup/ {u += $(NF-5)} END {print d+0, "dropped,", u+0, "duplicated"}'; }
extra_cleanup='hub_off; lossy off'
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
hub_on --loss 5 --dup 1 --delay-us 100 --jitter-us 100 --reorder 25 --seed 7
sleep 5
d=$(delivered 1)
hub_off
changes3=$(status 1 | field ring_changes)
hub=$(cat "$dir/impairhub.json")
say "5 % loss, 1 % dup, 100 +- 100 us, 25 % reorder: $(( (d - c) / 5 )) msgs/s, ring_changes $changes2 -> $changes3 (impairhub: $hub)"
reordered=$(field reordered <<<"$hub")
[ "${reordered:-0}" -gt 0 ] || fail "impairhub reordered no frame ($hub; $(cat "$dir/impairhub.err"))"
[ "$d" -gt "$c" ] || fail "nothing delivered under reordering and jitter"
clean=$(mono_ns)
wait_members "1 2 3 4" || fail "no ring of all four once the links were clean"
sleep 1
finish_clients "1 2 3 4"
check_logs "1 2 3 4" --clean-since "$clean" --bound-ms 5000
[ "$c" -gt "$b" ] || fail "nothing delivered under 5 % loss"
say "ok"
