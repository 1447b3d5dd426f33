// TX side of the protocol lcore: the core's frames are encoded straight into mbufs and sealed.
//
// Data frames the core originated or holds (its own, and received ones it retransmits) are kept
// in plaintext by the core for its own delivery; every transmission seals them out of place into
// a fresh TX mbuf. Resealing each transmission (new nonce) is required, not a choice: a resend of
// the first sealed bytes would fall out of the receivers' replay window (1024 frames) on a busy
// ring and never be accepted. With crypto off the held mbuf itself is sent, by reference.

#include <cstring>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "drivers/dpdk/dataplane.hpp"
#include "lib/wire/codec.hpp"

namespace ringcast::drv::dpdk {

wire::header dataplane::make_header(wire::msg_type t, ring_id ring) const noexcept {
    wire::header h;
    h.type = t;
    h.cluster_id = cfg_.cluster_id;
    h.sender = cfg_.self;
    h.ring = ring;
    return h;
}

const wire::eth_addr* dataplane::mac_of(node_id id) const noexcept {
    for (const peer& p : cfg_.peers) {
        if (p.id == id) {
            return &p.mac;
        }
    }
    return nullptr;
}

void dataplane::enqueue_tx(rte_mbuf* m) noexcept {
    if (tx_count_ == tx_.size()) {
        flush_tx();
    }
    tx_[tx_count_++] = m;
}

void dataplane::flush_tx() noexcept {
    transmit(tx_, tx_count_);
}

void dataplane::send_effect(const totem::send& s) noexcept {
    if (s.kind == totem::send_kind::mcast) {
        send_mcast(s);
    } else {
        send_control(s);
    }
}

void dataplane::send_mcast(const totem::send& s) noexcept {
    auto* held = reinterpret_cast<rte_mbuf*>(s.ref);
    wire::header h = make_header(wire::msg_type::mcast, s.ring);
    const auto payload_len = static_cast<std::uint32_t>(s.payload.size());
    h.body_len = static_cast<std::uint32_t>(wire::mcast_fixed_size + payload_len);
    if (tx_ring_ != nullptr) {
        // The worker writes the header and seals; the core keeps its own reference meanwhile.
        rte_mbuf_refcnt_update(held, 1);
        if (!queue_job(held, true, h, s.mcast, payload_len)) {
            rte_mbuf_refcnt_update(held, -1);
        }
        return;
    }
    if (!cfg_.crypto) {
        const std::size_t frame_len = wire::frame_overhead + h.body_len;
        std::span<std::byte> frame(rte_pktmbuf_mtod(held, std::byte*), frame_len);
        const wire::frame_body body = wire::mcast_view{s.mcast, s.payload};
        if (wire::encode_eth(frame, broadcast_, self_mac_, cfg_.ethertype) != wire::errc::ok ||
            wire::encode_header(frame.subspan(wire::eth_header_size), h) != wire::errc::ok ||
            wire::encode_body(frame.subspan(wire::eth_header_size + wire::header_size), body).err !=
                wire::errc::ok) {
            stats_.tx_dropped.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        held->data_len = static_cast<std::uint16_t>(frame_len);
        held->pkt_len = static_cast<std::uint32_t>(frame_len);
        rte_mbuf_refcnt_update(held, 1); // TX frees one reference; the core keeps its own
        bump(stats_.frames_out);
        bump(stats_.bytes_out, frame_len);
        enqueue_tx(held);
        return;
    }
    std::uint16_t n = 0;
    std::array<rte_mbuf*, 256> one{};
    seal_held(eng_, held, h, s.mcast, payload_len, one, n);
    for (std::uint16_t i = 0; i < n; ++i) {
        enqueue_tx(one[i]);
    }
}

void dataplane::seal_held(crypto::engine& eng, rte_mbuf* held, const wire::header& h,
                          const wire::mcast& f, std::uint32_t payload_len,
                          std::array<rte_mbuf*, 256>& tx, std::uint16_t& n) noexcept {
    std::byte* base = rte_pktmbuf_mtod(held, std::byte*);
    const std::size_t frame_len = wire::frame_overhead + h.body_len;
    std::span<std::byte> frame(base, frame_len);
    // The payload already sits after the fixed part: encode_body writes only the fixed part.
    const std::span<const std::byte> payload(base + wire::mcast_payload_offset, payload_len);
    const wire::frame_body body = wire::mcast_view{f, payload};
    if (wire::encode_eth(frame, broadcast_, self_mac_, cfg_.ethertype) != wire::errc::ok ||
        wire::encode_header(frame.subspan(wire::eth_header_size), h) != wire::errc::ok ||
        wire::encode_body(frame.subspan(wire::eth_header_size + wire::header_size), body).err !=
            wire::errc::ok) {
        stats_.tx_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    rte_mbuf* out = rte_pktmbuf_alloc(port_.pool);
    if (out == nullptr) {
        stats_.mbuf_alloc_failed.fetch_add(1, std::memory_order_relaxed);
        return; // lost like any frame: the ring retransmits it
    }
    std::span<std::byte> dst(rte_pktmbuf_mtod(out, std::byte*), port_.data_room);
    const crypto::seal_result r = crypto::seal_frame(eng, kr_, frame, dst);
    if (r.err != crypto::errc::ok) {
        stats_.tx_dropped.fetch_add(1, std::memory_order_relaxed);
        rte_pktmbuf_free(out);
        return;
    }
    out->data_len = static_cast<std::uint16_t>(r.size);
    out->pkt_len = static_cast<std::uint32_t>(r.size);
    bump(stats_.frames_out);
    bump(stats_.bytes_out, r.size);
    tx[n++] = out;
}

bool dataplane::queue_job(rte_mbuf* m, bool held, const wire::header& h, const wire::mcast& f,
                          std::uint32_t payload_len) noexcept {
    void* obj = nullptr;
    if (rte_mempool_get(job_pool_, &obj) != 0) {
        stats_.tx_dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    auto* j = static_cast<tx_job*>(obj);
    j->m = m;
    j->held = held;
    j->hdr = h;
    j->mcast = f;
    j->payload_len = payload_len;
    if (rte_ring_sp_enqueue(tx_ring_, j) != 0) {
        // The worker is behind: a frame lost here is retransmitted like any other.
        rte_mempool_put(job_pool_, j);
        stats_.tx_dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    ++jobs_queued_;
    return true;
}

unsigned dataplane::run_tx_jobs(crypto::engine& eng, std::array<rte_mbuf*, 256>& tx,
                                std::uint16_t& n) noexcept {
    std::array<tx_job*, burst> jobs;
    const unsigned k = rte_ring_sc_dequeue_burst(tx_ring_, reinterpret_cast<void**>(jobs.data()), burst, nullptr);
    for (unsigned i = 0; i < k; ++i) {
        tx_job* j = jobs[i];
        if (static_cast<std::size_t>(n) + 1 >= tx.size()) {
            transmit(tx, n);
        }
        if (j->held) {
            // Only this worker writes held frames' headers: no race with the protocol lcore,
            // which reads their payload only.
            seal_held(eng, j->m, j->hdr, j->mcast, j->payload_len, tx, n);
            rte_pktmbuf_free(j->m); // this job's reference
        } else {
            std::span<std::byte> buf(rte_pktmbuf_mtod(j->m, std::byte*), port_.data_room);
            const crypto::seal_result r = crypto::seal_frame(eng, kr_, buf.first(j->m->data_len), buf);
            if (r.err != crypto::errc::ok) {
                stats_.tx_dropped.fetch_add(1, std::memory_order_relaxed);
                rte_pktmbuf_free(j->m);
            } else {
                j->m->data_len = static_cast<std::uint16_t>(r.size);
                j->m->pkt_len = static_cast<std::uint32_t>(r.size);
                bump(stats_.frames_out);
                bump(stats_.bytes_out, r.size);
                tx[n++] = j->m;
            }
        }
        rte_mempool_put(job_pool_, j);
    }
    transmit(tx, n);
    return k;
}

void dataplane::transmit(std::array<rte_mbuf*, 256>& tx, std::uint16_t& n) noexcept {
    std::uint16_t done = 0;
    for (int tries = 0; done < n && tries < 64; ++tries) {
        done += rte_eth_tx_burst(port_.id, 0, tx.data() + done, static_cast<std::uint16_t>(n - done));
    }
    for (std::uint16_t i = done; i < n; ++i) {
        stats_.tx_dropped.fetch_add(1, std::memory_order_relaxed);
        rte_pktmbuf_free(tx[i]);
    }
    n = 0;
}

void dataplane::send_control(const totem::send& s) noexcept {
    wire::frame_body body;
    wire::msg_type type = wire::msg_type::orf_token;
    switch (s.kind) {
    case totem::send_kind::token: body = *s.token; type = wire::msg_type::orf_token; break;
    case totem::send_kind::join: body = *s.join; type = wire::msg_type::join; break;
    case totem::send_kind::commit_token: body = *s.commit; type = wire::msg_type::commit_token; break;
    case totem::send_kind::merge_detect: body = wire::merge_detect{}; type = wire::msg_type::merge_detect; break;
    case totem::send_kind::token_hold_cancel:
        body = wire::token_hold_cancel{};
        type = wire::msg_type::token_hold_cancel;
        break;
    case totem::send_kind::mcast: return;
    }
    const wire::eth_addr* dst = &broadcast_;
    if (s.to != node_id_none) {
        dst = mac_of(s.to);
        if (dst == nullptr) {
            return; // validated config: every member has a MAC
        }
    }
    rte_mbuf* m = rte_pktmbuf_alloc(port_.pool);
    if (m == nullptr) {
        bump(stats_.mbuf_alloc_failed);
        return;
    }
    std::span<std::byte> buf(rte_pktmbuf_mtod(m, std::byte*), port_.data_room);
    const wire::header h = make_header(type, s.ring);
    const wire::encode_result e = wire::encode_frame(buf, *dst, self_mac_, cfg_.ethertype, h, body);
    if (e.err != wire::errc::ok) {
        bump(stats_.tx_dropped);
        rte_pktmbuf_free(m);
        return;
    }
    std::size_t size = e.size;
    if (tx_ring_ != nullptr) {
        m->data_len = static_cast<std::uint16_t>(e.size); // plaintext; the worker seals in place
        m->pkt_len = static_cast<std::uint32_t>(e.size);
        if (!queue_job(m, false, h, {}, 0)) {
            rte_pktmbuf_free(m);
        }
        return;
    }
    if (cfg_.crypto) {
        const crypto::seal_result r = crypto::seal_frame(eng_, kr_, buf.first(e.size), buf);
        if (r.err != crypto::errc::ok) {
            bump(stats_.tx_dropped);
            rte_pktmbuf_free(m);
            return;
        }
        size = r.size;
    }
    m->data_len = static_cast<std::uint16_t>(size);
    m->pkt_len = static_cast<std::uint32_t>(size);
    bump(stats_.frames_out);
    bump(stats_.bytes_out, size);
    enqueue_tx(m);
}

} // namespace ringcast::drv::dpdk
