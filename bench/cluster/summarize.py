#!/usr/bin/env python3
"""Turns one measured point (per-node outputs of one system) into one JSON line on stdout.

  summarize.py gen    META CPU0 CPU1 T0 T1 STATS0 STATS1
  summarize.py client META CPU0 CPU1 CDF_FILE STATS0 STATS1 NODE_JSON...
  summarize.py link   META FRAME NODE_JSON...

Per receiver figures are the minimum over the nodes (the slowest receiver bounds a group).
cpu_s_per_GB is the CPU time of all the system's processes on all nodes (daemons from /proc,
clients from their own getrusage) per GB of the ordered stream one receiver got.
"""
import json
import sys

# Ethernet + ringcast header + mcast header + chunk header + GCM tag around one message.
RINGCAST_OVERHEAD = 14 + 48 + 40 + 8 + 16


def stats_delta(s0, s1, key):
    """Sum over nodes of a counter's growth; None where the system has no such counter."""
    a, b = json.loads(s0), json.loads(s1)
    if isinstance(a, dict):
        a, b = [a], [b]
    try:
        return sum(y.get(key, 0) - x.get(key, 0) for x, y in zip(a, b))
    except TypeError:
        return None


def ring_changes(s0, s1):
    a, b = json.loads(s0), json.loads(s1)
    if not isinstance(a, list):
        return None
    return max((y.get("ring_changes", 0) - x.get("ring_changes", 0) for x, y in zip(a, b)), default=0)


def per_gb(cpu, bytes_per_s, seconds):
    gb = bytes_per_s * seconds / 1e9
    return round(cpu / gb, 3) if gb > 0 else None


def gen(meta, cpu0, cpu1, t0, t1, s0, s1):
    a, b = json.loads(s0), json.loads(s1)
    el = float(t1) - float(t0)
    msgs = min(y["delivered"] - x["delivered"] for x, y in zip(a, b)) / el
    mbs = min(y["delivered_bytes"] - x["delivered_bytes"] for x, y in zip(a, b)) / el / 1e6
    cpu = float(cpu1) - float(cpu0)
    # The daemons' digests cover membership events too: compare them only where they agreed before.
    equal_before = len({x["digest"] for x in a}) == 1
    meta.update(msgs_per_s=round(msgs), MB_per_s=round(mbs, 2),
                digests_equal=(len({y["digest"] for y in b}) == 1) if equal_before else None,
                seq_errors=None, cpu_s=round(cpu, 3), cpu_s_per_GB=per_gb(cpu, mbs * 1e6, el),
                retransmissions=stats_delta(s0, s1, "retransmissions"), ring_changes=ring_changes(s0, s1))
    return meta


def client(meta, cpu0, cpu1, cdf, s0, s1, files):
    nodes = [json.loads(open(f).read().strip().splitlines()[-1]) for f in files]
    senders = [n for n in nodes if n["sent"] > 0]
    cpu = float(cpu1) - float(cpu0) + sum(n["client_cpu_s"] for n in nodes)
    msgs = min(n["msgs_per_s"] for n in nodes)
    mbs = min(n["MB_per_s"] for n in nodes)
    # Latency: self-delivery, the worst sending node's percentile.
    lat = {p: max(n["lat_self_us"][p] for n in senders) if senders else None for p in ("p50", "p99", "p999")}
    try:
        cdf_points = [[float(x) for x in line.split()] for line in open(cdf)]
    except OSError:
        cdf_points = []
    meta.update(msgs_per_s=round(msgs), MB_per_s=round(mbs, 2),
                sent_per_s=round(sum(n["sent_per_s"] for n in senders)),
                digests_equal=len({n["digest"] for n in nodes}) == 1,
                seq_errors=sum(n["seq_errors"] + n["missing"] for n in nodes),
                complete=all(n["status"] == 0 and n["ends"] == len(senders) for n in nodes),
                # A client the daemon dropped (slow consumer) or that gave up ends with a non-zero
                # status: its digest covers only its part of the stream.
                clients_ended_early=sum(1 for n in nodes if n["status"] != 0),
                views_during_run=sum(n["views_during_run"] for n in nodes),
                lat_self_p50_us=lat["p50"], lat_self_p99_us=lat["p99"], lat_self_p999_us=lat["p999"],
                cpu_s=round(cpu, 3), cpu_s_per_GB=per_gb(cpu, mbs * 1e6, min(n["seconds"] for n in nodes)),
                retransmissions=stats_delta(s0, s1, "retransmissions"), ring_changes=ring_changes(s0, s1),
                cdf=cdf_points)
    return meta


def link(meta, frame, files):
    nodes = [json.loads(open(f).read().strip().splitlines()[-1]) for f in files]
    frame = int(frame)
    # Application bytes one frame would carry for ringcast; bigger messages take several frames.
    carried = frame - RINGCAST_OVERHEAD
    if meta["senders"] == "all":
        # What each node sees: its own frames plus everyone else's (the ordered stream's share).
        fps = min((n["received"] + n["frames"]) / n["seconds"] for n in nodes)
    else:
        sender = nodes[0]
        fps = min(n["frames"] for n in nodes[1:]) / sender["seconds"]
    msgs = fps * carried / meta["size"]
    meta.update(frame=frame, frames_per_s=round(fps), msgs_per_s=round(msgs),
                MB_per_s=round(fps * carried / 1e6, 2), digests_equal=None, seq_errors=None,
                cpu_s=None, cpu_s_per_GB=None)
    return meta


def main(argv):
    kind, meta = argv[1], json.loads(argv[2])
    if kind == "gen":
        out = gen(meta, *argv[3:9])
    elif kind == "client":
        out = client(meta, argv[3], argv[4], argv[5], argv[6], argv[7], argv[8:])
    elif kind == "link":
        out = link(meta, argv[3], argv[4:])
    else:
        raise SystemExit(f"summarize: unknown kind {kind}")
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
