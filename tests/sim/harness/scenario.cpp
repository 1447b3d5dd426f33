#include "tests/sim/harness/scenario.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "tests/sim/checker/checker.hpp"
#include "tests/sim/harness/recorder.hpp"

namespace ringcast::sim {
namespace {

constexpr mono_ns us = 1000;
constexpr mono_ns ms = 1000 * us;

template <typename T, std::size_t N>
T pick(prng& r, const T (&options)[N]) {
    return options[r.below(N)];
}

std::vector<node_id> draw_ids(prng& r, std::size_t n) {
    std::vector<node_id> ids;
    if (r.chance(0.5)) {
        for (std::size_t i = 0; i < n; ++i) {
            ids.push_back(static_cast<node_id>(i + 1));
        }
        return ids;
    }
    // Sparse, unsorted ids: the core must not assume id == index + 1 or a sorted member list.
    while (ids.size() < n) {
        const auto id = static_cast<node_id>(r.between(1, 5000));
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
            ids.push_back(id);
        }
    }
    return ids;
}

size_mix draw_sizes(prng& r) {
    size_mix m;
    switch (r.below(4)) {
    case 0: break; // the default: mostly small, a few up to 256 KiB
    case 1: m.buckets = {{{1, 15, 30}, {16, 255, 70}, {256, 1499, 0}, {1500, 16383, 0},
                          {16384, 262144, 0}}};
        break;
    case 2: m.buckets = {{{1, 15, 10}, {16, 255, 30}, {256, 1499, 20}, {1500, 16383, 28},
                          {16384, 262144, 12}}};
        break;
    default: m.buckets = {{{1, 15, 5}, {16, 255, 20}, {256, 1499, 60}, {1500, 16383, 15},
                           {16384, 65536, 0}}};
        break;
    }
    return m;
}

double mean_size(const size_mix& m) {
    double total_w = 0;
    double sum = 0;
    for (const auto& b : m.buckets) {
        total_w += b.weight;
        sum += b.weight * (double(b.min) + double(b.max)) / 2.0;
    }
    return total_w > 0 ? sum / total_w : 1.0;
}

void draw_links(prng& r, scenario& s) {
    link_params& l = s.cluster.link;
    l.latency_ns = r.between(5 * us, 100 * us);
    l.jitter_ns = r.chance(0.5) ? r.below(l.latency_ns) : 0;
    l.loss = r.chance(0.2) ? 0.0 : r.unit() * 0.20;
    l.duplicate = r.chance(0.5) ? 0.0 : r.unit() * 0.05;
    l.reorder = r.chance(0.5) ? 0.0 : r.unit() * 0.10;
    l.reorder_delay_ns = r.between(10 * us, 300 * us);
    const std::uint64_t bw[] = {0, 10'000'000'000, 25'000'000'000, 100'000'000'000};
    l.bandwidth_bps = pick(r, bw);
}

// Keeps the offered load well below what the ring can carry, so the drain after the lossy phase
// is short and a liveness failure means a stuck ring, not an overloaded one.
void size_load(prng& r, scenario& s) {
    const totem::config& c = s.cluster.config;
    const link_params& l = s.cluster.link;
    const double n = double(s.cluster.nodes);
    const double payload = double(c.mtu) - 104.0;
    const double frame_bits = (double(c.mtu) + 14.0) * 8.0;
    const double ser_s = l.bandwidth_bps ? frame_bits / double(l.bandwidth_bps) : 0.0;
    const double hop_s = double(l.latency_ns + l.jitter_ns / 2) * 1e-9 + ser_s;
    // Frames a rotation can carry: the window, or what the senders may add per visit if less
    // (one sender with max_messages 4 moves 4 frames a rotation, whatever the window).
    const double per_rotation = std::min(double(c.window_size),
                                         double(c.max_messages) * double(s.senders.size()));
    const double rotation_s = n * hop_s + per_rotation * ser_s;
    const double ring_bytes_per_s = per_rotation * payload / rotation_s;
    const double utilisation = 0.02 + r.unit() * 0.25;
    const double msgs_per_s = std::min(ring_bytes_per_s * utilisation / mean_size(s.load.sizes),
                                       30'000.0);
    s.load.rate_per_s = std::max(50.0, msgs_per_s / double(s.senders.size()));
    // A token visit's burst of max_messages frames serializes before the token moves on; leave
    // the loss timer several rotations of that.
    const double busy_rotation_s = n * (hop_s + double(c.max_messages) * ser_s) +
                                   double(l.reorder_delay_ns) * 1e-9;
    s.cluster.config.token_timeout_ns =
        std::max<mono_ns>(20 * ms, static_cast<mono_ns>(busy_rotation_s * 5e9));
}

void draw_senders(prng& r, scenario& s) {
    const std::size_t n = s.cluster.nodes;
    switch (r.below(4)) {
    case 0:
    case 1:
        for (std::size_t i = 0; i < n; ++i) {
            s.senders.push_back(i);
        }
        break;
    case 2: s.senders.push_back(r.below(n)); break;
    default:
        for (std::size_t i = 0; i < n; ++i) {
            if (r.chance(0.5)) {
                s.senders.push_back(i);
            }
        }
        break;
    }
    if (s.senders.empty()) {
        s.senders.push_back(r.below(n));
    }
}

} // namespace

scenario scenario_from_seed(std::uint64_t seed, const overrides& o) {
    scenario s;
    s.seed = seed;
    prng r(mix64(seed ^ 0x5CE7A210'0D15EA5Eull)); // independent of the cluster's own stream
    const std::size_t sizes[] = {2, 3, 5, 8, 16};
    s.cluster.nodes = o.nodes.value_or(pick(r, sizes));
    s.cluster.seed = seed;
    s.cluster.ids = draw_ids(r, s.cluster.nodes);
    totem::config& c = s.cluster.config;
    c.mtu = r.chance(0.6) ? 1500 : 9000;
    const std::uint32_t windows[] = {32, 64, 128, 256};
    c.window_size = pick(r, windows);
    c.max_messages = static_cast<std::uint32_t>(r.between(4, std::min<std::uint32_t>(64,
                                                                        c.window_size)));
    const std::uint32_t queues[] = {64, 256, 1024};
    c.send_queue_max = pick(r, queues);
    c.window_capacity = 2048;
    draw_links(r, s);
    if (o.loss) {
        s.cluster.link.loss = *o.loss;
    }
    s.form_lossy = o.form_lossy;
    s.cluster.alloc_fail = r.chance(0.2) ? r.unit() * 0.02 : 0.0;
    s.load.enabled = true;
    s.load.sizes = draw_sizes(r);
    const double safe[] = {0.0, 0.3, 0.5, 1.0};
    s.load.safe_fraction = pick(r, safe);
    draw_senders(r, s);
    size_load(r, s);
    s.lossy_ns = r.between(40, 80) * ms;
    s.clean_ns = 30 * ms;
    s.drain_limit_ns = 3000 * ms;
    s.liveness_bound_ns = 1000 * ms;
    // Drawn last, so that every other parameter of a seed stays what it was before bursts.
    s.load.burst = r.chance(0.4) ? static_cast<std::uint32_t>(r.between(2, 64)) : 1;
    if (o.schedule) {
        draw_schedule(seed, s);
    }
    return s;
}

std::string describe(const scenario& s) {
    const link_params& l = s.cluster.link;
    const totem::config& c = s.cluster.config;
    return fmt::format(
        "seed {}: {} nodes ({} senders), mtu {}, window {}/{}, queue {}, latency {} us "
        "+{} us jitter, loss {:.3f}, dup {:.3f}, reorder {:.3f} (<= {} us), bandwidth {} Gb/s, "
        "alloc_fail {:.3f}, rate {:.0f}/s/sender in bursts of <= {}, safe {:.1f}, lossy {} ms, "
        "token_timeout {} ms",
        s.seed, s.cluster.nodes, s.senders.size(), c.mtu, c.window_size, c.max_messages,
        c.send_queue_max, l.latency_ns / us, l.jitter_ns / us, l.loss, l.duplicate, l.reorder,
        l.reorder_delay_ns / us, l.bandwidth_bps / 1'000'000'000, s.cluster.alloc_fail,
        s.load.rate_per_s, s.load.burst, s.load.safe_fraction, s.lossy_ns / ms,
        c.token_timeout_ns / ms) +
           describe_schedule(s);
}

std::string replay_command(const std::string& tool_dir, std::uint64_t seed, const overrides& o) {
    std::string cmd = fmt::format("{}/sim_replay --seed {}", tool_dir, seed);
    if (o.nodes) {
        cmd += fmt::format(" --nodes {}", *o.nodes);
    }
    if (o.loss) {
        cmd += fmt::format(" --loss {}", *o.loss);
    }
    if (o.form_lossy) {
        cmd += " --form-lossy";
    }
    if (o.schedule) {
        cmd += " --schedule";
    }
    return cmd + " --verbose";
}

} // namespace ringcast::sim
