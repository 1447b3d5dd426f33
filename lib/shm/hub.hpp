#pragma once
// client_hub: ringcastd's side of the local clients. Two threads use it, with no lock between
// them:
//
//   control thread (any non-lcore thread): service_control() accepts connections on the Unix
//     socket, checks credentials, creates each client's shared memory, notices closed sockets
//     and reclaims the memory of clients the lcore has retired. It may block and log.
//   protocol lcore: poll_submissions(), release(), deliver(), on_configuration(). No syscalls
//     in steady state (an eventfd write only for a client that said it sleeps, at most once per
//     client per poll), no locks, no allocation except when group membership changes.
//
// The two share only the slot array: the control thread fills a free slot and publishes it with
// a release store of its state; the lcore adopts it, and hands it back (state retired) once the
// Totem core has released every ref into its memory. A closed socket is an atomic flag.
//
// Everything a client writes is untrusted: a bad record disconnects that client with a reason
// (in the client's region and in the daemon log); the daemon never forwards a malformed record.
// What Totem delivers is re-validated here (the group header is parsed again), because a client
// can rewrite bytes between validation and the core's copy.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/common/types.hpp"
#include "lib/shm/groups.hpp"
#include "lib/shm/region.hpp"
#include "lib/shm/ring.hpp"
#include "lib/totem/effects.hpp"
#include "lib/totem/node.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::shm {

/** What to do with a client whose delivery ring is full. */
enum class slow_consumer_policy : std::uint8_t {
    block,      ///< hold its messages in a private backlog (up to a bound), stop taking this
                ///< node's submissions meanwhile; past the bound, disconnect it
    disconnect, ///< disconnect it at once
};

/** The [clients] settings (ringcastd maps its config to this). */
struct hub_config {
    node_id self = node_id_none;
    std::string socket_path;               ///< Unix socket to listen on
    std::vector<std::uint32_t> allowed_uids; ///< both empty: only the daemon's own uid
    std::vector<std::uint32_t> allowed_gids; ///< checked against the peer's primary gid
    std::uint32_t submit_ring_bytes = 1u << 20;  ///< power of two
    std::uint32_t deliver_ring_bytes = 4u << 20; ///< power of two
    std::uint32_t max_message_size = 65536;      ///< application bytes (without group header)
    std::uint32_t max_groups_per_client = 64;
    std::uint32_t max_clients = 64;
    std::uint32_t group_members_max = 256;
    slow_consumer_policy slow_consumer = slow_consumer_policy::block;
    std::uint64_t slow_consumer_bound_bytes = 64u << 20; ///< backlog per client under block
    /** Under block: longest a backlog may persist (this node's submissions are paused meanwhile,
     *  so with little remote traffic the byte bound alone might never be reached). */
    std::uint64_t slow_consumer_timeout_ns = 2'000'000'000;
    /** One log line (control thread only). Default: stderr. */
    std::function<void(std::string_view)> log;
};

/** Why a config cannot be used, or nullptr. */
[[nodiscard]] const char* validate(const hub_config& cfg) noexcept;

/** The client a submission comes from. */
struct hub_client {
    std::uint32_t id = 0;  ///< unique per daemon run; also in the group header
    std::uint32_t pid = 0;
    std::uint32_t uid = 0;
};

/** lcore counters (read on the lcore, or racy elsewhere: for telemetry only). */
struct hub_stats {
    std::uint64_t submitted = 0;        ///< records handed to the core
    std::uint64_t delivered_copies = 0; ///< message records written into delivery rings
    std::uint64_t views = 0;            ///< view-change records written
    std::uint64_t backlogged = 0;       ///< records that went through a backlog
    std::uint64_t wakeups = 0;          ///< eventfd writes
    std::uint64_t dropped_bad_group = 0; ///< deliveries with a bad group header (all nodes alike)
    std::uint64_t dropped_forged = 0;   ///< deliveries whose header names another node
    std::uint64_t clients_dropped = 0;
    std::uint64_t sync_rounds = 0;      ///< regular configurations (state syncs started)
    std::uint64_t sync_completed = 0;   ///< state syncs that ended with every node's report
    std::uint64_t sync_payloads_sent = 0;
    std::uint64_t dropped_bad_sync = 0; ///< report payloads that did not parse (all nodes alike)
    std::uint64_t clients_accepted = 0; ///< (control thread)
    std::uint64_t clients_refused = 0;  ///< (control thread)
};

