#pragma once
// ringcastd's command line (CLI11): a config file plus a few overrides for scripts and tests.

#include <stdexcept>
#include <string>

#include "app/ringcastd/config.hpp"

namespace ringcast::app {

/**
 * Thrown by parse_command_line for --help: text() is the usage to print on stdout, after which
 * the caller exits 0. Not a config_error, so `catch (const config_error&)` (exit 2) never sees it.
 */
class help_requested : public std::exception {
public:
    explicit help_requested(std::string text) : text_(std::move(text)) {}
    [[nodiscard]] const std::string& text() const noexcept { return text_; }
    [[nodiscard]] const char* what() const noexcept override { return "help requested"; }

private:
    std::string text_;
};

/**
 * Parses `ringcastd --config FILE [overrides]`: loads FILE, applies the overrides (--node-id,
 * --port, --lcores, --file-prefix, --no-huge, --memory-mb, --key-file, --log-level, --poll,
 * --mtu, --token-ms, --state-dir) over the file's values, then validates once (validate_config),
 * so an override is checked as strictly as the file and errors about it name the option.
 *
 * Caller contract (main):
 *     try { cfg = parse_command_line(argc, argv); }
 *     catch (const help_requested& h) { fputs(h.text()); return 0; }
 *     catch (const config_error& e) { "ringcastd: <e.what()>" on stderr; return 2; }
 *
 * @return the validated configuration
 * @throws help_requested --help / -h was given (nothing else is checked then)
 * @throws config_error an unknown option, a malformed or missing value, no --config, or anything
 *         load_config_file refuses
 */
[[nodiscard]] daemon_config parse_command_line(int argc, char** argv);

} // namespace ringcast::app
