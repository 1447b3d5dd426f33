#pragma once
// The protocol lcore: RX burst -> GCM open in place -> decode -> totem::node -> effects -> encode
// into mbufs -> seal -> TX burst. Received data frames stay in their mbufs, held by the core's
// window until stable; nothing is copied but the generator's submissions into their frames.
//
// Lcore-local: one thread runs run(); the telemetry thread reads only `stats()` and writes only
// the generator request.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <rte_mbuf.h>
#include <rte_ring.h>
#include <xxhash.h>

#include "drivers/dpdk/generator.hpp"
#include "drivers/dpdk/port.hpp"
#include "drivers/dpdk/stats.hpp"
#include "lib/crypto/frame.hpp"
#include "lib/shm/hub.hpp"
#include "lib/totem/node.hpp"

namespace ringcast::drv::dpdk {

struct peer {
    node_id id = node_id_none;
    wire::eth_addr mac{};
};

struct dataplane_config {
    node_id self = node_id_none;
    std::uint32_t cluster_id = 0;
    std::uint16_t ethertype = wire::default_ethertype;
    std::vector<peer> peers;     ///< every configured node, self included
    totem::config totem;         ///< members must outlive the dataplane
    bool busy_poll = false;
    bool crypto = true;
    /** Worker lcore for the crypto work (RX burst + GCM open + validation, TX seal + burst), or -1
     *  to do it all on the protocol lcore. */
    int rx_lcore = -1;
};

/** A frame for the crypto worker to seal and send (from a mempool; SPSC ring of pointers). */
struct tx_job {
    rte_mbuf* m = nullptr;     ///< held plaintext data frame (one reference for this job), or a
                               ///< complete plaintext control frame (sealed in place)
    bool held = false;
    wire::header hdr;          ///< held: the header to write (sender, nonce: the sealer's)
    wire::mcast mcast;         ///< held: the fixed part to write
    std::uint32_t payload_len = 0;
};

/** Called (on the lcore) for every configuration change, for the log line. */
using ring_change_fn = void (*)(const totem::configuration& conf, bool transitional);

class dataplane {
public:
    dataplane(const dataplane_config& cfg, port& p, crypto::engine& eng, crypto::keyring& kr);
    ~dataplane();
    dataplane(const dataplane&) = delete;
    dataplane& operator=(const dataplane&) = delete;

    /** Runs the ring until stop is set, then leaves it gracefully. Lcore-local. */
    void run(const std::atomic<bool>& stop);

    /**
     * The crypto worker (when cfg.rx_lcore >= 0), on its own lcore until stop is set. RX: bursts
     * from the port, opens and validates frames with its own engine, keyring and replay state, and
     * hands authenticated frames to the protocol lcore through an SPSC rte_ring. TX: takes the
     * protocol lcore's send jobs from another SPSC ring, writes headers, seals with the node's one
     * sealing keyring (the protocol lcore then never seals) and transmits.
     */
    void run_rx_worker(const std::atomic<bool>& stop, crypto::engine& eng, crypto::keyring& kr);

    /** Local clients (shared-memory rings) served from this lcore; optional, set before run(). */
    void attach_clients(shm::client_hub* hub) noexcept { hub_ = hub; }

