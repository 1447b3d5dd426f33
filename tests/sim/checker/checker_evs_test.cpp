// The checker's extended-virtual-synchrony properties against hand-made histories: one clean
// partition-and-merge history passes, and each property, broken on purpose, is reported under
// its kind.

#include <initializer_list>
#include <map>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/sim/checker/checker.hpp"

namespace ringcast::check {
namespace {

using wire::service;

constexpr ring_id ring_a{1, 10}; // {1,2,3}
constexpr ring_id ring_b{1, 11}; // {1,2} after the partition
constexpr ring_id ring_c{3, 11}; // {3} after the partition
constexpr ring_id ring_d{1, 12}; // {1,2,3} after the merge

class evs_history {
public:
    explicit evs_history(std::size_t n) : c_(options(n)) {}

    /** Node `origin` submits its message #idx and sends it alone in frame (ring, seq), which
     *  the nodes in `receivers` (the origin always) receive. */
    void msg(mono_ns t, node_id origin, std::uint64_t idx, ring_id ring, seq_t seq,
             std::initializer_list<node_id> receivers, service svc = service::agreed) {
        std::vector<std::byte> b(16 + idx);
        for (std::size_t i = 0; i < b.size(); ++i) {
            b[i] = static_cast<std::byte>(origin * 17 + idx * 5 + i);
        }
        c_.on_submit(t, origin, idx, svc, b);
        c_.on_frame_sent(t, origin, ring, seq, idx, idx);
        for (const node_id n : receivers) {
            c_.on_frame_received(t + 1, n, ring, seq);
        }
        sent_[{origin, idx}] = {std::move(b), svc, ring, seq};
    }
    void deliver(mono_ns t, node_id node, node_id origin, std::uint64_t idx) {
        const sent& s = sent_.at({origin, idx});
        const std::span<const std::byte> piece[1] = {s.bytes};
        c_.on_deliver(t, node, origin, s.svc, s.ring, s.seq, piece);
    }
    void deliver_at(mono_ns t, std::initializer_list<node_id> nodes, node_id origin,
                    std::uint64_t idx) {
        for (const node_id n : nodes) {
            deliver(t, n, origin, idx);
        }
    }
    void conf(mono_ns t, std::initializer_list<node_id> nodes, config_kind k, ring_id r,
              std::initializer_list<node_id> members) {
        const std::vector<node_id> m(members);
        for (const node_id n : nodes) {
            c_.on_config(t, n, k, r, m);
        }
    }
    void regular(mono_ns t, std::initializer_list<node_id> nodes, ring_id r,
                 std::initializer_list<node_id> members) {
        conf(t, nodes, config_kind::regular, r, members);
    }
    void transitional(mono_ns t, std::initializer_list<node_id> nodes, ring_id r,
                      std::initializer_list<node_id> members) {
        conf(t, nodes, config_kind::transitional, r, members);
    }
    checker& c() { return c_; }

