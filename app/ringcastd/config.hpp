#pragma once
// ringcastd's TOML configuration file: parsing and validation (slow path, runs once at start).
//
// Every error is a config_error whose message names the file, the line when the value came from
// the file, the key, and what is wrong, so `main` can print it as one line:
//     ringcast.toml:14: [nodes][2].mac: duplicate MAC 02:00:00:00:00:01 (also node 1)
// Array-of-table entries are counted from 1, as an operator reads the file.

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "app/ringcastd/daemon_config.hpp"

namespace ringcast::app {

/** A configuration file or command line ringcastd cannot run with. what() is one line. */
class config_error : public std::runtime_error {
public:
    /** Control characters in `what` (which quotes the file: keys, values, the TOML parser's
     *  excerpt) are escaped, so what() stays one line and cannot drive the operator's terminal. */
    explicit config_error(const std::string& what);
};

/**
 * Where each setting came from, so validation can point at it: a line of the file, a
 * command-line option, or nowhere (the default). Keys are spelled as in messages: "[cluster].mtu",
 * "[nodes][2].mac".
 */
class config_origins {
public:
    void set_line(const std::string& key, std::uint32_t line) { lines_[key] = line; }
    void set_option(const std::string& key, const std::string& option) { options_[key] = option; }

    /**
     * "<file>:<line>: <key>", "<file>: <key> (<option>)" or "<file>: <key>", the prefix of every
     * message about key.
     */
    [[nodiscard]] std::string describe(const std::string& file, const std::string& key) const;

private:
    std::map<std::string, std::uint32_t> lines_;
    std::map<std::string, std::string> options_; // wins over lines_: the option overrode the file
};

/**
 * Reads and type-checks a config file without the cross-field checks of validate_config, so
 * command-line overrides can be applied before validation runs once.
 * @param path the TOML file; becomes daemon_config::source
 * @param origins filled with the line of every value read
 * @return the settings, file values over built-in defaults
 * @throws config_error the file cannot be read or is not TOML; an unknown section or key; a value
 *         of the wrong type or outside what its field can hold; a bad MAC; a [totem] time that is
 *         not a finite number of milliseconds in 0..600000
 */
[[nodiscard]] daemon_config parse_config_file(const std::string& path, config_origins& origins);

/**
 * Checks everything parse_config_file cannot check alone and completes cfg.totem: sets
 * totem.self, totem.mtu and member_ids, and points totem.members at member_ids.
 * @throws config_error a required setting is missing (cluster.id, cluster.key_file, node.id,
 *         nodes, dpdk.port); a value is out of range (mtu outside 1280..9202, ethertype, memory,
 *         lcores, names); duplicate node ids or MACs; more than 64 nodes; node.id not in nodes;
 *         Totem timers or windows totem::node::validate would refuse; a key file that is missing,
 *         unreadable, not a ringcast key or open to group or others.
 */
void validate_config(daemon_config& cfg, const config_origins& origins);

/**
 * parse_config_file then validate_config.
 * @throws config_error as those two do
 */
[[nodiscard]] daemon_config load_config_file(const std::string& path);

/** "02:00:00:00:00:01" → MAC; false on any other syntax (exactly six hex pairs, colons). */
[[nodiscard]] bool parse_mac(const std::string& text, wire::eth_addr& out) noexcept;

/** The lowercase colon form of a MAC. */
[[nodiscard]] std::string format_mac(const wire::eth_addr& mac);

} // namespace ringcast::app
