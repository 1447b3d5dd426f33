#pragma once
// totem::node — one member of a Totem single-ring, as a state machine with no IO.
//
// Inputs (each takes the driver's `now`): on_frame (an authenticated, decoded frame), on_tick
// (time passed; call when now >= next_deadline()), submit (an application message). Outputs go to
// a caller-owned `effects` batch. All memory is allocated in the constructor; no input allocates,
// blocks, reads a clock or calls back into the driver (except payload_ops::alloc_frame).
//
// Thread context: one thread (the protocol lcore) owns a node; not MT-safe.

#include <cstdint>
#include <memory>
#include <span>

#include "lib/common/types.hpp"
#include "lib/totem/config.hpp"
#include "lib/totem/effects.hpp"
#include "lib/totem/stats.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::totem {

enum class [[nodiscard]] submit_result : std::uint8_t {
    ok,          ///< queued; the core owns the ref and releases it once copied into frames
    would_block, ///< local send queue full: retry after deliveries progress (ref not taken)
    too_large,   ///< over config.max_message_size (ref not taken)
};

enum class node_state : std::uint8_t { operational, gather, commit, recovery, left };

/** Test-only fault switches (checker self-tests); compiled in with -Dsim_faults=true. */
enum class fault : std::uint32_t {
    none = 0,
    skip_retransmit_answer = 1u << 0, ///< never retransmit: requests dropped unanswered, no recovery copies
    deliver_past_gap = 1u << 1,       ///< deliver one agreed message before a missing lower seq
    reorder_deliveries = 1u << 2,     ///< swap two consecutive deliveries once
    safe_too_early = 1u << 3,         ///< deliver safe messages as if agreed
    old_after_transitional = 1u << 4, ///< deliver one old-ring message after the new regular config
    skip_recovery_retransmit = 1u << 5, ///< send none of our old-ring frames during recovery
    install_before_recovery = 1u << 6,  ///< install a new ring without waiting for recovery
};

class node_impl;

class node {
public:
    /** @param cfg validated by validate(cfg) first; @param ops the driver's frame allocator. */
    node(const config& cfg, payload_ops ops);
    ~node();
    node(const node&) = delete;
    node& operator=(const node&) = delete;

    /** Why a config is unusable, or nullptr when it is fine. */
    [[nodiscard]] static const char* validate(const config& cfg) noexcept;

    /** Starts the ring: the representative (lowest id) originates the first token. */
    void start(mono_ns now, effects& out) noexcept;

    /**
     * An authenticated frame. For an mcast, `ref` is the buffer holding it and the core takes
     * ownership (it appears in a later or this batch's releases); for other types pass
     * payload_ref_none. Frames of another ring or cluster state are counted and ignored.
     */
    void on_frame(mono_ns now, const wire::header& hdr, const wire::frame_body& body,
                  payload_ref ref, effects& out) noexcept;

    /** Time passed: timers expire, paused deliveries resume. */
    void on_tick(mono_ns now, effects& out) noexcept;

    /**
     * Leaves gracefully: multicasts a join that lists this node as failed, so the others re-form
     * at once instead of waiting for a token timeout. Afterwards every input is ignored. Call it
     * again to resend (the frame may be lost).
     */
    void leave(mono_ns now, effects& out) noexcept;

    /** Queues an application message; it is copied into frames at this node's token visits. */
    [[nodiscard]] submit_result submit(mono_ns now, wire::service svc, payload_ref ref,
                                       std::span<const std::byte> data, effects& out) noexcept;

    /** Earliest time on_tick has work; mono_ns_never when none. */
    [[nodiscard]] mono_ns next_deadline() const noexcept;

    [[nodiscard]] node_id id() const noexcept;
    [[nodiscard]] node_state state() const noexcept;
    [[nodiscard]] ring_id ring() const noexcept;
    [[nodiscard]] std::span<const node_id> members() const noexcept;
    [[nodiscard]] const node_stats& stats() const noexcept;
    /** Submissions queued and not yet fully packed into frames. */
    [[nodiscard]] std::uint32_t send_queue_depth() const noexcept;

    /** Aborts (RC_ASSERT) when an internal invariant does not hold; for tests and sim builds. */
    void check_invariants() const noexcept;

    /** Test-only: arms fault switches (a no-op unless built with -Dsim_faults=true). */
    void set_faults(std::uint32_t mask) noexcept;

private:
    std::unique_ptr<node_impl> impl_;
};

} // namespace ringcast::totem
