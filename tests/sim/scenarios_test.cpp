// Named membership scenarios in the style of TigerBeetle's replica_test.zig: a small fluent
// harness drives one simulated cluster through a story (crash, restart, partition, one-way
// link, graceful leave) and the checker judges the whole history, extended virtual synchrony
// included. Each ends with the liveness check: every live node on one ring, and one new message
// per live node delivered everywhere.

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "drivers/sim/cluster.hpp"
#include "tests/sim/checker/checker.hpp"
#include "tests/sim/harness/recorder.hpp"

namespace ringcast::sim {
namespace {

constexpr mono_ns ms = totem::ms;

class world {
public:
    explicit world(std::size_t n, std::uint64_t seed = 11)
        : chk_(checker_opts(n)), rec_(chk_), c_(cluster_opts(n, seed), &rec_) {
        c_.start();
        EXPECT_TRUE(ring_of(all(), 500 * ms)) << "the first ring did not form";
    }

    cluster& c() { return c_; }
    check::checker& checker() { return chk_; }
    [[nodiscard]] std::vector<std::size_t> all() const {
        std::vector<std::size_t> v(c_.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            v[i] = i;
        }
        return v;
    }

    world& load(double rate_per_s = 3'000) {
        load_params l;
        l.enabled = true;
        l.rate_per_s = rate_per_s;
        l.safe_fraction = 0.3;
        c_.set_load_all(l);
        return *this;
    }
    world& run_for(mono_ns d) {
        c_.run_for(d);
        return *this;
    }
    world& crash(std::size_t i) {
        c_.crash(i);
        return *this;
    }
    world& restart(std::size_t i) {
        c_.restart(i);
        return *this;
    }
    world& partition(std::vector<std::uint8_t> groups) {
        c_.net().partition(groups);
        return *this;
    }
    world& heal() {
        c_.net().heal();
        return *this;
    }

    /** True when exactly `nodes` are operational on one ring holding exactly them. */
    [[nodiscard]] bool is_ring(const std::vector<std::size_t>& nodes) {
        for (const std::size_t i : nodes) {
            if (!c_.up(i) || c_.core(i).state() != totem::node_state::operational ||
                c_.core(i).ring() != c_.core(nodes[0]).ring() ||
                c_.core(i).members().size() != nodes.size()) {
                return false;
            }
            for (const std::size_t j : nodes) {
                const auto m = c_.core(i).members();
                if (std::find(m.begin(), m.end(), c_.id(j)) == m.end()) {
                    return false;
                }
            }
        }
        return true;
    }
    /** Each node's state, ring and members (failure messages). */
    [[nodiscard]] std::string rings() {
        std::string s;
        for (std::size_t i = 0; i < c_.size(); ++i) {
            if (!c_.up(i)) {
                s += fmt::format("\n  node {}: down", c_.id(i));
                continue;
            }
            const totem::node& n = c_.core(i);
            s += fmt::format("\n  node {}: state {} ring {}.{} members {}", c_.id(i),
                             int(n.state()), n.ring().rep, n.ring().seq,
                             fmt::join(n.members(), ","));
        }
        return s + fmt::format("\n  configurations delivered: {}", c_.counters().configs);
    }
    /** Runs until `nodes` form one ring (at most `limit` from now). */
    bool ring_of(const std::vector<std::size_t>& nodes, mono_ns limit) {
        return c_.run_until([&] { return is_ring(nodes); }, c_.now() + limit);
    }

