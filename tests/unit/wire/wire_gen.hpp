#pragma once
// Seeded generators of valid ringcast messages and frames for the wire tests. Field values lean
// towards the edges (0, 1, all ones) because that is where a codec's width and sign bugs live.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <variant>
#include <vector>

#include "lib/wire/codec.hpp"

namespace ringcast::wire::test {

using rng_t = std::mt19937_64;
using byte_vec = std::vector<std::byte>;

inline constexpr eth_addr test_dst{0x01, 0x00, 0x5e, 0x00, 0x00, 0x2a};
inline constexpr eth_addr test_src{0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
inline constexpr std::uint16_t test_ethertype = default_ethertype;
/** Offset of the body in a frame (Ethernet + ringcast header). */
inline constexpr std::size_t body_at = eth_header_size + header_size;

/** Big-endian store/load, written independently of the codec's (test oracle). */
template <typename T>
void store_be(std::byte* p, T v) {
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        p[sizeof(T) - 1 - i] = static_cast<std::byte>(static_cast<std::uint64_t>(v) >> (8 * i));
    }
}
template <typename T>
T load_be(const std::byte* p) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
    }
    return static_cast<T>(v);
}

/** Uniform integer in [lo, hi]. */
template <typename T>
T uniform(rng_t& rng, T lo, T hi) {
    return static_cast<T>(std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng));
}

/** A value of T, one time in four 0, one in four all ones, else uniform. */
template <typename T>
T edgy(rng_t& rng) {
    switch (rng() % 4) {
    case 0: return 0;
    case 1: return std::numeric_limits<T>::max();
    default: return static_cast<T>(rng());
    }
}

/** A node id that is a valid member (never 0). */
inline node_id any_node(rng_t& rng) {
    const auto id = edgy<node_id>(rng);
    return id == node_id_none ? 1 : id;
}

inline ring_id any_ring(rng_t& rng) { return {edgy<node_id>(rng), edgy<std::uint64_t>(rng)}; }

inline header random_header(rng_t& rng) {
    header h;
    h.cluster_id = edgy<std::uint32_t>(rng);
    h.sender = edgy<node_id>(rng);
    h.ring = any_ring(rng);
    h.key_epoch = edgy<std::uint32_t>(rng);
    h.nonce = edgy<std::uint64_t>(rng);
    return h;
}

inline token random_token(rng_t& rng, std::size_t n_rtr) {
    token t;
    t.token_seq = edgy<std::uint64_t>(rng);
    t.seq = edgy<std::uint64_t>(rng);
    t.aru = edgy<std::uint64_t>(rng);
    t.aru_node = edgy<node_id>(rng);
    t.fcc = edgy<std::uint32_t>(rng);
    t.backlog = edgy<std::uint32_t>(rng);
    t.retrans_flg = static_cast<std::uint8_t>(rng() % 2);
    t.recovering = static_cast<std::uint8_t>(rng() % (max_nodes + 1));
    for (std::size_t i = 0; i < n_rtr; ++i) {
        t.rtr.push({any_ring(rng), edgy<std::uint64_t>(rng)});
    }
    return t;
}

inline join random_join(rng_t& rng, std::size_t n_proc, std::size_t n_failed) {
    join j;
    j.ring_seq = edgy<std::uint64_t>(rng);
    for (std::size_t i = 0; i < n_proc; ++i) {
        j.proc.push(any_node(rng));
    }
    for (std::size_t i = 0; i < n_failed; ++i) {
        j.failed.push(any_node(rng));
    }
    return j;
}

inline commit_token random_commit(rng_t& rng, std::size_t n_members) {
    commit_token c;
    c.token_seq = edgy<std::uint64_t>(rng);
    for (std::size_t i = 0; i < n_members; ++i) {
        commit_member m;
        m.id = any_node(rng);
        m.old_ring = any_ring(rng);
        m.old_aru = edgy<std::uint64_t>(rng);
        m.high_delivered = edgy<std::uint64_t>(rng);
        m.received_flg = static_cast<std::uint8_t>(rng() % 2);
        c.members.push(m);
    }
    c.memb_index = uniform<std::uint16_t>(rng, 0, static_cast<std::uint16_t>(n_members - 1));
    return c;
}

/** An mcast and the storage its payload view points into. */
struct mcast_sample {
    mcast fields;
    byte_vec payload;
    [[nodiscard]] mcast_view view() const { return {fields, payload}; }
};

