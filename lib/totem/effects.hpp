#pragma once
// What the Totem core asks of its driver. The core never calls the driver except through
// payload_ops::alloc_frame (packing needs a buffer to write into); everything else it wants done is
// appended to an `effects` batch that the driver drains after each input.
//
// Drain order: sends, then deliveries (in order), then releases. A ref in `releases` may have been
// named by a send or a delivery of the same batch, never by a later one.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lib/common/types.hpp"
#include "lib/totem/config.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::totem {

/** Opaque handle of a driver buffer: an rte_mbuf* in the DPDK driver, a pool index in the
 *  simulator. The core holds refs and hands them back in `releases`; it never frees one. */
using payload_ref = std::uint64_t;
inline constexpr payload_ref payload_ref_none = ~payload_ref{0};

/** A frame buffer the driver lends the core for packing an mcast it originates. */
struct frame_buffer {
    payload_ref ref = payload_ref_none;
    /** The payload area of the frame (wire::mcast_payload_offset bytes into the Ethernet frame),
     *  at least wire::mcast_payload_max(config.mtu) bytes. */
    std::span<std::byte> payload;
};

/** The one driver call the core makes. Must not re-enter the node. */
struct payload_ops {
    void* ctx = nullptr;
    /** A fresh frame buffer, or ref == payload_ref_none when none is free (the core then sends
     *  fewer frames this visit). */
    frame_buffer (*alloc_frame)(void* ctx) noexcept = nullptr;
};

enum class send_kind : std::uint8_t { mcast, token, join, commit_token, merge_detect, token_hold_cancel };

/** A frame to send. Pointers stay valid until the node's next input call. */
struct send {
    send_kind kind = send_kind::mcast;
    /** Unicast destination; node_id_none = multicast to every node (data, join, merge detect). */
    node_id to = node_id_none;
    /** Header ring id. */
    ring_id ring;
    // ---- mcast ----
    payload_ref ref = payload_ref_none; ///< buffer holding the frame; still owned by the core
    wire::mcast mcast;                  ///< fixed fields to encode
    std::span<const std::byte> payload; ///< packed payload already in the buffer
    bool retransmit = false;            ///< a resend of a frame sent before (by anyone)
    // ---- control frames (one is set, per kind) ----
    const wire::token* token = nullptr;
    const wire::join* join = nullptr;
    const wire::commit_token* commit = nullptr;
};

/** One contiguous piece of a delivered application message. */
struct segment {
    payload_ref ref = payload_ref_none;
    const std::byte* data = nullptr;
    std::uint32_t len = 0;
};

enum class delivery_kind : std::uint8_t { message, transitional_config, regular_config };

/** A configuration as delivered to the application (members sorted ascending). */
struct configuration {
    ring_id ring;
    static_vec<node_id, wire::max_nodes> members;
    static_vec<node_id, wire::max_nodes> joined;
    static_vec<node_id, wire::max_nodes> left;
};

/** One delivery, in the total order: an application message or a configuration change. */
struct delivery {
    delivery_kind kind = delivery_kind::message;
    // ---- message ----
    node_id origin = node_id_none;
    wire::service svc = wire::service::agreed;
    ring_id ring;               ///< ring the message was ordered on
    seq_t seq = 0;              ///< seq (on ring) of the frame holding its last byte
    std::uint32_t len = 0;      ///< total bytes
    std::uint32_t seg_begin = 0; ///< index into effects::segments()
    std::uint32_t seg_count = 0;
    // ---- configuration change ----
    const configuration* config = nullptr; ///< valid until the node's next input call
};

enum class event_kind : std::uint8_t {
    token_lost,        ///< no token within token_timeout_ns (the membership layer acts on it)
    failed_to_receive, ///< `node` kept the ring aru down for fail_to_recv_const rotations
    ring_seq_persist,  ///< store `value` as the ring seq high-water mark before sending on
};

struct event {
    event_kind kind = event_kind::token_lost;
    node_id node = node_id_none;
    std::uint64_t value = 0;
};

/**
 * The output batch of one input. Capacity is reserved from the config at construction; appending
 * never allocates afterwards (the core checks capacity before appending).
 */
class effects {
public:
    explicit effects(const config& cfg);

    [[nodiscard]] std::span<const send> sends() const noexcept { return sends_; }
    [[nodiscard]] std::span<const delivery> deliveries() const noexcept { return deliveries_; }
    [[nodiscard]] std::span<const segment> segments() const noexcept { return segments_; }
    [[nodiscard]] std::span<const payload_ref> releases() const noexcept { return releases_; }
    [[nodiscard]] std::span<const event> events() const noexcept { return events_; }
    [[nodiscard]] bool empty() const noexcept {
        return sends_.empty() && deliveries_.empty() && releases_.empty() && events_.empty();
    }
    /** Forgets the batch (keeps capacity). Call after draining. */
    void clear() noexcept;

    // ---- appended by the core ----
    [[nodiscard]] bool sends_full() const noexcept { return sends_.size() == sends_.capacity(); }
    [[nodiscard]] bool deliveries_full(std::size_t segs) const noexcept {
        return deliveries_.size() == deliveries_.capacity() ||
               segments_.size() + segs > segments_.capacity();
    }
    void push_send(const send& s) noexcept;
    void push_delivery(const delivery& d) noexcept;
    void push_segment(const segment& s) noexcept;
    void push_release(payload_ref r) noexcept;
    void push_event(const event& e) noexcept;
    /** Test-only fault injection (reorder_deliveries). */
    void swap_deliveries(std::size_t i, std::size_t j) noexcept;
    [[nodiscard]] std::uint32_t segment_count() const noexcept {
        return static_cast<std::uint32_t>(segments_.size());
    }

private:
    std::vector<send> sends_;
    std::vector<delivery> deliveries_;
    std::vector<segment> segments_;
    std::vector<payload_ref> releases_;
    std::vector<event> events_;
};

} // namespace ringcast::totem
