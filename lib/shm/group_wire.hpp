#pragma once
// The process-group header at the front of every application payload that goes through the ring
// (submit ring, Totem, delivery ring), and the encoding of a view change in a delivery record.
//
// The group header travels between nodes, so it is big-endian; it is parsed into a private
// struct once (parse_group_header) and never re-read from shared memory. It carries the group's
// name, and only as many bytes of it as the name has: the header rides with every message, and
// a fixed 88 bytes made a 64-byte message 152 bytes on the wire (8 per frame instead of 12).
//
//   off  size
//     0     2  magic 0x5247 ("RG")
//     2     1  version (2)
//     3     1  kind: 1 data, 2 join, 3 leave, 4 sync (a node's state-sync report, group_sync.hpp)
//     4     1  name length n (1..64; 0 for leave = leave every group, always 0 for sync)
//     5     1  flags (group_flag_*)
//     6     2  reserved, 0
//     8     4  sender node
//    12     4  sender pid
//    16     4  sender client id (unique per daemon run)
//    20     4  reserved, 0
//    24     n  group name (no NUL inside the name), then zeros up to a multiple of 8 bytes
//    group_header_size(n)  data (8-byte aligned within the message)

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "lib/common/types.hpp"
#include "lib/shm/errc.hpp"

namespace ringcast::shm {

inline constexpr std::size_t group_header_fixed = 24;
inline constexpr std::size_t group_name_max = 64;
/** The largest header (a 64-byte name): a buffer this big holds any header. */
inline constexpr std::size_t group_header_max = 88;
/** The size of a header whose name has `name_len` bytes (padded to 8). */
[[nodiscard]] constexpr std::size_t group_header_size(std::size_t name_len) noexcept {
    return (group_header_fixed + name_len + 7) & ~std::size_t{7};
}
static_assert(group_header_size(group_name_max) == group_header_max);
inline constexpr std::uint16_t group_magic = 0x5247;
inline constexpr std::uint8_t group_version = 2;

enum class group_msg_kind : std::uint8_t { data = 1, join = 2, leave = 3, sync = 4 };

/** group_header::flags: the daemon left every group for a client that died or was dropped. */
inline constexpr std::uint8_t group_flag_client_gone = 1u << 0;
/** group_header::flags: the last chunk of a node's sync report. */
inline constexpr std::uint8_t group_flag_sync_last = 1u << 1;

/** A process in a group: the node it runs on, its pid, and its connection's client id. */
struct member {
    node_id node = node_id_none;
    std::uint32_t pid = 0;
    std::uint32_t client = 0;
    friend constexpr bool operator==(const member&, const member&) = default;
    friend constexpr auto operator<=>(const member&, const member&) = default;
};

/** A parsed group header. `name` views the caller's buffer passed to parse_group_header. */
struct group_header {
    group_msg_kind kind = group_msg_kind::data;
    std::uint8_t flags = 0;
    member sender;
    std::string_view name;
    /** Bytes the header takes in its message (group_header_size of the name); set by parse. */
    std::uint32_t size = 0;
};

/** Writes a header into out[0..group_header_size(h.name.size())), which `out` must hold; name
 *  must satisfy group_name_ok (or be empty for a leave-all).
 *  @return the header's size: the message's data starts there. */
std::size_t encode_group_header(std::span<std::byte> out, const group_header& h) noexcept;

/** True for 1..64 bytes with no NUL and no control characters. */
[[nodiscard]] bool group_name_ok(std::string_view name) noexcept;

/**
 * Parses a header from the front of `in` (the first min(message length, group_header_max) bytes
 * of a message, already copied out of shared memory by the caller), whose name the result views;
 * sets out.size.
 * @return ok, or bad_group for a wrong magic/version/kind, a bad name, non-zero reserved or
 *         padding bytes, or a header longer than `in`.
 */
errc parse_group_header(std::span<const std::byte> in, group_header& out) noexcept;

/** Why a view changed. */
enum class view_reason : std::uint8_t {
    join = 1,        ///< a member joined
    leave = 2,       ///< a member left (ringcast_leave)
    client_gone = 3, ///< a member's process exited, was killed or was dropped by its daemon
    node_down = 4,   ///< a member's node left the ring configuration
    sync = 5,        ///< members reconciled after nodes (re)joined the ring (group_sync)
};

/**
 * A view change as a delivery-ring record of kind membership:
 *   u8 reason, u8 name length, u16 0, u32 group id, u32 #members, u32 #joined, u32 #left, u32 0,
 *   name[64], then (#members + #joined + #left) x {u32 node, u32 pid, u32 client}. Host order:
 *   it never leaves the machine.
 */
inline constexpr std::size_t view_fixed_size = 24 + group_name_max;
inline constexpr std::size_t view_member_size = 12;

struct view_event {
    std::uint32_t group = 0;
    std::string_view name;
    view_reason reason = view_reason::join;
    std::span<const member> members;
    std::span<const member> joined;
    std::span<const member> left;
};

[[nodiscard]] constexpr std::size_t view_event_size(std::size_t members, std::size_t joined,
                                                    std::size_t left) noexcept {
    return view_fixed_size + (members + joined + left) * view_member_size;
}

/** Writes ev into out (exactly view_event_size(...) bytes). */
void encode_view_event(std::span<std::byte> out, const view_event& ev) noexcept;

/**
 * Reads the fixed part of a view record; the member arrays are read with view_member_at.
 * @return false when the sizes do not add up (a corrupt record).
 */
[[nodiscard]] bool parse_view_fixed(std::span<const std::byte> in, view_event& ev,
                                    std::uint32_t counts[3]) noexcept;
[[nodiscard]] member view_member_at(std::span<const std::byte> in, std::size_t index) noexcept;

} // namespace ringcast::shm
