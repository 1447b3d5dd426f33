#pragma once
// Internal state of totem::node. Not part of the public interface: drivers and tests use node.hpp.
//
// Totem SRP (Amir et al., ACM TOCS 13(4) 1995), operational state on one ring. Deviations from the
// paper and from corosync are noted where they happen:
//  - the receive window is a fixed ring of slots indexed by seq (no allocation per message);
//  - packing/fragmentation is part of the core (corosync keeps it in totempg above totemsrp);
//  - safe delivery is implemented (corosync never did).

#include <cstdint>
#include <span>
#include <vector>

#include "lib/common/static_vec.hpp"
#include "lib/totem/config.hpp"
#include "lib/totem/effects.hpp"
#include "lib/totem/node.hpp"
#include "lib/totem/stats.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::totem {

/** One received (or originated) frame in the receive window. */
struct window_slot {
    seq_t seq = 0; ///< 0 = empty
    payload_ref ref = payload_ref_none;
    std::span<const std::byte> payload;
    wire::mcast fields;
};

/** A queued application submission, copied into frames at token visits. */
struct submission {
    payload_ref ref = payload_ref_none;
    std::span<const std::byte> data;
    std::uint32_t copied = 0; ///< bytes already packed into frames (fragmentation)
    wire::service svc = wire::service::agreed;
};

/** A fragmented message being put back together, per origin. Segments point into held frames. */
struct reassembly {
    bool active = false;
    seq_t first_seq = 0; ///< frame holding the first fragment: frames from here on are pinned
    std::uint32_t len = 0;
    wire::service svc = wire::service::agreed;
    std::vector<segment> segs; ///< capacity reserved at start; never grows past it
};

class node_impl {
public:
    node_impl(const config& cfg, payload_ops ops);

    void start(mono_ns now, effects& out) noexcept;
    void on_frame(mono_ns now, const wire::header& hdr, const wire::frame_body& body,
                  payload_ref ref, effects& out) noexcept;
    void on_tick(mono_ns now, effects& out) noexcept;
    submit_result submit(mono_ns now, wire::service svc, payload_ref ref,
                         std::span<const std::byte> data, effects& out) noexcept;
    [[nodiscard]] mono_ns next_deadline() const noexcept;
    void check_invariants() const noexcept;

    // queries (node facade)
    config cfg_;
    std::vector<node_id> member_storage_;
    node_stats stats_;
    node_state state_ = node_state::operational;
    ring_id ring_;
    std::uint32_t faults_ = 0;

    [[nodiscard]] std::uint32_t send_queue_depth() const noexcept { return queue_count_; }

private:
    // ---- srp_token.cpp ----
    void on_token(mono_ns now, const wire::header& hdr, const wire::token& tok, effects& out) noexcept;
    void visit(mono_ns now, effects& out) noexcept;
    void originate_and_pass(mono_ns now, effects& out) noexcept;
    void pass_token(mono_ns now, effects& out) noexcept;
    std::uint32_t answer_retransmissions(std::uint32_t allowance, effects& out) noexcept;
    void request_gaps() noexcept;
    [[nodiscard]] std::uint32_t allowance() const noexcept;
    void apply_aru_rule() noexcept;
    void on_token_hold_cancel(mono_ns now, effects& out) noexcept;
    void release_hold(mono_ns now, effects& out, bool woken_by_data) noexcept;
    void send_token_hold_cancel(effects& out) noexcept;
    [[nodiscard]] bool is_rep() const noexcept { return cfg_.self == ring_.rep; }

    // ---- srp_order.cpp ----
    void on_mcast(mono_ns now, const wire::header& hdr, const wire::mcast_view& mv,
                  payload_ref ref, effects& out) noexcept;
    void store(const wire::mcast& fields, std::span<const std::byte> payload, payload_ref ref) noexcept;
    void deliver_ready(effects& out) noexcept;
    /** Delivers the chunks of one frame from deliver_offset_; false when the batch is full. */
    bool deliver_frame(const window_slot& slot, effects& out) noexcept;
    void free_stable(effects& out) noexcept;
    [[nodiscard]] window_slot& slot(seq_t s) noexcept { return window_[s & window_mask_]; }
    [[nodiscard]] const window_slot& slot(seq_t s) const noexcept { return window_[s & window_mask_]; }
    [[nodiscard]] bool have(seq_t s) const noexcept { return slot(s).seq == s; }
    [[nodiscard]] int member_index(node_id id) const noexcept;

    // ---- pack.cpp ----
    /** Packs queued submissions into one new frame; false when nothing to send or no buffer. */
    bool pack_frame(window_slot& out_frame, effects& out) noexcept;
    void pop_submission(effects& out) noexcept;
    [[nodiscard]] std::uint32_t backlog_frames() const noexcept;

    payload_ops ops_;
    std::span<const node_id> members_;
    int my_index_ = 0;
    node_id next_ = node_id_none;
    std::uint32_t payload_max_ = 0;

    // receive window: frames (stable_, stable_ + capacity]
    std::vector<window_slot> window_;
    seq_t window_mask_ = 0;
    seq_t stable_ = 0;           ///< frames up to here are freed (every member had them)
    seq_t my_aru_ = 0;           ///< all frames up to here received
    seq_t high_seq_seen_ = 0;    ///< highest seq received or announced by a token
    seq_t my_high_delivered_ = 0; ///< frames up to here fully delivered
    std::uint32_t deliver_offset_ = 0; ///< next chunk offset in frame my_high_delivered_ + 1
    bool delivery_paused_ = false;
    seq_t safe_point_ = 0;       ///< every member has every frame up to here

    // token
    wire::token token_;          ///< the token being processed, then the one last passed
    bool holding_token_ = false;
    bool token_held_idle_ = false; ///< holding because the ring is idle (representative)
    std::uint64_t last_token_seq_ = 0;
    seq_t aru_prev_visit_ = 0;   ///< token aru received at the previous visit
    seq_t seq_prev_visit_ = 0;   ///< token seq at the previous visit (gap age)
    std::uint32_t my_last_fcc_ = 0;
    std::uint32_t my_last_backlog_ = 0;
    std::uint32_t idle_visits_ = 0;
    std::uint32_t aru_stuck_visits_ = 0;
    seq_t aru_stuck_value_ = 0;
    bool saw_idle_token_ = false;
    bool seq_unchanged_ = false;
    mono_ns retransmit_deadline_ = mono_ns_never;
    mono_ns loss_deadline_ = mono_ns_never;
    mono_ns hold_deadline_ = mono_ns_never;

    // send queue (ring buffer)
    std::vector<submission> queue_;
    std::uint32_t queue_head_ = 0;
    std::uint32_t queue_count_ = 0;
    std::uint64_t queued_bytes_ = 0;

    // reassembly, indexed like members_
    std::vector<reassembly> reasm_;
    std::uint32_t max_fragments_ = 0;

    // fault switches fire once
    bool fault_fired_ = false;
};

} // namespace ringcast::totem
