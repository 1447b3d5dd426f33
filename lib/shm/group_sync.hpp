#pragma once
// The state-sync report: after every regular configuration each node multicasts, through the
// total order, the processes on it and the groups they are in (corosync CPG's joinlist). Nodes
// that were apart (a partition that heals, a node that restarts or starts late) know nothing of
// each other's groups; the reports let every node rebuild the same table at the same point of
// the stream (group_table::apply_sync).
//
// A report is one or more payloads, each: a group header (kind sync, no name, sender {node, 0,
// 0}, flag group_flag_sync_last on the last), then this body, big-endian:
//
//   off  size
//     0     4  ring rep     \ the regular configuration the report answers; a report of an
//     4     4  reserved, 0  | older one (still queued when the ring changed again) is ignored
//     8     8  ring seq     /
//    16     4  entry count
//    20     4  reserved, 0
//    24        entries: u8 name length (1..64), name, u32 pid, u32 client (node = the origin)
//
// The body crosses nodes and comes from the network: parse_sync_body checks every length.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/common/types.hpp"
#include "lib/shm/group_wire.hpp"

namespace ringcast::shm {

inline constexpr std::size_t sync_body_fixed = 24;
inline constexpr std::size_t sync_entry_max = 1 + group_name_max + 8;
/** Largest report payload a node sends or accepts (group header included). A constant, not a
 *  config value, so every node accepts or drops a given payload alike. */
inline constexpr std::size_t sync_payload_max = 16384;
/** Smallest payload that holds one entry of any name. */
inline constexpr std::size_t sync_payload_min = group_header_size(0) + sync_body_fixed + sync_entry_max;

/** One process in one group, as its own node reports it. */
struct sync_entry {
    std::string_view name;
    std::uint32_t pid = 0;
    std::uint32_t client = 0;
};

/** Where each payload of an encoded report is in the output buffer. */
struct sync_chunk {
    std::size_t offset = 0;
    std::size_t size = 0;
};

/**
 * Encodes `entries` (names must satisfy group_name_ok) as payloads of at most `payload_max`
 * bytes (clamped to sync_payload_min..sync_payload_max), appended to out/chunks. An empty list
 * still gives one payload: "this node has no members" is a report too.
 */
void encode_sync_report(node_id self, ring_id ring, std::span<const sync_entry> entries,
                        std::size_t payload_max, std::vector<std::byte>& out,
                        std::vector<sync_chunk>& chunks);

/**
 * Parses the body after the group header; entry names view `body`. Appends to `out` (the
 * caller reserves; at most body.size() / 10 entries fit).
 * @return false for a short body, non-zero reserved bytes, a count that does not match, a bad
 *         name, or trailing bytes
 */
[[nodiscard]] bool parse_sync_body(std::span<const std::byte> body, ring_id& ring,
                                   std::vector<sync_entry>& out) noexcept;

} // namespace ringcast::shm
