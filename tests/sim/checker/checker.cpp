// The checker's online part: building the history and judging each event as it arrives.
// Whole-history checks live in checker_finish.cpp.

#include "tests/sim/checker/checker.hpp"

#include <algorithm>
#include <bit>

#include <fmt/format.h>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

namespace ringcast::check {
namespace {

const char* svc_name(wire::service s) noexcept {
    return s == wire::service::safe ? "safe" : "agreed";
}

std::uint64_t content_key(node_id origin, std::uint32_t len, std::uint64_t digest) noexcept {
    std::uint64_t k = digest ^ (std::uint64_t{origin} << 32 | len);
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDull;
    return k ^ (k >> 33);
}

// Seqs on one ring are dense from 1; a seq this far beyond the last one seen is not trusted to
// size a table (a wild value from a buggy core must not exhaust memory).
constexpr seq_t max_seq_stride = 1u << 24;

} // namespace

std::string_view to_string(violation_kind k) noexcept {
    switch (k) {
    case violation_kind::duplicate: return "duplicate";
    case violation_kind::created: return "created";
    case violation_kind::content: return "content";
    case violation_kind::service: return "service";
    case violation_kind::fifo: return "fifo";
    case violation_kind::order: return "order";
    case violation_kind::completeness: return "completeness";
    case violation_kind::safe: return "safe";
    case violation_kind::liveness: return "liveness";
    case violation_kind::sim: return "sim";
    case violation_kind::same_config: return "same_config";
    case violation_kind::virtual_synchrony: return "virtual_synchrony";
    case violation_kind::self_delivery: return "self_delivery";
    case violation_kind::config_agreement: return "config_agreement";
    case violation_kind::count_: break;
    }
    return "?";
}

checker::checker(checker_options opts) : opts_(std::move(opts)) {
    nodes_.resize(opts_.nodes.size());
    config_rec initial;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        nodes_[i].id = opts_.nodes[i];
        nodes_[i].fifo_last.assign(nodes_.size(), -1);
        nodes_[i].fifo_config.assign(nodes_.size(), 0);
        initial.members |= std::uint64_t{1} << i;
    }
    configs_.push_back(initial);
    configs_[0].view = view_of(configs_[0]);
    for (node_rec& n : nodes_) {
        n.span.view = configs_[0].view;
        n.view_pos[n.span.view] = 0;
        n.views.push_back(n.span.view);
    }
    messages_.reserve(1 << 12);
}

void checker::report(violation_kind k, std::string text) {
    ++counts_[static_cast<std::size_t>(k)];
    ++total_;
    if (reported_.size() < opts_.max_reported) {
        reported_.push_back({k, std::move(text)});
    }
}

std::uint32_t checker::slot_of(node_id id) const noexcept {
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i].id == id) {
            return i;
        }
    }
    return none;
}

std::string checker::name(msg_id m) const {
    const message& x = messages_[m];
    return fmt::format("n{}#{} ({}, {} B)", x.origin, x.index, svc_name(x.svc), x.len);
}

std::string checker::names_of(std::uint64_t mask) const {
    std::string s;
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
        if ((mask >> i) & 1) {
            s += fmt::format("{}{}", s.empty() ? "" : ",", nodes_[i].id);
        }
    }
    return s;
}

checker::frame_idx checker::find_frame(ring_id ring, seq_t seq) const noexcept {
    for (const ring_frames& r : rings_) {
        if (r.ring == ring) {
            return seq < r.by_seq.size() ? r.by_seq[seq] : none;
        }
    }
    return none;
}

void checker::on_submit(mono_ns t, node_id origin, std::uint64_t index, wire::service svc,
                        std::span<const std::byte> bytes) {
    const std::uint32_t o = slot_of(origin);
    if (o == none) {
        report(violation_kind::sim, fmt::format("submission from unknown node {}", origin));
        return;
    }
    node_rec& n = nodes_[o];
    if (index != n.by_index.size()) {
        report(violation_kind::sim, fmt::format("n{}: submission #{} out of sequence (expected "
                                                "#{})",
                                                origin, index, n.by_index.size()));
        return;
    }
    message m;
    m.origin = origin;
    m.origin_slot = o;
    m.index = index;
    m.svc = svc;
    m.len = static_cast<std::uint32_t>(bytes.size());
    m.digest = XXH3_64bits(bytes.data(), bytes.size());
    m.submitted = t;
    const auto id = static_cast<msg_id>(messages_.size());
    const auto [it, fresh] = by_content_.try_emplace(content_key(origin, m.len, m.digest), id);
    if (!fresh) {
        m.next_same = it->second; // identical bytes submitted before (tiny messages)
        it->second = id;
    }
    messages_.push_back(m);
    n.by_index.push_back(id);
}

