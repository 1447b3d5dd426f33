#!/usr/bin/env bash
# ringcast vs the raw link on the local cluster's topology (veth + bridge, af_packet), side by side
# in one run: N nodes all sending SIZE-byte messages with crypto on (the built-in generator), then
# the raw af_packet broadcast rate between the same namespaces (one sender, N-1 receivers) with
# frames of the size ringcast puts on the wire for one such message. Repeats alternate the order;
# medians are reported. Prints a table and writes JSON lines to build/bench/ring_vs_link.jsonl.
#   bench/cluster/ring_vs_link.sh [--nodes 3] [--size 1024] [--seconds 5] [--reps 3]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${RINGCAST_BUILD_DIR:-$top/build}
[[ $build = /* ]] || build=$top/$build
nodes=3 size=1024 seconds=5 reps=3
while [ $# -gt 0 ]; do
    case "$1" in
    --nodes) nodes=$2; shift 2 ;; --size) size=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;; --reps) reps=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ring_vs_link: unknown option '$1'" >&2; exit 2 ;;
    esac
done
export RINGCAST_BUILD_DIR=$build
cluster() { bash "$top/scripts/cluster" "$@"; }
linkbench=$build/bench/cluster/linkbench
[ -x "$linkbench" ] || { echo "ring_vs_link: $linkbench not built (scripts/setup)" >&2; exit 1; }
out=$build/bench/ring_vs_link.jsonl
mkdir -p "$(dirname "$out")"
: >"$out"
trap 'cluster down >/dev/null 2>&1 || true' EXIT
# One message per frame on the wire: Ethernet 14 + header 48 + mcast 40 + chunk 8 + payload + tag 16.
frame=$((14 + 48 + 40 + 8 + size + 16))
huge=--no-huge
[ -f /tmp/ringcast-hugepages-ok ] && huge=

status() { cluster exec "$1" -- ringcast status --json; }
jget() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1"; }

run_ring() {
    cluster up "$nodes" >/dev/null
    local r0 t0 t1 r1
    r0=$(status 1 | jget token_rotations); t0=$(date +%s.%N)
    local table
    table=$(cluster load "$seconds" --size "$size" --nodes all | tail -n "$nodes")
    t1=$(date +%s.%N); r1=$(status 1 | jget token_rotations)
    # min over receivers, as the issue asks
    python3 - "$table" "$r0" "$r1" "$t0" "$t1" "$size" <<'PY' >>"$out"
import json, sys
table, r0, r1, t0, t1, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
rows = [l.split() for l in table.splitlines() if l.split() and l.split()[0].isdigit()]
msgs = min(float(r[2]) for r in rows); mbs = min(float(r[3]) for r in rows)
digests = sorted({r[4] for r in rows})
print(json.dumps({"system": "ringcast", "size": size, "msgs_per_s": msgs, "MB_per_s": mbs,
                  "token_rotations_per_s": (r1 - r0) / (t1 - t0), "digests_equal": len(digests) == 1}))
PY
    cluster down >/dev/null
}

run_link() {
    cluster up "$nodes" >/dev/null
    local i
    for i in $(seq 1 "$nodes"); do cluster stop "$i" >/dev/null; done
    local tmp; tmp=$(mktemp -d)
    for i in $(seq 2 "$nodes"); do
        ip netns exec "${RINGCAST_NS_PREFIX:-rc}-n$i" "$linkbench" -l $(( (i - 1) % $(nproc) )) $huge -m 64 --file-prefix "lb$i" --no-pci \
            --vdev="net_af_packet0,iface=rc$i,framecnt=2048,blocksz=4096" --log-level=error -- \
            recv --size "$frame" --seconds "$((seconds + 2))" >"$tmp/r$i" 2>/dev/null &
    done
    sleep 1
    ip netns exec "${RINGCAST_NS_PREFIX:-rc}-n1" "$linkbench" -l 0 $huge -m 64 --file-prefix lb1 --no-pci \
        --vdev="net_af_packet0,iface=rc1,framecnt=2048,blocksz=4096" --log-level=error -- \
        send --size "$frame" --seconds "$seconds" >"$tmp/s1" 2>/dev/null
    wait
    python3 - "$tmp" "$nodes" "$size" "$frame" <<'PY' >>"$out"
import json, sys
tmp, n, size, frame = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
recv = [json.loads(open(f"{tmp}/r{i}").read()) for i in range(2, n + 1)]
send = json.loads(open(f"{tmp}/s1").read())
# receivers ran longer than the sender: rate over the sender's time
fps = min(r["frames"] for r in recv) / send["seconds"]
print(json.dumps({"system": "raw_af_packet", "size": size, "frame": frame, "frames_per_s": fps,
                  "MB_per_s": fps * size / 1e6, "sender_frames_per_s": send["frames_per_s"]}))
PY
    # All nodes sending at once: what each node sees (its own frames plus the others').
    for i in $(seq 1 "$nodes"); do
        ip netns exec "${RINGCAST_NS_PREFIX:-rc}-n$i" "$linkbench" -l $(( (i - 1) % $(nproc) )) $huge -m 64 --file-prefix "lb$i" --no-pci \
            --vdev="net_af_packet0,iface=rc$i,framecnt=2048,blocksz=4096" --log-level=error -- \
            both --size "$frame" --seconds "$seconds" >"$tmp/b$i" 2>/dev/null &
    done
    wait
    python3 - "$tmp" "$nodes" "$size" "$frame" <<'PY' >>"$out"
import json, sys
tmp, n, size, frame = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
b = [json.loads(open(f"{tmp}/b{i}").read()) for i in range(1, n + 1)]
total = sum(x["frames"] for x in b)
seen = min((x["received"] + x["frames"]) / x["seconds"] for x in b)
print(json.dumps({"system": "raw_af_packet_all", "size": size, "frame": frame, "frames_per_s": seen,
                  "MB_per_s": seen * size / 1e6, "sent_total_per_s": total / b[0]["seconds"]}))
PY
    rm -rf "$tmp"
    cluster down >/dev/null
}

for r in $(seq 1 "$reps"); do
    if [ $((r % 2)) -eq 1 ]; then run_ring; run_link; else run_link; run_ring; fi
    echo "ring_vs_link: repetition $r/$reps done" >&2
done
python3 - "$out" "$nodes" "$size" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ring = [r for r in rows if r["system"] == "ringcast"]; link = [r for r in rows if r["system"] == "raw_af_packet"]
alll = [r for r in rows if r["system"] == "raw_af_packet_all"]
med = lambda xs: statistics.median(xs)
rm, lm = med([r["msgs_per_s"] for r in ring]), med([r["frames_per_s"] for r in link])
print(f"{sys.argv[2]} nodes, {sys.argv[3]}-byte messages, crypto on, all nodes sending; medians of {len(ring)} runs")
print(f"  ringcast   delivered per node (min over nodes): {rm:10.0f} msgs/s  {med([r['MB_per_s'] for r in ring]):7.1f} MB/s  "
      f"token rotations {med([r['token_rotations_per_s'] for r in ring]):8.0f}/s  digests equal: {all(r['digests_equal'] for r in ring)}")
print(f"  raw link   af_packet broadcast, 1 sender:      {lm:10.0f} frames/s {med([r['MB_per_s'] for r in link]):7.1f} MB/s")
am = med([r["frames_per_s"] for r in alll])
print(f"  raw link   af_packet broadcast, all sending:   {am:10.0f} frames/s {med([r['MB_per_s'] for r in alll]):7.1f} MB/s  (own + received, min over nodes)")
print(f"  ratio ringcast / raw link (1 sender):   {rm / lm:.2f}")
print(f"  ratio ringcast / raw link (all sending): {rm / am:.2f}")
PY
