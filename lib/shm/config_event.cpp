#include "lib/shm/config_event.hpp"

#include <cstring>

namespace ringcast::shm {

void encode_config_event(std::span<std::byte> out, const config_event& ev) noexcept {
    std::memset(out.data(), 0, config_event_fixed_size);
    const auto kind = static_cast<std::uint8_t>(ev.kind);
    const std::uint32_t rep = ev.ring.rep;
    const std::uint64_t seq = ev.ring.seq;
    const auto count = static_cast<std::uint32_t>(ev.members.size());
    std::memcpy(out.data(), &kind, 1);
    std::memcpy(out.data() + 4, &rep, 4);
    std::memcpy(out.data() + 8, &seq, 8);
    std::memcpy(out.data() + 16, &count, 4);
    std::memcpy(out.data() + config_event_fixed_size, ev.members.data(),
                ev.members.size() * sizeof(std::uint32_t));
}

bool parse_config_event(std::span<const std::byte> in, config_event& ev,
                        node_id* members) noexcept {
    if (in.size() < config_event_fixed_size) {
        return false;
    }
    std::uint8_t kind = 0;
    std::uint32_t count = 0;
    std::memcpy(&kind, in.data(), 1);
    std::memcpy(&ev.ring.rep, in.data() + 4, 4);
    std::memcpy(&ev.ring.seq, in.data() + 8, 8);
    std::memcpy(&count, in.data() + 16, 4);
    if (kind < 1 || kind > 4 || count > config_event_members_max ||
        in.size() != config_event_size(count)) {
        return false;
    }
    ev.kind = static_cast<config_event_kind>(kind);
    std::memcpy(members, in.data() + config_event_fixed_size, count * sizeof(std::uint32_t));
    ev.members = {members, count};
    return true;
}

} // namespace ringcast::shm
