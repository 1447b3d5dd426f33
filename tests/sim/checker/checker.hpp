#pragma once
// An independent judge of a Totem run. It sees only what an application and the wire would show
// (submissions, which originated frame carries which messages, frame receipts, deliveries,
// configuration changes, crashes) and nothing of the core's internals.
//
// Online checks (judged as each event arrives): no duplicate delivery, no created or corrupted
// message, service as submitted, per-sender FIFO without gaps, nothing delivered before a frame
// carried it, and the safe rule (EVS (5): a safe message delivered in a regular configuration is
// delivered only after every member of it received every frame carrying it).
// Extended virtual synchrony (checker_evs.cpp), judged online as configurations and deliveries
// arrive: (1) a message ordered on ring R is delivered in R's regular configuration (the same one
// everywhere), or in the transitional configuration that follows it at the delivering node;
// (2) two nodes that install a configuration C and then the same
// next configuration delivered exactly the same set of messages in C; (3) nodes that install two
// configurations install them in the same order (with (1), messages keep their place relative
// to configuration changes); (6) every node that installs a regular configuration of ring R sees
// the same members, is one of them, and a node's ring seqs only grow (across restarts too); a
// transitional configuration is followed by the regular one of the same ring, its members a
// subset.
// Whole-history checks (finish()): total order between every pair of nodes, convergence of the
// membership, self delivery, completeness and liveness.
//
// Membership: completeness and liveness are judged against the final ring. Every live node must
// end in the same regular configuration, holding every live node. A node that is up at the end
// must have delivered every message its current incarnation accepted (self delivery, (4)); a
// message its origin delivered in that final configuration must be delivered by every member.
// What members of earlier configurations owe each other is (2)'s business. A cluster that never
// changes configuration stays in configuration 0, the initial ring of all nodes.
//
// Data model: every delivery is tagged with the configuration it happened in (configuration 0
// is the initial ring of every node); configurations delivered at different nodes that have the
// same kind, ring id and members share one identity (`view`).
//
// Violations are returned as readable strings (the first few) plus a count per kind; nothing
// asserts. Not MT-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lib/common/types.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::check {

enum class violation_kind : std::uint8_t {
    duplicate,    ///< a node delivered a message twice
    created,      ///< a delivered message that no node submitted
    content,      ///< bytes differ from the submission, or delivery metadata names the wrong frame
    service,      ///< delivered with another service than submitted
    fifo,         ///< a sender's messages out of order, or one skipped, at one node
    order,        ///< two nodes disagree on the relative order of two messages, or a message was
                  ///< delivered before any frame carried it
    completeness, ///< fault-free run: a member never delivered an accepted message
    safe,         ///< a safe message delivered before every member had all its frames
    liveness,     ///< not delivered within the bound after the links turned clean
    sim,          ///< the simulator reported a contract breach or packing error
    same_config,  ///< EVS (1): a message delivered in different configurations at two nodes
    virtual_synchrony, ///< EVS (2): same two configurations in a row, different messages in the
                       ///< first
    self_delivery,     ///< EVS (4): a node that stayed up never delivered its own message
    config_agreement,  ///< EVS (6): members of a regular configuration disagree on it, or a
                       ///< ring seq went backwards, or a malformed transitional configuration
    count_
};
[[nodiscard]] std::string_view to_string(violation_kind k) noexcept;

enum class config_kind : std::uint8_t { transitional, regular };

struct violation {
    violation_kind kind = violation_kind::sim;
    std::string text;
};

struct checker_options {
    /** Every node of the cluster; the initial configuration (number 0) has them all. */
    std::vector<node_id> nodes;
    /** Violation texts kept (all are counted). */
    std::size_t max_reported = 20;
};

struct finish_options {
    mono_ns end = 0; ///< end of the run
    /** Every accepted message of an origin that never crashed is delivered by its origin and,
     *  when the origin delivered it in the final configuration, by every member of it; and the
     *  live nodes end in one configuration that holds them all. */
    bool expect_complete = false;
    /** Links stopped losing frames at this time; mono_ns_never disables the liveness check. */
    mono_ns clean_since = mono_ns_never;
    /** A message is due (at the nodes completeness expects it at) by max(submitted,
     *  clean_since) + this bound. */
    mono_ns liveness_bound_ns = 0;
};

class checker {
public:
    explicit checker(checker_options opts);

