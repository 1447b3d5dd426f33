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
    if (cfg.deliver_batch < 16) {
        return "deliver_batch must be at least 16";
    }
    return nullptr;
}

node_impl::node_impl(const config& cfg, payload_ops ops) : cfg_(cfg), ops_(ops) {
    RC_ASSERT(node::validate(cfg) == nullptr);
    RC_ASSERT(ops.alloc_frame != nullptr);
    member_storage_.assign(cfg.members.begin(), cfg.members.end());
    std::sort(member_storage_.begin(), member_storage_.end());
    members_ = member_storage_;
    cfg_.members = members_;
    my_index_ = member_index(cfg.self);
    next_ = members_[(static_cast<std::size_t>(my_index_) + 1) % members_.size()];
    ring_ = ring_id{members_[0], 1};
    payload_max_ = static_cast<std::uint32_t>(wire::mcast_payload_max(cfg.mtu));

    window_.resize(std::bit_ceil(cfg.window_capacity));
    window_mask_ = window_.size() - 1;
    queue_.resize(cfg.send_queue_max);
    // Honest senders fill every middle fragment, so a message spans at most this many frames;
    // a longer chain is malformed and dropped.
    max_fragments_ = cfg.max_message_size / 512 + 2;
    reasm_.resize(wire::max_nodes);
    for (auto& r : reasm_) {
        r.segs.reserve(max_fragments_);
    }
}

int node_impl::member_index(node_id id) const noexcept {
    auto it = std::lower_bound(members_.begin(), members_.end(), id);
    if (it == members_.end() || *it != id) {
        return -1;
    }
    return static_cast<int>(it - members_.begin());
}

mono_ns node_impl::next_deadline() const noexcept {
    if (delivery_paused_) {
        return 0;
    }
    return std::min({retransmit_deadline_, loss_deadline_, hold_deadline_});
}

void node_impl::check_invariants() const noexcept {
    RC_ASSERT(stable_ <= my_high_delivered_);
    RC_ASSERT(my_high_delivered_ <= my_aru_);
    RC_ASSERT(my_aru_ <= high_seq_seen_);
    RC_ASSERT(queue_count_ <= queue_.size());
    for (seq_t s = stable_ + 1; s <= my_aru_; ++s) {
        RC_ASSERT(have(s));
    }
    std::uint64_t bytes = 0;
    for (std::uint32_t i = 0; i < queue_count_; ++i) {
        const submission& q = queue_[(queue_head_ + i) % queue_.size()];
        RC_ASSERT(q.copied < q.data.size() || (q.data.empty() && q.copied == 0));
        bytes += q.data.size() - q.copied;
    }
    RC_ASSERT(bytes == queued_bytes_);
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

submit_result node::submit(mono_ns now, wire::service svc, payload_ref ref,
                           std::span<const std::byte> data, effects& out) noexcept {
    return impl_->submit(now, svc, ref, data, out);
}

mono_ns node::next_deadline() const noexcept { return impl_->next_deadline(); }
node_id node::id() const noexcept { return impl_->cfg_.self; }
node_state node::state() const noexcept { return impl_->state_; }
ring_id node::ring() const noexcept { return impl_->ring_; }
std::span<const node_id> node::members() const noexcept { return impl_->member_storage_; }
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
