#include "drivers/sim/payload.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "drivers/sim/prng.hpp"
#include "lib/common/assert.hpp"

namespace ringcast::sim {
namespace {

std::uint64_t filler_seed(node_id origin, std::uint64_t index) noexcept {
    return mix64(mix64(origin) ^ (index * 0xD6E8FEB86659FD93ull));
}

// Little endian by construction (byte order of the test data must not depend on the host).
void put_le(std::byte* p, std::uint64_t v, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        p[i] = static_cast<std::byte>(v >> (8 * i));
    }
}

std::uint64_t get_le(const std::byte* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        v |= std::uint64_t{std::to_integer<std::uint8_t>(p[i])} << (8 * i);
    }
    return v;
}

void header_bytes(node_id origin, std::uint64_t index, std::uint32_t len, std::byte* h) noexcept {
    put_le(h, origin, 4);
    put_le(h + 4, index, 8);
    put_le(h + 12, len, 4);
}

} // namespace

// One filler word, little endian whatever the host.
static inline void filler_word(std::uint64_t seed, std::size_t word, std::byte* out) noexcept {
    // One multiply per word: test data needs to differ by position and message, not to be good
    // randomness, and gigabytes of it are generated per run.
    std::uint64_t w = (seed ^ (word * 0x9E3779B97F4A7C15ull)) * 0xD6E8FEB86659FD93ull;
    w ^= w >> 32;
    if constexpr (std::endian::native == std::endian::big) {
        w = __builtin_bswap64(w);
    }
    std::memcpy(out, &w, 8);
}

void generate_payload(node_id origin, std::uint64_t index, std::uint32_t len, std::size_t offset,
                      std::span<std::byte> out) noexcept {
    RC_ASSERT(offset + out.size() <= len);
    std::size_t p = offset;
    std::byte* dst = out.data();
    const std::size_t end = offset + out.size();
    if (len >= payload_id_size && p < payload_id_size) {
        std::byte h[payload_id_size];
        header_bytes(origin, index, len, h);
        const std::size_t n = std::min(end, payload_id_size) - p;
        std::memcpy(dst, h + p, n);
        dst += n;
        p += n;
    }
    const std::uint64_t seed = filler_seed(origin, index);
    // Leading partial word, whole words straight into the output, trailing partial word.
    if (p < end && p % 8 != 0) {
        std::byte w[8];
        filler_word(seed, p / 8, w);
        const std::size_t n = std::min<std::size_t>(8 - p % 8, end - p);
        std::memcpy(dst, w + p % 8, n);
        dst += n;
        p += n;
    }
    for (; p + 8 <= end; p += 8, dst += 8) {
        filler_word(seed, p / 8, dst);
    }
    if (p < end) {
        std::byte w[8];
        filler_word(seed, p / 8, w);
        std::memcpy(dst, w, end - p);
    }
}

bool payload_matches(node_id origin, std::uint64_t index, std::uint32_t len, std::size_t offset,
                     std::span<const std::byte> bytes) noexcept {
    if (offset + bytes.size() > len) {
        return false;
    }
    std::byte scratch[4096];
    std::size_t done = 0;
    while (done < bytes.size()) {
        const std::size_t n = std::min(sizeof scratch, bytes.size() - done);
        generate_payload(origin, index, len, offset + done, {scratch, n});
        if (std::memcmp(scratch, bytes.data() + done, n) != 0) {
            return false;
        }
        done += n;
    }
    return true;
}

payload_id read_payload_id(std::span<const std::byte> bytes) noexcept {
    RC_ASSERT(bytes.size() >= payload_id_size);
    payload_id id;
    id.origin = static_cast<node_id>(get_le(bytes.data(), 4));
    id.index = get_le(bytes.data() + 4, 8);
    id.len = static_cast<std::uint32_t>(get_le(bytes.data() + 12, 4));
    return id;
}

} // namespace ringcast::sim
