# Sourced by scripts/bench-cluster: one function per system that measures one point of the matrix
# on a cluster the caller has started, and appends one JSON line to $out through summarize.py.
# Expects: $top $build $out $work $secs $huge, and the meta fields in $meta_* (set by the caller).

summarize() { python3 "$top/bench/cluster/summarize.py" "$@" >>"$out"; }

meta() { # system mode rate -> the point's identity as JSON
    # load1: the machine is shared, so each point says how busy it was.
    printf '{"system":"%s","mode":"%s","rate_total":%s,"nodes":%s,"size":%s,"senders":"%s","crypto":"%s","mtu":%s,"service":"%s","rep":%s,"seconds":%s,"load1":%s}' \
        "$1" "$2" "$3" "$meta_nodes" "$meta_size" "$meta_senders" "$meta_crypto" "$meta_mtu" \
        "${meta_service:-agreed}" "$meta_rep" "$secs" "$(cut -d' ' -f1 /proc/loadavg)"
}

cpu_of() { # pids... -> CPU seconds (user + system, all threads) so far
    local p t=0
    for p in "$@"; do
        # utime and stime are fields 14 and 15; the command name (field 2) has no spaces here.
        t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0) ))
    done
    python3 -c "print($t / $(getconf CLK_TCK))"
}

sender_nodes() { if [ "$meta_senders" = all ]; then seq 1 "$meta_nodes"; else echo 1; fi; }
sender_count() { if [ "$meta_senders" = all ]; then echo "$meta_nodes"; else echo 1; fi; }

ringcastd_pids() { local i; for i in $(seq 1 "$meta_nodes"); do cat "$RINGCAST_CLUSTER_DIR/node$i.pid"; done; }

ringcast_stats() { # -> one JSON list of every node's status
    local i
    echo -n '['
    for i in $(seq 1 "$meta_nodes"); do
        [ "$i" -gt 1 ] && echo -n ','
        ip netns exec "$RINGCAST_NS_PREFIX-n$i" "$build/app/ringcast/ringcast" status --json \
            --file-prefix "$RINGCAST_NS_PREFIX-n$i" 2>/dev/null || echo -n '{}'
    done
    echo ']'
}

# The ring alone: the daemon's built-in generator on the sending nodes. The same commands as
# `scripts/cluster load`, but the drain waits for each node's count to stop moving rather than for
# equal counts: the daemons count membership events as deliveries, and nodes that went through
# different ring changes never agree on that count (the wait then took 90 s a point here).
point_ringcast_gen() {
    local cpu0 cpu1 s0 s1 t0 t1 i prev="" cur
    s0=$(ringcast_stats); cpu0=$(cpu_of $(ringcastd_pids))
    t0=$(date +%s.%N)
    for i in $(sender_nodes); do
        ip netns exec "$RINGCAST_NS_PREFIX-n$i" "$build/app/ringcast/ringcast" generate start \
            --size "$meta_size" --rate max --file-prefix "$RINGCAST_NS_PREFIX-n$i" >/dev/null \
            || { echo "bench-cluster: node $i did not start its generator" >&2; return 1; }
    done
    sleep "$secs"
    for i in $(sender_nodes); do
        ip netns exec "$RINGCAST_NS_PREFIX-n$i" "$build/app/ringcast/ringcast" generate stop \
            --file-prefix "$RINGCAST_NS_PREFIX-n$i" >/dev/null || true
    done
    t1=$(date +%s.%N)
    for _ in $(seq 1 30); do
        cur=$(ringcast_stats | python3 -c 'import json,sys; print([n.get("delivered") for n in json.load(sys.stdin)])')
        [ "$cur" = "$prev" ] && break
        prev=$cur; sleep 0.3
    done
    cpu1=$(cpu_of $(ringcastd_pids)); s1=$(ringcast_stats)
    summarize gen "$(meta ringcast_gen saturation 0)" "$cpu0" "$cpu1" "$t0" "$t1" "$s0" "$s1"
}

# A groupbench client per node (sending or only receiving), all started together.
run_clients() { # system rate_total -> per-node JSON in $work/cN.json
    local sys=$1 rate_total=$2 i k senders send rate lat=() group
    # A group of its own per point: the last point's clients may still be leaving theirs when
    # these join, and counted as members they would let a client start before the others joined.
    point_seq=$(( ${point_seq:-0} + 1 ))
    group=bench-$meta_rep-$point_seq
    k=$(sender_count)
    rate=0
    [ "$rate_total" = 0 ] || rate=$(python3 -c "print($rate_total / $k)")
    for i in $(seq 1 "$meta_nodes"); do
        send=()
        if [ "$meta_senders" = all ] || [ "$i" -eq 1 ]; then send=(--send); fi
        lat=()
        [ "$i" -eq 1 ] && lat=(--latency-out "$work/cdf.txt")
        local args=(--group "$group" --size "$meta_size" --seconds "$secs" --rate "$rate" --senders "$k"
            --members "$meta_nodes" "${send[@]}" "${lat[@]}" --label "$meta_senders")
        [ "${meta_service:-agreed}" = safe ] && args+=(--safe)
        if [ "$sys" = corosync ]; then
            timeout $((secs + 90)) bash "$top/bench/corosync/cluster.sh" exec "$i" -- \
                "$build/bench/corosync/cpgbench" "${args[@]}" >"$work/c$i.json" 2>"$work/c$i.err" &
        else
            timeout $((secs + 90)) ip netns exec "$RINGCAST_NS_PREFIX-n$i" "$build/bench/cluster/rcgroupbench" \
                --socket "/run/ringcast/$RINGCAST_NS_PREFIX-n$i.sock" "${args[@]}" >"$work/c$i.json" 2>"$work/c$i.err" &
        fi
    done
    wait || true
    for i in $(seq 1 "$meta_nodes"); do
        [ -s "$work/c$i.json" ] || { echo "bench-cluster: $sys client on node $i printed nothing:" >&2; cat "$work/c$i.err" >&2; return 1; }
    done
}

