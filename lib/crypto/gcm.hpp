#pragma once
// AES-256-GCM through Intel ipsec-mb's direct GCM API, which is the fastest path for one frame at
// a time (the job API only pays off for bursts of many small buffers).
//
// Key hierarchy: the 32-byte master key from the key file is only ever used to derive frame keys,
// never to seal a frame. The frame key of (sender, key_epoch) is
//     AES_m(L || sender || key_epoch || 2) || AES_m(L || sender || key_epoch || 3)
// with AES_m = AES-256 under the master key, L = "RCK1", and 32-bit big-endian fields: AES used
// as a PRF on distinct input blocks, the shape of RFC 8452 §4's key derivation. It is computed as
// the keystream of a GCM encryption of 32 zero bytes under the master key with
// IV = L || sender || key_epoch (GCM's first keystream block is E(IV || 2)); the GHASH tag of that
// encryption is discarded. Distinct (sender, key_epoch) pairs thus get independent keys.

#include <intel-ipsec-mb.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "lib/common/types.hpp"
#include "lib/crypto/iv.hpp"

namespace ringcast::crypto {

inline constexpr std::size_t key_size = 32;
inline constexpr std::size_t tag_size = 16;

/** 32 secret bytes; wiped when destroyed. */
class secret_key {
public:
    secret_key() noexcept = default;
    explicit secret_key(std::span<const std::byte, key_size> bytes) noexcept;
    secret_key(const secret_key& o) noexcept = default;
    secret_key& operator=(const secret_key& o) noexcept = default;
    ~secret_key();

    [[nodiscard]] std::span<const std::byte, key_size> bytes() const noexcept { return bytes_; }
    [[nodiscard]] std::span<std::byte, key_size> bytes() noexcept { return bytes_; }

private:
    std::array<std::byte, key_size> bytes_{};
};

/**
 * An expanded AES-256-GCM key: AES round keys plus the GHASH key powers ipsec-mb precomputes.
 * Expanded once per key (engine::expand_key); ~1 KiB; wiped when destroyed. Read-only use is
 * MT-safe.
 */
class gcm_key {
public:
    gcm_key() noexcept = default;
    gcm_key(const gcm_key&) noexcept = default;
    gcm_key& operator=(const gcm_key&) noexcept = default;
    ~gcm_key();

private:
    friend class engine;
    alignas(64) gcm_key_data data_{};
};

/**
 * One ipsec-mb manager (IMB_MGR), set up for the best instruction set this CPU has.
 * Not MT-safe: own one per thread (lcore), as DPDK's ipsec_mb PMD does per queue pair.
 * All operations but the constructor are noexcept, allocation-free and syscall-free.
 */
class engine {
public:
    /** Allocates and initialises the manager. @throws std::runtime_error when ipsec-mb fails. */
    engine();
    ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    /** Name of the code path ipsec-mb picked ("avx512", "avx2", "sse", ...). */
    [[nodiscard]] std::string_view arch_name() const noexcept;

    /** Runs the AES-256 key schedule and GHASH precomputation of raw into out. */
    void expand_key(std::span<const std::byte, key_size> raw, gcm_key& out) noexcept;

    /** Derives the frame key of (sender, key_epoch) from an expanded master key (see above). */
    void derive_frame_key(const gcm_key& master, node_id sender, std::uint32_t key_epoch,
                          gcm_key& out) noexcept;

    /**
     * Encrypts plaintext into ciphertext and writes the 16-byte tag over (aad, ciphertext).
     * ciphertext has plaintext's size and is either the same memory (in place) or disjoint.
     * The caller guarantees that (key, iv) was never used before.
     */
    void seal(const gcm_key& key, const iv_bytes& iv, std::span<const std::byte> aad,
              std::span<const std::byte> plaintext, std::span<std::byte> ciphertext,
              std::span<std::byte, tag_size> tag) noexcept;

    /**
     * Decrypts ciphertext into plaintext (same memory or disjoint, same size) and checks the tag
     * in constant time.
     * @return true when the tag verifies. On false the content of plaintext is unspecified and
     *         must not be used.
     */
    [[nodiscard]] bool open(const gcm_key& key, const iv_bytes& iv, std::span<const std::byte> aad,
                            std::span<const std::byte> ciphertext, std::span<std::byte> plaintext,
                            std::span<const std::byte, tag_size> tag) noexcept;

private:
    IMB_MGR* mgr_ = nullptr;
    IMB_ARCH arch_ = IMB_ARCH_NONE;
};

/** Compares two equal-length byte strings in time independent of their content. */
[[nodiscard]] bool equal_constant_time(std::span<const std::byte> a,
                                       std::span<const std::byte> b) noexcept;

} // namespace ringcast::crypto