    /** Stops the load, lets the live nodes settle, sends one probe per live node, and runs the
     *  checker's whole-history checks (complete: every probe delivered everywhere). */
    void verdict(mono_ns clean_since) {
        c_.stop_load();
        std::vector<std::size_t> live;
        for (std::size_t i = 0; i < c_.size(); ++i) {
            if (c_.up(i)) {
                live.push_back(i);
            }
        }
        EXPECT_TRUE(ring_of(live, 1'000 * ms)) << "the live nodes formed no common ring";
        c_.run_for(20 * ms);
        std::vector<std::pair<std::size_t, std::uint64_t>> probes;
        for (const std::size_t i : live) {
            const std::uint64_t index = c_.accepted(i);
            if (c_.submit(i, wire::service::safe, 100) == totem::submit_result::ok) {
                probes.emplace_back(i, index);
            }
        }
        const bool delivered = c_.run_until(
            [&] {
                for (const std::size_t i : live) {
                    for (const auto& [p, index] : probes) {
                        if (!chk_.has_delivered(c_.id(i), c_.id(p), index)) {
                            return false;
                        }
                    }
                }
                return true;
            },
            c_.now() + 1'000 * ms);
        EXPECT_TRUE(delivered) << "probes not delivered";
        c_.run_for(5 * ms);
        check::finish_options f;
        f.end = c_.now();
        f.expect_complete = true;
        f.clean_since = clean_since;
        f.liveness_bound_ns = 1'000 * ms;
        chk_.finish(f);
        EXPECT_TRUE(chk_.ok()) << chk_.summary();
        EXPECT_EQ(c_.counters().errors, 0u) << c_.first_error();
    }

private:
    static check::checker_options checker_opts(std::size_t n) {
        check::checker_options o;
        for (std::size_t i = 1; i <= n; ++i) {
            o.nodes.push_back(static_cast<node_id>(i));
        }
        return o;
    }
    static cluster_options cluster_opts(std::size_t n, std::uint64_t seed) {
        cluster_options o;
        o.nodes = n;
        o.seed = seed;
        o.link.latency_ns = 20'000;
        o.link.jitter_ns = 5'000;
        o.link.bandwidth_bps = 25'000'000'000;
        return o;
    }

    check::checker chk_;
    recorder rec_;
    cluster c_;
};

// Detection and re-formation take a token timeout, then gathering and consensus: a few tens of
// milliseconds with the default timers. The bound leaves room for a second attempt.
constexpr mono_ns reform_bound = 200 * ms;

TEST(scenarios, crash_of_one_node_under_load) {
    world w(5);
    w.load().run_for(30 * ms).crash(2);
    EXPECT_TRUE(w.ring_of({0, 1, 3, 4}, reform_bound));
    const mono_ns clean = w.c().now();
    w.run_for(30 * ms);
    w.verdict(clean);
}

TEST(scenarios, restart_and_merge) {
    world w(5);
    w.load().run_for(20 * ms).crash(4);
    EXPECT_TRUE(w.ring_of({0, 1, 2, 3}, reform_bound));
    w.run_for(20 * ms).restart(4);
    EXPECT_TRUE(w.ring_of(w.all(), reform_bound));
    const mono_ns clean = w.c().now();
    w.run_for(30 * ms);
    w.verdict(clean);
}

TEST(scenarios, partition_12_345_and_heal) {
    world w(5);
    w.load().run_for(20 * ms).partition({0, 0, 1, 1, 1});
    EXPECT_TRUE(w.ring_of({0, 1}, reform_bound));
    EXPECT_TRUE(w.ring_of({2, 3, 4}, reform_bound));
    w.run_for(30 * ms).heal();
    const mono_ns clean = w.c().now();
    // Merge detects go out every `merge` interval; then a gather and a recovery.
    EXPECT_TRUE(w.ring_of(w.all(), reform_bound));
    w.run_for(30 * ms);
    w.verdict(clean);
}

// Node 2 no longer hears node 1 (node 1 still hears node 2), on the token's path: tokens from
// node 1 never arrive. The two exclude each other (a join that lists us as failed is ignored,
// our consensus timeout fails its sender) and the ring settles without one of them instead of
// re-forming forever. (A one-way cut off the token's path needs no membership change at all:
// the others answer the deaf node's retransmission requests.)
TEST(scenarios, asymmetric_link_settles) {
    world w(4);
    w.load().run_for(10 * ms);
    w.c().net().set_one_way(0, 1, false);
    const bool settled = w.c().run_until(
        [&] { return w.is_ring({1, 2, 3}) || w.is_ring({0, 2, 3}); },
        w.c().now() + 2'000 * ms);
    ASSERT_TRUE(settled) << "no ring of three within 2 s of the one-way cut:" << w.rings();
    // Settled means settled: no configuration change for a good while afterwards.
    const std::uint64_t configs = w.c().counters().configs;
    w.run_for(300 * ms);
    EXPECT_EQ(w.c().counters().configs, configs) << "the ring keeps re-forming:" << w.rings();
    // Healing the link lets the excluded node back in.
    w.c().net().heal();
    const mono_ns clean = w.c().now();
    EXPECT_TRUE(w.ring_of(w.all(), 500 * ms));
    w.verdict(clean);
}

// A graceful leave re-forms the ring without waiting for a token timeout.
TEST(scenarios, graceful_leave) {
    world w(5);
    w.load().run_for(20 * ms);
    const mono_ns t0 = w.c().now();
    w.c().leave(1);
    EXPECT_TRUE(w.ring_of({0, 2, 3, 4}, reform_bound));
    EXPECT_LT(w.c().now() - t0, totem::config{}.token_timeout_ns + totem::config{}.consensus_ns)
        << "the leave did not speed up re-formation";
    const mono_ns clean = w.c().now();
    w.run_for(30 * ms);
    w.verdict(clean);
}

} // namespace
} // namespace ringcast::sim
