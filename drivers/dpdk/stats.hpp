#pragma once
// What the protocol lcore publishes for the telemetry thread. Counters are single-writer atomics
// (relaxed stores: plain moves on x86); the membership snapshot changes only on a ring change and
// is published under a sequence lock, so the lcore never waits for a reader.

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "lib/common/types.hpp"
#include "lib/wire/limits.hpp"

namespace ringcast::drv::dpdk {

/** Why a received frame was dropped before (or by) the protocol core. */
enum class drop_cause : std::uint8_t {
    bad_tag,
    replayed,
    too_old,
    stale_epoch,
    wrong_cluster,
    unknown_node,
    malformed,
    truncated,
    not_ringcast,  ///< another EtherType on the port
    multi_segment, ///< a frame larger than one mbuf
    wrong_ring,    ///< authenticated, but of another ring or membership round (counted by the core)
    not_for_us,    ///< unicast to another node's MAC (a bridge or switch flooding an unknown one)
    // Authenticated, then discarded by the core (counted there, mirrored here):
    stale,         ///< old news: a token or commit token already handled or not for us, an old join,
                   ///< a control frame of a ring or formation we moved past or are not in
    duplicate,     ///< a data frame already held (a retransmission answered twice, a replay)
    out_of_window, ///< a data frame beyond what the window holds yet (asked for again later)
    count_
};

[[nodiscard]] std::string_view to_string(drop_cause c) noexcept;

inline void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

struct published_stats {
    std::atomic<std::uint64_t> frames_in{0}, frames_out{0}, bytes_in{0}, bytes_out{0};
    std::atomic<std::uint64_t> delivered{0}, delivered_bytes{0}, digest{0};
    std::atomic<std::uint64_t> retransmissions{0}, token_rotations{0}, ring_changes{0};
    std::atomic<std::uint64_t> tx_dropped{0}, mbuf_alloc_failed{0}, submitted{0}, rx_ring_full{0};
    std::atomic<std::uint64_t> token_retransmitted{0}, token_lost{0};
    /** Poll-loop pauses longer than a quarter of the token timeout, and the longest gap seen. */
    std::atomic<std::uint64_t> loop_pauses{0}, loop_gap_max_ns{0};
    std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(drop_cause::count_)> drops{};
    std::atomic<std::uint32_t> state{0};
    std::atomic<std::uint64_t> last_ring_change_unix_ns{0}; ///< wall clock of the last regular configuration

    // Membership snapshot under a sequence lock (odd = being written).
    std::atomic<std::uint64_t> memb_seq{0};
    std::atomic<std::uint64_t> ring_seq{0};
    std::atomic<std::uint32_t> ring_rep{0};
    std::atomic<std::uint32_t> member_count{0};
    std::array<std::atomic<std::uint32_t>, wire::max_nodes> members{};
};

} // namespace ringcast::drv::dpdk
