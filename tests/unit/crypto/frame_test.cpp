// seal_frame / open_frame: round trips, in-place vs out-of-place, tamper detection on every bit,
// replay and epoch rules, and every drop cause.

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "lib/common/byte_order.hpp"
#include "lib/crypto/frame.hpp"
#include "tests/unit/crypto/crypto_test_util.hpp"

namespace ringcast::crypto {
namespace {

using test::byte_vec;
using test::make_frame;
using test::test_cluster;

constexpr node_id members[] = {1, 2, 3};
constexpr std::size_t body_at = wire::eth_header_size + wire::header_size;

std::unique_ptr<keyring> make_keyring(engine& eng, node_id self, std::uint32_t epoch,
                                      std::span<const node_id> set = members) {
    return std::make_unique<keyring>(eng, test::test_master(), self, epoch, set);
}

class frame_test : public ::testing::Test {
protected:
    /** Seals a fresh frame of body_len bytes from kr (out of place); returns the sealed bytes. */
    byte_vec seal(keyring& kr, std::size_t body_len, std::uint8_t seed = 1) {
        const byte_vec plain = make_frame(body_len, seed);
        byte_vec sealed(plain.size());
        const seal_result r = seal_frame(eng_, kr, plain, sealed);
        EXPECT_EQ(r.err, errc::ok);
        EXPECT_EQ(r.size, plain.size());
        return sealed;
    }

    errc open(byte_vec frame) {
        return open_frame(eng_, *bob_, rs_, frame, test_cluster).err;
    }

