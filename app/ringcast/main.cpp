// ringcast: the operator's command-line tool. Wiring only: options in, library calls, one line
// out on error (the rte_exit shape).

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <exception>
#include <string>

#include "app/ringcast/clients_cmd.hpp"
#include "app/ringcast/keygen.hpp"
#include "app/ringcast/status.hpp"
#include "app/ringcast/telemetry_client.hpp"

namespace {

int fail(const std::string& reason) {
    fmt::print(stderr, "ringcast: {}\n", reason);
    return 1;
}

// --file-prefix / --telemetry / --json, shared by the commands that ask the daemon.
void add_target_options(CLI::App* cmd, ringcast::app::daemon_target& target, bool* json) {
    cmd->add_option("-f,--file-prefix", target.file_prefix,
                    "EAL --file-prefix of the daemon (default: $RINGCAST_FILE_PREFIX, else rte)");
    cmd->add_option("--telemetry", target.telemetry_path,
                    "Telemetry socket path (default: /var/run/dpdk/<prefix>/dpdk_telemetry.v2)");
    if (json != nullptr) {
        cmd->add_flag("--json", *json, "Print the daemon's reply as one JSON object on one line");
    }
}

// --socket / --file-prefix, shared by the commands that talk to the daemon as a local client.
void add_client_options(CLI::App* cmd, ringcast::app::client_target& t) {
    cmd->add_option("-s,--socket", t.socket,
                    "Client socket (default: $RINGCAST_SOCKET, else /run/ringcast/<prefix>.sock)");
    cmd->add_option("-f,--file-prefix", t.file_prefix,
                    "Daemon file prefix naming the socket (default: $RINGCAST_FILE_PREFIX)");
}

int ask(const ringcast::app::daemon_target& target, const std::string& command, bool json) {
    ringcast::app::telemetry_client client(ringcast::app::resolve_socket_path(target));
    const std::string out = ringcast::app::run_query(client, command, json);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : fail("writing to stdout failed");
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"ringcast: operate a ringcast cluster"};
    app.name("ringcast");
    app.require_subcommand(1);

    ringcast::app::keygen_options keygen;
    CLI::App* keygen_cmd =
        app.add_subcommand("keygen", "Create a cluster master key file (mode 0600)");
    keygen_cmd->add_option("PATH", keygen.path, "Key file to create")->required();
    keygen_cmd->add_flag("-f,--force", keygen.force, "Replace PATH if it already exists");

    ringcast::app::daemon_target target;
    bool json = false;
    CLI::App* status_cmd = app.add_subcommand(
        "status", "Show the node's state, ring, deliveries and drop counters (asks ringcastd)");
    add_target_options(status_cmd, target, &json);
    CLI::App* members_cmd =
        app.add_subcommand("members", "List the configured nodes and the current ring members");
    add_target_options(members_cmd, target, &json);

    CLI::App* generate_cmd =
        app.add_subcommand("generate", "Start or stop the daemon's built-in load generator");
    generate_cmd->require_subcommand(1);
    ringcast::app::generate_options gen;
    CLI::App* start_cmd = generate_cmd->add_subcommand("start", "Start generating messages");
    start_cmd->add_option("--size", gen.size, "Bytes per message")->capture_default_str();
    start_cmd->add_option("--rate", gen.rate, "Messages per second, or max")->capture_default_str();
    start_cmd->add_option("--count", gen.count, "Messages to send (0: until stopped)")
        ->capture_default_str();
    add_target_options(start_cmd, target, &json);
    CLI::App* stop_cmd = generate_cmd->add_subcommand("stop", "Stop the load generator");
    add_target_options(stop_cmd, target, &json);

    ringcast::app::send_options send;
    CLI::App* send_cmd =
        app.add_subcommand("send", "Multicast messages to a process group (shared-memory path)");
    send_cmd->add_option("GROUP", send.group, "Group name (1..64 bytes)")->required();
    send_cmd->add_option("--size", send.size, "Bytes per message")
        ->capture_default_str()
        ->check(CLI::Range(1u, 64u << 20));
    send_cmd->add_option("--count", send.count, "Messages to send")->capture_default_str();
    send_cmd->add_option("--rate", send.rate, "Messages per second (0: as fast as possible)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    send_cmd->add_flag("--safe", send.safe, "Safe delivery (default: agreed)");
    CLI::Option* mixed = send_cmd->add_flag("--mixed", send.mixed, "Vary sizes over 1..--size");
    send_cmd
        ->add_flag("--skewed", send.skewed,
                   "Vary sizes over 1..--size, mostly small: 63 in 64 log-uniform up to 2 KiB, "
                   "the rest up to --size")
        ->excludes(mixed);
    add_client_options(send_cmd, send.target);

    ringcast::app::recv_options recv;
    CLI::App* recv_cmd = app.add_subcommand(
        "recv", "Join a process group and count (and digest) the messages it delivers");
    recv_cmd->add_option("GROUP", recv.group, "Group name (1..64 bytes)")->required();
    recv_cmd->add_option("--count", recv.count, "Stop after this many (0: until interrupted)")
        ->capture_default_str();
    recv_cmd->add_flag("--digest", recv.digest, "Print the XXH3 digest of the received stream");
    recv_cmd->add_option("--timeout", recv.timeout_s,
                         "Stop after this many seconds without a message (0: never)")
        ->capture_default_str();
    recv_cmd->add_flag("--views", recv.views,
                       "Print every view change of the group (reason, members, joined, left)");
    add_client_options(recv_cmd, recv.target);

    ringcast::app::bench_options bench;
    CLI::App* bench_cmd = app.add_subcommand(
        "bench", "Throughput and latency percentiles through the shared-memory path");
    bench_cmd->add_option("GROUP", bench.group, "Group name (1..64 bytes)")->required();
    bench_cmd->add_option("--size", bench.size, "Bytes per message (>= 8)")->capture_default_str();
    bench_cmd->add_option("--count", bench.count, "Messages")->capture_default_str();
    bench_cmd->add_flag("--safe", bench.safe, "Safe delivery (default: agreed)");
    add_client_options(bench_cmd, bench.target);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        fail(e.what());
        return e.get_exit_code() != 0 ? e.get_exit_code() : 2;
    }

    try {
        if (keygen_cmd->parsed()) {
            if (const std::string err = ringcast::app::run_keygen(keygen); !err.empty()) {
                return fail(err);
            }
            fmt::print("ringcast: wrote new key to {}\n", keygen.path);
            return 0;
        }
        if (status_cmd->parsed()) {
            return ask(target, "/ringcast/status", json);
        }
        if (members_cmd->parsed()) {
            return ask(target, "/ringcast/members", json);
        }
        if (start_cmd->parsed()) {
            return ask(target, ringcast::app::generate_start_command(gen), json);
        }
        if (send_cmd->parsed()) {
            return ringcast::app::run_send(send);
        }
        if (recv_cmd->parsed()) {
            return ringcast::app::run_recv(recv);
        }
        if (bench_cmd->parsed()) {
            return ringcast::app::run_bench(bench);
        }
        if (stop_cmd->parsed()) {
            return ask(target, "/ringcast/generate,stop", json);
        }
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    return fail("no command given (try --help)");
}
