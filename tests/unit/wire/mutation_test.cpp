// In-process fuzzing on every `meson test` run: random and mutated buffers through decode_frame.
// Under ASan+UBSan (build-wire-asan) this is the memory-safety check; in every build it checks
// the round-trip oracle: a buffer that decodes ok re-encodes to the very same bytes (the format
// is canonical: every reserved bit is checked, every field is kept) and decodes to the same value.
//
// Replay another seed with RINGCAST_WIRE_SEED=<n>.

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "tests/unit/wire/wire_gen.hpp"

namespace ringcast::wire::test {
namespace {

constexpr int buffers_per_run = 150'000;
constexpr std::size_t at_body_len = eth_header_size + 40;

std::uint64_t seed_from_env() {
    const char* s = std::getenv("RINGCAST_WIRE_SEED");
    return s != nullptr ? std::strtoull(s, nullptr, 0) : 0x5249'4e47'f022;
}

// Offsets (from the frame start) of the count fields of a type: the mutations aimed at them
// reach the list-walking code instead of stopping at the first length check.
std::vector<std::size_t> count_fields(msg_type t) {
    switch (t) {
    case msg_type::mcast: return {body_at + 34, body_at + 40}; // chunk_count, first chunk len
    case msg_type::orf_token: return {body_at + 38};
    case msg_type::join: return {body_at + 8, body_at + 10};
    case msg_type::commit_token: return {body_at + 8, body_at + 10};
    default: return {};
    }
}

// A value near `old` or at an edge, for length and count fields.
std::uint32_t length_like(rng_t& rng, std::uint32_t old) {
    switch (rng() % 6) {
    case 0: return old + 1;
    case 1: return old - 1;
    case 2: return old + uniform<std::uint32_t>(rng, 0, 64) - 32;
    case 3: return 0;
    case 4: return static_cast<std::uint32_t>(rng() % 2048);
    default: return static_cast<std::uint32_t>(rng());
    }
}

class mutator {
public:
    explicit mutator(std::uint64_t seed) : rng_(seed) {
        for (int rep = 0; rep < 16; ++rep) {
            for (const msg_type t : all_types) {
                seeds_.push_back({t, random_frame(rng_, t)});
            }
        }
    }

    /** One buffer to decode, by one of the strategies. */
    byte_vec next() {
        const auto& [type, base] = seeds_[rng_() % seeds_.size()];
        byte_vec f = base;
        switch (rng_() % 7) {
        case 0: return random_bytes();
        case 1: return random_after_header();
        case 2: flip_bits(f); break;
        case 3: f.resize(uniform<std::size_t>(rng_, 0, f.size())); break;
        case 4: overwrite_bytes(f); break;
        case 5: mutate_lengths(f, type); break;
        default:
            flip_bits(f);
            mutate_lengths(f, type);
            break;
        }
        return f;
    }

private:
    byte_vec random_bytes() {
        byte_vec f(uniform<std::size_t>(rng_, 0, 300));
        for (auto& b : f) {
            b = static_cast<std::byte>(rng_());
        }
        return f;
    }

    // A valid Ethernet+ringcast header of any type (even unknown ones) and a random body of the
    // length body_len claims, so that the body decoders see hostile input.
    byte_vec random_after_header() {
        byte_vec f = random_bytes();
        f.resize(body_at + uniform<std::size_t>(rng_, 0, 200) + tag_size);
        for (auto& b : f) {
            b = static_cast<std::byte>(rng_() % 3 == 0 ? rng_() : 0);
        }
        store_be<std::uint16_t>(f.data() + 12, test_ethertype);
        store_be<std::uint16_t>(f.data() + 14, magic);
        store_be<std::uint8_t>(f.data() + 16, version);
        store_be<std::uint8_t>(f.data() + 17, static_cast<std::uint8_t>(rng_() % 8));
        store_be<std::uint16_t>(f.data() + 18, 0);
        store_be<std::uint16_t>(f.data() + 20, 0);
        store_be<std::uint32_t>(f.data() + at_body_len,
                                static_cast<std::uint32_t>(f.size() - frame_overhead));
        store_be<std::uint32_t>(f.data() + 58, 0);
        return f;
    }

