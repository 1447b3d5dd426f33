// The fuzz cluster's driver side: encoding what the cores send, decoding what the fuzzer
// delivers, and checking every effects batch against the contract in lib/totem/effects.hpp.

#include "tests/fuzz/core/cluster.hpp"

#include <cstdio>
#include <cstring>

#include "lib/wire/codec.hpp"
#include "lib/wire/limits.hpp"
#include "tests/fuzz/core/contract.hpp"

namespace ringcast::fuzz {

namespace {

constexpr wire::eth_addr group_mac = {0x01, 0x00, 0x5E, 0x52, 0x43, 0x01};

wire::eth_addr mac_of(std::size_t i) {
    return {0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(i + 1)};
}

} // namespace

cluster::cluster(std::size_t n, const totem::config& base) : fx_(base) {
    for (std::size_t i = 0; i < n; ++i) {
        ids_.push_back(static_cast<node_id>(i + 1));
    }
    nodes_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        member& m = nodes_[i];
        m.cfg = base;
        m.cfg.self = ids_[i];
        m.cfg.members = ids_;
        m.owner = this;
        m.index = i;
    }
    tx_.resize(wire::max_frame_size);
}

cluster::~cluster() = default;

void cluster::start() {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        boot(i);
    }
}

void cluster::boot(std::size_t i) {
    member& m = nodes_[i];
    m.core = std::make_unique<totem::node>(m.cfg, totem::payload_ops{&m, &cluster::alloc_frame});
    m.core->start(now_, fx_);
    drain(i);
}

totem::frame_buffer cluster::alloc_frame(void* ctx) noexcept {
    auto* m = static_cast<member*>(ctx);
    const totem::payload_ref r = m->owner->pool_.alloc(m->index, wire::max_frame_size);
    std::byte* base = m->owner->pool_.at(r).mem.data();
    return {r, {base + wire::mcast_payload_offset, wire::mcast_payload_max(m->cfg.mtu)}};
}

void cluster::deliver(std::size_t i, std::span<const std::byte> frame) {
    member& m = nodes_[i];
    if (frame.size() < wire::frame_overhead || frame.size() > wire::max_frame_size) {
        return;
    }
    if (wire::decode_frame(frame, wire::default_ethertype, rx_) != wire::errc::ok) {
        return;
    }
    if (std::holds_alternative<wire::mcast_view>(rx_.body)) {
        // The core keeps pointers into an mcast's buffer until it releases the ref, so the
        // frame moves into a pool buffer and is decoded again from there.
        const totem::payload_ref r = pool_.alloc(i, frame.size());
        pool::buffer& b = pool_.at(r);
        std::memcpy(b.mem.data(), frame.data(), frame.size());
        b.len = static_cast<std::uint32_t>(frame.size());
        FUZZ_REQUIRE(wire::decode_frame(b.mem, wire::default_ethertype, rx_) == wire::errc::ok,
                     "a decoded frame no longer decodes from a copy");
        m.core->on_frame(now_, rx_.hdr, rx_.body, r, fx_);
    } else {
        m.core->on_frame(now_, rx_.hdr, rx_.body, totem::payload_ref_none, fx_);
    }
    drain(i);
}

void cluster::advance(mono_ns d) {
    now_ += d;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        // A paused delivery batch keeps the deadline at now; the cap is far above any honest
        // backlog (the simulator calls more than 100,000 ticks at one instant a livelock).
        for (int k = 0; k < 100'000 && nodes_[i].core->next_deadline() <= now_; ++k) {
            nodes_[i].core->on_tick(now_, fx_);
            drain(i);
            FUZZ_REQUIRE(k + 1 < 100'000, "node %u livelocked: deadline stays at now",
                         static_cast<unsigned>(ids_[i]));
        }
    }
}

