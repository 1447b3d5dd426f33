#pragma once
// Internal state of totem::node. Not part of the public interface: drivers and tests use node.hpp.
//
// Totem SRP (Amir et al., ACM TOCS 13(4) 1995): ordering on a ring (srp_*.cpp) and the membership
// protocol with recovery (memb_*.cpp). Deviations from the paper and from corosync are noted where
// they happen; the main ones:
//  - fixed windows indexed by seq (no allocation per message);
//  - packing/fragmentation inside the core (corosync keeps it in totempg above totemsrp);
//  - safe delivery is implemented (corosync never did);
//  - a sender restarts a message it was fragmenting when the ring changes, and receivers drop
//    partial messages at the end of the old ring, so a message is never split across configurations.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "lib/common/static_vec.hpp"
#include "lib/totem/config.hpp"
#include "lib/totem/effects.hpp"
#include "lib/totem/node.hpp"
#include "lib/totem/ring_window.hpp"
#include "lib/totem/stats.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::totem {

using node_set = static_vec<node_id, wire::max_nodes>;

/** A queued application submission, copied into frames at token visits. */
struct submission {
    payload_ref ref = payload_ref_none;
    std::span<const std::byte> data;
    std::uint32_t copied = 0; ///< bytes already packed into frames (fragmentation)
    wire::service svc = wire::service::agreed;
};

/** A fragmented message being put back together. Segments point into held frames. */
struct reassembly {
    node_id origin = node_id_none;
    bool active = false;
    seq_t first_seq = 0; ///< frame holding the first fragment: frames from here on are pinned
    std::uint32_t len = 0;
    wire::service svc = wire::service::agreed;
    std::vector<segment> segs; ///< capacity reserved at start; never grows past it
    /** Frames of the chain that became stable before the message completed: the window slot is
     *  reused, the buffer is released when the message is delivered or dropped. */
    std::vector<payload_ref> owned;
};

/** The last join heard from one node. */
struct join_record {
    bool valid = false;
    mono_ns heard = 0;         ///< when its last join arrived
    std::uint64_t seen_seq = 0; ///< highest ring seq its joins named
    std::uint64_t fail_seq = 0; ///< seen_seq when our own timeout failed it
    bool failed_by_us = false;  ///< failed by our timeout this round (not on a member's report)
    node_id reporter = node_id_none; ///< whose report failed it this round, when not ours
    node_set proc;
    node_set failed;
};

/** Where the delivery of an old ring stands after installing a new one (EVS order). */
enum class old_phase : std::uint8_t {
    none,         ///< nothing pending
    regular,      ///< (1) old-ring messages deliverable in the old regular configuration
    transitional, ///< (2) deliver the transitional configuration
    remaining,    ///< (3) remaining old-ring messages, in the transitional configuration
    new_regular,  ///< (4) deliver the new regular configuration
};

class node_impl {
public:
    node_impl(const config& cfg, payload_ops ops);

    void start(mono_ns now, effects& out) noexcept;
    void on_frame(mono_ns now, const wire::header& hdr, const wire::frame_body& body,
                  payload_ref ref, effects& out) noexcept;
    void on_tick(mono_ns now, effects& out) noexcept;
    void leave(mono_ns now, effects& out) noexcept;
    submit_result submit(mono_ns now, wire::service svc, payload_ref ref,
                         std::span<const std::byte> data, effects& out) noexcept;
    [[nodiscard]] mono_ns next_deadline() const noexcept;
    void check_invariants() const noexcept;

    config cfg_;
    std::vector<node_id> allowed_; ///< configured node ids, sorted
    node_set members_;             ///< current ring (or the ring being formed), sorted
    node_stats stats_;
    node_state state_ = node_state::gather;
    ring_id ring_;
    std::uint32_t faults_ = 0;

