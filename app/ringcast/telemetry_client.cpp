// DPDK telemetry v2 client (see lib/telemetry/telemetry.c in DPDK and usertools/dpdk-telemetry.py
// for the server and the reference client).

#include "app/ringcast/telemetry_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace ringcast::app {

namespace {

// DPDK reads a command into a 1024-byte buffer (including the terminating NUL it adds).
constexpr std::size_t command_len_max = 1023;
// The greeting is small; later replies are bounded by the greeting's max_output_len, which we
// accept up to this size (DPDK's default is 16 KiB).
constexpr std::size_t greeting_len_max = 4096;
constexpr std::size_t output_len_max = 16u << 20;

} // namespace

std::string telemetry_socket_path(const std::string& file_prefix) {
    std::string dir;
    if (const char* rd = std::getenv("RUNTIME_DIRECTORY"); rd != nullptr && *rd != '\0') {
        dir = rd;
    } else if (::geteuid() == 0) {
        dir = "/var/run";
    } else if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg != nullptr && *xdg != '\0') {
        dir = xdg;
    } else {
        dir = "/tmp";
    }
    return dir + "/dpdk/" + file_prefix + "/dpdk_telemetry.v2";
}

telemetry_client::telemetry_client(std::string socket_path, std::chrono::milliseconds timeout)
    : path_(std::move(socket_path)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path_.empty() || path_.size() >= sizeof addr.sun_path) {
        throw telemetry_error(fmt::format("telemetry socket path '{}' is empty or longer than {}",
                                          path_, sizeof addr.sun_path - 1));
    }
    std::memcpy(addr.sun_path, path_.data(), path_.size());

    sock_.fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (sock_.fd < 0) {
        throw telemetry_error(fmt::format("socket: {}", std::strerror(errno)));
    }
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(sock_.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(sock_.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

    if (::connect(sock_.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int err = errno;
        // No socket file, or a stale one left by a daemon that died: either way nobody listens.
        if (err == ENOENT || err == ECONNREFUSED || err == ENOTDIR) {
            throw telemetry_error(
                fmt::format("cannot reach ringcastd at {} (is it running? --file-prefix?)", path_));
        }
        throw telemetry_error(fmt::format("cannot reach ringcastd at {}: {}{}", path_,
                                          std::strerror(err),
                                          err == EACCES ? " (run as root?)" : ""));
    }

    greeting_.max_output_len = greeting_len_max;
    const std::string text = receive("greeting");
    try {
        const auto g = nlohmann::json::parse(text);
        greeting_.version = g.at("version").get<std::string>();
        greeting_.pid = g.at("pid").get<std::int64_t>();
        greeting_.max_output_len = g.at("max_output_len").get<std::size_t>();
    } catch (const nlohmann::json::exception&) {
        throw telemetry_error(
            fmt::format("{}: not a DPDK telemetry v2 socket (greeting: {:.80})", path_, text));
    }
    greeting_.max_output_len =
        std::clamp<std::size_t>(greeting_.max_output_len, 1024, output_len_max);
}

telemetry_client::socket_fd::~socket_fd() {
    if (fd >= 0) {
        ::close(fd);
    }
}

std::string telemetry_client::receive(std::string_view what) {
    // One extra byte to tell a reply of exactly max_output_len from a longer one.
    std::vector<char> buf(greeting_.max_output_len + 1);
    ssize_t n = -1;
    do {
        // MSG_TRUNC: a SEQPACKET recv returns the message's real length even when it was cut.
        n = ::recv(sock_.fd, buf.data(), buf.size(), MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            throw telemetry_error(fmt::format("{}: no {} from ringcastd (timed out)", path_, what));
        }
        throw telemetry_error(
            fmt::format("{}: receiving {}: {}", path_, what, std::strerror(errno)));
    }
    if (n == 0) {
        throw telemetry_error(fmt::format(
            "{}: ringcastd closed the connection before its {} (too many telemetry clients?)",
            path_, what));
    }
    if (static_cast<std::size_t>(n) > buf.size()) {
        throw telemetry_error(fmt::format("{}: {} of {} bytes exceeds the {} announced", path_,
                                          what, n, greeting_.max_output_len));
    }
    return {buf.data(), static_cast<std::size_t>(n)};
}

std::string telemetry_client::request(std::string_view command) {
    const bool printable = std::all_of(command.begin(), command.end(), [](char c) {
        return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
    });
    if (command.empty() || command.front() != '/' || command.size() > command_len_max ||
        !printable) {
        throw telemetry_error(fmt::format("bad telemetry command '{:.80}'", command));
    }
    ssize_t n = -1;
    do {
        n = ::send(sock_.fd, command.data(), command.size(), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        throw telemetry_error(
            fmt::format("{}: sending {}: {}", path_, command, std::strerror(errno)));
    }
    return receive(fmt::format("reply to {}", command));
}

nlohmann::ordered_json telemetry_client::query(std::string_view command) {
    const std::string text = request(command);
    // The server keys the reply by the command name alone, without the ",parameters".
    const std::string name(command.substr(0, command.find(',')));
    nlohmann::ordered_json reply;
    try {
        reply = nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw telemetry_error(fmt::format("{}: reply to {} is not JSON ({}): {:.80}", path_,
                                          command, e.what(), text));
    }
    if (!reply.is_object() || reply.size() != 1 || !reply.contains(name)) {
        throw telemetry_error(
            fmt::format("{}: unexpected reply to {}: {:.80}", path_, command, text));
    }
    nlohmann::ordered_json value = std::move(reply[name]);
    if (value.is_null()) {
        throw telemetry_error(fmt::format(
            "ringcastd at {} refused {} (unknown command or bad parameters; is it ringcastd, and "
            "the same version?)",
            path_, command));
    }
    return value;
}

} // namespace ringcast::app
