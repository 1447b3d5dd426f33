#pragma once
// Refcounted buffers for the simulator, the stand-in for DPDK's mempools and mbuf refcounts.
// A payload_ref is an index into this pool. A multicast frame is one buffer shared by every
// receiver (zero copy, as the NIC driver does): each in-flight copy and each core holding it owns
// one reference. Storage is recycled through per-size-class free lists, so once a run has warmed
// up no allocation happens per frame or per message.
//
// Besides the total refcount the pool tracks how many references each node's core holds, so the
// simulator can (a) catch a core releasing or sending a ref it does not hold and (b) reclaim every
// reference of a crashed node.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "lib/common/assert.hpp"

namespace ringcast::sim {

class buffer_pool {
public:
    using index = std::uint32_t;
    static constexpr index none = ~index{0};
    /** Capacities of the size classes; the largest bounds a single allocation. */
    static constexpr std::array<std::uint32_t, 7> class_capacity = {
        256, 2048, 9216, 32768, 65536, 131072, 262144};

    explicit buffer_pool(std::size_t nodes);

    /** A buffer of at least `capacity` bytes with refcount 1 (held by the simulator itself). */
    [[nodiscard]] index alloc(std::size_t capacity);
    /** Adds n references (in-flight copies). */
    void ref(index i, std::uint32_t n = 1) noexcept {
        RC_ASSERT(i < entries_.size() && entries_[i].refcnt > 0);
        entries_[i].refcnt += n;
    }
    /** Drops one reference; the buffer returns to its free list at zero. */
    void unref(index i) noexcept;

    /** A reference the caller owns moves to node `n`'s core (no refcount change). */
    void give_to_core(std::size_t n, index i) noexcept;
    /** Node n's core gives back one reference it holds; false (no change) when it holds none. */
    [[nodiscard]] bool take_from_core(std::size_t n, index i) noexcept;
    /** References node n's core holds on buffer i. */
    [[nodiscard]] std::uint32_t held_by_core(std::size_t n, index i) const noexcept {
        return i < held_[n].size() ? held_[n][i] : 0;
    }
    /** Drops every reference node n's core holds (the node crashed). Returns how many. */
    std::size_t drop_core(std::size_t n) noexcept;

    [[nodiscard]] bool valid(index i) const noexcept {
        return i < entries_.size() && entries_[i].refcnt > 0;
    }
    [[nodiscard]] std::byte* data(index i) noexcept { return entries_[i].storage.get(); }
    [[nodiscard]] const std::byte* data(index i) const noexcept {
        return entries_[i].storage.get();
    }
    [[nodiscard]] std::uint32_t capacity(index i) const noexcept { return entries_[i].capacity; }
    [[nodiscard]] std::uint32_t refcnt(index i) const noexcept { return entries_[i].refcnt; }
    /** Bytes of the frame or message in the buffer (set by its writer). */
    [[nodiscard]] std::uint32_t len(index i) const noexcept { return entries_[i].len; }
    void set_len(index i, std::uint32_t len) noexcept { entries_[i].len = len; }
    /** A sealed buffer holds a complete frame that was sent: it may be shared and is read-only. */
    [[nodiscard]] bool sealed(index i) const noexcept { return entries_[i].sealed; }
    void seal(index i) noexcept { entries_[i].sealed = true; }

    /** Buffers currently referenced. */
    [[nodiscard]] std::size_t live() const noexcept { return live_; }
    /** Buffers ever created (the pool's high-water mark). */
    [[nodiscard]] std::size_t created() const noexcept { return entries_.size(); }

private:
    struct entry {
        std::unique_ptr<std::byte[]> storage;
        std::uint32_t capacity = 0;
        std::uint32_t len = 0;
        std::uint32_t refcnt = 0;
        std::uint8_t size_class = 0;
        bool sealed = false;
    };

    std::vector<entry> entries_;
    std::array<std::vector<index>, class_capacity.size()> free_;
    /** held_[node][buffer]: references that node's core holds. */
    std::vector<std::vector<std::uint16_t>> held_;
    std::size_t live_ = 0;
};

} // namespace ringcast::sim
