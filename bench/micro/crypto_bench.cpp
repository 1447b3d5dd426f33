// Seal and open of one frame at typical body sizes: the per-frame crypto cost the lcore loop pays.
// Run with --benchmark_repetitions=5 --benchmark_report_aggregates_only=true for medians.

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "lib/crypto/frame.hpp"

namespace {

using namespace ringcast;

constexpr std::uint32_t cluster = 7;
constexpr node_id members[] = {1, 2};

crypto::secret_key bench_master() {
    crypto::secret_key k;
    for (std::size_t i = 0; i < crypto::key_size; ++i) {
        k.bytes()[i] = static_cast<std::byte>(i * 13 + 1);
    }
    return k;
}

std::vector<std::byte> plain_frame(std::size_t body_len) {
    std::vector<std::byte> f(wire::frame_overhead + body_len);
    const wire::eth_addr dst{0x01, 0x00, 0x5e, 0, 0, 1};
    const wire::eth_addr src{0x02, 0, 0, 0, 0, 1};
    if (wire::encode_eth(f, dst, src, wire::default_ethertype) != wire::errc::ok) {
        std::abort();
    }
    wire::header h;
    h.cluster_id = cluster;
    h.body_len = static_cast<std::uint32_t>(body_len);
    if (wire::encode_header(std::span(f).subspan(wire::eth_header_size), h) != wire::errc::ok) {
        std::abort();
    }
    return f;
}

// Out of place, as the daemon seals frames it originates (it keeps the plaintext).
void bm_seal(benchmark::State& state) {
    const auto body_len = static_cast<std::size_t>(state.range(0));
    crypto::engine eng;
    auto kr = std::make_unique<crypto::keyring>(eng, bench_master(), 1, 1, members);
    const std::vector<std::byte> in = plain_frame(body_len);
    std::vector<std::byte> out(in.size());
    for (auto _ : state) {
        const crypto::seal_result r = crypto::seal_frame(eng, *kr, in, out);
        benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body_len));
}

// Opening includes parse, replay check and commit. Each iteration needs a fresh frame (a replayed
// one is rejected before decryption), so a batch is sealed outside the timed region and the
// receiver's replay window is rebuilt per batch.
void bm_open(benchmark::State& state) {
    const auto body_len = static_cast<std::size_t>(state.range(0));
    constexpr std::size_t batch = 1024;
    crypto::engine eng;
    auto tx = std::make_unique<crypto::keyring>(eng, bench_master(), 1, 1, members);
    auto rx = std::make_unique<crypto::keyring>(eng, bench_master(), 2, 1, members);
    const std::vector<std::byte> plain = plain_frame(body_len);
    std::vector<std::vector<std::byte>> sealed(batch, std::vector<std::byte>(plain.size()));
    std::vector<std::vector<std::byte>> work = sealed;
    auto rs = std::make_unique<crypto::replay_state>(*rx);
    std::size_t i = batch;
    for (auto _ : state) {
        if (i == batch) {
            state.PauseTiming();
            for (auto& f : sealed) {
                if (crypto::seal_frame(eng, *tx, plain, f).err != crypto::errc::ok) {
                    std::abort();
                }
            }
            work = sealed;
            i = 0;
            state.ResumeTiming();
        }
        const crypto::open_result r = crypto::open_frame(eng, *rx, *rs, work[i++], cluster);
        if (r.err != crypto::errc::ok) [[unlikely]] {
            state.SkipWithError("open failed");
            break;
        }
        benchmark::DoNotOptimize(r);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body_len));
}

// What a frame under a new key epoch costs before its tag is even checked (also the price of a
// forged frame claiming one).
void bm_derive_frame_key(benchmark::State& state) {
    crypto::engine eng;
    crypto::gcm_key master;
    const crypto::secret_key raw = bench_master();
    eng.expand_key(raw.bytes(), master);
    crypto::gcm_key out;
    std::uint32_t epoch = 0;
    for (auto _ : state) {
        eng.derive_frame_key(master, 1, ++epoch, out);
        benchmark::DoNotOptimize(&out);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void sizes(benchmark::internal::Benchmark* b) {
    for (const int n : {64, 256, 1024, 1400, 8192}) {
        b->Arg(n);
    }
}

BENCHMARK(bm_seal)->Apply(sizes);
BENCHMARK(bm_open)->Apply(sizes);
BENCHMARK(bm_derive_frame_key);

} // namespace

BENCHMARK_MAIN();
