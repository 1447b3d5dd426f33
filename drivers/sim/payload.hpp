#pragma once
// Deterministic application payloads: the bytes of a message are a pure function of (origin,
// per-origin index, len), so any layer can regenerate and compare them without storing them.
//
// len >= 16: bytes [0,16) are an id header {u32 origin, u64 index, u32 len} (little endian), the
//            rest is filler. len < 16: filler only. Filler byte p is byte (p % 8) of a 64-bit
//            word computed from (seed(origin, index), p / 8): counter based, so any slice can be
//            produced on its own (the frame map checks fragments one chunk at a time).

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/common/types.hpp"

namespace ringcast::sim {

inline constexpr std::size_t payload_id_size = 16;

/** The id header of a payload of at least payload_id_size bytes. */
struct payload_id {
    node_id origin = node_id_none;
    std::uint64_t index = 0;
    std::uint32_t len = 0;
    friend bool operator==(const payload_id&, const payload_id&) = default;
};

/** Writes bytes [offset, offset + out.size()) of message (origin, index) of total length len. */
void generate_payload(node_id origin, std::uint64_t index, std::uint32_t len, std::size_t offset,
                      std::span<std::byte> out) noexcept;

/** True when `bytes` equal bytes [offset, offset + bytes.size()) of that message. */
[[nodiscard]] bool payload_matches(node_id origin, std::uint64_t index, std::uint32_t len,
                                   std::size_t offset, std::span<const std::byte> bytes) noexcept;

/** Reads the id header (bytes must hold at least payload_id_size bytes). */
[[nodiscard]] payload_id read_payload_id(std::span<const std::byte> bytes) noexcept;

} // namespace ringcast::sim
