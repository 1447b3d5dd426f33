#pragma once
// The keys one node uses: its own frame key for sealing (with the nonce_source of its key epoch)
// and a cache of every peer's frame key for the peer's newest key epoch, all derived from the
// cluster master key (gcm.hpp explains the derivation). Also the per-sender replay state.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "lib/common/static_vec.hpp"
#include "lib/common/types.hpp"
#include "lib/crypto/gcm.hpp"
#include "lib/crypto/iv.hpp"
#include "lib/crypto/replay_window.hpp"
#include "lib/wire/limits.hpp"

namespace ringcast::crypto {

/**
 * Frame keys of one node and its configured peers. Built on the slow path (~70 KiB; allocate it
 * on the heap); afterwards no call allocates. Lcore-local; not MT-safe: exactly one keyring per
 * (node, key epoch) may seal, or two nonce_sources would reuse IVs.
 */
class keyring {
public:
    static constexpr std::size_t no_slot = std::numeric_limits<std::size_t>::max();

    /**
     * @param eng       engine used for the key schedules now
     * @param master    the cluster master key (key file); only its expanded form is kept
     * @param self      our node id; must be in members
     * @param key_epoch our key epoch for this run (advance_key_epoch): strictly larger than in
     *                  any earlier run of this node id under this master key
     * @param members   every node id that may send to us (the configured node set)
     * @throws std::invalid_argument when members is empty, holds more than wire::max_nodes ids,
     *         node_id_none or a duplicate, or lacks self.
     */
    keyring(engine& eng, const secret_key& master, node_id self, std::uint32_t key_epoch,
            std::span<const node_id> members);

    [[nodiscard]] node_id self() const noexcept { return self_; }
    [[nodiscard]] std::uint32_t key_epoch() const noexcept { return key_epoch_; }
    [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }
    /** Slot of our own node id. */
    [[nodiscard]] std::size_t self_slot() const noexcept { return self_slot_; }

    /** Slot (0 .. size()-1) of a configured node, or no_slot. */
    [[nodiscard]] std::size_t slot_of(node_id id) const noexcept {
        for (std::size_t i = 0; i < members_.size(); ++i) {
            if (members_[i] == id) {
                return i;
            }
        }
        return no_slot;
    }

    /** Our frame key for key_epoch(). */
    [[nodiscard]] const gcm_key& tx_key() const noexcept { return tx_key_; }
    /** The counters of our key epoch. */
    [[nodiscard]] nonce_source& nonces() noexcept { return nonces_; }

    /**
     * Frame key of (members[slot], key_epoch): the cached one, or a fresh derivation (a few
     * hundred ns) kept aside until commit_rx_key. Nothing the cache holds changes, so a frame that
     * then fails its tag leaves no trace.
     */
    [[nodiscard]] const gcm_key& rx_key(engine& eng, std::size_t slot,
                                        std::uint32_t key_epoch) noexcept;

    /** After a frame under rx_key(slot, key_epoch) verified: cache that key for the slot. */
    void commit_rx_key(std::size_t slot, std::uint32_t key_epoch) noexcept;

private:
    struct cached_key {
        gcm_key key;
        std::uint32_t epoch = 0;
        bool valid = false;
    };

    gcm_key master_;
    gcm_key tx_key_; // apart from our rx slot, which a frame under a newer epoch may replace
    std::array<cached_key, wire::max_nodes> slots_;
    cached_key pending_;
    std::size_t pending_slot_ = no_slot;
    static_vec<node_id, wire::max_nodes> members_;
    std::size_t self_slot_ = no_slot;
    node_id self_ = node_id_none;
    std::uint32_t key_epoch_ = 0;
    nonce_source nonces_;
};

/**
 * Replay windows of every configured sender, indexed by keyring slot. Our own slot starts with
 * our key epoch as floor, so frames of our earlier runs are refused as stale. Lcore-local.
 */
class replay_state {
public:
    explicit replay_state(const keyring& kr) noexcept {
        windows_[kr.self_slot()].set_epoch_floor(kr.key_epoch());
    }

    [[nodiscard]] replay_window& operator[](std::size_t slot) noexcept { return windows_[slot]; }
    [[nodiscard]] const replay_window& operator[](std::size_t slot) const noexcept {
        return windows_[slot];
    }

private:
    std::array<replay_window, wire::max_nodes> windows_{};
};

} // namespace ringcast::crypto
