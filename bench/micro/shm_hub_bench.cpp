// The whole local path on one node, as an application sees it: one producer client (libringcast)
// -> its submit ring -> the daemon's client_hub (validate, "order", fan out) -> the delivery
// rings of 3 consumer clients -> their callbacks. The total order is a loopback (the hub's
// lcore thread delivers each submission itself), so this measures the shared-memory path
// without Totem or the network. Single-core memcpy bandwidth is measured in the same run.
//
// Each iteration sends a batch and ends when all 3 consumers have it (manual time), so drained
// backlogs are counted. paced: one message in flight (unloaded latency); otherwise flat out.
// Every thread spins then sleeps like the real daemon and clients; on a 2-core host the five
// threads (hub lcore, producer, 3 consumers) share two CPUs, which the figures then show.

#include <benchmark/benchmark.h>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/micro/bench_common.hpp"
#include "lib/client/ringcast.h"
#include "lib/shm/hub.hpp"

namespace {

using namespace ringcast;

std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(
        std::chrono::steady_clock::now().time_since_epoch().count());
}

constexpr int consumers = 3;
constexpr std::uint64_t batch = 50'000;

struct consumer_state {
    ringcast_handle* h = nullptr;
    std::uint32_t self = 0;
    bool joined = false;
    std::atomic<std::uint64_t> received{0};
    std::vector<std::uint64_t> latency;
};

void on_message(void* ctx, const ringcast_message* m) {
    auto* c = static_cast<consumer_state*>(ctx);
    std::uint64_t t = 0;
    std::memcpy(&t, m->data, sizeof t);
    if (c->latency.size() < c->latency.capacity()) {
        c->latency.push_back(now_ns() - t);
    }
    c->received.fetch_add(1, std::memory_order_release);
}

void on_view(void* ctx, const ringcast_view* v) {
    auto* c = static_cast<consumer_state*>(ctx);
    for (std::size_t i = 0; i < v->joined_count; ++i) {
        c->joined = c->joined || v->joined[i].client == c->self;
    }
}

// The daemon side: control thread (handshakes) and an "lcore" with a loopback total order.
struct loopback_daemon {
    explicit loopback_daemon(const std::string& path) : hub(config(path)) {
        control = std::thread([this] {
            while (!stop.load(std::memory_order_relaxed)) {
                hub.service_control(5);
            }
        });
        lcore = std::thread([this] { run_lcore(); });
    }
    ~loopback_daemon() {
        stop = true;
        control.join();
        lcore.join();
    }
    static shm::hub_config config(const std::string& path) {
        shm::hub_config c;
        c.self = 1;
        c.socket_path = path;
        c.allowed_uids = {static_cast<std::uint32_t>(::getuid())};
        return c;
    }
    void run_lcore() {
        struct held {
            wire::service svc;
            std::span<const std::byte> payload;
            totem::payload_ref ref;
        };
        std::vector<held> q;
        q.reserve(256);
        seq_t seq = 0;
        std::uint32_t idle = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            const std::size_t n = hub.poll_submissions(
                now_ns(), [&](const shm::hub_client&, wire::service svc,
                              std::span<const std::byte> p, totem::payload_ref ref) {
                    q.push_back({svc, p, ref});
                    return totem::submit_result::ok;
                });
            for (const held& h : q) {
                hub.deliver(1, h.svc, ++seq, h.payload);
            }
            for (const held& h : q) {
                hub.release(h.ref);
            }
            q.clear();
            // Adaptive like the daemon's lcore: spin while busy, yield, then short sleeps.
            idle = n == 0 ? idle + 1 : 0;
            if (idle > 2000) {
                std::this_thread::sleep_for(std::chrono::microseconds(20));
            } else if (idle > 200) {
                std::this_thread::yield();
            }
        }
    }
    shm::client_hub hub;
    std::atomic<bool> stop{false};
    std::thread control;
    std::thread lcore;
};

