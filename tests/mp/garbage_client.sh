#!/usr/bin/env bash
# A hostile local client (tests/mp/garbage_client.cpp) connects properly and then corrupts what a
# client controls: the submit ring's head cursor, record headers and lengths, the group header,
# the sender, its delivery ring's tail. Each attack, on its own connection, must get it dropped
# with the reason in its region and in the daemon log; the daemon stays up, the ring keeps its
# members, and honest clients on both nodes go on (same digests before and after the attacks).
source "$(dirname "$0")/lib.sh"
garbage=${RINGCAST_GARBAGE_CLIENT:?meson passes the garbage client}
half=${RINGCAST_MP_GARBAGE_MESSAGES:-2000}
cluster up 2
tmp=$RINGCAST_CLUSTER_DIR
sock=/run/ringcast/$RINGCAST_NS_PREFIX-n1.sock
changes=$(status 1 | field ring_changes)
cluster exec 1 -- ringcast recv mp --count $((2 * half)) --digest --views --timeout 60 >"$tmp/r1" 2>&1 &
r1=$!
cluster exec 2 -- ringcast recv mp --count $((2 * half)) --digest --timeout 60 >"$tmp/r2" 2>&1 &
r2=$!
wait_joined "$tmp/r1"
wait_joined "$tmp/r2"
cluster exec 1 -- ringcast send mp --count "$half" --size 2048 --mixed >"$tmp/s1" 2>&1 ||
    fail "honest sender before the attacks: $(cat "$tmp/s1")"

# mode -> what the daemon must say (a fragment of its reason)
declare -A expect=(
    [head-ahead]="cursor" [head-unaligned]="cursor" [length]="length" [past-head]="length"
    [header]="header" [random]="" [group]="bad group header" [sender]="sender is not this client"
    [tail]="impossible tail"
)
for m in head-ahead head-unaligned length past-head header random group sender tail; do
    mark=$(wc -l <"$tmp/node1.log")
    out=$(cluster exec 1 -- "$garbage" "$sock" "$m" mp 2>&1) || fail "attack $m: $out"
    id=$(sed -n 's/^client \([0-9]*\) dropped: .*/\1/p' <<<"$out")
    reason=${out#client * dropped: }
    [ -n "$id" ] || fail "attack $m: $out"
    [[ "$reason" == *"${expect[$m]}"* ]] || fail "attack $m: dropped for '$reason', expected '${expect[$m]}'"
    logged=""
    for _ in $(seq 1 50); do
        logged=$(log_since 1 "$mark" | grep "clients: client $id (pid [0-9]*) disconnected: " || true)
        [ -n "$logged" ] && break
        sleep 0.1
    done
    [ -n "$logged" ] || fail "attack $m: no disconnect line in the daemon log"
    grep -qF -- "disconnected: $reason" <<<"$logged" || fail "attack $m: log says '$logged', client saw '$reason'"
    echo "attack $m: $(sed 's/.*clients: //' <<<"$logged" | head -n 1)"
    status 1 >/dev/null || fail "ringcastd on node 1 stopped answering after attack $m"
done

cluster exec 1 -- ringcast send mp --count "$half" --size 2048 --mixed >"$tmp/s2" 2>&1 ||
    fail "honest sender after the attacks: $(cat "$tmp/s2")"
wait "$r1" || fail "receiver on node 1: $(cat "$tmp/r1")"
wait "$r2" || fail "receiver on node 2: $(cat "$tmp/r2")"
d=$(for f in r1 r2; do tail -n 1 "$tmp/$f" | awk '{print $NF}'; done | sort -u)
[ "$(wc -l <<<"$d")" -eq 1 ] || fail "receivers' digests differ: $d"
grep -q "received $((2 * half)) messages" "$tmp/r1" || fail "node 1 receiver: $(tail -n 1 "$tmp/r1")"
# The tail attacker had joined: its drop is a leave every member sees, through the total order.
grep -q "reason process_gone" "$tmp/r1" || fail "no process_gone view for the dropped member"
for i in 1 2; do
    kill -0 "$(cat "$tmp/node$i.pid")" || fail "ringcastd on node $i died"
    [ "$(status $i | field members)" = "1 2" ] || fail "node $i left the ring"
done
after=$(status 1 | field ring_changes)
[ "$after" = "$changes" ] || echo "note: ring_changes $changes -> $after (same members 1 2)"
echo "ok: 9 attacks dropped with logged reasons; $((2 * half)) honest messages, digest $d on both nodes"
