#pragma once
// The fuzz driver's buffers, standing in for mbufs: each payload_ref is an index here, and the pool
// remembers which node's core holds it, so a core that releases, sends or delivers from a buffer
// it does not hold is caught at once (a driver would free or read someone else's mbuf).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lib/totem/effects.hpp"

namespace ringcast::fuzz {

class pool {
public:
    struct buffer {
        std::vector<std::byte> mem;
        std::uint32_t len = 0; ///< bytes of a complete frame in mem (0: none yet)
        std::size_t owner = 0; ///< node index of the core holding it
        std::uint32_t held = 0;
    };

    totem::payload_ref alloc(std::size_t owner, std::size_t capacity) {
        std::size_t i = 0;
        if (free_.empty()) {
            i = bufs_.size();
            bufs_.emplace_back();
        } else {
            i = free_.back();
            free_.pop_back();
        }
        buffer& b = bufs_[i];
        b.mem.assign(capacity, std::byte{0});
        b.len = 0;
        b.owner = owner;
        b.held = 1;
        return i;
    }

    [[nodiscard]] bool held_by(std::size_t node, totem::payload_ref r) const noexcept {
        return r < bufs_.size() && bufs_[r].held != 0 && bufs_[r].owner == node;
    }

    [[nodiscard]] buffer& at(totem::payload_ref r) noexcept { return bufs_[r]; }

    /** The core of `node` gives back one reference; false when it holds none. */
    [[nodiscard]] bool release(std::size_t node, totem::payload_ref r) {
        if (!held_by(node, r)) {
            return false;
        }
        if (--bufs_[r].held == 0) {
            free_.push_back(r);
        }
        return true;
    }

    /** A core was destroyed: every buffer it held goes back. */
    void drop_node(std::size_t node) {
        for (std::size_t i = 0; i < bufs_.size(); ++i) {
            if (bufs_[i].held != 0 && bufs_[i].owner == node) {
                bufs_[i].held = 0;
                free_.push_back(i);
            }
        }
    }

private:
    std::vector<buffer> bufs_;
    std::vector<std::size_t> free_;
};

} // namespace ringcast::fuzz
