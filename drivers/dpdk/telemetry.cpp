// Telemetry callbacks run on DPDK's telemetry thread: they only read the lcore's published
// atomics (and set the generator's request), never touch the core.

#include "drivers/dpdk/telemetry.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_telemetry.h>

#include "drivers/dpdk/dataplane.hpp"
#include "drivers/dpdk/log.hpp"

namespace ringcast::drv::dpdk {

int ringcast_logtype = RTE_LOGTYPE_USER1;

void register_log(const char* level) {
    ringcast_logtype = rte_log_register_type_and_pick_level("ringcast", RTE_LOG_INFO);
    if (ringcast_logtype < 0) {
        ringcast_logtype = RTE_LOGTYPE_USER1;
    }
    std::uint32_t lvl = RTE_LOG_INFO;
    if (std::strcmp(level, "error") == 0) {
        lvl = RTE_LOG_ERR;
    } else if (std::strcmp(level, "warning") == 0) {
        lvl = RTE_LOG_WARNING;
    } else if (std::strcmp(level, "notice") == 0) {
        lvl = RTE_LOG_NOTICE;
    } else if (std::strcmp(level, "debug") == 0) {
        lvl = RTE_LOG_DEBUG;
    }
    rte_log_set_level(static_cast<std::uint32_t>(ringcast_logtype), lvl);
}

namespace {

dataplane* g_dp = nullptr;
telemetry_info g_info;

const char* state_name(std::uint32_t s) {
    switch (static_cast<totem::node_state>(s)) {
    case totem::node_state::operational: return "operational";
    case totem::node_state::gather: return "gather";
    case totem::node_state::commit: return "commit";
    case totem::node_state::recovery: return "recovery";
    case totem::node_state::left: return "left";
    }
    return "unknown";
}

std::uint64_t get(const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); }

/** Adds ring_id and members from a consistent snapshot (sequence lock, retried). */
void add_membership(rte_tel_data* d) {
    published_stats& s = g_dp->stats();
    std::uint32_t rep = 0;
    std::uint64_t seq = 0;
    std::uint32_t n = 0;
    std::array<std::uint32_t, wire::max_nodes> m{};
    for (;;) {
        const std::uint64_t v1 = s.memb_seq.load(std::memory_order_acquire);
        if (v1 % 2 == 0) {
            rep = s.ring_rep.load(std::memory_order_relaxed);
            seq = s.ring_seq.load(std::memory_order_relaxed);
            n = std::min<std::uint32_t>(s.member_count.load(std::memory_order_relaxed), wire::max_nodes);
            for (std::uint32_t i = 0; i < n; ++i) {
                m[i] = s.members[i].load(std::memory_order_relaxed);
            }
            std::atomic_thread_fence(std::memory_order_acquire);
            if (s.memb_seq.load(std::memory_order_relaxed) == v1) {
                break;
            }
        }
    }
    char ring[48];
    std::snprintf(ring, sizeof ring, "%u:%" PRIu64, rep, seq);
    rte_tel_data_add_dict_string(d, "ring_id", ring);
    rte_tel_data* arr = rte_tel_data_alloc();
    rte_tel_data_start_array(arr, RTE_TEL_U64_VAL);
    for (std::uint32_t i = 0; i < n; ++i) {
        rte_tel_data_add_array_u64(arr, m[i]);
    }
    rte_tel_data_add_dict_container(d, "members", arr, 0);
}

void add_counters(rte_tel_data* d) {
    published_stats& s = g_dp->stats();
    rte_tel_data_add_dict_u64(d, "delivered", get(s.delivered));
    rte_tel_data_add_dict_u64(d, "delivered_bytes", get(s.delivered_bytes));
    char digest[24];
    std::snprintf(digest, sizeof digest, "%016" PRIx64, get(s.digest));
    rte_tel_data_add_dict_string(d, "digest", digest);
    rte_tel_data_add_dict_u64(d, "ring_changes", get(s.ring_changes));
    rte_tel_data_add_dict_u64(d, "last_ring_change_unix_ns", get(s.last_ring_change_unix_ns));
    rte_tel_data_add_dict_u64(d, "frames_in", get(s.frames_in));
    rte_tel_data_add_dict_u64(d, "frames_out", get(s.frames_out));
    rte_tel_data_add_dict_u64(d, "bytes_in", get(s.bytes_in));
    rte_tel_data_add_dict_u64(d, "bytes_out", get(s.bytes_out));
    rte_tel_data_add_dict_u64(d, "retransmissions", get(s.retransmissions));
    rte_tel_data_add_dict_u64(d, "token_rotations", get(s.token_rotations));
    rte_tel_data_add_dict_u64(d, "token_retransmitted", get(s.token_retransmitted));
    rte_tel_data_add_dict_u64(d, "token_lost", get(s.token_lost));
    rte_tel_data_add_dict_u64(d, "loop_pauses", get(s.loop_pauses));
    rte_tel_data_add_dict_u64(d, "loop_gap_max_ns", get(s.loop_gap_max_ns));
    rte_tel_data_add_dict_u64(d, "submitted", get(s.submitted));
    rte_tel_data_add_dict_u64(d, "generated", g_dp->load().generated());
    rte_tel_data_add_dict_u64(d, "generating", g_dp->load().running() ? 1 : 0);
    rte_tel_data_add_dict_u64(d, "tx_dropped", get(s.tx_dropped));
    rte_tel_data_add_dict_u64(d, "mbuf_alloc_failed", get(s.mbuf_alloc_failed));
    rte_tel_data_add_dict_u64(d, "rx_ring_full", get(s.rx_ring_full));
    // Frames the port could not hand us (its RX ring was full, or no mbuf): lost before any
    // drop cause could be judged.
    rte_eth_stats es{};
    if (rte_eth_stats_get(g_dp->port_id(), &es) == 0) {
        rte_tel_data_add_dict_u64(d, "rx_missed", es.imissed + es.rx_nombuf);
    }
    rte_tel_data* drops = rte_tel_data_alloc();
    rte_tel_data_start_dict(drops);
    for (std::size_t i = 0; i < s.drops.size(); ++i) {
        const std::string name(to_string(static_cast<drop_cause>(i)));
        rte_tel_data_add_dict_u64(drops, name.c_str(), get(s.drops[i]));
    }
    rte_tel_data_add_dict_container(d, "drops", drops, 0);
}

int cmd_status(const char*, const char*, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "node_id", g_info.self);
    rte_tel_data_add_dict_string(d, "state", state_name(g_dp->stats().state.load(std::memory_order_relaxed)));
    add_membership(d);
    add_counters(d);
    return 0;
}

