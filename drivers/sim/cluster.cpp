// The simulator's driver loop. Each event feeds one input to one core, then drain() hands the
// effects to the network, the observer and the pool in the contract's order: sends, deliveries
// (with their segments), releases, events.

#include "drivers/sim/cluster.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "drivers/sim/payload.hpp"
#include "lib/wire/codec.hpp"
#include "lib/wire/limits.hpp"

namespace ringcast::sim {
namespace {

frame_key key_of(const wire::header& h, const wire::mcast& m) noexcept {
    // An encapsulated resend keeps the identity it got when first ordered.
    if ((m.flags & wire::mcast_flag_encapsulated) != 0) {
        return {m.origin_ring, m.origin_seq};
    }
    return {h.ring, m.seq};
}

totem::config validated(const totem::config& base, node_id self, std::span<const node_id> all) {
    totem::config c = base;
    c.self = self;
    c.members = all;
    if (const char* why = totem::node::validate(c)) {
        throw std::invalid_argument(fmt::format("sim: bad totem config: {}", why));
    }
    if (c.mtu + wire::eth_header_size > wire::max_frame_size) {
        throw std::invalid_argument("sim: mtu above the frame buffer size");
    }
    return c;
}

} // namespace

cluster::cluster(cluster_options opts, observer* obs)
    : opts_(std::move(opts)),
      obs_(obs != nullptr ? obs : &null_obs_),
      rng_(opts_.seed),
      net_(opts_.nodes, opts_.link),
      pool_(opts_.nodes),
      fx_(opts_.config) {
    if (opts_.nodes < 2 || opts_.nodes > wire::max_nodes) {
        throw std::invalid_argument("sim: nodes must be in 2..64");
    }
    members_ = opts_.ids;
    if (members_.empty()) {
        for (std::size_t i = 0; i < opts_.nodes; ++i) {
            members_.push_back(static_cast<node_id>(i + 1));
        }
    }
    if (members_.size() != opts_.nodes) {
        throw std::invalid_argument("sim: ids must name every node");
    }
    slots_.reserve(opts_.nodes); // never grows: payload_ops contexts point into it
    for (std::size_t i = 0; i < opts_.nodes; ++i) {
        slot& n = slots_.emplace_back(members_[i]);
        n.owner = this;
        n.index = i;
        n.cfg = validated(opts_.config, n.id, members_);
        n.mac = {0x02, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(i >> 8),
                 static_cast<std::uint8_t>(i)};
    }
}

cluster::~cluster() = default;

void cluster::start() {
    for (slot& n : slots_) {
        boot(n);
    }
}

void cluster::boot(slot& n) {
    n.cfg.initial_ring_seq =
        n.persisted_ring_seq + (n.persisted_ring_seq != 0 ? opts_.restart_ring_seq_gap : 0);
    n.core = std::make_unique<totem::node>(n.cfg, totem::payload_ops{&n, &alloc_frame_cb});
    n.up = true;
    if (n.faults != 0) {
        n.core->set_faults(n.faults);
    }
    n.core->start(now_, fx_);
    drain(n);
    schedule_load(n);
}

// ---- the agenda ----

bool cluster::step() {
    if (halted_ || q_.empty()) {
        return false;
    }
    counters_.agenda_max = std::max<std::uint64_t>(counters_.agenda_max, q_.size());
    const sim_event e = q_.pop();
    RC_ASSERT(e.at >= now_);
    now_ = e.at;
    ++counters_.events;
    switch (e.kind) {
    case sim_event_kind::arrival: on_arrival(e); break;
    case sim_event_kind::tick: on_tick(e); break;
    case sim_event_kind::load: on_load(e); break;
    }
    return true;
}

void cluster::run_until(mono_ns t) {
    while (!halted_ && !q_.empty() && q_.top().at <= t) {
        step();
    }
    if (!halted_ && now_ < t) {
        now_ = t;
    }
}

void cluster::on_arrival(const sim_event& e) {
    slot& n = slots_[e.node];
    const buffer_pool::index ref = e.a;
    ++counters_.arrivals;
    if (!n.up) {
        ++counters_.arrivals_at_down_node;
        pool_.unref(ref);
        return;
    }
    // Decode at arrival, as the real driver does after opening the frame: this runs every
    // frame of every simulation through the production codec.
    const std::span<const std::byte> bytes{pool_.data(ref), pool_.len(ref)};
    if (const wire::errc err = wire::decode_frame(bytes, opts_.ethertype, rx_);
        err != wire::errc::ok) {
        error(n, fmt::format("codec: a frame of {} B failed to decode: {}", bytes.size(),
                             wire::to_string(err)));
        pool_.unref(ref);
        return;
    }
    if (const auto* m = std::get_if<wire::mcast_view>(&rx_.body)) {
        // The in-flight reference becomes the core's: it comes back in `releases`.
        pool_.give_to_core(n.index, ref);
        obs_->on_frame_received(now_, n.id, key_of(rx_.hdr, m->fields));
        n.core->on_frame(now_, rx_.hdr, rx_.body, ref, fx_);
        drain(n);
        return;
    }
    n.core->on_frame(now_, rx_.hdr, rx_.body, totem::payload_ref_none, fx_);
    drain(n);
    pool_.unref(ref);
}

void cluster::on_tick(const sim_event& e) {
    slot& n = slots_[e.node];
    if (!n.up || e.a != n.tick_gen) {
        return; // superseded by an earlier deadline (lazy invalidation)
    }
    n.tick_at = mono_ns_never;
    const mono_ns d = n.core->next_deadline();
    if (d > now_) {
        // The deadline moved later (or went away) since this tick was queued: re-arm only.
        if (d != mono_ns_never) {
            push_tick(n, d);
        }
        return;
    }
    if (n.last_tick_time == now_) {
        if (++n.ticks_same_time >= opts_.max_ticks_same_time) {
            error(n, fmt::format("livelock: next_deadline() stayed at now ({} ns) for {} ticks",
                                 now_, n.ticks_same_time));
            halted_ = true;
            return;
        }
    } else {
        n.last_tick_time = now_;
        n.ticks_same_time = 0;
    }
    n.core->on_tick(now_, fx_);
    drain(n);
}

void cluster::push_tick(slot& n, mono_ns at) {
    ++n.tick_gen;
    n.tick_at = std::max(at, now_);
    sim_event e;
    e.at = n.tick_at;
    e.kind = sim_event_kind::tick;
    e.node = static_cast<std::uint16_t>(n.index);
    e.a = n.tick_gen;
    q_.push(e);
}

// Deadlines mostly move later (every token visit pushes the retransmit and loss timers out);
// queuing a tick for each would fill the agenda with stale events. The queued tick stays unless
// the new deadline is earlier; when it fires it re-arms at the current deadline.
void cluster::reschedule(slot& n) {
    const mono_ns d = n.core->next_deadline();
    if (d < n.tick_at) {
        push_tick(n, d);
    }
}

// ---- effects ----

void cluster::drain(slot& n) {
    for (const totem::send& s : fx_.sends()) {
        obs_->on_send(now_, n.id, s);
        send(n, s);
    }
    for (const totem::delivery& d : fx_.deliveries()) {
        deliver(n, d);
    }
    for (const totem::payload_ref r : fx_.releases()) {
        release(n, r);
    }
    for (const totem::event& ev : fx_.events()) {
        if (ev.kind == totem::event_kind::ring_seq_persist) {
            n.persisted_ring_seq = std::max(n.persisted_ring_seq, ev.value);
        }
        obs_->on_core_event(now_, n.id, ev);
    }
    fx_.clear();
    if (opts_.check_invariants) {
        n.core->check_invariants();
    }
    reschedule(n);
}

void cluster::deliver(slot& n, const totem::delivery& d) {
    if (d.kind != totem::delivery_kind::message) {
        ++counters_.configs;
        if (d.config == nullptr) {
            error(n, "contract: a configuration delivery without a configuration");
            return;
        }
        obs_->on_config(now_, n.id, d.kind, *d.config);
        return;
    }
    const auto segs = fx_.segments();
    if (std::size_t{d.seg_begin} + d.seg_count > segs.size()) {
        error(n, fmt::format("contract: delivery segments [{}, +{}) outside the batch's {}",
                             d.seg_begin, d.seg_count, segs.size()));
        return;
    }
    const auto mine = segs.subspan(d.seg_begin, d.seg_count);
    std::uint64_t total = 0;
    for (const totem::segment& s : mine) {
        const auto ref = static_cast<buffer_pool::index>(s.ref);
        const bool held = s.ref < pool_.created() && pool_.held_by_core(n.index, ref) > 0;
        if (!held || s.data < pool_.data(ref) ||
            s.data + s.len > pool_.data(ref) + pool_.capacity(ref)) {
            error(n, fmt::format("contract: a delivery segment (ref {}, {} B) outside any buffer "
                                 "the core holds",
                                 s.ref, s.len));
            return;
        }
        total += s.len;
    }
    if (total != d.len) {
        error(n, fmt::format("contract: delivery of {} B with segments totalling {} B", d.len,
                             total));
        return;
    }
    ++n.delivered;
    ++counters_.deliveries;
    counters_.delivered_bytes += d.len;
    for (const std::uint64_t v : {std::uint64_t{n.id}, std::uint64_t{d.origin},
                                  std::uint64_t(d.svc), std::uint64_t{d.ring.rep}, d.ring.seq,
                                  d.seq, std::uint64_t{d.len}, now_}) {
        digest_ = mix_in(digest_, v);
    }
    obs_->on_deliver(now_, n.id, delivered_message{d.origin, d.svc, d.ring, d.seq, d.len, mine});
}

void cluster::release(slot& n, totem::payload_ref r) {
    const auto ref = static_cast<buffer_pool::index>(r);
    if (r >= pool_.created() || !pool_.take_from_core(n.index, ref)) {
        error(n, fmt::format("contract: release of ref {} the core does not hold", r));
        return;
    }
    pool_.unref(ref);
}

void cluster::error(const slot& n, std::string what) {
    ++counters_.errors;
    if (first_error_.empty()) {
        first_error_ = fmt::format("node {} at {} ns: {}", n.id, now_, what);
    }
    obs_->on_error(now_, n.id, what);
}

std::size_t cluster::index_of(node_id id) const noexcept {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].id == id) {
            return i;
        }
    }
    return slots_.size();
}

} // namespace ringcast::sim
