// Totem membership §6 (commit): the representative of the agreed member set creates the commit
// token; it goes around the new ring twice. The first pass collects each member's old ring id,
// aru, high delivered and received flag; on the second pass each member enters recovery. When the
// token completes its second pass the representative starts the new ring's ORF token.

#include <algorithm>

#include "lib/common/assert.hpp"
#include "lib/totem/node_impl.hpp"

namespace ringcast::totem {

void node_impl::fill_commit_entry() noexcept {
    for (wire::commit_member& m : commit_.members) {
        if (m.id == cfg_.self) {
            m.old_ring = ring_;
            m.old_aru = win_.aru;
            m.high_delivered = win_.high_delivered;
            m.received_flg = win_.aru == win_.high_seq ? 1 : 0;
        }
    }
}

void node_impl::create_commit_token(mono_ns now, effects& out) noexcept {
    const node_set live = live_set();
    RC_ASSERT(!live.empty() && live[0] == cfg_.self);
    // Ring seqs only grow: above anything seen in joins, our own rings and the persisted mark.
    max_ring_seq_ = std::max(max_ring_seq_, ring_.seq) + 4;
    commit_ring_ = ring_id{cfg_.self, max_ring_seq_};
    out.push_event({event_kind::ring_seq_persist, node_id_none, max_ring_seq_});
    commit_ = wire::commit_token{};
    for (node_id id : live) {
        commit_.members.push(wire::commit_member{.id = id});
    }
    state_ = node_state::commit;
    commit_pass1_done_ = false;
    last_commit_token_seq_ = 0;
    join_deadline_ = consensus_deadline_ = mono_ns_never;
    fill_commit_entry();
    if (live.size() == 1) {
        // Alone: both passes are trivially done; start our own token.
        enter_recovery(now, out);
        if (state_ == node_state::recovery) {
            token_ = wire::token{};
            token_started_ = true;
            holding_token_ = true;
            visit(now, out);
        }
        return;
    }
    commit_.memb_index = 1;
    loss_deadline_ = now + cfg_.token_timeout_ns;
    forward_commit(now, out);
}

void node_impl::forward_commit(mono_ns now, effects& out) noexcept {
    const node_id to = commit_.members[commit_.memb_index].id;
    if (!out.sends_full()) {
        out.push_send(send{.kind = send_kind::commit_token, .to = to, .ring = commit_ring_,
                           .commit = &commit_});
    }
    // Resent until the next member shows it has it; the loss deadline is set once per pass by
    // the callers, so resending does not postpone giving up on a commit that cannot complete.
    retransmit_deadline_ = now + cfg_.token_retransmit_ns;
}

namespace {
// What every honest commit token is: at least two members in ring order (sorted node ids), the
// first of them the representative that names the new ring, addressed to one of them.
bool well_formed(const wire::header& hdr, const wire::commit_token& c) noexcept {
    const std::size_t n = c.members.size();
    if (n < 2 || c.memb_index >= n || hdr.ring.rep != c.members[0].id) {
        return false;
    }
    for (std::size_t i = 1; i < n; ++i) {
        if (c.members[i - 1].id >= c.members[i].id) {
            return false;
        }
    }
    return true;
}
} // namespace

bool node_impl::agreed_formation(const wire::header& hdr, const wire::commit_token& c) const noexcept {
    // Only the member set we agreed on, and only a ring newer than ours.
    const node_set live = live_set();
    if (live.size() != c.members.size() || hdr.ring.seq <= ring_.seq) {
        return false;
    }
    for (std::size_t i = 0; i < live.size(); ++i) {
        if (live[i] != c.members[i].id) {
            return false;
        }
    }
    return true;
}

void node_impl::on_commit(mono_ns now, const wire::header& hdr, const wire::commit_token& c,
                          effects& out) noexcept {
    if (!well_formed(hdr, c)) {
        ++stats_.implausible;
        return;
    }
    if (c.members[c.memb_index].id != cfg_.self || hdr.sender == cfg_.self) {
        ++stats_.token_misrouted; // a hop between two other members (flooded or replayed)
        return;
    }
    const std::size_t n = c.members.size();
    const bool raised = raise_ring_seq(hdr.ring.seq);

    if (state_ == node_state::gather) {
        // First pass: this node enters the formation it agreed on.
        if (!agreed_formation(hdr, c)) {
            ignored(stats_.control_stale, raised); // another round's, or an old ring's
            return;
        }
        // A formation is entered once. In gather we have left the last one we entered
        // (commit_ring_) on a token loss or a join, and an entry of ours already filled in says
        // we took part in an older one; either way it is abandoned. Its other members resend
        // their last copy every token_retransmit until their own loss timeout, so copies keep
        // arriving: taken as a first pass, they pulled every node (the representative too) back
        // into the same formation, each stuck behind a neighbour that had moved on, and no new
        // round could start (seed 888005784: 16 nodes re-entered ring 1.12 about 60 times each
        // over 1.2 s). corosync gets the same by adopting the commit token's ring id on entering
        // commit: a later copy is not newer than its own ring.
        const auto mine = std::find_if(c.members.begin(), c.members.end(),
                                       [this](const wire::commit_member& m) { return m.id == cfg_.self; });
        if (hdr.ring == commit_ring_ || (mine != c.members.end() && mine->old_ring != ring_id{})) {
            ignored(stats_.control_stale, raised);
            return;
        }
        out.push_event({event_kind::ring_seq_persist, node_id_none, hdr.ring.seq});
        state_ = node_state::commit;
        commit_ring_ = hdr.ring;
        commit_ = c;
        last_commit_token_seq_ = c.token_seq;
        commit_pass1_done_ = false;
        join_deadline_ = consensus_deadline_ = mono_ns_never;
        fill_commit_entry();
        commit_.token_seq = c.token_seq + 1;
        commit_.memb_index = static_cast<std::uint16_t>((c.memb_index + 1) % n);
        loss_deadline_ = now + cfg_.token_timeout_ns;
        forward_commit(now, out);
        return;
    }

    const bool rep = c.members[0].id == cfg_.self;
    const bool completes = state_ == node_state::recovery && rep && !token_started_ && hdr.ring == ring_;
    if (hdr.ring != commit_ring_ || c.token_seq <= last_commit_token_seq_ ||
        (state_ != node_state::commit && !completes)) {
        // Another formation, a retransmitted copy, or one with nothing left to do: every pass
        // this node takes part in is behind it (operational, or in recovery once it forwarded).
        ignored(stats_.control_stale, raised);
        return;
    }
    last_commit_token_seq_ = c.token_seq;
    commit_ = c;
    commit_.token_seq = c.token_seq + 1;
    commit_.memb_index = static_cast<std::uint16_t>((c.memb_index + 1) % n);

    if (state_ == node_state::commit) {
        if (rep && !commit_pass1_done_) {
            // First pass complete: every entry is filled in. Start the second.
            commit_pass1_done_ = true;
        }
        enter_recovery(now, out);
        if (!rep || members_.size() > 1) {
            forward_commit(now, out);
        }
        return;
    }
    // Second pass complete: start the new ring's token.
    retransmit_deadline_ = mono_ns_never;
    token_ = wire::token{};
    token_started_ = true;
    holding_token_ = true;
    visit(now, out);
}

} // namespace ringcast::totem
