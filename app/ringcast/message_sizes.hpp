#pragma once
// Message sizes of `ringcast send`: a pure function of the message index, so a rerun sends the
// same stream and a test can predict it.

#include <bit>
#include <cstddef>
#include <cstdint>

namespace ringcast::app {

enum class size_mix : std::uint8_t {
    fixed,   ///< every message --size bytes
    uniform, ///< uniform over 1..size (mean size/2)
    skewed,  ///< 1..size, mostly small (see skewed_size)
};

namespace detail {
constexpr std::uint64_t mix64(std::uint64_t x) noexcept { // splitmix64's finalizer
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}
} // namespace detail

/**
 * Sizes spanning 1..max with a mean of a few hundred bytes when max is 64 KiB, so a million
 * messages stay within what one sender pushes through a ring in a test: the size class 2^k
 * (k = bit length) is log-uniform over 1 B..2 KiB for 63 of 64 messages and over 2 KiB..max for
 * the rest; in every 4096 messages one is exactly 1 byte and one exactly max.
 */
constexpr std::size_t skewed_size(std::uint32_t max, std::uint64_t index) noexcept {
    if (index % 4096 == 0) {
        return 1;
    }
    if (index % 4096 == 2048) {
        return max;
    }
    const std::uint64_t h = detail::mix64(index + 0x9E3779B97F4A7C15ull);
    const unsigned top = static_cast<unsigned>(std::bit_width(max)) - 1; // 2^top <= max
    const unsigned small_top = top < 11 ? top : 11;
    unsigned lo = 0;
    unsigned span = small_top; // classes lo..lo+span-1
    if ((h & 63) == 0 && top > small_top) {
        lo = small_top;
        span = top - small_top;
    }
    const unsigned k = span == 0 ? 0 : lo + static_cast<unsigned>((h >> 8) % span);
    const std::uint64_t base = std::uint64_t{1} << k;
    const std::uint64_t size = base + (h >> 24) % base; // in [2^k, 2^(k+1))
    return static_cast<std::size_t>(size < max ? size : max);
}

constexpr std::size_t message_size(std::uint32_t size, size_mix mix, std::uint64_t index) noexcept {
    switch (mix) {
    case size_mix::fixed:
        return size;
    case size_mix::uniform:
        return 1 + (index * 2654435761u) % size;
    case size_mix::skewed:
        return skewed_size(size, index);
    }
    return size;
}

} // namespace ringcast::app
