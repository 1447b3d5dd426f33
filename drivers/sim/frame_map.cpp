#include "drivers/sim/frame_map.hpp"

#include <fmt/format.h>

#include "drivers/sim/payload.hpp"
#include "lib/wire/codec.hpp"

namespace ringcast::sim {
namespace {

const char* kind_name(wire::chunk_kind k) noexcept {
    switch (k) {
    case wire::chunk_kind::whole: return "whole";
    case wire::chunk_kind::first: return "first";
    case wire::chunk_kind::middle: return "middle";
    case wire::chunk_kind::last: return "last";
    }
    return "?";
}

} // namespace

void frame_map::accepted(std::uint64_t index, std::uint32_t len, wire::service svc) {
    if (tail_ - head_ == ring_.size()) {
        // Rare: more accepted than ever before. Re-lay the ring out twice as large.
        std::vector<pending> bigger(ring_.size() * 2);
        for (std::size_t i = head_; i < tail_; ++i) {
            bigger[i - head_] = ring_[i & (ring_.size() - 1)];
        }
        tail_ -= head_;
        head_ = 0;
        ring_.swap(bigger);
    }
    ring_[tail_++ & (ring_.size() - 1)] = pending{index, len, svc};
}

bool frame_map::check_chunk(wire::chunk_kind kind, std::span<const std::byte> data,
                            const wire::mcast& fields, std::string& error) {
    const pending& m = front();
    const auto n = static_cast<std::uint32_t>(data.size());
    const bool at_start = offset_ == 0;
    const bool at_end = offset_ + n == m.len;
    bool shape_ok = false;
    switch (kind) {
    case wire::chunk_kind::whole: shape_ok = at_start && at_end; break;
    case wire::chunk_kind::first: shape_ok = at_start && offset_ + n < m.len; break;
    case wire::chunk_kind::middle: shape_ok = !at_start && offset_ + n < m.len; break;
    case wire::chunk_kind::last: shape_ok = !at_start && at_end; break;
    }
    if (!shape_ok) {
        error = fmt::format("frame map: seq {} origin {}: a {} chunk of {} B at offset {} of "
                            "message #{} ({} B)",
                            fields.seq, origin_, kind_name(kind), n, offset_, m.index, m.len);
        return false;
    }
    if (m.svc == wire::service::safe && fields.svc != wire::service::safe) {
        // The service travels per frame: a safe message in an agreed frame would be delivered
        // without the safe guarantee.
        error = fmt::format("frame map: seq {} origin {}: safe message #{} packed in an agreed "
                            "frame",
                            fields.seq, origin_, m.index);
        return false;
    }
    if (at_start && m.len >= payload_id_size && n >= payload_id_size) {
        const payload_id id = read_payload_id(data);
        if (id != payload_id{origin_, m.index, m.len}) {
            error = fmt::format("frame map: seq {} origin {}: message #{} ({} B) starts with the "
                                "id of n{}#{} ({} B)",
                                fields.seq, origin_, m.index, m.len, id.origin, id.index, id.len);
            return false;
        }
    }
    // Spot check: the head and tail of each chunk. Every byte is verified anyway, end to end, by
    // the checker's digest at delivery; this catches a packing slip at the frame that made it.
    constexpr std::size_t spot = 64;
    const bool bytes_ok =
        data.size() <= 2 * spot
            ? payload_matches(origin_, m.index, m.len, offset_, data)
            : payload_matches(origin_, m.index, m.len, offset_, data.first(spot)) &&
                  payload_matches(origin_, m.index, m.len, offset_ + data.size() - spot,
                                  data.last(spot));
    if (!bytes_ok) {
        error = fmt::format("frame map: seq {} origin {}: bytes [{}, {}) of message #{} ({} B) "
                            "differ from what was submitted",
                            fields.seq, origin_, offset_, offset_ + n, m.index, m.len);
        return false;
    }
    return true;
}

frame_map::walk_result frame_map::walk(ring_id ring, const wire::mcast& fields,
                                       std::span<const std::byte> payload) {
    walk_result r;
    if (broken_) {
        return r;
    }
    if (ring != last_ring_) {
        last_ring_ = ring;
        offset_ = 0; // the fragments sent on the old ring are dropped by every receiver
    }
    wire::chunk_reader reader(payload);
    wire::chunk c;
    bool any = false;
    while (reader.next(c)) {
        if (head_ == tail_) {
            r.error = fmt::format("frame map: seq {} origin {}: a chunk beyond every accepted "
                                  "submission",
                                  fields.seq, origin_);
            break;
        }
        if (!any) {
            r.first = front().index;
            any = true;
        }
        r.last = front().index;
        if (!check_chunk(c.kind, c.data, fields, r.error)) {
            break;
        }
        offset_ += static_cast<std::uint32_t>(c.data.size());
        if (offset_ == front().len) {
            ++head_;
            offset_ = 0;
        }
    }
    if (r.error.empty() && !any) {
        r.error = fmt::format("frame map: seq {} origin {}: a frame without chunks", fields.seq,
                              origin_);
    }
    if (!r.error.empty()) {
        r.ok = false;
        broken_ = true;
    }
    return r;
}

} // namespace ringcast::sim