class client_hub {
public:
    /** Validates cfg (throws std::invalid_argument) and binds/listens on cfg.socket_path
     *  (std::system_error on failure). */
    explicit client_hub(hub_config cfg);
    ~client_hub();
    client_hub(const client_hub&) = delete;
    client_hub& operator=(const client_hub&) = delete;

    // ---------------- control thread ----------------

    /**
     * Slow path: accepts and handshakes new clients, notices closed sockets, reclaims retired
     * clients. Waits up to timeout_ms for something to happen (0: just look).
     * @return work done (connections accepted or refused, hangups seen, clients reclaimed)
     */
    std::size_t service_control(int timeout_ms = 0);

    /** Clients connected (control thread's view). */
    [[nodiscard]] std::size_t client_count() const noexcept;

    // ---------------- protocol lcore ----------------

    /**
     * Hands the core every validated submission, oldest first per client:
     *     totem::submit_result f(const hub_client&, wire::service, std::span<const std::byte>
     *                            payload, totem::payload_ref ref)
     * `payload` (group header + data) points into the client's submit ring and stays mapped
     * until release(ref). ok: the core took the ref; would_block: stop, the same record comes
     * again next call; too_large: the client is disconnected. Also adopts new clients, drains
     * backlogs, submits the leave of dead clients, and signals sleeping clients.
     * @param now the lcore's monotonic clock (slow-consumer timeout)
     * @param budget submissions at most per call
     * @return submissions taken
     */
    template <typename F>
    std::size_t poll_submissions(mono_ns now, F&& f, std::size_t budget = 256) noexcept;

    /** The core is done with ref (its `releases`, FIFO per client). */
    void release(totem::payload_ref ref) noexcept;

    [[nodiscard]] static totem::payload_ref make_sync_ref(std::uint32_t counter) noexcept {
        return (std::uint64_t{0x2} << 62) | (std::uint64_t{sync_slot} << 48) | counter;
    }

    /** True when ref is one of this hub's (the lead may share one ref space). */
    [[nodiscard]] static bool owns(totem::payload_ref ref) noexcept {
        return (ref >> 62) == 0x2;
    }

    /**
     * A message delivered in the total order. Parses the group header, updates the views, and
     * copies the message into the delivery ring of each local member of its group (the only
     * copy of the payload on the way out). Messages with a bad header are dropped (counted).
     * @return true for a hub's state-sync report (daemon traffic, not the application stream)
     */
    bool deliver(node_id origin, wire::service svc, seq_t seq,
                 std::span<const totem::segment> segs) noexcept;
    /** As above, one contiguous payload (tests, loopback). */
    bool deliver(node_id origin, wire::service svc, seq_t seq,
                 std::span<const std::byte> payload) noexcept;

    /** A configuration change; a regular one removes the members of nodes that left. */
    /** A configuration change; a regular one removes the members of nodes that left and starts
     *  the state sync: this node reports its processes' groups (through poll_submissions, ahead
     *  of every client) and group_table rebuilds the views from every node's report. */
    void on_configuration(const totem::configuration& conf, bool transitional) noexcept;

    [[nodiscard]] const hub_stats& stats() const noexcept { return stats_; }
    [[nodiscard]] const group_table& groups() const noexcept { return groups_; }

    struct slot;

private:
    struct submission {
        hub_client client;
        wire::service svc = wire::service::agreed;
        std::span<const std::byte> payload;
        totem::payload_ref ref = 0;
    };

