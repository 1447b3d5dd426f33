// libFuzzer target: untrusted bytes through decode_frame and chunk_reader.
//
// Beyond "no crash, no sanitizer report" it checks the codec's round-trip oracle: whatever
// decodes ok re-encodes to the same bytes (up to the tag, which encode_frame zeroes) and decodes
// to the same value. Seeds: tests/fuzz/corpus/decode/ (written by the wire_corpus unit test).
//
//   ninja -C build-wire-fuzz tests/fuzz/fuzz_decode
//   build-wire-fuzz/tests/fuzz/fuzz_decode -max_total_time=60 /tmp/scratch tests/fuzz/corpus/decode

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <variant>

#include "lib/wire/codec.hpp"
#include "tests/fuzz/frame_compare.hpp"

namespace {

using namespace ringcast::wire;

[[noreturn]] void oracle_failed() { __builtin_trap(); }

void check(bool ok) {
    if (!ok) {
        oracle_failed();
    }
}

// Walks a payload to its end; checks the reader stays inside it. Returns the chunk count.
std::size_t walk_chunks(std::span<const std::byte> payload) {
    chunk_reader reader(payload);
    chunk c;
    std::size_t n = 0;
    while (reader.next(c)) {
        check(c.data.data() >= payload.data() &&
              c.data.data() + c.data.size() <= payload.data() + payload.size());
        ++n;
    }
    check(reader.offset() <= payload.size());
    return n;
}

void check_round_trip(std::span<const std::byte> in, const frame& f) {
    parsed_frame p;
    check(parse_frame(in, default_ethertype, p) == errc::ok);
    static std::byte out[max_frame_size + 1024];
    if (in.size() > sizeof out) {
        return;
    }
    const encode_result r =
        encode_frame({out, in.size()}, p.dst, p.src, default_ethertype, f.hdr, f.body);
    check(r.err == errc::ok && r.size == in.size());
    check(std::memcmp(out, in.data(), in.size() - tag_size) == 0);
    frame again;
    check(decode_frame({out, r.size}, default_ethertype, again) == errc::ok);
    check(again.hdr == f.hdr && ringcast::fuzz::same_body(again.body, f.body));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> in(reinterpret_cast<const std::byte*>(data), size);
    frame f;
    const errc e = decode_frame(in, default_ethertype, f);
    check(e < errc::count_ && e != errc::buffer_too_small);
    if (e == errc::ok) {
        if (const auto* m = std::get_if<mcast_view>(&f.body)) {
            check(walk_chunks(m->payload) == m->fields.chunk_count);
        }
        check_round_trip(in, f);
    }
    // The reader's defensive path: arbitrary bytes as a payload that never saw decode_body.
    (void)walk_chunks(in);
    return 0;
}
