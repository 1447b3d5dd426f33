#include "drivers/sim/network.hpp"

#include <algorithm>

namespace ringcast::sim {

network::network(std::size_t nodes, const link_params& defaults)
    : nodes_(nodes), links_(nodes * nodes) {
    set_all(defaults);
}

void network::set_all(const link_params& p) noexcept {
    for (link& l : links_) {
        l.p = p;
    }
}

void network::set_up(std::size_t a, std::size_t b, bool up) noexcept {
    params(a, b).up = up;
    params(b, a).up = up;
}

void network::isolate(std::size_t a, bool isolated) noexcept {
    for (std::size_t b = 0; b < nodes_; ++b) {
        if (b != a) {
            set_up(a, b, !isolated);
        }
    }
}

void network::partition(std::span<const std::uint8_t> group_of) noexcept {
    for (std::size_t a = 0; a < nodes_ && a < group_of.size(); ++a) {
        for (std::size_t b = 0; b < nodes_ && b < group_of.size(); ++b) {
            if (a != b) {
                params(a, b).up = group_of[a] == group_of[b];
            }
        }
    }
}

void network::heal() noexcept {
    for (link& l : links_) {
        l.p.up = true;
    }
}

mono_ns network::one_arrival(link& l, mono_ns wire_done, prng& rng) noexcept {
    mono_ns at = wire_done + l.p.latency_ns;
    if (l.p.jitter_ns > 0) {
        at += rng.below(l.p.jitter_ns + 1);
    }
    if (rng.chance(l.p.reorder)) {
        // An overtaking frame does not move the FIFO floor: later frames may pass it.
        ++l.stats.reordered;
        return at + rng.below(l.p.reorder_delay_ns + 1);
    }
    at = std::max(at, l.last_arrival);
    l.last_arrival = at;
    return at;
}

std::size_t network::transmit(std::size_t src, std::size_t dst, std::uint32_t bytes, mono_ns now,
                              prng& rng, mono_ns arrivals[max_arrivals]) noexcept {
    link& l = links_[src * nodes_ + dst];
    ++l.stats.frames;
    l.stats.bytes += bytes;
    if (!l.p.up) {
        ++l.stats.down;
        return 0;
    }
    // Serialization: the wire is busy for bytes*8/bandwidth; a lost frame still used it.
    mono_ns wire_done = now;
    if (l.p.bandwidth_bps > 0) {
        const mono_ns start = std::max(now, l.busy_until);
        const auto ns = static_cast<mono_ns>(
            (static_cast<unsigned __int128>(bytes) * 8 * 1'000'000'000) / l.p.bandwidth_bps);
        wire_done = start + ns;
        l.busy_until = wire_done;
    }
    if (rng.chance(l.p.loss)) {
        ++l.stats.lost;
        return 0;
    }
    std::size_t n = 0;
    arrivals[n++] = one_arrival(l, wire_done, rng);
    if (rng.chance(l.p.duplicate)) {
        ++l.stats.duplicated;
        arrivals[n++] = one_arrival(l, wire_done, rng);
    }
    // Drawn only when enabled, so the runs of every existing seed stay as they were.
    if (l.p.replay > 0.0 && rng.chance(l.p.replay)) {
        ++l.stats.replayed;
        arrivals[n++] = wire_done + l.p.replay_after_ns;
    }
    return n;
}

link_stats network::totals() const noexcept {
    link_stats t;
    for (const link& l : links_) {
        t.frames += l.stats.frames;
        t.bytes += l.stats.bytes;
        t.lost += l.stats.lost;
        t.down += l.stats.down;
        t.duplicated += l.stats.duplicated;
        t.reordered += l.stats.reordered;
        t.replayed += l.stats.replayed;
    }
    return t;
}

} // namespace ringcast::sim
