// A stand-in for ringcastd in tests: a client_hub whose "total order" is this process's
// submission order (loopback), so the CLI and libringcast can be exercised without DPDK.
// usage: loopback_hubd SOCKET [NODE_ID]   (runs until SIGTERM/SIGINT)

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "lib/shm/hub.hpp"

namespace {
std::atomic<bool> stop{false};
void on_signal(int) { stop = true; }
} // namespace

int main(int argc, char** argv) {
    using namespace ringcast;
    if (argc < 2) {
        std::fprintf(stderr, "usage: loopback_hubd SOCKET [NODE_ID]\n");
        return 2;
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    shm::hub_config cfg;
    cfg.self = argc > 2 ? static_cast<node_id>(std::atoi(argv[2])) : 1;
    cfg.socket_path = argv[1];
    cfg.allowed_uids = {::getuid()};
    try {
        shm::client_hub hub(cfg);
        std::thread control([&] {
            while (!stop) {
                hub.service_control(20);
            }
        });
        struct held {
            wire::service svc;
            std::span<const std::byte> payload;
            totem::payload_ref ref;
        };
        std::vector<held> q;
        q.reserve(256);
        seq_t seq = 0;
        std::printf("loopback_hubd: listening on %s\n", argv[1]);
        std::fflush(stdout);
        while (!stop) {
            const auto now = static_cast<mono_ns>(
                std::chrono::steady_clock::now().time_since_epoch().count());
            const std::size_t n = hub.poll_submissions(
                now, [&](const shm::hub_client&, wire::service svc, std::span<const std::byte> p,
                         totem::payload_ref ref) {
                    q.push_back({svc, p, ref});
                    return totem::submit_result::ok;
                });
            for (const held& h : q) {
                hub.deliver(cfg.self, h.svc, ++seq, h.payload);
            }
            for (const held& h : q) {
                hub.release(h.ref);
            }
            q.clear();
            if (n == 0) {
                std::this_thread::sleep_for(std::chrono::microseconds(5));
            }
        }
        control.join();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "loopback_hubd: %s\n", e.what());
        return 1;
    }
    return 0;
}
