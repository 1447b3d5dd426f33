// Totem SRP §3 (ordering): the receive window, agreed and safe delivery, freeing stable frames.

#include <algorithm>
#include <variant>

#include "lib/common/assert.hpp"
#include "lib/totem/node_impl.hpp"
#include "lib/wire/codec.hpp"

namespace ringcast::totem {

#ifdef RINGCAST_SIM_FAULTS
#define RC_FAULT(f) ((faults_ & static_cast<std::uint32_t>(fault::f)) != 0)
#else
#define RC_FAULT(f) false
#endif

void node_impl::on_frame(mono_ns now, const wire::header& hdr, const wire::frame_body& body,
                         payload_ref ref, effects& out) noexcept {
    if (const auto* mv = std::get_if<wire::mcast_view>(&body)) {
        on_mcast(now, hdr, *mv, ref, out);
        return;
    }
    if (ref != payload_ref_none) {
        // Only mcasts are kept; any other buffer goes straight back.
        out.push_release(ref);
    }
    if (const auto* tok = std::get_if<wire::token>(&body)) {
        on_token(now, hdr, *tok, out);
    } else if (std::holds_alternative<wire::token_hold_cancel>(body)) {
        if (hdr.ring == ring_) {
            on_token_hold_cancel(now, out);
        } else {
            ++stats_.foreign_ring;
        }
    } else {
        // join, commit token, merge detect: the membership layer's (not on a static ring).
        ++stats_.foreign_ring;
    }
}

void node_impl::on_mcast(mono_ns now, const wire::header& hdr, const wire::mcast_view& mv,
                         payload_ref ref, effects& out) noexcept {
    (void)now;
    const seq_t s = mv.fields.seq;
    if (hdr.ring != ring_ || mv.fields.origin_ring != ring_ ||
        (mv.fields.flags & wire::mcast_flag_encapsulated) != 0) {
        ++stats_.foreign_ring;
        out.push_release(ref);
        return;
    }
    if (member_index(mv.fields.origin) < 0 || s == 0 || mv.fields.origin_seq != s) {
        ++stats_.foreign_ring;
        out.push_release(ref);
        return;
    }
    ++stats_.mcast_received;
    if (s <= stable_ || have(s)) {
        ++stats_.mcast_duplicate;
        out.push_release(ref);
        return;
    }
    if (s > stable_ + window_.size()) {
        // Beyond what this node can hold until it frees; it will be asked for again.
        ++stats_.mcast_out_of_window;
        out.push_release(ref);
        return;
    }
    store(mv.fields, mv.payload, ref);
    // A frame the next members originated after our token pass proves the token moved on.
    if (retransmit_deadline_ != mono_ns_never && s > token_.seq) {
        retransmit_deadline_ = mono_ns_never;
    }
    deliver_ready(out);
}

void node_impl::store(const wire::mcast& fields, std::span<const std::byte> payload,
                      payload_ref ref) noexcept {
    window_slot& w = slot(fields.seq);
    RC_ASSERT(w.seq == 0);
    w.seq = fields.seq;
    w.ref = ref;
    w.payload = payload;
    w.fields = fields;
    high_seq_seen_ = std::max(high_seq_seen_, fields.seq);
    while (have(my_aru_ + 1)) {
        ++my_aru_;
    }
}

void node_impl::deliver_ready(effects& out) noexcept {
    delivery_paused_ = false;
    for (;;) {
        const seq_t s = my_high_delivered_ + 1;
        if (!have(s)) {
            if (RC_FAULT(deliver_past_gap) && !fault_fired_ && have(s + 1) &&
                slot(s + 1).fields.svc == wire::service::agreed) {
                // Test-only: hand out the next frame's messages while s is still missing.
                fault_fired_ = true;
                const std::uint32_t saved = deliver_offset_;
                deliver_offset_ = 0;
                (void)deliver_frame(slot(s + 1), out);
                deliver_offset_ = saved;
            }
            return;
        }
        const window_slot& w = slot(s);
        if (w.fields.svc == wire::service::safe && s > safe_point_ && !RC_FAULT(safe_too_early)) {
            return;
        }
        if (!deliver_frame(w, out)) {
            delivery_paused_ = true;
            return;
        }
        my_high_delivered_ = s;
        deliver_offset_ = 0;
    }
}

bool node_impl::deliver_frame(const window_slot& w, effects& out) noexcept {
    const int oi = member_index(w.fields.origin);
    RC_ASSERT(oi >= 0);
    reassembly& r = reasm_[static_cast<std::size_t>(oi)];
    wire::chunk_reader rd(w.payload.subspan(deliver_offset_));
    wire::chunk c;
    const std::byte* base = w.payload.data();
    while (rd.next(c)) {
        const segment seg{w.ref, c.data.data(), static_cast<std::uint32_t>(c.data.size())};
        const bool completes = c.kind == wire::chunk_kind::whole ||
                               (c.kind == wire::chunk_kind::last && r.active);
        if (completes && out.deliveries_full(r.segs.size() + 1)) {
            return false;
        }
        switch (c.kind) {
        case wire::chunk_kind::whole: {
            if (r.active) {
                // A whole message while a fragment chain is open: the chain is broken.
                ++stats_.reassembly_dropped;
                r.active = false;
            }
            delivery d{.kind = delivery_kind::message, .origin = w.fields.origin,
                       .svc = w.fields.svc, .ring = w.fields.origin_ring, .seq = w.seq,
                       .len = seg.len, .seg_begin = out.segment_count(), .seg_count = 1};
            out.push_segment(seg);
            out.push_delivery(d);
            ++stats_.messages_delivered;
            stats_.bytes_delivered += seg.len;
            if (RC_FAULT(reorder_deliveries) && !fault_fired_ && out.deliveries().size() >= 2) {
                const auto n = out.deliveries().size();
                if (out.deliveries()[n - 2].kind == delivery_kind::message) {
                    fault_fired_ = true;
                    out.swap_deliveries(n - 2, n - 1);
                }
            }
            break;
        }
        case wire::chunk_kind::first:
            if (r.active) {
                ++stats_.reassembly_dropped;
            }
            r.active = true;
            r.first_seq = w.seq;
            r.len = seg.len;
            r.svc = w.fields.svc;
            r.segs.clear();
            r.segs.push_back(seg);
            break;
        case wire::chunk_kind::middle:
        case wire::chunk_kind::last:
            if (!r.active) {
                ++stats_.reassembly_dropped;
                break;
            }
            if (r.segs.size() >= max_fragments_ ||
                std::uint64_t{r.len} + seg.len > cfg_.max_message_size) {
                ++stats_.reassembly_dropped;
                r.active = false;
                break;
            }
            r.segs.push_back(seg);
            r.len += seg.len;
            if (c.kind == wire::chunk_kind::last) {
                delivery d{.kind = delivery_kind::message, .origin = w.fields.origin,
                           .svc = r.svc, .ring = w.fields.origin_ring, .seq = w.seq, .len = r.len,
                           .seg_begin = out.segment_count(),
                           .seg_count = static_cast<std::uint32_t>(r.segs.size())};
                for (const segment& sg : r.segs) {
                    out.push_segment(sg);
                }
                out.push_delivery(d);
                ++stats_.messages_delivered;
                stats_.bytes_delivered += r.len;
                r.active = false;
            }
            break;
        }
        deliver_offset_ = static_cast<std::uint32_t>(c.data.data() + c.data.size() - base);
    }
    return true;
}

void node_impl::free_stable(effects& out) noexcept {
    seq_t bound = std::min(safe_point_, my_high_delivered_);
    for (const reassembly& r : reasm_) {
        if (r.active) {
            bound = std::min(bound, r.first_seq - 1);
        }
    }
    while (stable_ < bound) {
        window_slot& w = slot(++stable_);
        RC_ASSERT(w.seq == stable_);
        out.push_release(w.ref);
        w = window_slot{};
    }
}

} // namespace ringcast::totem