void checker::on_frame_sent(mono_ns, node_id origin, ring_id ring, seq_t seq, std::uint64_t first,
                            std::uint64_t last) {
    const std::uint32_t o = slot_of(origin);
    if (o == none || first > last || last >= nodes_[o].by_index.size()) {
        report(violation_kind::sim, fmt::format("frame ({}.{}, {}) from n{} carries messages "
                                                "#{}..#{} that were not submitted",
                                                ring.rep, ring.seq, seq, origin, first, last));
        return;
    }
    auto r = std::find_if(rings_.begin(), rings_.end(),
                          [&](const ring_frames& x) { return x.ring == ring; });
    if (r == rings_.end()) {
        rings_.push_back({ring, {}});
        r = rings_.end() - 1;
    }
    if (seq >= r->by_seq.size() + max_seq_stride) {
        report(violation_kind::sim, fmt::format("frame seq {} far beyond the ring's last", seq));
        return;
    }
    if (seq >= r->by_seq.size()) {
        r->by_seq.resize(std::max<std::size_t>(seq + 1, r->by_seq.size() * 2), none);
    }
    if (r->by_seq[seq] != none) {
        report(violation_kind::order, fmt::format("two frames originated as ({}.{}, {}): by n{} "
                                                  "and by n{}",
                                                  ring.rep, ring.seq, seq,
                                                  nodes_[frames_[r->by_seq[seq]].origin_slot].id,
                                                  origin));
        return;
    }
    node_rec& n = nodes_[o];
    const auto f = static_cast<frame_idx>(frames_.size());
    const auto ordinal = static_cast<std::uint32_t>(n.frames.size());
    frames_.push_back({ring, seq, o, ordinal, first, last, std::uint64_t{1} << o});
    r->by_seq[seq] = f;
    n.frames.push_back(f);
    for (std::uint64_t i = first; i <= last; ++i) {
        message& m = messages_[n.by_index[i]];
        // A message never spans two rings: one its sender was fragmenting when the ring changed
        // starts over on the new ring, and its old fragments are dropped.
        if (m.first_frame == none || frames_[n.frames[m.first_frame]].ring != ring) {
            m.first_frame = ordinal;
        }
        m.last_frame = ordinal;
    }
}

void checker::on_frame_received(mono_ns, node_id node, ring_id ring, seq_t seq) {
    const std::uint32_t s = slot_of(node);
    const frame_idx f = find_frame(ring, seq);
    if (s == none || f == none) {
        return; // a frame the simulator never saw originate (should not happen; harmless here)
    }
    frames_[f].received |= std::uint64_t{1} << s;
}

// Finds which submission a delivery is. The frame the core names is the first guess (it tells
// identical tiny messages apart); the content (origin, length, 64-bit digest) decides.
checker::msg_id checker::identify(const node_rec& n, std::uint32_t o, ring_id ring, seq_t seq,
                                  std::uint32_t len, std::uint64_t digest, bool& duplicate,
                                  bool& frame_ok) {
    duplicate = false;
    frame_ok = false;
    const frame_idx f = find_frame(ring, seq);
    if (f != none && frames_[f].origin_slot == o) {
        const frame_rec& fr = frames_[f];
        for (std::uint64_t i = fr.first; i <= fr.last; ++i) {
            const msg_id m = nodes_[o].by_index[i];
            const message& x = messages_[m];
            if (x.last_frame == fr.ordinal && x.len == len && x.digest == digest &&
                !delivered_at(n, m)) {
                frame_ok = true;
                return m;
            }
        }
    }
    const auto it = by_content_.find(content_key(nodes_[o].id, len, digest));
    if (it == by_content_.end()) {
        return none;
    }
    msg_id best = none;
    msg_id any = none;
    for (msg_id m = it->second; m != none; m = messages_[m].next_same) {
        const message& x = messages_[m];
        if (x.origin != nodes_[o].id || x.len != len || x.digest != digest) {
            continue;
        }
        any = m;
        if (!delivered_at(n, m)) {
            best = m; // the chain runs newest first: the last hit is the oldest undelivered
        }
    }
    if (best == none && any != none) {
        duplicate = true;
        return any;
    }
    return best;
}

