#pragma once
// The receive/retransmission window of one ring: a fixed ring of slots indexed by seq, allocated
// once. A node keeps two: the current ring's, and during recovery and installation the old ring's.

#include <cstdint>
#include <span>
#include <vector>

#include "lib/common/types.hpp"
#include "lib/totem/effects.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::totem {

/** One received (or originated) frame. */
struct window_slot {
    seq_t seq = 0; ///< 0 = empty
    payload_ref ref = payload_ref_none;
    std::span<const std::byte> payload;
    wire::mcast fields;
    /** The payload belongs to another slot (the old ring's copy of an encapsulated frame): never
     *  released from here. */
    bool borrowed = false;
};

struct ring_window {
    std::vector<window_slot> slots;
    seq_t mask = 0;
    seq_t stable = 0;          ///< frames up to here are freed (every member had them)
    seq_t aru = 0;             ///< all frames up to here received
    seq_t high_seq = 0;        ///< highest seq stored
    seq_t high_delivered = 0;  ///< frames up to here fully delivered
    std::uint32_t deliver_offset = 0; ///< next chunk offset in frame high_delivered + 1

    void allocate(std::size_t capacity_pow2) {
        slots.assign(capacity_pow2, window_slot{});
        mask = capacity_pow2 - 1;
    }
    [[nodiscard]] std::size_t capacity() const noexcept { return slots.size(); }
    [[nodiscard]] window_slot& slot(seq_t s) noexcept { return slots[s & mask]; }
    [[nodiscard]] const window_slot& slot(seq_t s) const noexcept { return slots[s & mask]; }
    [[nodiscard]] bool have(seq_t s) const noexcept { return s != 0 && slot(s).seq == s; }
    [[nodiscard]] bool fits(seq_t s) const noexcept { return s > stable && s <= stable + capacity(); }

    /** Stores a frame (the slot must be free) and advances aru. */
    void store(const wire::mcast& fields, seq_t s, std::span<const std::byte> payload,
               payload_ref ref, bool borrowed) noexcept {
        window_slot& w = slot(s);
        w.seq = s;
        w.ref = ref;
        w.payload = payload;
        w.fields = fields;
        w.borrowed = borrowed;
        if (s > high_seq) {
            high_seq = s;
        }
        while (have(aru + 1)) {
            ++aru;
        }
    }

    /** Releases every owned ref still held and empties the window (keeps the allocation). */
    void reset(effects& out) noexcept {
        for (seq_t s = stable + 1; s <= high_seq && s <= stable + capacity(); ++s) {
            window_slot& w = slot(s);
            if (w.seq == s && !w.borrowed && w.ref != payload_ref_none) {
                out.push_release(w.ref);
            }
            w = window_slot{};
        }
        stable = aru = high_seq = high_delivered = 0;
        deliver_offset = 0;
    }
};

} // namespace ringcast::totem
