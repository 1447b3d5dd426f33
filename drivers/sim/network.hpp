#pragma once
// Seeded directed links between simulated nodes (TigerBeetle's packet simulator, reduced to what
// Totem needs). Each directed link has its own latency, jitter, loss, duplication, reordering,
// bandwidth and an up/down switch. A multicast is N-1 independent transmissions, so loss and
// delay differ per receiver, as on a real switch. Token and data frames share the same links.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "drivers/sim/prng.hpp"
#include "lib/common/types.hpp"

namespace ringcast::sim {

struct link_params {
    mono_ns latency_ns = 20'000;
    /** Uniform extra delay in [0, jitter_ns]. Jitter alone never reorders a link (arrivals are
     *  kept FIFO); only `reorder` does. */
    mono_ns jitter_ns = 0;
    double loss = 0.0;      ///< probability a frame is lost
    double duplicate = 0.0; ///< probability a frame arrives twice
    double reorder = 0.0;   ///< probability a frame takes an extra delay and may overtake others
    mono_ns reorder_delay_ns = 100'000; ///< upper bound of that extra delay
    /** Bits per second; 0 = infinite. Frames on one link are serialized one after another. */
    std::uint64_t bandwidth_bps = 0;
    /** Probability that a frame is also captured and arrives once more `replay_after_ns` later
     *  (an attacker without the key replaying what it recorded, minutes later). */
    double replay = 0.0;
    mono_ns replay_after_ns = 0;
    bool up = true;
};

struct link_stats {
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t lost = 0;
    std::uint64_t down = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t reordered = 0;
    std::uint64_t replayed = 0;
};

class network {
public:
    network(std::size_t nodes, const link_params& defaults);

    [[nodiscard]] std::size_t nodes() const noexcept { return nodes_; }
    [[nodiscard]] link_params& params(std::size_t src, std::size_t dst) noexcept {
        return links_[src * nodes_ + dst].p;
    }
    /** Replaces the parameters of every link (keeps serialization state and stats). */
    void set_all(const link_params& p) noexcept;
    /** Switches both directions between a and b. */
    void set_up(std::size_t a, std::size_t b, bool up) noexcept;
    /** Cuts (or heals) every link of node a. */
    void isolate(std::size_t a, bool isolated) noexcept;
    /** Switches one direction only: with src -> dst down, dst no longer hears src while src
     *  still hears dst (an asymmetric link). */
    void set_one_way(std::size_t src, std::size_t dst, bool up) noexcept {
        params(src, dst).up = up;
    }
    /**
     * Splits the nodes into groups: a link is up exactly when both ends have the same group
     * number in `group_of` (one entry per node). Every link's other parameters stay.
     */
    void partition(std::span<const std::uint8_t> group_of) noexcept;
    /** Brings every link up (ends partitions, isolation and one-way cuts). */
    void heal() noexcept;

    /**
     * Decides the fate of one frame of `bytes` bytes sent at `now`: writes 0 (lost), 1, 2
     * (duplicated) or 3 (replayed too) arrival times to `arrivals` and returns how many.
     */
    static constexpr std::size_t max_arrivals = 3;
    [[nodiscard]] std::size_t transmit(std::size_t src, std::size_t dst, std::uint32_t bytes,
                                       mono_ns now, prng& rng,
                                       mono_ns arrivals[max_arrivals]) noexcept;

    [[nodiscard]] link_stats totals() const noexcept;

private:
    struct link {
        link_params p;
        mono_ns busy_until = 0;   ///< end of the last frame's serialization
        mono_ns last_arrival = 0; ///< keeps in-order arrivals FIFO under jitter
        link_stats stats;
    };
    mono_ns one_arrival(link& l, mono_ns wire_done, prng& rng) noexcept;

    std::size_t nodes_;
    std::vector<link> links_;
};

} // namespace ringcast::sim
