#pragma once
// Bridges the simulator's observer to the checker (and, with tracing on, prints every event).
// The checker sees only these events; this file is the whole interface between the two.

#include <cstdio>
#include <vector>

#include "drivers/sim/observer.hpp"
#include "tests/sim/checker/checker.hpp"

namespace ringcast::sim {

class recorder final : public observer {
public:
    explicit recorder(check::checker& c, std::FILE* trace = nullptr) : c_(c), trace_(trace) {}

    void on_submit(mono_ns t, node_id origin, std::uint64_t index, wire::service svc,
                   std::span<const std::byte> bytes) override;
    void on_frame_sent(mono_ns t, node_id origin, frame_key key, std::uint64_t first,
                       std::uint64_t last) override;
    void on_frame_received(mono_ns t, node_id node, frame_key key) override;
    void on_send(mono_ns t, node_id node, const totem::send& s) override;
    void on_deliver(mono_ns t, node_id node, const delivered_message& m) override;
    void on_config(mono_ns t, node_id node, totem::delivery_kind kind,
                   const totem::configuration& c) override;
    void on_core_event(mono_ns t, node_id node, const totem::event& e) override;
    void on_leave(mono_ns t, node_id node) override;
    void on_crash(mono_ns t, node_id node) override;
    void on_restart(mono_ns t, node_id node) override;
    void on_error(mono_ns t, node_id node, std::string_view what) override;

    [[nodiscard]] std::uint64_t token_lost() const noexcept { return token_lost_; }
    [[nodiscard]] std::uint64_t failed_to_receive() const noexcept { return failed_to_receive_; }

private:
    check::checker& c_;
    std::FILE* trace_;
    std::vector<std::span<const std::byte>> pieces_; ///< reused per delivery
    std::uint64_t token_lost_ = 0;
    std::uint64_t failed_to_receive_ = 0;
};

} // namespace ringcast::sim