void cluster::submit(std::size_t i, wire::service svc, std::uint32_t len) {
    const totem::payload_ref r = pool_.alloc(i, len == 0 ? 1 : len);
    pool::buffer& b = pool_.at(r);
    for (std::uint32_t k = 0; k < len; ++k) {
        b.mem[k] = static_cast<std::byte>(k * 31 + len);
    }
    const totem::submit_result res =
        nodes_[i].core->submit(now_, svc, r, std::span<const std::byte>(b.mem.data(), len), fx_);
    if (res != totem::submit_result::ok) {
        (void)pool_.release(i, r);
    }
    drain(i);
}

void cluster::leave(std::size_t i) {
    nodes_[i].core->leave(now_, fx_);
    drain(i);
}

void cluster::restart(std::size_t i) {
    member& m = nodes_[i];
    m.core.reset();
    pool_.drop_node(i);
    // As ringcastd does: start above the persisted mark, which may lag what was used.
    m.cfg.initial_ring_seq = m.persisted_ring_seq + 4096;
    boot(i);
}

void cluster::drain(std::size_t i) {
    member& m = nodes_[i];
    for (const totem::send& s : fx_.sends()) {
        send(i, s);
    }
    for (const totem::delivery& d : fx_.deliveries()) {
        check_delivery(i, d);
    }
    for (const totem::payload_ref r : fx_.releases()) {
        FUZZ_REQUIRE(pool_.release(i, r), "node %u released ref %llu it does not hold",
                     static_cast<unsigned>(ids_[i]), static_cast<unsigned long long>(r));
    }
    for (const totem::event& e : fx_.events()) {
        if (e.kind == totem::event_kind::ring_seq_persist && e.value > m.persisted_ring_seq) {
            m.persisted_ring_seq = e.value;
        }
    }
    fx_.clear();
    m.core->check_invariants();
}

void cluster::check_delivery(std::size_t i, const totem::delivery& d) {
    if (d.kind != totem::delivery_kind::message) {
        FUZZ_REQUIRE(d.config != nullptr, "a configuration delivery without its configuration");
        return;
    }
    const auto segs = fx_.segments();
    FUZZ_REQUIRE(std::size_t{d.seg_begin} + d.seg_count <= segs.size(),
                 "delivery segments outside the batch");
    std::uint64_t total = 0;
    for (const totem::segment& s : segs.subspan(d.seg_begin, d.seg_count)) {
        FUZZ_REQUIRE(pool_.held_by(i, s.ref), "a delivery segment in a buffer the core does not hold");
        const pool::buffer& b = pool_.at(s.ref);
        FUZZ_REQUIRE(s.data >= b.mem.data() && s.data + s.len <= b.mem.data() + b.mem.size(),
                     "a delivery segment outside its buffer");
        total += s.len;
    }
    FUZZ_REQUIRE(total == d.len, "delivery of %u bytes with segments of %llu", d.len,
                 static_cast<unsigned long long>(total));
}

void cluster::send(std::size_t i, const totem::send& s) {
    if (s.kind == totem::send_kind::mcast) {
        send_mcast(i, s);
    } else {
        send_control(i, s);
    }
}

