# Shared helpers of the multi-process tests (sourced). Each test brings up its own local cluster
# with scripts/cluster and always tears it down, also when it fails.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export RINGCAST_BUILD_DIR=${RINGCAST_BUILD_DIR:?meson sets the build dir}
export RINGCAST_CLUSTER_DIR=${RINGCAST_CLUSTER_DIR:-/tmp/ringcast-mp-$$}
# Its own namespaces (mp-n1.., mp-br), so a test run can go on next to a hand-run cluster.
export RINGCAST_NS_PREFIX=${RINGCAST_NS_PREFIX:-mp}
source "$top/tests/lib/cluster_helpers.sh"
ringcast=$RINGCAST_BUILD_DIR/app/ringcast/ringcast
fail() { echo "FAIL: $*" >&2; echo "logs: $RINGCAST_CLUSTER_DIR" >&2; exit 1; }
cleanup() { cluster down >/dev/null 2>&1 || true; }
trap cleanup EXIT

status() { cluster exec "$1" -- ringcast status --json; }
drop() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["drops"][sys.argv[1]])' "$1"; }
now_ns() { date +%s%N; }
# Every listed node operational with exactly those members ("1 2 3"), within 30 s.
wait_members() { cluster_wait_members "$1" 150 0.2; }
# Waits until FILE says the recv in it joined its group.
wait_joined() {
    for _ in $(seq 1 150); do grep -q '^joined ' "$1" 2>/dev/null && return 0; sleep 0.1; done
    fail "no join in $1: $(cat "$1")"
}
# The pid a `ringcast recv` printed when it joined.
recv_pid() { sed -n 's/^joined .* (pid \([0-9]*\))$/\1/p' "$1" | head -n 1; }
# Lines of node I's log written after line N.
log_since() { tail -n +"$(($2 + 1))" "$RINGCAST_CLUSTER_DIR/node$1.log"; }
