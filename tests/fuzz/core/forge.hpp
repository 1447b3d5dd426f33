#pragma once
// What a hostile member can put in a frame: it holds the cluster key, so any header and body the
// decoder accepts reach the core. The fuzzer either edits a frame a real core sent (so its ring
// ids and sequence numbers are close to what the receiver expects) or builds one around the
// receiver's current ring.

#include <cstddef>
#include <span>
#include <vector>

#include "lib/common/types.hpp"
#include "lib/wire/messages.hpp"
#include "tests/fuzz/byte_reader.hpp"

namespace ringcast::fuzz {

/** Applies one to four field edits chosen by r to f (header or body). */
void mutate(wire::frame& f, byte_reader& r, std::span<const node_id> ids);

/**
 * A new frame of a type chosen by r, on `ring`, from a sender in ids, with a body built from r.
 * An mcast's packed payload goes to `payload_store`, which must outlive f.
 */
void build(wire::frame& f, byte_reader& r, std::span<const node_id> ids, ring_id ring,
           std::vector<std::byte>& payload_store);

/**
 * Encodes f as a plaintext Ethernet frame into out; false when the encoder refuses it (a value
 * the decoder would reject: such a frame never reaches the core).
 */
[[nodiscard]] bool encode(const wire::frame& f, std::vector<std::byte>& out);

} // namespace ringcast::fuzz