int cmd_members(const char*, const char*, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "node_id", g_info.self);
    rte_tel_data_add_dict_string(d, "state", state_name(g_dp->stats().state.load(std::memory_order_relaxed)));
    add_membership(d);
    return 0;
}

int cmd_stats(const char*, const char*, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    add_counters(d);
    return 0;
}

int cmd_config(const char*, const char*, rte_tel_data* d) {
    const totem::config& t = *g_info.totem;
    rte_tel_data_start_dict(d);
    rte_tel_data_add_dict_u64(d, "node_id", g_info.self);
    rte_tel_data_add_dict_u64(d, "cluster_id", g_info.cluster_id);
    rte_tel_data_add_dict_u64(d, "mtu", g_info.mtu);
    rte_tel_data_add_dict_u64(d, "crypto", g_info.crypto ? 1 : 0);
    rte_tel_data_add_dict_string(d, "poll", g_info.busy_poll ? "busy" : "adaptive");
    rte_tel_data_add_dict_u64(d, "window_size", t.window_size);
    rte_tel_data_add_dict_u64(d, "max_messages", t.max_messages);
    rte_tel_data_add_dict_u64(d, "token_us", t.token_timeout_ns / 1000);
    rte_tel_data_add_dict_u64(d, "token_retransmit_us", t.token_retransmit_ns / 1000);
    rte_tel_data_add_dict_u64(d, "join_us", t.join_ns / 1000);
    rte_tel_data_add_dict_u64(d, "consensus_us", t.consensus_ns / 1000);
    rte_tel_data_add_dict_u64(d, "merge_us", t.merge_ns / 1000);
    return 0;
}

int cmd_generate(const char*, const char* params, rte_tel_data* d) {
    rte_tel_data_start_dict(d);
    const std::string p = params == nullptr ? "" : params;
    if (p == "stop") {
        g_dp->load().request_stop();
        rte_tel_data_add_dict_string(d, "generator", "stopping");
        return 0;
    }
    unsigned long size = 1024;
    unsigned long long rate = 0;
    unsigned long long count = 0;
    char word[16] = {};
    const int n = std::sscanf(p.c_str(), "%15[a-z],%lu,%llu,%llu", word, &size, &rate, &count);
    if (n < 1 || std::strcmp(word, "start") != 0 || size == 0 || size > generator::max_size) {
        rte_tel_data_add_dict_string(d, "error",
                                     "usage: start,<size 1..65536>,<rate/s or 0>,<count or 0> | stop");
        return 0;
    }
    g_dp->load().request_start(static_cast<std::uint32_t>(size), rate, count);
    rte_tel_data_add_dict_string(d, "generator", "started");
    rte_tel_data_add_dict_u64(d, "size", size);
    rte_tel_data_add_dict_u64(d, "rate", rate);
    rte_tel_data_add_dict_u64(d, "count", count);
    return 0;
}

} // namespace

void register_telemetry(dataplane& dp, const telemetry_info& info) {
    g_dp = &dp;
    g_info = info;
    rte_telemetry_register_cmd("/ringcast/status", cmd_status,
                               "Node state, ring, members, delivered, digest, drops. No parameters");
    rte_telemetry_register_cmd("/ringcast/members", cmd_members, "Current ring and members. No parameters");
    rte_telemetry_register_cmd("/ringcast/stats", cmd_stats, "Frame, delivery and drop counters. No parameters");
    rte_telemetry_register_cmd("/ringcast/config", cmd_config, "Running configuration. No parameters");
    rte_telemetry_register_cmd("/ringcast/generate", cmd_generate,
                               "Load generator. Parameters: start,<size>,<rate/s|0>,<count|0> or stop");
}

} // namespace ringcast::drv::dpdk
