#pragma once
// A ring over private memory for the ring tests: header + data, cache-line aligned.

#include <cstdlib>
#include <memory>
#include <new>

#include "lib/shm/ring.hpp"

namespace ringcast::shm::test {

struct test_ring {
    explicit test_ring(std::uint64_t capacity, std::uint32_t record_max)
        : capacity(capacity), record_max(record_max),
          mem(static_cast<std::byte*>(std::aligned_alloc(64, sizeof(ring_header) + capacity))) {
        header = new (mem.get()) ring_header{};
        init_ring(*header, capacity, record_max);
        data = mem.get() + sizeof(ring_header);
    }
    [[nodiscard]] producer make_producer() { return {header, data, capacity, record_max}; }
    [[nodiscard]] consumer make_consumer() { return {header, data, capacity, record_max}; }

    struct free_fn {
        void operator()(std::byte* p) const noexcept { std::free(p); }
    };
    std::uint64_t capacity;
    std::uint32_t record_max;
    std::unique_ptr<std::byte, free_fn> mem;
    ring_header* header = nullptr;
    std::byte* data = nullptr;
};

} // namespace ringcast::shm::test
