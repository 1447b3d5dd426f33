// Decoding of ringcast frames from untrusted bytes.
//
// Every load is preceded by a bounds check against the span it reads, and every count read off the
// wire is compared with its limits.hpp bound before it takes part in any arithmetic, so no input
// can make the decoder read outside its span or overflow. Within one message the checks run in a
// fixed order, so that each malformation maps to exactly one errc (the unit tests pin it):
//   1. the fixed part is present                      -> truncated
//   2. fixed-part enums, flags and reserved fields    -> bad_field
//   3. list counts against their bounds               -> list_over_bound (0 members: bad_field)
//   4. list counts against the bytes present          -> length_mismatch
//   5. list items (ids, flags, reserved; mcast chunks) -> bad_field / bad_chunk
// Nothing here allocates: lists land in the static_vecs of the message structs, and an mcast
// payload stays a span into the caller's frame.

#include <cstring>
#include <variant>

#include "lib/wire/codec.hpp"
#include "lib/wire/layout.hpp"

namespace ringcast::wire {
namespace {

namespace L = layout;

using bytes = std::span<const std::byte>;

// Reuses the alternative already held by `out` (a decode loop decodes into the same frame), so a
// token or commit token does not zero its kilobytes of list storage on every frame.
template <typename T>
T& reuse_or_emplace(frame_body& out) noexcept {
    if (T* held = std::get_if<T>(&out)) {
        return *held;
    }
    return out.emplace<T>();
}

// Validates a packed payload of `count` chunks. The walk is bounded by the payload size, so a
// hostile count can cost at most one step per chunk header present.
errc check_chunks(bytes payload, std::size_t count) noexcept {
    // Zero chunks would be an mcast that carries nothing: no sender produces one.
    if (count == 0) {
        return errc::bad_chunk;
    }
    std::size_t off = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (payload.size() - off < chunk_header_size) {
            return errc::bad_chunk;
        }
        const std::byte* c = payload.data() + off;
        const auto len = load_be<std::uint32_t>(c + L::chunk::len);
        const auto kind = load_be<std::uint8_t>(c + L::chunk::kind);
        if (kind > static_cast<std::uint8_t>(chunk_kind::last) ||
            !L::all_zero(c + L::chunk::reserved, L::chunk::reserved_len)) {
            return errc::bad_field;
        }
        // An empty fragment would let a hostile sender stretch reassembly without bound.
        if (kind != static_cast<std::uint8_t>(chunk_kind::whole) && len == 0) {
            return errc::bad_chunk;
        }
        off += chunk_header_size;
        if (len > payload.size() - off) {
            return errc::bad_chunk;
        }
        off += len;
    }
    return off == payload.size() ? errc::ok : errc::bad_chunk;
}

errc decode_mcast(bytes body, frame_body& out_body) noexcept {
    if (body.size() < mcast_fixed_size) {
        return errc::truncated;
    }
    const std::byte* p = body.data();
    const auto svc = load_be<std::uint8_t>(p + L::mc::svc);
    const auto flags = load_be<std::uint8_t>(p + L::mc::flags);
    if (svc > static_cast<std::uint8_t>(service::safe) ||
        (flags & ~mcast_flags_defined) != 0 ||
        load_be<std::uint32_t>(p + L::mc::reserved) != 0) {
        return errc::bad_field;
    }
    const auto count = load_be<std::uint16_t>(p + L::mc::chunk_count);
    if (count > max_chunks) {
        return errc::list_over_bound;
    }
    const bytes payload = body.subspan(mcast_fixed_size);
    if (const errc e = check_chunks(payload, count); e != errc::ok) {
        return e;
    }
    auto& out = reuse_or_emplace<mcast_view>(out_body);
    out.fields.seq = load_be<std::uint64_t>(p + L::mc::seq);
    out.fields.origin_ring.seq = load_be<std::uint64_t>(p + L::mc::origin_ring_seq);
    out.fields.origin_ring.rep = load_be<std::uint32_t>(p + L::mc::origin_ring_rep);
    out.fields.origin_seq = load_be<std::uint64_t>(p + L::mc::origin_seq);
    out.fields.origin = load_be<std::uint32_t>(p + L::mc::origin);
    out.fields.svc = static_cast<service>(svc);
    out.fields.flags = flags;
    out.fields.chunk_count = count;
    out.payload = payload;
    return errc::ok;
}

errc decode_token(bytes body, frame_body& out_body) noexcept {
    if (body.size() < token_fixed_size) {
        return errc::truncated;
    }
    const std::byte* p = body.data();
    const auto retrans = load_be<std::uint8_t>(p + L::tok::retrans_flg);
    const auto recovering = load_be<std::uint8_t>(p + L::tok::recovering);
    if (retrans > 1 || recovering > max_nodes) {
        return errc::bad_field;
    }
    const auto n = load_be<std::uint16_t>(p + L::tok::rtr_count);
    if (n > max_rtr_items) {
        return errc::list_over_bound;
    }
    if (body.size() != token_fixed_size + std::size_t{n} * rtr_item_size) {
        return errc::length_mismatch;
    }
    auto& out = reuse_or_emplace<token>(out_body);
    out.rtr.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::byte* q = p + token_fixed_size + i * rtr_item_size;
        if (load_be<std::uint32_t>(q + L::rtr::reserved) != 0) {
            return errc::bad_field;
        }
        out.rtr[i].ring.rep = load_be<std::uint32_t>(q + L::rtr::ring_rep);
        out.rtr[i].ring.seq = load_be<std::uint64_t>(q + L::rtr::ring_seq);
        out.rtr[i].seq = load_be<std::uint64_t>(q + L::rtr::seq);
    }
    out.token_seq = load_be<std::uint64_t>(p + L::tok::token_seq);
    out.seq = load_be<std::uint64_t>(p + L::tok::seq);
    out.aru = load_be<std::uint64_t>(p + L::tok::aru);
    out.aru_node = load_be<std::uint32_t>(p + L::tok::aru_node);
    out.fcc = load_be<std::uint32_t>(p + L::tok::fcc);
    out.backlog = load_be<std::uint32_t>(p + L::tok::backlog);
    out.retrans_flg = retrans;
    out.recovering = recovering;
    return errc::ok;
}

