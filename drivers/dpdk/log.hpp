#pragma once
// rte_log with a `ringcast` log type (registered by the daemon at start).

#include <rte_log.h>

namespace ringcast::drv::dpdk {
extern int ringcast_logtype;
/** Registers the `ringcast` log type; level from the config ("error", "warning", "info", "debug"). */
void register_log(const char* level);
} // namespace ringcast::drv::dpdk

#define RC_LOG(level, fmt, ...)                                                                    \
    rte_log(RTE_LOG_##level, ::ringcast::drv::dpdk::ringcast_logtype, "ringcast: " fmt "\n",       \
            ##__VA_ARGS__)
