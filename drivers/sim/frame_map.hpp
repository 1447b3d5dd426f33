#pragma once
// Maps the frames a node originates to the application messages they carry, independently of the
// core: the simulator walks every originated frame's chunks with wire::chunk_reader and matches
// them against the node's accepted submissions in FIFO order (the k-th message completed in
// origin X's frames must be X's k-th accepted submission). Every chunk's bytes are compared with
// the regenerated payload, so a packing or fragmentation bug shows up here, at the sender, with
// the frame that carries it.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/common/types.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::sim {

class frame_map {
public:
    explicit frame_map(node_id origin) : origin_(origin), ring_(64) {}

    /** The core accepted submission `index` of `len` bytes. */
    void accepted(std::uint64_t index, std::uint32_t len, wire::service svc);

    struct walk_result {
        bool ok = true;
        std::uint64_t first = 0; ///< index of the first message the frame touches
        std::uint64_t last = 0;  ///< index of the last one
        std::string error;       ///< set when !ok (cold path)
    };
    /**
     * Walks one originated frame's packed payload (sent on `ring`). After an error the map stops
     * checking. A message left half fragmented when the ring changed starts over on the new ring
     * (the core's rule: a message never spans two configurations).
     */
    [[nodiscard]] walk_result walk(ring_id ring, const wire::mcast& fields,
                                   std::span<const std::byte> payload);

    /** The node crashed: its queued and partly sent messages are gone. */
    void reset() noexcept {
        head_ = tail_ = 0;
        offset_ = 0;
        last_ring_ = {};
    }
    /** Accepted submissions not yet completely packed. */
    [[nodiscard]] std::size_t outstanding() const noexcept { return tail_ - head_; }

private:
    struct pending {
        std::uint64_t index = 0;
        std::uint32_t len = 0;
        wire::service svc = wire::service::agreed;
    };
    [[nodiscard]] pending& front() noexcept { return ring_[head_ & (ring_.size() - 1)]; }
    [[nodiscard]] bool check_chunk(wire::chunk_kind kind, std::span<const std::byte> data,
                                   const wire::mcast& fields, std::string& error);

    node_id origin_;
    std::vector<pending> ring_; ///< power-of-two ring of accepted, not yet packed submissions
    std::size_t head_ = 0;
    std::size_t tail_ = 0;
    std::uint32_t offset_ = 0; ///< bytes of front() already seen in frames
    ring_id last_ring_;        ///< ring of the previous frame
    bool broken_ = false;
};

} // namespace ringcast::sim
