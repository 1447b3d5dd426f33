// lib/shm delivery path: one producer (the daemon's lcore) copies each message into the delivery
// ring of each of 3 consumers (the per-consumer ring design, docs/design.md "Local clients");
// consumers read in place and release. Reports messages/s and producer-to-consumer latency
// percentiles (ns, from a timestamp in the payload), next to single-core memcpy bandwidth
// measured in the same run, which bounds what the copy-per-consumer design can reach.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#include "bench/micro/bench_common.hpp"
#include "lib/shm/ring.hpp"

namespace {

using namespace ringcast::shm;

std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(
        std::chrono::steady_clock::now().time_since_epoch().count());
}

struct ring_mem {
    explicit ring_mem(std::uint64_t cap)
        : mem(static_cast<std::byte*>(std::aligned_alloc(64, sizeof(ring_header) + cap))) {
        header = new (mem) ring_header{};
        init_ring(*header, cap, 4096);
        data = mem + sizeof(ring_header);
    }
    ~ring_mem() { std::free(mem); }
    std::byte* mem;
    ring_header* header;
    std::byte* data;
};

constexpr std::uint64_t ring_bytes = 1u << 20;
constexpr int consumers = 3;

// paced = false: the producer runs flat out (throughput; latency is then mostly queueing in a full
// ring). paced = true: one message in flight, the next goes when every consumer released the
// last (unloaded one-way latency).
void shm_fanout(benchmark::State& state, bool paced) {
    const auto size = static_cast<std::uint32_t>(state.range(0));
    std::vector<std::unique_ptr<ring_mem>> rings;
    std::vector<producer> prods;
    for (int i = 0; i < consumers; ++i) {
        rings.push_back(std::make_unique<ring_mem>(ring_bytes));
        prods.emplace_back(rings.back()->header, rings.back()->data, ring_bytes, 4096);
    }
    std::atomic<bool> done{false};
    std::vector<std::vector<std::uint64_t>> lat(consumers);
    std::vector<std::thread> threads;
    for (int i = 0; i < consumers; ++i) {
        lat[i].reserve(1u << 22);
        threads.emplace_back([&, i] {
            consumer c(rings[i]->header, rings[i]->data, ring_bytes, 4096);
            while (true) {
                const peek_result r = c.peek();
                if (r.err != errc::ok) {
                    if (done.load(std::memory_order_acquire)) {
                        break;
                    }
                    std::this_thread::yield();
                    continue;
                }
                std::uint64_t t = 0;
                std::memcpy(&t, r.payload.data(), sizeof t);
                if (lat[i].size() < lat[i].capacity()) {
                    lat[i].push_back(now_ns() - t);
                }
                benchmark::DoNotOptimize(r.payload.data()[r.payload.size() - 1]);
                c.consume_and_release();
            }
        });
    }
    std::vector<std::byte> msg(size, std::byte{0x5a});
    for (auto _ : state) {
        const std::uint64_t t = now_ns();
        std::memcpy(msg.data(), &t, sizeof t);
        for (int i = 0; i < consumers; ++i) {
            claim_result cr = prods[i].claim(size);
            while (cr.err == errc::full) {
                std::this_thread::yield();
                cr = prods[i].claim(size);
            }
            std::memcpy(cr.payload.data(), msg.data(), size);
            (void)prods[i].commit({});
        }
        if (paced) {
            for (int i = 0; i < consumers; ++i) {
                const std::uint64_t head = rings[i]->header->head.load(std::memory_order_relaxed);
                while (rings[i]->header->tail.load(std::memory_order_acquire) != head) {
                    std::this_thread::yield(); // 2-core hosts: let the consumers run
                }
            }
        }
    }
    done.store(true, std::memory_order_release);
    for (auto& t : threads) {
        t.join();
    }
    std::vector<std::uint64_t> all;
    for (const auto& l : lat) {
        all.insert(all.end(), l.begin(), l.end());
    }
    ringcast::bench::set_latency_counters(state, all);
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * size * consumers);
}
BENCHMARK_CAPTURE(shm_fanout, saturated, false)->Arg(64)->Arg(1024)->UseRealTime()->MinTime(0.5);
BENCHMARK_CAPTURE(shm_fanout, paced, true)->Arg(64)->Arg(1024)->UseRealTime()->MinTime(0.5);

BENCHMARK(ringcast::bench::memcpy_bandwidth)->Arg(64)->Arg(1024)->Arg(64 << 20);

} // namespace

BENCHMARK_MAIN();
