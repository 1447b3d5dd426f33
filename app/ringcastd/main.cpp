// ringcastd: the ringcast appliance daemon. Configuration errors exit 2 with one line naming the
// file and key; runtime failures exit 1; a clean shutdown (SIGINT/SIGTERM) exits 0.

#include <cstdio>

#include "app/ringcastd/config.hpp"
#include "app/ringcastd/daemon.hpp"
#include "app/ringcastd/options.hpp"

int main(int argc, char** argv) {
    using namespace ringcast::app;
    daemon_config cfg;
    try {
        cfg = parse_command_line(argc, argv);
    } catch (const help_requested& h) {
        std::fputs(h.text().c_str(), stdout);
        return 0;
    } catch (const config_error& e) {
        std::fprintf(stderr, "ringcastd: %s\n", e.what());
        return 2;
    }
    return run_daemon(cfg, argv[0]);
}
