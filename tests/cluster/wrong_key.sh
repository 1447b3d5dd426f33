#!/usr/bin/env bash
# Wrong key, under client load and the checker: a fourth node with another
# cluster key starts while clients on nodes 1-3 send; it never joins, its frames are bad-tag
# drops, the ring of 1-3 is not disturbed and their streams pass the checker.
source "$(dirname "$0")/lib.sh"
cluster up 4 >/dev/null
cluster stop 4 >/dev/null
wait_members "1 2 3" || fail "no ring 1 2 3"
"$RINGCAST_BUILD_DIR/app/ringcast/ringcast" keygen "$dir/other.key" >/dev/null
sed -i "s|^key_file = .*|key_file = \"$dir/other.key\"|" "$dir/node4.toml"
start_clients "1 2 3"
changes=$(status 1 | field ring_changes)
bad0=0; for i in 1 2 3; do bad0=$((bad0 + $(status $i | python3 -c 'import json,sys; print(json.load(sys.stdin)["drops"]["bad_tag"])'))); done
cluster restart 4 >/dev/null
sleep 3
bad1=0; for i in 1 2 3; do bad1=$((bad1 + $(status $i | python3 -c 'import json,sys; print(json.load(sys.stdin)["drops"]["bad_tag"])'))); done
finish_clients "1 2 3"
for i in 1 2 3; do [ "$(status $i | field members)" = "1 2 3" ] || fail "node $i: members changed"; done
after=$(status 1 | field ring_changes)
[ "$after" = "$changes" ] || fail "ring_changes $changes -> $after while the wrong-key node ran"
[ $((bad1 - bad0)) -gt 0 ] || fail "no bad-tag drops for the wrong-key node's frames"
check_logs "1 2 3"
say "ok: $((bad1 - bad0)) bad-tag drops, ring untouched"
