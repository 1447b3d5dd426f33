#include "tests/sim/harness/recorder.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ringcast::sim {
namespace {

const char* svc_name(wire::service s) noexcept {
    return s == wire::service::safe ? "safe" : "agreed";
}

} // namespace

void recorder::on_submit(mono_ns t, node_id origin, std::uint64_t index, wire::service svc,
                         std::span<const std::byte> bytes) {
    if (trace_ != nullptr) {
        fmt::print(trace_, "{:>12} n{} submit #{} {} {} B\n", t, origin, index, svc_name(svc),
                   bytes.size());
    }
    c_.on_submit(t, origin, index, svc, bytes);
}

void recorder::on_frame_sent(mono_ns t, node_id origin, frame_key key, std::uint64_t first,
                             std::uint64_t last) {
    if (trace_ != nullptr) {
        fmt::print(trace_, "{:>12} n{} originate {}.{}/{} carrying #{}..#{}\n", t, origin,
                   key.ring.rep, key.ring.seq, key.seq, first, last);
    }
    c_.on_frame_sent(t, origin, key.ring, key.seq, first, last);
}

void recorder::on_frame_received(mono_ns t, node_id node, frame_key key) {
    if (trace_ != nullptr) {
        fmt::print(trace_, "{:>12} n{} receive {}.{}/{}\n", t, node, key.ring.rep, key.ring.seq,
                   key.seq);
    }
    c_.on_frame_received(t, node, key.ring, key.seq);
}

void recorder::on_send(mono_ns t, node_id node, const totem::send& s) {
    if (trace_ == nullptr) {
        return;
    }
    const std::string to = s.to == node_id_none ? std::string("all") : fmt::format("n{}", s.to);
    switch (s.kind) {
    case totem::send_kind::mcast:
        fmt::print(trace_, "{:>12} n{} send mcast{} {}.{}/{} to {} (origin n{} {}.{}/{}{}, {} "
                           "chunks)\n",
                   t, node, s.retransmit ? " (retransmit)" : "", s.ring.rep, s.ring.seq,
                   s.mcast.seq, to, s.mcast.origin, s.mcast.origin_ring.rep,
                   s.mcast.origin_ring.seq, s.mcast.origin_seq,
                   (s.mcast.flags & wire::mcast_flag_encapsulated) ? ", encapsulated" : "",
                   s.mcast.chunk_count);
        break;
    case totem::send_kind::token:
        if (s.token != nullptr) {
            const wire::token& k = *s.token;
            fmt::print(trace_, "{:>12} n{} send token {}.{} to {}: token_seq {} seq {} aru {} "
                               "aru_node {} fcc {} backlog {} retrans {} rtr [{}]\n",
                       t, node, s.ring.rep, s.ring.seq, to, k.token_seq, k.seq, k.aru,
                       k.aru_node, k.fcc, k.backlog, k.retrans_flg, k.rtr.size());
        }
        break;
    case totem::send_kind::join:
        if (s.join != nullptr) {
            fmt::print(trace_, "{:>12} n{} send join {}.{} to {}: ring_seq {} proc {{{}}} failed "
                               "{{{}}}\n",
                       t, node, s.ring.rep, s.ring.seq, to, s.join->ring_seq,
                       fmt::join(s.join->proc.span(), ","), fmt::join(s.join->failed.span(), ","));
        }
        break;
    case totem::send_kind::commit_token:
        if (s.commit != nullptr) {
            std::string members;
            for (const wire::commit_member& m : s.commit->members) {
                members += fmt::format(" n{}(old {}.{} aru {} hd {} rf {})", m.id, m.old_ring.rep,
                                       m.old_ring.seq, m.old_aru, m.high_delivered,
                                       m.received_flg);
            }
            fmt::print(trace_, "{:>12} n{} send commit {}.{} to {}: token_seq {} index {}:{}\n",
                       t, node, s.ring.rep, s.ring.seq, to, s.commit->token_seq,
                       s.commit->memb_index, members);
        }
        break;
    case totem::send_kind::merge_detect:
        fmt::print(trace_, "{:>12} n{} send merge_detect {}.{} to {}\n", t, node, s.ring.rep,
                   s.ring.seq, to);
        break;
    case totem::send_kind::token_hold_cancel:
        fmt::print(trace_, "{:>12} n{} send token_hold_cancel {}.{} to {}\n", t, node,
                   s.ring.rep, s.ring.seq, to);
        break;
    }
}

void recorder::on_deliver(mono_ns t, node_id node, const delivered_message& m) {
    if (trace_ != nullptr) {
        fmt::print(trace_, "{:>12} n{} deliver from n{} {} {} B (frame {}.{}/{})\n", t, node,
                   m.origin, svc_name(m.svc), m.len, m.ring.rep, m.ring.seq, m.seq);
    }
    pieces_.clear();
    for (const totem::segment& s : m.segments) {
        pieces_.emplace_back(s.data, s.len);
    }
    c_.on_deliver(t, node, m.origin, m.svc, m.ring, m.seq, pieces_);
}

void recorder::on_config(mono_ns t, node_id node, totem::delivery_kind kind,
                         const totem::configuration& c) {
    const bool transitional = kind == totem::delivery_kind::transitional_config;
    if (trace_ != nullptr) {
        fmt::print(trace_, "{:>12} n{} {} configuration {}.{} members {}\n", t, node,
                   transitional ? "transitional" : "regular", c.ring.rep, c.ring.seq,
                   fmt::join(c.members.span(), ","));
    }
    c_.on_config(t, node, transitional ? check::config_kind::transitional
                                       : check::config_kind::regular,
                 c.ring, c.members.span());
}

void recorder::on_core_event(mono_ns t, node_id node, const totem::event& e) {
    const char* what = "?";
    switch (e.kind) {
    case totem::event_kind::token_lost:
        ++token_lost_;
        what = "token_lost";
        break;
    case totem::event_kind::failed_to_receive:
        ++failed_to_receive_;
        what = "failed_to_receive";
        break;
    case totem::event_kind::ring_seq_persist: what = "ring_seq_persist"; break;
    }
    if (trace_ != nullptr) {
        fmt::print(trace_, "{:>12} n{} event {} (node {}, value {})\n", t, node, what, e.node,
                   e.value);
    }
}

void recorder::on_leave(mono_ns t, node_id node) {
    if (trace_ != nullptr) {
        fmt::print(trace_, "{:>12} n{} LEAVE\n", t, node);
    }
}

void recorder::on_crash(mono_ns t, node_id node) {
    if (trace_ != nullptr) {
        fmt::print(trace_, "{:>12} n{} CRASH\n", t, node);
    }
    c_.on_crash(t, node);
}

void recorder::on_restart(mono_ns t, node_id node) {
    if (trace_ != nullptr) {
        fmt::print(trace_, "{:>12} n{} RESTART\n", t, node);
    }
    c_.on_restart(t, node);
}

void recorder::on_error(mono_ns t, node_id node, std::string_view what) {
    if (trace_ != nullptr) {
        fmt::print(trace_, "{:>12} n{} ERROR {}\n", t, node, what);
    }
    c_.on_sim_error(t, node, what);
}

} // namespace ringcast::sim
