// ringcast: the operator's command-line tool. Wiring only: options in, library calls, one line
// out on error (the rte_exit shape).

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <exception>

#include "app/ringcast/keygen.hpp"

namespace {

int fail(const std::string& reason) {
    fmt::print(stderr, "ringcast: {}\n", reason);
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"ringcast: operate a ringcast cluster"};
    app.require_subcommand(1);

    ringcast::app::keygen_options keygen;
    CLI::App* keygen_cmd =
        app.add_subcommand("keygen", "Create a cluster master key file (mode 0600)");
    keygen_cmd->add_option("PATH", keygen.path, "Key file to create")->required();
    keygen_cmd->add_flag("-f,--force", keygen.force, "Replace PATH if it already exists");

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
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    return fail("no command given (try --help)");
}
