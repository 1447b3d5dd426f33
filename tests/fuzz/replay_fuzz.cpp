// libFuzzer target: crypto::replay_window against a plain reference model.
//
// The window's bitmap arithmetic (slot reuse modulo 1024, partial and full slides, epoch resets)
// is where an off-by-one would silently accept a replay. The oracle is the definition itself: a
// set of every counter accepted under the current epoch. Each 4-byte input record is one frame:
//   byte 0: bits 0-1 epoch move (0/1 same, 2 newer, 3 older), bit 2 big jump
//   bytes 1-3: signed 24-bit offset of the counter from the newest accepted one
//
//   ninja -C build-fuzz tests/fuzz/fuzz_replay
//   build-fuzz/tests/fuzz/fuzz_replay -max_total_time=60 /tmp/scratch tests/fuzz/corpus/replay

#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>

#include "lib/crypto/replay_window.hpp"

namespace {

using ringcast::crypto::errc;
using ringcast::crypto::replay_window;

struct model {
    std::uint32_t epoch = 0;
    std::set<std::uint64_t> seen;

    [[nodiscard]] std::uint64_t top() const { return seen.empty() ? 0 : *seen.rbegin(); }

    errc accept(std::uint32_t e, std::uint64_t c) {
        if (e < epoch) {
            return errc::stale_epoch;
        }
        if (e > epoch) {
            epoch = e;
            seen.clear();
        }
        if (!seen.empty() && top() - c >= replay_window::window_size && c < top()) {
            return errc::too_old;
        }
        if (!seen.insert(c).second) {
            return errc::replayed;
        }
        return errc::ok;
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    replay_window w;
    model m;
    std::uint32_t epoch = 1;
    for (std::size_t i = 0; i + 4 <= size; i += 4) {
        const std::uint8_t op = data[i];
        if ((op & 3) == 2) {
            ++epoch;
        } else if ((op & 3) == 3 && epoch > 0) {
            --epoch;
        }
        std::int32_t off = static_cast<std::int32_t>(data[i + 1] | data[i + 2] << 8 |
                                                     data[i + 3] << 16);
        off = (off << 8) >> 8; // sign-extend 24 bits
        const std::int64_t scale = (op & 4) != 0 ? 97 : 1;
        const std::int64_t want = static_cast<std::int64_t>(m.top()) + off * scale;
        const std::uint64_t c = want < 0 ? 0 : static_cast<std::uint64_t>(want);

        const errc expected = m.accept(epoch, c);
        const errc got = w.check(epoch, c);
        if (got != expected) {
            __builtin_trap();
        }
        if (got == errc::ok) {
            w.commit(epoch, c);
        }
        if (w.epoch() != m.epoch) {
            __builtin_trap();
        }
    }
    return 0;
}
