// Totem SRP §3-4 (token handling): one token visit, flow control, retransmission requests, token
// retransmission and loss detection, and holding the token on an idle ring (corosync's
// token_hold, woken by a token-hold-cancel from a member with new data).

#include <algorithm>

#include "lib/common/assert.hpp"
#include "lib/totem/node_impl.hpp"

namespace ringcast::totem {

#ifdef RINGCAST_SIM_FAULTS
#define RC_FAULT(f) ((faults_ & static_cast<std::uint32_t>(fault::f)) != 0)
#else
#define RC_FAULT(f) false
#endif

void node_impl::start(mono_ns now, effects& out) noexcept {
    loss_deadline_ = now + cfg_.token_timeout_ns;
    if (is_rep()) {
        token_ = wire::token{};
        holding_token_ = true;
        visit(now, out);
    }
}

void node_impl::on_token(mono_ns now, const wire::header& hdr, const wire::token& tok,
                         effects& out) noexcept {
    if (hdr.ring != ring_) {
        ++stats_.foreign_ring;
        return;
    }
    // Totem SRP: token_seq counts hops, so a retransmitted copy of a token already handled is old.
    if (tok.token_seq <= last_token_seq_) {
        ++stats_.token_stale;
        return;
    }
    ++stats_.token_received;
    last_token_seq_ = tok.token_seq;
    token_ = tok;
    holding_token_ = true;
    retransmit_deadline_ = mono_ns_never;
    loss_deadline_ = mono_ns_never;
    visit(now, out);
}

void node_impl::visit(mono_ns now, effects& out) noexcept {
    wire::token& t = token_;
    if (is_rep()) {
        ++stats_.rotations;
    }
    high_seq_seen_ = std::max(high_seq_seen_, t.seq);
    // Safe point: every member had every frame up to min(aru on two successive visits) (§4).
    safe_point_ = std::min({aru_prev_visit_, t.aru, my_aru_});
    aru_prev_visit_ = t.aru;
    seq_unchanged_ = t.seq == seq_prev_visit_;
    deliver_ready(out);
    free_stable(out);
    request_gaps();

    // Failing to receive: the same node holds the aru below seq for many rotations.
    if (t.aru < t.seq && t.aru == aru_stuck_value_ && t.aru_node != node_id_none) {
        if (++aru_stuck_visits_ == cfg_.fail_to_recv_const) {
            out.push_event({event_kind::failed_to_receive, t.aru_node});
        }
    } else {
        aru_stuck_visits_ = 0;
        aru_stuck_value_ = t.aru;
    }
    originate_and_pass(now, out);
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
        const auto share = static_cast<std::uint32_t>(
            std::uint64_t{cfg_.window_size} * mine / total);
        n = std::min(n, std::max<std::uint32_t>(share, 1));
    }
    // Never assign a seq this node (or any member, which frees in step) cannot hold.
    const seq_t limit = stable_ + window_.size();
    const seq_t room = limit > t.seq ? limit - t.seq : 0;
    return static_cast<std::uint32_t>(std::min<seq_t>(n, room));
}

