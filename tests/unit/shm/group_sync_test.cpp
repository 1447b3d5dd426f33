// State sync of process groups (group_sync.hpp, group_table::begin_sync/apply_sync): nodes that
// were apart merge their tables at one point of the stream, the same on every node, while joins
// and leaves sent meanwhile are held and applied after it in order.

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "lib/shm/group_sync.hpp"
#include "lib/shm/groups.hpp"

namespace ringcast::shm::test {
namespace {

using table_state = std::map<std::string, std::vector<member>>;

table_state state_of(const group_table& t) {
    table_state s;
    t.for_each([&](const group& g) { s[g.name] = g.members; });
    return s;
}

struct seen_view;
void PrintTo(const seen_view& v, std::ostream* os);

struct seen_view {
    std::size_t at = 0;
    std::string name;
    view_reason reason = view_reason::join;
    std::vector<member> members, joined, left;
    friend bool operator==(const seen_view&, const seen_view&) = default;
};

void PrintTo(const member& m, std::ostream* os) { *os << m.node << '/' << m.pid << '/' << m.client; }
void PrintTo(const seen_view& v, std::ostream* os) {
    *os << "{at " << v.at << ' ' << v.name << " reason " << static_cast<int>(v.reason) << " members";
    for (const member& m : v.members) {
        *os << ' ';
        PrintTo(m, os);
    }
    *os << " joined";
    for (const member& m : v.joined) {
        *os << ' ';
        PrintTo(m, os);
    }
    *os << " left";
    for (const member& m : v.left) {
        *os << ' ';
        PrintTo(m, os);
    }
    *os << '}';
}

// One payload of a report, as the wire carries it.
struct payload {
    node_id origin = 0;
    std::vector<std::byte> bytes;
};

// What a node's hub multicasts after a regular configuration: its own members of every group.
std::vector<payload> report_of(node_id self, const group_table& t, ring_id ring,
                               std::size_t payload_max = sync_payload_max) {
    std::vector<sync_entry> entries;
    t.for_each([&](const group& g) {
        for (const member& m : g.local) {
            entries.push_back({g.name, m.pid, m.client});
        }
    });
    std::vector<std::byte> out;
    std::vector<sync_chunk> chunks;
    encode_sync_report(self, ring, entries, payload_max, out, chunks);
    std::vector<payload> r;
    for (const sync_chunk& c : chunks) {
        r.push_back({self, {out.begin() + static_cast<std::ptrdiff_t>(c.offset),
                            out.begin() + static_cast<std::ptrdiff_t>(c.offset + c.size)}});
    }
    return r;
}

// One delivered input: a group message or a report payload.
struct input {
    node_id origin = 0;
    group_msg_kind kind = group_msg_kind::data;
    member who;
    std::string name;
    std::uint8_t flags = 0;
    std::vector<std::byte> report; // kind sync
};

input op(group_msg_kind kind, member who, std::string name, std::uint8_t flags = 0) {
    return {who.node, kind, who, std::move(name), flags, {}};
}

input as_input(const payload& p) {
    input in;
    in.origin = p.origin;
    in.kind = group_msg_kind::sync;
    in.report = p.bytes;
    return in;
}

struct node {
    explicit node(node_id n) : self(n), table(n) {}
    node_id self;
    group_table table;
    std::vector<seen_view> views;
    std::size_t data = 0;

