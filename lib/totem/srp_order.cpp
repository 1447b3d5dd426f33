// Totem SRP §3 (ordering): receiving mcasts into the window, agreed and safe delivery, freeing
// stable frames, and putting fragmented messages back together.

#include <algorithm>
#include <variant>

#include "lib/common/assert.hpp"
#include "lib/totem/fault.hpp"
#include "lib/totem/node_impl.hpp"
#include "lib/wire/codec.hpp"

namespace ringcast::totem {

void node_impl::on_frame(mono_ns now, const wire::header& hdr, const wire::frame_body& body,
                         payload_ref ref, effects& out) noexcept {
    if (state_ == node_state::left) {
        ++stats_.foreign_ring; // having left, every ring is another's
        if (ref != payload_ref_none) {
            out.push_release(ref);
        }
        return;
    }
    if (delivery_paused_) {
        deliver_ready(out);
    }
    const auto* jn = std::get_if<wire::join>(&body);
    if (hdr.ring.seq > ring_seq_limit || (jn != nullptr && jn->ring_seq > ring_seq_limit)) {
        ++stats_.implausible;
        if (ref != payload_ref_none) {
            out.push_release(ref);
        }
        return;
    }
    if (const auto* mv = std::get_if<wire::mcast_view>(&body)) {
        on_mcast(now, hdr, *mv, ref, out);
        return;
    }
    if (ref != payload_ref_none) {
        out.push_release(ref); // only mcasts are kept
    }
    if (hdr.sender == cfg_.self || !allowed(hdr.sender)) {
        ++stats_.foreign_ring;
        return;
    }
    if (const auto* tok = std::get_if<wire::token>(&body)) {
        on_token(now, hdr, *tok, out);
    } else if (const auto* j = std::get_if<wire::join>(&body)) {
        on_join(now, hdr, *j, out);
    } else if (const auto* c = std::get_if<wire::commit_token>(&body)) {
        on_commit(now, hdr, *c, out);
    } else if (std::holds_alternative<wire::merge_detect>(body)) {
        on_merge_detect(now, hdr, out);
    } else if (std::holds_alternative<wire::token_hold_cancel>(body)) {
        on_hold_cancel(now, hdr, out);
    }
}

void node_impl::on_mcast(mono_ns now, const wire::header& hdr, const wire::mcast_view& mv,
                         payload_ref ref, effects& out) noexcept {
    const seq_t s = mv.fields.seq;
    const bool on_ring = state_ == node_state::operational || state_ == node_state::recovery;
    if (!on_ring && hdr.ring == ring_) {
        // Gathering or committing: late frames of our ring still count (they may be delivered
        // or recovered), as long as nothing was filled into a commit token yet.
        if (state_ == node_state::commit) {
            ++stats_.mcast_late;
            out.push_release(ref);
            return;
        }
    } else if (hdr.ring != ring_ || !on_ring) {
        ++stats_.foreign_ring;
        out.push_release(ref);
        return;
    }
    const bool encapsulated = (mv.fields.flags & wire::mcast_flag_encapsulated) != 0;
    if (index_in(members_, mv.fields.origin) < 0 && !encapsulated) {
        ++stats_.foreign_ring;
        out.push_release(ref);
        return;
    }
    if (s == 0 || (!encapsulated && (mv.fields.origin_ring != ring_ || mv.fields.origin_seq != s))) {
        ++stats_.foreign_ring;
        out.push_release(ref);
        return;
    }
    ++stats_.mcast_received;
    if (s <= win_.stable || win_.have(s)) {
        ++stats_.mcast_duplicate;
        out.push_release(ref);
        return;
    }
    if (!win_.fits(s)) {
        // Beyond what this node can hold until it frees; it will be asked for again.
        ++stats_.mcast_out_of_window;
        out.push_release(ref);
        return;
    }
    if (encapsulated) {
        if (state_ != node_state::recovery) {
            // A recovery frame arriving after we installed: kept like any frame (this ring may
            // become an old ring whose recovery re-sends it), never delivered here.
            win_.store(mv.fields, s, mv.payload, ref, false);
        } else {
            on_encapsulated(mv, ref);
        }
    } else {
        win_.store(mv.fields, s, mv.payload, ref, false);
    }
    // A frame the next members originated after our token pass proves the token moved on.
    if (retransmit_deadline_ != mono_ns_never && s > token_.seq) {
        retransmit_deadline_ = mono_ns_never;
    }
    if (state_ == node_state::recovery) {
        maybe_install(now, out);
    }
    deliver_ready(out);
}

reassembly& node_impl::reassembly_for(node_id origin) noexcept {
    reassembly* free_slot = nullptr;
    for (reassembly& r : reasm_) {
        if (r.origin == origin) {
            return r;
        }
        if (free_slot == nullptr && !r.active) {
            free_slot = &r;
        }
    }
    // Every origin is an allowed node and there are at most max_nodes of them.
    RC_ASSERT(free_slot != nullptr);
    free_slot->origin = origin;
    return *free_slot;
}

void node_impl::end_chain(reassembly& r, effects& out) noexcept {
    for (payload_ref ref : r.owned) {
        out.push_release(ref);
    }
    r.owned.clear();
    r.segs.clear();
    r.active = false;
}

void node_impl::drop_partial_messages(effects& out) noexcept {
    for (reassembly& r : reasm_) {
        end_chain(r, out);
    }
}

void node_impl::deliver_ready(effects& out) noexcept {
    delivery_paused_ = false;
    if (phase_ != old_phase::none && !deliver_old(out)) {
        delivery_paused_ = true;
        return;
    }
    // Old-ring delivery is frozen once this node filled in a commit token (the token reported
    // how far it had delivered). In recovery the new ring's frames are not delivered either, but
    // its recovery copies need no delivery: step over them so they can become stable and free
    // (else the new ring's window would bound the whole recovery).
    if (state_ == node_state::commit) {
        return;
    }
    if (state_ == node_state::recovery) {
        while (win_.have(win_.high_delivered + 1) &&
               (win_.slot(win_.high_delivered + 1).fields.flags & wire::mcast_flag_encapsulated) != 0) {
            ++win_.high_delivered;
        }
        return;
    }
    for (;;) {
        const seq_t s = win_.high_delivered + 1;
        if (!win_.have(s)) {
            if (RC_FAULT(deliver_past_gap) && !fault_fired_ && win_.have(s + 1) &&
                win_.slot(s + 1).fields.svc == wire::service::agreed &&
                !win_.slot(s + 1).borrowed && state_ == node_state::operational) {
                // Test-only: hand out the next frame's messages while s is still missing.
                fault_fired_ = true;
                const std::uint32_t saved = win_.deliver_offset;
                win_.deliver_offset = 0;
                (void)deliver_frame(win_, win_.slot(s + 1), out);
                win_.deliver_offset = saved;
            }
            return;
        }
        const window_slot& w = win_.slot(s);
        if (w.fields.svc == wire::service::safe && s > safe_point_ && !RC_FAULT(safe_too_early)) {
            return;
        }
        // Recovery frames carry old-ring messages: delivered with the old ring, not here.
        if ((w.fields.flags & wire::mcast_flag_encapsulated) == 0 && !deliver_frame(win_, w, out)) {
            delivery_paused_ = true;
            return;
        }
        win_.high_delivered = s;
        win_.deliver_offset = 0;
    }
}

bool node_impl::deliver_frame(ring_window& win, const window_slot& w, effects& out) noexcept {
    reassembly& r = reassembly_for(w.fields.origin);
    wire::chunk_reader rd(w.payload.subspan(win.deliver_offset));
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
                ++stats_.reassembly_dropped; // a whole message inside an open fragment chain
                end_chain(r, out);
            }
            out.push_delivery(delivery{.kind = delivery_kind::message, .origin = w.fields.origin,
                                       .svc = w.fields.svc, .ring = w.fields.origin_ring,
                                       .seq = w.fields.origin_seq, .len = seg.len,
                                       .seg_begin = out.segment_count(), .seg_count = 1});
            out.push_segment(seg);
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
                end_chain(r, out);
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
                end_chain(r, out);
                break;
            }
            r.segs.push_back(seg);
            r.len += seg.len;
            if (c.kind == wire::chunk_kind::last) {
                out.push_delivery(delivery{.kind = delivery_kind::message,
                                           .origin = w.fields.origin, .svc = r.svc,
                                           .ring = w.fields.origin_ring,
                                           .seq = w.fields.origin_seq, .len = r.len,
                                           .seg_begin = out.segment_count(),
                                           .seg_count = static_cast<std::uint32_t>(r.segs.size())});
                for (const segment& sg : r.segs) {
                    out.push_segment(sg);
                }
                ++stats_.messages_delivered;
                stats_.bytes_delivered += r.len;
                end_chain(r, out); // releases come after the delivery in the batch
            }
            break;
        }
        win.deliver_offset = static_cast<std::uint32_t>(c.data.data() + c.data.size() - base);
    }
    return true;
}