    [[nodiscard]] std::uint32_t send_queue_depth() const noexcept { return queue_count_; }

private:
    // ---- srp_token.cpp ----
    void on_token(mono_ns now, const wire::header& hdr, const wire::token& tok, effects& out) noexcept;
    void visit(mono_ns now, effects& out) noexcept;
    void originate_and_pass(mono_ns now, effects& out, bool may_hold) noexcept;
    void pass_token(mono_ns now, effects& out) noexcept;
    std::uint32_t answer_retransmissions(std::uint32_t budget, effects& out) noexcept;
    void request_gaps() noexcept;
    [[nodiscard]] std::uint32_t allowance() const noexcept;
    void apply_aru_rule() noexcept;
    void release_hold(mono_ns now, effects& out, bool woken_by_data) noexcept;
    void on_hold_cancel(mono_ns now, const wire::header& hdr, effects& out) noexcept;
    void send_token_hold_cancel(effects& out) noexcept;
    void token_timers(mono_ns now, effects& out) noexcept;
    [[nodiscard]] bool is_rep() const noexcept { return cfg_.self == ring_.rep; }

    // ---- srp_order.cpp ----
    void on_mcast(mono_ns now, const wire::header& hdr, const wire::mcast_view& mv,
                  payload_ref ref, effects& out) noexcept;
    void deliver_ready(effects& out) noexcept;
    /** Delivers the chunks of one frame from w.deliver_offset; false when the batch is full. */
    bool deliver_frame(ring_window& win, const window_slot& slot, effects& out) noexcept;
    void free_stable(effects& out) noexcept;
    void release_or_hand_over(const window_slot& w, effects& out) noexcept;
    [[nodiscard]] reassembly& reassembly_for(node_id origin) noexcept;
    void drop_partial_messages(effects& out) noexcept;
    void end_chain(reassembly& r, effects& out) noexcept;

    // ---- pack.cpp ----
    /** Packs queued submissions into one new frame; false when nothing to send or no buffer. */
    bool pack_frame(window_slot& out_frame, effects& out) noexcept;
    /** Re-multicasts one old-ring frame on the new ring (recovery); false when no buffer. */
    bool pack_recovery_frame(const window_slot& old, window_slot& out_frame) noexcept;
    void pop_submission(effects& out) noexcept;
    void restart_partial_submission() noexcept;
    [[nodiscard]] std::uint32_t backlog_frames() const noexcept;

    // ---- memb_gather.cpp ----
    void enter_gather(mono_ns now, effects& out) noexcept;
    bool fail_by_timeout(node_id id) noexcept;
    void remember_exclusions(mono_ns now) noexcept;
    [[nodiscard]] node_id recovery_sender(seq_t s) const noexcept;
    [[nodiscard]] bool brings_news(const wire::join& j) const noexcept;
    [[nodiscard]] bool ignored_stranger(mono_ns now, node_id from, bool join) const noexcept;
    void on_join(mono_ns now, const wire::header& hdr, const wire::join& j, effects& out) noexcept;
    /** Records or withdraws a node's refusal of us; true when that changed. */
    bool note_refusal(node_id from, bool lists_us_failed) noexcept;
    void on_merge_detect(mono_ns now, const wire::header& hdr, effects& out) noexcept;
    void send_join(mono_ns now, effects& out) noexcept;
    void check_consensus(mono_ns now, effects& out) noexcept;
    void consensus_timeout(mono_ns now, effects& out) noexcept;
    [[nodiscard]] node_set live_set() const noexcept;
    [[nodiscard]] bool allowed(node_id id) const noexcept;

    // ---- memb_commit.cpp ----
    void create_commit_token(mono_ns now, effects& out) noexcept;
    [[nodiscard]] bool agreed_formation(const wire::header& hdr, const wire::commit_token& c) const noexcept;
    void on_commit(mono_ns now, const wire::header& hdr, const wire::commit_token& c, effects& out) noexcept;
    void forward_commit(mono_ns now, effects& out) noexcept;
    void fill_commit_entry() noexcept;

    // ---- memb_recovery.cpp ----
    void enter_recovery(mono_ns now, effects& out) noexcept;
    void on_encapsulated(const wire::mcast_view& mv, payload_ref ref) noexcept;
    void recovery_visit() noexcept;
    void maybe_install(mono_ns now, effects& out) noexcept;
    void install(mono_ns now, effects& out) noexcept;
    /** Delivers what is pending of the old ring; false when the batch filled up. */
    bool deliver_old(effects& out) noexcept;
    void abandon_recovery(effects& out) noexcept;

