# Helpers shared by the mp and cluster suites (sourced by their lib.sh, which set `top` and
# define `status NODE`, the node's `ringcast status --json`).
cluster() { bash "$top/scripts/cluster" "$@"; }
# One field of a JSON object on stdin; a list prints space-separated.
field() { python3 -c 'import json,sys; v=json.loads(sys.stdin.read())[sys.argv[1]]; print(" ".join(map(str,v)) if isinstance(v,list) else v)' "$1"; }
# Waits until every listed node is operational with exactly those members ("1 2 3"): at most
# TRIES polls (default 100) SECONDS apart (default 0.1).
cluster_wait_members() {
    local want=$1 tries=${2:-100} every=${3:-0.1} i ok
    for _ in $(seq 1 "$tries"); do
        ok=1
        for i in $want; do
            [ "$(status "$i" 2>/dev/null | field members 2>/dev/null)" = "$want" ] || { ok=0; break; }
        done
        [ $ok -eq 1 ] && return 0
        sleep "$every"
    done
    return 1
}
