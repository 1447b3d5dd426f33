// ringcastd command line: CLI11 parses, the config file supplies everything else, overrides win,
// and validation runs once over the merged result.

#include "app/ringcastd/options.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cmath>
#include <functional>
#include <vector>

namespace ringcast::app {

namespace {

// One override: the option as CLI11 saw it, the config key it replaces, and how to apply it.
struct override_rule {
    CLI::Option* option;
    std::string key;
    std::function<void(daemon_config&)> apply;
};

} // namespace

daemon_config parse_command_line(int argc, char** argv) {
    CLI::App app{"ringcastd: Totem group messaging over DPDK"};
    app.name("ringcastd");

    std::string config_path;
    app.add_option("-c,--config", config_path, "TOML configuration file")->required();

    std::uint32_t node_id = 0;
    std::string port;
    std::string lcores;
    std::string file_prefix;
    bool no_huge = false;
    std::uint32_t memory_mb = 0;
    std::string key_file;
    std::string log_level;
    std::string poll;
    std::uint32_t mtu = 0;
    double token_ms = 0;
    std::string state_dir;

    std::vector<override_rule> rules;
    const auto rule = [&](CLI::Option* o, std::string key,
                          std::function<void(daemon_config&)> apply) {
        rules.push_back({o, std::move(key), std::move(apply)});
    };
    rule(app.add_option("--node-id", node_id, "This node's id ([node].id)"), "[node].id",
         [&](daemon_config& c) { c.self = node_id; });
    rule(app.add_option("--port", port, "DPDK port: PCI address or vdev ([dpdk].port)"),
         "[dpdk].port", [&](daemon_config& c) { c.port = port; });
    rule(app.add_option("--lcores", lcores, "EAL core list, e.g. 2,3 ([dpdk].lcores)"),
         "[dpdk].lcores", [&](daemon_config& c) { c.lcores = lcores; });
    rule(app.add_option("--file-prefix", file_prefix, "EAL --file-prefix ([dpdk].file_prefix)"),
         "[dpdk].file_prefix", [&](daemon_config& c) { c.file_prefix = file_prefix; });
    rule(app.add_flag("--no-huge", no_huge, "Run without hugepages ([dpdk].no_huge = true)"),
         "[dpdk].no_huge", [&](daemon_config& c) { c.no_huge = no_huge; });
    rule(app.add_option("--memory-mb", memory_mb, "EAL memory in MiB ([dpdk].memory_mb)"),
         "[dpdk].memory_mb", [&](daemon_config& c) { c.memory_mb = memory_mb; });
    rule(app.add_option("--key-file", key_file, "Cluster key file ([cluster].key_file)"),
         "[cluster].key_file", [&](daemon_config& c) { c.key_file = key_file; });
    rule(app.add_option("--log-level", log_level,
                        "error|warning|notice|info|debug ([dpdk].log_level)"),
         "[dpdk].log_level", [&](daemon_config& c) { c.log_level = log_level; });
    rule(app.add_option("--poll", poll, "busy|adaptive ([dpdk].poll)")
             ->check(CLI::IsMember({"busy", "adaptive"})),
         "[dpdk].poll", [&](daemon_config& c) {
             c.poll = poll == "busy" ? poll_mode::busy : poll_mode::adaptive;
         });
    rule(app.add_option("--mtu", mtu, "Frame MTU, 1280..9202 ([cluster].mtu)"), "[cluster].mtu",
         [&](daemon_config& c) { c.mtu = mtu; });
    rule(app.add_option("--token-ms", token_ms, "Token loss timeout in ms ([totem].token_ms)")
             ->check(CLI::Range(0.001, 600000.0)),
         "[totem].token_ms", [&](daemon_config& c) {
             c.totem.token_timeout_ns = static_cast<mono_ns>(std::llround(token_ms * 1e6));
         });
    rule(app.add_option("--state-dir", state_dir,
                        "Persistent state directory ([cluster].state_dir)"),
         "[cluster].state_dir", [&](daemon_config& c) { c.state_dir = state_dir; });

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        throw help_requested(app.help());
    } catch (const CLI::CallForAllHelp&) {
        throw help_requested(app.help("", CLI::AppFormatMode::All));
    } catch (const CLI::ParseError& e) {
        throw config_error(fmt::format("{} (try --help)", e.what()));
    }

    config_origins origins;
    daemon_config cfg = parse_config_file(config_path, origins);
    for (const override_rule& r : rules) {
        if (r.option->count() > 0) {
            r.apply(cfg);
            origins.set_option(r.key, r.option->get_name());
        }
    }
    validate_config(cfg, origins);
    return cfg;
}

} // namespace ringcast::app
