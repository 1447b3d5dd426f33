// State-sync report codec. Strict like the group header: reserved bytes must be zero and the
// entries must fill the body exactly, so garbage is rejected the same way on every node.

#include "lib/shm/group_sync.hpp"

#include <algorithm>
#include <cstring>

#include "lib/common/assert.hpp"
#include "lib/common/byte_order.hpp"

namespace ringcast::shm {

namespace {

// A sync report names no group.
constexpr std::size_t sync_header_size = group_header_size(0);

void start_chunk(node_id self, ring_id ring, std::vector<std::byte>& out,
                 std::vector<sync_chunk>& chunks) {
    chunks.push_back({out.size(), sync_header_size + sync_body_fixed});
    out.resize(out.size() + sync_header_size + sync_body_fixed);
    std::byte* p = out.data() + chunks.back().offset;
    group_header h;
    h.kind = group_msg_kind::sync;
    h.sender = member{self, 0, 0};
    (void)encode_group_header(std::span<std::byte>(p, sync_header_size), h);
    std::byte* b = p + sync_header_size;
    std::memset(b, 0, sync_body_fixed);
    store_be<std::uint32_t>(b, ring.rep);
    store_be<std::uint64_t>(b + 8, ring.seq);
}

void finish_chunk(std::vector<std::byte>& out, const sync_chunk& c, std::uint32_t count,
                  bool last) {
    std::byte* p = out.data() + c.offset;
    store_be<std::uint32_t>(p + sync_header_size + 16, count);
    if (last) {
        p[5] = std::byte{group_flag_sync_last}; // group header flags
    }
}

} // namespace

void encode_sync_report(node_id self, ring_id ring, std::span<const sync_entry> entries,
                        std::size_t payload_max, std::vector<std::byte>& out,
                        std::vector<sync_chunk>& chunks) {
    payload_max = std::clamp(payload_max, sync_payload_min, sync_payload_max);
    start_chunk(self, ring, out, chunks);
    std::uint32_t count = 0;
    for (const sync_entry& e : entries) {
        RC_ASSERT(group_name_ok(e.name));
        const std::size_t need = 1 + e.name.size() + 8;
        if (chunks.back().size + need > payload_max) {
            finish_chunk(out, chunks.back(), count, false);
            start_chunk(self, ring, out, chunks);
            count = 0;
        }
        const std::size_t at = out.size();
        out.resize(at + need);
        std::byte* p = out.data() + at;
        p[0] = static_cast<std::byte>(e.name.size());
        std::memcpy(p + 1, e.name.data(), e.name.size());
        store_be<std::uint32_t>(p + 1 + e.name.size(), e.pid);
        store_be<std::uint32_t>(p + 5 + e.name.size(), e.client);
        chunks.back().size += need;
        ++count;
    }
    finish_chunk(out, chunks.back(), count, true);
}

bool parse_sync_body(std::span<const std::byte> body, ring_id& ring,
                     std::vector<sync_entry>& out) noexcept {
    if (body.size() < sync_body_fixed || load_be<std::uint32_t>(&body[4]) != 0 ||
        load_be<std::uint32_t>(&body[20]) != 0) {
        return false;
    }
    ring.rep = load_be<std::uint32_t>(&body[0]);
    ring.seq = load_be<std::uint64_t>(&body[8]);
    const std::uint32_t count = load_be<std::uint32_t>(&body[16]);
    const std::size_t first = out.size();
    std::size_t at = sync_body_fixed;
    for (std::uint32_t i = 0; i < count; ++i) {
        if (at >= body.size()) {
            out.resize(first);
            return false;
        }
        const std::size_t len = std::to_integer<std::uint8_t>(body[at]);
        if (body.size() - at < 1 + len + 8 || out.size() == out.capacity()) {
            out.resize(first); // also: never grow the caller's reserved vector here
            return false;
        }
        const std::string_view name(reinterpret_cast<const char*>(&body[at + 1]), len);
        if (!group_name_ok(name)) {
            out.resize(first);
            return false;
        }
        out.push_back({name, load_be<std::uint32_t>(&body[at + 1 + len]),
                       load_be<std::uint32_t>(&body[at + 5 + len])});
        at += 1 + len + 8;
    }
    if (at != body.size()) {
        out.resize(first);
        return false;
    }
    return true;
}

} // namespace ringcast::shm