    [[nodiscard]] int index_in(const node_set& set, node_id id) const noexcept;
    void set_ring(ring_id r, const node_set& members) noexcept;
    /** Ring seqs only grow: notes one seen in a frame; true when it is the highest yet. */
    bool raise_ring_seq(std::uint64_t seq) noexcept;
    /** A control frame that changed nothing is counted as dropped; one whose bookkeeping (the
     *  ring seq mark, a refusal) changed state was acted on, and the driver counts it processed. */
    static void ignored(std::uint64_t& counter, bool acted) noexcept {
        if (!acted) {
            ++counter;
        }
    }

    payload_ops ops_;
    int my_index_ = 0;
    node_id next_ = node_id_none;
    std::uint32_t payload_max_ = 0;

    ring_window win_;  ///< current ring
    ring_window old_;  ///< previous ring, during recovery and until its delivery completes
    bool delivery_paused_ = false;
    seq_t safe_point_ = 0; ///< every member has every frame up to here

    // ---- token ----
    wire::token token_; ///< the token being processed, then the one last passed
    bool holding_token_ = false;
    bool token_held_idle_ = false;
    std::uint64_t last_token_seq_ = 0;
    seq_t aru_prev_visit_ = 0;
    seq_t seq_prev_visit_ = 0;
    bool seq_unchanged_ = false;
    std::uint32_t my_last_fcc_ = 0;
    std::uint32_t my_last_backlog_ = 0;
    std::uint32_t idle_visits_ = 0;
    std::uint32_t aru_stuck_visits_ = 0;
    seq_t aru_stuck_value_ = 0;
    /** A hold cancel went out since our last token visit (one per idle stretch is enough). */
    bool hold_cancel_sent_ = false;
    mono_ns retransmit_deadline_ = mono_ns_never;
    mono_ns loss_deadline_ = mono_ns_never;
    mono_ns hold_deadline_ = mono_ns_never;
    mono_ns merge_deadline_ = mono_ns_never;

    // ---- send queue (ring buffer) ----
    std::vector<submission> queue_;
    std::uint32_t queue_head_ = 0;
    std::uint32_t queue_count_ = 0;
    std::uint64_t queued_bytes_ = 0;

    // ---- reassembly, one per origin seen ----
    std::array<reassembly, wire::max_nodes> reasm_;
    std::uint32_t max_fragments_ = 0;

    // ---- membership ----
    node_set proc_;
    node_set failed_;
    // What the formation of the current ring left out, kept while it lasts (one-way links):
    node_set excluded_;            ///< the agreed failed set
    node_set excluded_first_hand_; ///< of those, the ones we did not hear ourselves
    node_set excluded_refusing_;   ///< of those, the ones that had refused us
    node_set refused_me_; ///< nodes whose last join listed us as failed (any round, any state)
    mono_ns exclusion_hold_ = 0;           ///< current hold (doubles while the same set repeats)
    mono_ns exclusion_until_ = 0;          ///< the exclusion rules apply until then
    std::array<join_record, wire::max_nodes> joins_; ///< indexed like allowed_
    bool consensus_ = false;
    wire::join join_out_; ///< the last join sent (sends point here)
    mono_ns gather_entered_ = 0;
    mono_ns join_deadline_ = mono_ns_never;
    mono_ns consensus_deadline_ = mono_ns_never;
    std::uint64_t max_ring_seq_ = 0; ///< highest ring seq seen or used: new rings go above it
    wire::commit_token commit_;
    ring_id commit_ring_;
    std::uint64_t last_commit_token_seq_ = 0;
    bool commit_pass1_done_ = false;

    // ---- recovery ----
    ring_id old_ring_;
    node_set old_members_;
    node_set trans_members_;
    node_set new_members_joined_;
    std::vector<seq_t> recovery_queue_; ///< old-ring seqs to re-multicast (capacity = window)
    std::size_t recovery_next_ = 0;
    bool my_set_retrans_ = false;
    std::uint8_t my_last_recovering_ = 0; ///< our share of token.recovering at the last visit
    std::uint32_t retrans_zero_visits_ = 0;
    seq_t install_seq_ = 0;
    bool install_armed_ = false;
    seq_t max_high_delivered_ = 0;
    bool token_started_ = false;

    // ---- old-ring delivery after install ----
    old_phase phase_ = old_phase::none;
    seq_t stop_seq_ = 0;   ///< (1) ends here
    seq_t first_hole_ = 0; ///< first seq nobody in the transitional configuration has
    configuration trans_conf_;
    configuration reg_conf_;

    bool fault_fired_ = false;
};

} // namespace ringcast::totem
