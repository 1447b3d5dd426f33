// The checker's extended-virtual-synchrony part (Moser, Amir, Melliar-Smith, Agarwal, ICDCS 1994),
// judged online as configurations and deliveries arrive, plus the pairwise configuration order
// and self delivery that finish() runs. The checker knows nothing of how the core reaches these
// properties (recovery, the delivery rule on install): only what each node delivered, in which
// configuration.

#include <algorithm>
#include <bit>

#include <fmt/format.h>

#include "tests/sim/checker/checker.hpp"

namespace ringcast::check {
namespace {

std::uint64_t mix(std::uint64_t x) noexcept {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

std::uint64_t pair_key(std::uint32_t a, std::uint32_t b) noexcept {
    return std::uint64_t{a} << 32 | b;
}

} // namespace

// Configurations delivered at different nodes are the same one when kind, ring id and members
// agree; the identity is what (1) and (2) compare.
std::uint32_t checker::view_of(const config_rec& c) {
    const std::uint64_t h =
        mix(mix(mix(std::uint64_t(c.kind) ^ c.members) ^ c.ring.seq) ^ c.ring.rep);
    std::vector<std::uint32_t>& same_hash = views_by_hash_[h];
    for (const std::uint32_t v : same_hash) {
        const config_rec& x = configs_[view_config_[v]];
        if (x.kind == c.kind && x.ring == c.ring && x.members == c.members) {
            return v;
        }
    }
    const auto v = static_cast<std::uint32_t>(view_config_.size());
    view_config_.push_back(static_cast<std::uint32_t>(&c - configs_.data()));
    same_hash.push_back(v);
    return v;
}

std::string checker::view_name(std::uint32_t view) const {
    if (view == none) {
        return "no configuration";
    }
    const config_rec& c = configs_[view_config_[view]];
    if (c.node_slot == none) {
        return fmt::format("the initial configuration {{{}}}", names_of(c.members));
    }
    return fmt::format("{} {}.{} {{{}}}",
                       c.kind == config_kind::regular ? "regular" : "transitional", c.ring.rep,
                       c.ring.seq, names_of(c.members));
}

std::vector<checker::msg_id> checker::delivered_in(const node_rec& n, std::uint32_t view) const {
    std::vector<msg_id> out;
    for (const delivery_rec& d : n.log) {
        if (configs_[d.config].view == view) {
            out.push_back(d.msg);
        }
    }
    return out;
}

void checker::evs_on_config(node_rec& n, std::uint32_t config) {
    const std::uint32_t s = static_cast<std::uint32_t>(&n - nodes_.data());
    const std::uint64_t self = std::uint64_t{1} << s;
    configs_[config].view = view_of(configs_[config]);
    const config_rec& c = configs_[config];
    const std::string what = view_name(c.view);

    // (6) configuration agreement.
    if ((c.members & self) == 0) {
        report(violation_kind::config_agreement,
               fmt::format("node {} installed {}, which does not hold it", n.id, what));
    }
    const config_rec* prev = n.span.view != none ? &configs_[n.span.config] : nullptr;
    if (c.kind == config_kind::regular) {
        const std::uint64_t key = mix(c.ring.seq) ^ c.ring.rep;
        const auto [it, fresh] = ring_members_.try_emplace(key, config);
        const config_rec& first = configs_[it->second];
        if (!fresh && first.ring == c.ring && first.members != c.members) {
            report(violation_kind::config_agreement,
                   fmt::format("ring {}.{}: node {} installed it with members {{{}}}, node {} "
                               "with {{{}}}",
                               c.ring.rep, c.ring.seq, nodes_[first.node_slot].id,
                               names_of(first.members), n.id, names_of(c.members)));
        }
        if (c.ring.seq <= n.ring_seq_max) {
            report(violation_kind::config_agreement,
                   fmt::format("node {} installed {} after a ring with seq {}: ring seqs went "
                               "backwards",
                               n.id, what, n.ring_seq_max));
        }
        n.ring_seq_max = std::max(n.ring_seq_max, c.ring.seq);
        if (prev != nullptr && prev->kind == config_kind::transitional &&
            (prev->ring != c.ring || (prev->members & ~c.members) != 0)) {
            report(violation_kind::config_agreement,
                   fmt::format("node {} installed {} after {}: a transitional configuration "
                               "leads to the regular one of its ring, holding its members",
                               n.id, what, view_name(prev->view)));
        }
    } else if (prev != nullptr && prev->kind == config_kind::transitional) {
        report(violation_kind::config_agreement,
               fmt::format("node {} installed {} right after {}", n.id, what,
                           view_name(prev->view)));
    }

    // (2) virtual synchrony: whoever goes from the same view to the same next one delivered the
    // same set in the first.
    if (n.span.view != none) {
        const transition_rec mine{s, n.span.set_digest, n.span.count};
        const auto [it, fresh] = transitions_.try_emplace(pair_key(n.span.view, c.view), mine);
        const transition_rec& other = it->second;
        if (!fresh && (other.set_digest != mine.set_digest || other.count != mine.count)) {
            const node_rec& o = nodes_[other.node_slot];
            std::vector<msg_id> a = delivered_in(o, n.span.view);
            std::vector<msg_id> b = delivered_in(n, n.span.view);
            std::sort(a.begin(), a.end());
            std::sort(b.begin(), b.end());
            std::vector<msg_id> only_a;
            std::vector<msg_id> only_b;
            std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                                std::back_inserter(only_a));
            std::set_difference(b.begin(), b.end(), a.begin(), a.end(),
                                std::back_inserter(only_b));
            const std::string example =
                !only_a.empty() ? fmt::format("; e.g. {} only at node {}", name(only_a[0]), o.id)
                : !only_b.empty() ? fmt::format("; e.g. {} only at node {}", name(only_b[0]), n.id)
                                  : std::string();
            report(violation_kind::virtual_synchrony,
                   fmt::format("nodes {} and {} both went from {} to {} but delivered {} and {} "
                               "messages in the first ({} and {} not delivered by the other){}",
                               o.id, n.id, view_name(n.span.view), what, other.count, mine.count,
                               only_a.size(), only_b.size(), example));
        }
    }
    n.span = view_span{c.view, 0, 0, config};

