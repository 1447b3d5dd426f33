#pragma once
// Everything ringcastd is configured with: the TOML file, overridden by command-line flags.
// Loaded and validated once at start (slow path); the data plane reads it, never writes it.

#include <cstdint>
#include <string>
#include <vector>

#include "lib/totem/config.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::app {

/** One cluster member as the config lists it. */
struct node_entry {
    node_id id = node_id_none;
    wire::eth_addr mac{};
};

enum class poll_mode : std::uint8_t { busy, adaptive };

/** [clients] slow_consumer: what to do when a local client's delivery ring is full. */
enum class slow_consumer_policy : std::uint8_t { block, disconnect };

/** [clients]: local applications over shared memory (lib/shm client_hub, libringcast). */
struct clients_settings {
    /** Unix socket; empty in the file means /run/ringcast/<[dpdk].file_prefix or ringcast>.sock
     *  (filled in by validate_config). */
    std::string socket;
    std::vector<std::uint32_t> allowed_uids; ///< both empty: only the daemon's own uid
    std::vector<std::uint32_t> allowed_gids; ///< matched against the peer's primary gid
    std::uint32_t submit_ring_bytes = 1u << 20;   ///< per client, power of two
    std::uint32_t delivery_ring_bytes = 4u << 20; ///< per client, power of two
    std::uint32_t max_message_size = 65536 - 88;  ///< application bytes (+88 group header <= [totem])
    std::uint32_t max_groups_per_client = 64;
    std::uint32_t max_clients = 64;
    slow_consumer_policy slow_consumer = slow_consumer_policy::block;
    std::uint64_t slow_consumer_bound_bytes = 64u << 20; ///< backlog per client before disconnect (virtual until used)
    mono_ns slow_consumer_timeout_ns = 2'000'000'000;   ///< backlog age before disconnect
};

/** The settings; daemon_config adds the copy rule that keeps totem.members valid. */
struct daemon_settings {
    std::string source;            ///< config file path (for messages)

    // [cluster]
    std::string cluster_name;
    std::uint32_t cluster_id = 0;
    std::string key_file;          ///< 32-byte cluster key (ringcast keygen), mode 0600
    std::string state_dir = "/var/lib/ringcast"; ///< key epoch and ring seq high-water marks
    std::uint16_t ethertype = wire::default_ethertype;
    std::uint32_t mtu = 1500;
    std::vector<node_entry> nodes; ///< every allowed node, unique ids and MACs

    // [node]
    node_id self = node_id_none;   ///< must be one of nodes

    // [dpdk]
    std::string port;              ///< PCI address ("0000:3b:00.0") or vdev ("net_af_packet0,iface=veth1")
    std::string lcores = "0";      ///< EAL -l list; the first runs the protocol
    std::string file_prefix;       ///< EAL --file-prefix (one per process on a host)
    bool no_huge = false;          ///< EAL --no-huge
    std::uint32_t memory_mb = 256; ///< EAL -m
    poll_mode poll = poll_mode::adaptive;
    std::string log_level = "info"; ///< rte_log level for ringcast (error, warning, info, debug)
    std::vector<std::string> eal_args; ///< extra EAL arguments, passed through

    // [clients]
    clients_settings clients;

    // [totem] (defaults from totem::config; times in the file are in milliseconds, fractions allowed)
    /** After validation, totem.self == self and totem.members views member_ids. */
    totem::config totem;
    /** The ids of nodes, in file order: the storage totem.members points into. */
    std::vector<node_id> member_ids;
};

/**
 * The validated daemon configuration (load_config_file / parse_command_line in config.hpp and
 * options.hpp). totem.members is a span into member_ids: copies re-point it at their own
 * member_ids (a defaulted copy would leave it viewing the source's vector), and moves keep it
 * valid because a moved vector keeps its buffer.
 */
struct daemon_config : daemon_settings {
    daemon_config() = default;
    daemon_config(const daemon_config& o) : daemon_settings(o) { rebind_members(o); }
    daemon_config(daemon_config&&) noexcept = default;
    daemon_config& operator=(const daemon_config& o) {
        if (this != &o) {
            daemon_settings::operator=(o);
            rebind_members(o);
        }
        return *this;
    }
    daemon_config& operator=(daemon_config&&) noexcept = default;
    ~daemon_config() = default;

private:
    void rebind_members(const daemon_config& o) noexcept {
        if (o.totem.members.data() == o.member_ids.data() &&
            o.totem.members.size() == o.member_ids.size()) {
            totem.members = member_ids;
        }
    }
};

} // namespace ringcast::app