void node_impl::free_stable(effects& out) noexcept {
    if (state_ != node_state::operational && state_ != node_state::recovery) {
        return;
    }
    const seq_t bound = std::min(safe_point_, win_.high_delivered);
    while (win_.stable < bound) {
        window_slot& w = win_.slot(++win_.stable);
        RC_ASSERT(w.seq == win_.stable);
        if (!w.borrowed && w.ref != payload_ref_none) {
            release_or_hand_over(w, out);
        }
        w = window_slot{};
    }
}

void node_impl::release_or_hand_over(const window_slot& w, effects& out) noexcept {
    const bool encapsulated = (w.fields.flags & wire::mcast_flag_encapsulated) != 0;
    if (encapsulated) {
        // A recovery copy the old ring's window shares until that ring is delivered: it owns it.
        const seq_t os = w.fields.origin_seq;
        if (phase_ != old_phase::none || state_ == node_state::recovery) {
            if (w.fields.origin_ring == old_ring_ && old_.have(os) && old_.slot(os).ref == w.ref &&
                old_.slot(os).borrowed) {
                old_.slot(os).borrowed = false;
                return;
            }
        }
        out.push_release(w.ref);
        return;
    }
    // A frame holding part of a message still being reassembled outlives its slot: the chain owns
    // it now. (Pinning the slot instead lets a long message fill the window and stall the ring.)
    for (reassembly& r : reasm_) {
        if (r.active && r.origin == w.fields.origin && w.seq >= r.first_seq &&
            r.owned.size() < r.owned.capacity()) {
            r.owned.push_back(w.ref);
            return;
        }
    }
    out.push_release(w.ref);
}

} // namespace ringcast::totem
