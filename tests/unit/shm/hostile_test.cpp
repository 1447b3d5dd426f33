// A hostile peer: random cursors, headers, lengths and layouts. Every case must end as an error
// code (or a record fully inside the data area), never as a crash or an out-of-bounds access;
// run this under ASan/UBSan (build-shm-asan) to make "never" mean something.

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "lib/shm/group_wire.hpp"
#include "lib/shm/region.hpp"
#include "tests/unit/shm/shm_test_util.hpp"

namespace ringcast::shm::test {
namespace {

void expect_inside(const test_ring& r, const peek_result& pr) {
    ASSERT_GE(pr.payload.data(), r.data);
    ASSERT_LE(pr.payload.data() + pr.payload.size(), r.data + r.capacity);
    ASSERT_LE(pr.payload.size(), r.record_max);
}

std::uint64_t wild(std::mt19937_64& rng, std::uint64_t near) {
    switch (rng() % 4) {
    case 0:
        return rng();
    case 1:
        return near + rng() % 8192;
    case 2:
        return near - rng() % 64;
    default:
        return (near + (rng() % 8192)) & ~std::uint64_t{31};
    }
}

TEST(shm_hostile, random_head_and_garbage_data_never_escape_the_ring) {
    std::mt19937_64 rng(11);
    std::size_t ok = 0;
    std::size_t errors[static_cast<int>(errc::count_)] = {};
    for (int round = 0; round < 20000; ++round) {
        test_ring r(4096, 1024);
        for (std::size_t i = 0; i < r.capacity; i += 8) {
            const std::uint64_t v = rng();
            std::memcpy(r.data + i, &v, 8);
        }
        // Sometimes a plausible header so the deeper checks run too.
        if (rng() % 2 == 0) {
            record_header h{};
            h.length = static_cast<std::uint32_t>(rng() % 1100);
            h.kind = static_cast<std::uint16_t>(rng() % 4);
            h.check = rng() % 8 == 0 ? static_cast<std::uint32_t>(rng())
                                     : record_check(h.length, h.kind);
            std::memcpy(r.data + (rng() % 4 == 0 ? (rng() % 128) * 32 : 0), &h, sizeof h);
        }
        consumer c = r.make_consumer();
        for (int k = 0; k < 8; ++k) {
            r.header->head.store(wild(rng, c.read_position()));
            const peek_result pr = c.peek();
            if (pr.err == errc::ok) {
                expect_inside(r, pr);
                ++ok;
                c.consume_and_release();
            } else {
                ++errors[static_cast<int>(pr.err)];
                if (pr.err != errc::empty) {
                    break;
                }
            }
        }
    }
    EXPECT_GT(errors[static_cast<int>(errc::bad_cursor)], 0u);
    EXPECT_GT(errors[static_cast<int>(errc::bad_header)], 0u);
    EXPECT_GT(errors[static_cast<int>(errc::bad_length)], 0u);
    EXPECT_GT(ok, 0u);
}

TEST(shm_hostile, mutated_valid_stream_is_either_read_or_refused) {
    std::mt19937_64 rng(12);
    for (int round = 0; round < 5000; ++round) {
        test_ring r(4096, 1024);
        producer p = r.make_producer();
        consumer c = r.make_consumer();
        // Advance both sides a random amount so wraps and padding are in play.
        const int warm = static_cast<int>(rng() % 12);
        for (int i = 0; i < warm; ++i) {
            if (p.claim(static_cast<std::uint32_t>(rng() % 1025)).err == errc::ok) {
                (void)p.commit({});
            }
            if (c.peek().err == errc::ok) {
                c.consume_and_release();
            }
        }
        for (int i = 0; i < 4; ++i) {
            if (p.claim(static_cast<std::uint32_t>(rng() % 1025)).err == errc::ok) {
                (void)p.commit({static_cast<std::uint64_t>(i)});
            }
        }
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int f = 0; f < flips; ++f) {
            r.data[rng() % r.capacity] ^= static_cast<std::byte>(1u << (rng() % 8));
        }
        for (int k = 0; k < 8; ++k) {
            const peek_result pr = c.peek();
            if (pr.err != errc::ok) {
                break;
            }
            expect_inside(r, pr);
            c.consume_and_release();
        }
    }
}

TEST(shm_hostile, producer_survives_an_impossible_consumer_tail) {
    std::mt19937_64 rng(13);
    test_ring r(4096, 1024);
    producer p = r.make_producer();
    int bad = 0;
    for (int i = 0; i < 100000; ++i) {
        r.header->tail.store(rng() % 3 == 0 ? rng() : rng() % 16384);
        const claim_result cr = p.claim(static_cast<std::uint32_t>(rng() % 1025));
        if (cr.err == errc::ok) {
            ASSERT_GE(cr.payload.data(), r.data);
            ASSERT_LE(cr.payload.data() + cr.payload.size(), r.data + r.capacity);
            (void)p.commit({});
        } else {
            bad += cr.err == errc::bad_cursor ? 1 : 0;
        }
    }
    EXPECT_GT(bad, 0);
}

TEST(shm_hostile, random_region_headers_are_refused) {
    std::mt19937_64 rng(14);
    const region_sizes sizes{4096, 8192, 1000, 1000};
    const std::uint64_t size = region_size(sizes);
    std::vector<std::uint64_t> mem(size / 8);
    region_view v = init_region(mem.data(), sizes, 1, 2, 3, 900, 4);
    region_view out;
    ASSERT_EQ(attach_region(mem.data(), size, out), errc::ok);
    EXPECT_EQ(out.deliver_data, v.deliver_data);
    EXPECT_EQ(attach_region(mem.data(), size - 64, out), errc::bad_layout);
    const std::vector<std::uint64_t> good = mem;
    int refused = 0;
    for (int i = 0; i < 20000; ++i) {
        mem = good;
        // Corrupt one 8-byte word of the region header or a ring header.
        const std::size_t words[] = {0, 1, 2, 3, sizeof(region_header) / 8,
                                     sizeof(region_header) / 8 + 1, sizeof(region_header) / 8 + 2,
                                     (sizeof(region_header) + sizeof(ring_header) + 4096) / 8 + 1};
        mem[words[rng() % std::size(words)]] = rng() % 2 ? rng() : rng() % 65536;
        if (attach_region(mem.data(), size, out) != errc::ok) {
            ++refused;
        } else {
            // Whatever was accepted still lies inside the mapping.
            const auto* lo = reinterpret_cast<const std::byte*>(mem.data());
            ASSERT_LE(out.deliver_data + out.deliver->capacity, lo + size);
            ASSERT_LE(out.submit_data + out.submit->capacity,
                      reinterpret_cast<const std::byte*>(out.deliver));
        }
    }
    EXPECT_GT(refused, 10000);
}

TEST(shm_hostile, random_group_headers_and_view_records_are_refused) {
    std::mt19937_64 rng(15);
    std::byte buf[group_header_max];
    group_header h;
    h.kind = group_msg_kind::data;
    h.sender = {1, 2, 3};
    h.name = "orders";
    const std::size_t size = encode_group_header(buf, h);
    EXPECT_EQ(size, 32u) << "24 fixed bytes and the name, padded to 8";
    group_header got;
    ASSERT_EQ(parse_group_header(std::span<const std::byte>(buf, size), got), errc::ok);
    EXPECT_EQ(got.name, "orders");
    EXPECT_EQ(got.sender, h.sender);
    EXPECT_EQ(got.size, size);
    // Cut short anywhere, the header is refused (a message shorter than its own header).
    for (std::size_t n = 0; n < size; ++n) {
        EXPECT_EQ(parse_group_header(std::span<const std::byte>(buf, n), got), errc::bad_group) << n;
    }
    int accepted = 0;
    for (int i = 0; i < 100000; ++i) {
        std::byte m[group_header_max];
        std::memcpy(m, buf, size);
        m[rng() % size] = static_cast<std::byte>(rng());
        if (parse_group_header(std::span<const std::byte>(m, size), got) == errc::ok) {
            ++accepted;
            EXPECT_LE(got.name.size(), group_name_max);
            EXPECT_LE(got.size, size) << "a header never reaches past the bytes it was given";
        }
    }
    EXPECT_LT(accepted, 100000);
    for (int i = 0; i < 100000; ++i) {
        std::vector<std::byte> rec(rng() % 300);
        for (auto& b : rec) {
            b = static_cast<std::byte>(rng() % 4);
        }
        view_event ev;
        std::uint32_t counts[3];
        if (parse_view_fixed(rec, ev, counts)) {
            const std::uint64_t n = std::uint64_t{counts[0]} + counts[1] + counts[2];
            ASSERT_EQ(view_event_size(0, 0, 0) + n * view_member_size, rec.size());
            if (n != 0) {
                (void)view_member_at(rec, n - 1);
            }
        }
    }
}

} // namespace
} // namespace ringcast::shm::test
