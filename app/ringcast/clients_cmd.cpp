// send / recv / bench over libringcast. Payloads are deterministic (message index -> bytes) so a
// sender and any number of receivers can compare XXH3 digests of the stream: each message adds
// its length (u32, host order) and its bytes.

#include "app/ringcast/clients_cmd.hpp"

#include <poll.h>
#include <unistd.h>
#include <signal.h>

#include <fmt/core.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include "app/ringcast/message_sizes.hpp"
#include "lib/client/ringcast.h"

namespace ringcast::app {

namespace {

using steady = std::chrono::steady_clock;

std::atomic<bool> interrupted{false};

void on_signal(int) { interrupted = true; }

std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch())
            .count());
}

[[noreturn]] void fail(const std::string& what, int rc) {
    throw std::runtime_error(fmt::format("{}: {}", what, ringcast_strerror(rc)));
}

// One handle, closed on scope exit.
struct handle {
    ringcast_handle* h = nullptr;
    handle(const std::string& socket, const ringcast_callbacks& cb) {
        if (const int rc = ringcast_connect(socket.c_str(), &cb, &h); rc != RINGCAST_OK) {
            fail(socket, rc);
        }
    }
    ~handle() { ringcast_disconnect(h); }
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;
};

void fill_payload(std::vector<std::byte>& buf, std::uint64_t index) {
    std::uint64_t x = index * 0x9E3779B97F4A7C15ull + 1;
    for (std::size_t i = 0; i < buf.size(); ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = static_cast<std::byte>(x);
    }
}

// Sends one message, waiting on the handle's fd while the ring is full (dispatching our own
// deliveries, if any, so they never hold the ring up).
void send_one(ringcast_handle* h, const std::string& group, ringcast_service svc,
              const void* data, std::size_t len) {
    while (true) {
        const int rc = ringcast_mcast(h, group.c_str(), svc, data, len);
        if (rc == RINGCAST_OK) {
            return;
        }
        if (rc != RINGCAST_EAGAIN) {
            fail("mcast", rc);
        }
        if (interrupted) {
            throw std::runtime_error("interrupted");
        }
        if (ringcast_dispatch(h, RINGCAST_DISPATCH_ALL) == 0) {
            pollfd p{ringcast_fd(h), POLLIN, 0};
            (void)::poll(&p, 1, 100);
        }
    }
}

std::string digest_text(XXH3_state_t* st) {
    return fmt::format("{:016x}", XXH3_64bits_digest(st));
}

void install_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}

} // namespace

std::string resolve_client_socket(const client_target& t) {
    if (!t.socket.empty()) {
        return t.socket;
    }
    if (t.file_prefix.empty()) {
        if (const char* env = std::getenv("RINGCAST_SOCKET"); env != nullptr && *env != '\0') {
            return env;
        }
    }
    std::string prefix = t.file_prefix;
    if (prefix.empty()) {
        const char* env = std::getenv("RINGCAST_FILE_PREFIX");
        prefix = env != nullptr && *env != '\0' ? env : "ringcast";
    }
    return fmt::format("/run/ringcast/{}.sock", prefix);
}

int run_send(const send_options& o) {
    install_signals();
    const ringcast_callbacks cb{};
    handle h(resolve_client_socket(o.target), cb);
    std::vector<std::byte> buf(o.size);
    XXH3_state_t* st = XXH3_createState();
    XXH3_64bits_reset(st);
    const auto start = steady::now();
    std::uint64_t bytes = 0;
    const ringcast_service svc = o.safe ? RINGCAST_SAFE : RINGCAST_AGREED;
    try {
        for (std::uint64_t i = 0; i < o.count && !interrupted; ++i) {
            buf.resize(message_size(o.size,
                                    o.skewed  ? size_mix::skewed
                                    : o.mixed ? size_mix::uniform
                                              : size_mix::fixed,
                                    i));
            fill_payload(buf, i);
            if (o.rate > 0) {
                const auto due = start + std::chrono::duration_cast<steady::duration>(
                                             std::chrono::duration<double>(i / o.rate));
                std::this_thread::sleep_until(due);
            }
            send_one(h.h, o.group, svc, buf.data(), buf.size());
            const auto len = static_cast<std::uint32_t>(buf.size());
            XXH3_64bits_update(st, &len, sizeof len);
            XXH3_64bits_update(st, buf.data(), buf.size());
            bytes += buf.size();
        }
    } catch (...) {
        XXH3_freeState(st);
        throw;
    }
    const double secs = std::chrono::duration<double>(steady::now() - start).count();
    fmt::print("sent {} messages ({} bytes) to {} in {:.3f} s, digest {}\n", o.count, bytes,
               o.group, secs, digest_text(st));
    XXH3_freeState(st);
    return interrupted ? 130 : 0;
}

