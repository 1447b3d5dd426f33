#pragma once
// The hostile side of the shared memory: connects to a client_hub over its Unix socket exactly as
// libringcast does, maps the region it is handed, and then writes whatever the fuzzer says.

#include <cstddef>
#include <cstdint>
#include <string>

#include "lib/shm/region.hpp"
#include "lib/shm/ring.hpp"

namespace ringcast::fuzz {

class raw_client {
public:
    raw_client() = default;
    ~raw_client();
    raw_client(const raw_client&) = delete;
    raw_client& operator=(const raw_client&) = delete;

    /** Connects; the hub must run service_control() before finish_handshake() can succeed. */
    [[nodiscard]] bool connect(const std::string& socket_path);
    /** Receives the welcome and the fds, maps and validates the region. */
    [[nodiscard]] bool finish_handshake();
    /** Closes the socket: the hub sees a hangup. The mapping stays (a dying client's does not
     *  matter, and the hub keeps its own). */
    void hang_up();
    [[nodiscard]] bool connected() const noexcept { return sock_ >= 0; }

    [[nodiscard]] shm::region_view& region() noexcept { return region_; }
    /** What the client's own (honest) producer would do, for well-formed records. */
    [[nodiscard]] shm::producer& producer() noexcept { return producer_; }
    /** The same memory as the daemon sees it: the other mapping of the region's memfd in this
     *  process (the hub maps it separately). Null when not found. */
    [[nodiscard]] const std::byte* daemon_view() const noexcept { return daemon_view_; }
    [[nodiscard]] std::uint32_t id() const noexcept { return id_; }
    [[nodiscard]] std::uint32_t pid() const noexcept { return pid_; }

private:
    int sock_ = -1;
    void* map_ = nullptr;
    std::size_t size_ = 0;
    shm::region_view region_;
    shm::producer producer_;
    const std::byte* daemon_view_ = nullptr;
    std::uint32_t id_ = 0;
    std::uint32_t pid_ = 0;
};

} // namespace ringcast::fuzz