// Reads n node ids at p into set; node id 0 is never a member (types.hpp).
errc read_node_set(const std::byte* p, std::size_t n,
                   static_vec<node_id, max_nodes>& set) noexcept {
    set.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto id = load_be<std::uint32_t>(p + i * L::jn::node_id_size);
        if (id == node_id_none) {
            return errc::bad_field;
        }
        set[i] = id;
    }
    return errc::ok;
}

errc decode_join(bytes body, frame_body& out_body) noexcept {
    if (body.size() < join_fixed_size) {
        return errc::truncated;
    }
    const std::byte* p = body.data();
    if (load_be<std::uint32_t>(p + L::jn::reserved) != 0) {
        return errc::bad_field;
    }
    const auto n_proc = load_be<std::uint16_t>(p + L::jn::proc_count);
    const auto n_failed = load_be<std::uint16_t>(p + L::jn::failed_count);
    if (n_proc > max_nodes || n_failed > max_nodes) {
        return errc::list_over_bound;
    }
    const std::size_t n_ids = std::size_t{n_proc} + n_failed;
    if (body.size() != join_fixed_size + n_ids * L::jn::node_id_size) {
        return errc::length_mismatch;
    }
    auto& out = reuse_or_emplace<join>(out_body);
    out.ring_seq = load_be<std::uint64_t>(p + L::jn::ring_seq);
    const std::byte* ids = p + join_fixed_size;
    if (const errc e = read_node_set(ids, n_proc, out.proc); e != errc::ok) {
        return e;
    }
    return read_node_set(ids + std::size_t{n_proc} * L::jn::node_id_size, n_failed, out.failed);
}

