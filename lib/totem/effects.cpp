#include "lib/totem/effects.hpp"

#include "lib/common/assert.hpp"
#include "lib/wire/limits.hpp"

namespace ringcast::totem {

effects::effects(const config& cfg) {
    // Bounds of one input: a token visit sends max_messages new frames, up to max_rtr_items
    // retransmissions and the token; it may release a whole window and every queued submission.
    sends_.reserve(cfg.max_messages + wire::max_rtr_items + 8);
    deliveries_.reserve(cfg.deliver_batch);
    segments_.reserve(cfg.deliver_batch + cfg.max_message_size / 512 + 8);
    releases_.reserve(4 * static_cast<std::size_t>(cfg.window_capacity) + cfg.send_queue_max +
                      wire::max_nodes * (cfg.max_message_size / 512 + 2) + 64);
    events_.reserve(16);
}

void effects::clear() noexcept {
    sends_.clear();
    deliveries_.clear();
    segments_.clear();
    releases_.clear();
    events_.clear();
}

void effects::push_send(const send& s) noexcept {
    RC_ASSERT(sends_.size() < sends_.capacity());
    sends_.push_back(s);
}

void effects::push_delivery(const delivery& d) noexcept {
    RC_ASSERT(deliveries_.size() < deliveries_.capacity());
    deliveries_.push_back(d);
}

void effects::push_segment(const segment& s) noexcept {
    RC_ASSERT(segments_.size() < segments_.capacity());
    segments_.push_back(s);
}

void effects::push_release(payload_ref r) noexcept {
    RC_ASSERT(releases_.size() < releases_.capacity());
    releases_.push_back(r);
}

void effects::push_event(const event& e) noexcept {
    if (events_.size() < events_.capacity()) {
        events_.push_back(e);
    }
}

void effects::swap_deliveries(std::size_t i, std::size_t j) noexcept {
    RC_ASSERT(i < deliveries_.size() && j < deliveries_.size());
    std::swap(deliveries_[i], deliveries_[j]);
}

} // namespace ringcast::totem
