#pragma once
// Every Totem parameter in one place, with defaults for a microsecond-class interconnect and the
// corosync default noted beside each. Times are in nanoseconds of the driver's monotonic clock.

#include <cstdint>
#include <span>

#include "lib/common/types.hpp"

namespace ringcast::totem {

inline constexpr mono_ns us = 1000;
inline constexpr mono_ns ms = 1000 * us;

/** No honest cluster reaches this ring seq (it grows by 4 per configuration and 4096 per
 *  restart); frames naming a higher one are dropped, so that one authenticated but hostile frame
 *  cannot push every node's ring seq to the wrap-around and stall membership for good. */
inline constexpr std::uint64_t ring_seq_limit = std::uint64_t{1} << 62;

struct config {
    /** This node's id (non-zero). */
    node_id self = node_id_none;
    /** Every node allowed in the cluster, any order; must include self; at most wire::max_nodes.
     *  Rings form from the allowed nodes that are up; frames from others are ignored. */
    std::span<const node_id> members;
    /** Highest ring seq this node used before (persisted by the driver across restarts, see
     *  event_kind::ring_seq_persist), so ring ids never go backwards. */
    std::uint64_t initial_ring_seq = 0;

    /** Ethernet MTU (bytes from the ringcast header to the GCM tag). corosync netmtu: 1500. */
    std::uint32_t mtu = 1500;

    // ---- flow control ----
    /** Frames in flight on the ring per rotation. corosync window_size: 50. */
    std::uint32_t window_size = 256;
    /** Frames one node may originate per token visit. corosync max_messages: 17. */
    std::uint32_t max_messages = 64;
    /** Submissions queued locally before submit() answers would_block. */
    std::uint32_t send_queue_max = 4096;
    /** Largest application message (fragmented across frames). corosync: 1 MiB. */
    std::uint32_t max_message_size = 1u << 20;
    /** Receive/retransmission window in frames (rounded up to a power of two, >= 4 x window). */
    std::uint32_t window_capacity = 2048;

    // ---- timers ----
    /** No token for this long = token loss. corosync token: 3000 ms. */
    mono_ns token_timeout_ns = 20 * ms;
    /** Resend the token if the next member shows no sign of life. corosync: token/4.2 (~714 ms). */
    mono_ns token_retransmit_ns = 2 * ms;
    /** The representative of an idle ring holds the token this long. corosync token_hold: ~2.4 s. */
    mono_ns token_hold_ns = 1 * ms;
    /** Idle rotations (seq and aru unchanged, nothing queued) before the token is held. corosync
     *  seqno_unchanged_const: 30. */
    std::uint32_t seqno_unchanged_const = 30;
    /** Visits a gap must be seen before it is put on the retransmission-request list: a mcast can
     *  arrive after the unicast token that announced it. corosync: 1 (retransmit on second look). */
    std::uint32_t rtr_gap_visits = 1;
    /** Rotations the token aru may stay below seq on one node before it is reported as failing to
     *  receive. corosync fail_recv_const: 2500. */
    std::uint32_t fail_to_recv_const = 2500;

    // ---- membership ----
    /** Interval between joins while gathering; also the least time spent gathering before a ring
     *  is formed. corosync join: 50 ms. */
    mono_ns join_ns = 2 * ms;
    /** Gathering without consensus this long moves silent nodes to the failed set.
     *  corosync consensus: 1.2 x token = 3600 ms. */
    mono_ns consensus_ns = 12 * ms;
    /** The representative multicasts a merge detect this often, so partitioned rings find each
     *  other. corosync merge: 200 ms. */
    mono_ns merge_ns = 20 * ms;
    /** After a formation that left nodes out, a ring ignores the merge detects and joins that
     *  would only re-form it without them (one-way links) for this long; the hold doubles each
     *  time the same nodes are left out again, up to exclusion_hold_max_ns. A node left out on
     *  our own silence verdict is heard at once (its link healed). No corosync equivalent (it
     *  re-forms every merge period while a one-way link lasts). */
    mono_ns exclusion_hold_ns = 250 * ms;
    mono_ns exclusion_hold_max_ns = 8'000 * ms;

    /** Deliveries (messages and configuration changes) per effects batch before delivery pauses;
     *  the caller resumes it with on_tick(). */
    std::uint32_t deliver_batch = 4096;
};

} // namespace ringcast::totem