    // ---- the history, in event order ----
    void on_submit(mono_ns t, node_id origin, std::uint64_t index, wire::service svc,
                   std::span<const std::byte> bytes);
    void on_frame_sent(mono_ns t, node_id origin, ring_id ring, seq_t seq, std::uint64_t first,
                       std::uint64_t last);
    void on_frame_received(mono_ns t, node_id node, ring_id ring, seq_t seq);
    /** `pieces` concatenated are the delivered bytes; ring/seq: the frame the node says holds
     *  the message's last byte. */
    void on_deliver(mono_ns t, node_id node, node_id origin, wire::service svc, ring_id ring,
                    seq_t seq, std::span<const std::span<const std::byte>> pieces);
    void on_config(mono_ns t, node_id node, config_kind kind, ring_id ring,
                   std::span<const node_id> members);
    /** An observer that starts watching `node` in the middle of a configuration (a client of a
     *  real daemon that connects late): the node is in it, but what it delivered there before is
     *  unknown, so (2) does not judge the step out of it. Everything else as on_config. */
    void on_attach(mono_ns t, node_id node, config_kind kind, ring_id ring,
                   std::span<const node_id> members);
    void on_crash(mono_ns t, node_id node);
    void on_restart(mono_ns t, node_id node);
    void on_sim_error(mono_ns t, node_id node, std::string_view what);

    /** Runs the whole-history checks. Call once, after the last event. */
    void finish(const finish_options& f);

    // ---- results ----
    [[nodiscard]] bool ok() const noexcept { return total_ == 0; }
    [[nodiscard]] std::size_t violation_count() const noexcept { return total_; }
    [[nodiscard]] std::size_t count(violation_kind k) const noexcept {
        return counts_[static_cast<std::size_t>(k)];
    }
    [[nodiscard]] const std::vector<violation>& violations() const noexcept { return reported_; }
    /** "ok" or "N violations (kinds...)" followed by the reported texts, one per line. */
    [[nodiscard]] std::string summary() const;

    [[nodiscard]] std::size_t messages() const noexcept { return messages_.size(); }
    /** Whether `node` delivered message #index of `origin` (for a harness's progress test). */
    [[nodiscard]] bool has_delivered(node_id node, node_id origin,
                                     std::uint64_t index) const noexcept;
    [[nodiscard]] std::uint64_t deliveries() const noexcept { return deliveries_; }

private:
    using msg_id = std::uint32_t;
    using frame_idx = std::uint32_t;
    static constexpr std::uint32_t none = ~std::uint32_t{0};

    struct message {
        node_id origin = node_id_none;
        std::uint32_t origin_slot = 0;
        std::uint64_t index = 0;
        wire::service svc = wire::service::agreed;
        std::uint32_t len = 0;
        std::uint64_t digest = 0;
        mono_ns submitted = 0;
        std::uint32_t first_frame = none; ///< ordinals in the origin's frame list
        std::uint32_t last_frame = none;
        msg_id next_same = none; ///< next message with identical (origin, len, bytes)
    };
    struct frame_rec {
        ring_id ring;
        seq_t seq = 0;
        std::uint32_t origin_slot = 0;
        std::uint32_t ordinal = 0; ///< position in the origin's frame list
        std::uint64_t first = 0;
        std::uint64_t last = 0;
        std::uint64_t received = 0; ///< bit per node slot
    };
    struct config_rec {
        std::uint32_t node_slot = none; ///< none: the shared initial configuration
        config_kind kind = config_kind::regular;
        ring_id ring;
        std::uint64_t members = 0; ///< bit per node slot
        mono_ns t = 0;
        std::uint32_t view = 0; ///< identity shared by equal configurations of several nodes
    };
    /** What one node delivered in one configuration (order-free set digest and count). */
    struct view_span {
        std::uint32_t view = none; ///< none: no configuration yet in this incarnation
        std::uint64_t set_digest = 0;
        std::uint32_t count = 0;
        std::uint32_t config = 0; ///< the node's config_rec
    };
    /** The first node seen going from one view to the next, and what it delivered in the first. */
    struct transition_rec {
        std::uint32_t node_slot = 0;
        std::uint64_t set_digest = 0;
        std::uint32_t count = 0;
    };
    struct delivery_rec {
        msg_id msg = 0;
        std::uint32_t config = 0;
        mono_ns t = 0;
    };
    struct node_rec {
        node_id id = node_id_none;
        std::vector<msg_id> by_index;   ///< as origin: its submissions by index
        std::vector<frame_idx> frames;  ///< as origin: its frames in send order
        std::vector<std::uint64_t> crash_marks; ///< as origin: submissions accepted at each crash
        std::vector<delivery_rec> log;  ///< as receiver: its deliveries in order
        std::vector<std::uint32_t> pos; ///< msg -> position in log + 1 (0: not delivered)
        std::vector<std::int64_t> fifo_last; ///< per origin slot: highest index delivered
        std::vector<std::uint32_t> fifo_config; ///< per origin slot: configuration of that delivery
        std::uint32_t config = 0;         ///< current configuration
        std::uint32_t last_regular = 0;   ///< latest regular configuration
        bool up = true;
        bool crashed = false;
        // ---- extended virtual synchrony ----
        view_span span;                   ///< the configuration being delivered in
        std::vector<std::uint32_t> views; ///< views installed, in order, every incarnation
        std::unordered_map<std::uint32_t, std::uint32_t> view_pos; ///< view -> index in views
        std::uint64_t ring_seq_max = 0;   ///< highest ring seq of a regular configuration
    };
    struct ring_frames {
        ring_id ring;
        std::vector<frame_idx> by_seq;
    };

