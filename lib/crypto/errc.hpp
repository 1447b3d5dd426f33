#pragma once
// Why a frame was not sealed or not accepted. One counter per code in the daemon (an array
// indexed by errc), so every drop has a named cause in telemetry.

#include <cstdint>
#include <string_view>

namespace ringcast::crypto {

/** Result of sealing or opening one frame. */
enum class [[nodiscard]] errc : std::uint8_t {
    ok = 0,
    truncated,        ///< fewer bytes than the header and its body_len need (wire::errc::truncated)
    malformed,        ///< any other wire rejection; the exact wire::errc travels alongside
    wrong_cluster,    ///< header cluster_id is not ours
    unknown_node,     ///< sender is not in the configured node set
    stale_epoch,      ///< key_epoch older than the newest one accepted from this sender
    replayed,         ///< counter already accepted in the current window
    too_old,          ///< counter fell behind the 1024-counter replay window
    bad_tag,          ///< GCM tag did not verify: forged, corrupted, or sealed under another key
    nonce_exhausted,  ///< seal: the 64-bit counter space of this key epoch is used up
    buffer_too_small, ///< seal: the output buffer cannot hold the sealed frame
    count_            ///< number of codes (for per-cause counter arrays)
};

/** A short stable name ("bad_tag", "replayed", ...), for logs and telemetry keys. */
[[nodiscard]] std::string_view to_string(errc e) noexcept;

} // namespace ringcast::crypto
