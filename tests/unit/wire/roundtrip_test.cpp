// Round trips of every message type, the byte layout pinned by a golden frame, every truncation
// rejected, and the encoder's own errors.

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>

#include "tests/unit/wire/wire_gen.hpp"

namespace ringcast::wire::test {
namespace {

constexpr int iterations_per_type = 3000;

void expect_round_trip(const header& h, const frame_body& body) {
    const byte_vec buf = encode(h, body);
    ASSERT_FALSE(buf.empty());
    frame f;
    ASSERT_EQ(decode_frame(buf, test_ethertype, f), errc::ok);
    header want = h;
    want.type = type_of(body);
    want.body_len = static_cast<std::uint32_t>(body_size(body));
    EXPECT_EQ(f.hdr, want);
    EXPECT_TRUE(same_body(f.body, body));
}

TEST(wire_round_trip, every_type_random_fields) {
    rng_t rng(0x5249'4e47'0001);
    for (const msg_type t : all_types) {
        for (int i = 0; i < iterations_per_type; ++i) {
            mcast_sample storage;
            const header h = random_header(rng);
            const frame_body body = random_body(rng, t, storage);
            ASSERT_EQ(type_of(body), t);
            expect_round_trip(h, body);
            if (testing::Test::HasFailure()) {
                FAIL() << "type " << int(t) << " iteration " << i;
            }
        }
    }
}

TEST(wire_round_trip, max_size_lists) {
    rng_t rng(0x5249'4e47'0002);
    for (int i = 0; i < 50; ++i) {
        expect_round_trip(random_header(rng), random_token(rng, max_rtr_items));
        expect_round_trip(random_header(rng), random_join(rng, max_nodes, max_nodes));
        expect_round_trip(random_header(rng), random_commit(rng, max_nodes));
        // max_chunks chunks, as large as a jumbo frame allows.
        const mcast_sample m = random_mcast(rng, max_frame_size - frame_overhead - mcast_fixed_size,
                                            max_chunks);
        expect_round_trip(random_header(rng), m.view());
    }
    rng_t fill(7);
    mcast_sample full;
    full.fields.chunk_count = static_cast<std::uint16_t>(max_chunks);
    for (std::size_t i = 0; i < max_chunks; ++i) {
        append_chunk(fill, full.payload, chunk_kind::whole, 0);
    }
    const byte_vec buf = encode(random_header(rng), full.view());
    EXPECT_LE(buf.size(), max_frame_size);
    expect_round_trip(random_header(rng), full.view());
}

// A token frame written out by hand from the format table (docs/design.md, "Wire format"), so that the
// encoder and decoder cannot agree on a layout the specification does not describe.
TEST(wire_round_trip, golden_token_frame) {
    header h;
    h.cluster_id = 0x0A0B0C0D;
    h.sender = 7;
    h.ring = {3, 0x1122334455667788};
    h.key_epoch = 2;
    h.nonce = 0x0102030405060708;
    token t;
    t.token_seq = 9;
    t.seq = 0x100;
    t.aru = 0xFF;
    t.aru_node = 5;
    t.fcc = 6;
    t.backlog = 0x01020304;
    t.retrans_flg = 1;
    t.rtr.push({{3, 0x42}, 0xFE});
    const unsigned char want[] = {
        // Ethernet: dst, src, ethertype 0x88B5
        0x01, 0x00, 0x5e, 0x00, 0x00, 0x2a, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x88, 0xB5,
        // header: magic, version 1, type 2, flags, reserved, cluster_id, sender
        0x52, 0x43, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x0B, 0x0C, 0x0D, 0, 0, 0, 7,
        // ring.rep, key_epoch, ring.seq
        0, 0, 0, 3, 0, 0, 0, 2, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
        // nonce, body_len 64, reserved
        1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 64, 0, 0, 0, 0,
        // token: token_seq, seq, aru
        0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF,
        // aru_node, fcc, backlog, retrans_flg, reserved, rtr_count
        0, 0, 0, 5, 0, 0, 0, 6, 1, 2, 3, 4, 1, 0, 0, 1,
        // rtr item: ring.rep, reserved, ring.seq, seq
        0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42, 0, 0, 0, 0, 0, 0, 0, 0xFE,
        // tag placeholder
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const byte_vec buf = encode(h, t);
    ASSERT_EQ(buf.size(), sizeof want);
    for (std::size_t i = 0; i < sizeof want; ++i) {
        EXPECT_EQ(std::to_integer<unsigned>(buf[i]), want[i]) << "byte " << i;
    }
}

TEST(wire_round_trip, golden_mcast_chunks) {
    byte_vec payload(2 * chunk_header_size + 3);
    encode_chunk_header(payload.data(), chunk_kind::first, 3);
    payload[8] = std::byte{0xAA};
    payload[9] = std::byte{0xBB};
    payload[10] = std::byte{0xCC};
    encode_chunk_header(payload.data() + 11, chunk_kind::whole, 0);
    const unsigned char want[] = {0, 0, 0, 3, 1, 0, 0, 0, 0xAA, 0xBB, 0xCC, 0, 0, 0, 0, 0, 0, 0, 0};
    ASSERT_EQ(payload.size(), sizeof want);
    for (std::size_t i = 0; i < sizeof want; ++i) {
        EXPECT_EQ(std::to_integer<unsigned>(payload[i]), want[i]) << "byte " << i;
    }
    mcast_view m{{}, payload};
    m.fields.chunk_count = 2;
    const byte_vec buf = encode(header{}, m);
    frame f;
    ASSERT_EQ(decode_frame(buf, test_ethertype, f), errc::ok);
    chunk_reader reader(std::get<mcast_view>(f.body).payload);
    chunk c;
    ASSERT_TRUE(reader.next(c));
    EXPECT_EQ(c.kind, chunk_kind::first);
    ASSERT_EQ(c.data.size(), 3u);
    EXPECT_EQ(c.data[2], std::byte{0xCC});
    EXPECT_EQ(reader.offset(), 11u);
    ASSERT_TRUE(reader.next(c));
    EXPECT_EQ(c.kind, chunk_kind::whole);
    EXPECT_TRUE(c.data.empty());
    EXPECT_FALSE(reader.next(c));
    EXPECT_EQ(reader.offset(), payload.size());
}

// Every proper prefix of a valid frame is rejected, and so is every proper prefix of its body
// when body_len is rewritten to match it (the header then agrees, the body must not).
TEST(wire_truncation, every_prefix_rejected) {
    rng_t rng(0x5249'4e47'0003);
    for (const msg_type t : all_types) {
        for (int rep = 0; rep < 4; ++rep) {
            const byte_vec full = random_frame(rng, t);
            ASSERT_FALSE(full.empty());
            frame f;
            for (std::size_t n = 0; n < full.size(); ++n) {
                const std::span<const std::byte> prefix(full.data(), n);
                ASSERT_NE(decode_frame(prefix, test_ethertype, f), errc::ok)
                    << "type " << int(t) << " prefix " << n << " of " << full.size();
            }
            parsed_frame p;
            ASSERT_EQ(parse_frame(full, test_ethertype, p), errc::ok);
            for (std::size_t n = 0; n < p.body.size(); ++n) {
                header h = p.hdr;
                h.body_len = static_cast<std::uint32_t>(n);
                frame_body b;
                ASSERT_NE(decode_body(h, p.body.first(n), b), errc::ok)
                    << "type " << int(t) << " body prefix " << n << " of " << p.body.size();
            }
        }
    }
}

TEST(wire_encode, buffer_too_small_at_every_size) {
    rng_t rng(0x5249'4e47'0004);
    for (const msg_type t : all_types) {
        mcast_sample storage;
        const header h = random_header(rng);
        const frame_body body = random_body(rng, t, storage);
        const std::size_t need = frame_overhead + body_size(body);
        byte_vec buf(need);
        for (std::size_t n = 0; n < need; ++n) {
            const encode_result r =
                encode_frame(std::span(buf).first(n), test_dst, test_src, test_ethertype, h, body);
            ASSERT_EQ(r.err, errc::buffer_too_small) << "type " << int(t) << " size " << n;
        }
        const encode_result r = encode_frame(buf, test_dst, test_src, test_ethertype, h, body);
        EXPECT_EQ(r.err, errc::ok);
        EXPECT_EQ(r.size, need);
    }
    std::array<std::byte, header_size - 1> small{};
    EXPECT_EQ(encode_header(small, header{}), errc::buffer_too_small);
    EXPECT_EQ(encode_eth(std::span(small).first(13), test_dst, test_src, 1),
              errc::buffer_too_small);
}

TEST(wire_encode, refuses_values_the_decoder_rejects) {
    rng_t rng(0x5249'4e47'0005);
    byte_vec buf(max_frame_size);
    const auto enc = [&](const header& h, const frame_body& b) {
        return encode_frame(buf, test_dst, test_src, test_ethertype, h, b).err;
    };
    header bad_flags;
    bad_flags.flags = 1;
    EXPECT_EQ(enc(bad_flags, merge_detect{}), errc::bad_field);
    header bad_type;
    bad_type.type = static_cast<msg_type>(9);
    EXPECT_EQ(encode_header(buf, bad_type), errc::bad_field);

    token t = random_token(rng, 1);
    t.retrans_flg = 2;
    EXPECT_EQ(enc({}, t), errc::bad_field);

    join j = random_join(rng, 3, 2);
    j.failed[1] = node_id_none;
    EXPECT_EQ(enc({}, j), errc::bad_field);

    commit_token c = random_commit(rng, 3);
    c.memb_index = 3;
    EXPECT_EQ(enc({}, c), errc::bad_field);
    c.memb_index = 0;
    c.members[2].received_flg = 2;
    EXPECT_EQ(enc({}, c), errc::bad_field);
    EXPECT_EQ(enc({}, commit_token{}), errc::bad_field);

    mcast_sample m = random_mcast(rng, 200, 2);
    mcast_view v = m.view();
    v.fields.svc = static_cast<service>(2);
    EXPECT_EQ(enc({}, v), errc::bad_field);
    v = m.view();
    v.fields.flags = 0x04;
    EXPECT_EQ(enc({}, v), errc::bad_field);
    v = m.view();
    v.fields.chunk_count = 0;
    EXPECT_EQ(enc({}, v), errc::bad_field);
}

// The zero-copy send path: the packer writes chunks straight into the tx buffer at
// mcast_payload_offset, and encode_frame fills in everything around them.
TEST(wire_encode, mcast_payload_in_place) {
    byte_vec buf(max_frame_size);
    std::byte* payload = buf.data() + mcast_payload_offset;
    encode_chunk_header(payload, chunk_kind::whole, 4);
    std::memcpy(payload + chunk_header_size, "ring", 4);
    mcast_view m{{}, std::span<const std::byte>(payload, chunk_header_size + 4)};
    m.fields.chunk_count = 1;
    m.fields.seq = 77;
    const encode_result r = encode_frame(buf, test_dst, test_src, test_ethertype, header{}, m);
    ASSERT_EQ(r.err, errc::ok);
    frame f;
    ASSERT_EQ(decode_frame(std::span(buf).first(r.size), test_ethertype, f), errc::ok);
    const auto& got = std::get<mcast_view>(f.body);
    EXPECT_EQ(got.fields.seq, 77u);
    EXPECT_EQ(got.payload.data(), payload);
    EXPECT_EQ(std::memcmp(got.payload.data() + chunk_header_size, "ring", 4), 0);
}

TEST(wire_errc, names_are_distinct) {
    std::set<std::string_view> names;
    for (int i = 0; i < static_cast<int>(errc::count_); ++i) {
        const std::string_view n = to_string(static_cast<errc>(i));
        EXPECT_NE(n, "unknown");
        EXPECT_TRUE(names.insert(n).second) << n;
    }
}

// Writes the libFuzzer seed corpus (tests/fuzz/corpus/decode/) when RINGCAST_WRITE_CORPUS names
// a directory; otherwise only checks that the seeds are valid frames.
TEST(wire_corpus, seed_frames) {
    rng_t rng(0x5249'4e47'0006);
    const char* dir = std::getenv("RINGCAST_WRITE_CORPUS");
    int n = 0;
    for (const msg_type t : all_types) {
        for (int rep = 0; rep < 2; ++rep) {
            const byte_vec buf = random_frame(rng, t);
            frame f;
            ASSERT_EQ(decode_frame(buf, test_ethertype, f), errc::ok);
            if (dir != nullptr) {
                const std::string path =
                    std::string(dir) + "/seed_type" + std::to_string(int(t)) + "_" +
                    std::to_string(rep);
                std::ofstream(path, std::ios::binary)
                    .write(reinterpret_cast<const char*>(buf.data()),
                           static_cast<std::streamsize>(buf.size()));
            }
            ++n;
        }
    }
    EXPECT_EQ(n, 12);
}

} // namespace
} // namespace ringcast::wire::test