errc decode_commit_member(const std::byte* q, commit_member& m) noexcept {
    const auto id = load_be<std::uint32_t>(q + L::cm::id);
    const auto received = load_be<std::uint8_t>(q + L::cm::received_flg);
    if (id == node_id_none || received > 1 ||
        !L::all_zero(q + L::cm::reserved, L::cm::reserved_len)) {
        return errc::bad_field;
    }
    m.id = id;
    m.old_ring.rep = load_be<std::uint32_t>(q + L::cm::old_ring_rep);
    m.old_ring.seq = load_be<std::uint64_t>(q + L::cm::old_ring_seq);
    m.old_aru = load_be<std::uint64_t>(q + L::cm::old_aru);
    m.high_delivered = load_be<std::uint64_t>(q + L::cm::high_delivered);
    m.received_flg = received;
    return errc::ok;
}

errc decode_commit(bytes body, frame_body& out_body) noexcept {
    if (body.size() < commit_fixed_size) {
        return errc::truncated;
    }
    const std::byte* p = body.data();
    if (load_be<std::uint32_t>(p + L::ct::reserved) != 0) {
        return errc::bad_field;
    }
    const auto n = load_be<std::uint16_t>(p + L::ct::member_count);
    const auto index = load_be<std::uint16_t>(p + L::ct::memb_index);
    if (n > max_nodes) {
        return errc::list_over_bound;
    }
    // A commit token always names at least its creator, and is addressed to one of its members.
    if (n == 0 || index >= n) {
        return errc::bad_field;
    }
    if (body.size() != commit_fixed_size + std::size_t{n} * commit_member_size) {
        return errc::length_mismatch;
    }
    auto& out = reuse_or_emplace<commit_token>(out_body);
    out.token_seq = load_be<std::uint64_t>(p + L::ct::token_seq);
    out.memb_index = index;
    out.members.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::byte* q = p + commit_fixed_size + i * commit_member_size;
        if (const errc e = decode_commit_member(q, out.members[i]); e != errc::ok) {
            return e;
        }
    }
    return errc::ok;
}

// Padding is accepted only in the one shape a NIC produces: a frame of exactly the Ethernet
// minimum whose bytes past the ringcast frame are zero. See eth_min_frame_size in limits.hpp.
bool is_min_frame_padding(bytes frame, std::uint64_t needed) noexcept {
    return frame.size() == eth_min_frame_size && needed < eth_min_frame_size &&
           L::all_zero(frame.data() + needed, eth_min_frame_size - needed);
}

} // namespace

errc decode_header(std::span<const std::byte> buf, header& out) noexcept {
    if (buf.size() < header_size) {
        return errc::truncated;
    }
    const std::byte* p = buf.data();
    if (load_be<std::uint16_t>(p + L::hdr::magic) != magic) {
        return errc::bad_magic;
    }
    if (load_be<std::uint8_t>(p + L::hdr::version) != version) {
        return errc::bad_version;
    }
    const auto type = load_be<std::uint8_t>(p + L::hdr::type);
    if (!L::valid_type(type)) {
        return errc::unknown_type;
    }
    if (load_be<std::uint16_t>(p + L::hdr::flags) != 0 ||
        load_be<std::uint16_t>(p + L::hdr::reserved16) != 0 ||
        load_be<std::uint32_t>(p + L::hdr::reserved32) != 0) {
        return errc::bad_field;
    }
    out.type = static_cast<msg_type>(type);
    out.flags = 0;
    out.cluster_id = load_be<std::uint32_t>(p + L::hdr::cluster_id);
    out.sender = load_be<std::uint32_t>(p + L::hdr::sender);
    out.ring.rep = load_be<std::uint32_t>(p + L::hdr::ring_rep);
    out.ring.seq = load_be<std::uint64_t>(p + L::hdr::ring_seq);
    out.key_epoch = load_be<std::uint32_t>(p + L::hdr::key_epoch);
    out.nonce = load_be<std::uint64_t>(p + L::hdr::nonce);
    out.body_len = load_be<std::uint32_t>(p + L::hdr::body_len);
    return errc::ok;
}

