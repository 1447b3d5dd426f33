#pragma once
// Vocabulary types shared by every ringcast library.

#include <compare>
#include <cstdint>
#include <limits>

namespace ringcast {

/** Cluster-unique node identifier. 0 is never a valid member id. */
using node_id = std::uint32_t;
inline constexpr node_id node_id_none = 0;

/** A message sequence number on one ring. Starts at 1; 0 means "none yet". */
using seq_t = std::uint64_t;

/** Monotonic time in nanoseconds, supplied by the driver. The core never reads a clock. */
using mono_ns = std::uint64_t;
inline constexpr mono_ns mono_ns_never = std::numeric_limits<mono_ns>::max();

/** Identity of one ring configuration: its representative and a ring sequence that only grows. */
struct ring_id {
    node_id rep = node_id_none;
    std::uint64_t seq = 0;

    friend constexpr bool operator==(const ring_id&, const ring_id&) = default;
    friend constexpr auto operator<=>(const ring_id& a, const ring_id& b) {
        if (auto c = a.seq <=> b.seq; c != 0) {
            return c;
        }
        return a.rep <=> b.rep;
    }
};

} // namespace ringcast
