#pragma once
// A daemon configuration change as a delivery-ring record of kind configuration. Only clients
// that set region_flag_configurations get them (ringcast_watch_configurations); they come in
// the delivery order, between the messages and views around them, so a client can tell in which
// configuration of the ring each message was delivered (extended virtual synchrony as the
// daemon sees it). Host order: it never leaves the machine.
//
//   u8 kind (config_event_kind), u8 0, u16 0, u32 ring.rep, u64 ring.seq, u32 #members, u32 0,
//   then #members x u32 node id (ascending).

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/common/types.hpp"

namespace ringcast::shm {

enum class config_event_kind : std::uint8_t {
    transitional = 1,
    regular = 2,
    /** The configuration the daemon was in when it first saw the client's flag: not a change,
     *  and what was delivered in it before is unknown to the client. */
    attach_regular = 3,
    attach_transitional = 4,
};

inline constexpr std::size_t config_event_fixed_size = 24;
/** More than any ring can hold (wire::max_nodes is 64); bounds a corrupt count. */
inline constexpr std::uint32_t config_event_members_max = 256;

struct config_event {
    config_event_kind kind = config_event_kind::regular;
    ring_id ring;
    std::span<const node_id> members;
};

[[nodiscard]] constexpr std::size_t config_event_size(std::size_t members) noexcept {
    return config_event_fixed_size + members * sizeof(std::uint32_t);
}

/** Writes ev into out (exactly config_event_size(ev.members.size()) bytes). */
void encode_config_event(std::span<std::byte> out, const config_event& ev) noexcept;

/**
 * Reads a record written by encode_config_event; `members` receives the ids (room for
 * config_event_members_max) and ev.members views it.
 * @return false for a record whose kind or sizes do not add up
 */
[[nodiscard]] bool parse_config_event(std::span<const std::byte> in, config_event& ev,
                                      node_id* members) noexcept;

} // namespace ringcast::shm
