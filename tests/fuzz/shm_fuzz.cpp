// libFuzzer target: ringcastd's reading of a hostile client's shared-memory submit ring.
//
// The code under test is lib/shm's client_hub and the ring consumer under it; the fuzzer is the
// client.
//
// The client is connected through the hub's real Unix-socket handshake and then writes into its
// submit ring whatever the input says: raw bytes anywhere, records a real client would write
// with one thing broken, impossible head cursors, a hostile delivery-ring tail and wake flags,
// a hangup. Between writes the hub polls as the lcore does, the "core" takes or refuses each
// submission, refs come back FIFO and messages are delivered in a loopback total order. The hub
// must never crash, never hand over a record that is not a well-formed message of this client
// (shm/ops.cpp, accept()), and always give the slot back once the client is gone.
//
// Input: byte 0 bit 0 picks the slow-consumer policy, then one operation per byte.
//
//   scripts/fuzz shm 10

#include <cstddef>
#include <cstdint>

#include "tests/fuzz/byte_reader.hpp"
#include "tests/fuzz/shm/ops.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    ringcast::fuzz::byte_reader r({data, size});
    ringcast::fuzz::hub_session s;
    if (!s.open((r.u8() & 1) != 0)) {
        __builtin_trap(); // the handshake itself must work, or nothing here is tested
    }
    for (int k = 0; k < 2048 && !r.empty(); ++k) {
        s.step(r);
    }
    s.close();
    return 0;
}
