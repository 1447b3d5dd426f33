// Packing and fragmentation (corosync's totempg layer, here inside the core): many small
// application messages share one frame; a message that does not fit is cut into fragments carried
// by consecutive frames of the same sender. Reassembly lives with delivery (srp_order.cpp).
//
// Chunk layout is the wire's (wire::encode_chunk_header). The copy into the frame buffer is the one
// payload copy a local submission gets on its way to the ring.

#include <algorithm>
#include <cstring>

#include "lib/common/assert.hpp"
#include "lib/totem/node_impl.hpp"
#include "lib/wire/codec.hpp"
#include "lib/wire/limits.hpp"

namespace ringcast::totem {

namespace {
// Smaller tails are not worth a fragment header: close the frame and start the next.
constexpr std::uint32_t min_fragment = 64;
} // namespace

std::uint32_t node_impl::backlog_frames() const noexcept {
    if (queue_count_ == 0) {
        return 0;
    }
    const std::uint64_t bytes = queued_bytes_ + std::uint64_t{queue_count_} * wire::chunk_header_size;
    return static_cast<std::uint32_t>((bytes + payload_max_ - 1) / payload_max_);
}

void node_impl::pop_submission(effects& out) noexcept {
    submission& h = queue_[queue_head_];
    out.push_release(h.ref);
    h = submission{};
    queue_head_ = (queue_head_ + 1) % static_cast<std::uint32_t>(queue_.size());
    --queue_count_;
}

bool node_impl::pack_frame(window_slot& f, effects& out) noexcept {
    if (queue_count_ == 0) {
        return false;
    }
    const frame_buffer fb = ops_.alloc_frame(ops_.ctx);
    if (fb.ref == payload_ref_none) {
        return false;
    }
    RC_ASSERT(fb.payload.size() >= payload_max_);
    std::byte* const base = fb.payload.data();
    std::uint32_t used = 0;
    std::uint32_t chunks = 0;
    const wire::service svc = queue_[queue_head_].svc;

    while (queue_count_ > 0 && chunks < wire::max_chunks) {
        submission& h = queue_[queue_head_];
        if (chunks > 0 && h.svc != svc) {
            break; // one service per frame: delivery waits for the strictest
        }
        if (payload_max_ - used < wire::chunk_header_size + 1) {
            break;
        }
        const std::uint32_t room = payload_max_ - used - wire::chunk_header_size;
        const auto remaining = static_cast<std::uint32_t>(h.data.size() - h.copied);
        if (remaining <= room) {
            const auto kind = h.copied == 0 ? wire::chunk_kind::whole : wire::chunk_kind::last;
            wire::encode_chunk_header(base + used, kind, remaining);
            if (remaining > 0) {
                std::memcpy(base + used + wire::chunk_header_size, h.data.data() + h.copied, remaining);
            }
            used += wire::chunk_header_size + remaining;
            ++chunks;
            queued_bytes_ -= remaining;
            pop_submission(out);
            continue;
        }
        // Does not fit: start it in a fresh frame if it would fit there whole.
        if (h.copied == 0 && chunks > 0 && remaining <= payload_max_ - wire::chunk_header_size) {
            break;
        }
        if (room < min_fragment) {
            break;
        }
        const auto kind = h.copied == 0 ? wire::chunk_kind::first : wire::chunk_kind::middle;
        wire::encode_chunk_header(base + used, kind, room);
        std::memcpy(base + used + wire::chunk_header_size, h.data.data() + h.copied, room);
        h.copied += room;
        queued_bytes_ -= room;
        used = payload_max_;
        ++chunks;
        break;
    }
    RC_ASSERT(chunks > 0);

    f.ref = fb.ref;
    f.payload = std::span<const std::byte>(base, used);
    f.fields.origin_ring = ring_;
    f.fields.origin_seq = f.fields.seq;
    f.fields.origin = cfg_.self;
    f.fields.svc = svc;
    f.fields.flags = 0;
    f.fields.chunk_count = static_cast<std::uint16_t>(chunks);
    f.seq = f.fields.seq;
    return true;
}

bool node_impl::pack_recovery_frame(const window_slot& old, window_slot& f) noexcept {
    const frame_buffer fb = ops_.alloc_frame(ops_.ctx);
    if (fb.ref == payload_ref_none) {
        return false;
    }
    RC_ASSERT(fb.payload.size() >= old.payload.size());
    // Recovery is rare and the old frame's buffer still carries its old header: copying the
    // payload into a fresh frame keeps every in-flight buffer immutable.
    std::memcpy(fb.payload.data(), old.payload.data(), old.payload.size());
    f.ref = fb.ref;
    f.payload = std::span<const std::byte>(fb.payload.data(), old.payload.size());
    // Named by its place on the old ring; a frame that was itself a recovery copy there says so.
    f.fields.origin_ring = old_ring_;
    f.fields.origin_seq = old.seq;
    f.fields.origin = old.fields.origin;
    f.fields.svc = old.fields.svc;
    f.fields.flags = static_cast<std::uint8_t>(
        wire::mcast_flag_encapsulated |
        ((old.fields.flags & wire::mcast_flag_encapsulated) != 0 ? wire::mcast_flag_nested : 0));
    f.fields.chunk_count = old.fields.chunk_count;
    f.seq = f.fields.seq;
    return true;
}

void node_impl::restart_partial_submission() noexcept {
    // A message half sent as fragments on the old ring is sent again whole on the new one:
    // receivers drop partial messages when the old ring ends.
    if (queue_count_ > 0) {
        submission& h = queue_[queue_head_];
        queued_bytes_ += h.copied;
        h.copied = 0;
    }
}

} // namespace ringcast::totem
