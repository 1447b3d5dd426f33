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
    std::uint16_t done = 0;
    // l3fwd's send_burst: retry a short while, then count and free what the NIC will not take.
    for (int tries = 0; done < tx_count_ && tries < 64; ++tries) {
        done += rte_eth_tx_burst(port_.id, 0, tx_.data() + done, static_cast<std::uint16_t>(tx_count_ - done));
    }
    for (std::uint16_t i = done; i < tx_count_; ++i) {
        bump(stats_.tx_dropped);
        rte_pktmbuf_free(tx_[i]);
    }
    tx_count_ = 0;
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
    std::byte* base = rte_pktmbuf_mtod(held, std::byte*);
    const std::size_t body_len = wire::mcast_fixed_size + s.payload.size();
    const std::size_t frame_len = wire::eth_header_size + wire::header_size + body_len + wire::tag_size;
    std::span<std::byte> frame(base, frame_len);

    wire::header h = make_header(wire::msg_type::mcast, s.ring);
    h.body_len = static_cast<std::uint32_t>(body_len);
    // The payload already sits after the fixed part: encode_body writes only the fixed part.
    const wire::frame_body body = wire::mcast_view{s.mcast, s.payload};
    if (wire::encode_eth(frame, broadcast_, self_mac_, cfg_.ethertype) != wire::errc::ok ||
        wire::encode_header(frame.subspan(wire::eth_header_size), h) != wire::errc::ok ||
        wire::encode_body(frame.subspan(wire::eth_header_size + wire::header_size), body).err !=
            wire::errc::ok) {
        bump(stats_.tx_dropped);
        return;
    }
    if (!cfg_.crypto) {
        held->data_len = static_cast<std::uint16_t>(frame_len);
        held->pkt_len = static_cast<std::uint32_t>(frame_len);
        rte_mbuf_refcnt_update(held, 1); // TX frees one reference; the core keeps its own
        bump(stats_.frames_out);
        bump(stats_.bytes_out, frame_len);
        enqueue_tx(held);
        return;
    }
    rte_mbuf* tx = rte_pktmbuf_alloc(port_.pool);
    if (tx == nullptr) {
        bump(stats_.mbuf_alloc_failed);
        return; // lost like any frame: the ring retransmits it
    }
    std::span<std::byte> out(rte_pktmbuf_mtod(tx, std::byte*), port_.data_room);
    const crypto::seal_result r = crypto::seal_frame(eng_, kr_, frame, out);
    if (r.err != crypto::errc::ok) {
        bump(stats_.tx_dropped);
        rte_pktmbuf_free(tx);
        return;
    }
    tx->data_len = static_cast<std::uint16_t>(r.size);
    tx->pkt_len = static_cast<std::uint32_t>(r.size);
    bump(stats_.frames_out);
    bump(stats_.bytes_out, r.size);
    enqueue_tx(tx);
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
