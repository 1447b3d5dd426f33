// Region layout: [region_header][submit ring_header][submit data][deliver ring_header][deliver
// data]. Capacities are powers of two >= 4096, so every part stays cache-line aligned.

#include "lib/shm/region.hpp"

#include <new>

#include "lib/common/assert.hpp"

namespace ringcast::shm {

std::uint64_t region_size(const region_sizes& s) noexcept {
    return sizeof(region_header) + 2 * sizeof(ring_header) + s.submit_capacity +
           s.deliver_capacity;
}

region_view init_region(void* base, const region_sizes& s, node_id node, std::uint32_t client,
                        std::uint32_t pid, std::uint32_t max_message_size,
                        std::uint32_t max_groups) noexcept {
    auto* bytes = static_cast<std::byte*>(base);
    region_view v;
    v.header = new (base) region_header{};
    v.header->magic = region_magic;
    v.header->version = layout_version;
    v.header->total_size = region_size(s);
    v.header->submit_offset = sizeof(region_header);
    v.header->deliver_offset = sizeof(region_header) + sizeof(ring_header) + s.submit_capacity;
    v.header->node = node;
    v.header->client = client;
    v.header->pid = pid;
    v.header->max_message_size = max_message_size;
    v.header->max_groups = max_groups;
    v.header->state.store(static_cast<std::uint32_t>(region_state::open),
                          std::memory_order_relaxed);
    v.submit = new (bytes + v.header->submit_offset) ring_header{};
    init_ring(*v.submit, s.submit_capacity, s.submit_record_max);
    v.submit_data = bytes + v.header->submit_offset + sizeof(ring_header);
    v.deliver = new (bytes + v.header->deliver_offset) ring_header{};
    init_ring(*v.deliver, s.deliver_capacity, s.deliver_record_max);
    v.deliver_data = bytes + v.header->deliver_offset + sizeof(ring_header);
    return v;
}

errc attach_region(void* base, std::uint64_t mapped_size, region_view& out) noexcept {
    if (mapped_size < sizeof(region_header)) {
        return errc::bad_layout;
    }
    auto* bytes = static_cast<std::byte*>(base);
    auto* h = static_cast<region_header*>(base);
    if (h->magic != region_magic || h->version != layout_version || h->total_size != mapped_size) {
        return errc::bad_layout;
    }
    // Each ring: its header and data must lie inside the mapping, in order, without overlap.
    std::uint64_t at = sizeof(region_header);
    ring_header* rings[2] = {};
    const std::uint64_t offsets[2] = {h->submit_offset, h->deliver_offset};
    for (int i = 0; i < 2; ++i) {
        if (offsets[i] != at || offsets[i] % cache_line_size != 0 ||
            mapped_size - at < sizeof(ring_header)) {
            return errc::bad_layout;
        }
        rings[i] = reinterpret_cast<ring_header*>(bytes + at);
        if (check_ring(*rings[i], mapped_size) != errc::ok ||
            rings[i]->capacity > mapped_size - at - sizeof(ring_header)) {
            return errc::bad_layout;
        }
        at += sizeof(ring_header) + rings[i]->capacity;
    }
    if (at != mapped_size) {
        return errc::bad_layout;
    }
    out.header = h;
    out.submit = rings[0];
    out.submit_data = bytes + h->submit_offset + sizeof(ring_header);
    out.deliver = rings[1];
    out.deliver_data = bytes + h->deliver_offset + sizeof(ring_header);
    return errc::ok;
}

} // namespace ringcast::shm