    // (3) bookkeeping: configurations installed, in order.
    if (const auto [it, fresh] = n.view_pos.try_emplace(c.view, n.views.size()); !fresh) {
        report(violation_kind::config_agreement,
               fmt::format("node {} installed {} a second time", n.id, what));
    } else {
        n.views.push_back(c.view);
    }
}

void checker::evs_on_deliver(node_rec& n, msg_id m, ring_id ring) {
    const std::uint32_t view = configs_[n.config].view;
    if (n.span.view != none) {
        n.span.set_digest += mix(m + 1); // a sum: the digest of a set, whatever the order
        ++n.span.count;
    }
    // (1) A message ordered on ring R is delivered in R's regular configuration, or in the
    // transitional configuration that follows it at the delivering node (EVS: a node that cannot
    // deliver it in R's configuration, for want of an earlier message only departed members had,
    // delivers it in its transitional configuration). Configuration 0 (no ring id; a history
    // without membership, or a restarted node before its first configuration) is not judged.
    const config_rec& c = configs_[n.config];
    const bool in_regular = c.kind == config_kind::regular && c.ring == ring;
    const bool in_transitional = c.kind == config_kind::transitional &&
                                 n.last_regular != 0 && configs_[n.last_regular].ring == ring;
    if (n.config != 0 && !in_regular && !in_transitional) {
        report(violation_kind::same_config,
               fmt::format("node {} delivered {}, ordered on ring {}.{}, in {}{}", n.id, name(m),
                           ring.rep, ring.seq, view_name(view),
                           c.kind == config_kind::transitional
                               ? fmt::format(" (after {})",
                                             view_name(configs_[n.last_regular].view))
                               : std::string()));
        return;
    }
    if (msg_view_.size() <= m) {
        msg_view_.resize(std::max<std::size_t>(messages_.size(), m + 1), none);
        msg_view_node_.resize(msg_view_.size(), none);
    }
    // Every node that delivers it in a regular configuration delivers it in the same one.
    if (c.kind != config_kind::regular || n.config == 0) {
        return;
    }
    if (msg_view_[m] == none) {
        msg_view_[m] = view;
        msg_view_node_[m] = static_cast<std::uint32_t>(&n - nodes_.data());
    } else if (msg_view_[m] != view) {
        report(violation_kind::same_config,
               fmt::format("node {} delivered {} in {}, node {} in {}",
                           nodes_[msg_view_node_[m]].id, name(m), view_name(msg_view_[m]), n.id,
                           view_name(view)));
    }
}

void checker::evs_end_incarnation(node_rec& n) {
    // A crashed node installs no next configuration: what it delivered in its last one is
    // judged by nobody, and its next incarnation starts with no configuration.
    n.span = view_span{};
}

// (3) Two nodes install the configurations they both install in the same order.
void checker::check_view_order_pair(const node_rec& a, const node_rec& b) {
    std::size_t last_pos = 0;
    std::uint32_t last_view = none;
    for (const std::uint32_t v : a.views) {
        const auto it = b.view_pos.find(v);
        if (it == b.view_pos.end()) {
            continue;
        }
        if (last_view != none && it->second < last_pos) {
            report(violation_kind::order,
                   fmt::format("configuration order: node {} installed {} before {}, node {} the "
                               "other way round",
                               a.id, view_name(last_view), view_name(v), b.id));
            return;
        }
        last_pos = it->second;
        last_view = v;
    }
}

} // namespace ringcast::check
