#pragma once
// The built-in load generator: injects messages on this node so the ring can be measured without
// clients. Started and stopped from the telemetry thread (`ringcast generate ...`); the protocol
// lcore picks a request up at its next poll. Message buffers come from one slab allocated at
// start-up and are handed out in FIFO order, the order in which the core releases submissions.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "lib/common/types.hpp"

namespace ringcast::drv::dpdk {

class generator {
public:
    /** Marks a payload_ref as a generator slot: top bits 0b11 (mbuf pointers have 0b00, the
     *  client hub's refs 0b10). */
    static constexpr std::uint64_t ref_tag = 3ull << 62;
    [[nodiscard]] static bool owns(std::uint64_t ref) noexcept { return (ref >> 62) == 0x3; }
    static constexpr std::uint32_t max_size = 64 * 1024;

    explicit generator(std::size_t slab_bytes = 32u << 20);

    // ---- telemetry thread ----
    /** Starts (or restarts) generating `size`-byte messages at `rate` per second (0 = as fast as
     *  flow control allows), `count` in all (0 = until stopped). */
    void request_start(std::uint32_t size, std::uint64_t rate, std::uint64_t count) noexcept;
    void request_stop() noexcept;
    [[nodiscard]] bool running() const noexcept { return running_pub_.load(std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t generated() const noexcept { return sent_pub_.load(std::memory_order_relaxed); }

    // ---- protocol lcore ----
    /** Applies a pending request. */
    void sync(mono_ns now) noexcept;
    /** Messages the rate allows now (0 when stopped or out of slots). */
    [[nodiscard]] std::uint64_t allowance(mono_ns now) const noexcept;
    /** Fills the next slot with message number `sent()` of this node; empty span when none free. */
    [[nodiscard]] std::span<const std::byte> next(node_id self, std::uint64_t& ref) noexcept;
    /** The core took the message returned by the last next(). */
    void commit() noexcept;
    /** The core refused it (would block): the slot stays free. */
    void abort() noexcept {}
    /** The core released a slot (FIFO). */
    void release(std::uint64_t ref) noexcept;

private:
    std::vector<std::byte> slab_;
    std::uint32_t size_ = 0;
    std::uint32_t slots_ = 0;
    std::uint64_t head_ = 0; ///< next slot to fill
    std::uint64_t tail_ = 0; ///< next slot to be released
    bool running_ = false;
    std::uint64_t rate_ = 0;
    std::uint64_t count_ = 0;
    std::uint64_t sent_ = 0;       ///< this run
    std::uint64_t sent_total_ = 0; ///< since start (message numbers stay unique across runs)
    mono_ns started_ = 0;

    std::atomic<std::uint64_t> req_seq_{0};
    std::uint64_t seen_seq_ = 0;
    std::atomic<std::uint32_t> req_size_{0};
    std::atomic<std::uint64_t> req_rate_{0};
    std::atomic<std::uint64_t> req_count_{0};
    std::atomic<bool> req_run_{false};
    std::atomic<bool> running_pub_{false};
    std::atomic<std::uint64_t> sent_pub_{0};
};

} // namespace ringcast::drv::dpdk
