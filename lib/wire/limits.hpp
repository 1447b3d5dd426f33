#pragma once
// Compile-time bounds of the wire format. Every list on the wire is bounded by one of these, so a
// decoder never trusts a count it reads and the core never allocates for a frame.

#include <cstddef>
#include <cstdint>

namespace ringcast::wire {

/** Largest cluster the wire format can describe (proc/failed sets, commit token members). */
inline constexpr std::size_t max_nodes = 64;
/** Retransmission-request entries one token carries (keeps the token inside a 1500-byte MTU). */
inline constexpr std::size_t max_rtr_items = 48;
/** Application messages packed into one mcast frame. */
inline constexpr std::size_t max_chunks = 1024;

inline constexpr std::size_t eth_header_size = 14;
inline constexpr std::size_t eth_addr_size = 6;
inline constexpr std::size_t header_size = 48;
inline constexpr std::size_t tag_size = 16;
inline constexpr std::size_t mcast_fixed_size = 40;
inline constexpr std::size_t token_fixed_size = 40;
inline constexpr std::size_t rtr_item_size = 24;
inline constexpr std::size_t join_fixed_size = 16;
inline constexpr std::size_t commit_fixed_size = 16;
inline constexpr std::size_t commit_member_size = 40;
inline constexpr std::size_t chunk_header_size = 8;

/** Bytes a frame needs around its body: Ethernet header, ringcast header, GCM tag. */
inline constexpr std::size_t frame_overhead = eth_header_size + header_size + tag_size;
/** Offset of an mcast frame's packed payload from the start of the Ethernet frame. */
inline constexpr std::size_t mcast_payload_offset = eth_header_size + header_size + mcast_fixed_size;
/** Largest Ethernet frame ringcast builds (jumbo frames). */
inline constexpr std::size_t max_frame_size = 9216;
/**
 * Smallest Ethernet frame without FCS. A NIC pads shorter frames with zeros up to this size;
 * parse_frame tolerates that padding. Every ringcast frame is at least frame_overhead (78) bytes,
 * so with the current sizes no ringcast frame is ever padded; the rule exists so that a future
 * smaller header cannot turn padding into length_mismatch drops.
 */
inline constexpr std::size_t eth_min_frame_size = 60;

inline constexpr std::uint16_t default_ethertype = 0x88B5; // IEEE local experimental EtherType 1
inline constexpr std::uint16_t magic = 0x5243;             // "RC"
inline constexpr std::uint8_t version = 1;

/** Largest mcast payload (packed chunks) for an Ethernet payload MTU. */
[[nodiscard]] constexpr std::size_t mcast_payload_max(std::size_t mtu) noexcept {
    // MTU counts from the ringcast header on (the Ethernet header is not part of it).
    return mtu - header_size - mcast_fixed_size - tag_size;
}

} // namespace ringcast::wire
