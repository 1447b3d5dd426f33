// The checker against hand-made histories: a clean one passes, and each property, broken on
// purpose, is reported under its kind.

#include <map>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/sim/checker/checker.hpp"

namespace ringcast::check {
namespace {

using wire::service;
constexpr ring_id ring1{1, 1};

// A history builder: bytes are made up per (origin, index) and remembered, so a test writes
// deliveries by name.
class history {
public:
    explicit history(std::size_t n) : c_(options(n)) {}

    void submit(mono_ns t, node_id origin, std::uint64_t idx, service svc, std::size_t len) {
        std::vector<std::byte> b(len);
        for (std::size_t i = 0; i < len; ++i) {
            b[i] = static_cast<std::byte>(origin * 31 + idx * 7 + i);
        }
        c_.on_submit(t, origin, idx, svc, b);
        bytes_[{origin, idx}] = std::move(b);
        svc_[{origin, idx}] = svc;
    }
    void frame(mono_ns t, node_id origin, seq_t seq, std::uint64_t first, std::uint64_t last) {
        c_.on_frame_sent(t, origin, ring1, seq, first, last);
    }
    void recv(mono_ns t, node_id node, seq_t seq) { c_.on_frame_received(t, node, ring1, seq); }
    void recv_all(mono_ns t, seq_t seq, std::initializer_list<node_id> nodes) {
        for (const node_id n : nodes) {
            recv(t, n, seq);
        }
    }
    void deliver(mono_ns t, node_id node, node_id origin, std::uint64_t idx, seq_t seq) {
        deliver_bytes(t, node, origin, svc_[{origin, idx}], seq, bytes_[{origin, idx}]);
    }
    void deliver_bytes(mono_ns t, node_id node, node_id origin, service svc, seq_t seq,
                       std::span<const std::byte> b) {
        // Split in two pieces: the checker must hash segments as one message.
        const std::size_t half = b.size() / 2;
        const std::span<const std::byte> pieces[2] = {b.first(half), b.subspan(half)};
        c_.on_deliver(t, node, origin, svc, ring1, seq, pieces);
    }
    std::vector<std::byte>& bytes(node_id origin, std::uint64_t idx) {
        return bytes_[{origin, idx}];
    }
    checker& c() { return c_; }

