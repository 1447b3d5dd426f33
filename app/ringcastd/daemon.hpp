#pragma once

#include "app/ringcastd/daemon_config.hpp"

namespace ringcast::app {

/**
 * Runs ringcastd with a validated configuration until SIGINT/SIGTERM: EAL init, port, keys, the
 * protocol lcore. Returns the process exit code (0 after a clean shutdown; 1 when the EAL, the port
 * or the state directory fail; 2 for a key file that cannot be used).
 */
int run_daemon(const daemon_config& cfg, const char* argv0);

} // namespace ringcast::app
