#pragma once
// Result codes of the shared-memory rings, the group header and the client handshake. A hostile
// peer's writes become one of these, never undefined behaviour; callers count them per reason.

#include <cstdint>

namespace ringcast::shm {

enum class [[nodiscard]] errc : std::uint8_t {
    ok = 0,
    empty,          ///< consumer: nothing committed
    full,           ///< producer: not enough free space now (would block)
    too_large,      ///< producer: payload over the ring's record_max
    bad_cursor,     ///< the other side's cursor is impossible (behind, ahead by > capacity, unaligned)
    bad_header,     ///< record header check word or reserved field wrong
    bad_kind,       ///< unknown record kind, or padding where none can be
    bad_length,     ///< record length over record_max or past the committed data or the end
    bad_layout,     ///< region or ring header: magic, version or sizes wrong
    bad_group,      ///< group header: magic, version, kind, name or sender wrong
    count_,
};

/** Static text naming e (for logs and disconnect reasons). */
[[nodiscard]] const char* to_string(errc e) noexcept;

} // namespace ringcast::shm