# ringcast's shared-memory client path (libringcast), saturated (rate 0) or at a fixed load.
point_ringcast_client() { # rate_total
    local mode=saturation cpu0 cpu1 s0 s1 i
    [ "$1" = 0 ] || mode=fixed
    rm -f "$work"/c*.json "$work/cdf.txt"
    s0=$(ringcast_stats); cpu0=$(cpu_of $(ringcastd_pids))
    run_clients ringcast "$1" || return 1
    cpu1=$(cpu_of $(ringcastd_pids)); s1=$(ringcast_stats)
    summarize client "$(meta ringcast_client "$mode" "$1")" "$cpu0" "$cpu1" "$work/cdf.txt" "$s0" "$s1" \
        $(for i in $(seq 1 "$meta_nodes"); do echo "$work/c$i.json"; done)
}

corosync_retx() { # -> total retransmissions over the nodes (totem's srp counters)
    local i t=0 v
    for i in $(seq 1 "$meta_nodes"); do
        v=$(bash "$top/bench/corosync/cluster.sh" exec "$i" -- corosync-cmapctl -m stats 2>/dev/null \
            | awk -F' = ' '/^stats\.srp\.mcast_retx /{print $2}')
        t=$((t + ${v:-0}))
    done
    echo "$t"
}

point_corosync() { # rate_total
    local mode=saturation cpu0 cpu1 r0 r1 i
    [ "$1" = 0 ] || mode=fixed
    rm -f "$work"/c*.json "$work/cdf.txt"
    r0=$(corosync_retx); cpu0=$(cpu_of $(bash "$top/bench/corosync/cluster.sh" pids))
    run_clients corosync "$1" || return 1
    cpu1=$(cpu_of $(bash "$top/bench/corosync/cluster.sh" pids)); r1=$(corosync_retx)
    summarize client "$(meta corosync "$mode" "$1")" "$cpu0" "$cpu1" "$work/cdf.txt" \
        "{\"retransmissions\":$r0}" "{\"retransmissions\":$r1}" \
        $(for i in $(seq 1 "$meta_nodes"); do echo "$work/c$i.json"; done)
}

# The raw link: linkbench on the ringcast cluster's veths (daemons stopped), frames of the size
# ringcast puts on the wire for one message, capped at the MTU (bigger messages are fragmented).
point_link() { # pmd
    local pmd=$1 i frame vdev mode
    frame=$(( meta_size + 126 ))
    [ "$frame" -le $((meta_mtu + 14)) ] || frame=$((meta_mtu + 14))
    rm -f "$work"/l*.json
    vdevfor() {
        if [ "$pmd" = af_xdp ]; then echo "net_af_xdp0,iface=rc$1"
        elif [ "$frame" -gt 2000 ]; then echo "net_af_packet0,iface=rc$1,framesz=9728,framecnt=2048,blocksz=77824" # blocksz: a multiple of framesz (scripts/cluster)
        else echo "net_af_packet0,iface=rc$1,framecnt=2048,blocksz=4096"; fi
    }
    run_lb() { # node mode seconds
        timeout $(($3 + 30)) ip netns exec "$RINGCAST_NS_PREFIX-n$1" "$build/bench/cluster/linkbench" \
            -l $(( ($1 - 1) % $(nproc) )) $huge -m $(( frame > 2000 ? 160 : 64 )) --file-prefix "${RINGCAST_NS_PREFIX}lb$1" --no-pci \
            --vdev="$(vdevfor "$1")" --log-level=error -- "$2" --size "$frame" --seconds "$3" \
            >"$work/l$1.json" 2>"$work/l$1.err"
    }
    if [ "$meta_senders" = all ]; then
        for i in $(seq 1 "$meta_nodes"); do run_lb "$i" both "$secs" & done
        wait || true
    else
        for i in $(seq 2 "$meta_nodes"); do run_lb "$i" recv $((secs + 2)) & done
        sleep 1
        run_lb 1 send "$secs" || true
        wait || true
    fi
    for i in $(seq 1 "$meta_nodes"); do
        [ -s "$work/l$i.json" ] || { echo "bench-cluster: linkbench ($pmd) on node $i printed nothing:" >&2; tail -n 3 "$work/l$i.err" >&2; return 1; }
    done
    summarize link "$(meta "link_$pmd" saturation 0)" "$frame" \
        $(for i in $(seq 1 "$meta_nodes"); do echo "$work/l$i.json"; done)
}
