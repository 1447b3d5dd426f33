# Shared helpers of the cluster fault suite (sourced). A scenario brings up its own cluster with
# scripts/cluster, runs a logclient on every node, applies its fault, and ends with check_logs.
# Whatever happens, the EXIT trap stops the clients and the cluster; a failing scenario's logs
# are kept under the build dir and the path is printed.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scenario=$(basename "$0" .sh)
export RINGCAST_BUILD_DIR=${RINGCAST_BUILD_DIR:?meson sets the build dir}
# Own namespaces (cl-n1.., cl-br) and state, so the suite can run next to other clusters.
export RINGCAST_NS_PREFIX=${RINGCAST_NS_PREFIX:-cl}
export RINGCAST_CLUSTER_DIR=${RINGCAST_CLUSTER_DIR:-/tmp/ringcast-cl-$$}/$scenario
# The suite's profile: a 200 ms token timeout. Four or five daemons and as many busy clients share
# two CPUs here; each token hop can wait 10-30 ms for its daemon to be scheduled (the daemons log
# these as "poll loop paused"), so one rotation now and then exceeds 50 ms, scripts/cluster's
# default, and re-forms the ring. crash.sh sets its own (detection is what it measures).
export RINGCAST_TOKEN_MS=${RINGCAST_TOKEN_MS:-200}
logclient=${RINGCAST_LOGCLIENT:?meson passes the logclient}
evs_check=${RINGCAST_EVS_CHECK:?meson passes evs_check}
dir=$RINGCAST_CLUSTER_DIR
brns=$RINGCAST_NS_PREFIX-br
rm -rf "$dir"
mkdir -p "$dir"
group=evs
declare -A client_pid=() # "node.inc" -> pid
declare -A incarnation=() # node -> latest client incarnation
t_start=$(date +%s)

source "$top/tests/lib/cluster_helpers.sh"
ns() { echo "$RINGCAST_NS_PREFIX-n$1"; }
status() { ip netns exec "$(ns "$1")" "$RINGCAST_BUILD_DIR/app/ringcast/ringcast" status --json --file-prefix "$(ns "$1")"; }
mono_ns() { python3 -c 'import time; print(time.monotonic_ns())'; }
wall_ns() { date +%s%N; }
say() { echo "$scenario: $*"; }

keep_logs() {
    local keep
    keep=$RINGCAST_BUILD_DIR/tests/cluster/logs/$scenario-$(date +%Y%m%d-%H%M%S)
    mkdir -p "$keep"
    cp -r "$dir"/. "$keep"/ 2>/dev/null || true
    echo "$scenario: logs kept in $keep" >&2
}
fail() { echo "FAIL: $scenario: $*" >&2; failed=1; exit 1; }
failed=0
cleanup() {
    local rc=$?
    trap - EXIT TERM
    kill "$watchdog" 2>/dev/null || true
    local k
    for k in "${!client_pid[@]}"; do kill -KILL "${client_pid[$k]}" 2>/dev/null || true; done
    [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] && keep_logs
    [ -n "${extra_cleanup:-}" ] && eval "$extra_cleanup"
    cluster down >/dev/null 2>&1 || true
    say "$(( $(date +%s) - t_start )) s"
    exit "$rc"
}
trap cleanup EXIT
# Every scenario is bounded: past this, it fails (and still cleans up through the trap).
deadline=${RINGCAST_CLUSTER_DEADLINE_S:-60}
( for ((k = 0; k < deadline * 10; k++)); do sleep 0.1; kill -0 $$ 2>/dev/null || exit 0; done
  kill -TERM $$ 2>/dev/null ) &
watchdog=$!
trap 'fail "over the ${deadline} s bound"' TERM

alive_node() { local p; p=$(cat "$dir/node$1.pid" 2>/dev/null) && kill -0 "$p" 2>/dev/null; }

# Every listed node operational with exactly those members ("1 2 3"): LIMIT polls 0.1 s apart.
wait_members() { cluster_wait_members "$1" "${2:-100}" 0.1; }

# start_client NODE EXPECT [extra logclient args]: a new incarnation of NODE's client.
start_client() {
    local i=$1 expect=$2; shift 2
    local inc=$(( ${incarnation[$i]:-0} + 1 ))
    incarnation[$i]=$inc
    ip netns exec "$(ns "$i")" "$logclient" "/run/ringcast/$(ns "$i").sock" "$group" \
        "$dir/client$i.$inc.log" --node "$i" --inc "$inc" --rate "${RATE:-1500}" \
        --size-max "${SIZE_MAX:-1400}" --expect "$expect" "$@" 2>>"$dir/client$i.$inc.err" &
    client_pid[$i.$inc]=$!
}
# Starts a client on each listed node, all sending once the group has all of them.
start_clients() {
    local nodes=$1 n i
    n=$(wc -w <<<"$nodes")
    for i in $nodes; do start_client "$i" "$n"; done
    for i in $nodes; do wait_client_joined "$i" "$n"; done
}
wait_client_joined() { # node members
    local f=$dir/client$1.${incarnation[$1]}.err log=$dir/client$1.${incarnation[$1]}.log
    for _ in $(seq 1 100); do
        # The log is block-buffered; its start line is flushed at once.
        grep -q '^A ' "$log" 2>/dev/null && return 0
        kill -0 "${client_pid[$1.${incarnation[$1]}]}" 2>/dev/null || fail "client on node $1 died: $(cat "$f")"
        sleep 0.1
    done
    fail "client on node $1 never started: $(cat "$f")"
}

# Stops sending everywhere, waits until every listed node's delivered count holds still (the
# ring drained; counts differ between nodes that were apart or restarted), then ends every
# client still running.
finish_clients() {
    local k prev="" cur
    for k in "${!client_pid[@]}"; do kill -USR1 "${client_pid[$k]}" 2>/dev/null || true; done
    for _ in $(seq 1 20); do
        sleep 0.3
        cur=$(for i in $1; do delivered "$i"; done | tr '\n' ' ')
        [ "$cur" = "$prev" ] && break
        prev=$cur
    done
    for k in "${!client_pid[@]}"; do kill -TERM "${client_pid[$k]}" 2>/dev/null || true; done
    for k in "${!client_pid[@]}"; do wait "${client_pid[$k]}" 2>/dev/null || true; done
    client_pid=()
}

# Hands every client log to the checker. Extra args go to evs_check (e.g. --clean-since).
check_logs() {
    local nodes=$1; shift
    local out
    out=$("$evs_check" --nodes "$(tr ' ' ',' <<<"$nodes")" "$@" "$dir"/client*.log 2>&1) || {
        echo "$out" >&2
        fail "the checker found violations"
    }
    echo "$out"
    grep -q ' 0 deliveries' <<<"$out" && fail "no deliveries at all"
    return 0
}

# How many messages the node's daemon delivered (the ring's stream, all clients).
delivered() { status "$1" | grep -o '"delivered": *[0-9]*' | grep -o '[0-9]*$'; }

# Milliseconds from MONO_NS to the first regular configuration with exactly MEMBERS ("1,2,3")
# in the node's client log (the client sees it within its poll interval of the daemon).
config_after_ms() { # node mono_ns members
    awk -v t="$2" -v m="$3" '$1 == "C" && $3 == "R" && $2 > t && $7 == m {printf "%d\n", ($2 - t) / 1e6; exit}' \
        "$dir/client$1.${incarnation[$1]}.log"
}
