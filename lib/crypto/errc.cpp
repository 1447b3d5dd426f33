#include "lib/crypto/errc.hpp"

namespace ringcast::crypto {

std::string_view to_string(errc e) noexcept {
    switch (e) {
    case errc::ok: return "ok";
    case errc::truncated: return "truncated";
    case errc::malformed: return "malformed";
    case errc::wrong_cluster: return "wrong_cluster";
    case errc::unknown_node: return "unknown_node";
    case errc::stale_epoch: return "stale_epoch";
    case errc::replayed: return "replayed";
    case errc::too_old: return "too_old";
    case errc::bad_tag: return "bad_tag";
    case errc::nonce_exhausted: return "nonce_exhausted";
    case errc::buffer_too_small: return "buffer_too_small";
    case errc::count_: break;
    }
    return "unknown";
}

} // namespace ringcast::crypto