namespace {
struct recv_state {
    XXH3_state_t* st = XXH3_createState();
    std::uint64_t count = 0;
    std::uint64_t bytes = 0;
    bool joined = false;
    bool views = false;
    std::uint32_t self = 0;
    std::string group;
    recv_state() { XXH3_64bits_reset(st); }
    ~recv_state() { XXH3_freeState(st); }
};

void recv_deliver(void* ctx, const ringcast_message* m) {
    auto* s = static_cast<recv_state*>(ctx);
    if (!s->joined || s->group != m->group) {
        return;
    }
    const auto len = static_cast<std::uint32_t>(m->len);
    XXH3_64bits_update(s->st, &len, sizeof len);
    XXH3_64bits_update(s->st, m->data, m->len);
    ++s->count;
    s->bytes += m->len;
}

const char* reason_text(ringcast_reason r) {
    switch (r) {
    case RINGCAST_REASON_JOIN: return "join";
    case RINGCAST_REASON_LEAVE: return "leave";
    case RINGCAST_REASON_PROCESS_GONE: return "process_gone";
    case RINGCAST_REASON_NODE_DOWN: return "node_down";
    case RINGCAST_REASON_SYNC: return "sync";
    }
    return "unknown";
}

std::string member_list(const ringcast_member* m, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += fmt::format("{}{}/{}/{}", i == 0 ? "" : " ", m[i].node, m[i].pid, m[i].client);
    }
    return out;
}

void recv_view(void* ctx, const ringcast_view* v) {
    auto* s = static_cast<recv_state*>(ctx);
    for (std::size_t i = 0; i < v->joined_count; ++i) {
        s->joined = s->joined || v->joined[i].client == s->self;
    }
    if (s->views && s->group == v->group) {
        // node/pid/client triples, so scripts can find a given process in a view.
        fmt::print("view {} after {} messages: reason {} members [{}] joined [{}] left [{}]\n",
                   v->group, s->count, reason_text(v->reason),
                   member_list(v->members, v->member_count),
                   member_list(v->joined, v->joined_count), member_list(v->left, v->left_count));
        std::fflush(stdout);
    }
}
} // namespace

int run_recv(const recv_options& o) {
    install_signals();
    recv_state s;
    s.group = o.group;
    s.views = o.views;
    const ringcast_callbacks cb{&recv_deliver, &recv_view, &s};
    handle h(resolve_client_socket(o.target), cb);
    s.self = ringcast_local_client_id(h.h);
    if (const int rc = ringcast_join(h.h, o.group.c_str()); rc != RINGCAST_OK) {
        fail("join " + o.group, rc);
    }
    auto last = steady::now();
    std::uint64_t seen = 0;
    bool announced = false;
    while (!interrupted && (o.count == 0 || s.count < o.count)) {
        const int n = ringcast_dispatch(h.h, RINGCAST_DISPATCH_ALL);
        if (s.joined && !announced) {
            // Scripts wait for this line before they start sending.
            announced = true;
            fmt::print("joined {} as client {} (pid {})\n", o.group, s.self, ::getpid());
            std::fflush(stdout);
            last = steady::now();
        }
        if (n < 0) {
            throw std::runtime_error(fmt::format("dispatch: {} ({})", ringcast_strerror(n),
                                                 ringcast_last_error(h.h)));
        }
        if (s.count != seen) {
            seen = s.count;
            last = steady::now();
        } else if (o.timeout_s > 0 &&
                   std::chrono::duration<double>(steady::now() - last).count() > o.timeout_s) {
            break;
        }
        if (n == 0) {
            pollfd p{ringcast_fd(h.h), POLLIN, 0};
            (void)::poll(&p, 1, 100);
        }
    }
    fmt::print("received {} messages ({} bytes) on {}", s.count, s.bytes, o.group);
    if (o.digest) {
        fmt::print(", digest {}", digest_text(s.st));
    }
    fmt::print("\n");
    if (o.count != 0 && s.count < o.count) {
        throw std::runtime_error(fmt::format("only {} of {} messages arrived", s.count, o.count));
    }
    return 0;
}

// ---- bench: one sender handle and one receiver handle in this process ----

