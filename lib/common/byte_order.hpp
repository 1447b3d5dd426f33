#pragma once
// Unaligned big-endian loads and stores. Frames arrive at any alignment (the Ethernet header is
// 14 bytes), so every field access goes through memcpy, which compilers turn into a single move.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ringcast {

namespace detail {
// std::byteswap is C++23; g++ 12 in C++20 mode has the builtins.
template <typename T>
[[nodiscard]] constexpr T bswap(T v) noexcept {
    if constexpr (sizeof(T) == 2) {
        return static_cast<T>(__builtin_bswap16(static_cast<std::uint16_t>(v)));
    } else if constexpr (sizeof(T) == 4) {
        return static_cast<T>(__builtin_bswap32(static_cast<std::uint32_t>(v)));
    } else {
        static_assert(sizeof(T) == 8);
        return static_cast<T>(__builtin_bswap64(static_cast<std::uint64_t>(v)));
    }
}
} // namespace detail

template <typename T>
[[nodiscard]] inline T load_be(const std::byte* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        v = detail::bswap(v);
    }
    return v;
}

template <typename T>
inline void store_be(std::byte* p, T v) noexcept {
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        v = detail::bswap(v);
    }
    std::memcpy(p, &v, sizeof v);
}

} // namespace ringcast
