#!/usr/bin/env bash
# The daemon checks a client's uid/gid at the handshake (SO_PEERCRED against [clients]
# allowed_uids / allowed_gids). uid 65534 is refused by node 1 (default: only the daemon's own
# uid), with a one-line reason, a non-zero exit and a log line naming the uid; node 2, whose
# config allows it, accepts the same command, and its message reaches a receiver on node 1.
source "$(dirname "$0")/lib.sh"
cluster up 2
tmp=$RINGCAST_CLUSTER_DIR
printf '[clients]\nallowed_uids = [0, 65534]\n' >>"$tmp/node2.toml"
cluster restart 2 >/dev/null
wait_members "1 2" || fail "no ring 1 2 after restarting node 2 with allowed_uids"

mark=$(wc -l <"$tmp/node1.log")
rc=0
out=$(cluster exec 1 -- setpriv --reuid 65534 --regid 65534 --clear-groups \
    ringcast send mp --count 1 2>&1) || rc=$?
echo "uid 65534 on node 1: exit $rc: $out"
[ "$rc" -ne 0 ] || fail "uid 65534 was not refused on node 1"
[[ "$out" == *"refused by ringcastd"* ]] || fail "refusal does not say why: $out"
[ "$(wc -l <<<"$out")" -eq 1 ] || fail "refusal is not one line: $out"
line=""
for _ in $(seq 1 30); do
    line=$(log_since 1 "$mark" | grep "refused a client: uid 65534 gid 65534" || true)
    [ -n "$line" ] && break
    sleep 0.1
done
[ -n "$line" ] || fail "node 1 did not log the refusal"
echo "node 1 log: ${line#*clients: }"
log_since 1 "$mark" | grep -q "clients: client .* connected: .* uid 65534" && fail "node 1 accepted uid 65534"

cluster exec 1 -- ringcast recv mp --count 5 --digest --timeout 30 >"$tmp/r1" 2>&1 &
r1=$!
wait_joined "$tmp/r1"
out=$(cluster exec 2 -- setpriv --reuid 65534 --regid 65534 --clear-groups \
    ringcast send mp --count 5 --size 100 2>&1) || fail "uid 65534 refused on node 2, which allows it: $out"
wait "$r1" || fail "receiver on node 1: $(cat "$tmp/r1")"
sent=$(awk '{print $NF}' <<<"$out")
got=$(tail -n 1 "$tmp/r1" | awk '{print $NF}')
[ "$sent" = "$got" ] || fail "digest sent by uid 65534 $sent, received $got"
grep -q "clients: client .* connected: .* uid 65534" "$tmp/node2.log" || fail "node 2 did not log the uid 65534 client"
echo "ok: uid 65534 refused at the handshake on node 1, accepted on node 2 (allowed_uids)"