namespace {
struct bench_state {
    std::vector<std::uint64_t> latency_ns;
    std::atomic<std::uint64_t> received{0};
    std::uint32_t self = 0;
    bool joined = false;
};

void bench_deliver(void* ctx, const ringcast_message* m) {
    auto* s = static_cast<bench_state*>(ctx);
    std::uint64_t sent = 0;
    if (m->len >= sizeof sent) {
        std::memcpy(&sent, m->data, sizeof sent);
        s->latency_ns.push_back(now_ns() - sent);
    }
    s->received.fetch_add(1, std::memory_order_relaxed);
}

void bench_view(void* ctx, const ringcast_view* v) {
    auto* s = static_cast<bench_state*>(ctx);
    for (std::size_t i = 0; i < v->joined_count; ++i) {
        s->joined = s->joined || v->joined[i].client == s->self;
    }
}

double percentile(const std::vector<std::uint64_t>& sorted, double p) {
    if (sorted.empty()) {
        return 0;
    }
    const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
    return static_cast<double>(sorted[i]) / 1000.0;
}
} // namespace

int run_bench(const bench_options& o) {
    install_signals();
    if (o.size < sizeof(std::uint64_t)) {
        throw std::runtime_error("--size must be at least 8 (the send timestamp)");
    }
    const std::string path = resolve_client_socket(o.target);
    bench_state s;
    s.latency_ns.reserve(o.count);
    const ringcast_callbacks rcb{&bench_deliver, &bench_view, &s};
    handle rx(path, rcb);
    s.self = ringcast_local_client_id(rx.h);
    if (const int rc = ringcast_join(rx.h, o.group.c_str()); rc != RINGCAST_OK) {
        fail("join " + o.group, rc);
    }
    while (!s.joined && !interrupted) {
        if (ringcast_dispatch(rx.h, RINGCAST_DISPATCH_ALL | RINGCAST_DISPATCH_BLOCKING) < 0) {
            throw std::runtime_error(ringcast_last_error(rx.h));
        }
    }
    std::atomic<bool> rx_failed{false};
    std::thread receiver([&] {
        while (s.received.load(std::memory_order_relaxed) < o.count && !interrupted) {
            if (ringcast_dispatch(rx.h, RINGCAST_DISPATCH_ALL | RINGCAST_DISPATCH_BLOCKING) < 0) {
                rx_failed = true;
                interrupted = true;
            }
        }
    });
    const ringcast_callbacks none{};
    handle tx(path, none);
    std::vector<std::byte> buf(o.size);
    fill_payload(buf, 0);
    const ringcast_service svc = o.safe ? RINGCAST_SAFE : RINGCAST_AGREED;
    const auto start = steady::now();
    auto next_progress = start + std::chrono::seconds(1);
    try {
        for (std::uint64_t i = 0; i < o.count && !interrupted; ++i) {
            const std::uint64_t t = now_ns();
            std::memcpy(buf.data(), &t, sizeof t);
            send_one(tx.h, o.group, svc, buf.data(), buf.size());
            if ((i & 1023) == 0 && steady::now() >= next_progress) {
                next_progress += std::chrono::seconds(1);
                const double secs = std::chrono::duration<double>(steady::now() - start).count();
                fmt::print(stderr, "\rbench: sent {} received {} ({:.0f} msg/s)   ", i,
                           s.received.load(std::memory_order_relaxed),
                           static_cast<double>(s.received.load()) / secs);
            }
        }
    } catch (...) {
        interrupted = true;
        receiver.join();
        throw;
    }
    receiver.join();
    const double secs = std::chrono::duration<double>(steady::now() - start).count();
    if (next_progress > start + std::chrono::seconds(1)) {
        fmt::print(stderr, "\n");
    }
    if (rx_failed) {
        throw std::runtime_error(std::string("receiver: ") + ringcast_last_error(rx.h));
    }
    std::sort(s.latency_ns.begin(), s.latency_ns.end());
    const double rate = static_cast<double>(s.received.load()) / secs;
    fmt::print("bench {}: {} messages of {} B in {:.3f} s: {:.0f} msg/s, {:.1f} MB/s\n", o.group,
               s.received.load(), o.size, secs, rate, rate * o.size / 1e6);
    fmt::print("latency (us): p50 {:.1f}  p99 {:.1f}  p99.9 {:.1f}  max {:.1f}\n",
               percentile(s.latency_ns, 0.5), percentile(s.latency_ns, 0.99),
               percentile(s.latency_ns, 0.999), percentile(s.latency_ns, 1.0));
    return interrupted ? 130 : 0;
}

} // namespace ringcast::app