errc parse_frame(std::span<const std::byte> eth_frame, std::uint16_t ethertype,
                 parsed_frame& out) noexcept {
    if (eth_frame.size() < eth_header_size) {
        return errc::truncated;
    }
    if (load_be<std::uint16_t>(eth_frame.data() + L::eth::ethertype) != ethertype) {
        return errc::bad_ethertype;
    }
    if (const errc e = decode_header(eth_frame.subspan(eth_header_size), out.hdr); e != errc::ok) {
        return e;
    }
    // 64-bit arithmetic: body_len is a hostile u32 and must not wrap on any platform.
    const std::uint64_t needed = std::uint64_t{frame_overhead} + out.hdr.body_len;
    if (eth_frame.size() != needed && !is_min_frame_padding(eth_frame, needed)) {
        return errc::length_mismatch;
    }
    std::memcpy(out.dst.data(), eth_frame.data() + L::eth::dst, eth_addr_size);
    std::memcpy(out.src.data(), eth_frame.data() + L::eth::src, eth_addr_size);
    out.header_bytes = eth_frame.subspan(eth_header_size, header_size);
    out.body = eth_frame.subspan(eth_header_size + header_size, out.hdr.body_len);
    out.tag = eth_frame.subspan(eth_header_size + header_size + out.hdr.body_len, tag_size);
    return errc::ok;
}

errc decode_body(const header& h, std::span<const std::byte> body, frame_body& out) noexcept {
    if (body.size() != h.body_len) {
        return errc::length_mismatch;
    }
    switch (h.type) {
    case msg_type::mcast: return decode_mcast(body, out);
    case msg_type::orf_token: return decode_token(body, out);
    case msg_type::join: return decode_join(body, out);
    case msg_type::commit_token: return decode_commit(body, out);
    case msg_type::merge_detect:
        if (!body.empty()) {
            return errc::length_mismatch;
        }
        out.emplace<merge_detect>();
        return errc::ok;
    case msg_type::token_hold_cancel:
        if (!body.empty()) {
            return errc::length_mismatch;
        }
        out.emplace<token_hold_cancel>();
        return errc::ok;
    }
    // A header built by hand (decode_header never yields this) with a type outside the enum.
    return errc::unknown_type;
}

errc decode_frame(std::span<const std::byte> eth_frame, std::uint16_t ethertype,
                  frame& out) noexcept {
    parsed_frame parsed;
    if (const errc e = parse_frame(eth_frame, ethertype, parsed); e != errc::ok) {
        return e;
    }
    out.hdr = parsed.hdr;
    return decode_body(parsed.hdr, parsed.body, out.body);
}

bool chunk_reader::next(chunk& out) noexcept {
    if (rest_.size() < chunk_header_size) {
        rest_ = {};
        return false;
    }
    const std::byte* c = rest_.data();
    const auto len = load_be<std::uint32_t>(c + L::chunk::len);
    const auto kind = load_be<std::uint8_t>(c + L::chunk::kind);
    // Defensive: a payload that skipped decode_body ends the walk instead of reading past it.
    if (kind > static_cast<std::uint8_t>(chunk_kind::last) ||
        len > rest_.size() - chunk_header_size) {
        rest_ = {};
        return false;
    }
    out.kind = static_cast<chunk_kind>(kind);
    out.data = rest_.subspan(chunk_header_size, len);
    rest_ = rest_.subspan(chunk_header_size + len);
    consumed_ += chunk_header_size + len;
    return true;
}

} // namespace ringcast::wire
