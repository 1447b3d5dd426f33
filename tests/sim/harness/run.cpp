// Runs one scenario: lossy phase, clean phase, drain; then the checker's verdict.

#include <chrono>

#include <fmt/format.h>

#include "tests/sim/checker/checker.hpp"
#include "tests/sim/harness/recorder.hpp"
#include "tests/sim/harness/scenario.hpp"

namespace ringcast::sim {
namespace {

std::vector<node_id> ids_of(const cluster_options& c) {
    std::vector<node_id> ids = c.ids;
    for (std::size_t i = ids.size(); i < c.nodes; ++i) {
        ids.push_back(static_cast<node_id>(i + 1)); // the cluster's default ids
    }
    return ids;
}

std::uint64_t accepted_total(const cluster& c) {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < c.size(); ++i) {
        n += c.accepted(i);
    }
    return n;
}

bool all_delivered(const cluster& c, std::uint64_t total) {
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (c.up(i) && c.delivered(i) < total) {
            return false;
        }
    }
    return true;
}

// The full ring has formed when every node is operational on the same ring holding all nodes.
bool ring_formed(cluster& c) {
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (!c.up(i) || c.core(i).state() != totem::node_state::operational ||
            c.core(i).members().size() != c.size() || c.core(i).ring() != c.core(0).ring()) {
            return false;
        }
    }
    return true;
}

// The live nodes have formed one ring holding exactly them, and nothing is left in a send queue.
bool settled(cluster& c) {
    std::size_t live = 0;
    std::size_t first = c.size();
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (!c.up(i)) {
            continue;
        }
        ++live;
        if (first == c.size()) {
            first = i;
        }
        const totem::node& n = c.core(i);
        if (n.state() != totem::node_state::operational || n.send_queue_depth() != 0 ||
            n.ring() != c.core(first).ring()) {
            return false;
        }
    }
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (c.up(i) && c.core(i).members().size() != live) {
            return false;
        }
    }
    return live > 0;
}

struct probe {
    std::size_t node = 0;
    std::uint64_t index = 0;
};

// Liveness after the faults: each live node submits one message, which every live node must
// deliver (the checker judges it; this only decides when to stop waiting).
std::vector<probe> submit_probes(cluster& c) {
    std::vector<probe> out;
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (!c.up(i)) {
            continue;
        }
        const std::uint64_t index = c.accepted(i);
        const wire::service svc = i % 2 == 0 ? wire::service::safe : wire::service::agreed;
        if (c.submit(i, svc, 64) == totem::submit_result::ok) {
            out.push_back({i, index});
        }
    }
    return out;
}

bool probes_delivered(cluster& c, const check::checker& chk, const std::vector<probe>& probes) {
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (!c.up(i)) {
            continue;
        }
        for (const probe& p : probes) {
            if (!chk.has_delivered(c.id(i), c.id(p.node), p.index)) {
                return false;
            }
        }
    }
    return true;
}

const char* state_name(totem::node_state s) {
    switch (s) {
    case totem::node_state::operational: return "operational";
    case totem::node_state::gather: return "gather";
    case totem::node_state::commit: return "commit";
    case totem::node_state::recovery: return "recovery";
    default: return "other";
    }
}

// One line per node from the core's public queries (for --verbose; the checker never sees it).
std::string nodes_of(cluster& c) {
    std::string s;
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (!c.up(i)) {
            s += fmt::format("\n  node {}: down", c.id(i));
            continue;
        }
        const totem::node& n = c.core(i);
        const totem::node_stats& st = n.stats();
        s += fmt::format(
            "\n  node {}: {} ring {}.{} ({} members), delivered {}, queue {}; mcast received {} "
            "dup {} out_of_window {} sent {} retransmitted {}, rtr requested {}, tokens {} "
            "(stale {}, retransmitted {}, lost {}, held {}), foreign {}, control stale {}, "
            "mcast late {}, reassembly dropped {}",
            n.id(), state_name(n.state()), n.ring().rep, n.ring().seq, n.members().size(),
            c.delivered(i), n.send_queue_depth(), st.mcast_received, st.mcast_duplicate,
            st.mcast_out_of_window, st.mcast_sent, st.mcast_retransmitted, st.rtr_requested,
            st.token_received, st.token_stale, st.token_retransmitted, st.token_lost,
            st.token_held, st.foreign_ring, st.control_stale, st.mcast_late, st.reassembly_dropped);
    }
    return s;
}

std::string stats_of(cluster& c, const recorder& rec) {
    const cluster_counters& k = c.counters();
    const link_stats l = c.net().totals();
    return fmt::format(
        "events {}, submitted {} (would_block {}), deliveries {} ({} B), frames originated {}, "
        "retransmitted {}, control {}, arrivals {}; links: {} frames, {} lost, {} duplicated, "
        "{} reordered; alloc_fail {}; pool: {} buffers created, {} live; token_lost events {}, "
        "failed_to_receive {}{}",
        k.events, k.submitted, k.would_block, k.deliveries, k.delivered_bytes,
        k.frames_originated, k.frames_retransmitted, k.control_frames, k.arrivals, l.frames,
        l.lost, l.duplicated, l.reordered, k.alloc_failed, c.pool().created(), c.pool().live(),
        rec.token_lost(), rec.failed_to_receive(), nodes_of(c));
}

