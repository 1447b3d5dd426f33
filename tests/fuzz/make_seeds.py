#!/usr/bin/env python3
"""Writes the seed corpora of the open, core, shm and config fuzz targets (corpus/<target>/).

Seeds are short, valid starting points; libFuzzer finds the rest. The decode seeds (written by
the wire_corpus unit test) are reused as frames for the open target. Run from anywhere:
    tests/fuzz/make_seeds.py
"""
import pathlib

here = pathlib.Path(__file__).resolve().parent
corpus = here / "corpus"


def write(target, name, data):
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


# ---- open: byte 0 mode (bit 0 sealed, bit 1 repair), sealed mode: sender, 2 bytes flip position
for f in sorted((corpus / "decode").iterdir()):
    frame = f.read_bytes()
    write("open", f"raw_{f.name}", b"\x00" + frame)
    write("open", f"sealed_{f.name}", b"\x01" + b"\x00\x01\x00" + frame)
    write("open", f"repaired_{f.name}", b"\x03" + b"\x01\x02\x03" + frame)

# ---- core: byte 0 preset (bit 0: defaults) and size (2 + (b >> 1) % 3), then ops (op % 12,
# node (op >> 4) % size): 0/1 deliver, 2 duplicate, 3 drop, 4 time, 5 submit, 6 edit, 7 build,
# 8/9 run, 10 restart, 11 leave.
def op(case, node=0):
    return next(v for v in range(16 * node, 16 * node + 16) if v % 12 == case)


RUN = bytes([op(8), 31])


def submit(node, length, safe=False):
    v = (length << 1) | int(safe)
    return bytes([op(5, node), v & 0xFF, v >> 8])


write("core", "form_two", b"\x00" + RUN)
write("core", "form_three_send", b"\x02" + RUN + submit(1, 100) + submit(2, 3000, True) + RUN)
write("core", "form_four_fragments", b"\x04" + RUN + submit(0, 8000) + submit(3, 5000) + RUN * 2)
write("core", "defaults_send", b"\x01" + RUN + submit(0, 1000) + RUN)
write("core", "restart_rejoin", b"\x02" + RUN + submit(1, 10) + bytes([op(10, 1)]) + RUN * 2)
write("core", "leave", b"\x02" + RUN + bytes([11, 0]) + RUN)
write("core", "edit_token", b"\x00" + bytes([8, 3]) + bytes([6, 0, 1, 1, 2, 0]) + RUN)
write("core", "build_frames", b"\x02" + RUN + bytes([7, 0, 1, 0, 0, 7, 0, 2, 0, 0, 7, 0, 3, 0, 0])
      + RUN)
write("core", "lossy", b"\x02" + RUN + submit(0, 200) + bytes([3, 0, 3, 1, 2, 0, 4, 0x85]) + RUN)

# ---- shm: byte 0 policy (bit 0: disconnect), then ops (op % 12): 0 raw bytes, 1/2 record,
# 3 head, 4/5 poll, 6 release, 7 remote delivery, 8 delivery tail, 9 configuration, 10 hangup,
# 11 time. A record: shape (kind 1 + s % 3, name (s >> 2) % 3, 0x20 leave-all, 0x40 safe),
# harm (bit 0: flip a group header byte, bit 7: kind/flags), 2 bytes data length.
def record(kind, name=0, length=16, harm=0, safe=False):
    shape = (kind - 1) | name << 2 | (0x40 if safe else 0)
    return bytes([1, shape, harm, length & 0xFF, length >> 8])


POLL = bytes([4, 0, 15])
RELEASE_LOOP = bytes([6, 7, 1])
write("shm", "join_send_leave", b"\x00" + record(2) + POLL + RELEASE_LOOP + record(1, length=900)
      + POLL + RELEASE_LOOP + record(3) + POLL + RELEASE_LOOP)
write("shm", "two_groups_safe", b"\x00" + record(2) + record(2, name=1) + record(1, safe=True)
      + POLL + RELEASE_LOOP + bytes([9, 0x06]) + POLL + RELEASE_LOOP)
write("shm", "remote_then_slow", b"\x00" + record(2) + POLL + RELEASE_LOOP
      + bytes([7, 0x44, 1, 32]) * 12 + POLL + bytes([11, 200]) + POLL)
write("shm", "disconnect_policy", b"\x01" + record(2) + POLL + RELEASE_LOOP
      + bytes([7, 0x44, 1, 32]) * 8 + POLL)
write("shm", "bad_header", b"\x00" + record(1, harm=0x21) + POLL)
write("shm", "wild_head", b"\x00" + record(1) + bytes([3, 3]) + (1 << 40).to_bytes(8, "little")
      + POLL)
write("shm", "wrap", b"\x00" + (record(2) + POLL + RELEASE_LOOP) + (record(1, length=1000) + POLL
      + RELEASE_LOOP) * 6)
write("shm", "hangup_mid", b"\x00" + record(2) + record(1) + bytes([10, 0]) + POLL + RELEASE_LOOP)

# ---- config: whole files (the key file is replaced by the target)
CLUSTER = """[cluster]
name = "local"
id = 1
key_file = "/tmp/cluster.key"
state_dir = "/tmp/rc/state1"
mtu = 1500
[node]
id = 1
[[nodes]]
id = 1
mac = "02:00:00:00:00:01"
[[nodes]]
id = 2
mac = "02:00:00:00:00:02"
[dpdk]
port = "net_af_packet1,iface=rc1,framesz=2048,framecnt=2048,blocksz=4096"
lcores = "0,1"
file_prefix = "rc1"
no_huge = true
memory_mb = 64
poll = "adaptive"
log_level = "info"
"""
TOTEM = """[totem]
token_ms = 20.5
token_retransmit_ms = 2
token_hold_ms = 0.25
join_ms = 3.0
consensus_ms = 30.0
merge_ms = 40.0
window_size = 128
max_messages = 32
send_queue_max = 1000
window_capacity = 1024
max_message_size = 65536
seqno_unchanged_const = 10
fail_to_recv_const = 100
rtr_gap_visits = 2
"""
CLIENTS = """[clients]
socket = "/tmp/rc/x.sock"
allowed_uids = [0, 1000]
allowed_gids = [100]
submit_ring_bytes = 262144
delivery_ring_bytes = 524288
max_message_size = 1000
max_groups_per_client = 8
max_clients = 16
slow_consumer = "disconnect"
slow_consumer_bound_bytes = 65536
slow_consumer_timeout_ms = 500
"""
write("config", "cluster", CLUSTER)
write("config", "full", CLUSTER + 'eal_args = ["--huge-dir=/mnt/huge"]\n' + TOTEM + CLIENTS)
write("config", "totem_only", TOTEM)
write("config", "clients_block", CLUSTER + CLIENTS.replace('"disconnect"', '"block"'))
write("config", "bad_mac", CLUSTER.replace("02:00:00:00:00:02", "02:00:00:00:00:0g"))
write("config", "inline_tables", 'cluster = { id = 7, mtu = 9000 }\nnode.id = 3\n'
      'nodes = [ { id = 3, mac = "02:00:00:00:00:03" } ]\n')
