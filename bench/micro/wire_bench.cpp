// Micro-benchmarks of lib/wire: encode_frame and decode_frame per message type.
//
//   build-wire/bench/micro/bench_wire --benchmark_repetitions=5 --benchmark_report_aggregates_only
//
// Items are frames; bytes are whole Ethernet frames (tag included). The 1400-byte mcast is one
// whole chunk, the usual shape of a full packed frame on a 1500-byte MTU.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lib/wire/codec.hpp"

namespace {

using namespace ringcast;
using namespace ringcast::wire;

constexpr eth_addr bench_dst{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
constexpr eth_addr bench_src{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

header bench_header() {
    header h;
    h.cluster_id = 0xC0FFEE;
    h.sender = 3;
    h.ring = {1, 1000};
    h.key_epoch = 1;
    h.nonce = 123456789;
    return h;
}

/** A message of each shape, with the storage an mcast payload points into. */
struct sample {
    std::vector<std::byte> payload;
    frame_body body;
};

sample make_mcast(std::size_t payload_bytes, std::size_t chunks) {
    sample s;
    s.payload.resize(payload_bytes);
    const std::size_t data_each = payload_bytes / chunks - chunk_header_size;
    std::size_t off = 0;
    for (std::size_t i = 0; i < chunks; ++i) {
        // The last chunk takes the remainder so the chunks fill the payload exactly.
        const std::size_t len =
            i + 1 == chunks ? payload_bytes - off - chunk_header_size : data_each;
        encode_chunk_header(s.payload.data() + off, chunk_kind::whole,
                            static_cast<std::uint32_t>(len));
        off += chunk_header_size + len;
    }
    mcast_view m{{}, s.payload};
    m.fields.seq = 4242;
    m.fields.origin_ring = {1, 1000};
    m.fields.origin_seq = 4242;
    m.fields.origin = 3;
    m.fields.chunk_count = static_cast<std::uint16_t>(chunks);
    s.body = m;
    return s;
}

sample make_token(std::size_t n_rtr) {
    token t;
    t.token_seq = 99;
    t.seq = 5000;
    t.aru = 4990;
    t.aru_node = 2;
    t.fcc = 40;
    t.backlog = 12;
    for (std::size_t i = 0; i < n_rtr; ++i) {
        t.rtr.push({{1, 1000}, 4990 + i});
    }
    return {{}, t};
}

sample make_join(std::size_t n) {
    join j;
    j.ring_seq = 1000;
    for (std::size_t i = 0; i < n; ++i) {
        j.proc.push(static_cast<node_id>(i + 1));
    }
    j.failed.push(static_cast<node_id>(n + 1));
    return {{}, j};
}

sample make_commit(std::size_t n) {
    commit_token c;
    c.token_seq = 7;
    for (std::size_t i = 0; i < n; ++i) {
        c.members.push({static_cast<node_id>(i + 1), {1, 1000}, 4990, 4990, 1});
    }
    return {{}, c};
}

sample make_sample(int which) {
    switch (which) {
    case 0: return make_mcast(1400, 1);
    case 1: return make_mcast(1400, 16);
    case 2: return make_token(0);
    case 3: return make_token(max_rtr_items);
    case 4: return make_join(16);
    case 5: return make_commit(16);
    default: return {{}, merge_detect{}};
    }
}

constexpr const char* sample_names[] = {"mcast_1400",  "mcast_1400_16chunks", "token",
                                        "token_48rtr", "join_16",             "commit_16",
                                        "merge_detect"};

void bm_encode(benchmark::State& state) {
    const sample s = make_sample(static_cast<int>(state.range(0)));
    const header h = bench_header();
    std::vector<std::byte> buf(max_frame_size);
    std::size_t size = 0;
    for (auto _ : state) {
        const encode_result r =
            encode_frame(buf, bench_dst, bench_src, default_ethertype, h, s.body);
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
        size = r.size;
    }
    state.SetLabel(sample_names[state.range(0)]);
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

void bm_decode(benchmark::State& state) {
    const sample s = make_sample(static_cast<int>(state.range(0)));
    std::vector<std::byte> buf(max_frame_size);
    const encode_result r =
        encode_frame(buf, bench_dst, bench_src, default_ethertype, bench_header(), s.body);
    if (r.err != errc::ok) {
        state.SkipWithError("encode failed");
        return;
    }
    const std::span<const std::byte> in(buf.data(), r.size);
    // One frame reused across iterations, as the receive loop does.
    frame f;
    for (auto _ : state) {
        benchmark::DoNotOptimize(in.data());
        const errc e = decode_frame(in, default_ethertype, f);
        benchmark::DoNotOptimize(e);
        benchmark::DoNotOptimize(f);
    }
    state.SetLabel(sample_names[state.range(0)]);
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(r.size));
}

// Walking the chunks of a decoded 16-chunk mcast (what delivery does per frame).
void bm_chunk_walk(benchmark::State& state) {
    const sample s = make_mcast(1400, 16);
    const auto& m = std::get<mcast_view>(s.body);
    for (auto _ : state) {
        chunk_reader reader(m.payload);
        chunk c;
        std::size_t n = 0;
        while (reader.next(c)) {
            benchmark::DoNotOptimize(c);
            ++n;
        }
        benchmark::DoNotOptimize(n);
    }
    state.SetItemsProcessed(state.iterations() * 16);
}

BENCHMARK(bm_encode)->DenseRange(0, 6);
BENCHMARK(bm_decode)->DenseRange(0, 6);
BENCHMARK(bm_chunk_walk);

} // namespace

BENCHMARK_MAIN();