/** Appends one chunk (header and len random bytes) to payload. */
inline void append_chunk(rng_t& rng, byte_vec& payload, chunk_kind kind, std::uint32_t len) {
    const std::size_t at = payload.size();
    payload.resize(at + chunk_header_size + len);
    encode_chunk_header(payload.data() + at, kind, len);
    for (std::size_t i = 0; i < len; ++i) {
        payload[at + chunk_header_size + i] = static_cast<std::byte>(rng());
    }
}

/**
 * A valid mcast of 1..max_count chunks whose payload is at most max_payload bytes
 * (max_payload >= chunk_header_size * max_count).
 */
inline mcast_sample random_mcast(rng_t& rng, std::size_t max_payload, std::size_t max_count) {
    mcast_sample s;
    s.fields.seq = edgy<std::uint64_t>(rng);
    s.fields.origin_ring = any_ring(rng);
    s.fields.origin_seq = edgy<std::uint64_t>(rng);
    s.fields.origin = edgy<node_id>(rng);
    s.fields.svc = static_cast<service>(rng() % 2);
    s.fields.flags = static_cast<std::uint8_t>(rng() % 4);
    const auto count = uniform<std::size_t>(rng, 1, max_count);
    std::size_t budget = max_payload - count * chunk_header_size;
    for (std::size_t i = 0; i < count; ++i) {
        const auto kind = static_cast<chunk_kind>(rng() % 4);
        const std::size_t share = budget / (count - i);
        auto len = uniform<std::size_t>(rng, 0, share);
        if (kind != chunk_kind::whole && len == 0) {
            len = budget > 0 ? 1 : 0;
        }
        const chunk_kind k = len == 0 ? chunk_kind::whole : kind;
        append_chunk(rng, s.payload, k, static_cast<std::uint32_t>(len));
        budget -= len;
    }
    s.fields.chunk_count = static_cast<std::uint16_t>(count);
    return s;
}

/** A random valid body of type t; an mcast's payload lives in storage. */
inline frame_body random_body(rng_t& rng, msg_type t, mcast_sample& storage) {
    switch (t) {
    case msg_type::mcast:
        storage = random_mcast(rng, uniform<std::size_t>(rng, 64, 1400), 8);
        return storage.view();
    case msg_type::orf_token: return random_token(rng, uniform<std::size_t>(rng, 0, max_rtr_items));
    case msg_type::join:
        return random_join(rng, uniform<std::size_t>(rng, 0, max_nodes),
                           uniform<std::size_t>(rng, 0, max_nodes));
    case msg_type::commit_token: return random_commit(rng, uniform<std::size_t>(rng, 1, max_nodes));
    case msg_type::merge_detect: return merge_detect{};
    case msg_type::token_hold_cancel: return token_hold_cancel{};
    }
    return merge_detect{};
}

inline constexpr msg_type all_types[] = {msg_type::mcast,        msg_type::orf_token,
                                         msg_type::join,         msg_type::commit_token,
                                         msg_type::merge_detect, msg_type::token_hold_cancel};

/** Equality of bodies, comparing an mcast's payload by content. */
inline bool same_body(const frame_body& a, const frame_body& b) {
    if (a.index() != b.index()) {
        return false;
    }
    if (const auto* ma = std::get_if<mcast_view>(&a)) {
        const auto& mb = std::get<mcast_view>(b);
        return ma->fields == mb.fields && ma->payload.size() == mb.payload.size() &&
               std::equal(ma->payload.begin(), ma->payload.end(), mb.payload.begin());
    }
    if (const auto* ta = std::get_if<token>(&a)) {
        return *ta == std::get<token>(b);
    }
    if (const auto* ja = std::get_if<join>(&a)) {
        return *ja == std::get<join>(b);
    }
    if (const auto* ca = std::get_if<commit_token>(&a)) {
        return *ca == std::get<commit_token>(b);
    }
    return true; // the empty bodies
}

/** Encodes a whole frame; an empty vector when encode_frame fails. */
inline byte_vec encode(const header& h, const frame_body& body) {
    byte_vec buf(frame_overhead + body_size(body));
    const encode_result r = encode_frame(buf, test_dst, test_src, test_ethertype, h, body);
    if (r.err != errc::ok || r.size != buf.size()) {
        return {};
    }
    return buf;
}

/** A random valid frame of type t. */
inline byte_vec random_frame(rng_t& rng, msg_type t) {
    mcast_sample storage;
    return encode(random_header(rng), random_body(rng, t, storage));
}

} // namespace ringcast::wire::test
