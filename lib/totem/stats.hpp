#pragma once

#include <cstdint>

namespace ringcast::totem {

/** Counters a node keeps; exported by the daemon over telemetry. */
struct node_stats {
    std::uint64_t mcast_received = 0;
    std::uint64_t mcast_duplicate = 0;      ///< already had that seq
    std::uint64_t mcast_out_of_window = 0;  ///< too far ahead of the stable point: dropped
    std::uint64_t mcast_late = 0;           ///< of our ring after our commit entry froze it (recovery re-sends it)
    std::uint64_t mcast_sent = 0;           ///< originated frames
    std::uint64_t mcast_retransmitted = 0;  ///< frames resent to answer requests
    std::uint64_t rtr_requested = 0;        ///< seqs this node put on the token's request list
    std::uint64_t token_received = 0;
    std::uint64_t token_stale = 0;          ///< old token_seq (a retransmitted token) ignored
    std::uint64_t token_misrouted = 0;      ///< a token not from our predecessor, a commit token for another member
    std::uint64_t token_retransmitted = 0;
    std::uint64_t token_lost = 0;
    std::uint64_t token_held = 0;           ///< idle rotations the representative held the token
    std::uint64_t foreign_ring = 0;         ///< frames of another ring (of any, once we left)
    std::uint64_t join_stale = 0;           ///< a member's join older than the ring it agreed to
    std::uint64_t control_stale = 0;        ///< join/commit/merge detect/hold cancel ignored: old, not ours, a copy
    std::uint64_t implausible = 0;          ///< a ring seq or token no honest node can send, a malformed commit token
    std::uint64_t messages_submitted = 0;
    std::uint64_t messages_delivered = 0;
    std::uint64_t bytes_delivered = 0;
    std::uint64_t reassembly_dropped = 0;   ///< malformed fragment chains (dropped on every node)
    std::uint64_t rotations = 0;

    friend bool operator==(const node_stats&, const node_stats&) = default;
};

} // namespace ringcast::totem
