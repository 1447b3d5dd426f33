#pragma once
// What the shared-memory benchmarks report alike: latency percentiles of a run's samples, and a
// memcpy of the same sizes in the same run (the floor a ring copy cannot beat).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>

namespace ringcast::bench {

/** Sorts `samples` (nanoseconds) and sets the p50_ns, p99_ns and p999_ns counters. */
inline void set_latency_counters(benchmark::State& state, std::vector<std::uint64_t>& samples) {
    std::sort(samples.begin(), samples.end());
    const auto pct = [&](double p) {
        return samples.empty() ? 0.0
                               : static_cast<double>(samples[static_cast<std::size_t>(
                                     p * static_cast<double>(samples.size() - 1))]);
    };
    state.counters["p50_ns"] = pct(0.5);
    state.counters["p99_ns"] = pct(0.99);
    state.counters["p999_ns"] = pct(0.999);
}

/** memcpy of state.range(0) bytes; the small sizes stay in L1, as one message's ring copy does. */
inline void memcpy_bandwidth(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    std::vector<std::byte> src(size, std::byte{1});
    std::vector<std::byte> dst(size);
    for (auto _ : state) {
        std::memcpy(dst.data(), src.data(), size);
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

} // namespace ringcast::bench
