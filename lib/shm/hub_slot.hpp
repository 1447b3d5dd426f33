#pragma once
// Internal to lib/shm/hub*.cpp: one client's slot, shared by the control thread and the lcore.
//
// Ownership by state:
//   free       control owns everything
//   published  control filled the slot (release store); lcore adopts it
//   active     lcore owns the rings, FIFO, backlog and counters; control reads only `hangup`
//   retired    lcore is done (release store): no ref into the region is outstanding; control
//              unmaps, closes, logs `reason`, and sets free

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "lib/shm/group_wire.hpp"
#include "lib/shm/hub.hpp"

namespace ringcast::shm {

enum class slot_state : std::uint8_t { free, published, active, retired };

struct aligned_free {
    void operator()(void* p) const noexcept { std::free(p); }
};

struct client_hub::slot {
    std::atomic<slot_state> state{slot_state::free};
    std::atomic<bool> hangup{false}; // control -> lcore: the socket closed

    // ---- set by control before publishing ----
    hub_client who;
    std::uint16_t gen = 0;
    void* map = nullptr;
    std::size_t map_size = 0;
    int memfd = -1;
    int event_fd = -1;
    int sock = -1;
    region_view region;
    std::vector<std::uint64_t> fifo;                 // end positions of refs held by the core
    std::unique_ptr<std::byte, aligned_free> backlog_mem; // ring_header + data (block policy)
    std::uint64_t backlog_capacity = 0;

    // ---- lcore ----
    consumer submit;
    producer deliver;
    producer backlog_in;
    consumer backlog_out;
    std::uint32_t fifo_head = 0; // counter of the oldest outstanding ref
    std::uint32_t fifo_tail = 0; // counter the next ref gets
    bool dropping = false;
    bool closing = false;        // socket closed: submit what was committed, then drop
    std::uint64_t drain_until = 0; // submit head when the close was seen
    bool leave_submitted = false;
    bool wake_pending = false;
    bool has_backlog = false;
    mono_ns backlog_since = 0; // first poll that saw the backlog (0: none yet)
    bool released = false;  // refs came back since the last poll
    bool last_join = false; // the record next_submission returned is a join
    bool watching = false;  // configuration records go to this client (it set the region flag)
    std::uint32_t groups_joined = 0;
    std::uint32_t joins_pending = 0;
    std::byte leave_msg[group_header_max] = {};
    char reason[120] = {}; // why the lcore dropped it (logged by control)
};

/** Marks fifo entries of the synthetic leave (nothing to release in the ring). */
inline constexpr std::uint64_t fifo_synthetic = ~std::uint64_t{0};

[[nodiscard]] inline totem::payload_ref make_ref(std::uint16_t slot, std::uint16_t gen,
                                                 std::uint32_t counter) noexcept {
    return (std::uint64_t{0x2} << 62) | (std::uint64_t{slot} << 48) |
           (std::uint64_t{gen} << 32) | counter;
}

} // namespace ringcast::shm
