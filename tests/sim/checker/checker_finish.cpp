// The checker's whole-history part: total order between every pair of nodes (messages and
// configurations), self delivery and completeness at the end of a run, and liveness after the
// links turned clean.

#include <algorithm>

#include <fmt/format.h>

#include "tests/sim/checker/checker.hpp"

namespace ringcast::check {

void checker::finish(const finish_options& f) {
    for (std::size_t a = 0; a < nodes_.size(); ++a) {
        for (std::size_t b = a + 1; b < nodes_.size(); ++b) {
            check_order_pair(nodes_[a], nodes_[b]);
            check_view_order_pair(nodes_[a], nodes_[b]);
        }
    }
    if (f.expect_complete || f.clean_since != mono_ns_never) {
        check_final(f);
    }
}

// Walks a's log in order and looks each message up in b's: the positions in b of the messages
// both delivered must increase. Reports the first inversion of the pair (one is enough to act on,
// and a single swap would otherwise be reported once per later message).
void checker::check_order_pair(const node_rec& a, const node_rec& b) {
    std::uint32_t last_pos = 0;
    msg_id last_msg = none;
    for (const delivery_rec& d : a.log) {
        if (!delivered_at(b, d.msg)) {
            continue;
        }
        const std::uint32_t p = b.pos[d.msg];
        if (p < last_pos) {
            report(violation_kind::order,
                   fmt::format("total order: node {} delivered {} before {}, node {} the other "
                               "way round",
                               a.id, name(last_msg), name(d.msg), b.id));
            return;
        }
        last_pos = p;
        last_msg = d.msg;
    }
}

// The live nodes must agree on one final regular configuration that holds them all: after the
// links turned clean nothing may keep a live node out of the ring.
bool checker::check_converged(std::uint64_t live, const config_rec*& final_config) {
    final_config = nullptr;
    std::uint32_t final_slot = 0;
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
        if (((live >> i) & 1) == 0) {
            continue;
        }
        const config_rec& c = configs_[nodes_[i].last_regular];
        if (final_config == nullptr) {
            final_config = &c;
            final_slot = i;
            continue;
        }
        if (c.ring != final_config->ring || c.members != final_config->members) {
            report(violation_kind::liveness,
                   fmt::format("membership did not converge: node {} ends in ring {}.{} {{{}}}, "
                               "node {} in ring {}.{} {{{}}}",
                               nodes_[i].id, c.ring.rep, c.ring.seq, names_of(c.members),
                               nodes_[final_slot].id, final_config->ring.rep,
                               final_config->ring.seq, names_of(final_config->members)));
            return false;
        }
    }
    if (final_config != nullptr && (final_config->members & live) != live) {
        report(violation_kind::liveness,
               fmt::format("the final ring {}.{} {{{}}} lacks live node(s) {}",
                           final_config->ring.rep, final_config->ring.seq,
                           names_of(final_config->members),
                           names_of(live & ~final_config->members)));
        return false;
    }
    return final_config != nullptr;
}

std::uint64_t checker::expected_at(msg_id m, const config_rec& final_config,
                                   std::uint64_t live) const noexcept {
    const message& x = messages_[m];
    const std::uint64_t origin_bit = std::uint64_t{1} << x.origin_slot;
    const node_rec& origin = nodes_[x.origin_slot];
    // A message of an incarnation that crashed (or left) is owed by nobody: it may have died
    // with its sender. One of the current incarnation of a node up at the end is owed by it.
    if (((live >> x.origin_slot) & 1) == 0 ||
        (!origin.crash_marks.empty() && x.index < origin.crash_marks.back())) {
        return 0;
    }
    if (!delivered_at(origin, m)) {
        return origin_bit;
    }
    const config_rec& c = configs_[origin.log[origin.pos[m] - 1].config];
    if (c.kind == config_kind::regular && c.ring == final_config.ring) {
        return final_config.members & live;
    }
    return origin_bit;
}

void checker::check_final(const finish_options& f) {
    std::uint64_t live = 0;
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i].up) {
            live |= std::uint64_t{1} << i;
        }
    }
    const config_rec* final_config = nullptr;
    if (!check_converged(live, final_config)) {
        return;
    }
    const bool liveness = f.clean_since != mono_ns_never;
    std::vector<std::size_t> missing(nodes_.size());
    std::vector<std::size_t> late(nodes_.size());
    std::vector<msg_id> first_missing(nodes_.size(), none);
    std::vector<msg_id> first_late(nodes_.size(), none);
    std::vector<std::size_t> self_missing(nodes_.size());
    std::vector<msg_id> first_self_missing(nodes_.size(), none);
    for (msg_id m = 0; m < messages_.size(); ++m) {
        const message& x = messages_[m];
        const std::uint64_t expected = expected_at(m, *final_config, live);
        const mono_ns due =
            liveness ? std::max(x.submitted, f.clean_since) + f.liveness_bound_ns : mono_ns_never;
        for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
            if (((expected >> i) & 1) == 0) {
                continue;
            }
            const node_rec& n = nodes_[i];
            const bool got = delivered_at(n, m);
            if (f.expect_complete && !got && i == x.origin_slot) {
                // (4) self delivery: reported on its own, whatever else the node missed.
                if (self_missing[i]++ == 0) {
                    first_self_missing[i] = m;
                }
            } else if (f.expect_complete && !got && missing[i]++ == 0) {
                first_missing[i] = m;
            }
            if (liveness && due <= f.end && (!got || n.log[n.pos[m] - 1].t > due) &&
                late[i]++ == 0) {
                first_late[i] = m;
            }
        }
    }
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
        const node_rec& n = nodes_[i];
        if (self_missing[i] != 0) {
            const msg_id m = first_self_missing[i];
            report(violation_kind::self_delivery,
                   fmt::format("node {} stayed up but never delivered {} of its own messages, the "
                               "first {} (submitted at {} ns)",
                               n.id, self_missing[i], name(m), messages_[m].submitted));
        }
        if (missing[i] != 0) {
            const msg_id m = first_missing[i];
            report(violation_kind::completeness,
                   fmt::format("node {} never delivered {} messages it should have, the first {} "
                               "(submitted at {} ns); it delivered {}",
                               n.id, missing[i], name(m), messages_[m].submitted, n.log.size()));
        }
        if (late[i] != 0) {
            const msg_id m = first_late[i];
            const mono_ns due =
                std::max(messages_[m].submitted, f.clean_since) + f.liveness_bound_ns;
            const std::string when = delivered_at(n, m)
                                         ? fmt::format("delivered it at {} ns", n.log[n.pos[m] - 1].t)
                                         : std::string("never delivered it");
            report(violation_kind::liveness,
                   fmt::format("node {}: {} message(s) not delivered within {} ns of the links "
                               "turning clean at {} ns; the first, {}, was due at {} ns, it {}",
                               n.id, late[i], f.liveness_bound_ns, f.clean_since, name(m), due,
                               when));
        }
    }
}

} // namespace ringcast::check
