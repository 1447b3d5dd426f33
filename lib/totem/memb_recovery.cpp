// Totem membership §7 (recovery) and the EVS delivery order on installing a new ring.
//
// On entering recovery a node keeps its old ring's window aside and re-multicasts, encapsulated in
// new-ring frames, every old-ring frame above the lowest aru of the members that come with it from
// the old ring (its transitional members). When no member has had recovery frames to send for two
// successive visits (retrans_flg clear twice) and this node has every new-ring frame up to that
// point, it installs the new ring. All transitional members then hold the same set of old-ring
// frames, and each delivers from it by the same deterministic rule:
//  (1) in the old regular configuration: everything up to the highest seq any transitional member
//      had delivered, then agreed frames as long as there is no gap;
//  (2) the transitional configuration;
//  (3) in it, the remaining frames in seq order, skipping gaps; after the first gap only frames of
//      transitional members (a departed sender's later frames would break its FIFO order);
//  (4) the new regular configuration; new-ring traffic follows.

#include <algorithm>

#include "lib/common/assert.hpp"
#include "lib/totem/fault.hpp"
#include "lib/totem/node_impl.hpp"

namespace ringcast::totem {

namespace {
void set_difference(const node_set& a, const node_set& b, node_set& out) noexcept {
    out.clear();
    for (node_id id : a) {
        if (!std::binary_search(b.begin(), b.end(), id)) {
            out.push(id);
        }
    }
}
} // namespace

void node_impl::enter_recovery(mono_ns now, effects& out) noexcept {
    if (phase_ != old_phase::none) {
        // The previous ring's deliveries have not drained yet: do not stack a third ring. The
        // commit token is dropped here and the ring re-forms after the token timeout.
        return;
    }
    old_ring_ = ring_;
    old_members_ = members_;
    trans_members_.clear();
    seq_t low_aru = win_.aru;
    max_high_delivered_ = win_.high_delivered;
    node_set new_members;
    for (const wire::commit_member& m : commit_.members) {
        new_members.push(m.id);
        if (m.old_ring == old_ring_) {
            trans_members_.push(m.id);
            low_aru = std::min(low_aru, m.old_aru);
            max_high_delivered_ = std::max(max_high_delivered_, m.high_delivered);
        }
    }
    if (index_in(trans_members_, cfg_.self) < 0) {
        trans_members_.push(cfg_.self); // defensive: our own entry names our old ring
        std::sort(trans_members_.begin(), trans_members_.end());
    }

    // The current window becomes the old ring's; the (clean) spare becomes the new ring's.
    std::swap(old_, win_);
    win_.stable = win_.aru = win_.high_seq = win_.high_delivered = 0;
    win_.deliver_offset = 0;

    recovery_queue_.clear();
    recovery_next_ = 0;
    const seq_t from = std::max(low_aru, old_.stable);
    for (seq_t s = from + 1; s <= old_.high_seq && recovery_queue_.size() < recovery_queue_.capacity(); ++s) {
        if (old_.have(s) && recovery_sender(s) == cfg_.self && !RC_FAULT(skip_recovery_retransmit) &&
            !RC_FAULT(skip_retransmit_answer)) {
            recovery_queue_.push_back(s);
        }
    }

    set_ring(commit_ring_, new_members);
    remember_exclusions(now);
    state_ = node_state::recovery;
    token_ = wire::token{};
    token_started_ = false;
    holding_token_ = false;
    token_held_idle_ = false;
    last_token_seq_ = 0;
    aru_prev_visit_ = seq_prev_visit_ = 0;
    safe_point_ = 0;
    my_last_fcc_ = my_last_backlog_ = 0;
    idle_visits_ = aru_stuck_visits_ = 0;
    aru_stuck_value_ = 0;
    my_set_retrans_ = false;
    my_last_recovering_ = 0;
    retrans_zero_visits_ = 0;
    install_armed_ = false;
    install_seq_ = 0;
    hold_deadline_ = merge_deadline_ = mono_ns_never;
    loss_deadline_ = now + cfg_.token_timeout_ns;
    restart_partial_submission();
    if (RC_FAULT(install_before_recovery)) {
        // Test-only: skip the wait for recovered frames.
        install(now, out);
    }
}

node_id node_impl::recovery_sender(seq_t s) const noexcept {
    // A frame at or below some transitional member's aru is held by that member: the one with the
    // smallest id re-sends it, the others skip it (every member re-sending everything above the
    // lowest aru made a 16-node recovery re-multicast ~9,000 frames where ~600 were missing, and
    // took over a second). Above every aru nobody knows who holds what: each holder re-sends.
    // A re-sent frame that is lost is asked for again like any frame of the new ring.
    for (const wire::commit_member& m : commit_.members) { // sorted by id
        if (m.old_ring == old_ring_ && m.old_aru >= s) {
            return m.id;
        }
    }
    return cfg_.self;
}

void node_impl::on_encapsulated(const wire::mcast_view& mv, payload_ref ref) noexcept {
    const seq_t s = mv.fields.seq;
    const seq_t os = mv.fields.origin_seq;
    const bool nested = (mv.fields.flags & wire::mcast_flag_nested) != 0;
    if (mv.fields.origin_ring == old_ring_ && os != 0 && old_.fits(os) && !old_.have(os) &&
        (nested || index_in(old_members_, mv.fields.origin) >= 0)) {
        // A frame of our old ring we lacked: both windows name the same buffer; the new ring's
        // window owns it (released when stable there, after the old ring is delivered), the old
        // window borrows it. A nested copy was a recovery frame on the old ring too: marked so
        // the old ring's delivery skips it as it skipped it there.
        wire::mcast f = mv.fields;
        f.seq = os;
        f.flags = nested ? wire::mcast_flag_encapsulated : 0;
        old_.store(f, os, mv.payload, ref, true);
        win_.store(mv.fields, s, mv.payload, ref, false);
        return;
    }
    win_.store(mv.fields, s, mv.payload, ref, false);
}

void node_impl::recovery_visit() noexcept {
    wire::token& t = token_;
    const bool pending = recovery_next_ < recovery_queue_.size();
    // retrans_flg (corosync's) says someone is still re-sending; it cannot say when everyone has
    // stopped: with several senders, the first to finish would clear a flag others set. So the
    // token also counts them: each member replaces its own 0/1 share at every visit, as with fcc.
    if (pending) {
        t.retrans_flg = 1;
        my_set_retrans_ = true;
    } else if (my_set_retrans_) {
        t.retrans_flg = 0;
        my_set_retrans_ = false;
    }
    const std::uint8_t mine = pending ? 1 : 0;
    t.recovering = static_cast<std::uint8_t>(t.recovering - std::min(t.recovering, my_last_recovering_) + mine);
    my_last_recovering_ = mine;
    // Nobody re-sending on two visits in a row: a whole rotation in which every member had sent
    // all its recovery frames; every one of them has a seq up to token.seq now.
    if (t.recovering == 0) {
        if (++retrans_zero_visits_ >= 2 && !install_armed_) {
            install_armed_ = true;
            install_seq_ = t.seq;
        }
    } else {
        retrans_zero_visits_ = 0;
    }
}

void node_impl::maybe_install(mono_ns now, effects& out) noexcept {
    if (state_ == node_state::recovery && install_armed_ && win_.aru >= install_seq_) {
        install(now, out);
    }
}

void node_impl::install(mono_ns now, effects& out) noexcept {
    state_ = node_state::operational;
    merge_deadline_ = now + cfg_.merge_ns;

    // Where (1) stops: first everything some transitional member delivered, then agreed frames
    // up to the first gap or safe frame. The same rule on the same frames gives every
    // transitional member the same answer.
    first_hole_ = old_.high_seq + 1;
    for (seq_t s = old_.high_delivered + 1; s <= old_.high_seq; ++s) {
        if (!old_.have(s)) {
            first_hole_ = s;
            break;
        }
    }
    stop_seq_ = std::max(old_.high_delivered, std::min(max_high_delivered_, first_hole_ - 1));
    while (stop_seq_ + 1 < first_hole_ &&
           old_.slot(stop_seq_ + 1).fields.svc == wire::service::agreed) {
        ++stop_seq_;
    }

    trans_conf_.ring = ring_;
    trans_conf_.members = trans_members_;
    trans_conf_.joined.clear();
    set_difference(old_members_, trans_members_, trans_conf_.left);
    reg_conf_.ring = ring_;
    reg_conf_.members = members_;
    set_difference(members_, trans_members_, reg_conf_.joined);
    reg_conf_.left = trans_conf_.left;

    phase_ = old_phase::regular;
    deliver_ready(out);
    free_stable(out);
}

bool node_impl::deliver_old(effects& out) noexcept {
    for (;;) {
        switch (phase_) {
        case old_phase::none:
            return true;
        case old_phase::regular:
            while (old_.high_delivered < stop_seq_) {
                const seq_t s = old_.high_delivered + 1;
                const window_slot& w = old_.slot(s);
                const bool recovery_copy = (w.fields.flags & wire::mcast_flag_encapsulated) != 0;
                if (!recovery_copy && !deliver_frame(old_, w, out)) {
                    return false;
                }
                old_.high_delivered = s;
                old_.deliver_offset = 0;
            }
            phase_ = old_phase::transitional;
            break;
        case old_phase::transitional:
            if (out.deliveries_full(0)) {
                return false;
            }
            out.push_delivery(delivery{.kind = delivery_kind::transitional_config,
                                       .ring = trans_conf_.ring, .config = &trans_conf_});
            phase_ = old_phase::remaining;
            break;
        case old_phase::remaining:
            while (old_.high_delivered < old_.high_seq) {
                const seq_t s = old_.high_delivered + 1;
                const window_slot& w = old_.slot(s);
                // A recovery copy of an older ring's frame was delivered with that ring: skip it.
                const bool deliverable =
                    old_.have(s) && (w.fields.flags & wire::mcast_flag_encapsulated) == 0 &&
                    (s < first_hole_ || index_in(trans_members_, w.fields.origin) >= 0);
                if (!old_.have(s)) {
                    // A missing frame may hold the rest of a departed sender's open chain: a
                    // fragment after it must not be glued to one before it. (Transitional
                    // members' frames are never missing: each re-sent its own in recovery.)
                    for (reassembly& r : reasm_) {
                        if (r.active && index_in(trans_members_, r.origin) < 0) {
                            end_chain(r, out);
                        }
                    }
                }
                if (deliverable && !deliver_frame(old_, w, out)) {
                    return false;
                }
                old_.high_delivered = s;
                old_.deliver_offset = 0;
            }
            phase_ = old_phase::new_regular;
            break;
        case old_phase::new_regular: {
            if (out.deliveries_full(0)) {
                return false;
            }
            // Partial messages end with their ring: senders restart them on the new one.
            drop_partial_messages(out);
            out.push_delivery(delivery{.kind = delivery_kind::regular_config,
                                       .ring = reg_conf_.ring, .config = &reg_conf_});
            if (RC_FAULT(old_after_transitional) && !fault_fired_ && old_.high_seq > old_.stable &&
                old_.have(old_.high_seq) && !out.deliveries_full(1)) {
                // Test-only: one old-ring message shows up in the new configuration.
                fault_fired_ = true;
                old_.deliver_offset = 0;
                (void)deliver_frame(old_, old_.slot(old_.high_seq), out);
            }
            old_.reset(out); // releases what only the old window held
            phase_ = old_phase::none;
            return true;
        }
        }
    }
}

void node_impl::abandon_recovery(effects& out) noexcept {
    // The new ring never installed: our ring is still the old one, now with whatever old-ring
    // frames recovery brought in. Recovery frames are dropped.
    for (seq_t s = win_.stable + 1; s <= win_.high_seq && s <= win_.stable + win_.capacity(); ++s) {
        window_slot& w = win_.slot(s);
        if (w.seq == s && !w.borrowed && w.ref != payload_ref_none) {
            const seq_t os = w.fields.origin_seq;
            const bool shared = (w.fields.flags & wire::mcast_flag_encapsulated) != 0 &&
                                w.fields.origin_ring == old_ring_ && old_.have(os) &&
                                old_.slot(os).ref == w.ref;
            if (shared) {
                old_.slot(os).borrowed = false; // the old window owns it again
            } else {
                out.push_release(w.ref);
            }
        }
        w = window_slot{};
    }
    win_.stable = win_.aru = win_.high_seq = win_.high_delivered = 0;
    win_.deliver_offset = 0;
    std::swap(old_, win_);
    set_ring(old_ring_, old_members_);
    state_ = node_state::gather; // the caller re-enters gather from here
    recovery_queue_.clear();
    recovery_next_ = 0;
    token_started_ = false;
}

} // namespace ringcast::totem
