// The transmit side of the simulated driver: sealing originated mcasts in place (zero copy),
// encoding control frames into fresh buffers, and fanning frames out over the links.

#include <cstring>

#include <fmt/format.h>

#include "drivers/sim/cluster.hpp"
#include "lib/wire/codec.hpp"
#include "lib/wire/limits.hpp"

namespace ringcast::sim {
namespace {

constexpr wire::eth_addr multicast_mac = {0x01, 0x00, 0x5E, 0x52, 0x43, 0x01};

const char* kind_name(totem::send_kind k) noexcept {
    switch (k) {
    case totem::send_kind::mcast: return "mcast";
    case totem::send_kind::token: return "token";
    case totem::send_kind::join: return "join";
    case totem::send_kind::commit_token: return "commit token";
    case totem::send_kind::merge_detect: return "merge detect";
    case totem::send_kind::token_hold_cancel: return "token hold cancel";
    }
    return "?";
}

} // namespace

totem::frame_buffer cluster::alloc_frame_cb(void* ctx) noexcept {
    auto* n = static_cast<slot*>(ctx);
    return n->owner->alloc_frame(*n);
}

totem::frame_buffer cluster::alloc_frame(slot& n) noexcept {
    if (rng_.chance(opts_.alloc_fail)) {
        ++counters_.alloc_failed;
        return {};
    }
    const buffer_pool::index ref = pool_.alloc(wire::max_frame_size);
    pool_.give_to_core(n.index, ref);
    // Exactly the promised size: a core writing past mcast_payload_max would corrupt its own
    // frame and fail to decode at the receivers.
    return {ref, {pool_.data(ref) + wire::mcast_payload_offset, wire::mcast_payload_max(n.cfg.mtu)}};
}

void cluster::send(slot& n, const totem::send& s) {
    if (s.kind == totem::send_kind::mcast) {
        send_mcast(n, s);
    } else {
        send_control(n, s);
    }
}

void cluster::send_mcast(slot& n, const totem::send& s) {
    const auto ref = static_cast<buffer_pool::index>(s.ref);
    if (s.ref >= pool_.created() || pool_.held_by_core(n.index, ref) == 0) {
        error(n, fmt::format("contract: mcast send of ref {} the core does not hold", s.ref));
        return;
    }
    if (!s.retransmit) {
        if (!seal_mcast(n, s)) {
            return;
        }
        ++counters_.frames_originated;
    } else {
        if (!pool_.sealed(ref)) {
            error(n, fmt::format("contract: retransmit of ref {}, a buffer never sent", s.ref));
            return;
        }
        ++counters_.frames_retransmitted;
    }
    fan_out(n, s.to, ref);
}

// Writes the Ethernet header, ringcast header and mcast fixed part in front of the payload the
// core packed in place; encode_body sees the payload already there and copies nothing.
bool cluster::seal_mcast(slot& n, const totem::send& s) {
    const auto ref = static_cast<buffer_pool::index>(s.ref);
    std::byte* base = pool_.data(ref);
    if (pool_.sealed(ref) && pool_.refcnt(ref) != pool_.held_by_core(n.index, ref)) {
        // Other nodes (or frames in flight) share this buffer: rewriting its header in place
        // would change the frame they hold. The real driver's mbufs are never shared that way.
        error(n, fmt::format("contract: mcast send (retransmit=false) rewriting ref {}, a buffer "
                             "shared with other holders",
                             s.ref));
        return false;
    }
    if (s.payload.data() != base + wire::mcast_payload_offset) {
        error(n, "contract: mcast payload not at mcast_payload_offset of its frame buffer");
        return false;
    }
    const std::size_t body_len = wire::mcast_fixed_size + s.payload.size();
    const std::size_t frame_len = wire::frame_overhead + body_len;
    if (s.payload.size() > wire::mcast_payload_max(n.cfg.mtu)) {
        error(n, fmt::format("contract: mcast payload of {} B above the mtu's {} B",
                             s.payload.size(), wire::mcast_payload_max(n.cfg.mtu)));
        return false;
    }
    wire::header h;
    h.type = wire::msg_type::mcast;
    h.cluster_id = opts_.cluster_id;
    h.sender = n.id;
    h.ring = s.ring;
    h.nonce = ++n.nonce;
    h.body_len = static_cast<std::uint32_t>(body_len);
    tx_body_.emplace<wire::mcast_view>(wire::mcast_view{s.mcast, s.payload});
    const std::span<std::byte> frame{base, frame_len};
    const wire::encode_result r =
        wire::encode_body(frame.subspan(wire::eth_header_size + wire::header_size, body_len),
                          tx_body_);
    if (wire::encode_eth(frame, multicast_mac, n.mac, opts_.ethertype) != wire::errc::ok ||
        wire::encode_header(frame.subspan(wire::eth_header_size), h) != wire::errc::ok ||
        r.err != wire::errc::ok || r.size != body_len) {
        error(n, fmt::format("contract: mcast seq {} does not encode: {}", s.mcast.seq,
                             wire::to_string(r.err)));
        return false;
    }
    std::memset(base + frame_len - wire::tag_size, 0, wire::tag_size);
    pool_.set_len(ref, static_cast<std::uint32_t>(frame_len));
    pool_.seal(ref);
    if ((s.mcast.flags & wire::mcast_flag_encapsulated) == 0) {
        const frame_key key{s.ring, s.mcast.seq};
        frame_map::walk_result w = n.map.walk(s.ring, s.mcast, s.payload);
        if (!w.ok) {
            error(n, std::move(w.error));
        } else {
            obs_->on_frame_sent(now_, n.id, key, w.first, w.last);
        }
    }
    return true;
}

// Control frames carry pointers valid only until the node's next input: encode them to bytes now.
void cluster::send_control(slot& n, const totem::send& s) {
    switch (s.kind) {
    case totem::send_kind::token:
        if (s.token != nullptr) {
            tx_body_.emplace<wire::token>(*s.token);
        }
        break;
    case totem::send_kind::join:
        if (s.join != nullptr) {
            tx_body_.emplace<wire::join>(*s.join);
        }
        break;
    case totem::send_kind::commit_token:
        if (s.commit != nullptr) {
            tx_body_.emplace<wire::commit_token>(*s.commit);
        }
        break;
    case totem::send_kind::merge_detect: tx_body_.emplace<wire::merge_detect>(); break;
    case totem::send_kind::token_hold_cancel: tx_body_.emplace<wire::token_hold_cancel>(); break;
    case totem::send_kind::mcast: break;
    }
    const bool missing = (s.kind == totem::send_kind::token && s.token == nullptr) ||
                         (s.kind == totem::send_kind::join && s.join == nullptr) ||
                         (s.kind == totem::send_kind::commit_token && s.commit == nullptr);
    if (missing) {
        error(n, fmt::format("contract: a {} send without its body", kind_name(s.kind)));
        return;
    }
    // A token loss burst drops the token before it reaches any link; no randomness is drawn
    // while the burst is off, so runs without one replay as before.
    if (s.kind == totem::send_kind::token && rng_.chance(token_loss_)) {
        ++counters_.tokens_dropped;
        return;
    }
    wire::header h;
    h.cluster_id = opts_.cluster_id;
    h.sender = n.id;
    h.ring = s.ring;
    h.nonce = ++n.nonce;
    const std::size_t size = wire::frame_overhead + wire::body_size(tx_body_);
    const buffer_pool::index ref = pool_.alloc(size);
    wire::eth_addr dst = multicast_mac;
    if (s.to != node_id_none && index_of(s.to) < slots_.size()) {
        dst = slots_[index_of(s.to)].mac;
    }
    const wire::encode_result r = wire::encode_frame({pool_.data(ref), pool_.capacity(ref)}, dst,
                                                     n.mac, opts_.ethertype, h, tx_body_);
    if (r.err != wire::errc::ok) {
        error(n, fmt::format("contract: a {} does not encode: {}", kind_name(s.kind),
                             wire::to_string(r.err)));
        pool_.unref(ref);
        return;
    }
    pool_.set_len(ref, static_cast<std::uint32_t>(r.size));
    pool_.seal(ref);
    ++counters_.control_frames;
    fan_out(n, s.to, ref);
    pool_.unref(ref); // the copies in flight hold it now
}

void cluster::fan_out(slot& n, node_id to, buffer_pool::index ref) {
    const std::uint32_t len = pool_.len(ref);
    const auto one = [&](std::size_t dst) {
        mono_ns at[network::max_arrivals];
        const std::size_t copies = net_.transmit(n.index, dst, len, now_, rng_, at);
        for (std::size_t k = 0; k < copies; ++k) {
            pool_.ref(ref);
            sim_event e;
            e.at = at[k] + slots_[dst].slow_ns;
            e.kind = sim_event_kind::arrival;
            e.node = static_cast<std::uint16_t>(dst);
            e.a = ref;
            q_.push(e);
        }
    };
    if (to == node_id_none) {
        for (std::size_t j = 0; j < slots_.size(); ++j) {
            if (j != n.index) {
                one(j);
            }
        }
        return;
    }
    const std::size_t j = index_of(to);
    if (j == slots_.size() || j == n.index) {
        error(n, fmt::format("contract: a unicast to node {}, not a peer", to));
        return;
    }
    one(j);
}

} // namespace ringcast::sim
