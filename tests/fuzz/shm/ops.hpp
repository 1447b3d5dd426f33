#pragma once
// One fuzz input against a client_hub: a hub, one hostile client, and the lcore side played as
// the daemon plays it (poll, hand to the "core", release FIFO, deliver in a loopback total
// order). Every submission the hub hands over is checked by accept(): the hub must never forward
// a record the client did not write well-formed for itself.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>

#include "lib/shm/hub.hpp"
#include "tests/fuzz/byte_reader.hpp"
#include "tests/fuzz/shm/client.hpp"

namespace ringcast::fuzz {

class hub_session {
public:
    static constexpr node_id self = 1;

    /** A hub under the given policy with one connected client; false if the handshake failed. */
    [[nodiscard]] bool open(bool disconnect_policy);
    /** Runs one operation chosen by r. */
    void step(byte_reader& r);
    /** Hangs the client up and runs the hub until it has reclaimed the slot (checked). */
    void close();

private:
    struct held {
        totem::payload_ref ref = 0;
        wire::service svc = wire::service::agreed;
        std::span<const std::byte> payload;
    };

    void write_raw(byte_reader& r);
    void write_record(byte_reader& r);
    void move_head(byte_reader& r);
    void move_deliver_tail(byte_reader& r);
    void poll(byte_reader& r);
    void release(std::size_t n, bool loopback);
    void deliver_remote(byte_reader& r);
    void configuration(byte_reader& r);
    void check_sync_report(const shm::group_header& h, std::span<const std::byte> payload);
    totem::submit_result accept(const shm::hub_client& who, wire::service svc,
                                std::span<const std::byte> payload, totem::payload_ref ref);

    std::string socket_path_;
    std::unique_ptr<shm::client_hub> hub_;
    raw_client client_;
    std::deque<held> held_;
    mono_ns now_ = 1;
    seq_t seq_ = 0;
    std::uint8_t verdicts_ = 0; // the "core's" answers for the current poll, two bits each
};

} // namespace ringcast::fuzz