// The verdict: the checker's, plus a failure the harness itself saw (no ring formed).
run_result collect(cluster& sim, const check::checker& chk, const recorder& rec,
                   const std::string& harness_failure,
                   std::chrono::steady_clock::time_point wall0) {
    run_result r;
    for (std::size_t k = 0; k < static_cast<std::size_t>(check::violation_kind::count_); ++k) {
        r.kind_counts.push_back(chk.count(static_cast<check::violation_kind>(k)));
    }
    r.violations = chk.violation_count();
    r.summary = chk.summary();
    if (!harness_failure.empty()) {
        ++r.kind_counts[static_cast<std::size_t>(check::violation_kind::liveness)];
        ++r.violations;
        r.first_line = harness_failure;
        r.summary = harness_failure + "\n" + r.summary;
    } else if (!chk.violations().empty()) {
        const check::violation& v = chk.violations().front();
        r.first_line = fmt::format("[{}] {}", check::to_string(v.kind), v.text);
    } else if (sim.halted()) {
        r.first_line = sim.first_error();
    }
    r.ok = r.violations == 0 && !sim.halted();
    r.digest = sim.digest();
    r.events = sim.counters().events;
    r.submitted = sim.counters().submitted;
    r.deliveries = sim.counters().deliveries;
    r.token_lost = rec.token_lost();
    r.sim_end_ns = sim.now();
    r.stats = stats_of(sim, rec);
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    return r;
}

} // namespace

run_result run_scenario(const scenario& s, const run_options& o) {
    const auto wall0 = std::chrono::steady_clock::now();
    check::checker_options copts;
    copts.nodes = ids_of(s.cluster);
    check::checker chk(copts);
    recorder rec(chk, o.trace);
    cluster sim(s.cluster, &rec);
    if (s.faults != 0) {
        sim.set_faults(s.fault_node, s.faults);
    }
    link_params clean = s.cluster.link;
    clean.loss = 0.0;
    if (!s.form_lossy) {
        sim.net().set_all(clean);
    }
    sim.start();
    // Load starts once the nodes, each starting alone, have formed one ring: messages delivered
    // in a node's singleton configuration are not owed to the others.
    if (!sim.run_until([&] { return ring_formed(sim); }, sim.now() + s.form_limit_ns)) {
        return collect(sim, chk, rec,
                       fmt::format("[liveness] the {} nodes formed no common ring within {} ms",
                                   sim.size(), s.form_limit_ns / totem::ms),
                       wall0);
    }
    sim.net().set_all(s.cluster.link);
    for (const std::size_t i : s.senders) {
        sim.set_load(i, s.load);
    }
    const mono_ns lossy_start = sim.now();
    for (const fault_action& a : s.schedule) {
        sim.run_until(lossy_start + a.at);
        apply_fault(sim, s, a);
    }
    sim.run_until(lossy_start + s.lossy_ns);

    // Clean phase: frames are no longer lost (duplication, reordering and jitter stay); every
    // scheduled fault ends and some crashed nodes come back.
    sim.net().set_all(clean);
    if (!s.schedule.empty()) {
        sim.set_token_loss(0.0);
        for (std::size_t i = 0; i < sim.size(); ++i) {
            sim.set_slow(i, 0);
        }
        for (const std::size_t i : s.senders) {
            sim.set_load(i, s.load); // ends a storm
        }
    }
    for (const std::size_t i : s.restart_at_clean) {
        sim.restart(i);
    }
    const mono_ns clean_since = sim.now();
    sim.run_for(s.clean_ns);

    sim.stop_load();
    if (s.probes) {
        (void)sim.run_until([&] { return settled(sim); }, sim.now() + s.drain_limit_ns);
        const std::vector<probe> probes = submit_probes(sim);
        (void)sim.run_until([&] { return probes_delivered(sim, chk, probes); },
                            sim.now() + s.drain_limit_ns);
    } else {
        const std::uint64_t total = accepted_total(sim);
        (void)sim.run_until([&] { return all_delivered(sim, total); },
                            sim.now() + s.drain_limit_ns);
    }
    sim.run_for(2 * totem::ms); // late duplicates would show up here

    check::finish_options f;
    f.end = sim.now();
    f.expect_complete = true;
    f.clean_since = clean_since;
    f.liveness_bound_ns = s.liveness_bound_ns;
    chk.finish(f);
    return collect(sim, chk, rec, {}, wall0);
}

} // namespace ringcast::sim