void hub_fanout(benchmark::State& state, bool paced) {
    const auto size = static_cast<std::size_t>(state.range(0));
    const std::string path = "/tmp/ringcast-shm-hub-bench-" + std::to_string(::getpid()) + ".sock";
    loopback_daemon daemon(path);
    std::vector<std::unique_ptr<consumer_state>> cs;
    for (int i = 0; i < consumers; ++i) {
        auto c = std::make_unique<consumer_state>();
        const ringcast_callbacks cb{&on_message, &on_view, c.get()};
        if (ringcast_connect(path.c_str(), &cb, &c->h) != RINGCAST_OK) {
            state.SkipWithError("connect failed");
            return;
        }
        c->self = ringcast_local_client_id(c->h);
        (void)ringcast_join(c->h, "bench");
        while (!c->joined) {
            (void)ringcast_dispatch(c->h, RINGCAST_DISPATCH_ALL | RINGCAST_DISPATCH_BLOCKING);
        }
        c->latency.reserve(1u << 21);
        cs.push_back(std::move(c));
    }
    std::atomic<bool> done{false};
    std::vector<std::thread> threads;
    for (auto& c : cs) {
        threads.emplace_back([&c, &done] {
            while (!done.load(std::memory_order_relaxed)) {
                if (ringcast_dispatch(c->h, RINGCAST_DISPATCH_ALL) == 0) {
                    pollfd p{ringcast_fd(c->h), POLLIN, 0}; // armed by the empty dispatch
                    (void)::poll(&p, 1, 10);
                }
            }
        });
    }
    const ringcast_callbacks none{};
    ringcast_handle* tx = nullptr;
    if (ringcast_connect(path.c_str(), &none, &tx) != RINGCAST_OK) {
        state.SkipWithError("connect failed");
        done = true;
    }
    std::vector<std::byte> msg(std::max<std::size_t>(size, 8), std::byte{0x5a});
    std::uint64_t sent = 0;
    const auto all_have = [&](std::uint64_t n) {
        return std::all_of(cs.begin(), cs.end(), [n](const auto& c) {
            return c->received.load(std::memory_order_acquire) >= n;
        });
    };
    for (auto _ : state) {
        if (done) {
            break;
        }
        const std::uint64_t t0 = now_ns();
        for (std::uint64_t i = 0; i < batch; ++i) {
            const std::uint64_t t = now_ns();
            std::memcpy(msg.data(), &t, sizeof t);
            int rc;
            while ((rc = ringcast_mcast(tx, "bench", RINGCAST_AGREED, msg.data(), size)) ==
                   RINGCAST_EAGAIN) {
                pollfd p{ringcast_fd(tx), POLLIN, 0};
                (void)::poll(&p, 1, 10);
            }
            ++sent;
            while (paced && !all_have(sent)) {
                std::this_thread::yield();
            }
        }
        while (!all_have(sent)) {
            std::this_thread::yield();
        }
        state.SetIterationTime(static_cast<double>(now_ns() - t0) / 1e9);
    }
    done = true;
    for (auto& t : threads) {
        t.join();
    }
    std::vector<std::uint64_t> all;
    for (const auto& c : cs) {
        all.insert(all.end(), c->latency.begin(), c->latency.end());
        ringcast_disconnect(c->h);
    }
    ringcast_disconnect(tx);
    ringcast::bench::set_latency_counters(state, all);
    state.counters["msgs_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations() * batch),
                           benchmark::Counter::kIsRate);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch * size * consumers));
}
BENCHMARK_CAPTURE(hub_fanout, saturated, false)->Arg(64)->Arg(1024)->UseManualTime()->Iterations(4);
BENCHMARK_CAPTURE(hub_fanout, paced, true)->Arg(64)->Arg(1024)->UseManualTime()->Iterations(1);

BENCHMARK(ringcast::bench::memcpy_bandwidth)->Arg(64)->Arg(1024)->Arg(64 << 20);

} // namespace

BENCHMARK_MAIN();
