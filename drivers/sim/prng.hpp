#pragma once
// The simulator's only source of randomness. Written out here instead of taking <random>'s
// distributions because std::uniform_int_distribution and friends may produce different numbers on
// another libstdc++ version, and a seed must replay the same run everywhere.

#include <cstdint>

namespace ringcast::sim {

/** Stateless 64-bit finalizer (splitmix64's): a good hash of one word. */
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/** Order-sensitive combination of a running digest with one more word. */
[[nodiscard]] constexpr std::uint64_t mix_in(std::uint64_t digest, std::uint64_t v) noexcept {
    return mix64(digest ^ (v + 0x632BE59BD9B4E019ull + (digest << 6) + (digest >> 2)));
}

/**
 * xoshiro256** seeded through splitmix64. Every derived draw (below, chance) is integer arithmetic
 * or an exact comparison, so the stream is the same on every platform and compiler.
 */
class prng {
public:
    explicit prng(std::uint64_t seed) noexcept {
        std::uint64_t x = seed;
        for (auto& w : s_) {
            x += 0x9E3779B97F4A7C15ull;
            w = mix64(x - 0x9E3779B97F4A7C15ull);
        }
    }

    [[nodiscard]] std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    /** Uniform in [0, n); n == 0 yields 0. Lemire's multiply-shift with rejection (unbiased). */
    [[nodiscard]] std::uint64_t below(std::uint64_t n) noexcept {
        if (n == 0) {
            return 0;
        }
        unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
        auto low = static_cast<std::uint64_t>(m);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = static_cast<unsigned __int128>(next()) * n;
                low = static_cast<std::uint64_t>(m);
            }
        }
        return static_cast<std::uint64_t>(m >> 64);
    }

    /** Uniform in [lo, hi] (inclusive). */
    [[nodiscard]] std::uint64_t between(std::uint64_t lo, std::uint64_t hi) noexcept {
        return lo + below(hi - lo + 1);
    }

    /** A uniform double in [0, 1) with 53 random bits (exact, no libm). */
    [[nodiscard]] double unit() noexcept {
        return static_cast<double>(next() >> 11) * 0x1.0p-53;
    }

    /** True with probability p. p <= 0 never draws, so a fault-free link costs no randomness. */
    [[nodiscard]] bool chance(double p) noexcept {
        if (p <= 0.0) {
            return false;
        }
        return unit() < p;
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }
    std::uint64_t s_[4];
};

} // namespace ringcast::sim