    void flip_bits(byte_vec& f) {
        const auto n = uniform<int>(rng_, 1, 8);
        for (int i = 0; i < n && !f.empty(); ++i) {
            f[rng_() % f.size()] ^= static_cast<std::byte>(1u << (rng_() % 8));
        }
    }

    void overwrite_bytes(byte_vec& f) {
        const auto n = uniform<int>(rng_, 1, 4);
        for (int i = 0; i < n && !f.empty(); ++i) {
            f[rng_() % f.size()] = static_cast<std::byte>(rng_() % 2 == 0 ? rng_() : 0xFF);
        }
    }

    // Rewrites body_len or a count field; sometimes resizes the frame to agree with body_len.
    void mutate_lengths(byte_vec& f, msg_type t) {
        const std::vector<std::size_t> counts = count_fields(t);
        if (counts.empty() || rng_() % 2 == 0) {
            const auto old = load_be<std::uint32_t>(f.data() + at_body_len);
            const std::uint32_t len = length_like(rng_, old);
            store_be<std::uint32_t>(f.data() + at_body_len, len);
            if (rng_() % 2 == 0 && len <= 4096) {
                f.resize(frame_overhead + len);
            }
            return;
        }
        const std::size_t off = counts[rng_() % counts.size()];
        if (off + 4 > f.size()) {
            return;
        }
        if (off == body_at + 40) { // a u32 chunk len
            store_be<std::uint32_t>(f.data() + off,
                                    length_like(rng_, load_be<std::uint32_t>(f.data() + off)));
        } else {
            store_be<std::uint16_t>(
                f.data() + off, static_cast<std::uint16_t>(
                                    length_like(rng_, load_be<std::uint16_t>(f.data() + off))));
        }
    }

    rng_t rng_;
    std::vector<std::pair<msg_type, byte_vec>> seeds_;
};

// The oracle for a buffer that decoded ok.
void check_canonical(const byte_vec& in, const frame& f) {
    parsed_frame p;
    ASSERT_EQ(parse_frame(in, test_ethertype, p), errc::ok);
    byte_vec out(in.size());
    const encode_result r = encode_frame(out, p.dst, p.src, test_ethertype, f.hdr, f.body);
    ASSERT_EQ(r.err, errc::ok);
    ASSERT_EQ(r.size, in.size());
    // Equal up to the tag, which encode_frame leaves zero.
    ASSERT_EQ(std::memcmp(out.data(), in.data(), in.size() - tag_size), 0);
    frame again;
    ASSERT_EQ(decode_frame(out, test_ethertype, again), errc::ok);
    ASSERT_EQ(again.hdr, f.hdr);
    ASSERT_TRUE(same_body(again.body, f.body));
    if (const auto* m = std::get_if<mcast_view>(&f.body)) {
        chunk_reader reader(m->payload);
        chunk c;
        std::size_t n = 0;
        while (reader.next(c)) {
            ++n;
        }
        ASSERT_EQ(n, m->fields.chunk_count);
        ASSERT_EQ(reader.offset(), m->payload.size());
    }
}

TEST(wire_mutation, random_and_mutated_buffers) {
    const std::uint64_t seed = seed_from_env();
    mutator gen(seed);
    std::array<int, static_cast<std::size_t>(errc::count_)> by_errc{};
    frame f;
    for (int i = 0; i < buffers_per_run; ++i) {
        const byte_vec buf = gen.next();
        const errc e = decode_frame(buf, test_ethertype, f);
        ++by_errc[static_cast<std::size_t>(e)];
        if (e == errc::ok) {
            check_canonical(buf, f);
            if (testing::Test::HasFatalFailure()) {
                FAIL() << "buffer " << i << "; replay with RINGCAST_WIRE_SEED=" << seed;
            }
        }
    }
    std::cout << "decoded " << buffers_per_run << " buffers (seed " << seed << "):";
    for (std::size_t e = 0; e < by_errc.size(); ++e) {
        std::cout << ' ' << to_string(static_cast<errc>(e)) << '=' << by_errc[e];
    }
    std::cout << '\n';
    // The strategies must reach every decoder outcome, or they have silently stopped working.
    for (std::size_t e = 0; e < by_errc.size(); ++e) {
        if (static_cast<errc>(e) != errc::buffer_too_small) {
            EXPECT_GT(by_errc[e], 100) << to_string(static_cast<errc>(e));
        }
    }
}

} // namespace
} // namespace ringcast::wire::test