    group_table::view_fn recorder(std::size_t at) {
        return [this, at](const group& g, const view_event& ev) {
            views.push_back({at, g.name, ev.reason,
                             {ev.members.begin(), ev.members.end()},
                             {ev.joined.begin(), ev.joined.end()},
                             {ev.left.begin(), ev.left.end()}});
        };
    }
    void config(std::size_t at, ring_id ring, const std::vector<node_id>& nodes) {
        table.on_configuration(nodes, recorder(at));
        table.begin_sync(ring, nodes);
    }
    // The hub's delivery path, minus the rings.
    apply_result feed(std::size_t at, const input& in) {
        if (in.kind == group_msg_kind::sync) {
            group_header h;
            EXPECT_EQ(parse_group_header(in.report, h), errc::ok);
            EXPECT_EQ(h.kind, group_msg_kind::sync);
            EXPECT_EQ(h.sender, (member{in.origin, 0, 0}));
            std::vector<sync_entry> entries;
            entries.reserve(sync_payload_max / 10);
            ring_id ring;
            EXPECT_TRUE(parse_sync_body(
                std::span<const std::byte>(in.report).subspan(h.size), ring, entries));
            return table.apply_sync(in.origin, ring, entries,
                                    (h.flags & group_flag_sync_last) != 0, recorder(at));
        }
        group_header h;
        h.kind = in.kind;
        h.flags = in.flags;
        h.sender = in.who;
        h.name = in.name;
        const apply_result r = table.apply(in.origin, h, recorder(at));
        data += r == apply_result::data ? 1 : 0;
        return r;
    }
};

TEST(shm_group_sync, report_codec_round_trips_in_bounded_payloads) {
    std::vector<std::string> names;
    std::vector<sync_entry> entries;
    for (int i = 0; i < 500; ++i) {
        names.push_back(std::string(1 + i % 64, static_cast<char>('a' + i % 26)));
    }
    for (int i = 0; i < 500; ++i) {
        entries.push_back({names[i], 1000u + i, 70000u + i});
    }
    std::vector<std::byte> out;
    std::vector<sync_chunk> chunks;
    const ring_id ring{7, 123456789012ull};
    encode_sync_report(3, ring, entries, 1024, out, chunks);
    ASSERT_GT(chunks.size(), 10u);
    std::vector<sync_entry> back;
    back.reserve(entries.size());
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        const std::span<const std::byte> p(out.data() + chunks[i].offset, chunks[i].size);
        ASSERT_LE(p.size(), 1024u);
        group_header h;
        ASSERT_EQ(parse_group_header(p, h), errc::ok);
        EXPECT_EQ(h.size, group_header_size(0)) << "a sync report names no group";
        EXPECT_EQ(h.kind, group_msg_kind::sync);
        EXPECT_EQ(h.sender, (member{3, 0, 0}));
        EXPECT_EQ((h.flags & group_flag_sync_last) != 0, i + 1 == chunks.size());
        ring_id r;
        ASSERT_TRUE(parse_sync_body(p.subspan(h.size), r, back));
        EXPECT_EQ(r, ring);
    }
    ASSERT_EQ(back.size(), entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(back[i].name, entries[i].name);
        EXPECT_EQ(back[i].pid, entries[i].pid);
        EXPECT_EQ(back[i].client, entries[i].client);
    }

    out.clear();
    chunks.clear();
    encode_sync_report(3, ring, {}, 0, out, chunks);
    ASSERT_EQ(chunks.size(), 1u) << "no members is still a report";
    EXPECT_EQ(chunks[0].size, group_header_size(0) + sync_body_fixed);
}

TEST(shm_group_sync, malformed_bodies_are_rejected) {
    const std::vector<sync_entry> entries = {{"g", 1, 2}, {"hh", 3, 4}};
    std::vector<std::byte> out;
    std::vector<sync_chunk> chunks;
    encode_sync_report(1, ring_id{1, 1}, entries, 0, out, chunks);
    const std::vector<std::byte> good(out.begin() + group_header_size(0), out.end());
    std::vector<sync_entry> e;
    e.reserve(64);
    ring_id r;
    ASSERT_TRUE(parse_sync_body(good, r, e));
    const auto bad = [&](std::vector<std::byte> b) {
        e.clear();
        const bool ok = parse_sync_body(b, r, e);
        EXPECT_TRUE(e.empty()) << "nothing is appended from a bad body";
        return !ok;
    };
    for (std::size_t n = 0; n < good.size(); ++n) {
        EXPECT_TRUE(bad({good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)})) << n;
    }
    auto b = good;
    b.push_back(std::byte{0});
    EXPECT_TRUE(bad(b)) << "trailing byte";
    b = good;
    b[4] = std::byte{1};
    EXPECT_TRUE(bad(b)) << "reserved";
    b = good;
    b[19] = std::byte{3};
    EXPECT_TRUE(bad(b)) << "count above the entries";
    b = good;
    b[sync_body_fixed + 1] = std::byte{0x07};
    EXPECT_TRUE(bad(b)) << "control character in a name";
    b = good;
    b[sync_body_fixed] = std::byte{0};
    EXPECT_TRUE(bad(b)) << "empty name";
    std::vector<sync_entry> tiny; // no room reserved: refused, never grown
    EXPECT_FALSE(parse_sync_body(good, r, tiny));
}

