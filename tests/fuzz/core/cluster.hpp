#pragma once
// A few real totem::node cores wired together by the fuzzer instead of a network: every frame a
// core sends is encoded to bytes and waits in `in_flight` until the fuzzer delivers, duplicates,
// drops or forges from it. The cluster is the cores' driver and checks the driver contract
// (effects.hpp) on every batch, plus node::check_invariants() after every input.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include "lib/totem/config.hpp"
#include "lib/totem/effects.hpp"
#include "lib/totem/node.hpp"
#include "lib/wire/messages.hpp"
#include "tests/fuzz/core/pool.hpp"

namespace ringcast::fuzz {

/** A frame on the wire: plaintext Ethernet frame bytes and the node index it is going to. */
struct wire_frame {
    std::vector<std::byte> bytes;
    std::size_t to = 0;
};

class cluster {
public:
    static constexpr std::uint32_t cluster_id = 0x52430001;
    static constexpr std::size_t in_flight_max = 512;

    /** Nodes get ids 1..n; `base` supplies every other setting. */
    cluster(std::size_t n, const totem::config& base);
    ~cluster();

    void start();
    [[nodiscard]] std::size_t size() const noexcept { return nodes_.size(); }
    [[nodiscard]] std::span<const node_id> ids() const noexcept { return ids_; }
    [[nodiscard]] const totem::node& core(std::size_t i) const noexcept { return *nodes_[i].core; }
    [[nodiscard]] mono_ns now() const noexcept { return now_; }
    [[nodiscard]] std::deque<wire_frame>& in_flight() noexcept { return in_flight_; }

    /** Hands node i a frame as the daemon would after opening it; a frame that does not decode is
     *  dropped, as the daemon drops it. */
    void deliver(std::size_t i, std::span<const std::byte> frame);
    /** Moves the clock and runs every timer that is due. */
    void advance(mono_ns d);
    void submit(std::size_t i, wire::service svc, std::uint32_t len);
    void leave(std::size_t i);
    /** Crash and restart: a fresh core, with the ring seq high-water mark it asked to persist. */
    void restart(std::size_t i);

private:
    struct member {
        totem::config cfg;
        std::unique_ptr<totem::node> core;
        std::uint64_t persisted_ring_seq = 0;
        cluster* owner = nullptr;
        std::size_t index = 0;
    };

    static totem::frame_buffer alloc_frame(void* ctx) noexcept;
    void boot(std::size_t i);
    void drain(std::size_t i);
    void send(std::size_t i, const totem::send& s);
    void send_mcast(std::size_t i, const totem::send& s);
    void send_control(std::size_t i, const totem::send& s);
    void fan_out(std::size_t i, node_id to, std::span<const std::byte> frame);
    void check_delivery(std::size_t i, const totem::delivery& d);

    std::vector<node_id> ids_;
    std::vector<member> nodes_;
    pool pool_;
    totem::effects fx_;
    std::deque<wire_frame> in_flight_;
    wire::frame rx_;
    wire::frame_body tx_body_;
    std::vector<std::byte> tx_;
    mono_ns now_ = 1'000'000;
    std::uint64_t nonce_ = 0;
};

} // namespace ringcast::fuzz
