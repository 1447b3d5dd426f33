// client_hub end to end on one host: a fake total order (loopback: every submission is delivered
// back in submission order, split into two segments) and real clients through libringcast.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lib/client/ringcast.h"
#include "lib/shm/handshake.hpp"
#include "lib/shm/handshake_io.hpp"
#include "lib/shm/hub.hpp"
#include "lib/shm/region.hpp"

namespace ringcast::shm::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class hub_test : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "ringcast-hub-test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
        cfg_.self = 1;
        cfg_.socket_path = (dir_ / "hub.sock").string();
        cfg_.allowed_uids = {::getuid()};
        cfg_.submit_ring_bytes = 1u << 18;
        cfg_.deliver_ring_bytes = 1u << 20;
        cfg_.slow_consumer_bound_bytes = 1u << 20;
        cfg_.log = [this](std::string_view line) { log_lines_.fetch_add(1); (void)line; };
    }
    void TearDown() override {
        stop_ = true;
        if (control_.joinable()) {
            control_.join();
        }
        if (lcore_.joinable()) {
            lcore_.join();
        }
        hub_.reset();
        fs::remove_all(dir_);
    }

    void start() {
        hub_ = std::make_unique<client_hub>(cfg_);
        control_ = std::thread([this] {
            while (!stop_) {
                hub_->service_control(5);
            }
        });
        lcore_ = std::thread([this] { lcore_loop(); });
    }

    // The fake protocol lcore: submissions are "ordered" as they come and delivered back.
    void lcore_loop() {
        struct held {
            wire::service svc;
            std::span<const std::byte> payload;
            totem::payload_ref ref;
        };
        std::vector<held> q;
        std::mt19937 rng(9);
        seq_t seq = 0;
        while (!stop_) {
            const auto now = static_cast<mono_ns>(
                std::chrono::steady_clock::now().time_since_epoch().count());
            const std::size_t n = hub_->poll_submissions(
                now, [&](const hub_client&, wire::service svc, std::span<const std::byte> p,
                    totem::payload_ref ref) {
                    if (q.size() >= 64) {
                        return totem::submit_result::would_block;
                    }
                    q.push_back({svc, p, ref});
                    return totem::submit_result::ok;
                });
            for (const held& h : q) {
                const std::size_t cut = rng() % (h.payload.size() + 1);
                const totem::segment segs[2] = {
                    {h.ref, h.payload.data(), static_cast<std::uint32_t>(cut)},
                    {h.ref, h.payload.data() + cut, static_cast<std::uint32_t>(h.payload.size() - cut)}};
                hub_->deliver(cfg_.self, h.svc, ++seq, segs);
            }
            for (const held& h : q) {
                hub_->release(h.ref);
            }
            q.clear();
            if (n == 0) {
                std::this_thread::sleep_for(20us);
            }
        }
    }

    fs::path dir_;
    hub_config cfg_;
    std::unique_ptr<client_hub> hub_;
    std::atomic<bool> stop_{false};
    std::atomic<int> log_lines_{0};
    std::thread control_;
    std::thread lcore_;
};

// A client with its own receive digest and the last view it saw.
struct receiver {
    XXH3_state_t* digest = XXH3_createState();
    std::uint64_t count = 0;
    std::vector<ringcast_member> members;
    std::vector<ringcast_member> left;
    ringcast_reason last_reason = RINGCAST_REASON_JOIN;
    ringcast_handle* h = nullptr;

    receiver() { XXH3_64bits_reset(digest); }
    ~receiver() {
        ringcast_disconnect(h);
        XXH3_freeState(digest);
    }
    static void on_msg(void* ctx, const ringcast_message* m) {
        auto* r = static_cast<receiver*>(ctx);
        const auto len = static_cast<std::uint32_t>(m->len);
        XXH3_64bits_update(r->digest, &len, sizeof len);
        XXH3_64bits_update(r->digest, m->data, m->len);
        ++r->count;
    }
    static void on_view(void* ctx, const ringcast_view* v) {
        auto* r = static_cast<receiver*>(ctx);
        r->members.assign(v->members, v->members + v->member_count);
        r->left.insert(r->left.end(), v->left, v->left + v->left_count);
        r->last_reason = v->reason;
    }
    int connect(const std::string& path) {
        const ringcast_callbacks cb{&on_msg, &on_view, this};
        return ringcast_connect(path.c_str(), &cb, &h);
    }
    // Dispatches until pred holds or 120 s pass (ASan builds are slow).
    template <typename P> bool until(P pred) {
        const auto deadline = std::chrono::steady_clock::now() + 120s;
        while (!pred()) {
            if (std::chrono::steady_clock::now() > deadline ||
                ringcast_dispatch(h, RINGCAST_DISPATCH_ALL | RINGCAST_DISPATCH_BLOCKING) < 0) {
                return false;
            }
        }
        return true;
    }
};