TEST(shm_group_sync, a_healed_partition_merges_at_one_point_with_held_joins_after_it) {
    const member a{1, 100, 1}, b{2, 200, 2}, c{3, 300, 3}, c2{3, 301, 4}, d{1, 101, 5};
    std::vector<node> nodes;
    for (node_id n = 1; n <= 3; ++n) {
        nodes.emplace_back(n);
    }
    // Apart: {1, 2} and {3} each formed their own groups.
    for (const input& in : {op(group_msg_kind::join, a, "g"), op(group_msg_kind::join, b, "g"),
                            op(group_msg_kind::join, b, "h")}) {
        nodes[0].feed(0, in);
        nodes[1].feed(0, in);
    }
    for (const input& in : {op(group_msg_kind::join, c, "g"), op(group_msg_kind::join, c2, "k")}) {
        nodes[2].feed(0, in);
    }
    // Together again: the regular configuration, then every node's report, with a join, a
    // leave and data among them.
    const ring_id ring{1, 40};
    const std::vector<node_id> all = {1, 2, 3};
    std::vector<std::vector<payload>> reports;
    for (node& n : nodes) {
        n.config(1, ring, all);
        reports.push_back(report_of(n.self, n.table, ring));
        n.views.clear();
    }
    const std::vector<input> stream = {
        as_input(reports[0][0]),
        op(group_msg_kind::join, d, "g"),
        op(group_msg_kind::data, c, "g"),
        as_input(reports[1][0]),
        op(group_msg_kind::leave, b, "h"),
        as_input(reports[2][0]), // the last report: the merge happens here (at 7)
        op(group_msg_kind::data, a, "g"),
    };
    for (node& n : nodes) {
        for (std::size_t i = 0; i < stream.size(); ++i) {
            const apply_result r = n.feed(2 + i, stream[i]);
            if (i == 1 || i == 4) {
                EXPECT_EQ(r, apply_result::held);
            }
            if (i == 5) {
                EXPECT_EQ(r, apply_result::view);
            }
        }
        EXPECT_FALSE(n.table.syncing());
    }
    const table_state want = {{"g", {a, d, b, c}}, {"k", {c2}}}; // sorted: node, pid, client
    for (node& n : nodes) {
        EXPECT_EQ(state_of(n.table), want) << "node " << n.self;
    }
    // Node 1 learns c and c2; node 3 learns a and b; node 2 likewise: each sees the same member
    // lists, and its own diff. Then the held join of d and leave of b, alike everywhere.
    const auto& v1 = nodes[0].views;
    const auto& v3 = nodes[2].views;
    ASSERT_EQ(v1.size(), 4u);
    EXPECT_EQ(v1[0], (seen_view{7, "g", view_reason::sync, {a, b, c}, {c}, {}}));
    EXPECT_EQ(v1[1], (seen_view{7, "k", view_reason::sync, {c2}, {c2}, {}}));
    ASSERT_EQ(v3.size(), 4u);
    EXPECT_EQ(v3[0], (seen_view{7, "g", view_reason::sync, {a, b, c}, {a, b}, {}}));
    EXPECT_EQ(v3[1], (seen_view{7, "h", view_reason::sync, {b}, {b}, {}}));
    EXPECT_EQ(v1[2], (seen_view{7, "g", view_reason::join, {a, d, b, c}, {d}, {}}));
    EXPECT_EQ(v1[3], (seen_view{7, "h", view_reason::leave, {}, {}, {b}}));
    EXPECT_EQ(v3[2], v1[2]);
    EXPECT_EQ(v3[3], v1[3]);
    EXPECT_EQ(nodes[1].views, v1);
    for (node& n : nodes) {
        EXPECT_EQ(n.data, 2u) << "data is delivered during the sync too";
    }
}

TEST(shm_group_sync, a_ring_change_during_a_sync_applies_what_was_held_and_syncs_again) {
    const member a{1, 100, 1}, c{3, 300, 3};
    std::vector<node> nodes;
    for (node_id n = 1; n <= 3; ++n) {
        nodes.emplace_back(n);
    }
    nodes[0].feed(0, op(group_msg_kind::join, a, "g"));
    nodes[1].feed(0, op(group_msg_kind::join, a, "g"));
    nodes[2].feed(0, op(group_msg_kind::join, c, "g"));
    const ring_id r1{1, 50};
    std::vector<std::vector<payload>> reports;
    for (node& n : nodes) {
        n.config(1, r1, {1, 2, 3});
        reports.push_back(report_of(n.self, n.table, r1));
    }
    // Node 1's report and a join arrive, then node 2 fails before reporting.
    for (node& n : nodes) {
        n.feed(2, as_input(reports[0][0]));
        EXPECT_EQ(n.feed(3, op(group_msg_kind::join, c, "h")), apply_result::held);
        EXPECT_TRUE(n.table.syncing());
    }
    const ring_id r2{1, 60};
    std::vector<node*> left = {&nodes[0], &nodes[2]};
    reports.clear();
    for (node* n : left) {
        n->config(4, r2, {1, 3});
        EXPECT_NE(n->table.find("h"), nullptr) << "the held join was applied at the new config";
        reports.push_back(report_of(n->self, n->table, r2));
    }
    // A late payload of the first sync is ignored; the second completes.
    for (node* n : left) {
        EXPECT_EQ(n->feed(5, as_input(reports[0][0])), apply_result::unchanged);
        EXPECT_EQ(n->feed(6, as_input(report_of(2, nodes[1].table, r1)[0])), apply_result::unchanged);
        EXPECT_EQ(n->feed(7, as_input(reports[1][0])), apply_result::view);
    }
    const table_state want = {{"g", {a, c}}, {"h", {c}}};
    EXPECT_EQ(state_of(nodes[0].table), want);
    EXPECT_EQ(state_of(nodes[2].table), want);
}

