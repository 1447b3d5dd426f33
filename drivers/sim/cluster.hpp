#pragma once
// A simulated Totem cluster: N totem::node cores in one thread, a virtual clock, one seeded PRNG,
// lossy links and a refcounted zero-copy buffer pool. The same seed and options replay the same
// run bit for bit. The cluster is the sim's driver: it drains each node's effects exactly as the
// DPDK lcore loop does (sends, deliveries, releases, events), so the core under test sees the
// driver contract it will see in production.
//
// Not MT-safe; one cluster per thread.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "drivers/sim/buffer_pool.hpp"
#include "drivers/sim/event_queue.hpp"
#include "drivers/sim/frame_map.hpp"
#include "drivers/sim/load.hpp"
#include "drivers/sim/network.hpp"
#include "drivers/sim/observer.hpp"
#include "drivers/sim/prng.hpp"
#include "lib/totem/config.hpp"
#include "lib/totem/effects.hpp"
#include "lib/totem/node.hpp"
#include "lib/wire/messages.hpp"

namespace ringcast::sim {

struct cluster_options {
    std::size_t nodes = 3; ///< 2..wire::max_nodes
    std::uint64_t seed = 1;
    /** Node ids (distinct, non-zero); empty means 1..nodes. */
    std::vector<node_id> ids;
    /** Totem parameters shared by every node; `self` and `members` are filled in per node. */
    totem::config config;
    link_params link;
    /** Probability that payload_ops::alloc_frame finds no free buffer (exercises the core's
     *  "send fewer frames" path). */
    double alloc_fail = 0.0;
    /** Run node::check_invariants() after every input (TigerBeetle's `defer invariants()`). */
    bool check_invariants = true;
    std::uint32_t cluster_id = 0x52430001;
    std::uint16_t ethertype = 0x88B5;
    /** A node whose deadline stays at `now` for this many ticks in a row is livelocked: the run
     *  halts with an error. */
    std::uint32_t max_ticks_same_time = 100'000;
    /** A restarted core starts this far above the persisted ring seq high-water mark, as
     *  ringcastd does (its mark is written off the data path, so it may lag what was used). 0
     *  hands the core the mark itself, the value config::initial_ring_seq documents. */
    std::uint64_t restart_ring_seq_gap = 4096;
};

struct cluster_counters {
    std::uint64_t events = 0;
    std::uint64_t submitted = 0;   ///< accepted submissions
    std::uint64_t would_block = 0; ///< submissions the core refused for now
    std::uint64_t deliveries = 0;  ///< messages delivered, summed over nodes
    std::uint64_t delivered_bytes = 0;
    std::uint64_t configs = 0;
    std::uint64_t frames_originated = 0;
    std::uint64_t frames_retransmitted = 0;
    std::uint64_t control_frames = 0;
    std::uint64_t arrivals = 0;
    std::uint64_t arrivals_at_down_node = 0;
    std::uint64_t alloc_failed = 0;
    std::uint64_t tokens_dropped = 0; ///< ORF tokens lost to set_token_loss
    std::uint64_t errors = 0;
    std::uint64_t agenda_max = 0; ///< most events queued at once
};

class cluster {
public:
    explicit cluster(cluster_options opts, observer* obs = nullptr);
    ~cluster();
    cluster(const cluster&) = delete;
    cluster& operator=(const cluster&) = delete;

    /** Starts every node's core (the representative originates the first token). */
    void start();

    // ---- time ----
    [[nodiscard]] mono_ns now() const noexcept { return now_; }
    /** Processes one event. False when the agenda is empty or the run halted. */
    bool step();
    /** Processes every event due at or before t, then sets the clock to t. */
    void run_until(mono_ns t);
    void run_for(mono_ns d) { run_until(now_ + d); }
    /** Runs until pred() holds (checked after each event) or the clock passes `limit`.
     *  @return whether pred() held. */
    template <typename Pred>
    bool run_until(Pred&& pred, mono_ns limit) {
        while (!pred()) {
            if (halted_ || q_.empty() || q_.top().at > limit) {
                if (!halted_ && now_ < limit) {
                    now_ = limit;
                }
                return pred();
            }
            step();
        }
        return true;
    }

    // ---- nodes ----
    [[nodiscard]] std::size_t size() const noexcept { return slots_.size(); }
    [[nodiscard]] node_id id(std::size_t i) const noexcept { return slots_[i].id; }
    [[nodiscard]] bool up(std::size_t i) const noexcept { return slots_[i].up; }
    /** The node's core (must be up). */
    [[nodiscard]] totem::node& core(std::size_t i) noexcept { return *slots_[i].core; }
    /** Submissions node i's core accepted so far (its next message index). */
    [[nodiscard]] std::uint64_t accepted(std::size_t i) const noexcept {
        return slots_[i].accepted;
    }
    /** Messages node i delivered (this incarnation and earlier ones). */
    [[nodiscard]] std::uint64_t delivered(std::size_t i) const noexcept {
        return slots_[i].delivered;
    }
    /** Kills node i: its core is destroyed, its buffer refs reclaimed, its frames in flight
     *  towards it are dropped on arrival. */
    void crash(std::size_t i);
    /** Brings node i back with a fresh core (same id and config) and starts it. */
    void restart(std::size_t i);
    /** Arms totem::fault switches on node i (kept across restarts). */
    void set_faults(std::size_t i, std::uint32_t mask);
    /** Node i leaves gracefully (node::leave: a join naming itself failed goes out), then stops
     *  as a crash does; restart() brings it back. */
    void leave(std::size_t i);
    /** A slow node: every frame reaches node i `extra` later than its link says (a busy or
     *  descheduled process). 0 ends it. Frames already in flight keep their arrival time. */
    void set_slow(std::size_t i, mono_ns extra) noexcept { slots_[i].slow_ns = extra; }
    /** Token loss bursts: each ORF token sent from now on is lost with probability p (on top of
     *  the links' loss), until set back to 0. Other frames are not touched. */
    void set_token_loss(double p) noexcept { token_loss_ = p; }