void checker::on_deliver(mono_ns t, node_id node, node_id origin, wire::service svc, ring_id ring,
                         seq_t seq, std::span<const std::span<const std::byte>> pieces) {
    const std::uint32_t s = slot_of(node);
    const std::uint32_t o = slot_of(origin);
    if (s == none || o == none) {
        report(violation_kind::created, fmt::format("node {} delivered a message from unknown "
                                                    "node {}",
                                                    node, origin));
        return;
    }
    ++deliveries_;
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    std::uint64_t len = 0;
    for (const auto& p : pieces) {
        XXH3_64bits_update(&st, p.data(), p.size());
        len += p.size();
    }
    const std::uint64_t digest = XXH3_64bits_digest(&st);
    node_rec& n = nodes_[s];
    bool duplicate = false;
    bool frame_ok = false;
    const msg_id m = identify(n, o, ring, seq, static_cast<std::uint32_t>(len), digest, duplicate,
                              frame_ok);
    if (m == none) {
        report(violation_kind::created,
               fmt::format("node {} delivered {} B from n{} at {} ns (frame {}.{}/{}) that n{} "
                           "never submitted (or bytes corrupted)",
                           node, len, origin, t, ring.rep, ring.seq, seq, origin));
        return;
    }
    if (duplicate) {
        report(violation_kind::duplicate, fmt::format("node {} delivered {} a second time at {} ns",
                                                      node, name(m), t));
        return;
    }
    const message& x = messages_[m];
    if (!frame_ok) {
        report(violation_kind::content,
               fmt::format("node {} delivered {} naming frame {}.{}/{}, which does not end it",
                           node, name(m), ring.rep, ring.seq, seq));
    }
    if (svc != x.svc) {
        report(violation_kind::service, fmt::format("node {} delivered {} as {}", node, name(m),
                                                    svc_name(svc)));
    }
    if (x.first_frame == none) {
        report(violation_kind::order, fmt::format("node {} delivered {} at {} ns before any "
                                                  "frame carried it",
                                                  node, name(m), t));
    }
    if (m >= n.pos.size()) {
        n.pos.resize(std::max<std::size_t>(messages_.capacity(), m + 1), 0);
    }
    n.log.push_back({m, n.config, t});
    n.pos[m] = static_cast<std::uint32_t>(n.log.size());
    evs_on_deliver(n, m, ring);
    check_fifo(n, o, m);
    if (x.svc == wire::service::safe) {
        check_safe(n, m);
    }
}

void checker::check_fifo(node_rec& n, std::uint32_t o, msg_id m) {
    const auto idx = static_cast<std::int64_t>(messages_[m].index);
    std::int64_t& last = n.fifo_last[o];
    std::uint32_t& last_config = n.fifo_config[o];
    if (idx <= last) {
        report(violation_kind::fifo,
               fmt::format("node {} delivered {} after n{}#{}", n.id, name(m), nodes_[o].id, last));
        return;
    }
    if (idx > last + 1) {
        // Within one configuration a sender's messages arrive without gaps. A gap is legal when
        // the skipped messages died with a crashed incarnation of the sender (the message opens
        // a new incarnation), or across a configuration change, where extended virtual synchrony
        // lets messages be delivered only in a configuration this node was not in.
        const auto& marks = nodes_[o].crash_marks;
        const bool new_incarnation =
            std::binary_search(marks.begin(), marks.end(), static_cast<std::uint64_t>(idx));
        const bool same_config = last >= 0 && last_config == n.config;
        if (!new_incarnation && (same_config || n.config == 0)) {
            report(violation_kind::fifo,
                   fmt::format("node {} delivered {} but skipped n{}#{}..#{}", n.id, name(m),
                               nodes_[o].id, last + 1, idx - 1));
        }
    }
    last = idx;
    last_config = n.config;
}