    engine eng_;
    std::unique_ptr<keyring> alice_ = make_keyring(eng_, 1, 100);
    std::unique_ptr<keyring> bob_ = make_keyring(eng_, 2, 200);
    replay_state rs_{*bob_};
};

TEST_F(frame_test, out_of_place_seal_keeps_plaintext_and_opens) {
    const byte_vec plain = make_frame(300, 9);
    const byte_vec plain_copy = plain;
    byte_vec sealed(plain.size());
    const seal_result s = seal_frame(eng_, *alice_, plain, sealed);
    ASSERT_EQ(s.err, errc::ok);
    EXPECT_EQ(plain, plain_copy) << "out-of-place seal must not touch the input";
    EXPECT_NE(std::vector(sealed.begin() + body_at, sealed.end() - 16),
              std::vector(plain.begin() + body_at, plain.end() - 16));

    byte_vec rx = sealed;
    const open_result o = open_frame(eng_, *bob_, rs_, rx, test_cluster);
    ASSERT_EQ(o.err, errc::ok) << to_string(o.err);
    EXPECT_EQ(o.frame.hdr.sender, 1U);
    EXPECT_EQ(o.frame.hdr.key_epoch, 100U);
    EXPECT_EQ(o.frame.hdr.nonce, 0U);
    EXPECT_EQ(o.frame.hdr.body_len, 300U);
    EXPECT_EQ(o.frame.src, test::test_src);
    ASSERT_EQ(o.frame.body.size(), 300U);
    EXPECT_TRUE(std::equal(o.frame.body.begin(), o.frame.body.end(), plain.begin() + body_at));
    EXPECT_EQ(o.frame.body.data(), rx.data() + body_at) << "decrypted in place";
}

TEST_F(frame_test, seal_stamps_successive_nonces) {
    for (std::uint64_t i = 0; i < 3; ++i) {
        byte_vec rx = seal(*alice_, 10);
        const open_result o = open_frame(eng_, *bob_, rs_, rx, test_cluster);
        ASSERT_EQ(o.err, errc::ok);
        EXPECT_EQ(o.frame.hdr.nonce, i);
    }
}

TEST_F(frame_test, in_place_and_out_of_place_give_identical_bytes) {
    // Two keyrings with the same identity hand out the same counters; only a test may do this.
    auto twin = make_keyring(eng_, 1, 100);
    for (const std::size_t len : {0U, 1U, 15U, 16U, 17U, 64U, 1400U, 8000U}) {
        const byte_vec plain = make_frame(len, static_cast<std::uint8_t>(len));
        byte_vec out(plain.size());
        ASSERT_EQ(seal_frame(eng_, *alice_, plain, out).err, errc::ok);
        byte_vec in_place = plain;
        ASSERT_EQ(seal_frame(eng_, *twin, in_place, in_place).err, errc::ok);
        EXPECT_EQ(out, in_place) << "body_len " << len;
        ASSERT_EQ(open(in_place), errc::ok) << "body_len " << len;
    }
}

TEST_F(frame_test, every_flipped_bit_is_rejected_and_leaves_no_state) {
    // 14 + 48 + 122 + 16 = 200 bytes. Every bit of the ringcast header, body and tag.
    const byte_vec sealed = seal(*alice_, 122);
    ASSERT_EQ(sealed.size(), 200U);
    std::set<std::string> causes;
    for (std::size_t bit = wire::eth_header_size * 8; bit < sealed.size() * 8; ++bit) {
        byte_vec f = sealed;
        f[bit / 8] ^= std::byte{static_cast<std::uint8_t>(1U << (bit % 8))};
        const errc e = open(f);
        ASSERT_NE(e, errc::ok) << "bit " << bit << " flipped, frame accepted";
        if (bit >= body_at * 8) {
            ASSERT_EQ(e, errc::bad_tag) << "bit " << bit;
        }
        causes.insert(std::string(to_string(e)));
    }
    EXPECT_TRUE(causes.count("bad_tag"));
    // The forgeries (including ones claiming newer epochs) moved neither window nor key cache.
    EXPECT_EQ(open(sealed), errc::ok);
}

TEST_F(frame_test, ethernet_addresses_are_not_authenticated_but_ethertype_is_checked) {
    byte_vec f = seal(*alice_, 40);
    // Destination MAC: link-layer addressing is outside the AAD (the header says who sent it).
    f[0] ^= std::byte{0xFF};
    EXPECT_EQ(open(f), errc::ok);
    byte_vec g = seal(*alice_, 40);
    g[12] ^= std::byte{0x01};
    const open_result o = open_frame(eng_, *bob_, rs_, g, test_cluster);
    EXPECT_EQ(o.err, errc::malformed);
    EXPECT_EQ(o.wire_err, wire::errc::bad_ethertype);
}

TEST_F(frame_test, replay_window_rules) {
    std::vector<byte_vec> frames;
    for (int i = 0; i < 1100; ++i) {
        frames.push_back(seal(*alice_, 8));
    }
    EXPECT_EQ(open(frames[5]), errc::ok);
    EXPECT_EQ(open(frames[5]), errc::replayed);
    EXPECT_EQ(open(frames[3]), errc::ok) << "out of order within the window";
    EXPECT_EQ(open(frames[3]), errc::replayed);
    EXPECT_EQ(open(frames[1099]), errc::ok);
    EXPECT_EQ(open(frames[5]), errc::too_old);
    EXPECT_EQ(open(frames[75]), errc::too_old) << "1099 - 75 = 1024: just outside";
    EXPECT_EQ(open(frames[76]), errc::ok) << "1099 - 76 = 1023: just inside";
    EXPECT_EQ(open(frames[76]), errc::replayed);
    EXPECT_EQ(open(frames[1098]), errc::ok);
    EXPECT_EQ(open(frames[1099]), errc::replayed);
}

TEST_F(frame_test, newer_epoch_resets_window_and_older_epoch_is_stale) {
    const byte_vec old0 = seal(*alice_, 8);
    const byte_vec old1 = seal(*alice_, 8);
    ASSERT_EQ(open(old0), errc::ok);

    // Alice restarts with a newer epoch; her counters start at 0 again.
    auto alice2 = make_keyring(eng_, 1, 101);
    const byte_vec new0 = seal(*alice2, 8);
    EXPECT_EQ(open(new0), errc::ok) << "counter 0 again, but under a new epoch (and key)";
    EXPECT_EQ(open(new0), errc::replayed);
    EXPECT_EQ(open(old1), errc::stale_epoch) << "never seen, but from the older epoch";
    auto alice_older = make_keyring(eng_, 1, 99);
    EXPECT_EQ(open(seal(*alice_older, 8)), errc::stale_epoch);
}

TEST_F(frame_test, forged_newer_epoch_does_not_reset_the_window) {
    const byte_vec f0 = seal(*alice_, 8);
    ASSERT_EQ(open(f0), errc::ok);
    // Claim epoch 500 on a real frame: the AAD changes and the key is another, so the tag fails.
    byte_vec forged = seal(*alice_, 8);
    wire::header h;
    ASSERT_EQ(wire::decode_header(std::span(forged).subspan(wire::eth_header_size), h),
              wire::errc::ok);
    h.key_epoch = 500;
    ASSERT_EQ(wire::encode_header(std::span(forged).subspan(wire::eth_header_size), h),
              wire::errc::ok);
    EXPECT_EQ(open(forged), errc::bad_tag);
    EXPECT_EQ(open(f0), errc::replayed) << "window still under epoch 100";
    EXPECT_EQ(open(seal(*alice_, 8)), errc::ok);
}

TEST_F(frame_test, our_own_frames_from_an_earlier_run_are_stale) {
    auto bob_before = make_keyring(eng_, 2, 199);
    EXPECT_EQ(open(seal(*bob_before, 8)), errc::stale_epoch);
    EXPECT_EQ(open(seal(*bob_, 8)), errc::ok) << "looped back from this run";
}

TEST_F(frame_test, wrong_cluster_unknown_node_truncated_malformed) {
    const byte_vec plain = make_frame(8, 1, wire::msg_type::mcast, test_cluster + 1);
    byte_vec sealed(plain.size());
    ASSERT_EQ(seal_frame(eng_, *alice_, plain, sealed).err, errc::ok);
    EXPECT_EQ(open(sealed), errc::wrong_cluster);

    const node_id others[] = {9, 1, 2};
    auto stranger = make_keyring(eng_, 9, 1, others);
    EXPECT_EQ(open(seal(*stranger, 8)), errc::unknown_node);

    byte_vec f = seal(*alice_, 8);
    f.resize(30);
    EXPECT_EQ(open(f), errc::truncated);
    byte_vec g = seal(*alice_, 8);
    g.push_back(std::byte{0});
    const open_result o = open_frame(eng_, *bob_, rs_, g, test_cluster);
    EXPECT_EQ(o.err, errc::malformed);
    EXPECT_EQ(o.wire_err, wire::errc::length_mismatch);
}

TEST_F(frame_test, empty_body_frames_seal_and_open) {
    const byte_vec plain = make_frame(0, 0, wire::msg_type::merge_detect);
    byte_vec sealed(plain.size());
    ASSERT_EQ(seal_frame(eng_, *alice_, plain, sealed).err, errc::ok);
    EXPECT_EQ(open(sealed), errc::ok);
}

TEST_F(frame_test, seal_errors) {
    const byte_vec plain = make_frame(100);
    byte_vec small(plain.size() - 1);
    EXPECT_EQ(seal_frame(eng_, *alice_, plain, small).err, errc::buffer_too_small);
    byte_vec out(plain.size());
    EXPECT_EQ(seal_frame(eng_, *alice_, std::span(plain).first(plain.size() - 1), out).err,
              errc::truncated);
    EXPECT_EQ(seal_frame(eng_, *alice_, std::span(plain).first(20), out).err, errc::truncated);
    byte_vec bad = plain;
    bad[wire::eth_header_size] ^= std::byte{0xFF}; // magic
    EXPECT_EQ(seal_frame(eng_, *alice_, bad, out).err, errc::malformed);
    EXPECT_EQ(alice_->nonces().used(), 0U) << "no counter spent on a frame that was not sealed";
}

TEST(keyring_test, rejects_bad_node_sets) {
    engine eng;
    const secret_key master = test::test_master();
    const node_id no_self[] = {2, 3};
    const node_id dup[] = {1, 2, 2};
    const node_id zero[] = {1, 0};
    EXPECT_THROW(keyring(eng, master, 1, 1, no_self), std::invalid_argument);
    EXPECT_THROW(keyring(eng, master, 1, 1, dup), std::invalid_argument);
    EXPECT_THROW(keyring(eng, master, 1, 1, zero), std::invalid_argument);
    EXPECT_THROW(keyring(eng, master, 1, 1, std::span<const node_id>{}), std::invalid_argument);
    std::vector<node_id> many(wire::max_nodes + 1);
    for (std::size_t i = 0; i < many.size(); ++i) {
        many[i] = static_cast<node_id>(i + 1);
    }
    EXPECT_THROW(keyring(eng, master, 1, 1, many), std::invalid_argument);
}

TEST(errc_test, every_code_has_a_distinct_name) {
    std::set<std::string_view> names;
    for (int i = 0; i < static_cast<int>(errc::count_); ++i) {
        const std::string_view n = to_string(static_cast<errc>(i));
        EXPECT_NE(n, "unknown");
        names.insert(n);
    }
    EXPECT_EQ(names.size(), static_cast<std::size_t>(errc::count_));
}

} // namespace
} // namespace ringcast::crypto