    // ---- load ----
    void set_load(std::size_t i, const load_params& p);
    void set_load_all(const load_params& p);
    /** Stops every load generator; a submission waiting for room is dropped (never accepted). */
    void stop_load();
    /** Submits one generated message of `len` bytes on node i now. On would_block nothing is
     *  consumed (call again later). */
    totem::submit_result submit(std::size_t i, wire::service svc, std::uint32_t len);

    // ---- network and results ----
    [[nodiscard]] network& net() noexcept { return net_; }
    [[nodiscard]] const network& net() const noexcept { return net_; }
    [[nodiscard]] const cluster_counters& counters() const noexcept { return counters_; }
    [[nodiscard]] const buffer_pool& pool() const noexcept { return pool_; }
    /** Order-sensitive digest of every delivery (node, origin, service, ring, seq, len, time). */
    [[nodiscard]] std::uint64_t digest() const noexcept { return digest_; }
    /** True after a fatal error (livelock) stopped the run. */
    [[nodiscard]] bool halted() const noexcept { return halted_; }
    /** The first error reported (contract breaches, frame map errors, livelock); empty if none. */
    [[nodiscard]] const std::string& first_error() const noexcept { return first_error_; }

private:
    struct slot {
        cluster* owner = nullptr;
        std::size_t index = 0;
        node_id id = node_id_none;
        totem::config cfg;
        std::unique_ptr<totem::node> core;
        bool up = false;
        wire::eth_addr mac{};
        std::uint64_t nonce = 0;
        std::uint32_t faults = 0;
        /** The ring seq high-water mark the core asked to persist (survives a crash, as the
         *  daemon's state file does). */
        std::uint64_t persisted_ring_seq = 0;
        mono_ns slow_ns = 0; ///< extra delay of every arrival (set_slow)
        // timer: at most one live tick event per node, at tick_at; earlier deadlines supersede it
        // (generation), later ones leave it in place to re-arm when it fires.
        mono_ns tick_at = mono_ns_never;
        std::uint32_t tick_gen = 0;
        mono_ns last_tick_time = mono_ns_never;
        std::uint32_t ticks_same_time = 0;
        // load
        load_params load;
        std::uint32_t load_gen = 0;
        buffer_pool::index pending = buffer_pool::none;
        std::uint32_t pending_len = 0;
        wire::service pending_svc = wire::service::agreed;
        // results
        std::uint64_t accepted = 0;
        std::uint64_t delivered = 0;
        frame_map map;

        explicit slot(node_id origin) : id(origin), map(origin) {}
    };

    static totem::frame_buffer alloc_frame_cb(void* ctx) noexcept;
    totem::frame_buffer alloc_frame(slot& n) noexcept;

    void boot(slot& n);
    void drain(slot& n);
    void reschedule(slot& n);
    void push_tick(slot& n, mono_ns at);
    void on_arrival(const sim_event& e);
    void on_tick(const sim_event& e);
    void on_load(const sim_event& e);
    void schedule_load(slot& n);

    totem::submit_result submit_buffer(slot& n, buffer_pool::index ref, std::uint32_t len,
                                       wire::service svc, bool drain_now = true);
    void send(slot& n, const totem::send& s);
    void send_mcast(slot& n, const totem::send& s);
    bool seal_mcast(slot& n, const totem::send& s);
    void send_control(slot& n, const totem::send& s);
    void fan_out(slot& n, node_id to, buffer_pool::index ref);
    void deliver(slot& n, const totem::delivery& d);
    void release(slot& n, totem::payload_ref r);
    void error(const slot& n, std::string what);
    [[nodiscard]] std::size_t index_of(node_id id) const noexcept;

    cluster_options opts_;
    observer* obs_;
    observer null_obs_;
    std::vector<node_id> members_; ///< every node's config.members points here
    std::vector<slot> slots_;
    prng rng_;
    event_queue q_;
    network net_;
    buffer_pool pool_;
    totem::effects fx_;
    wire::frame rx_;          ///< decode target, reused
    wire::frame_body tx_body_; ///< encode source for control frames, reused
    mono_ns now_ = 0;
    double token_loss_ = 0.0;
    cluster_counters counters_;
    std::uint64_t digest_ = 0;
    bool halted_ = false;
    std::string first_error_;
};

} // namespace ringcast::sim
