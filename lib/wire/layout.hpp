#pragma once
// Byte offsets of every field on the wire, shared by encode.cpp and decode.cpp so the two can
// never disagree. Internal to lib/wire: the rest of ringcast sees only the typed views in
// messages.hpp. docs/design.md, "Wire format" is the prose version of this file.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lib/common/byte_order.hpp"
#include "lib/wire/limits.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::wire {

using ringcast::load_be;
using ringcast::store_be;

} // namespace ringcast::wire

namespace ringcast::wire::layout {

/** Ethernet header: dst(6) src(6) ethertype(2). */
namespace eth {
inline constexpr std::size_t dst = 0;
inline constexpr std::size_t src = 6;
inline constexpr std::size_t ethertype = 12;
} // namespace eth

/** The 48-byte ringcast header; every field naturally aligned relative to its start. */
namespace hdr {
inline constexpr std::size_t magic = 0;       // u16
inline constexpr std::size_t version = 2;     // u8
inline constexpr std::size_t type = 3;        // u8
inline constexpr std::size_t flags = 4;       // u16, 0
inline constexpr std::size_t reserved16 = 6;  // u16, 0
inline constexpr std::size_t cluster_id = 8;  // u32
inline constexpr std::size_t sender = 12;     // u32
inline constexpr std::size_t ring_rep = 16;   // u32
inline constexpr std::size_t key_epoch = 20;  // u32
inline constexpr std::size_t ring_seq = 24;   // u64
inline constexpr std::size_t nonce = 32;      // u64
inline constexpr std::size_t body_len = 40;   // u32
inline constexpr std::size_t reserved32 = 44; // u32, 0
} // namespace hdr

/** Fixed part of an mcast body; the packed payload follows at mcast_fixed_size. */
namespace mc {
inline constexpr std::size_t seq = 0;              // u64
inline constexpr std::size_t origin_ring_seq = 8;  // u64
inline constexpr std::size_t origin_seq = 16;      // u64
inline constexpr std::size_t origin_ring_rep = 24; // u32
inline constexpr std::size_t origin = 28;          // u32
inline constexpr std::size_t svc = 32;             // u8
inline constexpr std::size_t flags = 33;           // u8
inline constexpr std::size_t chunk_count = 34;     // u16
inline constexpr std::size_t reserved = 36;        // u32, 0
} // namespace mc

/** One packed chunk header: len(4) kind(1) reserved(3). */
namespace chunk {
inline constexpr std::size_t len = 0;      // u32
inline constexpr std::size_t kind = 4;     // u8
inline constexpr std::size_t reserved = 5; // 3 bytes, 0
inline constexpr std::size_t reserved_len = 3;
} // namespace chunk

/** Fixed part of the ORF token; rtr_count items of rtr_item_size follow. */
namespace tok {
inline constexpr std::size_t token_seq = 0;    // u64
inline constexpr std::size_t seq = 8;          // u64
inline constexpr std::size_t aru = 16;         // u64
inline constexpr std::size_t aru_node = 24;    // u32
inline constexpr std::size_t fcc = 28;         // u32
inline constexpr std::size_t backlog = 32;     // u32
inline constexpr std::size_t retrans_flg = 36; // u8, 0 or 1
inline constexpr std::size_t recovering = 37;  // u8, 0..max_nodes
inline constexpr std::size_t rtr_count = 38;   // u16
} // namespace tok

/** One retransmission request. */
namespace rtr {
inline constexpr std::size_t ring_rep = 0; // u32
inline constexpr std::size_t reserved = 4; // u32, 0
inline constexpr std::size_t ring_seq = 8; // u64
inline constexpr std::size_t seq = 16;     // u64
} // namespace rtr

/** Fixed part of a join; proc_count then failed_count node ids (u32) follow. */
namespace jn {
inline constexpr std::size_t ring_seq = 0;      // u64
inline constexpr std::size_t proc_count = 8;    // u16
inline constexpr std::size_t failed_count = 10; // u16
inline constexpr std::size_t reserved = 12;     // u32, 0
inline constexpr std::size_t node_id_size = 4;
} // namespace jn

/** Fixed part of a commit token; member_count members of commit_member_size follow. */
namespace ct {
inline constexpr std::size_t token_seq = 0;     // u64
inline constexpr std::size_t member_count = 8;  // u16
inline constexpr std::size_t memb_index = 10;   // u16
inline constexpr std::size_t reserved = 12;     // u32, 0
} // namespace ct

/** One commit token member. */
namespace cm {
inline constexpr std::size_t id = 0;              // u32
inline constexpr std::size_t old_ring_rep = 4;    // u32
inline constexpr std::size_t old_ring_seq = 8;    // u64
inline constexpr std::size_t old_aru = 16;        // u64
inline constexpr std::size_t high_delivered = 24; // u64
inline constexpr std::size_t received_flg = 32;   // u8, 0 or 1
inline constexpr std::size_t reserved = 33;       // 7 bytes, 0
inline constexpr std::size_t reserved_len = 7;
} // namespace cm

// The sizes in limits.hpp are part of the agreed interface; tie them to the offsets above.
static_assert(eth::ethertype + 2 == eth_header_size);
static_assert(hdr::reserved32 + 4 == header_size);
static_assert(mc::reserved + 4 == mcast_fixed_size);
static_assert(chunk::reserved + chunk::reserved_len == chunk_header_size);
static_assert(tok::rtr_count + 2 == token_fixed_size);
static_assert(rtr::seq + 8 == rtr_item_size);
static_assert(jn::reserved + 4 == join_fixed_size);
static_assert(ct::reserved + 4 == commit_fixed_size);
static_assert(cm::reserved + cm::reserved_len == commit_member_size);
static_assert(mcast_payload_offset == eth_header_size + header_size + mcast_fixed_size);
// A uint16_t count read off the wire can only be compared to these bounds, never overflow them.
static_assert(max_chunks <= 0xFFFF && max_rtr_items <= 0xFFFF && max_nodes <= 0xFFFF);

/** True when v is one of the msg_type enumerators. */
[[nodiscard]] constexpr bool valid_type(std::uint8_t v) noexcept {
    return v >= static_cast<std::uint8_t>(msg_type::mcast) &&
           v <= static_cast<std::uint8_t>(msg_type::token_hold_cancel);
}

/** True when the n bytes at p are all zero (reserved fields). */
[[nodiscard]] inline bool all_zero(const std::byte* p, std::size_t n) noexcept {
    std::byte acc{0};
    for (std::size_t i = 0; i < n; ++i) {
        acc |= p[i];
    }
    return acc == std::byte{0};
}

} // namespace ringcast::wire::layout
