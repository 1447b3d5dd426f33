// The Totem core alone, driven through the simulator with zero latency, infinite bandwidth and no
// loss: what the protocol logic (ordering, packing, delivery, window bookkeeping) costs per
// message when the network is free. Reports ordered messages per second (items/s) and the
// nanoseconds of CPU per delivered message (every node's delivery counted).
//
//   core_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <chrono>
#include <cstdint>

#include <benchmark/benchmark.h>

#include "drivers/sim/cluster.hpp"

namespace ringcast::sim {
namespace {

constexpr std::uint64_t batch = 512; // messages ordered per benchmark iteration

cluster_options zero_latency(std::size_t nodes) {
    cluster_options o;
    o.nodes = nodes;
    o.seed = 1;
    o.link.latency_ns = 0;
    o.link.jitter_ns = 0;
    o.check_invariants = false;          // measure the core, not its debug checks
    o.max_ticks_same_time = ~std::uint32_t{0}; // time may legitimately stand still here
    return o;
}

bool formed(cluster& c) {
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (c.core(i).state() != totem::node_state::operational ||
            c.core(i).members().size() != c.size()) {
            return false;
        }
    }
    return true;
}

std::uint64_t min_delivered(const cluster& c) {
    std::uint64_t m = ~std::uint64_t{0};
    for (std::size_t i = 0; i < c.size(); ++i) {
        m = std::min(m, c.delivered(i));
    }
    return m;
}

// args: message size, nodes, all senders (1) or node 0 only (0)
void bm_ordered(benchmark::State& state) {
    const auto size = static_cast<std::uint32_t>(state.range(0));
    const auto nodes = static_cast<std::size_t>(state.range(1));
    const bool all_send = state.range(2) != 0;
    cluster c(zero_latency(nodes));
    c.start();
    if (!c.run_until([&] { return formed(c); }, c.now() + 1'000 * totem::ms)) {
        state.SkipWithError("the ring did not form");
        return;
    }
    std::uint64_t goal = min_delivered(c);
    std::size_t sender = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : state) {
        goal += batch;
        std::uint64_t submitted = 0;
        while (min_delivered(c) < goal) {
            // Keep the senders' queues full, then let the ring work.
            while (submitted < batch &&
                   c.submit(sender, wire::service::agreed, size) == totem::submit_result::ok) {
                ++submitted;
                if (all_send) {
                    sender = (sender + 1) % nodes;
                }
            }
            if (!c.step()) {
                state.SkipWithError("the agenda ran dry");
                return;
            }
        }
    }
    const double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch * size));
    // Wall nanoseconds per message delivered at one node (every node's delivery counted).
    state.counters["ns_per_delivery"] = ns / double(state.iterations() * batch * nodes);
    state.counters["errors"] = double(c.counters().errors);
}

BENCHMARK(bm_ordered)
    ->ArgNames({"bytes", "nodes", "all_send"})
    ->ArgsProduct({{64, 1024}, {3, 8}, {0, 1}})
    ->Unit(benchmark::kMillisecond);

} // namespace
} // namespace ringcast::sim

BENCHMARK_MAIN();
