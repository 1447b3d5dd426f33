// The simulator itself: determinism (same seed, same run), buffer accounting, and the scale run
// (5 nodes, 10 simulated seconds, ~100k messages) that must stay fast.

#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>

#include "drivers/sim/cluster.hpp"
#include "tests/sim/checker/checker.hpp"
#include "tests/sim/harness/recorder.hpp"
#include "tests/sim/harness/scenario.hpp"

namespace ringcast::sim {
namespace {

TEST(sim, same_seed_same_run) {
    for (const std::uint64_t seed : {1u, 7u, 42u, 1234u}) {
        const scenario s = scenario_from_seed(seed);
        const run_result a = run_scenario(s);
        const run_result b = run_scenario(s);
        EXPECT_EQ(a.digest, b.digest) << describe(s);
        EXPECT_EQ(a.events, b.events) << describe(s);
        EXPECT_EQ(a.deliveries, b.deliveries) << describe(s);
        EXPECT_GT(a.deliveries, 0u) << describe(s);
    }
}

// Fault schedules (crashes, restarts, partitions, token loss, slow nodes, storms) replay too.
TEST(sim, same_seed_same_run_with_a_fault_schedule) {
    overrides o;
    o.schedule = true;
    for (const std::uint64_t seed : {2u, 9u, 40u}) {
        const scenario s = scenario_from_seed(seed, o);
        ASSERT_FALSE(s.schedule.empty()) << describe(s);
        const run_result a = run_scenario(s);
        const run_result b = run_scenario(s);
        EXPECT_EQ(a.digest, b.digest) << describe(s);
        EXPECT_EQ(a.events, b.events) << describe(s);
        EXPECT_EQ(a.summary, b.summary) << describe(s);
    }
}

TEST(sim, different_seeds_differ) {
    const run_result a = run_scenario(scenario_from_seed(3));
    const run_result b = run_scenario(scenario_from_seed(4));
    EXPECT_NE(a.digest, b.digest);
}

cluster_options small_cluster(std::size_t n) {
    cluster_options o;
    o.nodes = n;
    o.seed = 99;
    o.link.latency_ns = 10'000;
    o.link.jitter_ns = 5'000;
    return o;
}

// Every reference the simulator hands out comes back: after all nodes crash (their cores' refs
// reclaimed) and the frames in flight land, the pool is empty.
TEST(sim, buffers_balance) {
    cluster c(small_cluster(4));
    c.start();
    load_params l;
    l.enabled = true;
    l.rate_per_s = 20'000;
    c.set_load_all(l);
    c.run_for(50 * totem::ms);
    EXPECT_GT(c.pool().live(), 0u);
    for (std::size_t i = 0; i < c.size(); ++i) {
        c.crash(i);
    }
    c.run_for(10 * totem::ms);
    EXPECT_EQ(c.pool().live(), 0u);
    EXPECT_EQ(c.counters().errors, 0u) << c.first_error();
}

struct scale_result {
    std::uint64_t accepted = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t events = 0;
    double wall_s = 0.0;
};

// The scale run of the brief: 5 nodes, 10 simulated seconds, ~100k messages of mixed sizes
// (1 B .. 256 KiB, mostly small), all nodes sending, half of them safe.
scale_result run_five_nodes(observer* obs) {
    cluster_options o = small_cluster(5);
    o.link.latency_ns = 20'000;
    o.link.bandwidth_bps = 25'000'000'000;
    cluster c(o, obs);
    load_params l;
    l.enabled = true;
    l.rate_per_s = 2'000; // per node: 10k/s in all
    const auto t0 = std::chrono::steady_clock::now();
    c.start();
    c.set_load_all(l);
    c.run_for(10'000 * totem::ms);
    c.stop_load();
    scale_result r;
    for (std::size_t i = 0; i < c.size(); ++i) {
        r.accepted += c.accepted(i);
    }
    (void)c.run_until(
        [&] {
            for (std::size_t i = 0; i < c.size(); ++i) {
                if (c.delivered(i) < r.accepted) {
                    return false;
                }
            }
            return true;
        },
        c.now() + 1'000 * totem::ms);
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.deliveries = c.counters().deliveries;
    r.events = c.counters().events;
    std::printf("agenda max %llu, pool %zu buffers\n",
                static_cast<unsigned long long>(c.counters().agenda_max), c.pool().created());
    EXPECT_EQ(c.counters().errors, 0u) << c.first_error();
    return r;
}

void print(const char* name, const scale_result& r) {
    std::printf("%s: %llu messages accepted, %llu deliveries, %llu events, %.3f s wall\n", name,
                static_cast<unsigned long long>(r.accepted),
                static_cast<unsigned long long>(r.deliveries),
                static_cast<unsigned long long>(r.events), r.wall_s);
}

TEST(sim, five_nodes_ten_seconds) {
    const scale_result r = run_five_nodes(nullptr);
    print("five_nodes_ten_seconds (simulator and core)", r);
    EXPECT_GT(r.accepted, 90'000u);
    EXPECT_EQ(r.deliveries, 5 * r.accepted);
    RecordProperty("wall_ms", static_cast<int>(r.wall_s * 1000));
}

TEST(sim, five_nodes_ten_seconds_checked) {
    check::checker_options co;
    co.nodes = {1, 2, 3, 4, 5};
    check::checker chk(co);
    recorder rec(chk);
    const scale_result r = run_five_nodes(&rec);
    chk.finish({.end = mono_ns_never - 1, .expect_complete = true});
    EXPECT_TRUE(chk.ok()) << chk.summary();
    print("five_nodes_ten_seconds (with the checker)", r);
}

} // namespace
} // namespace ringcast::sim
