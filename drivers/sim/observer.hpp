#pragma once
// What the simulator reports to a test: everything a checker needs to judge a run without knowing
// the core's internals. Calls arrive in simulated-event order; a later call never describes an
// earlier moment, so a checker may judge online.

#include <cstdint>
#include <span>
#include <string_view>

#include "lib/common/types.hpp"
#include "lib/totem/effects.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::sim {

/** Identity of an originated frame: the ring and seq it was first ordered on (an encapsulated
 *  resend during recovery keeps it). */
struct frame_key {
    ring_id ring;
    seq_t seq = 0;
    friend bool operator==(const frame_key&, const frame_key&) = default;
};

/** A delivered application message as the core handed it over. */
struct delivered_message {
    node_id origin = node_id_none;
    wire::service svc = wire::service::agreed;
    ring_id ring;           ///< as reported by the core
    seq_t seq = 0;          ///< frame holding the last byte, as reported by the core
    std::uint32_t len = 0;
    std::span<const totem::segment> segments; ///< concatenated: the message
};

class observer {
public:
    virtual ~observer() = default;

    /** Node `origin`'s core accepted its `index`-th submission (0-based, per origin). */
    virtual void on_submit(mono_ns, node_id /*origin*/, std::uint64_t /*index*/, wire::service,
                           std::span<const std::byte> /*bytes*/) {}
    /**
     * Node `origin` originated frame `key`, carrying pieces of its messages first_index..last_index
     * (per-origin submission indices; the simulator found them by walking the frame's chunks,
     * independently of the core). The originator has the frame from now on.
     */
    virtual void on_frame_sent(mono_ns, node_id /*origin*/, frame_key, std::uint64_t /*first*/,
                               std::uint64_t /*last*/) {}
    /** A node's core was handed mcast frame `key` (duplicates included). */
    virtual void on_frame_received(mono_ns, node_id /*node*/, frame_key) {}
    /** Every frame a core asks to send, before it goes on the wire (tracing). */
    virtual void on_send(mono_ns, node_id /*node*/, const totem::send&) {}
    /** A node delivered an application message. */
    virtual void on_deliver(mono_ns, node_id /*node*/, const delivered_message&) {}
    /** A node delivered a configuration change. */
    virtual void on_config(mono_ns, node_id /*node*/, totem::delivery_kind,
                           const totem::configuration&) {}
    /** An event the core raised (token loss, failed to receive). */
    virtual void on_core_event(mono_ns, node_id /*node*/, const totem::event&) {}
    /** A node left gracefully (node::leave); on_crash follows at once, as the node stops. */
    virtual void on_leave(mono_ns, node_id) {}
    virtual void on_crash(mono_ns, node_id) {}
    virtual void on_restart(mono_ns, node_id) {}
    /** The core broke the driver contract, or the frame map found a packing error. */
    virtual void on_error(mono_ns, node_id /*node*/, std::string_view /*what*/) {}
};

} // namespace ringcast::sim
