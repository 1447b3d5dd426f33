// Load generation, direct submissions and node lifecycle (crash, restart) of the cluster.

#include <fmt/format.h>

#include "drivers/sim/cluster.hpp"
#include "drivers/sim/payload.hpp"

namespace ringcast::sim {

void cluster::set_load(std::size_t i, const load_params& p) {
    slot& n = slots_[i];
    n.load = p;
    schedule_load(n);
}

void cluster::set_load_all(const load_params& p) {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        set_load(i, p);
    }
}

void cluster::stop_load() {
    for (slot& n : slots_) {
        n.load.enabled = false;
        ++n.load_gen;
        if (n.pending != buffer_pool::none) {
            pool_.unref(n.pending);
            n.pending = buffer_pool::none;
        }
    }
}

void cluster::schedule_load(slot& n) {
    ++n.load_gen; // supersedes any load event already queued
    if (!n.up || !n.load.enabled || n.load.rate_per_s <= 0.0) {
        return;
    }
    // Uniform inter-arrival in (0, 2/rate]: mean 1/rate with integer draws only.
    const double per_event = n.load.burst > 1 ? (1.0 + n.load.burst) / 2.0 : 1.0;
    const auto span_ns = static_cast<std::uint64_t>(2e9 * per_event / n.load.rate_per_s);
    const mono_ns at = now_ + 1 + rng_.below(span_ns);
    sim_event e;
    e.at = at;
    e.kind = sim_event_kind::load;
    e.node = static_cast<std::uint16_t>(n.index);
    e.a = n.load_gen;
    q_.push(e);
}

void cluster::on_load(const sim_event& e) {
    slot& n = slots_[e.node];
    if (!n.up || e.a != n.load_gen || !n.load.enabled) {
        return;
    }
    const std::uint32_t count = n.load.burst > 1 ? 1 + rng_.below(n.load.burst) : 1;
    for (std::uint32_t k = 0; k < count; ++k) {
        if (n.pending == buffer_pool::none) {
            // A new message; its index is fixed only when the core accepts it, so a refused
            // one keeps its bytes (and the index they name) for the retry.
            const std::uint32_t len = n.load.sizes.sample(rng_);
            n.pending_svc = rng_.chance(n.load.safe_fraction) ? wire::service::safe
                                                              : wire::service::agreed;
            n.pending_len = len;
            n.pending = pool_.alloc(len);
            generate_payload(n.id, n.accepted, len, 0, {pool_.data(n.pending), len});
            pool_.set_len(n.pending, len);
        }
        // The whole burst is one input: the effects are drained once, after it.
        const totem::submit_result r =
            submit_buffer(n, n.pending, n.pending_len, n.pending_svc, count == 1);
        if (r == totem::submit_result::would_block) {
            break;
        }
        pool_.unref(n.pending); // accepted: the core holds its own reference now
        n.pending = buffer_pool::none;
    }
    if (count > 1) {
        drain(n);
    }
    schedule_load(n);
}

totem::submit_result cluster::submit(std::size_t i, wire::service svc, std::uint32_t len) {
    slot& n = slots_[i];
    RC_ASSERT(n.up && len > 0);
    const buffer_pool::index ref = pool_.alloc(len);
    generate_payload(n.id, n.accepted, len, 0, {pool_.data(ref), len});
    pool_.set_len(ref, len);
    const totem::submit_result r = submit_buffer(n, ref, len, svc);
    pool_.unref(ref); // accepted or not, the core holds its own reference if it wants one
    return r;
}

totem::submit_result cluster::submit_buffer(slot& n, buffer_pool::index ref, std::uint32_t len,
                                            wire::service svc, bool drain_now) {
    const std::span<const std::byte> bytes{pool_.data(ref), len};
    const totem::submit_result r = n.core->submit(now_, svc, ref, bytes, fx_);
    if (r == totem::submit_result::ok) {
        // Ownership moves before draining: the core may release it in this very batch.
        pool_.ref(ref);
        pool_.give_to_core(n.index, ref); // the caller keeps (and later drops) its own reference
        n.map.accepted(n.accepted, len, svc);
        obs_->on_submit(now_, n.id, n.accepted, svc, bytes);
        ++n.accepted;
        ++counters_.submitted;
    } else if (r == totem::submit_result::would_block) {
        ++counters_.would_block;
    } else {
        error(n, fmt::format("contract: submit of {} B answered too_large (max {} B)", len,
                             n.cfg.max_message_size));
    }
    if (drain_now) {
        drain(n);
    }
    return r;
}

void cluster::set_faults(std::size_t i, std::uint32_t mask) {
    slot& n = slots_[i];
    n.faults = mask;
    if (n.up) {
        n.core->set_faults(mask);
    }
}

void cluster::leave(std::size_t i) {
    slot& n = slots_[i];
    if (!n.up) {
        return;
    }
    // The leave join is on its way (queued arrivals own their buffers) before the core goes.
    n.core->leave(now_, fx_);
    drain(n);
    obs_->on_leave(now_, n.id);
    crash(i);
}

void cluster::crash(std::size_t i) {
    slot& n = slots_[i];
    if (!n.up) {
        return;
    }
    n.core.reset();
    n.up = false;
    pool_.drop_core(i);
    if (n.pending != buffer_pool::none) {
        pool_.unref(n.pending);
        n.pending = buffer_pool::none;
    }
    n.map.reset();
    ++n.tick_gen;
    n.tick_at = mono_ns_never;
    ++n.load_gen;
    obs_->on_crash(now_, n.id);
}

void cluster::restart(std::size_t i) {
    slot& n = slots_[i];
    if (n.up) {
        return;
    }
    obs_->on_restart(now_, n.id);
    boot(n);
}

} // namespace ringcast::sim
