// libFuzzer target: the Totem core fed any sequence of authenticated, well-formed frames.
//
// The core is lib/totem through the node.hpp facade.
//
// Two to four real cores run as a cluster whose network is the fuzzer (core/cluster.hpp): every
// frame they send waits until the input delivers, duplicates, drops or forges from it, and a
// hostile member (it holds the cluster key) can inject any frame the decoder accepts. A core
// must never crash, never trip RC_ASSERT or check_invariants(), and never break the driver
// contract (releasing, sending or delivering from buffers it does not hold, frames that do not
// encode). Agreement is not checked: a member with the key can forge anything, so only the
// core's own integrity is at stake here; the simulator's checker covers honest runs.
//
// Input: byte 0 picks the preset and cluster size, then one operation per byte:
//   deliver / duplicate / drop an in-flight frame, advance the clock, submit, edit an in-flight
//   frame and deliver it, build a frame around a node's ring, run the network for a while,
//   restart or leave a node.
//
//   scripts/fuzz core 10

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "lib/totem/config.hpp"
#include "lib/wire/codec.hpp"
#include "lib/wire/limits.hpp"
#include "tests/fuzz/byte_reader.hpp"
#include "tests/fuzz/core/cluster.hpp"
#include "tests/fuzz/core/forge.hpp"

namespace {

using namespace ringcast;
using fuzz::byte_reader;
using fuzz::cluster;

constexpr std::size_t ops_max = 4096;

// Small windows and queues reach the wrap-around, flow-control and fragmentation edges within a
// few dozen frames; the defaults are what ringcastd runs with.
totem::config preset(std::uint8_t p) {
    totem::config c;
    c.max_message_size = 8192;
    if (p % 2 == 0) {
        c.window_size = 4;
        c.max_messages = 2;
        c.window_capacity = 16;
        c.send_queue_max = 8;
        c.deliver_batch = 16;
        c.seqno_unchanged_const = 3;
        c.fail_to_recv_const = 6;
    }
    return c;
}

std::size_t pick_frame(cluster& c, byte_reader& r) {
    return r.u8() % c.in_flight().size();
}

// Lets the cores talk undisturbed: every frame delivered in order, time moving in small steps.
void run(cluster& c, std::size_t rounds) {
    for (std::size_t k = 0; k < rounds; ++k) {
        for (std::size_t n = c.in_flight().size(); n != 0 && !c.in_flight().empty(); --n) {
            const fuzz::wire_frame f = std::move(c.in_flight().front());
            c.in_flight().pop_front();
            c.deliver(f.to, f.bytes);
        }
        c.advance(200 * totem::us);
    }
}

void step(cluster& c, byte_reader& r, std::vector<std::byte>& scratch,
          std::vector<std::byte>& payload) {
    const std::uint8_t op = r.u8();
    const std::size_t node = (op >> 4) % c.size();
    auto& q = c.in_flight();
    switch (op % 12) {
    case 0:
    case 1:
        if (!q.empty()) {
            const std::size_t k = pick_frame(c, r);
            const fuzz::wire_frame f = std::move(q[k]);
            q.erase(q.begin() + static_cast<std::ptrdiff_t>(k));
            c.deliver(f.to, f.bytes);
        }
        break;
    case 2:
        if (!q.empty()) {
            const fuzz::wire_frame f = q[pick_frame(c, r)];
            c.deliver(f.to, f.bytes);
        }
        break;
    case 3:
        if (!q.empty()) {
            q.erase(q.begin() + static_cast<std::ptrdiff_t>(pick_frame(c, r)));
        }
        break;
    case 4: {
        const std::uint8_t b = r.u8();
        c.advance((b & 0x7F) * ((b & 0x80) != 0 ? totem::ms : 50 * totem::us) + 1);
        break;
    }
    case 5: {
        const std::uint16_t len = r.u16();
        c.submit(node, static_cast<wire::service>(len & 1), (len >> 1) % 9000);
        break;
    }
    case 6:
        if (!q.empty()) {
            const fuzz::wire_frame f = q[pick_frame(c, r)];
            wire::frame decoded;
            if (wire::decode_frame(f.bytes, wire::default_ethertype, decoded) == wire::errc::ok) {
                fuzz::mutate(decoded, r, c.ids());
                if (fuzz::encode(decoded, scratch)) {
                    c.deliver(node, scratch);
                }
            }
        }
        break;
    case 7: {
        wire::frame f;
        fuzz::build(f, r, c.ids(), c.core(node).ring(), payload);
        if (fuzz::encode(f, scratch)) {
            c.deliver(node, scratch);
        }
        break;
    }
    case 8:
    case 9: run(c, 1 + r.u8() % 32); break;
    case 10: c.restart(node); break;
    default:
        // Rare on purpose: a node that left ignores everything afterwards.
        if (r.u8() % 8 == 0) {
            c.leave(node);
        }
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    byte_reader r({data, size});
    const std::uint8_t head = r.u8();
    cluster c(2 + (head >> 1) % 3, preset(head));
    c.start();
    std::vector<std::byte> scratch;
    std::vector<std::byte> payload;
    for (std::size_t k = 0; k < ops_max && !r.empty(); ++k) {
        step(c, r, scratch, payload);
    }
    // For reading a finding or a seed: where each core ended up.
    static const bool trace = std::getenv("RINGCAST_FUZZ_TRACE") != nullptr;
    for (std::size_t i = 0; trace && i < c.size(); ++i) {
        const totem::node& n = c.core(i);
        std::fprintf(stderr, "node %u: state %d ring %u/%llu members %zu queued %u\n",
                     static_cast<unsigned>(n.id()), static_cast<int>(n.state()),
                     static_cast<unsigned>(n.ring().rep),
                     static_cast<unsigned long long>(n.ring().seq), n.members().size(),
                     n.send_queue_depth());
    }
    return 0;
}
