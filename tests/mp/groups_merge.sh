#!/usr/bin/env bash
# Process groups survive a partition: while node 3 is cut off, a client there joins the group
# that a client on node 1 is in, and neither side can know. When the partition heals, the
# state sync (docs/design.md, "Process groups") makes both see the other at the same point: each
# gets a view with reason sync that lists both members; then messages from node 2 reach both.
source "$(dirname "$0")/lib.sh"
cluster up 3
tmp=$RINGCAST_CLUSTER_DIR
cluster exec 1 -- ringcast recv mp --count 100 --digest --views --timeout 60 >"$tmp/r1" 2>&1 &
r1=$!
wait_joined "$tmp/r1"
cluster partition "1,2|3" >/dev/null
wait_members "1 2" && wait_members "3" || fail "no partition 1,2 | 3"
cluster exec 3 -- ringcast recv mp --count 100 --digest --views --timeout 60 >"$tmp/r3" 2>&1 &
r3=$!
wait_joined "$tmp/r3"
grep -q "^view mp .* members \[3/[0-9/]*\] " "$tmp/r3" || fail "node 3's client saw others while apart: $(grep '^view' "$tmp/r3")"
cluster heal >/dev/null
wait_members "1 2 3" || fail "no ring 1 2 3 after healing"
p1=$(recv_pid "$tmp/r1")
p3=$(recv_pid "$tmp/r3")
for _ in $(seq 1 50); do
    grep -q "reason sync" "$tmp/r1" && grep -q "reason sync" "$tmp/r3" && break
    sleep 0.1
done
v1=$(grep "reason sync" "$tmp/r1" | tail -n 1)
v3=$(grep "reason sync" "$tmp/r3" | tail -n 1)
echo "node 1: $v1"
echo "node 3: $v3"
for v in "$v1" "$v3"; do
    [[ "$v" =~ members\ \[1/$p1/[0-9]+\ 3/$p3/[0-9]+\] ]] || fail "sync view without both members: $v"
done
[[ "$v1" == *"joined [3/$p3/"* ]] || fail "node 1 was not told node 3's member joined: $v1"
[[ "$v3" == *"joined [1/$p1/"* ]] || fail "node 3 was not told node 1's member joined: $v3"
cluster exec 2 -- ringcast send mp --count 100 --size 300 >"$tmp/s2" 2>&1 || fail "sender: $(cat "$tmp/s2")"
wait "$r1" || fail "receiver on node 1: $(cat "$tmp/r1")"
wait "$r3" || fail "receiver on node 3: $(cat "$tmp/r3")"
d=$(for f in s2 r1 r3; do tail -n 1 "$tmp/$f" | awk '{print $NF}'; done | sort -u)
[ "$(wc -l <<<"$d")" -eq 1 ] || fail "digests differ: $d"
echo "ok: the groups of a healed partition merged (reason sync on both sides); digest $d"