// Random partitions and merges of four nodes, some restarted with an empty table: after every
// completed sync, all members of a ring have the same table, and from then on the same views.
TEST(shm_group_sync, random_partitions_and_merges_converge) {
    std::mt19937 rng(11);
    const std::vector<std::string> names = {"a", "b", "orders", "x.y"};
    std::vector<node> nodes;
    for (node_id n = 1; n <= 4; ++n) {
        nodes.emplace_back(n);
    }
    std::uint64_t ring_seq = 0;
    std::size_t at = 0;
    std::size_t merges_checked = 0;
    for (int round = 0; round < 300; ++round) {
        // A new partition of {1..4} into components (each node picks one of 2 sides).
        std::vector<std::vector<node_id>> sides(2);
        for (node_id n = 1; n <= 4; ++n) {
            if (rng() % 10 == 0) { // restart: the process table is gone
                nodes[n - 1].table = group_table(n);
            }
            sides[rng() % 2].push_back(n);
        }
        for (const auto& side : sides) {
            if (side.empty()) {
                continue;
            }
            const ring_id ring{side.front(), ++ring_seq};
            std::vector<input> stream;
            std::vector<std::size_t> view_mark;
            for (const node_id n : side) {
                nodes[n - 1].config(at, ring, side);
                for (const payload& p : report_of(n, nodes[n - 1].table, ring, 300)) {
                    stream.push_back(as_input(p));
                }
            }
            // Joins, leaves, data and process exits of this side's nodes, among the reports.
            const std::size_t ops = 5 + rng() % 30;
            for (std::size_t i = 0; i < ops; ++i) {
                const node_id n = side[rng() % side.size()];
                const member m{n, 1000 + static_cast<std::uint32_t>(rng() % 5),
                               1 + static_cast<std::uint32_t>(rng() % 5)};
                const std::string& name = names[rng() % names.size()];
                const int what = static_cast<int>(rng() % 10);
                input in = what < 5   ? op(group_msg_kind::join, m, name)
                           : what < 7 ? op(group_msg_kind::leave, m, name)
                           : what < 8 ? op(group_msg_kind::leave, m, "", group_flag_client_gone)
                                      : op(group_msg_kind::data, m, name);
                stream.insert(stream.begin() + static_cast<std::ptrdiff_t>(rng() % (stream.size() + 1)),
                              std::move(in));
            }
            for (const node_id n : side) {
                view_mark.push_back(nodes[n - 1].views.size());
            }
            std::size_t done_at = 0;
            for (const input& in : stream) {
                ++at;
                for (const node_id n : side) {
                    if (nodes[n - 1].feed(at, in) == apply_result::view &&
                        in.kind == group_msg_kind::sync) {
                        done_at = at;
                    }
                }
            }
            ASSERT_NE(done_at, 0u) << "round " << round << ": the sync never completed";
            const table_state first = state_of(nodes[side.front() - 1].table);
            std::vector<seen_view> after0;
            for (std::size_t k = 0; k < side.size(); ++k) {
                node& n = nodes[side[k] - 1];
                EXPECT_FALSE(n.table.syncing());
                EXPECT_EQ(state_of(n.table), first) << "round " << round << " node " << n.self;
                // Views after the merge point (the sync diffs there may differ; the lists not).
                std::vector<seen_view> after;
                for (std::size_t v = view_mark[k]; v < n.views.size(); ++v) {
                    if (n.views[v].at > done_at) {
                        after.push_back(n.views[v]);
                    } else if (n.views[v].at == done_at && n.views[v].reason != view_reason::sync) {
                        after.push_back(n.views[v]);
                    }
                }
                if (k == 0) {
                    after0 = after;
                } else {
                    EXPECT_EQ(after, after0) << "round " << round << " node " << n.self;
                }
            }
            ++merges_checked;
        }
    }
    EXPECT_GT(merges_checked, 300u);
}

} // namespace
} // namespace ringcast::shm::test
