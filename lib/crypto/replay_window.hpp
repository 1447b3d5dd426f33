#pragma once
// Anti-replay for one sender: the newest key epoch seen and a sliding window of the last 1024
// counters under it (a bitmap indexed by counter mod 1024, in the style of RFC 6479 / IPsec ESP).
//
// check() is a pure query, so frames can be rejected before decryption; commit() is called only
// after the tag has verified, so a forged frame can never move the window or the epoch.

#include <array>
#include <cstddef>
#include <cstdint>

#include "lib/crypto/errc.hpp"

namespace ringcast::crypto {

/** Sliding replay window of one sender. Lcore-local; not MT-safe. */
class replay_window {
public:
    static constexpr std::uint64_t window_size = 1024;

    /**
     * Would a frame with (key_epoch, counter) be fresh?
     * @return ok (fresh; a newer key_epoch is always fresh), stale_epoch (older than the newest
     *         epoch committed), replayed (already committed), too_old (counter + 1024 <= newest).
     */
    [[nodiscard]] errc check(std::uint32_t key_epoch, std::uint64_t counter) const noexcept {
        if (key_epoch < epoch_) {
            return errc::stale_epoch;
        }
        if (key_epoch > epoch_ || !any_) {
            return errc::ok;
        }
        if (counter > top_) {
            return errc::ok;
        }
        if (top_ - counter >= window_size) {
            return errc::too_old;
        }
        return test(counter) ? errc::replayed : errc::ok;
    }

    /**
     * Records an authenticated frame. A newer key_epoch starts an empty window under that epoch.
     * Precondition: check(key_epoch, counter) == ok.
     */
    void commit(std::uint32_t key_epoch, std::uint64_t counter) noexcept {
        if (key_epoch > epoch_) {
            epoch_ = key_epoch;
            any_ = false;
            bits_ = {};
        }
        if (!any_) {
            any_ = true;
            top_ = counter;
            bits_ = {};
        } else if (counter > top_) {
            advance(counter);
        }
        set(counter);
    }

    /**
     * Refuses every key epoch below key_epoch from now on. Used for our own node id after a
     * restart: frames we sealed in an earlier life must never be accepted back.
     */
    void set_epoch_floor(std::uint32_t key_epoch) noexcept {
        if (key_epoch > epoch_) {
            epoch_ = key_epoch;
            any_ = false;
            bits_ = {};
        }
    }

    /** Newest key epoch committed (or floored). */
    [[nodiscard]] std::uint32_t epoch() const noexcept { return epoch_; }

private:
    static constexpr std::size_t word_bits = 64;

    [[nodiscard]] bool test(std::uint64_t c) const noexcept {
        const std::uint64_t b = c % window_size;
        return (bits_[b / word_bits] >> (b % word_bits)) & 1U;
    }
    void set(std::uint64_t c) noexcept {
        const std::uint64_t b = c % window_size;
        bits_[b / word_bits] |= std::uint64_t{1} << (b % word_bits);
    }
    void clear(std::uint64_t c) noexcept {
        const std::uint64_t b = c % window_size;
        bits_[b / word_bits] &= ~(std::uint64_t{1} << (b % word_bits));
    }
    // Slides the window so that c is the newest counter: the slots of counters top_+1 .. c are
    // reused for them and must start clear. Only authenticated frames get here, so the loop of
    // at most 1023 steps cannot be triggered by a forger.
    void advance(std::uint64_t c) noexcept {
        if (c - top_ >= window_size) {
            bits_ = {};
        } else {
            for (std::uint64_t i = top_ + 1; i <= c; ++i) {
                clear(i);
            }
        }
        top_ = c;
    }

    std::array<std::uint64_t, window_size / word_bits> bits_{};
    std::uint64_t top_ = 0;   ///< newest counter committed under epoch_ (valid when any_)
    std::uint32_t epoch_ = 0; ///< newest key epoch committed
    bool any_ = false;        ///< whether a counter was committed under epoch_
};

} // namespace ringcast::crypto
