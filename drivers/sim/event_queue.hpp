#pragma once
// The simulator's agenda: a binary min-heap ordered by (time, insertion counter). The counter
// breaks ties in insertion order, which is what makes a run a pure function of its seed.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "lib/common/types.hpp"

namespace ringcast::sim {

enum class sim_event_kind : std::uint8_t {
    arrival, ///< a frame reaches node `node`; `a` is its buffer
    tick,    ///< node's timer; `a` is the tick generation it was scheduled under
    load,    ///< node's load generator fires; `a` is the load generation
};

/** 24 bytes: the heap moves these around on every push and pop. */
struct sim_event {
    mono_ns at = 0;
    std::uint64_t order = 0;
    std::uint32_t a = 0;
    std::uint16_t node = 0;
    sim_event_kind kind = sim_event_kind::arrival;
};
static_assert(sizeof(sim_event) == 24);

class event_queue {
public:
    event_queue() { heap_.reserve(1 << 14); }

    void push(sim_event e) {
        e.order = next_order_++;
        heap_.push_back(e);
        std::push_heap(heap_.begin(), heap_.end(), later);
    }
    [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
    [[nodiscard]] const sim_event& top() const noexcept { return heap_.front(); }
    sim_event pop() {
        std::pop_heap(heap_.begin(), heap_.end(), later);
        const sim_event e = heap_.back();
        heap_.pop_back();
        return e;
    }
    /** Removes every event (a fresh agenda keeps its capacity). */
    void clear() noexcept { heap_.clear(); }

private:
    // std heap functions build a max-heap; "later" as less-than puts the earliest on top.
    static bool later(const sim_event& x, const sim_event& y) noexcept {
        return x.at != y.at ? x.at > y.at : x.order > y.order;
    }
    std::vector<sim_event> heap_;
    std::uint64_t next_order_ = 0;
};

} // namespace ringcast::sim
