#pragma once
// Sealing and opening whole Ethernet frames, the two calls the daemon's lcore loop makes
// (rte_ipsec's prepare/process split collapsed into one call each, since one frame is one SA op).
//
// Frame: | Ethernet 14 | ringcast header 48 (GCM AAD) | body (body_len, encrypted) | GCM tag 16 |
// IV:    sender (4 BE) || header.nonce (8 BE); key: frame key of (sender, header.key_epoch).

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/crypto/errc.hpp"
#include "lib/crypto/gcm.hpp"
#include "lib/crypto/keyring.hpp"
#include "lib/wire/codec.hpp"
#include "lib/wire/errc.hpp"

namespace ringcast::crypto {

/** Outcome of seal_frame. */
struct [[nodiscard]] seal_result {
    errc err = errc::ok;
    std::size_t size = 0; ///< bytes of the sealed frame (Ethernet header to tag) when ok
};

/**
 * Seals a plaintext frame (as wire::encode_frame writes it: tag bytes present, content ignored).
 * Stamps the header with sender = kr.self(), key_epoch = kr.key_epoch() and the next counter of
 * kr.nonces(), so no caller can reuse an IV; the caller's values of those fields are ignored.
 *
 * @param frame_in  plaintext frame; at least 14 + 48 + body_len + 16 bytes
 * @param frame_out receives the sealed frame; either the same memory as frame_in (in place: the
 *                  plaintext is destroyed) or disjoint from it (frame_in is left untouched, so the
 *                  sender keeps its plaintext for its own delivery and retransmits frame_out as
 *                  is). The Ethernet header is copied over.
 * @return ok with the frame size; truncated or malformed (the header does not decode);
 *         buffer_too_small; nonce_exhausted.
 * Lcore-local (kr and eng); noexcept, no allocation, no syscall.
 */
seal_result seal_frame(engine& eng, keyring& kr, std::span<const std::byte> frame_in,
                       std::span<std::byte> frame_out) noexcept;

/** Outcome of open_frame. */
struct [[nodiscard]] open_result {
    errc err = errc::ok;
    wire::errc wire_err = wire::errc::ok; ///< the parser's reason when err is truncated/malformed
    wire::parsed_frame frame;             ///< when ok: header, and body now holding plaintext
};

/**
 * Authenticates and decrypts a received frame in place. In order: parse the header
 * (wire::parse_frame), check cluster_id, look the sender up, check its key epoch and counter
 * against the replay window, verify the tag and decrypt, then (only now) advance the replay
 * window and the key cache.
 *
 * @param eth_frame the received Ethernet frame; on ok its body holds plaintext, on any error after
 *                  the replay check its body content is unspecified and must not be used.
 * @return ok; truncated / malformed (with wire_err); wrong_cluster; unknown_node; stale_epoch;
 *         replayed; too_old; bad_tag.
 * Lcore-local (eng, kr and rs); noexcept, no allocation, no syscall.
 */
open_result open_frame(engine& eng, keyring& kr, replay_state& rs, std::span<std::byte> eth_frame,
                       std::uint32_t cluster_id,
                       std::uint16_t ethertype = wire::default_ethertype) noexcept;

} // namespace ringcast::crypto