    void report(violation_kind k, std::string text);
    [[nodiscard]] std::uint32_t slot_of(node_id id) const noexcept;
    [[nodiscard]] frame_idx find_frame(ring_id ring, seq_t seq) const noexcept;
    [[nodiscard]] std::string name(msg_id m) const;
    [[nodiscard]] std::string names_of(std::uint64_t mask) const;
    [[nodiscard]] bool delivered_at(const node_rec& n, msg_id m) const noexcept {
        return m < n.pos.size() && n.pos[m] != 0;
    }
    [[nodiscard]] msg_id identify(const node_rec& n, std::uint32_t origin_slot, ring_id ring,
                                  seq_t seq, std::uint32_t len, std::uint64_t digest,
                                  bool& duplicate, bool& frame_ok);
    void check_fifo(node_rec& n, std::uint32_t origin_slot, msg_id m);
    // ---- checker_evs.cpp ----
    [[nodiscard]] std::uint32_t view_of(const config_rec& c);
    [[nodiscard]] std::string view_name(std::uint32_t view) const;
    /** The messages node n delivered in `view`, in its delivery order. */
    [[nodiscard]] std::vector<msg_id> delivered_in(const node_rec& n, std::uint32_t view) const;
    void evs_on_config(node_rec& n, std::uint32_t config);
    void evs_on_deliver(node_rec& n, msg_id m, ring_id ring);
    void evs_end_incarnation(node_rec& n);
    void check_view_order_pair(const node_rec& a, const node_rec& b);
    void check_self_delivery(std::uint64_t live);
    void check_safe(const node_rec& n, msg_id m);
    void check_order_pair(const node_rec& a, const node_rec& b);
    /** Which nodes must deliver m (bit per slot), given the final configuration. */
    [[nodiscard]] std::uint64_t expected_at(msg_id m, const config_rec& final_config,
                                            std::uint64_t live) const noexcept;
    [[nodiscard]] bool check_converged(std::uint64_t live, const config_rec*& final_config);
    void check_final(const finish_options& f);

    checker_options opts_;
    std::vector<node_rec> nodes_;
    std::vector<message> messages_;
    std::vector<frame_rec> frames_;
    std::vector<ring_frames> rings_;
    std::vector<config_rec> configs_;
    std::unordered_map<std::uint64_t, msg_id> by_content_; ///< content key -> newest message
    // ---- extended virtual synchrony ----
    std::vector<std::uint32_t> view_config_;   ///< view -> its first config_rec
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> views_by_hash_;
    std::vector<std::uint32_t> msg_view_;       ///< msg -> view it was first delivered in
    std::vector<std::uint32_t> msg_view_node_;  ///< msg -> the node that delivered it first
    std::unordered_map<std::uint64_t, transition_rec> transitions_; ///< (view, next view)
    std::unordered_map<std::uint64_t, std::uint32_t> ring_members_; ///< regular ring -> config
    std::uint64_t deliveries_ = 0;
    std::vector<violation> reported_;
    std::array<std::size_t, static_cast<std::size_t>(violation_kind::count_)> counts_{};
    std::size_t total_ = 0;
};

} // namespace ringcast::check
