#pragma once
// Application load of one simulated node: submissions at a mean rate, sizes from a bucketed
// distribution (mostly small, a few up to 256 KiB), and a mix of agreed and safe service.

#include <array>
#include <cstdint>

#include "drivers/sim/prng.hpp"

namespace ringcast::sim {

struct size_bucket {
    std::uint32_t min = 1;
    std::uint32_t max = 1;
    std::uint32_t weight = 0;
};

/** Message sizes: a bucket is picked by weight, then a size uniformly inside it. */
struct size_mix {
    std::array<size_bucket, 5> buckets = {{
        {1, 15, 20},          // below the id header: filler only
        {16, 255, 45},        // typical small messages
        {256, 1499, 25},      // up to one standard frame
        {1500, 16383, 8},     // a few frames
        {16384, 262144, 2},   // large, many fragments
    }};

    [[nodiscard]] std::uint32_t sample(prng& rng) const noexcept {
        std::uint64_t total = 0;
        for (const auto& b : buckets) {
            total += b.weight;
        }
        std::uint64_t pick = rng.below(total);
        for (const auto& b : buckets) {
            if (pick < b.weight) {
                return static_cast<std::uint32_t>(rng.between(b.min, b.max));
            }
            pick -= b.weight;
        }
        return buckets[0].min; // total == 0
    }
    /** Every message the same size. */
    [[nodiscard]] static size_mix fixed(std::uint32_t len) noexcept {
        size_mix m;
        m.buckets = {{{len, len, 1}, {len, len, 0}, {len, len, 0}, {len, len, 0}, {len, len, 0}}};
        return m;
    }
};

struct load_params {
    bool enabled = false;
    /** Mean submissions per second; inter-arrival times are uniform in (0, 2/rate]. */
    double rate_per_s = 1000.0;
    size_mix sizes;
    /** Fraction of submissions asking for safe delivery. */
    double safe_fraction = 0.5;
    /** Each load event submits 1..burst messages (uniform) in one input, as a driver that polls
     *  a client's ring takes what is there at once; events come less often to keep the rate.
     *  1 draws nothing from the PRNG (runs without bursts replay as before). */
    std::uint32_t burst = 1;
};

} // namespace ringcast::sim
