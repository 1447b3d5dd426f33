// totem::node facade: config validation, construction, queries and invariants.

#include "lib/totem/node.hpp"

#include <algorithm>
#include <bit>

#include "lib/common/assert.hpp"
#include "lib/totem/node_impl.hpp"
#include "lib/wire/limits.hpp"

namespace ringcast::totem {

const char* node::validate(const config& cfg) noexcept {
    if (cfg.self == node_id_none) {
        return "self node id must be non-zero";
    }
    if (cfg.initial_ring_seq > ring_seq_limit) {
        return "initial ring seq is beyond the limit (a corrupt state file?)";
    }
    if (cfg.members.empty() || cfg.members.size() > wire::max_nodes) {
        return "member count must be 1..64";
    }
    if (std::find(cfg.members.begin(), cfg.members.end(), cfg.self) == cfg.members.end()) {
        return "members must include self";
    }
    for (std::size_t i = 0; i < cfg.members.size(); ++i) {
        if (cfg.members[i] == node_id_none) {
            return "member ids must be non-zero";
        }
        for (std::size_t j = i + 1; j < cfg.members.size(); ++j) {
            if (cfg.members[i] == cfg.members[j]) {
                return "duplicate member id";
            }
        }
    }
    // A token with a full retransmission-request list must fit one frame.
    const std::size_t token_max = wire::header_size + wire::token_fixed_size +
                                  wire::max_rtr_items * wire::rtr_item_size + wire::tag_size;
    if (cfg.mtu < token_max || cfg.mtu + wire::eth_header_size > wire::max_frame_size) {
        return "mtu must be between 1280 and 9202";
    }
    if (cfg.window_size == 0 || cfg.max_messages == 0 || cfg.send_queue_max == 0) {
        return "window_size, max_messages and send_queue_max must be positive";
    }
    if (cfg.window_capacity < 4 * cfg.window_size || cfg.window_capacity > (1u << 24)) {
        return "window_capacity must be at least 4 x window_size (and at most 2^24)";
    }
    if (cfg.max_message_size == 0 || cfg.max_message_size > (64u << 20)) {
        return "max_message_size must be 1 byte .. 64 MiB";
    }
    if (cfg.token_retransmit_ns == 0 || cfg.token_timeout_ns <= cfg.token_retransmit_ns ||
        cfg.token_hold_ns >= cfg.token_retransmit_ns) {
        return "timers must satisfy 0 < token_hold < token_retransmit < token_timeout";
    }
    if (cfg.join_ns == 0 || cfg.consensus_ns <= cfg.join_ns || cfg.merge_ns == 0) {
        return "timers must satisfy 0 < join < consensus, merge > 0";
    }
    // The commit token lists every member with its old ring state; it must fit one frame.
    if (wire::header_size + wire::commit_fixed_size + cfg.members.size() * wire::commit_member_size +
            wire::tag_size > cfg.mtu) {
        return "too many members for this mtu (the commit token must fit one frame)";
    }
    if (cfg.deliver_batch < 16) {
        return "deliver_batch must be at least 16";
    }
    return nullptr;
}

node_impl::node_impl(const config& cfg, payload_ops ops) : cfg_(cfg), ops_(ops) {
    RC_ASSERT(node::validate(cfg) == nullptr);
    RC_ASSERT(ops.alloc_frame != nullptr);
    allowed_.assign(cfg.members.begin(), cfg.members.end());
    std::sort(allowed_.begin(), allowed_.end());
    cfg_.members = allowed_;
    payload_max_ = static_cast<std::uint32_t>(wire::mcast_payload_max(cfg.mtu));
    // initial_ring_seq is the highest seq used before: even the first (singleton) ring is new.
    max_ring_seq_ = cfg.initial_ring_seq + 4;

    const std::size_t cap = std::bit_ceil(std::size_t{cfg.window_capacity});
    win_.allocate(cap);
    old_.allocate(cap);
    recovery_queue_.reserve(cap);
    queue_.resize(cfg.send_queue_max);
    // Honest senders fill every middle fragment, so a message spans at most this many frames;
    // a longer chain is malformed and dropped.
    max_fragments_ = cfg.max_message_size / 512 + 2;
    for (auto& r : reasm_) {
        r.segs.reserve(max_fragments_);
        r.owned.reserve(max_fragments_);
    }
    // A node starts alone on a ring of its own, then gathers with whoever it hears.
    node_set self;
    self.push(cfg.self);
    set_ring(ring_id{cfg.self, max_ring_seq_}, self);
}

int node_impl::index_in(const node_set& set, node_id id) const noexcept {
    auto it = std::lower_bound(set.begin(), set.end(), id);
    if (it == set.end() || *it != id) {
        return -1;
    }
    return static_cast<int>(it - set.begin());
}

bool node_impl::allowed(node_id id) const noexcept {
    return std::binary_search(allowed_.begin(), allowed_.end(), id);
}

void node_impl::set_ring(ring_id r, const node_set& members) noexcept {
    ring_ = r;
    members_ = members;
    my_index_ = index_in(members_, cfg_.self);
    RC_ASSERT(my_index_ >= 0);
    next_ = members_[(static_cast<std::size_t>(my_index_) + 1) % members_.size()];
}

bool node_impl::raise_ring_seq(std::uint64_t seq) noexcept {
    if (seq <= max_ring_seq_) {
        return false;
    }
    max_ring_seq_ = seq;
    return true;
}

mono_ns node_impl::next_deadline() const noexcept {
    if (delivery_paused_) {
        return 0;
    }
    return std::min({retransmit_deadline_, loss_deadline_, hold_deadline_, merge_deadline_,
                     join_deadline_, consensus_deadline_});
}

void node_impl::check_invariants() const noexcept {
    for (const ring_window* w : {&win_, &old_}) {
        RC_ASSERT(w->stable <= w->high_delivered || w == &old_);
        RC_ASSERT(w->aru <= w->high_seq);
        RC_ASSERT(w->aru == w->stable || w->have(w->aru));
        RC_ASSERT(w->aru - w->stable <= w->capacity());
    }
    RC_ASSERT(win_.high_delivered <= win_.aru);
    RC_ASSERT(queue_count_ <= queue_.size());
    std::uint64_t bytes = 0;
    for (std::uint32_t i = 0; i < queue_count_; ++i) {
        const submission& q = queue_[(queue_head_ + i) % queue_.size()];
        RC_ASSERT(q.copied < q.data.size() || (q.data.empty() && q.copied == 0));
        bytes += q.data.size() - q.copied;
    }
    RC_ASSERT(bytes == queued_bytes_);
    RC_ASSERT(ring_.seq <= max_ring_seq_);
    RC_ASSERT(index_in(members_, cfg_.self) >= 0);
}

// ---- facade ----

node::node(const config& cfg, payload_ops ops) : impl_(std::make_unique<node_impl>(cfg, ops)) {}
node::~node() = default;

void node::start(mono_ns now, effects& out) noexcept { impl_->start(now, out); }

void node::on_frame(mono_ns now, const wire::header& hdr, const wire::frame_body& body,
                    payload_ref ref, effects& out) noexcept {
    impl_->on_frame(now, hdr, body, ref, out);
}

void node::on_tick(mono_ns now, effects& out) noexcept { impl_->on_tick(now, out); }
void node::leave(mono_ns now, effects& out) noexcept { impl_->leave(now, out); }

submit_result node::submit(mono_ns now, wire::service svc, payload_ref ref,
                           std::span<const std::byte> data, effects& out) noexcept {
    return impl_->submit(now, svc, ref, data, out);
}

mono_ns node::next_deadline() const noexcept { return impl_->next_deadline(); }
node_id node::id() const noexcept { return impl_->cfg_.self; }
node_state node::state() const noexcept { return impl_->state_; }
ring_id node::ring() const noexcept { return impl_->ring_; }
std::span<const node_id> node::members() const noexcept { return impl_->members_.span(); }
const node_stats& node::stats() const noexcept { return impl_->stats_; }
std::uint32_t node::send_queue_depth() const noexcept { return impl_->send_queue_depth(); }
void node::check_invariants() const noexcept { impl_->check_invariants(); }

void node::set_faults(std::uint32_t mask) noexcept {
#ifdef RINGCAST_SIM_FAULTS
    impl_->faults_ = mask;
#else
    (void)mask;
#endif
}

} // namespace ringcast::totem
