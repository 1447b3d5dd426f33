// Group header and view record codecs. The group header crosses nodes (big-endian, strict:
// every reserved byte must be zero so the format can grow); the view record stays on one host.

#include "lib/shm/group_wire.hpp"

#include <cstring>

#include "lib/common/assert.hpp"
#include "lib/common/byte_order.hpp"

namespace ringcast::shm {

bool group_name_ok(std::string_view name) noexcept {
    if (name.empty() || name.size() > group_name_max) {
        return false;
    }
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            return false;
        }
    }
    return true;
}

std::size_t encode_group_header(std::span<std::byte> out, const group_header& h) noexcept {
    RC_ASSERT(h.name.size() <= group_name_max);
    const std::size_t size = group_header_size(h.name.size());
    RC_ASSERT(out.size() >= size);
    std::memset(out.data(), 0, size);
    store_be<std::uint16_t>(&out[0], group_magic);
    out[2] = std::byte{group_version};
    out[3] = static_cast<std::byte>(h.kind);
    out[4] = static_cast<std::byte>(h.name.size());
    out[5] = std::byte{h.flags};
    store_be<std::uint32_t>(&out[8], h.sender.node);
    store_be<std::uint32_t>(&out[12], h.sender.pid);
    store_be<std::uint32_t>(&out[16], h.sender.client);
    if (!h.name.empty()) { // a leave-all has no name (and may have no pointer)
        std::memcpy(&out[group_header_fixed], h.name.data(), h.name.size());
    }
    return size;
}

errc parse_group_header(std::span<const std::byte> in, group_header& out) noexcept {
    if (in.size() < group_header_fixed || load_be<std::uint16_t>(&in[0]) != group_magic ||
        std::to_integer<std::uint8_t>(in[2]) != group_version ||
        load_be<std::uint16_t>(&in[6]) != 0 || load_be<std::uint32_t>(&in[20]) != 0) {
        return errc::bad_group;
    }
    const auto kind = std::to_integer<std::uint8_t>(in[3]);
    const auto name_len = std::to_integer<std::uint8_t>(in[4]);
    const auto flags = std::to_integer<std::uint8_t>(in[5]);
    const auto allowed_flags = static_cast<std::uint8_t>(
        kind == static_cast<std::uint8_t>(group_msg_kind::leave)  ? group_flag_client_gone
        : kind == static_cast<std::uint8_t>(group_msg_kind::sync) ? group_flag_sync_last
                                                                   : 0);
    if (kind < 1 || kind > 4 || name_len > group_name_max || (flags & ~allowed_flags) != 0) {
        return errc::bad_group;
    }
    const std::size_t size = group_header_size(name_len);
    if (in.size() < size) {
        return errc::bad_group;
    }
    out.kind = static_cast<group_msg_kind>(kind);
    out.flags = flags;
    out.sender.node = load_be<std::uint32_t>(&in[8]);
    out.sender.pid = load_be<std::uint32_t>(&in[12]);
    out.sender.client = load_be<std::uint32_t>(&in[16]);
    out.name = {reinterpret_cast<const char*>(&in[group_header_fixed]), name_len};
    out.size = static_cast<std::uint32_t>(size);
    // Only a leave may name no group (leave all), a sync never does; zero padding after the
    // name is required.
    const bool name_ok = out.kind == group_msg_kind::sync ? name_len == 0
                         : name_len == 0                   ? out.kind == group_msg_kind::leave
                                                           : group_name_ok(out.name);
    if (!name_ok || out.sender.node == node_id_none) {
        return errc::bad_group;
    }
    for (std::size_t i = group_header_fixed + name_len; i < size; ++i) {
        if (in[i] != std::byte{0}) {
            return errc::bad_group;
        }
    }
    return errc::ok;
}

namespace {
void put32(std::byte* p, std::uint32_t v) noexcept { std::memcpy(p, &v, sizeof v); }
std::uint32_t get32(const std::byte* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
} // namespace

void encode_view_event(std::span<std::byte> out, const view_event& ev) noexcept {
    RC_ASSERT(out.size() == view_event_size(ev.members.size(), ev.joined.size(), ev.left.size()));
    RC_ASSERT(ev.name.size() <= group_name_max);
    std::memset(out.data(), 0, view_fixed_size);
    out[0] = static_cast<std::byte>(ev.reason);
    out[1] = static_cast<std::byte>(ev.name.size());
    put32(&out[4], ev.group);
    put32(&out[8], static_cast<std::uint32_t>(ev.members.size()));
    put32(&out[12], static_cast<std::uint32_t>(ev.joined.size()));
    put32(&out[16], static_cast<std::uint32_t>(ev.left.size()));
    std::memcpy(&out[24], ev.name.data(), ev.name.size());
    std::byte* p = out.data() + view_fixed_size;
    for (const auto list : {ev.members, ev.joined, ev.left}) {
        for (const member& m : list) {
            put32(p, m.node);
            put32(p + 4, m.pid);
            put32(p + 8, m.client);
            p += view_member_size;
        }
    }
}

bool parse_view_fixed(std::span<const std::byte> in, view_event& ev,
                      std::uint32_t counts[3]) noexcept {
    if (in.size() < view_fixed_size) {
        return false;
    }
    const auto reason = std::to_integer<std::uint8_t>(in[0]);
    const auto name_len = std::to_integer<std::uint8_t>(in[1]);
    if (reason < 1 || reason > 5 || name_len == 0 || name_len > group_name_max) {
        return false;
    }
    ev.reason = static_cast<view_reason>(reason);
    ev.group = get32(&in[4]);
    std::uint64_t total = 0;
    for (int i = 0; i < 3; ++i) {
        counts[i] = get32(&in[8 + 4 * i]);
        total += counts[i];
    }
    ev.name = {reinterpret_cast<const char*>(&in[24]), name_len};
    return view_fixed_size + total * view_member_size == in.size();
}

member view_member_at(std::span<const std::byte> in, std::size_t index) noexcept {
    const std::byte* p = in.data() + view_fixed_size + index * view_member_size;
    return {get32(p), get32(p + 4), get32(p + 8)};
}

} // namespace ringcast::shm