    /** Ring A forms with all three, each node sends one message, all deliver them. */
    void ring_a_with_traffic() {
        transitional(5, {1}, ring_a, {1});
        transitional(5, {2}, ring_a, {2});
        transitional(5, {3}, ring_a, {3});
        regular(6, {1, 2, 3}, ring_a, {1, 2, 3});
        msg(10, 1, 0, ring_a, 1, {1, 2, 3});
        msg(11, 2, 0, ring_a, 2, {1, 2, 3});
        msg(12, 3, 0, ring_a, 3, {1, 2, 3}, service::safe);
        for (const node_id n : {1, 2, 3}) {
            deliver(20, n, 1, 0);
            deliver(21, n, 2, 0);
            deliver(22, n, 3, 0);
        }
    }
    /** Partition {1,2} | {3}: each side installs its transitional and regular configuration. */
    void partition() {
        transitional(30, {1, 2}, ring_b, {1, 2});
        regular(30, {1, 2}, ring_b, {1, 2});
        transitional(31, {3}, ring_c, {3});
        regular(31, {3}, ring_c, {3});
    }
    /** The merge into D {1,2,3}. */
    void merge() {
        transitional(60, {1, 2}, ring_d, {1, 2});
        transitional(60, {3}, ring_d, {3});
        regular(61, {1, 2, 3}, ring_d, {1, 2, 3});
    }

private:
    struct sent {
        std::vector<std::byte> bytes;
        service svc;
        ring_id ring;
        seq_t seq;
    };
    static checker_options options(std::size_t n) {
        checker_options o;
        for (std::size_t i = 1; i <= n; ++i) {
            o.nodes.push_back(static_cast<node_id>(i));
        }
        return o;
    }
    checker c_;
    std::map<std::pair<node_id, std::uint64_t>, sent> sent_;
};

finish_options complete(mono_ns end) {
    finish_options f;
    f.end = end;
    f.expect_complete = true;
    return f;
}

TEST(checker_evs, partition_and_merge_history_passes) {
    evs_history h(3);
    h.ring_a_with_traffic();
    // Node 1's #1 reaches only node 2 before the partition: both deliver it in ring A's
    // regular configuration (node 3, which never got it, does not). Node 3's #1 reaches every
    // node but node 3 lacks #1 of node 1 before it: nodes 1 and 2 deliver it in A, node 3 in its
    // transitional configuration.
    h.msg(25, 1, 1, ring_a, 4, {1, 2});
    h.msg(25, 3, 1, ring_a, 5, {1, 2, 3});
    h.deliver_at(26, {1, 2}, 1, 1);
    h.deliver_at(27, {1, 2}, 3, 1);
    h.transitional(30, {1, 2}, ring_b, {1, 2});
    h.regular(30, {1, 2}, ring_b, {1, 2});
    h.transitional(31, {3}, ring_c, {3});
    h.deliver(31, 3, 3, 1);
    h.regular(31, {3}, ring_c, {3});
    h.msg(40, 2, 1, ring_b, 1, {1, 2}, service::safe);
    h.deliver_at(41, {1, 2}, 2, 1);
    h.msg(42, 3, 2, ring_c, 1, {3}, service::safe);
    h.deliver(43, 3, 3, 2);
    h.merge();
    h.msg(70, 3, 3, ring_d, 1, {1, 2, 3});
    h.deliver_at(71, {1, 2, 3}, 3, 3);
    h.c().finish(complete(100));
    EXPECT_TRUE(h.c().ok()) << h.c().summary();
}

// (1) A message of ring A delivered in A's regular configuration (node 1), in the transitional
// configuration that follows A (node 3: legal, EVS), and in ring B's regular configuration
// (node 2: the message shows up in a configuration it was not sent in).
TEST(checker_evs, message_delivered_outside_its_configuration) {
    evs_history h(3);
    h.ring_a_with_traffic();
    h.msg(25, 1, 1, ring_a, 4, {1, 2, 3});
    h.deliver(26, 1, 1, 1);
    h.transitional(30, {3}, ring_c, {3});
    h.deliver(31, 3, 1, 1);
    EXPECT_TRUE(h.c().ok()) << h.c().summary();
    h.transitional(30, {2}, ring_b, {1, 2});
    h.regular(30, {2}, ring_b, {1, 2});
    h.deliver(32, 2, 1, 1);
    h.c().finish({.end = 100});
    EXPECT_EQ(h.c().count(violation_kind::same_config), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("ordered on ring 1.10, in regular 1.11 {1,2}"),
              std::string::npos)
        << h.c().summary();
}

// (2) Nodes 1 and 2 both go from ring A to the same transitional configuration, but node 2
// delivered one more message in A.
TEST(checker_evs, same_transition_different_messages) {
    evs_history h(3);
    h.ring_a_with_traffic();
    h.msg(25, 3, 1, ring_a, 4, {2, 3});
    h.deliver(26, 2, 3, 1);
    h.partition();
    h.c().finish({.end = 100});
    EXPECT_EQ(h.c().count(violation_kind::virtual_synchrony), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("n3#1"), std::string::npos) << h.c().summary();
}

// (3) A message delivered before a configuration change at one node and after it at another
// (same_config), and two configurations installed in opposite orders (order).
TEST(checker_evs, order_across_configuration_changes) {
    evs_history h(3);
    h.ring_a_with_traffic();
    h.msg(25, 1, 1, ring_a, 4, {1, 2, 3});
    h.deliver(26, 1, 1, 1);
    h.regular(30, {1, 2}, ring_b, {1, 2});
    h.deliver(31, 2, 1, 1);
    EXPECT_EQ(h.c().count(violation_kind::same_config), 1u) << h.c().summary();

    evs_history g(2);
    constexpr ring_id x{1, 20};
    constexpr ring_id y{2, 20};
    g.regular(5, {1}, x, {1, 2});
    g.regular(6, {1}, y, {1, 2});
    g.regular(5, {2}, y, {1, 2});
    g.regular(6, {2}, x, {1, 2});
    g.c().finish({.end = 100});
    EXPECT_EQ(g.c().count(violation_kind::order), 1u) << g.c().summary();
    EXPECT_NE(g.c().summary().find("configuration order"), std::string::npos) << g.c().summary();
}

// (4) Node 1 stays up; its message, accepted before the partition and sent on the new ring,
// reaches node 2 only.
TEST(checker_evs, own_message_never_delivered) {
    evs_history h(3);
    h.ring_a_with_traffic();
    h.partition();
    h.msg(40, 1, 1, ring_b, 1, {1, 2});
    h.deliver(41, 2, 1, 1);
    h.merge();
    h.c().finish(complete(100));
    EXPECT_EQ(h.c().count(violation_kind::self_delivery), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("node 1 stayed up"), std::string::npos) << h.c().summary();
}

// ... but a node that crashed owes nothing of its earlier incarnation.
TEST(checker_evs, crashed_node_owes_nothing) {
    evs_history h(3);
    h.ring_a_with_traffic();
    h.msg(25, 3, 1, ring_a, 4, {3});
    h.c().on_crash(26, 3);
    h.transitional(30, {1, 2}, ring_b, {1, 2});
    h.regular(30, {1, 2}, ring_b, {1, 2});
    h.c().finish(complete(100));
    EXPECT_TRUE(h.c().ok()) << h.c().summary();
}

// (5) A safe message delivered in ring B's regular configuration before node 2 had it.
TEST(checker_evs, safe_in_regular_configuration_before_every_member_had_it) {
    evs_history h(3);
    h.ring_a_with_traffic();
    h.partition();
    h.msg(40, 1, 1, ring_b, 1, {1}, service::safe);
    h.deliver(41, 1, 1, 1);
    h.c().finish({.end = 100});
    EXPECT_EQ(h.c().count(violation_kind::safe), 1u) << h.c().summary();
}

// (6) Two members of ring B see different member lists; a node installs a ring without itself;
// a ring seq goes backwards; a transitional configuration names another ring than the regular.
TEST(checker_evs, configuration_agreement) {
    evs_history h(3);
    h.regular(5, {1}, ring_b, {1, 2});
    h.regular(5, {2}, ring_b, {1, 2, 3});
    EXPECT_EQ(h.c().count(violation_kind::config_agreement), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("ring 1.11"), std::string::npos) << h.c().summary();

    evs_history g(3);
    g.regular(5, {3}, ring_b, {1, 2});
    EXPECT_EQ(g.c().count(violation_kind::config_agreement), 1u) << g.c().summary();

    evs_history b(2);
    b.regular(5, {1}, ring_d, {1, 2});
    b.regular(6, {1}, ring_a, {1, 2});
    EXPECT_EQ(b.c().count(violation_kind::config_agreement), 1u) << b.c().summary();
    EXPECT_NE(b.c().summary().find("backwards"), std::string::npos) << b.c().summary();

    evs_history t(2);
    t.transitional(5, {1}, ring_a, {1});
    t.regular(6, {1}, ring_b, {1, 2});
    EXPECT_EQ(t.c().count(violation_kind::config_agreement), 1u) << t.c().summary();
}

// (7) After the links turned clean the partition never merged: liveness.
TEST(checker_evs, partition_that_never_merges) {
    evs_history h(3);
    h.ring_a_with_traffic();
    h.partition();
    finish_options f = complete(1000);
    f.clean_since = 50;
    f.liveness_bound_ns = 100;
    h.c().finish(f);
    EXPECT_GE(h.c().count(violation_kind::liveness), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("did not converge"), std::string::npos) << h.c().summary();
}

// (7) A message submitted after the links turned clean, delivered by its origin in the final
// ring, never reaches another member.
TEST(checker_evs, new_submission_not_delivered_after_faults) {
    evs_history h(3);
    h.ring_a_with_traffic();
    h.partition();
    h.merge();
    h.msg(70, 2, 1, ring_d, 1, {1, 2, 3});
    h.deliver_at(71, {1, 2}, 2, 1);
    finish_options f = complete(1000);
    f.clean_since = 50;
    f.liveness_bound_ns = 100;
    h.c().finish(f);
    EXPECT_EQ(h.c().count(violation_kind::liveness), 1u) << h.c().summary();
    EXPECT_EQ(h.c().count(violation_kind::completeness), 1u) << h.c().summary();
}

} // namespace
} // namespace ringcast::check
