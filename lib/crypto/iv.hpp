#pragma once
// The 96-bit GCM IV of a frame and the counter that makes it unique.
//
// IV = sender node id (4 bytes BE) || per-sender counter (8 bytes BE), the counter being the
// header's nonce field. Uniqueness of (key, IV): the frame key is derived from (master, sender,
// key_epoch) (see gcm.hpp), so only the one node that owns `sender` ever seals under it, and within
// one key epoch that node's nonce_source never returns a counter twice. A restart takes a new,
// strictly larger key epoch (key_file.hpp: advance_key_epoch), hence a new key, and the counter
// may safely start again at 0. This is NIST SP 800-38D §8.2.1's deterministic construction with
// the node id as the fixed field and the counter as the invocation field.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "lib/common/byte_order.hpp"
#include "lib/common/types.hpp"

namespace ringcast::crypto {

inline constexpr std::size_t iv_size = 12;
using iv_bytes = std::array<std::byte, iv_size>;

/** Builds the IV of the frame `sender` sealed with counter `nonce`. */
[[nodiscard]] inline iv_bytes make_iv(node_id sender, std::uint64_t nonce) noexcept {
    iv_bytes iv;
    store_be<std::uint32_t>(iv.data(), sender);
    store_be<std::uint64_t>(iv.data() + 4, nonce);
    return iv;
}

/**
 * Hands out the per-sender GCM counters of one key epoch: 0, 1, 2, ... never twice.
 * Exactly one nonce_source may exist per (node, key epoch): two would hand out the same counter
 * under the same key. Lcore-local; not MT-safe.
 */
class nonce_source {
public:
    /**
     * Takes the next counter.
     * @return false, leaving out untouched, once all 2^64 - 1 counters are used (the caller must
     *         move to a new key epoch; at 100 Mframes/s that takes 5800 years).
     */
    [[nodiscard]] bool next(std::uint64_t& out) noexcept {
        if (next_ == std::numeric_limits<std::uint64_t>::max()) [[unlikely]] {
            return false;
        }
        out = next_++;
        return true;
    }

    /** Counters handed out so far. */
    [[nodiscard]] std::uint64_t used() const noexcept { return next_; }

private:
    std::uint64_t next_ = 0;
};

} // namespace ringcast::crypto