void checker::check_safe(const node_rec& n, msg_id m) {
    const message& x = messages_[m];
    if (x.first_frame == none) {
        report(violation_kind::safe, fmt::format("node {} delivered safe {} before it was sent",
                                                 n.id, name(m)));
        return;
    }
    // EVS (5) promises receipt by every member for a regular configuration only: a transitional
    // configuration is where messages go that could not meet it (departed members).
    if (configs_[n.config].kind != config_kind::regular) {
        return;
    }
    const std::uint64_t members = configs_[n.config].members;
    const node_rec& origin = nodes_[slot_of(x.origin)];
    for (std::uint32_t k = x.first_frame; k <= x.last_frame; ++k) {
        const frame_rec& f = frames_[origin.frames[k]];
        const std::uint64_t missing = members & ~f.received;
        if (missing != 0) {
            report(violation_kind::safe,
                   fmt::format("node {} delivered safe {} while node(s) {} had not received "
                               "frame {}.{}/{}",
                               n.id, name(m), names_of(missing), f.ring.rep, f.ring.seq, f.seq));
            return;
        }
    }
}

void checker::on_config(mono_ns t, node_id node, config_kind kind, ring_id ring,
                        std::span<const node_id> members) {
    const std::uint32_t s = slot_of(node);
    if (s == none) {
        report(violation_kind::sim, fmt::format("configuration from unknown node {}", node));
        return;
    }
    config_rec c;
    c.node_slot = s;
    c.kind = kind;
    c.ring = ring;
    c.t = t;
    for (const node_id id : members) {
        const std::uint32_t k = slot_of(id);
        if (k == none) {
            report(violation_kind::sim, fmt::format("node {}: configuration lists unknown node {}",
                                                    node, id));
            continue;
        }
        c.members |= std::uint64_t{1} << k;
    }
    nodes_[s].config = static_cast<std::uint32_t>(configs_.size());
    if (kind == config_kind::regular) {
        nodes_[s].last_regular = nodes_[s].config;
    }
    configs_.push_back(c);
    evs_on_config(nodes_[s], nodes_[s].config);
}

void checker::on_attach(mono_ns t, node_id node, config_kind kind, ring_id ring,
                        std::span<const node_id> members) {
    on_config(t, node, kind, ring, members);
    if (const std::uint32_t s = slot_of(node); s != none) {
        // A span without a view counts nothing, and the next configuration judges no transition.
        nodes_[s].span.view = none;
    }
}

void checker::on_crash(mono_ns, node_id node) {
    const std::uint32_t s = slot_of(node);
    if (s == none) {
        return;
    }
    node_rec& n = nodes_[s];
    n.up = false;
    n.crashed = true;
    n.crash_marks.push_back(n.by_index.size());
    evs_end_incarnation(n);
}

void checker::on_restart(mono_ns, node_id node) {
    const std::uint32_t s = slot_of(node);
    if (s == none) {
        return;
    }
    // A new incarnation starts from nothing: no configuration yet, and FIFO expectations about
    // what it delivers start over.
    node_rec& n = nodes_[s];
    n.up = true;
    n.config = 0;
    n.last_regular = 0;
    std::fill(n.fifo_last.begin(), n.fifo_last.end(), -1);
    std::fill(n.fifo_config.begin(), n.fifo_config.end(), 0);
}

bool checker::has_delivered(node_id node, node_id origin, std::uint64_t index) const noexcept {
    const std::uint32_t s = slot_of(node);
    const std::uint32_t o = slot_of(origin);
    if (s == none || o == none || index >= nodes_[o].by_index.size()) {
        return false;
    }
    return delivered_at(nodes_[s], nodes_[o].by_index[index]);
}

void checker::on_sim_error(mono_ns t, node_id node, std::string_view what) {
    report(violation_kind::sim, fmt::format("node {} at {} ns: {}", node, t, what));
}

std::string checker::summary() const {
    if (ok()) {
        return "ok";
    }
    std::string s = fmt::format("{} violation(s):", total_);
    for (std::size_t k = 0; k < counts_.size(); ++k) {
        if (counts_[k] != 0) {
            s += fmt::format(" {} {}", counts_[k], to_string(static_cast<violation_kind>(k)));
        }
    }
    for (const violation& v : reported_) {
        s += fmt::format("\n  [{}] {}", to_string(v.kind), v.text);
    }
    if (total_ > reported_.size()) {
        s += fmt::format("\n  ... and {} more", total_ - reported_.size());
    }
    return s;
}

} // namespace ringcast::check
