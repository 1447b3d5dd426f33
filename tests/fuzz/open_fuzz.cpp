// libFuzzer target: received frames through crypto::open_frame, then wire::decode_body.
//
// That is the daemon's whole receive path up to the Totem core.
//
// Raw bytes almost never carry a valid tag, so they only reach the checks before decryption. To
// get the fuzzer's bytes past authentication, the first input byte picks a mode:
//   bit 0 clear  raw: the rest is a received frame, opened as is.
//   bit 0 set    sealed: the rest is a plaintext frame that a configured peer seals first (bit 1
//                also repairs ethertype, magic, version, type and body_len so sealing succeeds).
// In sealed mode the oracles are the ones a forged or corrupted frame must never break:
//   - open(seal(x)) succeeds and yields x's header and body byte for byte;
//   - decode_body of the opened body agrees with decode_frame of the plaintext;
//   - the same frame again is refused as a replay;
//   - one flipped bit anywhere past the MAC addresses makes it fail.
//
//   scripts/fuzz open 10

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "lib/crypto/frame.hpp"
#include "lib/crypto/keyring.hpp"
#include "lib/wire/codec.hpp"
#include "tests/fuzz/frame_compare.hpp"

namespace {

namespace crypto = ringcast::crypto;
namespace wire = ringcast::wire;
using ringcast::node_id;

constexpr std::uint32_t cluster = 0x52430001;
constexpr std::array<node_id, 3> members = {1, 2, 3};
constexpr node_id receiver = 1;

void check(bool ok) {
    if (!ok) {
        __builtin_trap();
    }
}

crypto::engine& engine() {
    static crypto::engine eng;
    return eng;
}

const crypto::secret_key& master() {
    static const crypto::secret_key key = [] {
        std::array<std::byte, crypto::key_size> raw{};
        for (std::size_t i = 0; i < raw.size(); ++i) {
            raw[i] = static_cast<std::byte>(i * 7 + 1);
        }
        return crypto::secret_key(raw);
    }();
    return key;
}

std::unique_ptr<crypto::keyring> make_keyring(node_id self, std::uint32_t epoch) {
    return std::make_unique<crypto::keyring>(engine(), master(), self, epoch, members);
}

void put_be16(std::byte* p, std::uint16_t v) {
    p[0] = static_cast<std::byte>(v >> 8);
    p[1] = static_cast<std::byte>(v);
}

void put_be32(std::byte* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
        p[i] = static_cast<std::byte>(v >> (24 - 8 * i));
    }
}

// Makes the header decodable so the fuzzer's bytes spend their time in the body decoder.
void repair(std::vector<std::byte>& f, std::uint8_t type_pick) {
    if (f.size() < wire::frame_overhead) {
        f.resize(wire::frame_overhead);
    }
    std::byte* h = f.data() + wire::eth_header_size;
    put_be16(f.data() + 12, wire::default_ethertype);
    put_be16(h + 0, wire::magic);
    h[2] = static_cast<std::byte>(wire::version);
    h[3] = static_cast<std::byte>(type_pick % 6 + 1);
    put_be16(h + 4, 0);
    put_be16(h + 6, 0);
    put_be32(h + 8, cluster);
    put_be32(h + 40, static_cast<std::uint32_t>(f.size() - wire::frame_overhead));
    put_be32(h + 44, 0);
}

void open_raw(std::span<const std::uint8_t> in) {
    // Not memcpy: an empty input's data() may be null, which memcpy may not be given.
    const auto* b = reinterpret_cast<const std::byte*>(in.data());
    std::vector<std::byte> f(b, b + in.size());
    auto kr = make_keyring(receiver, 1);
    crypto::replay_state rs(*kr);
    const crypto::open_result r = crypto::open_frame(engine(), *kr, rs, f, cluster);
    check(r.err < crypto::errc::count_);
    if (r.err == crypto::errc::ok) {
        wire::frame_body body;
        (void)wire::decode_body(r.frame.hdr, r.frame.body, body);
    }
}

