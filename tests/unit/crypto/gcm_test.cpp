// AES-256-GCM through ipsec-mb: known-answer vectors and the frame-key derivation.
//
// Vectors: McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases 13-16 (the
// AES-256 ones; 16 has AAD). Cross-checked when written against OpenSSL (python3 cryptography
// 48.0), so a pass here means ipsec-mb, our plumbing and the vectors all agree.

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "lib/crypto/gcm.hpp"
#include "tests/unit/crypto/crypto_test_util.hpp"

namespace ringcast::crypto {
namespace {

using test::byte_vec;
using test::from_hex;
using test::to_hex;

struct gcm_vector {
    const char* name;
    const char* key;
    const char* iv;
    const char* plaintext;
    const char* aad;
    const char* ciphertext;
    const char* tag;
};

constexpr const char* k0 = "0000000000000000000000000000000000000000000000000000000000000000";
constexpr const char* k15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr const char* p15 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
constexpr const char* c15 =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";

const gcm_vector vectors[] = {
    {"tc13", k0, "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"tc14", k0, "000000000000000000000000", "00000000000000000000000000000000", "",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"tc15", k15, "cafebabefacedbaddecaf888", p15, "", c15, "b094dac5d93471bdec1a502270e3cc6c"},
    // Test case 16: 60-byte plaintext (a partial last block) and 20 bytes of AAD.
    {"tc16", k15, "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
     "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

iv_bytes to_iv(const byte_vec& v) {
    iv_bytes iv{};
    EXPECT_EQ(v.size(), iv.size());
    std::copy(v.begin(), v.end(), iv.begin());
    return iv;
}

class gcm_kat : public ::testing::TestWithParam<gcm_vector> {
protected:
    engine eng_;
};

TEST_P(gcm_kat, seal_matches_vector) {
    const gcm_vector& v = GetParam();
    const byte_vec raw = from_hex(v.key);
    gcm_key key;
    eng_.expand_key(std::span<const std::byte, key_size>(raw.data(), key_size), key);
    const byte_vec pt = from_hex(v.plaintext);
    const byte_vec aad = from_hex(v.aad);
    byte_vec ct(pt.size());
    std::array<std::byte, tag_size> tag{};
    eng_.seal(key, to_iv(from_hex(v.iv)), aad, pt, ct, tag);
    EXPECT_EQ(to_hex(ct), v.ciphertext);
    EXPECT_EQ(to_hex(tag), v.tag);
}

TEST_P(gcm_kat, open_in_place_recovers_plaintext_and_rejects_bad_tag) {
    const gcm_vector& v = GetParam();
    const byte_vec raw = from_hex(v.key);
    gcm_key key;
    eng_.expand_key(std::span<const std::byte, key_size>(raw.data(), key_size), key);
    const byte_vec aad = from_hex(v.aad);
    byte_vec buf = from_hex(v.ciphertext);
    byte_vec tag = from_hex(v.tag);
    const iv_bytes iv = to_iv(from_hex(v.iv));
    ASSERT_TRUE(eng_.open(key, iv, aad, buf, buf, std::span<const std::byte, tag_size>(tag)));
    EXPECT_EQ(to_hex(buf), v.plaintext);

    byte_vec again = from_hex(v.ciphertext);
    tag[tag_size - 1] ^= std::byte{0x01};
    EXPECT_FALSE(eng_.open(key, iv, aad, again, again, std::span<const std::byte, tag_size>(tag)));
}

INSTANTIATE_TEST_SUITE_P(mcgrew_viega, gcm_kat, ::testing::ValuesIn(vectors),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(gcm, frame_key_derivation_matches_documented_formula) {
    // Expected: AES-256_master("RCK1" || BE32(7) || BE32(42) || BE32(2)) || (... || BE32(3)) for
    // master 00..1f, computed independently with AES-ECB in OpenSSL.
    const byte_vec expected =
        from_hex("da94648757ba351aa225df843e19c180e7a4dd3ff4c73319d607bd64f554f2b3");
    engine eng;
    const secret_key master = test::test_master();
    gcm_key master_key;
    eng.expand_key(master.bytes(), master_key);
    gcm_key derived;
    eng.derive_frame_key(master_key, 7, 42, derived);
    gcm_key reference;
    eng.expand_key(std::span<const std::byte, key_size>(expected.data(), key_size), reference);

    const iv_bytes iv = make_iv(7, 1);
    const byte_vec pt = from_hex("00112233445566778899aabbccddeeff0102");
    byte_vec ct_a(pt.size());
    byte_vec ct_b(pt.size());
    std::array<std::byte, tag_size> tag_a{};
    std::array<std::byte, tag_size> tag_b{};
    eng.seal(derived, iv, {}, pt, ct_a, tag_a);
    eng.seal(reference, iv, {}, pt, ct_b, tag_b);
    EXPECT_EQ(to_hex(ct_a), to_hex(ct_b));
    EXPECT_EQ(to_hex(tag_a), to_hex(tag_b));

    // Another sender or epoch gives another key.
    gcm_key other;
    eng.derive_frame_key(master_key, 7, 43, other);
    eng.seal(other, iv, {}, pt, ct_b, tag_b);
    EXPECT_NE(to_hex(tag_a), to_hex(tag_b));
    eng.derive_frame_key(master_key, 8, 42, other);
    eng.seal(other, iv, {}, pt, ct_b, tag_b);
    EXPECT_NE(to_hex(tag_a), to_hex(tag_b));
}

TEST(gcm, iv_is_sender_then_counter_big_endian) {
    const iv_bytes iv = make_iv(0x01020304, 0x05060708090a0b0cULL);
    EXPECT_EQ(to_hex(iv), "0102030405060708090a0b0c");
}

TEST(gcm, nonce_source_counts_from_zero_and_never_repeats) {
    nonce_source ns;
    std::uint64_t a = 99;
    std::uint64_t b = 99;
    ASSERT_TRUE(ns.next(a));
    ASSERT_TRUE(ns.next(b));
    EXPECT_EQ(a, 0U);
    EXPECT_EQ(b, 1U);
    EXPECT_EQ(ns.used(), 2U);
}

TEST(gcm, equal_constant_time) {
    const byte_vec a = from_hex("00112233");
    byte_vec b = a;
    EXPECT_TRUE(equal_constant_time(a, b));
    b[3] = std::byte{0x34};
    EXPECT_FALSE(equal_constant_time(a, b));
    EXPECT_FALSE(equal_constant_time(a, std::span(b).first(3)));
}

TEST(gcm, engine_reports_an_arch) { EXPECT_NE(engine().arch_name(), "none"); }

} // namespace
} // namespace ringcast::crypto
