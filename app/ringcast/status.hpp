#pragma once
// `ringcast status | members | generate`: ask a running ringcastd over its DPDK telemetry socket
// and render the answer, as one JSON object per line (--json) or as a table for people.
//
// Daemon contract (ringcastd registers these telemetry commands; the CLI tolerates extra keys and
// prints them after the known ones):
//   /ringcast/status   → dict: node_id (u64), state (string), ring_id (string "<rep>:<seq>"),
//                        members (array of u64), delivered (u64), digest (string, 16 hex digits),
//                        ring_changes (u64), drops (dict: cause → u64)
//   /ringcast/members  → dict: node_id (u64), ring_id (string), members (array of u64, ring
//                        order), nodes (dict: "<id>" → "<mac>", every configured node)
//   /ringcast/generate,start,<size>,<rate>,<count> and /ringcast/generate,stop → dict (any keys);
//                        rate 0 = as fast as the ring allows, count 0 = until stopped
//   Any command may answer {"error": "<one line>"} to refuse: the CLI prints it and exits 1.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "app/ringcast/telemetry_client.hpp"

namespace ringcast::app {

/** Which daemon to ask: telemetry_path if set, else the socket of file_prefix. */
struct daemon_target {
    std::string file_prefix;    ///< EAL --file-prefix of the daemon ("" = default_file_prefix())
    std::string telemetry_path; ///< explicit socket path, wins over file_prefix
};

/** $RINGCAST_FILE_PREFIX if set and non-empty, else "rte" (EAL's default). */
[[nodiscard]] std::string default_file_prefix();

/** The socket path target names. */
[[nodiscard]] std::string resolve_socket_path(const daemon_target& target);

/** Options of `ringcast generate start`. */
struct generate_options {
    std::uint32_t size = 1024; ///< bytes per message, 1..64 MiB
    std::string rate = "max";  ///< messages per second, or "max"
    std::uint64_t count = 0;   ///< messages to send; 0 = until `generate stop`
};

/**
 * "/ringcast/generate,start,<size>,<rate>,<count>" with rate "max" as 0.
 * @throws telemetry_error size outside 1..64 MiB, or rate neither "max" nor a positive integer
 */
[[nodiscard]] std::string generate_start_command(const generate_options& opts);

/**
 * Renders a telemetry value for people: one "key  value" line per entry, keys in first_keys
 * order first, then the rest as the daemon sent them; arrays joined with spaces, nested dicts
 * indented below their key.
 */
[[nodiscard]] std::string format_table(const nlohmann::ordered_json& value,
                                       std::initializer_list<std::string_view> first_keys = {});

/**
 * Runs one telemetry command and returns what the CLI prints (ending in a newline): with json,
 * the reply's inner value on one line; else a table (format_table, or the members layout for
 * /ringcast/members).
 * @throws telemetry_error as telemetry_client does; "ringcastd: <text>" when the reply is a dict
 *         with a string "error"
 */
[[nodiscard]] std::string run_query(telemetry_client& client, const std::string& command,
                                    bool json);

} // namespace ringcast::app