void seal_and_open(std::span<const std::uint8_t> in, std::uint8_t mode) {
    if (in.size() < 3) {
        return;
    }
    const node_id sender = members[1 + in[0] % 2];
    const std::size_t flip_at = std::size_t{in[1]} << 8 | in[2];
    in = in.subspan(3);
    const auto* b = reinterpret_cast<const std::byte*>(in.data());
    std::vector<std::byte> plain(b, b + in.size());
    if ((mode & 2) != 0) {
        repair(plain, mode >> 2);
    }

    auto tx = make_keyring(sender, 1 + (mode >> 5));
    std::vector<std::byte> sealed(plain.size());
    const crypto::seal_result s = crypto::seal_frame(engine(), *tx, plain, sealed);
    if (s.err != crypto::errc::ok) {
        wire::header h;
        check(plain.size() < wire::eth_header_size + wire::header_size ||
              wire::decode_header(std::span(plain).subspan(wire::eth_header_size), h) !=
                  wire::errc::ok ||
              s.err == crypto::errc::truncated);
        return;
    }
    sealed.resize(s.size);
    plain.resize(s.size);
    // seal_frame stamped sender, key epoch and nonce into the header; the plaintext reference
    // needs the same header to compare against.
    std::memcpy(plain.data() + wire::eth_header_size, sealed.data() + wire::eth_header_size,
                wire::header_size);

    auto rx = make_keyring(receiver, 1);
    crypto::replay_state rs(*rx);
    std::vector<std::byte> opened = sealed;
    const crypto::open_result r = crypto::open_frame(engine(), *rx, rs, opened, cluster);
    wire::header ph;
    check(wire::decode_header(std::span(plain).subspan(wire::eth_header_size), ph) ==
          wire::errc::ok);
    // seal_frame leaves the Ethernet header to its caller; open_frame checks it first.
    const auto ethertype = static_cast<std::uint16_t>(std::to_integer<unsigned>(plain[12]) << 8 |
                                                      std::to_integer<unsigned>(plain[13]));
    if (ethertype != wire::default_ethertype) {
        check(r.err == crypto::errc::malformed && r.wire_err == wire::errc::bad_ethertype);
        return;
    }
    if (ph.cluster_id != cluster) {
        check(r.err == crypto::errc::wrong_cluster);
        return;
    }
    check(r.err == crypto::errc::ok);
    check(r.frame.hdr == ph);
    const std::size_t body_at = wire::eth_header_size + wire::header_size;
    check(r.frame.body.size() == ph.body_len &&
          std::memcmp(r.frame.body.data(), plain.data() + body_at, ph.body_len) == 0);

    wire::frame_body opened_body;
    const wire::errc e1 = wire::decode_body(r.frame.hdr, r.frame.body, opened_body);
    wire::frame direct;
    const wire::errc e2 = wire::decode_frame(plain, wire::default_ethertype, direct);
    check(e1 == e2);
    if (e1 == wire::errc::ok) {
        check(ringcast::fuzz::same_body(opened_body, direct.body));
        if (const auto* m = std::get_if<wire::mcast_view>(&opened_body)) {
            check(m->payload.data() >= opened.data() &&
                  m->payload.data() + m->payload.size() <= opened.data() + opened.size());
        }
    }

    std::vector<std::byte> again = sealed;
    check(crypto::open_frame(engine(), *rx, rs, again, cluster).err == crypto::errc::replayed);

    // Only the MAC addresses are outside the AAD; every other bit is covered by parse or tag.
    std::vector<std::byte> flipped = sealed;
    const std::size_t at = flip_at % (flipped.size() * 8);
    flipped[at / 8] ^= static_cast<std::byte>(1u << (at % 8));
    crypto::replay_state fresh(*rx);
    const crypto::errc fe = crypto::open_frame(engine(), *rx, fresh, flipped, cluster).err;
    check(at / 8 < 2 * wire::eth_addr_size ? fe == crypto::errc::ok : fe != crypto::errc::ok);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0 || size > wire::max_frame_size + 4) {
        return 0;
    }
    const std::uint8_t mode = data[0];
    const std::span<const std::uint8_t> rest(data + 1, size - 1);
    if ((mode & 1) == 0) {
        open_raw(rest);
    } else {
        seal_and_open(rest, mode);
    }
    return 0;
}
