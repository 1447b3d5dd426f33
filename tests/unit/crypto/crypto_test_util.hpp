#pragma once
// Helpers shared by the crypto tests: hex, plaintext frame building, a fixed master key.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "lib/crypto/gcm.hpp"
#include "lib/wire/codec.hpp"

namespace ringcast::crypto::test {

using byte_vec = std::vector<std::byte>;

inline byte_vec from_hex(std::string_view hex) {
    const auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return c - 'a' + 10;
    };
    byte_vec out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<std::byte>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
    }
    return out;
}

inline std::string to_hex(std::span<const std::byte> b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (const std::byte x : b) {
        s.push_back(digits[std::to_integer<unsigned>(x) >> 4]);
        s.push_back(digits[std::to_integer<unsigned>(x) & 0xF]);
    }
    return s;
}

/** The master key 00 01 02 ... 1f. */
inline secret_key test_master() {
    byte_vec raw(key_size);
    for (std::size_t i = 0; i < raw.size(); ++i) {
        raw[i] = static_cast<std::byte>(i);
    }
    return secret_key(std::span<const std::byte, key_size>(raw.data(), key_size));
}

inline constexpr std::uint32_t test_cluster = 0xC1C1;
inline constexpr wire::eth_addr test_dst{0x01, 0x00, 0x5e, 0x00, 0x00, 0x2a};
inline constexpr wire::eth_addr test_src{0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

/**
 * A plaintext frame as the core hands it to seal_frame: Ethernet + header + body bytes
 * (a counting pattern from seed) + 16 zero tag bytes. Crypto never looks inside the body.
 */
inline byte_vec make_frame(std::size_t body_len, std::uint8_t seed = 1,
                           wire::msg_type type = wire::msg_type::mcast,
                           std::uint32_t cluster_id = test_cluster) {
    byte_vec f(wire::frame_overhead + body_len);
    EXPECT_EQ(wire::encode_eth(f, test_dst, test_src, wire::default_ethertype), wire::errc::ok);
    wire::header h;
    h.type = type;
    h.cluster_id = cluster_id;
    h.ring = {1, 4};
    h.body_len = static_cast<std::uint32_t>(body_len);
    EXPECT_EQ(wire::encode_header(std::span(f).subspan(wire::eth_header_size), h), wire::errc::ok);
    for (std::size_t i = 0; i < body_len; ++i) {
        f[wire::eth_header_size + wire::header_size + i] = static_cast<std::byte>(seed + i * 7);
    }
    return f;
}

/** The body bytes of a frame. */
inline std::span<const std::byte> body_of(std::span<const std::byte> frame, std::size_t body_len) {
    return frame.subspan(wire::eth_header_size + wire::header_size, body_len);
}

} // namespace ringcast::crypto::test
