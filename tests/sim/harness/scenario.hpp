#pragma once
// Swarm scenarios: every parameter of a simulated run is drawn from its seed (cluster size,
// loss, duplication, reordering, jitter, bandwidth, MTU, message sizes, services, senders, flow
// control), so a sweep over seeds explores the space, and one seed replays one run exactly.
//
// A run has three phases: lossy (faults on, load on), clean (faults off, load on) and drain
// (load off, until every node delivered every accepted message or the limit). The checker judges
// safety over the whole run, completeness at the end and liveness from the start of the clean
// phase.
//
// With a fault schedule (overrides::schedule, `--schedule`), the lossy phase also runs a list of
// timed faults drawn from the seed: crashes, restarts, graceful leaves, partitions into any
// groups and heals, one-way links, token loss bursts, slow nodes and message storms timed with
// membership changes. The clean phase heals everything and restarts some crashed nodes; the
// drain waits for the live nodes to form one ring, then each submits a probe that every live node
// must deliver (liveness: new submissions after the faults).

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "drivers/sim/cluster.hpp"

namespace ringcast::sim {

enum class fault_kind : std::uint8_t {
    crash,      ///< node stops; its state is lost except the persisted ring seq
    restart,    ///< a crashed node comes back with a fresh core
    leave,      ///< node::leave, then the node stops
    partition,  ///< links up exactly within each group (`groups`)
    heal,       ///< every link up
    one_way,    ///< `node` -> `peer` cut: peer no longer hears node, node still hears peer
    token_loss, ///< tokens lost with probability `p` from now on (0 ends the burst)
    slow,       ///< frames reach `node` `ns` late from now on (0 ends it)
    storm,      ///< senders submit at `p` times their rate (1 ends it)
};

struct fault_action {
    mono_ns at = 0; ///< from the start of the lossy phase
    fault_kind kind = fault_kind::heal;
    std::size_t node = 0;
    std::size_t peer = 0;
    std::vector<std::uint8_t> groups; ///< partition: group of each node
    double p = 0.0;
    mono_ns ns = 0;
};

struct scenario {
    std::uint64_t seed = 0;
    cluster_options cluster;
    load_params load;
    /** Nodes that submit (indices); the others only receive. */
    std::vector<std::size_t> senders;
    /** Time the nodes get to form their first common ring. */
    mono_ns form_limit_ns = 2'000'000'000;
    /** Form the first ring under the lossy links too (membership under loss); by default the
     *  ring forms on clean links and the loss starts with the load. */
    bool form_lossy = false;
    mono_ns lossy_ns = 0;
    mono_ns clean_ns = 0;
    mono_ns drain_limit_ns = 0;
    mono_ns liveness_bound_ns = 0;
    /** totem::fault mask armed on node `fault_node` (checker self-tests). */
    std::uint32_t faults = 0;
    std::size_t fault_node = 0;
    /** Timed faults of the lossy phase, sorted by time (empty: links' loss only). */
    std::vector<fault_action> schedule;
    /** Nodes down at the end of the lossy phase that restart when it ends. */
    std::vector<std::size_t> restart_at_clean;
    /** With a schedule: the drain ends with one probe per live node that all must deliver. */
    bool probes = false;
};

/** Command-line overrides of a seed's drawn parameters. */
struct overrides {
    std::optional<std::size_t> nodes;
    std::optional<double> loss;
    bool form_lossy = false;
    /** Draw a fault schedule too (`--schedule`). */
    bool schedule = false;
};

/** Draws a scenario from the seed, then applies the overrides. */
[[nodiscard]] scenario scenario_from_seed(std::uint64_t seed, const overrides& o = {});

/** One line describing the drawn parameters (and one per scheduled fault). */
[[nodiscard]] std::string describe(const scenario& s);

/** Draws the fault schedule of a scenario (schedule.cpp); the scenario's other parameters are
 *  drawn first and left alone. */
void draw_schedule(std::uint64_t seed, scenario& s);
/** One line per scheduled fault. */
[[nodiscard]] std::string describe_schedule(const scenario& s);
/** Applies one scheduled fault to the cluster. */
void apply_fault(cluster& c, const scenario& s, const fault_action& a);

struct run_result {
    bool ok = false;
    std::string summary;     ///< checker summary ("ok" or the violations)
    std::string first_line;  ///< the first violation, for one-line reports
    std::uint64_t digest = 0;
    std::uint64_t events = 0;
    std::uint64_t submitted = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t token_lost = 0;
    std::size_t violations = 0;
    std::vector<std::size_t> kind_counts; ///< per check::violation_kind
    mono_ns sim_end_ns = 0;
    double wall_s = 0.0;
    std::string stats; ///< counters, for --verbose
};

struct run_options {
    std::FILE* trace = nullptr; ///< every observer event, when set
};

[[nodiscard]] run_result run_scenario(const scenario& s, const run_options& o = {});

/** The command that replays a seed, given the directory holding sim_replay. */
[[nodiscard]] std::string replay_command(const std::string& tool_dir, std::uint64_t seed,
                                         const overrides& o = {});

} // namespace ringcast::sim
