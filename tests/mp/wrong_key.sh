#!/usr/bin/env bash
# A fourth node with another cluster key cannot join: its frames are bad-tag drops on the others,
# and their ring is not disturbed.
source "$(dirname "$0")/lib.sh"
cluster up 4
cluster stop 4
sleep 0.5
before=$(status 1 | field ring_changes)
members=$(status 1 | field members)
[ "$members" = "1 2 3" ] || fail "ring after stopping node 4 is [$members]"
rm -f "$RINGCAST_CLUSTER_DIR/other.key"
"$ringcast" keygen "$RINGCAST_CLUSTER_DIR/other.key" >/dev/null
sed -i "s|^key_file = .*|key_file = \"$RINGCAST_CLUSTER_DIR/other.key\"|" "$RINGCAST_CLUSTER_DIR/node4.toml"
lines=()
for i in 1 2 3; do lines[$i]=$(wc -l <"$RINGCAST_CLUSTER_DIR/node$i.log"); done
cluster restart 4
sleep 2
cluster load 1 --size 256 --nodes 1,2 >/dev/null
for i in 1 2 3; do
    m=$(status $i | field members)
    [ "$m" = "1 2 3" ] || fail "node $i members [$m] after the wrong-key node started"
done
after=$(status 1 | field ring_changes)
for i in 1 2 3; do
    # No configuration installed after the wrong-key node started may name it.
    if tail -n +"$((lines[$i] + 1))" "$RINGCAST_CLUSTER_DIR/node$i.log" | grep "configuration ring" | grep -q "members \[.* 4 \]"; then
        fail "node $i installed a configuration with the wrong-key node"
    fi
done
[ "$after" = "$before" ] || echo "note: ring_changes $before -> $after (a re-form among 1,2,3; node 4 never in it)"
bad=0
for i in 1 2 3; do bad=$((bad + $(status $i | drop bad_tag))); done
[ "$bad" -gt 0 ] || fail "no bad-tag drops counted for the wrong-key node's frames"
d=$(for i in 1 2 3; do status $i | field digest; done | sort -u | wc -l)
[ "$d" -eq 1 ] || fail "digests differ"
echo "ok: wrong-key node kept out; $bad bad-tag drops; ring_changes stayed $after"