std::vector<std::byte> message_bytes(std::uint64_t i) {
    std::mt19937 rng(static_cast<std::uint32_t>(i));
    const std::size_t len = i % 997 == 0 ? 60000 : 1 + rng() % 4096;
    std::vector<std::byte> out(len);
    for (auto& b : out) {
        b = static_cast<std::byte>(rng());
    }
    return out;
}

TEST_F(hub_test, two_clients_receive_identical_streams) {
    start();
    receiver a, b;
    ASSERT_EQ(b.connect(cfg_.socket_path), RINGCAST_OK);
    ASSERT_EQ(a.connect(cfg_.socket_path), RINGCAST_OK);
    EXPECT_EQ(ringcast_local_node_id(a.h), 1u);
    ASSERT_EQ(ringcast_join(b.h, "g"), RINGCAST_OK);
    ASSERT_TRUE(b.until([&] { return b.members.size() == 1; }));
    ASSERT_EQ(ringcast_join(a.h, "g"), RINGCAST_OK);
    EXPECT_EQ(ringcast_join(a.h, "g"), RINGCAST_EEXIST);
    ASSERT_TRUE(a.until([&] { return a.members.size() == 2; }));
    ASSERT_TRUE(b.until([&] { return b.members.size() == 2; }));
    std::size_t n = 0;
    ringcast_member ms[4];
    ASSERT_EQ(ringcast_members(a.h, "g", ms, 4, &n), RINGCAST_OK);
    EXPECT_EQ(n, 2u);

    constexpr std::uint64_t count = 100000;
    std::thread rx([&] { EXPECT_TRUE(b.until([&] { return b.count == count; })); });
    XXH3_state_t* sent = XXH3_createState();
    XXH3_64bits_reset(sent);
    for (std::uint64_t i = 0; i < count;) {
        const std::vector<std::byte> m = message_bytes(i);
        const int rc = ringcast_mcast(a.h, "g", i % 2 ? RINGCAST_SAFE : RINGCAST_AGREED, m.data(),
                                      m.size());
        if (rc == RINGCAST_EAGAIN) {
            // Keep our own delivery ring moving, then wait for room.
            if (ringcast_dispatch(a.h, RINGCAST_DISPATCH_ALL) == 0) {
                pollfd p{ringcast_fd(a.h), POLLIN, 0};
                (void)::poll(&p, 1, 5);
            }
            continue;
        }
        ASSERT_EQ(rc, RINGCAST_OK);
        const auto len = static_cast<std::uint32_t>(m.size());
        XXH3_64bits_update(sent, &len, sizeof len);
        XXH3_64bits_update(sent, m.data(), m.size());
        ++i;
    }
    ASSERT_TRUE(a.until([&] { return a.count == count; }));
    rx.join();
    const std::uint64_t want = XXH3_64bits_digest(sent);
    XXH3_freeState(sent);
    EXPECT_EQ(XXH3_64bits_digest(a.digest), want);
    EXPECT_EQ(XXH3_64bits_digest(b.digest), want);
    EXPECT_EQ(hub_->stats().dropped_bad_group, 0u);
}

TEST_F(hub_test, killed_client_is_seen_leaving_by_the_others) {
    const char* exe = std::getenv("RINGCAST_TEST_CLIENT");
    ASSERT_NE(exe, nullptr) << "run through meson test";
    start();
    receiver b;
    ASSERT_EQ(b.connect(cfg_.socket_path), RINGCAST_OK);
    ASSERT_EQ(ringcast_join(b.h, "g"), RINGCAST_OK);
    ASSERT_TRUE(b.until([&] { return b.members.size() == 1; }));

    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    const pid_t child = ::fork();
    if (child == 0) {
        ::dup2(out[1], 1);
        ::execl(exe, exe, cfg_.socket_path.c_str(), "g", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(out[1]);
    char line[64] = {};
    pollfd p{out[0], POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 10000), 1);
    ASSERT_GT(::read(out[0], line, sizeof line - 1), 0);
    ::close(out[0]);
    ASSERT_TRUE(b.until([&] { return b.members.size() == 2; })) << line;
    // Members sort by (node, pid, client): the child's pid may be below ours (pids wrap).
    ASSERT_TRUE(b.members[0].pid == static_cast<std::uint32_t>(child) ||
                b.members[1].pid == static_cast<std::uint32_t>(child));

    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(b.until([&] { return b.members.size() == 1; }));
    ASSERT_EQ(b.left.size(), 1u);
    EXPECT_EQ(b.left[0].pid, static_cast<std::uint32_t>(child));
    EXPECT_EQ(b.last_reason, RINGCAST_REASON_PROCESS_GONE);
    // The slot is reclaimed and the hub keeps serving.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (hub_->client_count() != 1 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(hub_->client_count(), 1u);
    const char msg[] = "still here";
    ASSERT_EQ(ringcast_mcast(b.h, "g", RINGCAST_AGREED, msg, sizeof msg), RINGCAST_OK);
    ASSERT_TRUE(b.until([&] { return b.count == 1; }));
}

TEST_F(hub_test, client_of_a_disallowed_uid_is_refused) {
    cfg_.allowed_uids = {::getuid() + 4242};
    cfg_.allowed_gids = {::getgid() + 4242};
    start();
    receiver r;
    EXPECT_EQ(r.connect(cfg_.socket_path), RINGCAST_EACCES);
    EXPECT_EQ(r.h, nullptr);
}

// Connects without libringcast and returns the mapped region (for writing garbage into it).
struct raw_client {
    int sock = -1;
    void* map = nullptr;
    std::size_t size = 0;
    region_view region;
    ~raw_client() {
        if (map != nullptr) {
            ::munmap(map, size);
        }
        ::close(sock);
    }
    bool connect(const std::string& path) {
        sock = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, path.c_str());
        if (::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            return false;
        }
        welcome w;
        int fds[2];
        if (receive_welcome(sock, w, fds) != sizeof w || w.status != 0 || fds[0] < 0) {
            return false;
        }
        size = w.region_size;
        map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
        // The daemon sealed the memfd: a hostile client cannot shrink it under the daemon.
        const bool sealed = ::ftruncate(fds[0], 4096) != 0;
        ::close(fds[0]);
        ::close(fds[1]);
        return map != MAP_FAILED && sealed && attach_region(map, size, region) == errc::ok;
    }
};

