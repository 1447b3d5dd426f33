#pragma once
// A client for DPDK's telemetry socket (v2), the way `ringcast status` talks to ringcastd.
// No DPDK dependency: the protocol is a SOCK_SEQPACKET Unix socket where the server first sends a
// JSON greeting {"version", "pid", "max_output_len"}, then answers each command message
// ("/ringcast/status", "/ringcast/generate,start,1024,0,0") with one JSON message
// {"<command without parameters>": <value>}; <value> is null when the command is unknown or its
// callback refused the parameters. Slow path; blocking with a timeout; not MT-safe.

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ringcast::app {

/** Anything that went wrong talking to the daemon. what() is one line, ready to print. */
class telemetry_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/** What the server says when a client connects. */
struct telemetry_greeting {
    std::string version;            ///< "DPDK 22.11.11"
    std::int64_t pid = 0;           ///< the daemon's process id
    std::size_t max_output_len = 0; ///< largest reply the server sends
};

/**
 * The socket a DPDK process with this --file-prefix listens on, located as EAL and
 * dpdk-telemetry.py locate it: $RUNTIME_DIRECTORY, else /var/run for root, else
 * $XDG_RUNTIME_DIR or /tmp; then /dpdk/<prefix>/dpdk_telemetry.v2.
 */
[[nodiscard]] std::string telemetry_socket_path(const std::string& file_prefix);

/** One connection to a telemetry socket. */
class telemetry_client {
public:
    static constexpr std::chrono::milliseconds default_timeout{5000};

    /**
     * Connects and reads the greeting.
     * @param timeout bounds each send and receive, so a wedged daemon cannot hang the CLI
     * @throws telemetry_error "cannot reach ringcastd at <path> (is it running? --file-prefix?)"
     *         when nothing listens there; other connect, receive or greeting failures, each
     *         naming the path
     */
    explicit telemetry_client(std::string socket_path,
                              std::chrono::milliseconds timeout = default_timeout);
    ~telemetry_client() = default;
    telemetry_client(const telemetry_client&) = delete;
    telemetry_client& operator=(const telemetry_client&) = delete;

    [[nodiscard]] const telemetry_greeting& greeting() const noexcept { return greeting_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

    /**
     * Sends one command and returns the server's reply message as received.
     * @param command "/area/item" optionally followed by ",parameters"; at most 1023 bytes
     * @throws telemetry_error a malformed command, a send or receive failure, a timeout, a reply
     *         larger than the greeting's max_output_len, or the daemon closing the connection
     */
    [[nodiscard]] std::string request(std::string_view command);

    /**
     * request(), then parses the reply and returns the value under the command's name, key order
     * kept as the daemon sent it.
     * @throws telemetry_error as request(); a reply that is not JSON or not keyed by the command;
     *         a null value (unknown command, or the daemon refused the parameters)
     */
    [[nodiscard]] nlohmann::ordered_json query(std::string_view command);

private:
    std::string receive(std::string_view what);

    // Closes the socket however construction or use ends (a throwing constructor runs the
    // destructors of the members it completed).
    struct socket_fd {
        int fd = -1;
        socket_fd() = default;
        socket_fd(const socket_fd&) = delete;
        socket_fd& operator=(const socket_fd&) = delete;
        ~socket_fd();
    };

    socket_fd sock_;
    std::string path_;
    telemetry_greeting greeting_;
};

} // namespace ringcast::app
