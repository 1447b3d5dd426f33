// lib/shm ring: claim/commit, peek/consume/release, wrap with padding, full, FIFO release,
// and the sleep/wake flags.

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <random>
#include <thread>
#include <vector>

#include "tests/unit/shm/shm_test_util.hpp"

namespace ringcast::shm::test {
namespace {

void fill(std::span<std::byte> out, std::uint64_t seed) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<std::byte>((seed * 31 + i) & 0xFF);
    }
}

bool check(std::span<const std::byte> in, std::uint64_t seed) {
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != static_cast<std::byte>((seed * 31 + i) & 0xFF)) {
            return false;
        }
    }
    return true;
}

TEST(shm_ring, empty_then_one_record_round_trips) {
    test_ring r(4096, 1024);
    producer p = r.make_producer();
    consumer c = r.make_consumer();
    EXPECT_EQ(c.peek().err, errc::empty);
    const claim_result cr = p.claim(100);
    ASSERT_EQ(cr.err, errc::ok);
    ASSERT_EQ(cr.payload.size(), 100u);
    fill(cr.payload, 7);
    EXPECT_EQ(c.peek().err, errc::empty) << "nothing visible before commit";
    EXPECT_FALSE(p.commit({42, 3, 9, record_kind::message, record_flag_safe}));
    const peek_result pr = c.peek();
    ASSERT_EQ(pr.err, errc::ok);
    EXPECT_EQ(pr.header.seq, 42u);
    EXPECT_EQ(pr.header.node, 3u);
    EXPECT_EQ(pr.header.group, 9u);
    EXPECT_EQ(pr.header.flags, record_flag_safe);
    EXPECT_TRUE(check(pr.payload, 7));
    c.consume_and_release();
    EXPECT_EQ(c.peek().err, errc::empty);
    EXPECT_EQ(p.free_bytes(), 4096u);
}

TEST(shm_ring, too_large_and_full) {
    test_ring r(4096, 1024);
    producer p = r.make_producer();
    EXPECT_EQ(p.claim(1025).err, errc::too_large);
    int n = 0;
    while (true) {
        const claim_result cr = p.claim(1000);
        if (cr.err != errc::ok) {
            EXPECT_EQ(cr.err, errc::full);
            break;
        }
        (void)p.commit({});
        ++n;
    }
    EXPECT_EQ(n, 3); // 1056-byte records in 4096 bytes
}

TEST(shm_ring, wraps_with_an_explicit_padding_record_and_never_splits) {
    test_ring r(4096, 1024);
    producer p = r.make_producer();
    consumer c = r.make_consumer();
    std::mt19937_64 rng(1);
    std::deque<std::pair<std::uint64_t, std::uint32_t>> in_flight;
    std::uint64_t next = 0;
    std::uint64_t got = 0;
    for (int round = 0; round < 20000; ++round) {
        const auto len = static_cast<std::uint32_t>(rng() % 1025);
        const claim_result cr = p.claim(len);
        if (cr.err == errc::ok) {
            // The payload lies inside the data area: no record is split across the end.
            ASSERT_GE(cr.payload.data(), r.data);
            ASSERT_LE(cr.payload.data() + cr.payload.size(), r.data + r.capacity);
            fill(cr.payload, next);
            (void)p.commit({next, 1, 0, record_kind::message, 0});
            in_flight.emplace_back(next++, len);
        } else {
            ASSERT_EQ(cr.err, errc::full);
        }
        const int reads = static_cast<int>(rng() % 3);
        for (int k = 0; k < reads; ++k) {
            const peek_result pr = c.peek();
            if (pr.err == errc::empty) {
                break;
            }
            ASSERT_EQ(pr.err, errc::ok);
            ASSERT_FALSE(in_flight.empty());
            EXPECT_EQ(pr.header.seq, in_flight.front().first);
            EXPECT_EQ(pr.payload.size(), in_flight.front().second);
            EXPECT_TRUE(check(pr.payload, pr.header.seq));
            in_flight.pop_front();
            c.consume_and_release();
            ++got;
        }
    }
    EXPECT_GT(got, 5000u);
    EXPECT_GT(c.read_position(), 20 * r.capacity) << "the test must wrap many times";
}

TEST(shm_ring, deferred_fifo_release_holds_space_until_released) {
    test_ring r(4096, 1024);
    producer p = r.make_producer();
    consumer c = r.make_consumer();
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(p.claim(1000).err, errc::ok);
        (void)p.commit({static_cast<std::uint64_t>(i)});
    }
    std::vector<std::uint64_t> ends;
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(c.peek().err, errc::ok);
        ends.push_back(c.consume());
    }
    EXPECT_EQ(c.peek().err, errc::empty);
    // Read but unreleased space is not free; the padding up to the end goes out on its own.
    EXPECT_EQ(p.claim(1000).err, errc::full);
    c.release(ends[0]);
    ASSERT_EQ(p.claim(1000).err, errc::ok);
    (void)p.commit({9});
    const peek_result pr = c.peek(); // skips the padding
    ASSERT_EQ(pr.err, errc::ok);
    EXPECT_EQ(pr.header.seq, 9u);
    const std::uint64_t end9 = c.consume();
    c.release(ends[1]);
    c.release(ends[2]); // takes the padding after it along
    c.release(end9);
    EXPECT_EQ(p.free_bytes(), 4096u);
}

TEST(shm_ring, wake_flags_are_only_reported_when_set) {
    test_ring r(4096, 1024);
    producer p = r.make_producer();
    consumer c = r.make_consumer();
    EXPECT_TRUE(c.prepare_wait()) << "empty: may sleep";
    ASSERT_EQ(p.claim(10).err, errc::ok);
    EXPECT_TRUE(p.commit({})) << "the consumer said it sleeps";
    ASSERT_EQ(p.claim(10).err, errc::ok);
    EXPECT_FALSE(p.commit({})) << "flag cleared by the first signal";
    EXPECT_FALSE(c.prepare_wait()) << "data there: no sleep";
    while (p.claim(1000).err == errc::ok) {
        (void)p.commit({});
    }
    EXPECT_TRUE(p.prepare_wait(1000));
    ASSERT_EQ(c.peek().err, errc::ok);
    c.consume_and_release();
    EXPECT_TRUE(c.producer_needs_wake());
    EXPECT_FALSE(c.producer_needs_wake());
}

TEST(shm_ring, two_threads_stream_in_order) {
    test_ring r(1 << 16, 4096);
    constexpr std::uint64_t count = 200000;
    std::thread prod([&] {
        producer p = r.make_producer();
        std::mt19937 rng(3);
        for (std::uint64_t i = 0; i < count;) {
            const auto len = static_cast<std::uint32_t>(rng() % 4097);
            claim_result cr = p.claim(len);
            while (cr.err == errc::full) {
                std::this_thread::yield();
                cr = p.claim(len);
            }
            ASSERT_EQ(cr.err, errc::ok);
            fill(cr.payload, i);
            (void)p.commit({i++});
        }
    });
    consumer c = r.make_consumer();
    std::uint64_t expect = 0;
    bool ok = true;
    while (expect < count) {
        const peek_result pr = c.peek();
        if (pr.err == errc::empty) {
            std::this_thread::yield();
            continue;
        }
        ASSERT_EQ(pr.err, errc::ok);
        ok = ok && pr.header.seq == expect && check(pr.payload, expect);
        ++expect;
        c.consume_and_release();
    }
    prod.join();
    EXPECT_TRUE(ok);
}

} // namespace
} // namespace ringcast::shm::test
