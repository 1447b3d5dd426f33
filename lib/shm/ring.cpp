// SPSC record ring: claim/commit on the producer side, peek/consume/release on the consumer side.
// Every read of the peer's cursor or of a record header goes through a private copy that is
// checked before any length or index derived from it is used.

#include "lib/shm/ring.hpp"

#include <bit>
#include <cstring>

#include "lib/common/assert.hpp"

namespace ringcast::shm {

const char* to_string(errc e) noexcept {
    switch (e) {
    case errc::ok:
        return "ok";
    case errc::empty:
        return "empty";
    case errc::full:
        return "full";
    case errc::too_large:
        return "record too large";
    case errc::bad_cursor:
        return "impossible ring cursor";
    case errc::bad_header:
        return "corrupt record header";
    case errc::bad_kind:
        return "unknown record kind";
    case errc::bad_length:
        return "record length out of bounds";
    case errc::bad_layout:
        return "bad shared-memory layout";
    case errc::bad_group:
        return "bad group header";
    case errc::count_:
        break;
    }
    return "unknown error";
}

void init_ring(ring_header& h, std::uint64_t capacity, std::uint32_t record_max) noexcept {
    RC_ASSERT(std::has_single_bit(capacity) && capacity >= ring_capacity_min &&
              capacity <= ring_capacity_max);
    RC_ASSERT(record_size(record_max) <= capacity / 2);
    h.magic = ring_magic;
    h.version = layout_version;
    h.capacity = capacity;
    h.record_max = record_max;
    h.header_size = sizeof(ring_header);
    h.head.store(0, std::memory_order_relaxed);
    h.tail.store(0, std::memory_order_relaxed);
    h.producer_waiting.store(0, std::memory_order_relaxed);
    h.consumer_waiting.store(0, std::memory_order_relaxed);
}

errc check_ring(const ring_header& h, std::uint64_t max_capacity) noexcept {
    const std::uint64_t cap = h.capacity;
    const bool ok = h.magic == ring_magic && h.version == layout_version &&
                    h.header_size == sizeof(ring_header) && std::has_single_bit(cap) &&
                    cap >= ring_capacity_min && cap <= max_capacity &&
                    cap <= ring_capacity_max && record_size(h.record_max) <= cap / 2;
    return ok ? errc::ok : errc::bad_layout;
}

// ---- producer ----

producer::producer(ring_header* h, std::byte* data, std::uint64_t capacity,
                   std::uint32_t record_max) noexcept
    : h_(h), data_(data), capacity_(capacity), record_max_(record_max),
      head_(h->head.load(std::memory_order_relaxed)) {
    RC_ASSERT(std::has_single_bit(capacity) && record_size(record_max) <= capacity / 2);
}

std::uint64_t producer::free_bytes() noexcept {
    const std::uint64_t tail = h_->tail.load(std::memory_order_acquire);
    // A consumer cannot release what was never committed, nor fall behind by more than the ring.
    if (tail > head_ || head_ - tail > capacity_) {
        return 0;
    }
    return capacity_ - (head_ - tail);
}

claim_result producer::claim(std::uint32_t length) noexcept {
    if (length > record_max_) {
        return {errc::too_large, {}};
    }
    const std::uint64_t tail = h_->tail.load(std::memory_order_acquire);
    if (tail > head_ || head_ - tail > capacity_) {
        return {errc::bad_cursor, {}};
    }
    std::uint64_t free = capacity_ - (head_ - tail);
    const std::uint64_t size = record_size(length);
    const std::uint64_t idx = head_ & (capacity_ - 1);
    const std::uint64_t to_end = capacity_ - idx;
    if (size > to_end) {
        // Wrap: publish a padding record up to the end on its own, so the wrap makes progress
        // even when the record itself must wait for the consumer to release the front.
        if (to_end > free) {
            return {errc::full, {}};
        }
        record_header pad{};
        pad.length = static_cast<std::uint32_t>(to_end - sizeof(record_header));
        pad.kind = static_cast<std::uint16_t>(record_kind::padding);
        pad.check = record_check(pad.length, pad.kind);
        std::memcpy(data_ + idx, &pad, sizeof pad);
        head_ += to_end;
        free -= to_end;
        h_->head.store(head_, std::memory_order_release);
    }
    if (size > free) {
        return {errc::full, {}};
    }
    claim_at_ = head_;
    claim_length_ = length;
    claim_open_ = true;
    std::byte* at = data_ + (head_ & (capacity_ - 1)) + sizeof(record_header);
    return {errc::ok, {at, length}};
}

bool producer::commit(const record_meta& meta) noexcept {
    RC_ASSERT(claim_open_);
    claim_open_ = false;
    record_header hdr{};
    hdr.seq = meta.seq;
    hdr.length = claim_length_;
    hdr.node = meta.node;
    hdr.group = meta.group;
    hdr.kind = static_cast<std::uint16_t>(meta.kind);
    hdr.flags = meta.flags;
    hdr.check = record_check(hdr.length, hdr.kind);
    std::memcpy(data_ + (claim_at_ & (capacity_ - 1)), &hdr, sizeof hdr);
    head_ = claim_at_ + record_size(claim_length_);
    h_->head.store(head_, std::memory_order_release);
    // Dekker with consumer::prepare_wait: publish head, then look at the flag; the consumer sets
    // the flag, then looks at head. One of the two sees the other's store.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (h_->consumer_waiting.load(std::memory_order_relaxed) != 0) {
        h_->consumer_waiting.store(0, std::memory_order_relaxed);
        return true;
    }
    return false;
}

