#include "drivers/sim/buffer_pool.hpp"

#include <stdexcept>

namespace ringcast::sim {

buffer_pool::buffer_pool(std::size_t nodes) : held_(nodes) {
    entries_.reserve(4096);
}

buffer_pool::index buffer_pool::alloc(std::size_t capacity) {
    std::size_t c = 0;
    while (c < class_capacity.size() && class_capacity[c] < capacity) {
        ++c;
    }
    if (c == class_capacity.size()) {
        throw std::length_error("sim buffer_pool: allocation above the largest size class");
    }
    index i;
    if (!free_[c].empty()) {
        i = free_[c].back();
        free_[c].pop_back();
    } else {
        // Warm-up only: the pool grows until the run's working set is reached.
        i = static_cast<index>(entries_.size());
        entry e;
        // Not zeroed: every byte read back was written first (frames, generated payloads).
        e.storage = std::make_unique_for_overwrite<std::byte[]>(class_capacity[c]);
        e.capacity = class_capacity[c];
        e.size_class = static_cast<std::uint8_t>(c);
        entries_.push_back(std::move(e));
        free_[c].reserve(entries_.capacity());
    }
    entry& e = entries_[i];
    e.refcnt = 1;
    e.len = 0;
    e.sealed = false;
    ++live_;
    return i;
}

void buffer_pool::unref(index i) noexcept {
    RC_ASSERT(i < entries_.size() && entries_[i].refcnt > 0);
    entry& e = entries_[i];
    if (--e.refcnt == 0) {
        --live_;
        free_[e.size_class].push_back(i); // capacity reserved above: no allocation
    }
}

void buffer_pool::give_to_core(std::size_t n, index i) noexcept {
    RC_ASSERT(valid(i));
    auto& h = held_[n];
    if (h.size() <= i) {
        h.resize(entries_.capacity() > i ? entries_.capacity() : i + 1);
    }
    RC_ASSERT(h[i] < 0xFFFF);
    ++h[i];
}

bool buffer_pool::take_from_core(std::size_t n, index i) noexcept {
    if (i >= held_[n].size() || held_[n][i] == 0) {
        return false;
    }
    --held_[n][i];
    return true;
}

std::size_t buffer_pool::drop_core(std::size_t n) noexcept {
    std::size_t dropped = 0;
    auto& h = held_[n];
    for (index i = 0; i < h.size(); ++i) {
        while (h[i] > 0) {
            --h[i];
            unref(i);
            ++dropped;
        }
    }
    return dropped;
}

} // namespace ringcast::sim
