#pragma once
// One client's shared memory: region header, submit ring, delivery ring, in one memfd. The
// daemon creates and initializes it; the client attaches and validates it once.

#include <cstddef>
#include <cstdint>

#include "lib/common/types.hpp"
#include "lib/shm/errc.hpp"
#include "lib/shm/layout.hpp"
#include "lib/shm/ring.hpp"

namespace ringcast::shm {

/** Sizes of a region, chosen by the daemon from its config. */
struct region_sizes {
    std::uint64_t submit_capacity = 1u << 20;  ///< power of two
    std::uint64_t deliver_capacity = 4u << 20; ///< power of two
    std::uint32_t submit_record_max = 0;
    std::uint32_t deliver_record_max = 0;
};

/** Pointers into a mapped region (valid while it is mapped). */
struct region_view {
    region_header* header = nullptr;
    ring_header* submit = nullptr;
    std::byte* submit_data = nullptr;
    ring_header* deliver = nullptr;
    std::byte* deliver_data = nullptr;
};

/** Bytes of a region with these sizes. */
[[nodiscard]] std::uint64_t region_size(const region_sizes& s) noexcept;

/** Initializes a zeroed mapping of region_size(s) bytes (daemon side). */
region_view init_region(void* base, const region_sizes& s, node_id node, std::uint32_t client,
                        std::uint32_t pid, std::uint32_t max_message_size,
                        std::uint32_t max_groups) noexcept;

/**
 * Validates a mapping of `mapped_size` bytes the daemon initialized (client side): magic,
 * version, offsets and both ring headers inside the mapping.
 * @return ok with out filled, or bad_layout.
 */
errc attach_region(void* base, std::uint64_t mapped_size, region_view& out) noexcept;

} // namespace ringcast::shm
