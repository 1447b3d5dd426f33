#pragma once
// The shared-memory layout one client and ringcastd map: a region header, then two byte rings
// (submit: client -> daemon; delivery: daemon -> client). Everything here is read by a process
// that does not trust the writer, so the layout has a magic, a version and its own sizes, and
// each side keeps private copies of what it needs (sizes, its own cursor) and only ever reads the
// other side's cursor, validating it before use.
//
// Shape after DPDK's rte_ring_core.h: the producer's and the consumer's cursors live on separate
// cache lines so the two sides do not false-share; cursors are byte positions that only grow
// (64-bit, never wrap in practice), the index into the data area is position & (capacity - 1).

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace ringcast::shm {

inline constexpr std::uint32_t region_magic = 0x52435348; // "RCSH"
inline constexpr std::uint32_t ring_magic = 0x52435252;   // "RCRR"
/** Bumped on any incompatible change of this file, the record header or the group header. */
inline constexpr std::uint32_t layout_version = 1;
inline constexpr std::size_t cache_line_size = 64;

/**
 * Records start on multiples of this. It equals sizeof(record_header), so the space left before
 * the end of the data area is always either 0 or large enough for a padding record: a record is
 * never split and the wrap is always an explicit padding record.
 */
inline constexpr std::size_t record_align = 32;

/** Smallest and largest data area of one ring (a power of two in between). */
inline constexpr std::uint64_t ring_capacity_min = 4096;
inline constexpr std::uint64_t ring_capacity_max = 1ull << 30;

enum class record_kind : std::uint16_t {
    message = 1,    ///< an application message (payload: group header + data)
    membership = 2, ///< a group view change (payload: view_event encoding)
    padding = 3,    ///< fills the data area up to its end; the next record starts at index 0
    configuration = 4, ///< a daemon configuration change (config_event.hpp), only to clients
                       ///< that set region_flag_configurations
};

/** record_header::flags bits. */
inline constexpr std::uint16_t record_flag_safe = 1u << 0; ///< safe (not agreed) service

/**
 * The fixed header in front of every record, 8-byte aligned and exactly record_align bytes.
 * `check` is a cheap consistency word (record_check()) that turns most garbage into an error
 * before any length is trusted; it is not a security boundary (the bounds checks are).
 */
struct record_header {
    std::uint64_t seq = 0;    ///< ring seq (delivery) or the client's submission counter (submit)
    std::uint32_t length = 0; ///< payload bytes after this header
    std::uint32_t node = 0;   ///< sender node
    std::uint32_t group = 0;  ///< daemon-local group id (delivery ring); 0 on the submit ring
    std::uint16_t kind = 0;   ///< record_kind
    std::uint16_t flags = 0;  ///< record_flag_*
    std::uint32_t check = 0;  ///< record_check(length, kind)
    std::uint32_t reserved = 0;
};
static_assert(sizeof(record_header) == record_align);

[[nodiscard]] constexpr std::uint32_t record_check(std::uint32_t length,
                                                   std::uint16_t kind) noexcept {
    return (length ^ 0xA5C3'5A3Cu) + (static_cast<std::uint32_t>(kind) << 20);
}

/** Bytes a record of `length` payload bytes occupies in the data area. */
[[nodiscard]] constexpr std::uint64_t record_size(std::uint64_t length) noexcept {
    return (sizeof(record_header) + length + record_align - 1) & ~(record_align - 1);
}

/**
 * One ring's control block, followed in memory by `capacity` data bytes. Lines: immutable
 * description, producer cursor, consumer cursor.
 */
struct ring_header {
    // ---- written once by the creator (the daemon) before the region is shared ----
    std::uint32_t magic = 0;
    std::uint32_t version = 0;
    std::uint64_t capacity = 0;   ///< data bytes, power of two
    std::uint32_t record_max = 0; ///< largest payload a record may carry
    std::uint32_t header_size = 0;

    // ---- producer line ----
    alignas(cache_line_size) std::atomic<std::uint64_t> head{0}; ///< end of committed records
    /** Set by the producer when the ring was full and it sleeps; cleared by the consumer when
     *  it signals (after releasing space). */
    std::atomic<std::uint32_t> producer_waiting{0};

    // ---- consumer line ----
    alignas(cache_line_size) std::atomic<std::uint64_t> tail{0}; ///< end of released records
    /** Set by the consumer when the ring was empty and it sleeps; cleared by the producer when it
     *  signals (after committing). */
    std::atomic<std::uint32_t> consumer_waiting{0};
};
static_assert(sizeof(ring_header) == 3 * cache_line_size);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

/** region_header::client_flags bits (written by the client; the daemon only tests them). */
inline constexpr std::uint32_t region_flag_configurations = 1u << 0; ///< send configuration records

/** region_header::state values. */
enum class region_state : std::uint32_t { open = 1, closed = 2 };

/**
 * The start of a client's shared memory (one memfd). Offsets are from the region start; both
 * rings are cache-line aligned. The daemon fills it before passing the fd; the client validates
 * it once (attach) and never re-reads the sizes.
 */
struct region_header {
    std::uint32_t magic = 0;
    std::uint32_t version = 0;
    std::uint64_t total_size = 0;
    std::uint64_t submit_offset = 0;  ///< ring_header of the submit ring
    std::uint64_t deliver_offset = 0; ///< ring_header of the delivery ring
    std::uint32_t node = 0;           ///< the daemon's node id
    std::uint32_t client = 0;         ///< this client's id (unique per daemon run)
    std::uint32_t pid = 0;            ///< the client's pid as the daemon saw it (SO_PEERCRED)
    std::uint32_t max_message_size = 0; ///< largest application payload (without group header)
    std::uint32_t max_groups = 0;       ///< groups this client may be in at once
    /** region_flag_*, set by the client. It sits in what was padding before the state line, so
     *  the layout (and layout_version) is unchanged: an older daemon never reads it, an older
     *  client leaves it zero. */
    std::atomic<std::uint32_t> client_flags{0};
    /** region_state; the daemon sets closed (and a reason) when it drops the client. */
    alignas(cache_line_size) std::atomic<std::uint32_t> state{0};
    char reason[124] = {};
};
static_assert(sizeof(region_header) % cache_line_size == 0);
static_assert(sizeof(region_header) == 3 * cache_line_size); // as in layout_version 1 before
static_assert(offsetof(region_header, state) == cache_line_size);

} // namespace ringcast::shm
