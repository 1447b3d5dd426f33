#pragma once
// Host-order views of every ringcast frame. Decoding fills these from untrusted bytes (see
// codec.hpp); encoding writes them back in network byte order. An mcast's packed payload is never
// copied: mcast_view::payload points into the caller's buffer.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "lib/common/static_vec.hpp"
#include "lib/common/types.hpp"
#include "lib/wire/limits.hpp"

namespace ringcast::wire {

enum class msg_type : std::uint8_t {
    mcast = 1,
    orf_token = 2,
    join = 3,
    commit_token = 4,
    merge_detect = 5,
    token_hold_cancel = 6,
};

/** The fixed 48-byte ringcast header. It is the GCM AAD: authenticated, not encrypted. */
struct header {
    msg_type type = msg_type::mcast;
    std::uint16_t flags = 0;      ///< reserved, must be 0 in version 1
    std::uint32_t cluster_id = 0;
    node_id sender = node_id_none; ///< the node that sealed this frame
    ring_id ring;                 ///< ring the sender is on (for a join: its current ring)
    std::uint32_t key_epoch = 0;
    std::uint64_t nonce = 0;      ///< per-sender GCM counter: IV = (sender, nonce)
    std::uint32_t body_len = 0;   ///< bytes of body between header and tag

    friend bool operator==(const header&, const header&) = default;
};

/** Delivery service of a message. */
enum class service : std::uint8_t { agreed = 0, safe = 1 };

/** How one packed chunk relates to an application message. */
enum class chunk_kind : std::uint8_t { whole = 0, first = 1, middle = 2, last = 3 };

inline constexpr std::uint8_t mcast_flag_encapsulated = 0x01;
/** With encapsulated: the old-ring frame re-sent here was itself a recovery frame on that ring (it
 *  carries a message of an even older ring, already delivered there). */
inline constexpr std::uint8_t mcast_flag_nested = 0x02;
inline constexpr std::uint8_t mcast_flags_defined = mcast_flag_encapsulated | mcast_flag_nested;

/** Fixed part of a regular multicast. */
struct mcast {
    seq_t seq = 0;              ///< seq on header.ring
    ring_id origin_ring;        ///< ring the message was first ordered on (== header.ring unless encapsulated)
    seq_t origin_seq = 0;       ///< seq on origin_ring
    node_id origin = node_id_none; ///< node that originated the message
    service svc = service::agreed;
    std::uint8_t flags = 0;     ///< mcast_flag_*
    std::uint16_t chunk_count = 0;

    friend bool operator==(const mcast&, const mcast&) = default;
};

/** An mcast with its packed payload (chunk_count chunks, each chunk_header_size + len bytes). */
struct mcast_view {
    mcast fields;
    std::span<const std::byte> payload;
};

struct rtr_item {
    ring_id ring;
    seq_t seq = 0;
    friend bool operator==(const rtr_item&, const rtr_item&) = default;
};

/** The ordering, reliability and flow-control token. */
struct token {
    std::uint64_t token_seq = 0;
    seq_t seq = 0;
    seq_t aru = 0;
    node_id aru_node = node_id_none;
    std::uint32_t fcc = 0;
    std::uint32_t backlog = 0;
    std::uint8_t retrans_flg = 0;
    /** Members still re-sending old-ring frames in recovery (each replaces its own 0/1 share). */
    std::uint8_t recovering = 0;
    static_vec<rtr_item, max_rtr_items> rtr;

    friend bool operator==(const token&, const token&) = default;
};

struct join {
    std::uint64_t ring_seq = 0;
    static_vec<node_id, max_nodes> proc;
    static_vec<node_id, max_nodes> failed;

    friend bool operator==(const join&, const join&) = default;
};

struct commit_member {
    node_id id = node_id_none;
    ring_id old_ring;
    seq_t old_aru = 0;
    seq_t high_delivered = 0;
    std::uint8_t received_flg = 0;

    friend bool operator==(const commit_member&, const commit_member&) = default;
};

/** The commit token; its new ring id travels in the header. */
struct commit_token {
    std::uint64_t token_seq = 0;
    std::uint16_t memb_index = 0; ///< index of the member it is addressed to
    static_vec<commit_member, max_nodes> members;

    friend bool operator==(const commit_token&, const commit_token&) = default;
};

struct merge_detect {
    friend bool operator==(const merge_detect&, const merge_detect&) = default;
};
struct token_hold_cancel {
    friend bool operator==(const token_hold_cancel&, const token_hold_cancel&) = default;
};

using frame_body =
    std::variant<mcast_view, token, join, commit_token, merge_detect, token_hold_cancel>;

/** A decoded frame: header plus typed body. */
struct frame {
    header hdr;
    frame_body body;
};

using eth_addr = std::array<std::uint8_t, eth_addr_size>;

} // namespace ringcast::wire
