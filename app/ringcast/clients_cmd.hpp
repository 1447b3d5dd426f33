#pragma once
// ringcast send / recv / bench: the shared-memory client path from the command line, through
// libringcast like any application.

#include <cstdint>
#include <string>

namespace ringcast::app {

/** Where the local daemon's client socket is. */
struct client_target {
    std::string socket;      ///< explicit path
    std::string file_prefix; ///< else /run/ringcast/<prefix>.sock
};

/** --socket, else $RINGCAST_SOCKET, else /run/ringcast/<file prefix or "ringcast">.sock. */
[[nodiscard]] std::string resolve_client_socket(const client_target& t);

struct send_options {
    client_target target;
    std::string group;
    std::uint32_t size = 64;   ///< bytes per message
    std::uint64_t count = 1000;
    double rate = 0;           ///< messages per second; 0: as fast as the ring takes them
    bool safe = false;
    bool mixed = false;        ///< sizes uniform over 1..size, varied deterministically
    bool skewed = false;       ///< sizes over 1..size, mostly small (message_sizes.hpp)
};

struct recv_options {
    client_target target;
    std::string group;
    std::uint64_t count = 0; ///< stop after this many messages (0: until interrupted)
    bool digest = false;
    double timeout_s = 0;    ///< give up after this long without a message (0: never)
    bool views = false;      ///< print each view change of the group (one line each)
};

struct bench_options {
    client_target target;
    std::string group;
    std::uint32_t size = 64;
    std::uint64_t count = 1'000'000;
    bool safe = false;
};

/** Each returns the exit status; errors throw std::runtime_error with a one-line reason. */
int run_send(const send_options& o);
int run_recv(const recv_options& o);
int run_bench(const bench_options& o);

} // namespace ringcast::app
