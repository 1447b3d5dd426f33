#pragma once
// A single-producer single-consumer ring of variable-length records in shared memory.
//
// Each side owns a private handle (producer or consumer) built from private knowledge of the
// ring (the creator's sizes, or sizes validated once at attach) and keeps its own cursor in
// private memory; the shared cursor is only published, never read back. The other side's cursor
// is read with acquire and checked before use, so a hostile peer can make the ring report an
// error but cannot make this side read or write outside the data area.
//
// Zero-copy in the style of rte_ring_peek_zc.h: the producer claims space and writes the payload
// in place, then commits; the consumer peeks a record in place, consumes it (moving its private
// read cursor) and releases up to a position later, possibly many records at once, in FIFO order.
//
// Thread context: one producer handle and one consumer handle per ring, each used by one thread.

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/shm/errc.hpp"
#include "lib/shm/layout.hpp"

namespace ringcast::shm {

/** Initializes a ring header for `capacity` data bytes (creator side, before sharing). */
void init_ring(ring_header& h, std::uint64_t capacity, std::uint32_t record_max) noexcept;

/**
 * Checks a ring header the peer wrote (attach side) against the sizes the attacher expects
 * to fit: magic, version, power-of-two capacity within [ring_capacity_min, max_capacity],
 * record_max that fits in half the capacity.
 * @return errc::ok or errc::bad_layout
 */
errc check_ring(const ring_header& h, std::uint64_t max_capacity) noexcept;

/** Result of producer::claim: on ok, `payload` is the writable area of the requested length. */
struct [[nodiscard]] claim_result {
    errc err = errc::ok;
    std::span<std::byte> payload;
};

/** The fields of a record the producer sets (kind, length and check come from the ring). */
struct record_meta {
    std::uint64_t seq = 0;
    std::uint32_t node = 0;
    std::uint32_t group = 0;
    record_kind kind = record_kind::message;
    std::uint16_t flags = 0;
};

class producer {
public:
    producer() = default;
    /** @param data capacity bytes following h; capacity/record_max are the creator's values. */
    producer(ring_header* h, std::byte* data, std::uint64_t capacity,
             std::uint32_t record_max) noexcept;

    /**
     * Claims room for a record of `length` payload bytes. Only one claim may be open; a second
     * claim replaces the first (nothing was published).
     * @return ok with the payload area; full when the consumer has not released enough (retry
     *         later); too_large when length > record_max; bad_cursor when the consumer's tail is
     *         impossible (treat the peer as broken).
     */
    claim_result claim(std::uint32_t length) noexcept;

    /**
     * Writes the header of the open claim and publishes it (with any padding before it).
     * @return true when the consumer said it sleeps: the caller must signal it (eventfd/futex).
     */
    [[nodiscard]] bool commit(const record_meta& meta) noexcept;

    /** Free bytes as of the last look at the consumer's tail (0 if it was corrupt). */
    [[nodiscard]] std::uint64_t free_bytes() noexcept;

    /**
     * Producer is about to sleep because the ring is full: sets producer_waiting, then checks
     * again. @return true when it may sleep (still not enough room for `length`).
     */
    [[nodiscard]] bool prepare_wait(std::uint32_t length) noexcept;

    [[nodiscard]] std::uint64_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] std::uint32_t record_max() const noexcept { return record_max_; }
    [[nodiscard]] bool valid() const noexcept { return h_ != nullptr; }

private:
    ring_header* h_ = nullptr;
    std::byte* data_ = nullptr;
    std::uint64_t capacity_ = 0;
    std::uint32_t record_max_ = 0;
    std::uint64_t head_ = 0;         // private: published committed end
    std::uint64_t claim_at_ = 0;     // where the open claim's header goes
    std::uint32_t claim_length_ = 0; // payload bytes of the open claim
    bool claim_open_ = false;
};

/** A record seen by consumer::peek. `header` is a private copy; `payload` points into the ring
 *  and may still be changed by a hostile producer (parse it once, into private memory). */
struct [[nodiscard]] peek_result {
    errc err = errc::ok;
    record_header header{};
    std::span<const std::byte> payload;
};

class consumer {
public:
    consumer() = default;
    consumer(ring_header* h, const std::byte* data, std::uint64_t capacity,
             std::uint32_t record_max) noexcept;

    /**
     * The next record after the read cursor, padding skipped. Repeated calls without consume()
     * return the same record.
     * @return ok; empty; bad_cursor (the producer's head is impossible); bad_header, bad_kind,
     *         bad_length (a corrupt record: the ring is unusable, drop the peer).
     */
    peek_result peek() noexcept;

    /** Moves the read cursor past the record the last peek returned. @return the position just
     *  past it, for release(). */
    std::uint64_t consume() noexcept;

    /** Gives space back to the producer up to `pos` (a value consume() returned, FIFO order). */
    void release(std::uint64_t pos) noexcept;

    /** consume() then release() of everything read so far. */
    void consume_and_release() noexcept { release(consume()); }

    /**
     * After release(): @return true when the producer said it sleeps on a full ring; the flag is
     * cleared and the caller must signal it.
     */
    [[nodiscard]] bool producer_needs_wake() noexcept;

    /**
     * Consumer is about to sleep because peek() said empty: sets consumer_waiting, then checks
     * again. @return true when it may sleep (still empty).
     */
    [[nodiscard]] bool prepare_wait() noexcept;

    [[nodiscard]] std::uint64_t read_position() const noexcept { return read_; }
    [[nodiscard]] std::uint64_t released_position() const noexcept { return tail_; }
    [[nodiscard]] bool valid() const noexcept { return h_ != nullptr; }

private:
    ring_header* h_ = nullptr;
    const std::byte* data_ = nullptr;
    std::uint64_t capacity_ = 0;
    std::uint32_t record_max_ = 0;
    std::uint64_t read_ = 0;      // private read cursor
    std::uint64_t tail_ = 0;      // private copy of the published tail
    std::uint64_t peeked_end_ = 0; // end of the record the last peek returned (0: none)
    std::uint64_t pad_start_ = 0;  // last padding skipped: [pad_start_, pad_end_)
    std::uint64_t pad_end_ = 0;
};

} // namespace ringcast::shm
