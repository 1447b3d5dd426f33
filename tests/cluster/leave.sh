#!/usr/bin/env bash
# Graceful leave: SIGTERM one node of four under load. With a 200 ms token timeout the others
# must re-form in well under it (the leaving node announces itself; no timeout is waited for).
source "$(dirname "$0")/lib.sh"
cluster up 4 >/dev/null
start_clients "1 2 3 4"
sleep 2
clean=$(mono_ns)
t0=$(wall_ns)
cluster stop 4 >/dev/null &
stopper=$!
wait_members "1 2 3" || fail "no ring 1 2 3 after SIGTERM"
wait "$stopper"
t1=$(status 1 | field last_ring_change_unix_ns)
ms=$(( (t1 - t0) / 1000000 ))
say "SIGTERM -> new regular configuration: $ms ms (token timeout ${RINGCAST_TOKEN_MS} ms)"
sleep 2
finish_clients "1 2 3"
check_logs "1 2 3 4" --clean-since "$clean" --bound-ms 3000
[ "$ms" -lt $((RINGCAST_TOKEN_MS / 2)) ] || fail "re-forming took $ms ms: as long as a token timeout"
say "ok: re-formed in $ms ms"
