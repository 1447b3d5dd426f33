// sim_replay: replays one simulation seed, bit for bit, and prints the checker's verdict.
//
//   sim_replay --seed 1234 [--nodes 5] [--loss 0.1] [--verbose] [--trace] [--form-lossy]
//              [--schedule]

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tests/sim/checker/checker.hpp"
#include "tests/sim/harness/scenario.hpp"

int main(int argc, char** argv) {
    using namespace ringcast;
    CLI::App app{"Replays one Totem simulation seed and checks it"};
    std::uint64_t seed = 0;
    std::size_t nodes = 0;
    double loss = -1.0;
    bool verbose = false;
    bool trace = false;
    std::uint32_t faults = 0;
    std::size_t fault_node = 0;
    app.add_option("--seed", seed, "Seed to replay")->required();
    app.add_option("--nodes", nodes, "Override the drawn cluster size (2..64)")
        ->check(CLI::Range(2, 64));
    app.add_option("--loss", loss, "Override the drawn loss probability of the lossy phase")
        ->check(CLI::Range(0.0, 1.0));
    app.add_flag("--verbose,-v", verbose, "Print the parameters, counters and every violation");
    app.add_flag("--trace", trace, "Print every simulator event (large)");
    bool form_lossy = false;
    app.add_flag("--form-lossy", form_lossy, "Form the first ring under the lossy links too");
    bool schedule = false;
    app.add_flag("--schedule", schedule, "Draw the seed's random fault schedule too");
    app.add_option("--faults", faults, "totem::fault mask to arm (needs -Dsim_faults=true)");
    app.add_option("--fault-node", fault_node, "Index of the node the faults are armed on");
    CLI11_PARSE(app, argc, argv);

    sim::overrides o;
    if (nodes != 0) {
        o.nodes = nodes;
    }
    if (loss >= 0.0) {
        o.loss = loss;
    }
    o.form_lossy = form_lossy;
    o.schedule = schedule;
    sim::scenario s = sim::scenario_from_seed(seed, o);
    s.faults = faults;
    s.fault_node = fault_node;
    if (s.fault_node >= s.cluster.nodes) {
        fmt::print(stderr, "sim_replay: --fault-node {} but only {} nodes\n", fault_node,
                   s.cluster.nodes);
        return 2;
    }
    if (verbose) {
        fmt::print("{}\n", sim::describe(s));
    }
    sim::run_options ro;
    ro.trace = trace ? stdout : nullptr;
    const sim::run_result r = sim::run_scenario(s, ro);
    if (verbose) {
        fmt::print("{}\nsimulated {:.3f} ms in {:.3f} s, digest {:016x}\n", r.stats,
                   double(r.sim_end_ns) / 1e6, r.wall_s, r.digest);
        fmt::print("checker: {}\n", r.summary);
    } else {
        fmt::print("seed {}: {}\n", seed, r.ok ? "ok" : r.first_line);
    }
    return r.ok ? 0 : 1;
}
