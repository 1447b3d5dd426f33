# Shared helpers of the multi-process tests (sourced). Each test brings up its own local cluster
# with scripts/cluster and always tears it down, also when it fails.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export RINGCAST_BUILD_DIR=${RINGCAST_BUILD_DIR:?meson sets the build dir}
export RINGCAST_CLUSTER_DIR=${RINGCAST_CLUSTER_DIR:-/tmp/ringcast-mp-$$}
# Its own namespaces (mp-n1.., mp-br), so a test run can go on next to a hand-run cluster.
export RINGCAST_NS_PREFIX=${RINGCAST_NS_PREFIX:-mp}
cluster() { bash "$top/scripts/cluster" "$@"; }
ringcast=$RINGCAST_BUILD_DIR/app/ringcast/ringcast
fail() { echo "FAIL: $*" >&2; echo "logs: $RINGCAST_CLUSTER_DIR" >&2; exit 1; }
cleanup() { cluster down >/dev/null 2>&1 || true; }
trap cleanup EXIT

status() { cluster exec "$1" -- ringcast status --json; }
field() { python3 -c 'import json,sys; v=json.loads(sys.stdin.read())[sys.argv[1]]; print(" ".join(map(str,v)) if isinstance(v,list) else v)' "$1"; }
drop() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["drops"][sys.argv[1]])' "$1"; }
now_ns() { date +%s%N; }