TEST_F(hub_test, garbage_writing_client_is_dropped_and_others_go_on) {
    start();
    receiver good;
    ASSERT_EQ(good.connect(cfg_.socket_path), RINGCAST_OK);
    ASSERT_EQ(ringcast_join(good.h, "g"), RINGCAST_OK);
    ASSERT_TRUE(good.until([&] { return good.members.size() == 1; }));

    std::mt19937_64 rng(77);
    for (int round = 0; round < 30; ++round) {
        raw_client bad;
        ASSERT_TRUE(bad.connect(cfg_.socket_path));
        auto* data = bad.region.submit_data;
        const std::uint64_t cap = bad.region.submit->capacity;
        for (std::uint64_t i = 0; i < cap; i += 8) {
            const std::uint64_t v = round % 3 == 0 ? 0 : rng();
            std::memcpy(data + i, &v, 8);
        }
        if (round % 3 == 0) {
            // A well-formed record header around a payload that is not a group message.
            record_header h{};
            h.length = 200;
            h.kind = static_cast<std::uint16_t>(record_kind::message);
            h.check = record_check(h.length, h.kind);
            std::memcpy(data, &h, sizeof h);
            bad.region.submit->head.store(record_size(200));
        } else {
            bad.region.submit->head.store(round % 2 ? rng() : (rng() % cap) & ~31ull);
        }
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (bad.region.header->state.load() == static_cast<std::uint32_t>(region_state::open) &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(100us);
        }
        ASSERT_EQ(bad.region.header->state.load(), static_cast<std::uint32_t>(region_state::closed))
            << "round " << round;
        EXPECT_NE(bad.region.header->reason[0], '\0');
    }
    const char msg[] = "after the garbage";
    ASSERT_EQ(ringcast_mcast(good.h, "g", RINGCAST_AGREED, msg, sizeof msg), RINGCAST_OK);
    ASSERT_TRUE(good.until([&] { return good.count == 1; }));
    EXPECT_GE(hub_->stats().clients_dropped, 30u);
}

TEST_F(hub_test, slow_consumer_is_disconnected_under_the_disconnect_policy) {
    cfg_.slow_consumer = slow_consumer_policy::disconnect;
    cfg_.deliver_ring_bytes = 1u << 18;
    start();
    receiver fast, slow;
    ASSERT_EQ(fast.connect(cfg_.socket_path), RINGCAST_OK);
    ASSERT_EQ(slow.connect(cfg_.socket_path), RINGCAST_OK);
    ASSERT_EQ(ringcast_join(slow.h, "g"), RINGCAST_OK);
    ASSERT_TRUE(slow.until([&] { return slow.members.size() == 1; }));
    ASSERT_EQ(ringcast_join(fast.h, "g"), RINGCAST_OK);
    ASSERT_TRUE(fast.until([&] { return fast.members.size() == 2; }));
    // slow never dispatches again: its delivery ring fills and it is dropped.
    std::vector<std::byte> m(4000);
    std::uint64_t sent = 0;
    while (fast.members.size() == 2) {
        if (ringcast_mcast(fast.h, "g", RINGCAST_AGREED, m.data(), m.size()) == RINGCAST_OK) {
            ++sent;
        }
        ASSERT_GE(ringcast_dispatch(fast.h, RINGCAST_DISPATCH_ALL), 0);
        ASSERT_LT(sent, 100000u);
    }
    EXPECT_EQ(fast.last_reason, RINGCAST_REASON_PROCESS_GONE);
    (void)ringcast_dispatch(slow.h, RINGCAST_DISPATCH_ALL);
    EXPECT_NE(std::string(ringcast_last_error(slow.h)).find("slow consumer"), std::string::npos)
        << ringcast_last_error(slow.h);
}

} // namespace
} // namespace ringcast::shm::test