    void begin_poll_lcore(mono_ns now) noexcept;
    void end_poll_lcore() noexcept;
    bool next_submission_lcore(std::uint16_t s, submission& out) noexcept;
    void taken_lcore(std::uint16_t s) noexcept;
    void drop_lcore(std::uint16_t s, std::string_view reason) noexcept;
    bool submissions_paused_lcore() const noexcept { return backlogged_clients_ != 0; }
    void put_record_lcore(std::uint16_t s, const record_meta& meta,
                          std::span<const totem::segment> segs) noexcept;
    void drain_backlog_lcore(std::uint16_t s) noexcept;
    void deliver_view_lcore(const group& g, const view_event& ev) noexcept;
    /** Configuration records for clients that asked for them (hub_config_events.cpp). */
    void watch_check_lcore(std::uint16_t s) noexcept;
    void put_config_lcore(std::uint16_t s, std::uint8_t kind) noexcept;
    void deliver_sync_lcore(node_id origin, const group_header& h,
                            std::span<const totem::segment> segs) noexcept;
    void build_sync_report_lcore();
    static constexpr std::uint16_t sync_slot = 0x3FFF; // ref slot of the report (> max_clients)
    void deliver_data_lcore(const group& g, node_id origin, wire::service svc, seq_t seq,
                            std::span<const totem::segment> segs) noexcept;
    std::uint16_t slot_of_lcore(std::uint32_t client) const noexcept;

    void accept_one();
    void refuse(int fd, std::int32_t status, const std::string& why);
    std::size_t reclaim();
    void log(const std::string& line) const;

    hub_config cfg_;
    region_sizes sizes_;
    int listen_fd_ = -1;
    std::unique_ptr<slot[]> slots_;
    std::atomic<std::uint32_t> epoch_{0}; // bumped by control on publish/hangup
    std::uint32_t seen_epoch_ = ~0u;      // lcore's last look
    std::uint32_t next_gen_ = 1;          // control: client id generation

    // lcore-only
    std::vector<std::uint16_t> active_;
    std::uint32_t backlogged_clients_ = 0;
    group_table groups_;
    group_table::view_fn view_fn_;
    std::vector<std::byte> scratch_; // view encoding
    seq_t current_seq_ = 0;          // seq of the delivery being applied
    // The latest configuration, for a client that starts watching configurations mid-ring.
    bool have_config_ = false;
    bool config_transitional_ = false;
    ring_id config_ring_;
    std::vector<node_id> config_members_;
    hub_stats stats_;

    // State sync (lcore). The report is built from the table when a regular configuration
    // arrives (at once, or once the core has released every payload of the previous report,
    // which shares the buffer; the table's own members cannot change meanwhile: joins and
    // leaves are held during a sync, and the sync cannot end before this report is delivered).
    bool sync_build_ = false;
    ring_id sync_ring_;
    std::vector<std::byte> sync_out_;
    std::vector<sync_chunk> sync_chunks_;
    std::vector<sync_entry> sync_local_;
    std::size_t sync_next_ = 0;          // next chunk to hand to the core
    std::uint32_t sync_outstanding_ = 0; // chunks the core holds
    std::uint32_t sync_counter_ = 0;
    std::vector<std::byte> sync_in_;     // a received report payload, gathered
    std::vector<sync_entry> sync_entries_;
};

// ---- the template ----

template <typename F>
std::size_t client_hub::poll_submissions(mono_ns now, F&& f, std::size_t budget) noexcept {
    begin_poll_lcore(now);
    std::size_t taken = 0;
    bool blocked = false;
    // The state-sync report goes first: every node holds joins and leaves until it arrives.
    while (sync_next_ < sync_chunks_.size()) {
        const sync_chunk c = sync_chunks_[sync_next_];
        const totem::submit_result r =
            f(hub_client{}, wire::service::agreed,
              std::span<const std::byte>(sync_out_.data() + c.offset, c.size),
              make_sync_ref(sync_counter_));
        if (r == totem::submit_result::would_block) {
            blocked = true;
            break;
        }
        ++sync_next_; // too_large cannot happen: a payload is at most a client's largest message
        if (r == totem::submit_result::ok) {
            ++sync_outstanding_;
            ++sync_counter_;
            ++stats_.sync_payloads_sent;
        }
    }
    for (std::size_t i = 0; i < active_.size() && !blocked; ++i) {
        const std::uint16_t s = active_[i];
        submission sub;
        while (taken < budget && next_submission_lcore(s, sub)) {
            const totem::submit_result r = f(sub.client, sub.svc, sub.payload, sub.ref);
            if (r == totem::submit_result::ok) {
                taken_lcore(s);
                ++taken;
            } else if (r == totem::submit_result::would_block) {
                blocked = true; // the core's send queue is full: every client waits
                break;
            } else {
                drop_lcore(s, "message too large for the ring");
                break;
            }
        }
    }
    end_poll_lcore();
    return taken;
}

} // namespace ringcast::shm
