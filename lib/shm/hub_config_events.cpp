// client_hub, lcore side: configuration records for clients that watch them. A client asks by
// setting region_flag_configurations in its region header; the first time the lcore sees the flag
// (before that client's next submission, or at the next configuration change) it sends the
// configuration the node is in as an attach record, then every change as it is delivered.
// The flag is the only word the lcore reads from the header, and only until it is seen.

#include "lib/common/assert.hpp"
#include "lib/shm/config_event.hpp"
#include "lib/shm/hub.hpp"
#include "lib/shm/hub_slot.hpp"

namespace ringcast::shm {

void client_hub::watch_check_lcore(std::uint16_t s) noexcept {
    slot& c = slots_[s];
    if (c.dropping || (c.region.header->client_flags.load(std::memory_order_acquire) &
                       region_flag_configurations) == 0) {
        return;
    }
    c.watching = true;
    if (have_config_) {
        put_config_lcore(s, static_cast<std::uint8_t>(
                                config_transitional_ ? config_event_kind::attach_transitional
                                                     : config_event_kind::attach_regular));
    }
}

void client_hub::put_config_lcore(std::uint16_t s, std::uint8_t kind) noexcept {
    const std::size_t size = config_event_size(config_members_.size());
    RC_ASSERT(size <= scratch_.size());
    encode_config_event(std::span<std::byte>(scratch_.data(), size),
                        config_event{static_cast<config_event_kind>(kind), config_ring_,
                                     config_members_});
    const totem::segment seg{totem::payload_ref_none, scratch_.data(),
                             static_cast<std::uint32_t>(size)};
    const record_meta meta{current_seq_, cfg_.self, 0, record_kind::configuration, 0};
    put_record_lcore(s, meta, std::span<const totem::segment>(&seg, 1));
}

} // namespace ringcast::shm