// As the daemon's TX path: the core packed the payload in place; the driver writes the
// Ethernet header, ringcast header and mcast fixed part in front of it.
void cluster::send_mcast(std::size_t i, const totem::send& s) {
    FUZZ_REQUIRE(pool_.held_by(i, s.ref), "node %u sent mcast ref %llu it does not hold",
                 static_cast<unsigned>(ids_[i]), static_cast<unsigned long long>(s.ref));
    pool::buffer& b = pool_.at(s.ref);
    if (s.retransmit) {
        FUZZ_REQUIRE(b.len != 0, "a retransmit of a buffer that holds no frame");
        fan_out(i, s.to, std::span<const std::byte>(b.mem.data(), b.len));
        return;
    }
    std::byte* base = b.mem.data();
    FUZZ_REQUIRE(s.payload.data() == base + wire::mcast_payload_offset &&
                     s.payload.size() <= wire::mcast_payload_max(nodes_[i].cfg.mtu),
                 "an mcast payload not in place in its frame buffer");
    const std::size_t body_len = wire::mcast_fixed_size + s.payload.size();
    const std::size_t frame_len = wire::frame_overhead + body_len;
    wire::header h;
    h.type = wire::msg_type::mcast;
    h.cluster_id = cluster_id;
    h.sender = ids_[i];
    h.ring = s.ring;
    h.nonce = ++nonce_;
    h.body_len = static_cast<std::uint32_t>(body_len);
    tx_body_.emplace<wire::mcast_view>(wire::mcast_view{s.mcast, s.payload});
    const std::span<std::byte> frame(base, frame_len);
    const wire::encode_result r =
        wire::encode_body(frame.subspan(wire::eth_header_size + wire::header_size), tx_body_);
    FUZZ_REQUIRE(r.err == wire::errc::ok && r.size == body_len &&
                     wire::encode_eth(frame, group_mac, mac_of(i), wire::default_ethertype) ==
                         wire::errc::ok &&
                     wire::encode_header(frame.subspan(wire::eth_header_size), h) ==
                         wire::errc::ok,
                 "node %u originated an mcast that does not encode", static_cast<unsigned>(ids_[i]));
    b.len = static_cast<std::uint32_t>(frame_len);
    wire::frame check;
    FUZZ_REQUIRE(wire::decode_frame(frame, wire::default_ethertype, check) == wire::errc::ok,
                 "node %u originated an mcast its peers cannot decode",
                 static_cast<unsigned>(ids_[i]));
    fan_out(i, s.to, frame);
}

void cluster::send_control(std::size_t i, const totem::send& s) {
    switch (s.kind) {
    case totem::send_kind::token:
        FUZZ_REQUIRE(s.token != nullptr, "a token send without a token");
        tx_body_.emplace<wire::token>(*s.token);
        break;
    case totem::send_kind::join:
        FUZZ_REQUIRE(s.join != nullptr, "a join send without a join");
        tx_body_.emplace<wire::join>(*s.join);
        break;
    case totem::send_kind::commit_token:
        FUZZ_REQUIRE(s.commit != nullptr, "a commit send without a commit token");
        tx_body_.emplace<wire::commit_token>(*s.commit);
        break;
    case totem::send_kind::merge_detect: tx_body_.emplace<wire::merge_detect>(); break;
    case totem::send_kind::token_hold_cancel: tx_body_.emplace<wire::token_hold_cancel>(); break;
    case totem::send_kind::mcast: return;
    }
    wire::header h;
    h.cluster_id = cluster_id;
    h.sender = ids_[i];
    h.ring = s.ring;
    h.nonce = ++nonce_;
    const wire::encode_result r = wire::encode_frame(tx_, group_mac, mac_of(i),
                                                     wire::default_ethertype, h, tx_body_);
    FUZZ_REQUIRE(r.err == wire::errc::ok, "node %u sent a control frame (kind %d) that does not "
                 "encode: %d", static_cast<unsigned>(ids_[i]), static_cast<int>(s.kind),
                 static_cast<int>(r.err));
    fan_out(i, s.to, std::span<const std::byte>(tx_.data(), r.size));
}

void cluster::fan_out(std::size_t i, node_id to, std::span<const std::byte> frame) {
    const auto one = [&](std::size_t dst) {
        if (in_flight_.size() == in_flight_max) {
            in_flight_.pop_front();
        }
        in_flight_.push_back({std::vector<std::byte>(frame.begin(), frame.end()), dst});
    };
    if (to == node_id_none) {
        for (std::size_t j = 0; j < nodes_.size(); ++j) {
            if (j != i) {
                one(j);
            }
        }
        return;
    }
    if (to == ids_[i] || to < 1 || to > ids_.size()) {
        // The daemon drops a unicast it has no peer MAC for; say so once, it is worth a look.
        static bool said = false;
        if (!said) {
            said = true;
            std::fprintf(stderr, "fuzz: note: node %u sent a unicast to node %u, not a peer\n",
                         static_cast<unsigned>(ids_[i]), static_cast<unsigned>(to));
        }
        return;
    }
    one(to - 1);
}

} // namespace ringcast::fuzz
