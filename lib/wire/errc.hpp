#pragma once

#include <cstdint>
#include <string_view>

namespace ringcast::wire {

/** Why a byte string is not a valid ringcast frame (or could not be encoded). */
enum class [[nodiscard]] errc : std::uint8_t {
    ok = 0,
    truncated,        ///< fewer bytes than the fixed part of the header or body needs
    bad_ethertype,    ///< Ethernet frame of another protocol
    bad_magic,        ///< not a ringcast header
    bad_version,      ///< a ringcast version this build does not speak
    unknown_type,     ///< message type not in msg_type
    length_mismatch,  ///< body_len disagrees with the bytes present, or a list with its byte count
    list_over_bound,  ///< a count above its limits.hpp bound
    bad_field,        ///< a reserved field not zero, an enum out of range, an impossible value
    bad_chunk,        ///< packed application messages do not exactly fill the mcast payload
    buffer_too_small, ///< encode: the output buffer cannot hold the frame
    count_            ///< number of codes (for per-cause counter arrays)
};

/** A short stable name ("truncated", "bad_magic", ...), for logs and telemetry keys. */
[[nodiscard]] std::string_view to_string(errc e) noexcept;

} // namespace ringcast::wire