void node_impl::request_gaps() noexcept {
    wire::token& t = token_;
    // Drop requests already satisfied everywhere (stable here means every member had them).
    for (std::size_t i = 0; i < t.rtr.size();) {
        if (t.rtr[i].ring != ring_ || t.rtr[i].seq <= stable_ || t.rtr[i].seq > t.seq) {
            t.rtr.erase_at(i);
        } else {
            ++i;
        }
    }
    // A frame announced a visit ago and still missing is lost, not late (the mcast may trail the
    // unicast token by a little, never by a whole rotation).
    const seq_t upto = cfg_.rtr_gap_visits == 0 ? t.seq : std::min(t.seq, seq_prev_visit_);
    for (seq_t s = my_aru_ + 1; s <= upto && !t.rtr.full(); ++s) {
        if (have(s)) {
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
        return 0;
    }
    for (std::size_t i = 0; i < t.rtr.size() && sent < budget;) {
        const seq_t s = t.rtr[i].seq;
        if (!have(s)) {
            ++i;
            continue;
        }
        const window_slot& w = slot(s);
        out.push_send(send{.kind = send_kind::mcast, .to = node_id_none, .ring = ring_,
                           .ref = w.ref, .mcast = w.fields, .payload = w.payload,
                           .retransmit = true});
        ++stats_.mcast_retransmitted;
        ++sent;
        t.rtr.erase_at(i);
    }
    return sent;
}

void node_impl::originate_and_pass(mono_ns now, effects& out) noexcept {
    wire::token& t = token_;
    const std::uint32_t allow = allowance();
    const std::uint32_t retrans = answer_retransmissions(std::max<std::uint32_t>(allow, 1), out);
    std::uint32_t budget = allow > retrans ? allow - retrans : 0;
    std::uint32_t originated = 0;
    while (budget > 0 && queue_count_ > 0) {
        window_slot frame;
        frame.fields.seq = t.seq + 1;
        if (!pack_frame(frame, out)) {
            break;
        }
        ++t.seq;
        store(frame.fields, frame.payload, frame.ref);
        out.push_send(send{.kind = send_kind::mcast, .to = node_id_none, .ring = ring_,
                           .ref = frame.ref, .mcast = frame.fields, .payload = frame.payload});
        ++stats_.mcast_sent;
        ++originated;
        --budget;
    }
    high_seq_seen_ = std::max(high_seq_seen_, t.seq);

    // fcc and backlog carry this node's contribution of the last rotation (replace, not add).
    const std::uint32_t fcc_now = originated + retrans;
    t.fcc = t.fcc - std::min(t.fcc, my_last_fcc_) + fcc_now;
    my_last_fcc_ = fcc_now;
    const std::uint32_t backlog_now = backlog_frames();
    t.backlog = t.backlog - std::min(t.backlog, my_last_backlog_) + backlog_now;
    my_last_backlog_ = backlog_now;

    apply_aru_rule();
    deliver_ready(out);

    const bool idle = originated == 0 && retrans == 0 && t.rtr.empty() && t.aru == t.seq &&
                      queue_count_ == 0 && seq_unchanged_;
    idle_visits_ = idle ? idle_visits_ + 1 : 0;
    saw_idle_token_ = idle;
    if (is_rep() && idle_visits_ >= cfg_.seqno_unchanged_const) {
        // Idle ring: keep the token instead of spinning it (corosync's token hold).
        token_held_idle_ = true;
        hold_deadline_ = now + cfg_.token_hold_ns;
        ++stats_.token_held;
        return;
    }
    pass_token(now, out);
}

void node_impl::apply_aru_rule() noexcept {
    wire::token& t = token_;
    // Totem SRP §4: lower the aru to ours, or move it if we set it last (or nobody holds it).
    if (my_aru_ < t.aru || t.aru_node == cfg_.self || t.aru_node == node_id_none) {
        t.aru = my_aru_;
        t.aru_node = t.aru == t.seq ? node_id_none : cfg_.self;
    }
}

void node_impl::pass_token(mono_ns now, effects& out) noexcept {
    ++token_.token_seq;
    last_token_seq_ = token_.token_seq;
    holding_token_ = false;
    token_held_idle_ = false;
    hold_deadline_ = mono_ns_never;
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
    originate_and_pass(now, out);
}

void node_impl::on_token_hold_cancel(mono_ns now, effects& out) noexcept {
    release_hold(now, out, true);
}

void node_impl::send_token_hold_cancel(effects& out) noexcept {
    if (!out.sends_full()) {
        out.push_send(send{.kind = send_kind::token_hold_cancel, .to = ring_.rep, .ring = ring_});
    }
}

void node_impl::on_tick(mono_ns now, effects& out) noexcept {
    if (delivery_paused_) {
        deliver_ready(out);
        free_stable(out);
    }
    if (now >= hold_deadline_) {
        release_hold(now, out, false);
    }
    if (now >= retransmit_deadline_ && !holding_token_) {
        // The next member shows no sign of having the token: send it again, same token_seq.
        out.push_send(send{.kind = send_kind::token, .to = next_, .ring = ring_, .token = &token_});
        ++stats_.token_retransmitted;
        retransmit_deadline_ = now + cfg_.token_retransmit_ns;
    }
    if (now >= loss_deadline_) {
        ++stats_.token_lost;
        out.push_event({event_kind::token_lost, node_id_none});
        // Static ring: keep retransmitting; the membership layer decides what a loss means.
        loss_deadline_ = now + cfg_.token_timeout_ns;
    }
}

submit_result node_impl::submit(mono_ns now, wire::service svc, payload_ref ref,
                                std::span<const std::byte> data, effects& out) noexcept {
    if (data.size() > cfg_.max_message_size) {
        return submit_result::too_large;
    }
    if (queue_count_ == queue_.size()) {
        return submit_result::would_block;
    }
    const bool was_empty = queue_count_ == 0;
    queue_[(queue_head_ + queue_count_) % queue_.size()] = submission{ref, data, 0, svc};
    ++queue_count_;
    queued_bytes_ += data.size();
    ++stats_.messages_submitted;
    if (was_empty) {
        if (token_held_idle_) {
            release_hold(now, out, true);
        } else if (saw_idle_token_ && !is_rep()) {
            send_token_hold_cancel(out);
            saw_idle_token_ = false;
        }
    }
    return submit_result::ok;
}

} // namespace ringcast::totem
