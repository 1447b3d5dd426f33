// One test per malformation: a valid frame with one field broken must fail with exactly the errc
// codec.hpp documents for it. Offsets are written out from the format table (docs/design.md, "Wire format")
// rather than taken from the codec, so a layout slip on both sides still shows up here.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "tests/unit/wire/wire_gen.hpp"

namespace ringcast::wire::test {
namespace {

// Offsets from the start of the Ethernet frame.
constexpr std::size_t at_ethertype = 12;
constexpr std::size_t at_magic = 14;
constexpr std::size_t at_version = 16;
constexpr std::size_t at_type = 17;
constexpr std::size_t at_flags = 18;
constexpr std::size_t at_reserved16 = 20;
constexpr std::size_t at_body_len = 54;
constexpr std::size_t at_reserved32 = 58;
constexpr std::size_t at_payload = body_at + 40; // mcast

errc dec(std::span<const std::byte> f) {
    frame out;
    return decode_frame(f, test_ethertype, out);
}

template <typename T>
void poke(byte_vec& f, std::size_t off, T v) {
    ASSERT_LE(off + sizeof(T), f.size());
    store_be<T>(f.data() + off, v);
}

/** The frame with its body replaced by `body` (body_len updated, zero tag appended). */
byte_vec with_body(const byte_vec& f, const byte_vec& body) {
    // Sized up front: g++ 12 -O3 reports a false -Warray-bounds on vector::insert here.
    byte_vec out(body_at + body.size() + tag_size);
    std::copy_n(f.begin(), body_at, out.begin());
    std::copy(body.begin(), body.end(), out.begin() + static_cast<std::ptrdiff_t>(body_at));
    store_be<std::uint32_t>(out.data() + at_body_len, static_cast<std::uint32_t>(body.size()));
    return out;
}

byte_vec body_of(const byte_vec& f) {
    return {f.begin() + static_cast<std::ptrdiff_t>(body_at),
            f.end() - static_cast<std::ptrdiff_t>(tag_size)};
}

// Two chunks: first (5 bytes) and last (3 bytes).
byte_vec mcast_frame() {
    rng_t rng(11);
    mcast_sample m;
    append_chunk(rng, m.payload, chunk_kind::first, 5);
    append_chunk(rng, m.payload, chunk_kind::last, 3);
    m.fields.chunk_count = 2;
    return encode(random_header(rng), m.view());
}
byte_vec token_frame() {
    rng_t rng(12);
    return encode(random_header(rng), random_token(rng, 2));
}
byte_vec join_frame() {
    rng_t rng(13);
    return encode(random_header(rng), random_join(rng, 3, 2));
}
byte_vec commit_frame() {
    rng_t rng(14);
    commit_token c = random_commit(rng, 3);
    c.memb_index = 1;
    return encode(random_header(rng), c);
}
byte_vec empty_frame(msg_type t) {
    rng_t rng(15);
    return t == msg_type::merge_detect ? encode(random_header(rng), merge_detect{})
                                       : encode(random_header(rng), token_hold_cancel{});
}

TEST(wire_errors, fixtures_are_valid) {
    EXPECT_EQ(dec(mcast_frame()), errc::ok);
    EXPECT_EQ(dec(token_frame()), errc::ok);
    EXPECT_EQ(dec(join_frame()), errc::ok);
    EXPECT_EQ(dec(commit_frame()), errc::ok);
    EXPECT_EQ(dec(empty_frame(msg_type::merge_detect)), errc::ok);
    EXPECT_EQ(dec(empty_frame(msg_type::token_hold_cancel)), errc::ok);
}

TEST(wire_errors, truncated) {
    const byte_vec f = token_frame();
    EXPECT_EQ(dec({}), errc::truncated);
    EXPECT_EQ(dec(std::span(f).first(13)), errc::truncated);
    EXPECT_EQ(dec(std::span(f).first(14)), errc::truncated);
    EXPECT_EQ(dec(std::span(f).first(body_at - 1)), errc::truncated);
    // Fixed parts shorter than the type needs, with body_len agreeing.
    EXPECT_EQ(dec(with_body(mcast_frame(), byte_vec(39))), errc::truncated);
    EXPECT_EQ(dec(with_body(token_frame(), byte_vec(39))), errc::truncated);
    EXPECT_EQ(dec(with_body(join_frame(), byte_vec(15))), errc::truncated);
    EXPECT_EQ(dec(with_body(commit_frame(), byte_vec(15))), errc::truncated);
    EXPECT_EQ(dec(with_body(token_frame(), byte_vec())), errc::truncated);
}

TEST(wire_errors, ethertype) {
    byte_vec f = token_frame();
    frame out;
    EXPECT_EQ(decode_frame(f, 0x0800, out), errc::bad_ethertype);
    poke<std::uint16_t>(f, at_ethertype, 0x86DD);
    EXPECT_EQ(dec(f), errc::bad_ethertype);
}

TEST(wire_errors, magic_version_type) {
    for (const std::uint16_t m : {0x0000, 0x4352, 0x5242, 0x5244, 0xFFFF}) {
        byte_vec f = token_frame();
        poke<std::uint16_t>(f, at_magic, m);
        EXPECT_EQ(dec(f), errc::bad_magic) << m;
    }
    for (const std::uint8_t v : {0, 2, 255}) {
        byte_vec f = token_frame();
        poke<std::uint8_t>(f, at_version, v);
        EXPECT_EQ(dec(f), errc::bad_version) << int(v);
    }
    for (const std::uint8_t t : {0, 7, 128, 255}) {
        byte_vec f = token_frame();
        poke<std::uint8_t>(f, at_type, t);
        EXPECT_EQ(dec(f), errc::unknown_type) << int(t);
    }
    header h;
    h.type = static_cast<msg_type>(42);
    frame_body b;
    EXPECT_EQ(decode_body(h, {}, b), errc::unknown_type);
}

TEST(wire_errors, header_reserved_nonzero) {
    for (const std::size_t off : {at_flags, at_flags + 1, at_reserved16, at_reserved16 + 1,
                                  at_reserved32, at_reserved32 + 3}) {
        byte_vec f = token_frame();
        poke<std::uint8_t>(f, off, 0x01);
        EXPECT_EQ(dec(f), errc::bad_field) << off;
    }
}

TEST(wire_errors, length_mismatch) {
    for (const byte_vec& f : {token_frame(), mcast_frame(), join_frame(), commit_frame()}) {
        const auto body_len = load_be<std::uint32_t>(f.data() + at_body_len);
        byte_vec g = f;
        poke<std::uint32_t>(g, at_body_len, body_len + 1);
        EXPECT_EQ(dec(g), errc::length_mismatch);
        poke<std::uint32_t>(g, at_body_len, body_len - 1);
        EXPECT_EQ(dec(g), errc::length_mismatch);
        poke<std::uint32_t>(g, at_body_len, 0xFFFFFFFF);
        EXPECT_EQ(dec(g), errc::length_mismatch);
        g = f;
        g.push_back(std::byte{0}); // padding is tolerated only on a 60-byte frame
        EXPECT_EQ(dec(g), errc::length_mismatch);
    }
    // Empty-body messages with a body.
    for (const msg_type t : {msg_type::merge_detect, msg_type::token_hold_cancel}) {
        EXPECT_EQ(dec(with_body(empty_frame(t), byte_vec(4))), errc::length_mismatch);
    }
    // List counts that disagree with the bytes present.
    byte_vec f = token_frame();
    poke<std::uint16_t>(f, body_at + 38, 1);
    EXPECT_EQ(dec(f), errc::length_mismatch);
    f = join_frame();
    poke<std::uint16_t>(f, body_at + 8, 2);
    EXPECT_EQ(dec(f), errc::length_mismatch);
    f = join_frame();
    poke<std::uint16_t>(f, body_at + 10, 3);
    EXPECT_EQ(dec(f), errc::length_mismatch);
    f = commit_frame();
    poke<std::uint16_t>(f, body_at + 8, 2);
    EXPECT_EQ(dec(f), errc::length_mismatch);
    // decode_body called with a body that is not h.body_len bytes.
    parsed_frame p;
    f = token_frame();
    ASSERT_EQ(parse_frame(f, test_ethertype, p), errc::ok);
    frame_body b;
    EXPECT_EQ(decode_body(p.hdr, p.body.first(p.body.size() - 1), b), errc::length_mismatch);
}

TEST(wire_errors, list_over_bound) {
    for (const std::uint16_t n : {std::uint16_t{max_rtr_items + 1}, std::uint16_t{0xFFFF}}) {
        byte_vec f = token_frame();
        poke<std::uint16_t>(f, body_at + 38, n);
        EXPECT_EQ(dec(f), errc::list_over_bound);
    }
    for (const std::size_t off : {body_at + 8, body_at + 10}) {
        byte_vec f = join_frame();
        poke<std::uint16_t>(f, off, max_nodes + 1);
        EXPECT_EQ(dec(f), errc::list_over_bound);
    }
    byte_vec f = commit_frame();
    poke<std::uint16_t>(f, body_at + 8, max_nodes + 1);
    EXPECT_EQ(dec(f), errc::list_over_bound);
    for (const std::uint16_t n : {std::uint16_t{max_chunks + 1}, std::uint16_t{0xFFFF}}) {
        f = mcast_frame();
        poke<std::uint16_t>(f, body_at + 34, n);
        EXPECT_EQ(dec(f), errc::list_over_bound);
    }
}

TEST(wire_errors, body_reserved_and_enums) {
    struct poke_case {
        byte_vec (*make)();
        std::size_t off;
        std::uint8_t value;
    };
    const poke_case cases[] = {
        {mcast_frame, body_at + 32, 2},             // svc
        {mcast_frame, body_at + 33, 0x04},          // undefined flag bit
        {mcast_frame, body_at + 33, 0x80},          // undefined flag bit
        {mcast_frame, body_at + 36, 1},             // reserved u32
        {mcast_frame, body_at + 39, 1},             // reserved u32
        {mcast_frame, at_payload + 4, 4},           // chunk kind
        {mcast_frame, at_payload + 5, 1},           // chunk reserved
        {mcast_frame, at_payload + 7, 1},           // chunk reserved
        {mcast_frame, at_payload + 13 + 7, 1},      // second chunk reserved
        {token_frame, body_at + 36, 2},             // retrans_flg
        {token_frame, body_at + 37, 65},            // recovering > max_nodes
        {token_frame, body_at + 40 + 4, 1},         // rtr item reserved
        {token_frame, body_at + 40 + 24 + 7, 1},    // second rtr item reserved
        {join_frame, body_at + 12, 1},              // reserved u32
        {join_frame, body_at + 15, 1},              // reserved u32
        {commit_frame, body_at + 12, 1},            // reserved u32
        {commit_frame, body_at + 16 + 32, 2},       // received_flg
        {commit_frame, body_at + 16 + 33, 1},       // member reserved
        {commit_frame, body_at + 16 + 40 + 39, 1},  // second member reserved, last byte
    };
    for (const poke_case& c : cases) {
        byte_vec f = c.make();
        poke<std::uint8_t>(f, c.off, c.value);
        EXPECT_EQ(dec(f), errc::bad_field) << "offset " << c.off;
    }
}

TEST(wire_errors, impossible_values) {
    // Node id 0 in a join's proc set, its failed set, or a commit member.
    for (const std::size_t off : {body_at + 16, body_at + 16 + 4 * 2, body_at + 16 + 4 * 4}) {
        byte_vec f = join_frame();
        poke<std::uint32_t>(f, off, 0);
        EXPECT_EQ(dec(f), errc::bad_field) << off;
    }
    byte_vec f = commit_frame();
    poke<std::uint32_t>(f, body_at + 16 + 40, 0);
    EXPECT_EQ(dec(f), errc::bad_field);
    // memb_index must address a member; member_count must be at least 1.
    f = commit_frame();
    poke<std::uint16_t>(f, body_at + 10, 3);
    EXPECT_EQ(dec(f), errc::bad_field);
    EXPECT_EQ(dec(with_body(commit_frame(), byte_vec(16))), errc::bad_field);
}

TEST(wire_errors, bad_chunk) {
    const byte_vec good = body_of(mcast_frame());
    const byte_vec fixed(good.begin(), good.begin() + 40);
    // chunk_count 0 with an empty payload, and with a non-empty one.
    byte_vec b = fixed;
    store_be<std::uint16_t>(b.data() + 34, 0);
    EXPECT_EQ(dec(with_body(mcast_frame(), b)), errc::bad_chunk);
    b = good;
    store_be<std::uint16_t>(b.data() + 34, 0);
    EXPECT_EQ(dec(with_body(mcast_frame(), b)), errc::bad_chunk);
    // chunk_count 1 with no payload at all.
    b = fixed;
    store_be<std::uint16_t>(b.data() + 34, 1);
    EXPECT_EQ(dec(with_body(mcast_frame(), b)), errc::bad_chunk);
    // More chunks claimed than present; fewer (trailing bytes).
    for (const std::uint16_t n : {1, 3}) {
        byte_vec f = mcast_frame();
        poke<std::uint16_t>(f, body_at + 34, n);
        EXPECT_EQ(dec(f), errc::bad_chunk) << n;
    }
    // A lone chunk whose len overruns the payload, or leaves bytes over.
    rng_t rng(17);
    mcast_sample one;
    append_chunk(rng, one.payload, chunk_kind::whole, 5);
    one.fields.chunk_count = 1;
    for (const std::uint32_t len : {4u, 6u, 1000u, 0xFFFFFFFFu}) {
        byte_vec f = encode(header{}, one.view());
        poke<std::uint32_t>(f, at_payload, len);
        EXPECT_EQ(dec(f), errc::bad_chunk) << len;
    }
    // Trailing bytes too few for a chunk header.
    b = good;
    b.resize(b.size() + 5);
    EXPECT_EQ(dec(with_body(mcast_frame(), b)), errc::bad_chunk);
    // An empty fragment (first/middle/last); an empty whole chunk is fine.
    for (const auto kind : {chunk_kind::first, chunk_kind::middle, chunk_kind::last}) {
        b = fixed;
        store_be<std::uint16_t>(b.data() + 34, 1);
        b.resize(48);
        encode_chunk_header(b.data() + 40, kind, 0);
        EXPECT_EQ(dec(with_body(mcast_frame(), b)), errc::bad_chunk);
        encode_chunk_header(b.data() + 40, chunk_kind::whole, 0);
        EXPECT_EQ(dec(with_body(mcast_frame(), b)), errc::ok);
    }
}

// The rule exists for Ethernet minimum-size frames, but no ringcast frame is that small: a
// 60-byte frame is always too short for the header it would have to carry.
TEST(wire_errors, min_frame_padding_never_applies) {
    static_assert(frame_overhead > eth_min_frame_size);
    byte_vec f = empty_frame(msg_type::merge_detect);
    EXPECT_EQ(f.size(), frame_overhead);
    EXPECT_EQ(dec(std::span(f).first(eth_min_frame_size)), errc::truncated);
}

TEST(wire_chunk_reader, stops_on_malformed_payloads) {
    rng_t rng(16);
    chunk c;
    for (int i = 0; i < 20000; ++i) {
        byte_vec junk(uniform<std::size_t>(rng, 0, 64));
        for (auto& x : junk) {
            x = static_cast<std::byte>(rng() % 4 == 0 ? rng() : rng() % 3);
        }
        chunk_reader r(junk);
        std::size_t seen = 0;
        while (r.next(c)) {
            seen += chunk_header_size + c.data.size();
            ASSERT_LE(c.data.data() + c.data.size(), junk.data() + junk.size());
            ASSERT_LE(static_cast<std::uint8_t>(c.kind), 3);
        }
        EXPECT_EQ(seen, r.offset());
        EXPECT_LE(r.offset(), junk.size());
        EXPECT_FALSE(r.next(c)); // stays at the end
    }
}

} // namespace
} // namespace ringcast::wire::test
