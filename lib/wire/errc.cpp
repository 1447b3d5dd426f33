#include "lib/wire/errc.hpp"

namespace ringcast::wire {

std::string_view to_string(errc e) noexcept {
    switch (e) {
    case errc::ok: return "ok";
    case errc::truncated: return "truncated";
    case errc::bad_ethertype: return "bad_ethertype";
    case errc::bad_magic: return "bad_magic";
    case errc::bad_version: return "bad_version";
    case errc::unknown_type: return "unknown_type";
    case errc::length_mismatch: return "length_mismatch";
    case errc::list_over_bound: return "list_over_bound";
    case errc::bad_field: return "bad_field";
    case errc::bad_chunk: return "bad_chunk";
    case errc::buffer_too_small: return "buffer_too_small";
    case errc::count_: break;
    }
    return "unknown";
}

} // namespace ringcast::wire
