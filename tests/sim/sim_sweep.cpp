// sim_sweep: runs swarm seeds through the simulated cluster and the checker. A failing seed
// prints one line with the command that replays it; the exit status is non-zero on any failure.
//
//   sim_sweep --seeds 1000 [--first 0] [--base 0] [--stride 1] [--seconds 0] [--schedule]
//             [--verbose]
//
// --schedule gives every seed a random fault schedule (crashes, restarts, partitions, one-way
// links, token loss, slow nodes, storms), then a clean liveness phase.
//
// Seed k (k = 0 .. seeds-1) is base + first + k * stride: --first splits a range into shards,
// --stride interleaves processes.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <csignal>
#include <cstring>

#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tests/sim/harness/scenario.hpp"

namespace {

// A core assertion (RC_ASSERT aborts) or a sanitizer report ends the process in the middle of a
// seed; the replay line of that seed is written from here so the failure is still one line.
char dying_line[512];

void print_dying_line() {
    const std::size_t n = std::strlen(dying_line);
    if (n > 0) {
        [[maybe_unused]] const ssize_t w = ::write(STDOUT_FILENO, dying_line, n);
    }
}

extern "C" void on_abort(int sig) {
    print_dying_line();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void arm_dying_line(const std::string& line) {
    const std::size_t n = std::min(line.size(), sizeof dying_line - 1);
    std::memcpy(dying_line, line.data(), n);
    dying_line[n] = '\0';
}

struct listed_seed {
    std::uint64_t seed = 0;
    ringcast::sim::overrides o;
};

// Lines "<seed> [--nodes N] [--loss P] [--form-lossy] [--schedule]  # comment"; returns false on
// a bad line.
bool read_seed_file(const std::string& path, std::vector<listed_seed>& out) {
    std::ifstream in(path);
    if (!in) {
        fmt::print(stderr, "sim_sweep: cannot read {}\n", path);
        return false;
    }
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        line = line.substr(0, line.find('#'));
        std::istringstream words(line);
        std::string w;
        if (!(words >> w)) {
            continue;
        }
        listed_seed s;
        try {
            s.seed = std::stoull(w);
            while (words >> w) {
                if (w == "--nodes" && words >> w) {
                    s.o.nodes = std::stoul(w);
                } else if (w == "--loss" && words >> w) {
                    s.o.loss = std::stod(w);
                } else if (w == "--form-lossy") {
                    s.o.form_lossy = true;
                } else if (w == "--schedule") {
                    s.o.schedule = true;
                } else {
                    throw std::invalid_argument(w);
                }
            }
        } catch (const std::exception&) {
            fmt::print(stderr, "sim_sweep: {}:{}: cannot parse '{}'\n", path, n, line);
            return false;
        }
        out.push_back(s);
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    using namespace ringcast;
    CLI::App app{"Runs simulation seeds through the Totem checker"};
    std::uint64_t seeds = 100;
    std::uint64_t first = 0;
    std::uint64_t base = 0;
    std::uint64_t stride = 1;
    double seconds = 0.0;
    bool verbose = false;
    std::string seeds_file;
    bool schedule = false;
    app.add_option("--seeds", seeds, "How many seeds to run (with --seconds: at most)");
    app.add_option("--first", first, "Index of the first seed");
    app.add_option("--base", base, "Seed k is base + first + k * stride");
    app.add_option("--stride", stride, "Distance between seeds (to split a range over processes)")
        ->check(CLI::PositiveNumber);
    app.add_option("--seconds", seconds, "Stop after this much wall time (0: no limit)");
    app.add_flag("--verbose,-v", verbose, "One line per seed (time, events, verdict)");
    app.add_flag("--schedule", schedule, "Give every seed a random fault schedule");
    bool mixed = false;
    app.add_flag("--mixed", mixed, "Give every odd seed a random fault schedule (soaks)");
    app.add_option("--seeds-file", seeds_file,
                   "Run the seeds listed in this file (tests/sim/seeds/regressions.txt format) "
                   "instead of a range");
    CLI11_PARSE(app, argc, argv);

    const std::string tool_dir =
        std::filesystem::absolute(std::filesystem::path(argv[0])).lexically_normal().parent_path().string();
    const auto t0 = std::chrono::steady_clock::now();
    const auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    std::uint64_t ran = 0;
    std::uint64_t failed = 0;
    double slowest = 0.0;
    std::uint64_t slowest_seed = 0;
    std::signal(SIGABRT, on_abort);
    std::signal(SIGSEGV, on_abort);
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_set_death_callback(print_dying_line);
#endif
    std::vector<listed_seed> listed;
    if (!seeds_file.empty()) {
        if (!read_seed_file(seeds_file, listed)) {
            return 2;
        }
        seeds = listed.size();
    }
    for (std::uint64_t k = 0; k < seeds; ++k) {
        if (seconds > 0.0 && elapsed() >= seconds) {
            break;
        }
        const std::uint64_t seed = listed.empty() ? base + first + k * stride : listed[k].seed;
        sim::overrides o = listed.empty() ? sim::overrides{} : listed[k].o;
        o.schedule = o.schedule || schedule || (mixed && (seed & 1) != 0);
        arm_dying_line(fmt::format("FAIL seed {}: the process died in this seed | replay: {}\n",
                                   seed, sim::replay_command(tool_dir, seed, o)));
        const sim::run_result r = sim::run_scenario(sim::scenario_from_seed(seed, o));
        dying_line[0] = '\0';
        ++ran;
        if (verbose) {
            fmt::print("seed {}: {} in {:.3f} s, {} events, {} deliveries\n", seed,
                       r.ok ? "ok" : "FAIL", r.wall_s, r.events, r.deliveries);
            std::fflush(stdout);
        }
        if (r.wall_s > slowest) {
            slowest = r.wall_s;
            slowest_seed = seed;
        }
        if (!r.ok) {
            ++failed;
            fmt::print("FAIL seed {}: {} | replay: {}\n", seed, r.first_line,
                       sim::replay_command(tool_dir, seed, o));
            std::fflush(stdout);
        }
    }
    const std::string from =
        listed.empty() ? fmt::format("from {}", base + first) : fmt::format("from {}", seeds_file);
    fmt::print("sim_sweep: {} seeds {}, {} failed, {:.1f} s (slowest: seed {}, {:.3f} s)\n", ran,
               from, failed, elapsed(), slowest_seed, slowest);
    return failed == 0 ? 0 : 1;
}
