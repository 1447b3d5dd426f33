// Random fault schedules (VOPR-style swarm testing): the kinds of fault, their number, targets,
// times and durations are all drawn from the seed, from a stream of their own so that a seed's
// other parameters stay what they were without a schedule.

#include <algorithm>

#include <fmt/format.h>

#include "tests/sim/harness/scenario.hpp"

namespace ringcast::sim {
namespace {

constexpr mono_ns us = 1000;
constexpr mono_ns ms = 1000 * us;

struct drafting {
    prng& r;
    scenario& s;
    std::vector<bool> up;
    std::vector<fault_action> out;

    [[nodiscard]] std::size_t up_count() const {
        return static_cast<std::size_t>(std::count(up.begin(), up.end(), true));
    }
    // A random node whose up state is `want`, or nodes() when there is none.
    [[nodiscard]] std::size_t pick(bool want) {
        std::vector<std::size_t> c;
        for (std::size_t i = 0; i < up.size(); ++i) {
            if (up[i] == want) {
                c.push_back(i);
            }
        }
        return c.empty() ? up.size() : c[r.below(c.size())];
    }
    void add(mono_ns at, fault_kind k, std::size_t node = 0, double p = 0.0, mono_ns ns = 0) {
        fault_action a;
        a.at = at;
        a.kind = k;
        a.node = node;
        a.p = p;
        a.ns = ns;
        out.push_back(std::move(a));
    }
    // A burst of `kind` from `at` for a drawn duration, ended inside the lossy phase or by the
    // clean phase.
    void end_later(mono_ns at, fault_kind k, std::size_t node, double off, mono_ns lo, mono_ns hi) {
        const mono_ns end = at + r.between(lo, hi);
        if (end < s.lossy_ns) {
            add(end, k, node, off, 0);
        }
    }
    // Message storms go with membership changes: many submissions while the ring re-forms.
    void maybe_storm(mono_ns at) {
        if (r.chance(0.35)) {
            const mono_ns start = at > ms ? at - r.below(ms) : at;
            add(start, fault_kind::storm, 0, double(r.between(5, 20)));
            end_later(start, fault_kind::storm, 0, 1.0, 5 * ms, 30 * ms);
        }
    }
    void one(mono_ns at) {
        const std::size_t n = up.size();
        switch (r.below(16)) {
        case 0: case 1: case 2: { // crash
            if (up_count() <= 1) {
                return;
            }
            const std::size_t i = pick(true);
            up[i] = false;
            maybe_storm(at);
            add(at, fault_kind::crash, i);
            return;
        }
        case 3: case 4: { // restart
            const std::size_t i = pick(false);
            if (i < n) {
                up[i] = true;
                add(at, fault_kind::restart, i);
            }
            return;
        }
        case 5: { // graceful leave
            if (up_count() <= 1) {
                return;
            }
            const std::size_t i = pick(true);
            up[i] = false;
            maybe_storm(at);
            add(at, fault_kind::leave, i);
            return;
        }
        case 6: case 7: case 8: { // partition into 2..4 groups, healed later or by the clean phase
            fault_action a;
            a.at = at;
            a.kind = fault_kind::partition;
            const std::uint64_t groups = r.between(2, std::min<std::size_t>(4, n));
            for (std::size_t i = 0; i < n; ++i) {
                a.groups.push_back(static_cast<std::uint8_t>(r.below(groups)));
            }
            maybe_storm(at);
            out.push_back(std::move(a));
            if (r.chance(0.5)) {
                end_later(at, fault_kind::heal, 0, 0.0, 10 * ms, 120 * ms);
            }
            return;
        }
        case 9: case 10: { // one-way link
            fault_action a;
            a.at = at;
            a.kind = fault_kind::one_way;
            a.node = r.below(n);
            a.peer = (a.node + 1 + r.below(n - 1)) % n;
            out.push_back(std::move(a));
            if (r.chance(0.5)) {
                end_later(at, fault_kind::heal, 0, 0.0, 10 * ms, 120 * ms);
            }
            return;
        }
        case 11: case 12: { // token loss burst
            add(at, fault_kind::token_loss, 0, 0.3 + 0.7 * r.unit());
            end_later(at, fault_kind::token_loss, 0, 0.0, 1 * ms, 40 * ms);
            return;
        }
        case 13: case 14: { // slow node
            const std::size_t i = r.below(n);
            add(at, fault_kind::slow, i, 0.0, r.between(20 * us, 5 * ms));
            end_later(at, fault_kind::slow, i, 0.0, 5 * ms, 100 * ms);
            return;
        }
        default: // heal whatever is cut
            add(at, fault_kind::heal);
            return;
        }
    }
};

const char* kind_name(fault_kind k) {
    switch (k) {
    case fault_kind::crash: return "crash";
    case fault_kind::restart: return "restart";
    case fault_kind::leave: return "leave";
    case fault_kind::partition: return "partition";
    case fault_kind::heal: return "heal";
    case fault_kind::one_way: return "one_way";
    case fault_kind::token_loss: return "token_loss";
    case fault_kind::slow: return "slow";
    case fault_kind::storm: return "storm";
    }
    return "?";
}

} // namespace

void draw_schedule(std::uint64_t seed, scenario& s) {
    prng r(mix64(seed ^ 0xFA017'5CED'0011ull));
    s.lossy_ns = r.between(80, 250) * ms;
    s.clean_ns = 60 * ms;
    s.probes = true;
    drafting d{r, s, std::vector<bool>(s.cluster.nodes, true), {}};
    const std::uint64_t count = r.between(1, 8);
    for (std::uint64_t k = 0; k < count; ++k) {
        d.one(r.between(2 * ms, s.lossy_ns - 2 * ms));
    }
    // The drafting tracked up/down in draw order; replay it in time order to know who is down
    // at the end, and drop restarts of nodes that are up by then (and crashes of nodes down).
    std::stable_sort(d.out.begin(), d.out.end(),
                     [](const fault_action& a, const fault_action& b) { return a.at < b.at; });
    std::vector<bool> up(s.cluster.nodes, true);
    s.schedule.clear();
    for (fault_action& a : d.out) {
        const bool stops = a.kind == fault_kind::crash || a.kind == fault_kind::leave;
        if (stops) {
            if (!up[a.node] || std::count(up.begin(), up.end(), true) <= 1) {
                continue;
            }
            up[a.node] = false;
        } else if (a.kind == fault_kind::restart) {
            if (up[a.node]) {
                continue;
            }
            up[a.node] = true;
        }
        s.schedule.push_back(std::move(a));
    }
    s.restart_at_clean.clear();
    for (std::size_t i = 0; i < up.size(); ++i) {
        if (!up[i] && r.chance(0.7)) {
            s.restart_at_clean.push_back(i);
        }
    }
}

std::string describe_schedule(const scenario& s) {
    std::string out;
    for (const fault_action& a : s.schedule) {
        out += fmt::format("\n  at {:.3f} ms: {}", double(a.at) / 1e6, kind_name(a.kind));
        switch (a.kind) {
        case fault_kind::crash:
        case fault_kind::restart:
        case fault_kind::leave: out += fmt::format(" node {}", s.cluster.ids.at(a.node)); break;
        case fault_kind::partition:
            out += " groups";
            for (std::size_t i = 0; i < a.groups.size(); ++i) {
                out += fmt::format(" {}:{}", s.cluster.ids.at(i), a.groups[i]);
            }
            break;
        case fault_kind::one_way:
            out += fmt::format(" node {} no longer heard by node {}", s.cluster.ids.at(a.node),
                               s.cluster.ids.at(a.peer));
            break;
        case fault_kind::token_loss: out += fmt::format(" p {:.2f}", a.p); break;
        case fault_kind::slow:
            out += fmt::format(" node {} +{} us", s.cluster.ids.at(a.node), a.ns / us);
            break;
        case fault_kind::storm: out += fmt::format(" x{:.0f}", a.p); break;
        case fault_kind::heal: break;
        }
    }
    if (!s.restart_at_clean.empty()) {
        out += "\n  clean phase restarts node(s)";
        for (const std::size_t i : s.restart_at_clean) {
            out += fmt::format(" {}", s.cluster.ids.at(i));
        }
    }
    return out;
}

void apply_fault(cluster& c, const scenario& s, const fault_action& a) {
    switch (a.kind) {
    case fault_kind::crash: c.crash(a.node); break;
    case fault_kind::restart: c.restart(a.node); break;
    case fault_kind::leave: c.leave(a.node); break;
    case fault_kind::partition: c.net().partition(a.groups); break;
    case fault_kind::heal: c.net().heal(); break;
    case fault_kind::one_way: c.net().set_one_way(a.node, a.peer, false); break;
    case fault_kind::token_loss: c.set_token_loss(a.p); break;
    case fault_kind::slow: c.set_slow(a.node, a.ns); break;
    case fault_kind::storm: {
        load_params l = s.load;
        l.rate_per_s *= a.p;
        for (const std::size_t i : s.senders) {
            c.set_load(i, l);
        }
        break;
    }
    }
}

} // namespace ringcast::sim
