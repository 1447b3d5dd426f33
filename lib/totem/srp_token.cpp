// Totem SRP §3-5 (token handling): one token visit, flow control, retransmission requests, token
// retransmission and loss detection, and holding the token on an idle ring (corosync's
// token_hold, woken by a token-hold-cancel from a member with new data).

#include <algorithm>

#include "lib/common/assert.hpp"
#include "lib/totem/fault.hpp"
#include "lib/totem/node_impl.hpp"

namespace ringcast::totem {

void node_impl::start(mono_ns now, effects& out) noexcept {
    out.push_event({event_kind::ring_seq_persist, node_id_none, ring_.seq});
    state_ = node_state::operational; // of its own singleton ring, which it leaves at once
    enter_gather(now, out);
}

void node_impl::on_token(mono_ns now, const wire::header& hdr, const wire::token& tok,
                         effects& out) noexcept {
    const bool on_ring = state_ == node_state::operational || state_ == node_state::recovery;
    if (hdr.ring != ring_ || !on_ring || index_in(members_, hdr.sender) < 0) {
        ++stats_.foreign_ring;
        return;
    }
    // The token comes from our predecessor on the ring, never from anyone else: a copy meant for
    // another member (flooded by a switch that lost its MAC) must not turn the ring without it.
    const std::size_t n = members_.size();
    if (members_[(static_cast<std::size_t>(my_index_) + n - 1) % n] != hdr.sender) {
        ++stats_.token_misrouted;
        return;
    }
    // Totem SRP: token_seq counts hops, so a retransmitted copy of a token already handled is old.
    if (tok.token_seq <= last_token_seq_) {
        ++stats_.token_stale;
        return;
    }
    // A new token names every seq assigned on this ring so far: each frame we hold was assigned
    // from a token we passed on before this one, and seq only grows along the ring. A lower seq
    // (or an aru above seq) comes only from a forging key holder; acting on it would assign seqs
    // we already hold or freed, leaving stale slots that later carry the aru past high_seq.
    // Checked after the staleness test: an old copy of a token legitimately names a lower seq.
    if (tok.seq < win_.high_seq || tok.aru > tok.seq) {
        ++stats_.implausible;
        return;
    }
    ++stats_.token_received;
    last_token_seq_ = tok.token_seq;
    token_ = tok;
    holding_token_ = true;
    token_started_ = true;
    retransmit_deadline_ = mono_ns_never;
    loss_deadline_ = mono_ns_never;
    visit(now, out);
}

void node_impl::visit(mono_ns now, effects& out) noexcept {
    wire::token& t = token_;
    if (is_rep()) {
        ++stats_.rotations;
    }
    // Safe point: every member had every frame up to min(aru on two successive visits) (§4).
    safe_point_ = std::min({aru_prev_visit_, t.aru, win_.aru});
    aru_prev_visit_ = t.aru;
    seq_unchanged_ = t.seq == seq_prev_visit_;
    deliver_ready(out);
    free_stable(out);
    request_gaps();

    // Failing to receive: the same node holds the aru below seq for many rotations.
    if (t.aru < t.seq && t.aru == aru_stuck_value_ && t.aru_node != node_id_none) {
        if (++aru_stuck_visits_ == cfg_.fail_to_recv_const) {
            out.push_event({event_kind::failed_to_receive, t.aru_node, 0});
            if (t.aru_node != cfg_.self && state_ == node_state::operational) {
                const node_id culprit = t.aru_node;
                enter_gather(now, out);
                failed_.push(culprit);
                std::sort(failed_.begin(), failed_.end());
                send_join(now, out);
                return;
            }
        }
    } else {
        aru_stuck_visits_ = 0;
        aru_stuck_value_ = t.aru;
    }
    originate_and_pass(now, out, true);
}

std::uint32_t node_impl::allowance() const noexcept {
    const wire::token& t = token_;
    const std::uint32_t others_fcc = t.fcc - std::min(t.fcc, my_last_fcc_);
    if (others_fcc >= cfg_.window_size) {
        return 0;
    }
    std::uint32_t n = std::min(cfg_.max_messages, cfg_.window_size - others_fcc);
    // Fair share of the window when several members have backlog (Totem SRP §5).
    const std::uint32_t mine = backlog_frames();
    const std::uint32_t total = t.backlog - std::min(t.backlog, my_last_backlog_) + mine;
    if (mine > 0 && total > mine) {
        const auto share = static_cast<std::uint32_t>(std::uint64_t{cfg_.window_size} * mine / total);
        n = std::min(n, std::max<std::uint32_t>(share, 1));
    }
    // Never assign a seq this node (or any member, which frees in step) cannot hold.
    const seq_t limit = win_.stable + win_.capacity();
    const seq_t room = limit > t.seq ? limit - t.seq : 0;
    return static_cast<std::uint32_t>(std::min<seq_t>(n, room));
}

void node_impl::request_gaps() noexcept {
    wire::token& t = token_;
    // Drop requests that cannot or need not be served any more.
    for (std::size_t i = 0; i < t.rtr.size();) {
        if (t.rtr[i].ring != ring_ || t.rtr[i].seq <= win_.stable || t.rtr[i].seq > t.seq) {
            t.rtr.erase_at(i);
        } else {
            ++i;
        }
    }
    // A frame announced a visit ago and still missing is lost, not late (the mcast may trail the
    // unicast token by a little, never by a whole rotation).
    const seq_t upto = cfg_.rtr_gap_visits == 0 ? t.seq : std::min(t.seq, seq_prev_visit_);
    const seq_t last = std::min<seq_t>(upto, win_.stable + win_.capacity());
    for (seq_t s = win_.aru + 1; s <= last && !t.rtr.full(); ++s) {
        if (win_.have(s)) {
            continue;
        }
        bool listed = false;
        for (const wire::rtr_item& it : t.rtr) {
            listed = listed || it.seq == s;
        }
        if (!listed) {
            t.rtr.push(wire::rtr_item{ring_, s});
            ++stats_.rtr_requested;
        }
    }
    seq_prev_visit_ = t.seq;
}

std::uint32_t node_impl::answer_retransmissions(std::uint32_t budget, effects& out) noexcept {
    wire::token& t = token_;
    std::uint32_t sent = 0;
    if (RC_FAULT(skip_retransmit_answer)) {
        t.rtr.clear(); // test-only: take the requests off the token without serving them
        return 0;
    }
    for (std::size_t i = 0; i < t.rtr.size() && sent < budget;) {
        const seq_t s = t.rtr[i].seq;
        if (!win_.have(s) || win_.slot(s).ref == payload_ref_none) {
            ++i;
            continue;
        }
        const window_slot& w = win_.slot(s);
        out.push_send(send{.kind = send_kind::mcast, .to = node_id_none, .ring = ring_,
                           .ref = w.ref, .mcast = w.fields, .payload = w.payload,
                           .retransmit = true});
        ++stats_.mcast_retransmitted;
        ++sent;
        t.rtr.erase_at(i);
    }
    return sent;
}

void node_impl::originate_and_pass(mono_ns now, effects& out, bool may_hold) noexcept {
    wire::token& t = token_;
    const std::uint32_t allow = allowance();
    const std::uint32_t retrans = answer_retransmissions(std::max<std::uint32_t>(allow, 1), out);
    std::uint32_t budget = allow > retrans ? allow - retrans : 0;
    std::uint32_t originated = 0;
    const bool recovering = state_ == node_state::recovery;
    while (budget > 0) {
        window_slot frame;
        frame.fields.seq = t.seq + 1;
        if (recovering) {
            if (recovery_next_ == recovery_queue_.size() ||
                !pack_recovery_frame(old_.slot(recovery_queue_[recovery_next_]), frame)) {
                break;
            }
            ++recovery_next_;
        } else if (queue_count_ == 0 || !pack_frame(frame, out)) {
            break;
        }
        ++t.seq;
        win_.store(frame.fields, t.seq, frame.payload, frame.ref, false);
        out.push_send(send{.kind = send_kind::mcast, .to = node_id_none, .ring = ring_,
                           .ref = frame.ref, .mcast = frame.fields, .payload = frame.payload});
        ++stats_.mcast_sent;
        ++originated;
        --budget;
    }

    // fcc and backlog carry this node's contribution of the last rotation (replace, not add).
    const std::uint32_t fcc_now = originated + retrans;
    t.fcc = t.fcc - std::min(t.fcc, my_last_fcc_) + fcc_now;
    my_last_fcc_ = fcc_now;
    const std::uint32_t backlog_now =
        recovering ? static_cast<std::uint32_t>(recovery_queue_.size() - recovery_next_)
                   : backlog_frames();
    t.backlog = t.backlog - std::min(t.backlog, my_last_backlog_) + backlog_now;
    my_last_backlog_ = backlog_now;

    apply_aru_rule();
    if (recovering) {
        recovery_visit();
    }
    deliver_ready(out);

    const bool idle = originated == 0 && retrans == 0 && t.rtr.empty() && t.aru == t.seq &&
                      queue_count_ == 0 && seq_unchanged_ && state_ == node_state::operational;
    idle_visits_ = idle ? idle_visits_ + 1 : 0;
    hold_cancel_sent_ = false;
    if (may_hold && is_rep() && idle_visits_ >= cfg_.seqno_unchanged_const) {
        // Idle ring: keep the token instead of spinning it (corosync's token hold).
        token_held_idle_ = true;
        hold_deadline_ = now + cfg_.token_hold_ns;
        ++stats_.token_held;
    } else {
        pass_token(now, out);
    }
    if (state_ == node_state::recovery) {
        maybe_install(now, out);
    }
}

void node_impl::apply_aru_rule() noexcept {
    wire::token& t = token_;
    // Totem SRP §4: lower the aru to ours, or move it if we set it last (or nobody holds it).
    if (win_.aru < t.aru || t.aru_node == cfg_.self || t.aru_node == node_id_none) {
        t.aru = win_.aru;
        t.aru_node = t.aru == t.seq ? node_id_none : cfg_.self;
    }
}

void node_impl::pass_token(mono_ns now, effects& out) noexcept {
    ++token_.token_seq;
    last_token_seq_ = token_.token_seq;
    holding_token_ = false;
    token_held_idle_ = false;
    hold_deadline_ = mono_ns_never;
    if (members_.size() == 1) {
        // Alone on the ring: the token comes straight back (no frame needed), nothing to lose.
        retransmit_deadline_ = loss_deadline_ = mono_ns_never;
        // With a backlog the next visit is due at once (the caller's next tick): waiting a hold
        // period per max_messages frames would cap a lone node at a few thousand frames/s.
        hold_deadline_ = queue_count_ > 0 ? now : now + cfg_.token_hold_ns;
        token_held_idle_ = true;
        holding_token_ = true;
        idle_visits_ = cfg_.seqno_unchanged_const;
        return;
    }
    out.push_send(send{.kind = send_kind::token, .to = next_, .ring = ring_, .token = &token_});
    retransmit_deadline_ = now + cfg_.token_retransmit_ns;
    loss_deadline_ = now + cfg_.token_timeout_ns;
}

void node_impl::release_hold(mono_ns now, effects& out, bool woken_by_data) noexcept {
    if (!token_held_idle_) {
        return;
    }
    // Woken by the hold timer with nothing new: stay in idle mode (one rotation per hold period).
    // Woken by data: spin freely again until the ring is idle for seqno_unchanged_const rotations.
    if (queue_count_ > 0 || woken_by_data) {
        idle_visits_ = 0;
    }
    token_held_idle_ = false;
    hold_deadline_ = mono_ns_never;
    if (members_.size() == 1) {
        // Alone: every release is a full visit of our own token.
        ++token_.token_seq;
        visit(now, out);
        return;
    }
    originate_and_pass(now, out, false);
}

void node_impl::on_hold_cancel(mono_ns now, const wire::header& hdr, effects& out) noexcept {
    if (hdr.ring != ring_) {
        ++stats_.foreign_ring;
        return;
    }
    // Only an operational ring's representative holds the token. Every member with new data may
    // cancel the same hold, and the timer or our own submission may have ended it first: a cancel
    // that finds no token held (or the ring being left or formed) has nothing to act on.
    if (state_ != node_state::operational || !token_held_idle_) {
        ++stats_.control_stale;
        // Still a member with data: our next visit must not start holding (the cancel may
        // overtake the token on its way here).
        if (state_ == node_state::operational) {
            idle_visits_ = 0;
        }
        return;
    }
    release_hold(now, out, true);
}

void node_impl::send_token_hold_cancel(effects& out) noexcept {
    if (!out.sends_full()) {
        out.push_send(send{.kind = send_kind::token_hold_cancel, .to = ring_.rep, .ring = ring_});
    }
}

void node_impl::token_timers(mono_ns now, effects& out) noexcept {
    if (now >= hold_deadline_) {
        release_hold(now, out, false);
    }
    if (now >= retransmit_deadline_ && !holding_token_) {
        ++stats_.token_retransmitted;
        if (state_ == node_state::recovery && !token_started_) {
            forward_commit(now, out); // the commit token's second pass is still travelling
        } else {
            // The next member shows no sign of having the token: send it again, same token_seq.
            out.push_send(send{.kind = send_kind::token, .to = next_, .ring = ring_, .token = &token_});
            retransmit_deadline_ = now + cfg_.token_retransmit_ns;
        }
    }
    if (now >= loss_deadline_) {
        ++stats_.token_lost;
        out.push_event({event_kind::token_lost, node_id_none, 0});
        enter_gather(now, out);
    }
}

void node_impl::on_tick(mono_ns now, effects& out) noexcept {
    if (delivery_paused_) {
        deliver_ready(out);
        free_stable(out);
    }
    switch (state_) {
    case node_state::left:
        return;
    case node_state::operational:
    case node_state::recovery:
        token_timers(now, out);
        break;
    case node_state::commit:
        if (now >= retransmit_deadline_) {
            forward_commit(now, out); // resend: the next member showed no sign of it
            ++stats_.token_retransmitted;
        }
        if (now >= loss_deadline_) {
            ++stats_.token_lost;
            enter_gather(now, out);
        }
        break;
    case node_state::gather:
        if (now >= consensus_deadline_) {
            consensus_timeout(now, out);
        }
        if (state_ == node_state::gather && now >= join_deadline_) {
            send_join(now, out);
            check_consensus(now, out);
        }
        break;
    }
    if (state_ == node_state::operational && now >= merge_deadline_) {
        merge_deadline_ = now + cfg_.merge_ns;
        if (is_rep() && !out.sends_full()) {
            // So that partitioned rings (and restarted nodes) find each other.
            out.push_send(send{.kind = send_kind::merge_detect, .to = node_id_none, .ring = ring_});
        }
    }
}

submit_result node_impl::submit(mono_ns now, wire::service svc, payload_ref ref,
                                std::span<const std::byte> data, effects& out) noexcept {
    if (delivery_paused_) {
        deliver_ready(out);
    }
    if (data.size() > cfg_.max_message_size) {
        return submit_result::too_large;
    }
    if (state_ == node_state::left) {
        return submit_result::would_block;
    }
    if (queue_count_ == queue_.size()) {
        return submit_result::would_block;
    }
    const bool was_empty = queue_count_ == 0;
    queue_[(queue_head_ + queue_count_) % queue_.size()] = submission{ref, data, 0, svc};
    ++queue_count_;
    queued_bytes_ += data.size();
    ++stats_.messages_submitted;
    if (was_empty && state_ == node_state::operational) {
        if (token_held_idle_ && members_.size() == 1) {
            // Alone, the token comes straight back after every visit, so releasing it here
            // would run a visit per submission of a batch (a client's ring, the generator), each
            // originating into the one effects batch until it overflowed. The next tick visits.
            hold_deadline_ = now;
        } else if (token_held_idle_) {
            release_hold(now, out, true);
        } else if (!is_rep() && !hold_cancel_sent_ &&
                   idle_visits_ + 2 >= cfg_.seqno_unchanged_const) {
            // The representative holds the token after seqno_unchanged_const idle visits of
            // its own, at most one rotation ahead of ours: only then can our data be waiting
            // for a held token. Earlier, the token comes by anyway and a cancel is a wasted
            // frame per message (one per submission on a lightly loaded ring, before).
            send_token_hold_cancel(out);
            hold_cancel_sent_ = true;
        }
    }
    return submit_result::ok;
}

} // namespace ringcast::totem
