// The protocol lcore loop (l2fwd's shape): poll RX, feed the core, drain its effects, flush TX,
// back off when idle (adaptive polling) so several daemons can share a core.

#include "drivers/dpdk/dataplane.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>

#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_pause.h>

#include "drivers/dpdk/log.hpp"
#include "lib/wire/codec.hpp"

namespace ringcast::drv::dpdk {

std::string_view to_string(drop_cause c) noexcept {
    switch (c) {
    case drop_cause::bad_tag: return "bad_tag";
    case drop_cause::replayed: return "replayed";
    case drop_cause::too_old: return "too_old";
    case drop_cause::stale_epoch: return "stale_epoch";
    case drop_cause::wrong_cluster: return "wrong_cluster";
    case drop_cause::unknown_node: return "unknown_node";
    case drop_cause::malformed: return "malformed";
    case drop_cause::truncated: return "truncated";
    case drop_cause::not_ringcast: return "not_ringcast";
    case drop_cause::multi_segment: return "multi_segment";
    case drop_cause::wrong_ring: return "wrong_ring";
    case drop_cause::not_for_us: return "not_for_us";
    case drop_cause::stale: return "stale";
    case drop_cause::duplicate: return "duplicate";
    case drop_cause::out_of_window: return "out_of_window";
    case drop_cause::count_: break;
    }
    return "unknown";
}

dataplane::dataplane(const dataplane_config& cfg, port& p, crypto::engine& eng, crypto::keyring& kr)
    : cfg_(cfg), port_(p), eng_(eng), kr_(kr), rs_(kr) {
    node_ = std::make_unique<totem::node>(cfg_.totem, totem::payload_ops{this, &alloc_frame});
    fx_ = std::make_unique<totem::effects>(cfg_.totem);
    std::copy(std::begin(port_.mac.addr_bytes), std::end(port_.mac.addr_bytes), self_mac_.begin());
    digest_ = XXH3_createState();
    XXH3_64bits_reset(digest_);
    tsc_hz_ = rte_get_tsc_hz();
    tsc_start_ = rte_get_tsc_cycles();
    ring_seq_mark_.store(cfg_.totem.initial_ring_seq, std::memory_order_relaxed);
    if (cfg_.rx_lcore >= 0) {
        rx_ring_ = rte_ring_create("rc_rx", 4096, static_cast<int>(rte_socket_id()),
                                   RING_F_SP_ENQ | RING_F_SC_DEQ);
        tx_ring_ = rte_ring_create("rc_tx", 4096, static_cast<int>(rte_socket_id()),
                                   RING_F_SP_ENQ | RING_F_SC_DEQ);
        job_pool_ = rte_mempool_create("rc_txjob", 8191, sizeof(tx_job), 256, 0, nullptr, nullptr,
                                       nullptr, nullptr, static_cast<int>(rte_socket_id()), 0);
        if (rx_ring_ == nullptr || tx_ring_ == nullptr || job_pool_ == nullptr) {
            throw port_error("cannot create the crypto worker's rings");
        }
    }
}

dataplane::~dataplane() {
    XXH3_freeState(digest_);
    if (rx_ring_ != nullptr) {
        rte_mbuf* m = nullptr;
        while (rte_ring_sc_dequeue(rx_ring_, reinterpret_cast<void**>(&m)) == 0) {
            rte_pktmbuf_free(m);
        }
        rte_ring_free(rx_ring_);
        tx_job* j = nullptr;
        while (rte_ring_sc_dequeue(tx_ring_, reinterpret_cast<void**>(&j)) == 0) {
            rte_pktmbuf_free(j->m);
        }
        rte_ring_free(tx_ring_);
        rte_mempool_free(job_pool_);
    }
}

mono_ns dataplane::now() const noexcept {
    const std::uint64_t c = rte_get_tsc_cycles() - tsc_start_;
    return static_cast<mono_ns>(static_cast<unsigned __int128>(c) * 1'000'000'000u / tsc_hz_);
}

totem::frame_buffer dataplane::alloc_frame(void* ctx) noexcept {
    auto* self = static_cast<dataplane*>(ctx);
    rte_mbuf* m = rte_pktmbuf_alloc(self->port_.pool);
    if (m == nullptr) {
        self->stats_.mbuf_alloc_failed.fetch_add(1, std::memory_order_relaxed);
        return {};
    }
    auto* base = rte_pktmbuf_mtod(m, std::byte*);
    const std::size_t room = self->port_.data_room;
    return {reinterpret_cast<totem::payload_ref>(m),
            std::span<std::byte>(base + wire::mcast_payload_offset, room - wire::mcast_payload_offset)};
}

void dataplane::drop(rte_mbuf* m, drop_cause c) noexcept {
    // Both the RX worker and the protocol lcore count drops: an atomic add, off the good path.
    stats_.drops[static_cast<std::size_t>(c)].fetch_add(1, std::memory_order_relaxed);
    rte_pktmbuf_free(m);
}

void dataplane::back_off(bool worked, idle_state& idle) const noexcept {
    if (worked || cfg_.busy_poll) {
        idle = {};
        return;
    }
    // Adaptive polling: spin a little, then sleep for an eighth of the time already idle (10 us to
    // 200 us). A frame that ends a quiet spell of T waits at most about T/8 more; a fixed short
    // sleep instead woke an idle daemon ~60,000 times a second, and 8 idle daemons (the token still
    // goes round) kept both CPUs busy.
    if (idle.spins < 64) {
        ++idle.spins;
        rte_pause();
        return;
    }
    const mono_ns t = now();
    if (idle.since == 0) {
        idle.since = t;
    }
    const mono_ns step = std::clamp<mono_ns>((t - idle.since) / 8, 10'000, 200'000);
    const timespec ts{0, static_cast<long>(step)};
    nanosleep(&ts, nullptr);
}

bool dataplane::open_checked(crypto::engine& eng, crypto::keyring& kr, crypto::replay_state& rs,
                             rte_mbuf* m, wire::header& hdr, std::span<const std::byte>& body) noexcept {
    if (m->nb_segs != 1) {
        drop(m, drop_cause::multi_segment);
        return false;
    }
    std::span<std::byte> bytes(rte_pktmbuf_mtod(m, std::byte*), m->data_len);
    bump(stats_.frames_in);
    bump(stats_.bytes_in, m->data_len);
    if (bytes.size() >= wire::eth_header_size &&
        ((std::to_integer<std::uint16_t>(bytes[12]) << 8) | std::to_integer<std::uint16_t>(bytes[13])) !=
            cfg_.ethertype) {
        drop(m, drop_cause::not_ringcast);
        return false;
    }
    // A token sent to a node that is gone is flooded by a bridge or switch that no longer knows
    // its MAC; taken by whoever hears it, it would keep a ring turning without that node.
    if (bytes.size() >= wire::eth_header_size &&
        std::memcmp(bytes.data(), self_mac_.data(), self_mac_.size()) != 0 &&
        std::memcmp(bytes.data(), broadcast_.data(), broadcast_.size()) != 0) {
        drop(m, drop_cause::not_for_us);
        return false;
    }
    if (cfg_.crypto) {
        const crypto::open_result r = crypto::open_frame(eng, kr, rs, bytes, cfg_.cluster_id, cfg_.ethertype);
        switch (r.err) {
        case crypto::errc::ok: break;
        case crypto::errc::bad_tag: drop(m, drop_cause::bad_tag); return false;
        case crypto::errc::replayed: drop(m, drop_cause::replayed); return false;
        case crypto::errc::too_old: drop(m, drop_cause::too_old); return false;
        case crypto::errc::stale_epoch: drop(m, drop_cause::stale_epoch); return false;
        case crypto::errc::wrong_cluster: drop(m, drop_cause::wrong_cluster); return false;
        case crypto::errc::unknown_node: drop(m, drop_cause::unknown_node); return false;
        case crypto::errc::truncated: drop(m, drop_cause::truncated); return false;
        default: drop(m, drop_cause::malformed); return false;
        }
        hdr = r.frame.hdr;
        body = r.frame.body;
        return true;
    }
    wire::parsed_frame pf;
    if (wire::parse_frame(bytes, cfg_.ethertype, pf) != wire::errc::ok) {
        drop(m, drop_cause::malformed);
        return false;
    }
    if (pf.hdr.cluster_id != cfg_.cluster_id) {
        drop(m, drop_cause::wrong_cluster);
        return false;
    }
    hdr = pf.hdr;
    body = pf.body;
    return true;
}

namespace {
/** The core's discard counters, summed by the drop cause each is mirrored into. A frame the core
 *  ignores raises one of them by one; a frame it acts on raises none. */
struct core_drops {
    std::uint64_t wrong_ring, stale, duplicate, out_of_window;
};

core_drops core_drops_of(const totem::node_stats& s) noexcept {
    return {.wrong_ring = s.foreign_ring + s.implausible,
            .stale = s.token_stale + s.token_misrouted + s.join_stale + s.control_stale + s.mcast_late,
            .duplicate = s.mcast_duplicate,
            .out_of_window = s.mcast_out_of_window};
}
} // namespace

void dataplane::deliver_opened(mono_ns t, rte_mbuf* m, const wire::header& hdr,
                               std::span<const std::byte> body) noexcept {
    static thread_local wire::frame_body decoded;
    if (wire::decode_body(hdr, body, decoded) != wire::errc::ok) {
        drop(m, drop_cause::malformed);
        return;
    }
    // What the core discards it counts itself; mirrored into the drop counters so that every
    // received frame ends up in one place (a handful of loads from one cache line per frame).
    const totem::node_stats& ns = node_->stats();
    const core_drops before = core_drops_of(ns);
    if (std::holds_alternative<wire::mcast_view>(decoded)) {
        node_->on_frame(t, hdr, decoded, reinterpret_cast<totem::payload_ref>(m), *fx_);
    } else {
        node_->on_frame(t, hdr, decoded, totem::payload_ref_none, *fx_);
        rte_pktmbuf_free(m);
    }
    const auto mirror = [&](std::uint64_t to, std::uint64_t from, drop_cause c) {
        if (to != from) {
            stats_.drops[static_cast<std::size_t>(c)].fetch_add(to - from, std::memory_order_relaxed);
        }
    };
    const core_drops after = core_drops_of(ns);
    mirror(after.wrong_ring, before.wrong_ring, drop_cause::wrong_ring);
    mirror(after.stale, before.stale, drop_cause::stale);
    mirror(after.duplicate, before.duplicate, drop_cause::duplicate);
    mirror(after.out_of_window, before.out_of_window, drop_cause::out_of_window);
    drain();
}

void dataplane::handle_frame(mono_ns t, rte_mbuf* m) noexcept {
    wire::header hdr;
    std::span<const std::byte> body;
    if (open_checked(eng_, kr_, rs_, m, hdr, body)) {
        deliver_opened(t, m, hdr, body);
    }
}

void dataplane::poll_rx_ring(mono_ns t) noexcept {
    std::array<rte_mbuf*, burst> rx;
    const unsigned n = rte_ring_sc_dequeue_burst(rx_ring_, reinterpret_cast<void**>(rx.data()), burst, nullptr);
    for (unsigned i = 0; i < n; ++i) {
        // Authenticated and decrypted by the worker: only the header needs reading again.
        rte_mbuf* m = rx[i];
        wire::parsed_frame pf;
        std::span<const std::byte> bytes(rte_pktmbuf_mtod(m, const std::byte*), m->data_len);
        if (wire::parse_frame(bytes, cfg_.ethertype, pf) != wire::errc::ok) {
            drop(m, drop_cause::malformed);
            continue;
        }
        deliver_opened(t, m, pf.hdr, pf.body);
    }
}

void dataplane::run_rx_worker(const std::atomic<bool>& stop, crypto::engine& eng, crypto::keyring& kr) {
    crypto::replay_state rs(kr);
    std::array<rte_mbuf*, burst> rx;
    std::array<rte_mbuf*, burst> ok;
    std::array<rte_mbuf*, 256> tx{};
    std::uint16_t ntx = 0;
    idle_state idle;
    while (!stop.load(std::memory_order_relaxed)) {
        const unsigned jobs = run_tx_jobs(eng, tx, ntx);
        const std::uint16_t n = rte_eth_rx_burst(port_.id, 0, rx.data(), burst);
        unsigned good = 0;
        for (std::uint16_t i = 0; i < n; ++i) {
            wire::header hdr;
            std::span<const std::byte> body;
            if (open_checked(eng, kr, rs, rx[i], hdr, body)) {
                ok[good++] = rx[i];
            }
        }
        if (good > 0) {
            const unsigned q = rte_ring_sp_enqueue_burst(rx_ring_, reinterpret_cast<void* const*>(ok.data()), good, nullptr);
            for (unsigned i = q; i < good; ++i) {
                // The protocol lcore is behind: a frame lost here is retransmitted like any other.
                bump(stats_.rx_ring_full);
                rte_pktmbuf_free(ok[i]);
            }
        }
        back_off(n > 0 || jobs > 0, idle);
    }
    // The protocol lcore's last frames (its graceful leave) go out before the worker stops.
    while (run_tx_jobs(eng, tx, ntx) > 0) {
    }
}

std::uint16_t dataplane::poll_rx(mono_ns t) noexcept {
    std::array<rte_mbuf*, burst> rx;
    const std::uint16_t n = rte_eth_rx_burst(port_.id, 0, rx.data(), burst);
    if (n == 0) {
        return 0;
    }
    // Totem: handle the multicasts of a burst before its token, so frames sent before the token
    // are counted before it is processed. Tokens are rare: move them to the end.
    std::array<rte_mbuf*, burst> later;
    std::uint16_t nl = 0;
    for (std::uint16_t i = 0; i < n; ++i) {
        rte_mbuf* m = rx[i];
        const auto* b = rte_pktmbuf_mtod(m, const std::uint8_t*);
        const bool token = m->data_len > wire::eth_header_size + 3 &&
                           b[wire::eth_header_size + 3] == static_cast<std::uint8_t>(wire::msg_type::orf_token);
        if (token) {
            later[nl++] = m;
        } else {
            handle_frame(t, m);
        }
    }
    for (std::uint16_t i = 0; i < nl; ++i) {
        handle_frame(t, later[i]);
    }
    return n;
}

void dataplane::note_pause(mono_ns gap) noexcept {
    bump(stats_.loop_pauses);
    if (static_cast<std::uint64_t>(gap) > stats_.loop_gap_max_ns.load(std::memory_order_relaxed)) {
        stats_.loop_gap_max_ns.store(static_cast<std::uint64_t>(gap), std::memory_order_relaxed);
    }
    // Rare by definition, and the operator needs to know: a log line (a syscall) is fine here.
    RC_LOG(WARNING, "poll loop paused %.1f ms (token timeout %.1f ms): the lcore was not scheduled "
                    "or an iteration ran long; pin ringcastd to a CPU of its own",
           static_cast<double>(gap) / 1e6, static_cast<double>(cfg_.totem.token_timeout_ns) / 1e6);
}

void dataplane::deliver(const totem::delivery& d) noexcept {
    if (d.kind != totem::delivery_kind::message) {
        on_config(*d.config, d.kind == totem::delivery_kind::transitional_config);
        return;
    }
    // The one copy on the way out: into the delivery ring of each local member of the group.
    // The hubs' own state-sync reports are not application traffic: a node that was in an
    // earlier, smaller ring delivered reports the others never saw, so counting them would make
    // digests of the same application stream differ.
    if (hub_ != nullptr &&
        hub_->deliver(d.origin, d.svc, d.seq, fx_->segments().subspan(d.seg_begin, d.seg_count))) {
        return;
    }
    // Running digest of the delivered stream, in delivery order: equal digests on two nodes mean
    // the same messages in the same order.
    struct {
        std::uint32_t origin;
        std::uint32_t len;
        std::uint64_t ring_seq;
        std::uint64_t seq;
    } id{d.origin, d.len, d.ring.seq, d.seq};
    XXH3_64bits_update(digest_, &id, sizeof id);
    for (std::uint32_t i = 0; i < d.seg_count; ++i) {
        const totem::segment& s = fx_->segments()[d.seg_begin + i];
        XXH3_64bits_update(digest_, s.data, s.len);
    }
    bump(stats_.delivered);
    bump(stats_.delivered_bytes, d.len);
}

void dataplane::on_config(const totem::configuration& c, bool transitional) noexcept {
    if (hub_ != nullptr) {
        hub_->on_configuration(c, transitional);
    }
    if (!transitional) {
        bump(stats_.ring_changes);
        // Wall clock (vDSO, no syscall) so tests can time detection and re-forming from outside.
        timespec ts{};
        clock_gettime(CLOCK_REALTIME, &ts);
        stats_.last_ring_change_unix_ns.store(
            static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec),
            std::memory_order_relaxed);
    }
    std::string members;
    for (node_id id : c.members) {
        members += std::to_string(id) + " ";
    }
    std::string joined;
    for (node_id id : c.joined) {
        joined += std::to_string(id) + " ";
    }
    std::string left;
    for (node_id id : c.left) {
        left += std::to_string(id) + " ";
    }
    // One line per membership change (configuration changes are rare: a string here is fine).
    RC_LOG(INFO, "%s configuration ring %u:%llu members [ %s] joined [ %s] left [ %s]",
           transitional ? "transitional" : "regular", c.ring.rep,
           static_cast<unsigned long long>(c.ring.seq), members.c_str(), joined.c_str(), left.c_str());
    publish_membership();
}

void dataplane::publish_membership() noexcept {
    const auto members = node_->members();
    const ring_id r = node_->ring();
    stats_.memb_seq.fetch_add(1, std::memory_order_acq_rel);
    stats_.ring_rep.store(r.rep, std::memory_order_relaxed);
    stats_.ring_seq.store(r.seq, std::memory_order_relaxed);
    stats_.member_count.store(static_cast<std::uint32_t>(members.size()), std::memory_order_relaxed);
    for (std::size_t i = 0; i < members.size(); ++i) {
        stats_.members[i].store(members[i], std::memory_order_relaxed);
    }
    stats_.memb_seq.fetch_add(1, std::memory_order_acq_rel);
}

void dataplane::drain() noexcept {
    totem::effects& fx = *fx_;
    if (fx.empty()) {
        return;
    }
    // Persist the ring seq before anything goes out (the main thread writes it to disk).
    for (const totem::event& e : fx.events()) {
        if (e.kind == totem::event_kind::ring_seq_persist) {
            ring_seq_mark_.store(e.value, std::memory_order_relaxed);
        } else if (e.kind == totem::event_kind::token_lost) {
            RC_LOG(NOTICE, "token lost on ring %u:%llu, gathering", node_->ring().rep,
                   static_cast<unsigned long long>(node_->ring().seq));
        }
    }
    for (const totem::send& s : fx.sends()) {
        send_effect(s);
    }
    for (const totem::delivery& d : fx.deliveries()) {
        deliver(d);
    }
    if (!fx.deliveries().empty()) {
        stats_.digest.store(XXH3_64bits_digest(digest_), std::memory_order_relaxed);
    }
    for (totem::payload_ref r : fx.releases()) {
        if (generator::owns(r)) {
            gen_.release(r);
        } else if (shm::client_hub::owns(r)) {
            hub_->release(r);
        } else {
            rte_pktmbuf_free(reinterpret_cast<rte_mbuf*>(r));
        }
    }
    fx.clear();
}

void dataplane::run_generator(mono_ns t) noexcept {
    gen_.sync(t);
    std::uint64_t n = gen_.allowance(t);
    while (n-- > 0) {
        std::uint64_t ref = 0;
        const auto msg = gen_.next(cfg_.self, ref);
        if (msg.empty()) {
            break;
        }
        if (node_->submit(t, wire::service::agreed, ref, msg, *fx_) != totem::submit_result::ok) {
            gen_.abort();
            break;
        }
        gen_.commit();
        bump(stats_.submitted);
    }
    drain();
}

void dataplane::poll_clients(mono_ns t) noexcept {
    // Also adopts new clients, retires dead ones and wakes sleepers: call it every iteration.
    hub_->poll_submissions(t, [&](const shm::hub_client&, wire::service svc,
                                  std::span<const std::byte> payload, totem::payload_ref ref) {
        const totem::submit_result r = node_->submit(t, svc, ref, payload, *fx_);
        if (r == totem::submit_result::ok) {
            bump(stats_.submitted);
        }
        return r;
    });
    drain();
}

void dataplane::run(const std::atomic<bool>& stop) {
    if (!cfg_.busy_poll) {
        // Short sleeps must be short: the default 50 us timer slack would double each one.
        (void)prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
    }
    node_->start(now(), *fx_);
    drain();
    flush_tx();
    publish_membership();
    idle_state idle;
    const mono_ns pause_ns = cfg_.totem.token_timeout_ns / 4;
    mono_ns last = now();
    while (!stop.load(std::memory_order_relaxed)) {
        const mono_ns t = now();
        const mono_ns gap = t - last;
        last = t;
        if (gap > pause_ns) {
            note_pause(gap);
        }
        const std::uint64_t in_before = stats_.frames_in.load(std::memory_order_relaxed);
        if (rx_ring_ != nullptr) {
            poll_rx_ring(t);
        } else if (gap > cfg_.totem.token_retransmit_ns) {
            // Back from a pause: the token (and its retransmissions) may wait behind a queue of
            // data frames. Read what arrived before judging the token lost, within a bound so a
            // flood cannot keep the timers from ever running.
            for (int b = 0; b < 64 && poll_rx(t) == burst; ++b) {
            }
        } else {
            poll_rx(t);
        }
        if (t >= node_->next_deadline()) {
            node_->on_tick(t, *fx_);
            drain();
        }
        run_generator(t);
        if (hub_ != nullptr) {
            poll_clients(t);
        }
        const bool sent = tx_count_ > 0 || jobs_queued_ > 0;
        jobs_queued_ = 0;
        flush_tx();
        stats_.state.store(static_cast<std::uint32_t>(node_->state()), std::memory_order_relaxed);
        const auto& ns = node_->stats();
        stats_.token_rotations.store(ns.rotations + ns.token_received, std::memory_order_relaxed);
        stats_.retransmissions.store(ns.mcast_retransmitted, std::memory_order_relaxed);
        stats_.token_retransmitted.store(ns.token_retransmitted, std::memory_order_relaxed);
        stats_.token_lost.store(ns.token_lost, std::memory_order_relaxed);

        const bool worked = sent || stats_.frames_in.load(std::memory_order_relaxed) != in_before ||
                            (rx_ring_ != nullptr && !rte_ring_empty(rx_ring_));
        back_off(worked, idle);
    }
    // Leave gracefully: the others re-form at once instead of waiting for a token timeout. Sent a
    // few times because a frame may be lost.
    for (int i = 0; i < 3; ++i) {
        node_->leave(now(), *fx_);
        drain();
        flush_tx();
        rte_delay_us_sleep(500);
    }
}

} // namespace ringcast::drv::dpdk