    /** Three messages (n1#0 agreed, n1#1 safe, n2#0 agreed) in frames 1..3, all received. */
    void clean_prefix() {
        submit(10, 1, 0, service::agreed, 100);
        submit(11, 1, 1, service::safe, 20);
        submit(12, 2, 0, service::agreed, 3);
        frame(20, 1, 1, 0, 0);
        frame(21, 1, 2, 1, 1);
        frame(22, 2, 3, 0, 0);
        for (seq_t s = 1; s <= 3; ++s) {
            recv_all(30, s, {1, 2, 3});
        }
    }

private:
    static checker_options options(std::size_t n) {
        checker_options o;
        for (std::size_t i = 1; i <= n; ++i) {
            o.nodes.push_back(static_cast<node_id>(i));
        }
        return o;
    }
    checker c_;
    std::map<std::pair<node_id, std::uint64_t>, std::vector<std::byte>> bytes_;
    std::map<std::pair<node_id, std::uint64_t>, service> svc_;
};

finish_options complete_at(mono_ns end) {
    finish_options f;
    f.end = end;
    f.expect_complete = true;
    return f;
}

void deliver_all_in_order(history& h, node_id node, mono_ns t) {
    h.deliver(t, node, 1, 0, 1);
    h.deliver(t + 1, node, 1, 1, 2);
    h.deliver(t + 2, node, 2, 0, 3);
}

TEST(checker, clean_history_passes) {
    history h(3);
    h.clean_prefix();
    for (node_id n = 1; n <= 3; ++n) {
        deliver_all_in_order(h, n, 40);
    }
    finish_options f = complete_at(1000);
    f.clean_since = 0;
    f.liveness_bound_ns = 100;
    h.c().finish(f);
    EXPECT_TRUE(h.c().ok()) << h.c().summary();
    EXPECT_EQ(h.c().deliveries(), 9u);
    EXPECT_EQ(h.c().summary(), "ok");
}

TEST(checker, duplicate_delivery) {
    history h(3);
    h.clean_prefix();
    for (node_id n = 1; n <= 3; ++n) {
        deliver_all_in_order(h, n, 40);
    }
    h.deliver(50, 2, 1, 0, 1);
    h.c().finish(complete_at(1000));
    EXPECT_EQ(h.c().count(violation_kind::duplicate), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("node 2 delivered n1#0"), std::string::npos);
}

TEST(checker, created_message) {
    history h(3);
    h.clean_prefix();
    const std::vector<std::byte> junk(40, std::byte{0x5A});
    h.deliver_bytes(40, 3, 2, service::agreed, 3, junk);
    EXPECT_EQ(h.c().count(violation_kind::created), 1u) << h.c().summary();
}

TEST(checker, corrupted_bytes_are_not_the_submission) {
    history h(3);
    h.clean_prefix();
    std::vector<std::byte> b = h.bytes(1, 0);
    b[57] ^= std::byte{1};
    h.deliver_bytes(40, 2, 1, service::agreed, 1, b);
    EXPECT_EQ(h.c().count(violation_kind::created), 1u) << h.c().summary();
}

TEST(checker, wrong_service) {
    history h(3);
    h.clean_prefix();
    h.deliver_bytes(40, 2, 1, service::safe, 1, h.bytes(1, 0));
    EXPECT_EQ(h.c().count(violation_kind::service), 1u) << h.c().summary();
}

TEST(checker, fifo_reordered_sender) {
    history h(3);
    h.clean_prefix();
    h.deliver(40, 2, 1, 1, 2);
    h.deliver(41, 2, 1, 0, 1);
    EXPECT_GE(h.c().count(violation_kind::fifo), 1u) << h.c().summary();
}

TEST(checker, fifo_gap) {
    history h(3);
    h.clean_prefix();
    h.deliver(40, 2, 1, 1, 2); // skips n1#0
    EXPECT_EQ(h.c().count(violation_kind::fifo), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("skipped n1#0..#0"), std::string::npos) << h.c().summary();
}

TEST(checker, gap_after_sender_crash_is_legal) {
    history h(3);
    h.submit(10, 1, 0, service::agreed, 50);
    h.submit(11, 1, 1, service::agreed, 50); // accepted, never sent: dies with the crash
    h.frame(20, 1, 1, 0, 0);
    h.recv_all(21, 1, {1, 2, 3});
    h.deliver(22, 2, 1, 0, 1);
    h.c().on_crash(30, 1);
    h.c().on_restart(40, 1);
    h.submit(50, 1, 2, service::agreed, 50);
    h.frame(60, 1, 2, 2, 2);
    h.recv_all(61, 2, {1, 2, 3});
    h.deliver(62, 2, 1, 2, 2);
    h.c().finish({.end = 100});
    EXPECT_TRUE(h.c().ok()) << h.c().summary();
}

TEST(checker, total_order_disagreement) {
    history h(3);
    h.clean_prefix();
    deliver_all_in_order(h, 1, 40);
    h.deliver(40, 2, 2, 0, 3); // n2#0 first at node 2
    h.deliver(41, 2, 1, 0, 1);
    h.deliver(42, 2, 1, 1, 2);
    h.c().finish({.end = 100});
    EXPECT_GE(h.c().count(violation_kind::order), 1u) << h.c().summary();
    EXPECT_EQ(h.c().count(violation_kind::fifo), 0u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("total order"), std::string::npos);
}

TEST(checker, missing_delivery_in_fault_free_run) {
    history h(3);
    h.clean_prefix();
    deliver_all_in_order(h, 1, 40);
    deliver_all_in_order(h, 2, 40);
    h.deliver(40, 3, 1, 0, 1);
    h.deliver(41, 3, 1, 1, 2); // never delivers n2#0
    h.c().finish(complete_at(1000));
    EXPECT_EQ(h.c().count(violation_kind::completeness), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("node 3 never delivered 1 messages"), std::string::npos);
}

TEST(checker, safe_before_every_member_received) {
    history h(3);
    h.submit(10, 1, 0, service::safe, 5000);
    h.frame(20, 1, 1, 0, 0); // a fragmented message: two frames
    h.frame(21, 1, 2, 0, 0);
    h.recv_all(30, 1, {2, 3});
    h.recv(30, 2, 2);        // node 3 lacks frame 2 ...
    h.deliver(31, 1, 1, 0, 2); // ... when node 1 delivers
    EXPECT_EQ(h.c().count(violation_kind::safe), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("node(s) 3 had not received frame 1.1/2"), std::string::npos)
        << h.c().summary();
    h.recv(32, 3, 2);
    h.deliver(33, 2, 1, 0, 2); // after every member has both frames: fine
    EXPECT_EQ(h.c().count(violation_kind::safe), 1u);
}

TEST(checker, agreed_before_any_frame) {
    history h(2);
    h.submit(10, 1, 0, service::agreed, 30);
    h.deliver(11, 1, 1, 0, 1);
    EXPECT_EQ(h.c().count(violation_kind::order), 1u) << h.c().summary();
}

TEST(checker, late_delivery_after_clean) {
    history h(3);
    h.clean_prefix();
    deliver_all_in_order(h, 1, 40);
    deliver_all_in_order(h, 2, 40);
    deliver_all_in_order(h, 3, 5000); // far later than the bound
    finish_options f;
    f.end = 10'000;
    f.clean_since = 100;
    f.liveness_bound_ns = 1000;
    h.c().finish(f);
    EXPECT_EQ(h.c().count(violation_kind::liveness), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("node 3: 3 message(s)"), std::string::npos) << h.c().summary();
}

TEST(checker, liveness_not_judged_before_due) {
    history h(2);
    h.submit(10, 1, 0, service::agreed, 30);
    finish_options f;
    f.end = 500;
    f.clean_since = 100;
    f.liveness_bound_ns = 1000; // due at 1100, after the end
    h.c().finish(f);
    EXPECT_TRUE(h.c().ok()) << h.c().summary();
}

TEST(checker, identical_tiny_messages_are_told_apart) {
    history h(2);
    const std::vector<std::byte> one{std::byte{7}};
    h.c().on_submit(10, 1, 0, service::agreed, one);
    h.c().on_submit(11, 1, 1, service::agreed, one);
    h.frame(20, 1, 1, 0, 1);
    h.recv_all(21, 1, {1, 2});
    for (node_id n = 1; n <= 2; ++n) {
        h.deliver_bytes(30, n, 1, service::agreed, 1, one);
        h.deliver_bytes(31, n, 1, service::agreed, 1, one);
    }
    h.c().finish(complete_at(100));
    EXPECT_TRUE(h.c().ok()) << h.c().summary();
    h.deliver_bytes(40, 2, 1, service::agreed, 1, one); // a third copy is one too many
    EXPECT_EQ(h.c().count(violation_kind::duplicate), 1u);
}

TEST(checker, wrong_frame_named) {
    history h(3);
    h.clean_prefix();
    h.deliver(40, 2, 1, 0, 2); // n1#0 ends in frame 1, not 2
    EXPECT_EQ(h.c().count(violation_kind::content), 1u) << h.c().summary();
}

TEST(checker, simulator_errors_are_violations) {
    history h(2);
    h.c().on_sim_error(5, 2, "contract: release of ref 9 the core does not hold");
    EXPECT_EQ(h.c().count(violation_kind::sim), 1u);
    EXPECT_NE(h.c().summary().find("release of ref 9"), std::string::npos);
}

TEST(checker, deliveries_carry_their_configuration) {
    history h(3);
    h.clean_prefix();
    const node_id members[] = {1, 2, 3};
    h.c().on_config(35, 1, config_kind::regular, ring1, members);
    deliver_all_in_order(h, 1, 40);
    const node_id two[] = {1, 2};
    // Under a two-member configuration, a safe message needs only nodes 1 and 2.
    history g(3);
    g.submit(10, 1, 0, service::safe, 10);
    g.frame(20, 1, 1, 0, 0);
    g.recv(21, 2, 1);
    g.c().on_config(22, 1, config_kind::regular, ring1, two);
    g.deliver(23, 1, 1, 0, 1);
    EXPECT_TRUE(g.c().ok()) << g.c().summary();
    EXPECT_TRUE(h.c().ok()) << h.c().summary();
}

// ---- membership: configurations, convergence, expectations per configuration ----

constexpr ring_id ring2{1, 2};

void install(history& h, mono_ns t, ring_id r, std::initializer_list<node_id> nodes,
             std::initializer_list<node_id> members) {
    const std::vector<node_id> m(members);
    for (const node_id n : nodes) {
        h.c().on_config(t, n, config_kind::regular, r, m);
    }
}

TEST(checker, membership_must_converge) {
    history h(3);
    install(h, 5, ring1, {1, 2}, {1, 2});
    install(h, 5, {3, 1}, {3}, {3});
    h.c().finish(complete_at(100));
    EXPECT_EQ(h.c().count(violation_kind::liveness), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("did not converge"), std::string::npos) << h.c().summary();
}

TEST(checker, final_ring_must_hold_every_live_node) {
    history h(3);
    install(h, 5, ring1, {1, 2, 3}, {1, 2}); // node 3 claims a ring without itself
    h.c().finish(complete_at(100));
    EXPECT_EQ(h.c().count(violation_kind::liveness), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("lacks live node(s) 3"), std::string::npos) << h.c().summary();
}

TEST(checker, message_of_a_singleton_configuration_is_owed_only_by_its_origin) {
    history h(3);
    install(h, 1, ring1, {1}, {1}); // node 1 alone
    h.submit(10, 1, 0, service::agreed, 40);
    h.frame(11, 1, 1, 0, 0);
    h.deliver(12, 1, 1, 0, 1);
    install(h, 20, ring2, {1, 2, 3}, {1, 2, 3});
    h.c().finish(complete_at(100));
    EXPECT_TRUE(h.c().ok()) << h.c().summary();
}

TEST(checker, message_of_the_final_ring_is_owed_by_every_member) {
    history h(3);
    install(h, 1, ring1, {1, 2, 3}, {1, 2, 3});
    h.submit(10, 1, 0, service::agreed, 40);
    h.frame(11, 1, 1, 0, 0);
    h.recv_all(12, 1, {1, 2, 3});
    h.deliver(13, 1, 1, 0, 1);
    h.deliver(13, 2, 1, 0, 1);
    h.c().finish(complete_at(100));
    EXPECT_EQ(h.c().count(violation_kind::completeness), 1u) << h.c().summary();
    EXPECT_NE(h.c().summary().find("node 3 never delivered 1"), std::string::npos);
}

TEST(checker, undelivered_at_its_origin) {
    history h(2);
    h.submit(10, 2, 0, service::agreed, 40); // accepted, never ordered
    h.c().finish(complete_at(100));
    EXPECT_EQ(h.c().count(violation_kind::self_delivery), 1u) << h.c().summary();
    EXPECT_EQ(h.c().count(violation_kind::completeness), 0u) << h.c().summary();
}

TEST(checker, fifo_gap_across_a_configuration_change_is_left_to_virtual_synchrony) {
    history h(3);
    install(h, 1, ring1, {1, 2, 3}, {1, 2, 3});
    h.submit(10, 1, 0, service::agreed, 40);
    h.submit(11, 1, 1, service::agreed, 40);
    h.submit(12, 1, 2, service::agreed, 40);
    h.frame(13, 1, 1, 0, 0);
    h.frame(14, 1, 2, 1, 1);
    h.recv_all(15, 1, {1, 2, 3});
    h.deliver(16, 3, 1, 0, 1);
    // node 3 is cut off; nodes 1 and 2 deliver n1#1 without it
    install(h, 20, ring2, {3}, {3});
    install(h, 30, {1, 3}, {1, 2, 3}, {1, 2, 3});
    h.c().on_frame_sent(31, 1, {1, 3}, 1, 2, 2);
    h.c().on_frame_received(32, 3, {1, 3}, 1);
    const std::span<const std::byte> p[1] = {h.bytes(1, 2)};
    h.c().on_deliver(33, 3, 1, service::agreed, {1, 3}, 1, p); // skips #1: legal here
    EXPECT_EQ(h.c().count(violation_kind::fifo), 0u) << h.c().summary();
}

TEST(checker, fragments_resent_on_a_new_ring_replace_the_old_ones) {
    history h(3);
    install(h, 1, ring1, {1, 2, 3}, {1, 2, 3});
    h.submit(10, 1, 0, service::safe, 3000);
    h.frame(11, 1, 1, 0, 0); // first fragment on ring1, never seen by node 3
    h.recv(12, 2, 1);
    install(h, 20, ring2, {1, 2, 3}, {1, 2, 3});
    h.c().on_frame_sent(21, 1, ring2, 1, 0, 0); // the message starts over on ring2
    h.c().on_frame_sent(22, 1, ring2, 2, 0, 0);
    for (node_id n = 2; n <= 3; ++n) {
        h.c().on_frame_received(23, n, ring2, 1);
        h.c().on_frame_received(23, n, ring2, 2);
    }
    const std::span<const std::byte> p[1] = {h.bytes(1, 0)};
    h.c().on_deliver(24, 1, 1, service::safe, ring2, 2, p);
    EXPECT_TRUE(h.c().ok()) << h.c().summary();
}

} // namespace
} // namespace ringcast::check
