#pragma once
// DPDK telemetry commands under /ringcast/ (read with dpdk-telemetry.py or `ringcast status`):
//   /ringcast/status    everything below in one object (what `ringcast status --json` prints)
//   /ringcast/members   node_id, ring_id, members
//   /ringcast/stats     counters and drops by cause
//   /ringcast/config    the running configuration
//   /ringcast/generate  start,<size>,<rate|0>,<count|0>  or  stop

#include <cstdint>

#include "lib/totem/config.hpp"

namespace ringcast::drv::dpdk {

class dataplane;

struct telemetry_info {
    node_id self = node_id_none;
    std::uint32_t cluster_id = 0;
    std::uint32_t mtu = 0;
    const totem::config* totem = nullptr;
    bool crypto = true;
    bool busy_poll = false;
};

/** Registers the commands; `dp` and `info` must outlive the EAL. Call once, after rte_eal_init. */
void register_telemetry(dataplane& dp, const telemetry_info& info);

} // namespace ringcast::drv::dpdk
