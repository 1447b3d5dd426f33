// Group views from a synthetic totally ordered stream: joins, leaves, a process gone, a node
// down. Every node applies the same stream and must compute the same views at the same points.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "lib/shm/groups.hpp"

namespace ringcast::shm::test {
namespace {

struct recorded_view {
    std::uint64_t at = 0; // position in the stream
    std::string name;
    view_reason reason = view_reason::join;
    std::vector<member> members, joined, left;
    friend bool operator==(const recorded_view&, const recorded_view&) = default;
};

struct input {
    bool config = false;
    node_id origin = 0;
    group_header h;
    std::string name; // storage for h.name
    std::vector<node_id> nodes;
};

struct node_views {
    explicit node_views(node_id self) : table(self) {}
    void feed(std::uint64_t at, const input& in) {
        const group_table::view_fn fn = [&](const group& g, const view_event& ev) {
            views.push_back({at, g.name, ev.reason,
                             {ev.members.begin(), ev.members.end()},
                             {ev.joined.begin(), ev.joined.end()},
                             {ev.left.begin(), ev.left.end()}});
            // group::local is this node's members only
            for (const member& m : g.local) {
                EXPECT_EQ(m.node, table_self);
            }
        };
        if (in.config) {
            table.on_configuration(in.nodes, fn);
        } else {
            group_header h = in.h;
            h.name = in.name;
            const group* g = nullptr;
            if (table.apply(in.origin, h, fn, &g) == apply_result::data) {
                ++data_delivered;
            }
        }
    }
    group_table table;
    node_id table_self = 0;
    std::vector<recorded_view> views;
    std::size_t data_delivered = 0;
};

input msg(group_msg_kind kind, member who, std::string name, std::uint8_t flags = 0) {
    input in;
    in.origin = who.node;
    in.h.kind = kind;
    in.h.sender = who;
    in.h.flags = flags;
    in.name = std::move(name);
    return in;
}

input config(std::vector<node_id> nodes) {
    input in;
    in.config = true;
    in.nodes = std::move(nodes);
    return in;
}

TEST(shm_groups, scripted_stream_gives_the_expected_views) {
    const member a{1, 100, 1}, b{2, 200, 2}, c{3, 300, 3}, a2{1, 101, 4};
    std::vector<input> stream = {
        msg(group_msg_kind::join, a, "g"),       msg(group_msg_kind::join, b, "g"),
        msg(group_msg_kind::data, b, "g"),       msg(group_msg_kind::join, c, "g"),
        msg(group_msg_kind::join, a2, "h"),      msg(group_msg_kind::join, a, "g"), // dup
        msg(group_msg_kind::leave, b, "g"),      msg(group_msg_kind::data, c, "nope"),
        msg(group_msg_kind::join, a, "h"),       config({1, 2}), // node 3 down
        msg(group_msg_kind::leave, a, "", group_flag_client_gone), // a died: leaves g and h
    };
    // A forged header: node 2 claims to be node 1.
    input forged = msg(group_msg_kind::join, b, "g");
    forged.origin = 1;
    stream.push_back(forged);

    node_views n1(1);
    n1.table_self = 1;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        n1.feed(i, stream[i]);
    }
    const auto& v = n1.views;
    ASSERT_EQ(v.size(), 9u);
    EXPECT_EQ(v[0], (recorded_view{0, "g", view_reason::join, {a}, {a}, {}}));
    EXPECT_EQ(v[1], (recorded_view{1, "g", view_reason::join, {a, b}, {b}, {}}));
    EXPECT_EQ(v[2], (recorded_view{3, "g", view_reason::join, {a, b, c}, {c}, {}}));
    EXPECT_EQ(v[3], (recorded_view{4, "h", view_reason::join, {a2}, {a2}, {}}));
    EXPECT_EQ(v[4], (recorded_view{6, "g", view_reason::leave, {a, c}, {}, {b}}));
    EXPECT_EQ(v[5], (recorded_view{8, "h", view_reason::join, {a, a2}, {a}, {}}));
    EXPECT_EQ(v[6], (recorded_view{9, "g", view_reason::node_down, {a}, {}, {c}}));
    EXPECT_EQ(v[7], (recorded_view{10, "g", view_reason::client_gone, {}, {}, {a}}));
    EXPECT_EQ(v[8], (recorded_view{10, "h", view_reason::client_gone, {a2}, {}, {a}}));
    EXPECT_EQ(n1.data_delivered, 1u);
    EXPECT_EQ(n1.table.find("g"), nullptr) << "an empty group is gone";
    ASSERT_NE(n1.table.find("h"), nullptr);
    EXPECT_EQ(n1.table.find("h")->local, (std::vector<member>{a2}));
}

TEST(shm_groups, every_node_computes_the_same_views_from_a_random_stream) {
    std::mt19937 rng(5);
    const std::vector<std::string> names = {"a", "b", "c", "orders", "x.y-z"};
    std::vector<input> stream;
    std::vector<node_id> up = {1, 2, 3, 4};
    for (int i = 0; i < 20000; ++i) {
        const int what = static_cast<int>(rng() % 100);
        if (what < 2) {
            std::vector<node_id> nodes;
            for (node_id n = 1; n <= 4; ++n) {
                if (rng() % 4 != 0) {
                    nodes.push_back(n);
                }
            }
            stream.push_back(config(nodes));
            continue;
        }
        const auto pick = [&](std::uint32_t n) { return static_cast<std::uint32_t>(rng() % n); };
        const member m{1 + pick(4), 1000 + pick(6), 1 + pick(6)};
        const std::string& name = names[rng() % names.size()];
        if (what < 40) {
            stream.push_back(msg(group_msg_kind::join, m, name));
        } else if (what < 60) {
            stream.push_back(msg(group_msg_kind::leave, m, name));
        } else if (what < 63) {
            stream.push_back(msg(group_msg_kind::leave, m, "", group_flag_client_gone));
        } else {
            stream.push_back(msg(group_msg_kind::data, m, name));
        }
    }
    std::vector<node_views> nodes;
    for (node_id n = 1; n <= 4; ++n) {
        nodes.emplace_back(n);
        nodes.back().table_self = n;
    }
    for (std::size_t i = 0; i < stream.size(); ++i) {
        for (node_views& n : nodes) {
            n.feed(i, stream[i]);
        }
    }
    ASSERT_GT(nodes[0].views.size(), 1000u);
    for (std::size_t k = 1; k < nodes.size(); ++k) {
        EXPECT_EQ(nodes[k].views, nodes[0].views) << "node " << k + 1;
        EXPECT_EQ(nodes[k].data_delivered, nodes[0].data_delivered);
    }
}

} // namespace
} // namespace ringcast::shm::test
