#pragma once
// Encoding and decoding of ringcast frames. All functions are noexcept, never allocate, never read
// or write outside the spans they are given, and report every malformation as an errc.
//
// Frame layout: | Ethernet 14 | ringcast header 48 | body (body_len) | GCM tag 16 |

#include <cstddef>
#include <span>

#include "lib/wire/errc.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::wire {

/** The parts of an Ethernet frame carrying ringcast, as spans into the frame. */
struct parsed_frame {
    eth_addr dst{};
    eth_addr src{};
    header hdr;
    std::span<const std::byte> header_bytes; ///< the 48 header bytes (the GCM AAD)
    std::span<const std::byte> body;         ///< body_len bytes (ciphertext until opened)
    std::span<const std::byte> tag;          ///< 16 bytes
};

/**
 * Splits an Ethernet frame and decodes its ringcast header.
 * @return ok; truncated; bad_ethertype; bad_magic; bad_version; unknown_type; bad_field (flags);
 *         length_mismatch when the frame is not exactly header + body_len + tag (Ethernet padding
 *         of short frames up to 60 bytes is allowed after the tag).
 * Padding rule: a frame of exactly eth_min_frame_size (60) bytes may carry zero bytes after the
 * tag. Every ringcast frame is at least frame_overhead (78) bytes, so today this never applies.
 * On error `out` is unspecified; on ok its spans point into eth_frame.
 */
[[nodiscard]] errc parse_frame(std::span<const std::byte> eth_frame, std::uint16_t ethertype,
                               parsed_frame& out) noexcept;

/** Decodes the 48-byte ringcast header at the start of buf (same checks as parse_frame). */
[[nodiscard]] errc decode_header(std::span<const std::byte> buf, header& out) noexcept;

/**
 * Decodes a plaintext body of type h.type. body must be exactly h.body_len bytes.
 * For an mcast, validates that chunk_count chunks exactly fill the payload.
 * @return ok; truncated (fixed part short); length_mismatch (body.size() != h.body_len, or a
 *         list count disagrees with the bytes present); list_over_bound (a count above its
 *         limits.hpp bound); bad_field (reserved bytes, flag bits or enums out of range, node id
 *         0 in a join set or commit member, member_count 0, memb_index >= member_count, a chunk
 *         header's kind or reserved bytes); bad_chunk (chunk_count 0, chunks not exactly filling
 *         the payload, an empty first/middle/last fragment). On error `out` is unspecified; on
 *         ok an mcast_view's payload points into `body`.
 */
[[nodiscard]] errc decode_body(const header& h, std::span<const std::byte> body,
                               frame_body& out) noexcept;

/** parse_frame + decode_body on a plaintext frame (tests, simulator, fuzzing). */
[[nodiscard]] errc decode_frame(std::span<const std::byte> eth_frame, std::uint16_t ethertype,
                                frame& out) noexcept;

struct encode_result {
    errc err = errc::ok;
    std::size_t size = 0; ///< bytes written
};

/** Writes the 14-byte Ethernet header. @return ok or buffer_too_small. */
[[nodiscard]] errc encode_eth(std::span<std::byte> out, const eth_addr& dst, const eth_addr& src,
                              std::uint16_t ethertype) noexcept;

/**
 * Writes the 48-byte header (h.body_len as given).
 * @return ok; buffer_too_small; bad_field when h.flags != 0 or h.type is not a msg_type.
 */
[[nodiscard]] errc encode_header(std::span<std::byte> out, const header& h) noexcept;

/**
 * Writes a body. For an mcast_view the 40-byte fixed part is written and the payload copied
 * after it, unless it already sits there (payload.data() == out.data() + mcast_fixed_size).
 * @return bytes written, or buffer_too_small / bad_field (as encode_frame).
 */
[[nodiscard]] encode_result encode_body(std::span<std::byte> out, const frame_body& body) noexcept;

/** Bytes encode_body will write for body. */
[[nodiscard]] std::size_t body_size(const frame_body& body) noexcept;

/**
 * Writes a whole plaintext frame: Ethernet header, ringcast header (body_len set from the body,
 * type from the variant), body, and tag_size zero bytes where the tag goes.
 * Refuses (bad_field) every value decode_body would reject, except the packed mcast payload,
 * which is trusted (checked only by RC_DEBUG_ASSERT). On error `out` is unspecified.
 * @return total frame size, or buffer_too_small / bad_field.
 */
[[nodiscard]] encode_result encode_frame(std::span<std::byte> out, const eth_addr& dst,
                                         const eth_addr& src, std::uint16_t ethertype,
                                         const header& h, const frame_body& body) noexcept;

/** Message type a body variant encodes as. */
[[nodiscard]] msg_type type_of(const frame_body& body) noexcept;

// ---- packed application messages (chunks) inside an mcast payload ----

struct chunk {
    chunk_kind kind = chunk_kind::whole;
    std::span<const std::byte> data;
};

/** Writes one chunk header (len, kind, zero reserved bytes) at p (chunk_header_size bytes). */
void encode_chunk_header(std::byte* p, chunk_kind kind, std::uint32_t len) noexcept;

/**
 * Walks the chunks of an mcast payload that decode_body accepted.
 * Returns false at the end (or, defensively, on any malformation).
 */
class chunk_reader {
public:
    explicit chunk_reader(std::span<const std::byte> payload) noexcept : rest_(payload) {}
    [[nodiscard]] bool next(chunk& out) noexcept;
    /** Offset of the next chunk header from the payload start. */
    [[nodiscard]] std::size_t offset() const noexcept { return consumed_; }

private:
    std::span<const std::byte> rest_;
    std::size_t consumed_ = 0;
};

} // namespace ringcast::wire
