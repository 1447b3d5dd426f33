// Totem membership §6 (gather): joins carrying (proc set, failed set), consensus when every live
// node of the proc set sent the same pair, failing silent nodes after the consensus timeout.
//
// Deviations, each for a liveness failure the simulator found (docs/design.md, "Membership"):
// a node starts gathering with only itself in the proc set (corosync too) and gathers at least
// join_ns before forming; the consensus period restarts on every change of our sets; silent nodes
// are failed before disagreeing ones; a node that lists us as failed is failed in turn (corosync's
// rule); strangers' failure reports count for nodes we cannot hear either; a node we failed is heard
// again once it has formed a ring since; and after a formation that left nodes out, the exclusion
// rules keep a one-way link from re-forming the ring every merge period.

#include <algorithm>

#include "lib/common/assert.hpp"
#include "lib/totem/node_impl.hpp"

namespace ringcast::totem {

namespace {
bool add_sorted(node_set& set, node_id id) noexcept {
    auto it = std::lower_bound(set.begin(), set.end(), id);
    if (it != set.end() && *it == id) {
        return false;
    }
    if (set.full()) {
        return false;
    }
    set.push(id);
    std::sort(set.begin(), set.end());
    return true;
}
} // namespace

node_set node_impl::live_set() const noexcept {
    node_set live;
    for (node_id id : proc_) {
        if (!std::binary_search(failed_.begin(), failed_.end(), id)) {
            live.push(id);
        }
    }
    return live;
}

void node_impl::enter_gather(mono_ns now, effects& out) noexcept {
    const bool was_gathering = state_ == node_state::gather;
    if (state_ == node_state::recovery) {
        abandon_recovery(out);
    }
    state_ = node_state::gather;
    consensus_ = false;
    if (!was_gathering) {
        proc_ = members_;
        add_sorted(proc_, cfg_.self);
        failed_.clear();
        for (auto& j : joins_) {
            j.valid = false;
            j.failed_by_us = false;
            j.reporter = node_id_none;
        }
        gather_entered_ = now;
        consensus_deadline_ = now + cfg_.consensus_ns;
    }
    holding_token_ = false;
    token_held_idle_ = false;
    retransmit_deadline_ = loss_deadline_ = hold_deadline_ = merge_deadline_ = mono_ns_never;
    send_join(now, out);
}

void node_impl::send_join(mono_ns now, effects& out) noexcept {
    join_deadline_ = now + cfg_.join_ns;
    if (out.sends_full()) {
        return;
    }
    join_out_.ring_seq = ring_.seq; // the ring we are on: lets receivers spot stale joins
    join_out_.proc = proc_;
    join_out_.failed = failed_;
    out.push_send(send{.kind = send_kind::join, .to = node_id_none, .ring = ring_, .join = &join_out_});
}

void node_impl::on_join(mono_ns now, const wire::header& hdr, const wire::join& j,
                        effects& out) noexcept {
    const node_id from = hdr.sender;
    const bool lists_us_failed =
        std::find(j.failed.begin(), j.failed.end(), cfg_.self) != j.failed.end();
    // Noted from every join, whatever becomes of it; one that changed either was acted on.
    bool acted = raise_ring_seq(j.ring_seq);
    acted = note_refusal(from, lists_us_failed) || acted;
    switch (state_) {
    case node_state::operational:
        // A stranger that failed us this round forms without us whatever we do: gathering now
        // would only break our ring and put it out of step with the other's round. The two rings
        // merge afterwards, both operational, on a merge detect.
        if (index_in(members_, from) < 0 && (lists_us_failed || ignored_stranger(now, from, true))) {
            ignored(stats_.control_stale, acted);
            return;
        }
        [[fallthrough]];
    case node_state::recovery:
    case node_state::commit: {
        // A join sent before the ring we are on (or are forming) existed is stale: its sender
        // has since agreed to that ring. Unless, while the ring forms, it tells us something the
        // agreed sets lack: then its sender never got the commit token and has moved on (a
        // one-way link on the commit token's path); waiting for the token timeout would only
        // let it form alone meanwhile.
        bool member = index_in(members_, from) >= 0;
        seq_t current = ring_.seq;
        if (state_ == node_state::commit) {
            member = false;
            for (const wire::commit_member& m : commit_.members) {
                member = member || m.id == from;
            }
            current = commit_ring_.seq;
        }
        if (member && j.ring_seq < current &&
            (state_ == node_state::operational || !brings_news(j))) {
            ignored(stats_.join_stale, acted);
            return;
        }
        // While a ring forms, only its own members can call the formation off (corosync's rule
        // too): an outsider's joins would abort every commit of a large cluster that has not yet
        // agreed, round after round. The outsider is merged once the new ring is operational.
        if (!member && state_ != node_state::operational) {
            ignored(stats_.control_stale, acted);
            return;
        }
        enter_gather(now, out);
        acted = true;
        break;
    }
    case node_state::gather:
    case node_state::left:
        break;
    }

    const auto idx = std::lower_bound(allowed_.begin(), allowed_.end(), from) - allowed_.begin();
    join_record& rec = joins_[static_cast<std::size_t>(idx)];
    const std::uint64_t prev_seen = rec.seen_seq;
    rec.seen_seq = std::max(rec.seen_seq, j.ring_seq);
    acted = acted || rec.seen_seq != prev_seen;
    bool changed = false;
    // A node we already failed this round is not heard again until the next round; unless we
    // failed it ourselves and it has formed a ring since and gathers again, open to us. Keeping
    // it out would leave the two rounds out of step for good: each side fails the other while
    // the other forms, and the cluster cycles through the same cliques.
    if (std::binary_search(failed_.begin(), failed_.end(), from)) {
        if (!rec.failed_by_us || j.ring_seq <= std::max(rec.fail_seq, prev_seen) ||
            lists_us_failed) {
            ignored(stats_.control_stale, acted);
            return;
        }
        failed_.erase_at(static_cast<std::size_t>(
            std::lower_bound(failed_.begin(), failed_.end(), from) - failed_.begin()));
        rec.failed_by_us = false;
        changed = true;
    }
    // A sender that lists us as failed cannot hear us (or judged so this round): it will form
    // without us, and our consensus timeout fails it in turn. Taking its verdict as ours instead
    // makes exclusions spread and outlive the round (every node ends up alone).
    if (lists_us_failed) {
        ignored(stats_.control_stale, acted);
        return;
    }
    for (node_id id : j.proc) {
        if (allowed(id)) {
            changed = add_sorted(proc_, id) || changed;
        }
    }
    changed = add_sorted(proc_, from) || changed;
    // Failure reports of members of our own ring are taken whole (corosync's rule). A stranger's
    // verdicts must not split a ring that can form, so from a stranger only those about nodes we
    // have not heard this round either: two cliques that each wait out their own timeout for the
    // same dead node stay out of step and fail each other, round after round.
    const bool same_ring = index_in(members_, from) >= 0;
    for (node_id id : j.failed) {
        if (id == cfg_.self || !allowed(id)) {
            continue;
        }
        const auto fidx = std::lower_bound(allowed_.begin(), allowed_.end(), id) - allowed_.begin();
        if ((same_ring || !joins_[static_cast<std::size_t>(fidx)].valid) &&
            add_sorted(failed_, id)) {
            joins_[static_cast<std::size_t>(fidx)].reporter = from;
            changed = true;
        }
    }

    rec.valid = true;
    rec.heard = now;
    rec.proc.clear();
    rec.failed.clear();
    for (node_id id : j.proc) {
        add_sorted(rec.proc, id);
    }
    for (node_id id : j.failed) {
        add_sorted(rec.failed, id);
    }
    if (changed) {
        // The consensus period counts from the last change of our sets (corosync re-enters gather
        // on every change): failing whoever disagrees a fixed time after entering gather fails
        // nodes that merely learnt of a failure later than we did, and every node of a large
        // cluster ends up in a clique of its own. Proc and failed only grow within a round, so
        // this postpones the timeout at most 2 x N times.
        consensus_deadline_ = now + cfg_.consensus_ns;
        send_join(now, out);
    }
    check_consensus(now, out);
}

bool node_impl::note_refusal(node_id from, bool lists_us_failed) noexcept {
    // Kept whatever state we are in (a refusal often arrives while we still wait on a commit
    // token that will never come round); a later join that leaves us in withdraws it.
    if (lists_us_failed) {
        return add_sorted(refused_me_, from);
    }
    const auto it = std::lower_bound(refused_me_.begin(), refused_me_.end(), from);
    if (it == refused_me_.end() || *it != from) {
        return false;
    }
    refused_me_.erase_at(static_cast<std::size_t>(it - refused_me_.begin()));
    return true;
}

void node_impl::leave(mono_ns now, effects& out) noexcept {
    (void)now;
    state_ = node_state::left;
    retransmit_deadline_ = loss_deadline_ = hold_deadline_ = merge_deadline_ = mono_ns_never;
    join_deadline_ = consensus_deadline_ = mono_ns_never;
    delivery_paused_ = false;
    if (out.sends_full()) {
        return;
    }
    // corosync sends a join from node 0; naming ourselves failed says the same with a real id.
    join_out_.ring_seq = ring_.seq;
    join_out_.proc = members_;
    join_out_.failed.clear();
    join_out_.failed.push(cfg_.self);
    out.push_send(send{.kind = send_kind::join, .to = node_id_none, .ring = ring_, .join = &join_out_});
}

// One-way links. Without these rules a one-way link re-forms the ring every merge period for as
// long as it lasts. A node whose joins listed us as failed cannot hear us (or will not have us):
// its ring's merge detects are no invitation; a join of its that leaves us in is (a round is on).
// A node our ring left out on another member's word is that member's to let back in: only a node
// that failed it for silence knows when it hears it again; it gathers then, and brings us along.
bool node_impl::brings_news(const wire::join& j) const noexcept {
    const auto subset = [](const auto& part, const node_set& whole) {
        return std::all_of(part.begin(), part.end(), [&whole](node_id id) {
            return std::binary_search(whole.begin(), whole.end(), id);
        });
    };
    // Within a round proc and failed only grow, so a late copy of an earlier join is a subset.
    return !subset(j.proc, proc_) || !subset(j.failed, failed_);
}

bool node_impl::ignored_stranger(mono_ns now, node_id from, bool join) const noexcept {
    if (now >= exclusion_until_) {
        return false; // hold over: probe (a refusal may be stale, e.g. after a loss burst)
    }
    const auto in = [from](const node_set& set) {
        return std::binary_search(set.begin(), set.end(), from);
    };
    const bool excluded_by_others = in(excluded_) && !in(excluded_first_hand_);
    if (join) {
        return excluded_by_others && !in(excluded_refusing_);
    }
    return in(refused_me_) || excluded_by_others;
}

void node_impl::remember_exclusions(mono_ns now) noexcept {
    if (!failed_.empty()) {
        // Formations within a hold keep it; one soon after it ran out (a probe that left nodes
        // out again) doubles it; one long after starts over.
        if (exclusion_hold_ == 0 || now >= exclusion_until_ + exclusion_hold_) {
            exclusion_hold_ = cfg_.exclusion_hold_ns;
        } else if (now >= exclusion_until_) {
            exclusion_hold_ = std::min(2 * exclusion_hold_, cfg_.exclusion_hold_max_ns);
        }
        exclusion_until_ = now + exclusion_hold_;
    }
    excluded_ = failed_;
    excluded_first_hand_.clear();
    excluded_refusing_.clear();
    for (node_id id : failed_) { // sorted, so the subsets are too
        const auto idx = std::lower_bound(allowed_.begin(), allowed_.end(), id) - allowed_.begin();
        if (std::binary_search(refused_me_.begin(), refused_me_.end(), id)) {
            excluded_refusing_.push(id);
        } else if (const join_record& rec = joins_[static_cast<std::size_t>(idx)];
                   rec.failed_by_us || index_in(members_, rec.reporter) < 0) {
            // Ours to let back in: we failed it, or whoever reported it is not on our ring
            // (a node that left and restarts, a reporter now gone).
            excluded_first_hand_.push(id);
        }
    }
}

void node_impl::on_merge_detect(mono_ns now, const wire::header& hdr, effects& out) noexcept {
    if (state_ != node_state::operational || hdr.ring == ring_ ||
        index_in(members_, hdr.sender) >= 0 || ignored_stranger(now, hdr.sender, false)) {
        // Our own ring's (every member hears its representative's), a member's from a ring it
        // has left, another ring's while ours forms (the next one after it merges them), or one
        // the exclusion rules keep out.
        ++stats_.control_stale;
        return;
    }
    // Another ring's representative is reachable: gather with it.
    enter_gather(now, out);
    add_sorted(proc_, hdr.sender);
    send_join(now, out);
}

void node_impl::check_consensus(mono_ns now, effects& out) noexcept {
    if (state_ != node_state::gather) {
        return;
    }
    const node_set live = live_set();
    for (node_id id : live) {
        if (id == cfg_.self) {
            continue;
        }
        const auto idx = std::lower_bound(allowed_.begin(), allowed_.end(), id) - allowed_.begin();
        const join_record& rec = joins_[static_cast<std::size_t>(idx)];
        if (!rec.valid || !(rec.proc == proc_) || !(rec.failed == failed_)) {
            consensus_ = false;
            return;
        }
    }
    if (!consensus_) {
        // Agreement reached: the commit token gets a whole consensus period to come round.
        consensus_deadline_ = now + cfg_.consensus_ns;
    }
    consensus_ = true;
    if (live[0] == cfg_.self && now >= gather_entered_ + cfg_.join_ns) {
        create_commit_token(now, out);
    }
}

bool node_impl::fail_by_timeout(node_id id) noexcept {
    if (!add_sorted(failed_, id)) {
        return false;
    }
    const auto idx = std::lower_bound(allowed_.begin(), allowed_.end(), id) - allowed_.begin();
    join_record& rec = joins_[static_cast<std::size_t>(idx)];
    rec.failed_by_us = true;
    rec.fail_seq = rec.seen_seq;
    return true;
}

void node_impl::consensus_timeout(mono_ns now, effects& out) noexcept {
    const node_set live = live_set();
    // Judge everyone against the sets as they were, not as this loop changes them.
    const node_set proc = proc_;
    const node_set failed = failed_;
    bool changed = false;
    // First the silent: no join from them for a whole period. Only when nobody is silent are the
    // ones that still disagree failed. Failing both at once splits a large cluster into cliques
    // for good: nodes entered gather at different times, so when the first times out the others
    // have not yet failed the dead node it fails, they disagree, and each clique fails the rest.
    for (node_id id : live) {
        if (id == cfg_.self) {
            continue;
        }
        const auto idx = std::lower_bound(allowed_.begin(), allowed_.end(), id) - allowed_.begin();
        const join_record& rec = joins_[static_cast<std::size_t>(idx)];
        if (!rec.valid || rec.heard + cfg_.consensus_ns <= now) {
            changed = fail_by_timeout(id) || changed;
        }
    }
    if (!changed) {
        for (node_id id : live) {
            if (id == cfg_.self) {
                continue;
            }
            const auto idx =
                std::lower_bound(allowed_.begin(), allowed_.end(), id) - allowed_.begin();
            const join_record& rec = joins_[static_cast<std::size_t>(idx)];
            // Disagreeing for a whole period; and when all agreed but no commit token came
            // within a period, the would-be representative is the one that failed.
            if (!(rec.proc == proc) || !(rec.failed == failed) || (consensus_ && id == live[0])) {
                changed = fail_by_timeout(id) || changed;
            }
        }
    }
    consensus_deadline_ = now + cfg_.consensus_ns;
    if (changed) {
        send_join(now, out);
    }
    check_consensus(now, out);
}

} // namespace ringcast::totem
