#include "lib/crypto/frame.hpp"

#include <cstring>

#include "lib/common/assert.hpp"

namespace ringcast::crypto {

namespace {

constexpr std::size_t header_offset = wire::eth_header_size;
constexpr std::size_t body_offset = wire::eth_header_size + wire::header_size;

errc from_wire(wire::errc e) noexcept {
    return e == wire::errc::truncated ? errc::truncated : errc::malformed;
}

} // namespace

seal_result seal_frame(engine& eng, keyring& kr, std::span<const std::byte> frame_in,
                       std::span<std::byte> frame_out) noexcept {
    if (frame_in.size() < body_offset) {
        return {errc::truncated, 0};
    }
    wire::header h;
    if (const wire::errc e = wire::decode_header(frame_in.subspan(header_offset), h);
        e != wire::errc::ok) {
        return {from_wire(e), 0};
    }
    const std::size_t size = body_offset + std::size_t{h.body_len} + wire::tag_size;
    if (frame_in.size() < size) {
        return {errc::truncated, 0};
    }
    if (frame_out.size() < size) {
        return {errc::buffer_too_small, 0};
    }
    const bool in_place = frame_in.data() == frame_out.data();
    RC_ASSERT(in_place || frame_in.data() + size <= frame_out.data() ||
              frame_out.data() + size <= frame_in.data());

    std::uint64_t counter = 0;
    if (!kr.nonces().next(counter)) [[unlikely]] {
        return {errc::nonce_exhausted, 0};
    }
    h.sender = kr.self();
    h.key_epoch = kr.key_epoch();
    h.nonce = counter;
    if (!in_place) {
        std::memcpy(frame_out.data(), frame_in.data(), wire::eth_header_size);
    }
    const std::span<std::byte> out_header = frame_out.subspan(header_offset, wire::header_size);
    // The header decoded, so it re-encodes; a failure here is a codec bug.
    RC_ASSERT(wire::encode_header(out_header, h) == wire::errc::ok);

    eng.seal(kr.tx_key(), make_iv(h.sender, h.nonce), out_header,
             frame_in.subspan(body_offset, h.body_len), frame_out.subspan(body_offset, h.body_len),
             frame_out.subspan(body_offset + h.body_len).first<wire::tag_size>());
    return {errc::ok, size};
}

open_result open_frame(engine& eng, keyring& kr, replay_state& rs, std::span<std::byte> eth_frame,
                       std::uint32_t cluster_id, std::uint16_t ethertype) noexcept {
    open_result r;
    r.wire_err = wire::parse_frame(eth_frame, ethertype, r.frame);
    if (r.wire_err != wire::errc::ok) {
        r.err = from_wire(r.wire_err);
        return r;
    }
    const wire::header& h = r.frame.hdr;
    if (h.cluster_id != cluster_id) {
        r.err = errc::wrong_cluster;
        return r;
    }
    const std::size_t slot = kr.slot_of(h.sender);
    if (slot == keyring::no_slot) {
        r.err = errc::unknown_node;
        return r;
    }
    // Cheap rejections first: a replay or a stale epoch costs no decryption (nor key derivation).
    replay_window& window = rs[slot];
    r.err = window.check(h.key_epoch, h.nonce);
    if (r.err != errc::ok) {
        return r;
    }

    // The parser's spans are read-only views; decrypt through the caller's mutable frame.
    const auto body_at = static_cast<std::size_t>(r.frame.body.data() - eth_frame.data());
    const std::span<std::byte> body = eth_frame.subspan(body_at, r.frame.body.size());
    const gcm_key& key = kr.rx_key(eng, slot, h.key_epoch);
    if (!eng.open(key, make_iv(h.sender, h.nonce), r.frame.header_bytes, body, body,
                  r.frame.tag.first<wire::tag_size>())) {
        r.err = errc::bad_tag;
        return r;
    }
    kr.commit_rx_key(slot, h.key_epoch);
    window.commit(h.key_epoch, h.nonce);
    return r;
}

} // namespace ringcast::crypto
