#include "lib/crypto/gcm.hpp"

#include <string.h> // explicit_bzero

#include <stdexcept>
#include <string>

#include "lib/common/assert.hpp"
#include "lib/common/byte_order.hpp"

namespace ringcast::crypto {

namespace {

// Domain label of the frame-key derivation IV. Changing the derivation means changing the label.
constexpr std::uint32_t kdf_label = 0x52434B31; // "RCK1"

const std::uint8_t* u8(const std::byte* p) noexcept {
    return reinterpret_cast<const std::uint8_t*>(p);
}
std::uint8_t* u8(std::byte* p) noexcept { return reinterpret_cast<std::uint8_t*>(p); }

// GCM allows in-place operation, but not a partial overlap, which would read already-written
// output as input.
[[maybe_unused]] bool same_or_disjoint(const std::byte* a, const std::byte* b,
                                       std::size_t n) noexcept {
    return a == b || a + n <= b || b + n <= a;
}

} // namespace

secret_key::secret_key(std::span<const std::byte, key_size> bytes) noexcept {
    std::copy(bytes.begin(), bytes.end(), bytes_.begin());
}

secret_key::~secret_key() { explicit_bzero(bytes_.data(), bytes_.size()); }

gcm_key::~gcm_key() { explicit_bzero(&data_, sizeof data_); }

engine::engine() {
    mgr_ = alloc_mb_mgr(0);
    if (mgr_ == nullptr) {
        throw std::runtime_error("ipsec-mb: alloc_mb_mgr failed");
    }
    init_mb_mgr_auto(mgr_, &arch_);
    if (const int err = imb_get_errno(mgr_); err != 0) {
        free_mb_mgr(mgr_);
        mgr_ = nullptr;
        throw std::runtime_error(std::string("ipsec-mb: init_mb_mgr_auto failed: ") +
                                 imb_get_strerror(err));
    }
}

engine::~engine() {
    if (mgr_ != nullptr) {
        free_mb_mgr(mgr_);
    }
}

std::string_view engine::arch_name() const noexcept {
    switch (arch_) {
    case IMB_ARCH_NOAESNI: return "noaesni";
    case IMB_ARCH_SSE: return "sse";
    case IMB_ARCH_AVX: return "avx";
    case IMB_ARCH_AVX2: return "avx2";
    case IMB_ARCH_AVX512: return "avx512";
    default: return "none";
    }
}

void engine::expand_key(std::span<const std::byte, key_size> raw, gcm_key& out) noexcept {
    IMB_AES256_GCM_PRE(mgr_, raw.data(), &out.data_);
}

void engine::derive_frame_key(const gcm_key& master, node_id sender, std::uint32_t key_epoch,
                              gcm_key& out) noexcept {
    iv_bytes iv;
    store_be<std::uint32_t>(iv.data(), kdf_label);
    store_be<std::uint32_t>(iv.data() + 4, sender);
    store_be<std::uint32_t>(iv.data() + 8, key_epoch);
    std::array<std::byte, key_size> material{};
    std::array<std::byte, tag_size> unused_tag{};
    gcm_context_data ctx;
    IMB_AES256_GCM_ENC(mgr_, &master.data_, &ctx, u8(material.data()), u8(material.data()),
                       material.size(), u8(iv.data()), nullptr, 0, u8(unused_tag.data()),
                       unused_tag.size());
    IMB_AES256_GCM_PRE(mgr_, u8(material.data()), &out.data_);
    explicit_bzero(material.data(), material.size());
    explicit_bzero(&ctx, sizeof ctx);
}

void engine::seal(const gcm_key& key, const iv_bytes& iv, std::span<const std::byte> aad,
                  std::span<const std::byte> plaintext, std::span<std::byte> ciphertext,
                  std::span<std::byte, tag_size> tag) noexcept {
    RC_ASSERT(plaintext.size() == ciphertext.size());
    RC_DEBUG_ASSERT(same_or_disjoint(plaintext.data(), ciphertext.data(), plaintext.size()));
    gcm_context_data ctx;
    IMB_AES256_GCM_ENC(mgr_, &key.data_, &ctx, u8(ciphertext.data()), u8(plaintext.data()),
                       plaintext.size(), u8(iv.data()), u8(aad.data()), aad.size(),
                       u8(tag.data()), tag.size());
}

bool engine::open(const gcm_key& key, const iv_bytes& iv, std::span<const std::byte> aad,
                  std::span<const std::byte> ciphertext, std::span<std::byte> plaintext,
                  std::span<const std::byte, tag_size> tag) noexcept {
    RC_ASSERT(plaintext.size() == ciphertext.size());
    RC_DEBUG_ASSERT(same_or_disjoint(plaintext.data(), ciphertext.data(), plaintext.size()));
    gcm_context_data ctx;
    std::array<std::byte, tag_size> computed;
    IMB_AES256_GCM_DEC(mgr_, &key.data_, &ctx, u8(plaintext.data()), u8(ciphertext.data()),
                       ciphertext.size(), u8(iv.data()), u8(aad.data()), aad.size(),
                       u8(computed.data()), computed.size());
    return equal_constant_time(computed, tag);
}

bool equal_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) noexcept {
    if (a.size() != b.size()) {
        return false;
    }
    // Accumulate every difference, no early exit; the volatile read keeps the compiler from
    // turning the loop back into a short-circuiting memcmp.
    volatile std::uint8_t diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = diff | static_cast<std::uint8_t>(a[i] ^ b[i]);
    }
    return diff == 0;
}

} // namespace ringcast::crypto
