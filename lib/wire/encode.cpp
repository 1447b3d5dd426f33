// Encoding of ringcast frames into caller-provided buffers.
//
// The encoder refuses (bad_field) any value the decoder would reject, so a frame that encodes ok
// always decodes to the same value. The one exception is the packed mcast payload: walking it on
// every send would cost O(chunks) on the hot path, so it is trusted (the packer builds it with
// encode_chunk_header) and only checked by RC_DEBUG_ASSERT in debug and sim builds.

#include <cstring>
#include <limits>
#include <variant>

#include "lib/common/assert.hpp"
#include "lib/wire/codec.hpp"
#include "lib/wire/layout.hpp"

namespace ringcast::wire {
namespace {

namespace L = layout;

// The variant order is the msg_type order: type_of relies on it.
static_assert(std::is_same_v<std::variant_alternative_t<0, frame_body>, mcast_view>);
static_assert(std::is_same_v<std::variant_alternative_t<1, frame_body>, token>);
static_assert(std::is_same_v<std::variant_alternative_t<2, frame_body>, join>);
static_assert(std::is_same_v<std::variant_alternative_t<3, frame_body>, commit_token>);
static_assert(std::is_same_v<std::variant_alternative_t<4, frame_body>, merge_detect>);
static_assert(std::is_same_v<std::variant_alternative_t<5, frame_body>, token_hold_cancel>);
static_assert(static_cast<int>(msg_type::mcast) == 1 &&
              static_cast<int>(msg_type::token_hold_cancel) == 6);

template <typename T>
void put(std::byte* p, T v) noexcept {
    store_be<T>(p, v);
}

// ---- sizes ----

std::size_t size_of(const mcast_view& m) noexcept { return mcast_fixed_size + m.payload.size(); }
std::size_t size_of(const token& t) noexcept {
    return token_fixed_size + t.rtr.size() * rtr_item_size;
}
std::size_t size_of(const join& j) noexcept {
    return join_fixed_size + (j.proc.size() + j.failed.size()) * L::jn::node_id_size;
}
std::size_t size_of(const commit_token& c) noexcept {
    return commit_fixed_size + c.members.size() * commit_member_size;
}
std::size_t size_of(const merge_detect&) noexcept { return 0; }
std::size_t size_of(const token_hold_cancel&) noexcept { return 0; }

// ---- checks: the decoder's rules, applied before writing ----

// Debug-only walk of a payload the packer built (see the file comment).
[[maybe_unused]] bool chunks_fill(std::span<const std::byte> payload, std::size_t count) noexcept {
    chunk_reader reader(payload);
    chunk c;
    std::size_t n = 0;
    while (reader.next(c)) {
        ++n;
    }
    return n == count && reader.offset() == payload.size();
}

bool valid(const mcast_view& m) noexcept {
    RC_DEBUG_ASSERT(m.fields.chunk_count == 0 || chunks_fill(m.payload, m.fields.chunk_count));
    return m.fields.svc <= service::safe && (m.fields.flags & ~mcast_flags_defined) == 0 &&
           m.fields.chunk_count >= 1 && m.fields.chunk_count <= max_chunks;
}
bool valid(const token& t) noexcept { return t.retrans_flg <= 1 && t.recovering <= max_nodes; }
bool no_zero_id(const static_vec<node_id, max_nodes>& set) noexcept {
    for (const node_id id : set) {
        if (id == node_id_none) {
            return false;
        }
    }
    return true;
}
bool valid(const join& j) noexcept { return no_zero_id(j.proc) && no_zero_id(j.failed); }
bool valid(const commit_token& c) noexcept {
    if (c.members.empty() || c.memb_index >= c.members.size()) {
        return false;
    }
    for (const commit_member& m : c.members) {
        if (m.id == node_id_none || m.received_flg > 1) {
            return false;
        }
    }
    return true;
}
bool valid(const merge_detect&) noexcept { return true; }
bool valid(const token_hold_cancel&) noexcept { return true; }

// ---- writers: out holds exactly size_of(body) bytes, already checked ----

void write(std::byte* p, const mcast_view& m) noexcept {
    put<std::uint64_t>(p + L::mc::seq, m.fields.seq);
    put<std::uint64_t>(p + L::mc::origin_ring_seq, m.fields.origin_ring.seq);
    put<std::uint64_t>(p + L::mc::origin_seq, m.fields.origin_seq);
    put<std::uint32_t>(p + L::mc::origin_ring_rep, m.fields.origin_ring.rep);
    put<std::uint32_t>(p + L::mc::origin, m.fields.origin);
    put<std::uint8_t>(p + L::mc::svc, static_cast<std::uint8_t>(m.fields.svc));
    put<std::uint8_t>(p + L::mc::flags, m.fields.flags);
    put<std::uint16_t>(p + L::mc::chunk_count, m.fields.chunk_count);
    put<std::uint32_t>(p + L::mc::reserved, 0);
    std::byte* dst = p + mcast_fixed_size;
    // The zero-copy path builds the payload in place; memmove also covers any other overlap.
    if (!m.payload.empty() && m.payload.data() != dst) {
        std::memmove(dst, m.payload.data(), m.payload.size());
    }
}

void write(std::byte* p, const token& t) noexcept {
    put<std::uint64_t>(p + L::tok::token_seq, t.token_seq);
    put<std::uint64_t>(p + L::tok::seq, t.seq);
    put<std::uint64_t>(p + L::tok::aru, t.aru);
    put<std::uint32_t>(p + L::tok::aru_node, t.aru_node);
    put<std::uint32_t>(p + L::tok::fcc, t.fcc);
    put<std::uint32_t>(p + L::tok::backlog, t.backlog);
    put<std::uint8_t>(p + L::tok::retrans_flg, t.retrans_flg);
    put<std::uint8_t>(p + L::tok::recovering, t.recovering);
    put<std::uint16_t>(p + L::tok::rtr_count, static_cast<std::uint16_t>(t.rtr.size()));
    std::byte* q = p + token_fixed_size;
    for (const rtr_item& r : t.rtr) {
        put<std::uint32_t>(q + L::rtr::ring_rep, r.ring.rep);
        put<std::uint32_t>(q + L::rtr::reserved, 0);
        put<std::uint64_t>(q + L::rtr::ring_seq, r.ring.seq);
        put<std::uint64_t>(q + L::rtr::seq, r.seq);
        q += rtr_item_size;
    }
}

void write(std::byte* p, const join& j) noexcept {
    put<std::uint64_t>(p + L::jn::ring_seq, j.ring_seq);
    put<std::uint16_t>(p + L::jn::proc_count, static_cast<std::uint16_t>(j.proc.size()));
    put<std::uint16_t>(p + L::jn::failed_count, static_cast<std::uint16_t>(j.failed.size()));
    put<std::uint32_t>(p + L::jn::reserved, 0);
    std::byte* q = p + join_fixed_size;
    for (const node_id id : j.proc) {
        put<std::uint32_t>(q, id);
        q += L::jn::node_id_size;
    }
    for (const node_id id : j.failed) {
        put<std::uint32_t>(q, id);
        q += L::jn::node_id_size;
    }
}

void write(std::byte* p, const commit_token& c) noexcept {
    put<std::uint64_t>(p + L::ct::token_seq, c.token_seq);
    put<std::uint16_t>(p + L::ct::member_count, static_cast<std::uint16_t>(c.members.size()));
    put<std::uint16_t>(p + L::ct::memb_index, c.memb_index);
    put<std::uint32_t>(p + L::ct::reserved, 0);
    std::byte* q = p + commit_fixed_size;
    for (const commit_member& m : c.members) {
        put<std::uint32_t>(q + L::cm::id, m.id);
        put<std::uint32_t>(q + L::cm::old_ring_rep, m.old_ring.rep);
        put<std::uint64_t>(q + L::cm::old_ring_seq, m.old_ring.seq);
        put<std::uint64_t>(q + L::cm::old_aru, m.old_aru);
        put<std::uint64_t>(q + L::cm::high_delivered, m.high_delivered);
        put<std::uint8_t>(q + L::cm::received_flg, m.received_flg);
        std::memset(q + L::cm::reserved, 0, L::cm::reserved_len);
        q += commit_member_size;
    }
}

void write(std::byte*, const merge_detect&) noexcept {}
void write(std::byte*, const token_hold_cancel&) noexcept {}

template <typename Body>
encode_result encode_one(std::span<std::byte> out, const Body& body) noexcept {
    if (!valid(body)) {
        return {errc::bad_field, 0};
    }
    const std::size_t n = size_of(body);
    if (out.size() < n) {
        return {errc::buffer_too_small, 0};
    }
    write(out.data(), body);
    return {errc::ok, n};
}

} // namespace

msg_type type_of(const frame_body& body) noexcept {
    return static_cast<msg_type>(body.index() + 1);
}

std::size_t body_size(const frame_body& body) noexcept {
    return std::visit([](const auto& b) noexcept { return size_of(b); }, body);
}

errc encode_eth(std::span<std::byte> out, const eth_addr& dst, const eth_addr& src,
                std::uint16_t ethertype) noexcept {
    if (out.size() < eth_header_size) {
        return errc::buffer_too_small;
    }
    std::memcpy(out.data() + L::eth::dst, dst.data(), eth_addr_size);
    std::memcpy(out.data() + L::eth::src, src.data(), eth_addr_size);
    put<std::uint16_t>(out.data() + L::eth::ethertype, ethertype);
    return errc::ok;
}

errc encode_header(std::span<std::byte> out, const header& h) noexcept {
    if (h.flags != 0 || !L::valid_type(static_cast<std::uint8_t>(h.type))) {
        return errc::bad_field;
    }
    if (out.size() < header_size) {
        return errc::buffer_too_small;
    }
    std::byte* p = out.data();
    put<std::uint16_t>(p + L::hdr::magic, magic);
    put<std::uint8_t>(p + L::hdr::version, version);
    put<std::uint8_t>(p + L::hdr::type, static_cast<std::uint8_t>(h.type));
    put<std::uint16_t>(p + L::hdr::flags, 0);
    put<std::uint16_t>(p + L::hdr::reserved16, 0);
    put<std::uint32_t>(p + L::hdr::cluster_id, h.cluster_id);
    put<std::uint32_t>(p + L::hdr::sender, h.sender);
    put<std::uint32_t>(p + L::hdr::ring_rep, h.ring.rep);
    put<std::uint32_t>(p + L::hdr::key_epoch, h.key_epoch);
    put<std::uint64_t>(p + L::hdr::ring_seq, h.ring.seq);
    put<std::uint64_t>(p + L::hdr::nonce, h.nonce);
    put<std::uint32_t>(p + L::hdr::body_len, h.body_len);
    put<std::uint32_t>(p + L::hdr::reserved32, 0);
    return errc::ok;
}

encode_result encode_body(std::span<std::byte> out, const frame_body& body) noexcept {
    return std::visit([out](const auto& b) noexcept { return encode_one(out, b); }, body);
}

encode_result encode_frame(std::span<std::byte> out, const eth_addr& dst, const eth_addr& src,
                           std::uint16_t ethertype, const header& h,
                           const frame_body& body) noexcept {
    const std::size_t n_body = body_size(body);
    if (n_body > std::numeric_limits<std::uint32_t>::max()) {
        return {errc::bad_field, 0};
    }
    if (out.size() < frame_overhead + n_body) {
        return {errc::buffer_too_small, 0};
    }
    header hdr = h;
    hdr.type = type_of(body);
    hdr.body_len = static_cast<std::uint32_t>(n_body);
    if (const errc e = encode_header(out.subspan(eth_header_size), hdr); e != errc::ok) {
        return {e, 0};
    }
    const encode_result r = encode_body(out.subspan(eth_header_size + header_size, n_body), body);
    if (r.err != errc::ok) {
        return r;
    }
    (void)encode_eth(out, dst, src, ethertype); // cannot fail: out holds frame_overhead bytes
    std::memset(out.data() + eth_header_size + header_size + n_body, 0, tag_size);
    return {errc::ok, frame_overhead + n_body};
}

void encode_chunk_header(std::byte* p, chunk_kind kind, std::uint32_t len) noexcept {
    put<std::uint32_t>(p + L::chunk::len, len);
    put<std::uint8_t>(p + L::chunk::kind, static_cast<std::uint8_t>(kind));
    std::memset(p + L::chunk::reserved, 0, L::chunk::reserved_len);
}

} // namespace ringcast::wire
