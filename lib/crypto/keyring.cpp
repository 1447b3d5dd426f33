#include "lib/crypto/keyring.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "lib/common/assert.hpp"

namespace ringcast::crypto {

keyring::keyring(engine& eng, const secret_key& master, node_id self, std::uint32_t key_epoch,
                 std::span<const node_id> members)
    : self_(self), key_epoch_(key_epoch) {
    if (members.empty() || members.size() > wire::max_nodes) {
        throw std::invalid_argument("keyring: node set must hold 1 to " +
                                    std::to_string(wire::max_nodes) + " node ids");
    }
    for (const node_id id : members) {
        if (id == node_id_none) {
            throw std::invalid_argument("keyring: node id 0 is not a valid member");
        }
        if (std::find(members_.begin(), members_.end(), id) != members_.end()) {
            throw std::invalid_argument("keyring: duplicate node id " + std::to_string(id));
        }
        members_.push(id);
    }
    self_slot_ = slot_of(self);
    if (self_slot_ == no_slot) {
        throw std::invalid_argument("keyring: own node id " + std::to_string(self) +
                                    " is not in the node set");
    }
    eng.expand_key(master.bytes(), master_);
    eng.derive_frame_key(master_, self_, key_epoch_, tx_key_);
    // Frames of ours that come back (looped or replayed) verify against the same key.
    cached_key& own = slots_[self_slot_];
    own.key = tx_key_;
    own.epoch = key_epoch_;
    own.valid = true;
}

const gcm_key& keyring::rx_key(engine& eng, std::size_t slot, std::uint32_t key_epoch) noexcept {
    RC_DEBUG_ASSERT(slot < members_.size());
    const cached_key& c = slots_[slot];
    if (c.valid && c.epoch == key_epoch) {
        return c.key;
    }
    if (!(pending_.valid && pending_slot_ == slot && pending_.epoch == key_epoch)) {
        eng.derive_frame_key(master_, members_[slot], key_epoch, pending_.key);
        pending_.epoch = key_epoch;
        pending_.valid = true;
        pending_slot_ = slot;
    }
    return pending_.key;
}

void keyring::commit_rx_key(std::size_t slot, std::uint32_t key_epoch) noexcept {
    cached_key& c = slots_[slot];
    if (c.valid && c.epoch == key_epoch) {
        return;
    }
    RC_ASSERT(pending_.valid && pending_slot_ == slot && pending_.epoch == key_epoch);
    c.key = pending_.key;
    c.epoch = key_epoch;
    c.valid = true;
    pending_.valid = false;
    pending_slot_ = no_slot;
}

} // namespace ringcast::crypto
