// A hostile local client for the mp tests: it does the handshake like libringcast, maps its
// region, and then corrupts what a client controls (submit ring cursor, record headers, lengths,
// group headers, the delivery ring's tail) in one of several ways. A correct daemon drops it
// with a reason in the region (and its log) and goes on serving everyone else.
//
//   garbage_client SOCKET MODE [GROUP]    exit 0: dropped ("client ID dropped: REASON" on
//                                         stdout); 1: not dropped
//
// It links lib/shm's ring code only to write well-framed records where the attack needs one
// (the lie is then in the group header or the cursor, not the framing).

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include "lib/shm/handshake_io.hpp"
#include "lib/shm/group_wire.hpp"
#include "lib/shm/handshake.hpp"
#include "lib/shm/region.hpp"
#include "lib/shm/ring.hpp"

using namespace ringcast::shm;

namespace {

struct session {
    int sock = -1;
    region_view region;
};

bool connect_daemon(const char* path, session& s) {
    s.sock = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    if (s.sock < 0 || ::connect(s.sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("garbage_client: connect");
        return false;
    }
    welcome w;
    int fds[2];
    if (receive_welcome(s.sock, w, fds) != static_cast<ssize_t>(sizeof w) ||
        w.magic != welcome_magic || w.status != 0 || fds[0] < 0) {
        std::fprintf(stderr, "garbage_client: no welcome (status %d: %s)\n", w.status, w.reason);
        return false;
    }
    void* map = ::mmap(nullptr, w.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
    if (map == MAP_FAILED || attach_region(map, w.region_size, s.region) != errc::ok) {
        std::fprintf(stderr, "garbage_client: cannot map the region\n");
        return false;
    }
    return true;
}

member self_of(const session& s) {
    const region_header& h = *s.region.header;
    return member{h.node, h.pid, h.client};
}

// A well-framed submit record whose payload is a group header (+ data); `spoil` may change the
// payload before it is published.
template <typename F = void (*)(std::span<std::byte>)>
void put_group_record(session& s, const group_header& gh, std::size_t data_len,
                      F spoil = [](std::span<std::byte>) {}) {
    producer p(s.region.submit, s.region.submit_data, s.region.submit->capacity,
               s.region.submit->record_max);
    const std::size_t header = group_header_size(gh.name.size());
    claim_result cr = p.claim(static_cast<std::uint32_t>(header + data_len));
    if (cr.err != errc::ok) {
        std::fprintf(stderr, "garbage_client: claim failed\n");
        return;
    }
    (void)encode_group_header(cr.payload, gh);
    std::memset(cr.payload.data() + header, 0x42, data_len);
    spoil(cr.payload);
    (void)p.commit(record_meta{1, gh.sender.node, 0, record_kind::message, 0});
}

// A raw record header at the start of the submit ring, published by moving head past it.
void put_raw_header(session& s, const record_header& rh, std::uint64_t head) {
    std::memcpy(s.region.submit_data, &rh, sizeof rh);
    s.region.submit->head.store(head, std::memory_order_release);
}

bool attack(session& s, std::string_view mode, const char* group) {
    ring_header& sub = *s.region.submit;
    const std::uint64_t cap = sub.capacity;
    std::mt19937_64 rng(0x6a7b);
    if (mode == "head-ahead") {
        sub.head.store(cap * 4 + 4096, std::memory_order_release);
    } else if (mode == "head-unaligned") {
        sub.head.store(13, std::memory_order_release);
    } else if (mode == "length") {
        record_header rh;
        rh.length = sub.record_max + 1; // a consistent check word: only the bound can catch it
        rh.kind = static_cast<std::uint16_t>(record_kind::message);
        rh.check = record_check(rh.length, rh.kind);
        put_raw_header(s, rh, record_size(rh.length) & (cap - 1));
    } else if (mode == "past-head") {
        record_header rh;
        rh.length = 4000; // more than was published
        rh.kind = static_cast<std::uint16_t>(record_kind::message);
        rh.check = record_check(rh.length, rh.kind);
        put_raw_header(s, rh, 64);
    } else if (mode == "header") {
        record_header rh;
        std::uint64_t words[4];
        for (auto& w : words) {
            w = rng();
        }
        std::memcpy(&rh, words, sizeof rh);
        put_raw_header(s, rh, 256);
    } else if (mode == "random") {
        for (std::uint64_t i = 0; i < cap; i += 8) {
            const std::uint64_t w = rng();
            std::memcpy(s.region.submit_data + i, &w, 8);
        }
        sub.head.store(rng() & (cap - 1) & ~std::uint64_t{31}, std::memory_order_release);
    } else if (mode == "group") {
        group_header gh;
        gh.kind = group_msg_kind::data;
        gh.sender = self_of(s);
        gh.name = group;
        put_group_record(s, gh, 16, [](std::span<std::byte> p) { p[2] = std::byte{0x77}; });
    } else if (mode == "sender") {
        group_header gh;
        gh.kind = group_msg_kind::join;
        gh.sender = self_of(s);
        gh.sender.client ^= 0x5555; // someone else's id
        gh.name = group;
        put_group_record(s, gh, 0);
    } else if (mode == "tail") {
        // Join properly, then claim to have consumed far more than the daemon ever wrote: the
        // daemon trips over it when it writes our join's view.
        s.region.deliver->tail.store(s.region.deliver->capacity * 8 + 64,
                                     std::memory_order_release);
        group_header gh;
        gh.kind = group_msg_kind::join;
        gh.sender = self_of(s);
        gh.name = group;
        put_group_record(s, gh, 0);
    } else {
        std::fprintf(stderr, "garbage_client: unknown mode '%.*s'\n",
                     static_cast<int>(mode.size()), mode.data());
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: garbage_client SOCKET MODE [GROUP]\n");
        return 2;
    }
    session s;
    if (!connect_daemon(argv[1], s) || !attack(s, argv[2], argc > 3 ? argv[3] : "mp")) {
        return 2;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (s.region.header->state.load(std::memory_order_acquire) !=
            static_cast<std::uint32_t>(region_state::open)) {
            char reason[sizeof s.region.header->reason + 1] = {};
            std::memcpy(reason, s.region.header->reason, sizeof s.region.header->reason);
            std::printf("client %u dropped: %s\n", s.region.header->client, reason);
            return 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::printf("not dropped after 10 s (mode %s)\n", argv[2]);
    return 1;
}