    [[nodiscard]] published_stats& stats() noexcept { return stats_; }
    [[nodiscard]] std::uint16_t port_id() const noexcept { return port_.id; }
    [[nodiscard]] generator& load() noexcept { return gen_; }
    /** Highest ring seq to persist (written by the lcore, read by the main thread). */
    [[nodiscard]] std::uint64_t ring_seq_mark() const noexcept {
        return ring_seq_mark_.load(std::memory_order_relaxed);
    }

private:
    static totem::frame_buffer alloc_frame(void* ctx) noexcept;
    [[nodiscard]] mono_ns now() const noexcept;
    /** Adaptive polling's idle step (nothing in busy mode or after work). */
    struct idle_state {
        std::uint32_t spins = 0; ///< idle iterations spun so far
        mono_ns since = 0;       ///< when the sleeping began (0: not yet)
    };
    void back_off(bool worked, idle_state& idle) const noexcept;
    /** One RX burst through the core; returns how many frames the burst held. */
    std::uint16_t poll_rx(mono_ns now) noexcept;
    /** The loop was away `gap` (descheduled, or one long iteration): count it, say so. */
    void note_pause(mono_ns gap) noexcept;
    void poll_rx_ring(mono_ns now) noexcept;
    void handle_frame(mono_ns now, rte_mbuf* m) noexcept;
    /** RX checks up to and including GCM open; on success fills hdr/body, else drops m. */
    bool open_checked(crypto::engine& eng, crypto::keyring& kr, crypto::replay_state& rs,
                      rte_mbuf* m, wire::header& hdr, std::span<const std::byte>& body) noexcept;
    void deliver_opened(mono_ns now, rte_mbuf* m, const wire::header& hdr,
                        std::span<const std::byte> body) noexcept;
    void drain() noexcept;
    void deliver(const totem::delivery& d) noexcept;
    void on_config(const totem::configuration& conf, bool transitional) noexcept;
    void publish_membership() noexcept;
    void run_generator(mono_ns now) noexcept;
    void poll_clients(mono_ns now) noexcept;
    void drop(rte_mbuf* m, drop_cause c) noexcept;

    // ---- dataplane_tx.cpp ----
    void send_effect(const totem::send& s) noexcept;
    void send_mcast(const totem::send& s) noexcept;
    void send_control(const totem::send& s) noexcept;
    /** Worker: seals and transmits queued send jobs; returns how many it took. */
    unsigned run_tx_jobs(crypto::engine& eng, std::array<rte_mbuf*, 256>& tx, std::uint16_t& n) noexcept;
    bool queue_job(rte_mbuf* m, bool held, const wire::header& h, const wire::mcast& f,
                   std::uint32_t payload_len) noexcept;
    void seal_held(crypto::engine& eng, rte_mbuf* held, const wire::header& h, const wire::mcast& f,
                   std::uint32_t payload_len, std::array<rte_mbuf*, 256>& tx, std::uint16_t& n) noexcept;
    void transmit(std::array<rte_mbuf*, 256>& tx, std::uint16_t& n) noexcept;
    [[nodiscard]] const wire::eth_addr* mac_of(node_id id) const noexcept;
    void enqueue_tx(rte_mbuf* m) noexcept;
    void flush_tx() noexcept;
    [[nodiscard]] wire::header make_header(wire::msg_type t, ring_id ring) const noexcept;

    dataplane_config cfg_;
    port& port_;
    crypto::engine& eng_;
    crypto::keyring& kr_;
    crypto::replay_state rs_;
    std::unique_ptr<totem::node> node_;
    std::unique_ptr<totem::effects> fx_;
    published_stats stats_;
    generator gen_;
    shm::client_hub* hub_ = nullptr;
    XXH3_state_t* digest_ = nullptr;
    std::atomic<std::uint64_t> ring_seq_mark_{0};
    wire::eth_addr self_mac_{};
    wire::eth_addr broadcast_{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    std::uint64_t tsc_hz_ = 0;
    std::uint64_t tsc_start_ = 0;

    static constexpr std::uint16_t burst = 32;
    rte_ring* rx_ring_ = nullptr; ///< RX worker -> protocol lcore (SP/SC)
    rte_ring* tx_ring_ = nullptr; ///< protocol lcore -> worker: send jobs (SP/SC)
    rte_mempool* job_pool_ = nullptr;
    std::uint64_t jobs_queued_ = 0; ///< protocol lcore: jobs handed over this iteration
    std::array<rte_mbuf*, 256> tx_{};
    std::uint16_t tx_count_ = 0;
    std::uint64_t last_rotations_ = 0;
};

} // namespace ringcast::drv::dpdk