bool producer::prepare_wait(std::uint32_t length) noexcept {
    h_->producer_waiting.store(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    const std::uint64_t size = record_size(length);
    const std::uint64_t to_end = capacity_ - (head_ & (capacity_ - 1));
    const std::uint64_t need = size > to_end ? size + to_end : size;
    if (free_bytes() >= need) {
        h_->producer_waiting.store(0, std::memory_order_relaxed);
        return false;
    }
    return true;
}

// ---- consumer ----

consumer::consumer(ring_header* h, const std::byte* data, std::uint64_t capacity,
                   std::uint32_t record_max) noexcept
    : h_(h), data_(data), capacity_(capacity), record_max_(record_max),
      read_(h->tail.load(std::memory_order_relaxed)), tail_(read_) {
    RC_ASSERT(std::has_single_bit(capacity) && record_size(record_max) <= capacity / 2);
    // The initial tail comes from shared memory; only the creator builds a consumer over a fresh
    // ring (tail 0) or one it checked, so an unaligned value means a caller bug.
    RC_ASSERT(read_ % record_align == 0);
}

peek_result consumer::peek() noexcept {
    for (int step = 0; step < 2; ++step) {
        const std::uint64_t head = h_->head.load(std::memory_order_acquire);
        if (head < read_ || head - read_ > capacity_ || head % record_align != 0) {
            return {errc::bad_cursor, {}, {}};
        }
        if (head == read_) {
            return {errc::empty, {}, {}};
        }
        const std::uint64_t idx = read_ & (capacity_ - 1);
        const std::uint64_t to_end = capacity_ - idx;
        const std::uint64_t avail = head - read_;
        peek_result r;
        std::memcpy(&r.header, data_ + idx, sizeof r.header);
        const record_header& h = r.header;
        if (h.check != record_check(h.length, h.kind) || h.reserved != 0) {
            return {errc::bad_header, {}, {}};
        }
        if (h.kind == static_cast<std::uint16_t>(record_kind::padding)) {
            // Padding only ever fills a partial tail of the data area, once per lap.
            if (idx == 0 || step != 0) {
                return {errc::bad_kind, {}, {}};
            }
            if (h.length != to_end - sizeof(record_header) || to_end > avail) {
                return {errc::bad_length, {}, {}};
            }
            pad_start_ = read_;
            read_ += to_end;
            pad_end_ = read_;
            if (tail_ == pad_start_) {
                // Nothing before it is held: give the padding back now, the producer may be
                // waiting for exactly this space.
                release(read_);
            }
            continue;
        }
        if (h.kind != static_cast<std::uint16_t>(record_kind::message) &&
            h.kind != static_cast<std::uint16_t>(record_kind::membership) &&
            h.kind != static_cast<std::uint16_t>(record_kind::configuration)) {
            return {errc::bad_kind, {}, {}};
        }
        const std::uint64_t size = record_size(h.length);
        if (h.length > record_max_ || size > to_end || size > avail) {
            return {errc::bad_length, {}, {}};
        }
        peeked_end_ = read_ + size;
        r.payload = {data_ + idx + sizeof(record_header), h.length};
        return r;
    }
    return {errc::bad_kind, {}, {}};
}

std::uint64_t consumer::consume() noexcept {
    RC_ASSERT(peeked_end_ != 0);
    read_ = peeked_end_;
    peeked_end_ = 0;
    return read_;
}

void consumer::release(std::uint64_t pos) noexcept {
    if (pos == pad_start_ && pad_end_ > pad_start_ && pad_end_ <= read_) {
        pos = pad_end_; // the padding right after the last released record goes with it
    }
    RC_ASSERT(pos >= tail_ && pos <= read_);
    tail_ = pos;
    h_->tail.store(pos, std::memory_order_release);
}

bool consumer::producer_needs_wake() noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (h_->producer_waiting.load(std::memory_order_relaxed) != 0) {
        h_->producer_waiting.store(0, std::memory_order_relaxed);
        return true;
    }
    return false;
}

bool consumer::prepare_wait() noexcept {
    h_->consumer_waiting.store(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (h_->head.load(std::memory_order_acquire) != read_) {
        h_->consumer_waiting.store(0, std::memory_order_relaxed);
        return false;
    }
    return true;
}

} // namespace ringcast::shm
