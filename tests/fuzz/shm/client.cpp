// Handshake and mapping of the fuzzer's raw client (client.hpp).

#include "tests/fuzz/shm/client.hpp"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>

#include "lib/shm/handshake.hpp"

namespace ringcast::fuzz {

namespace {

// Both ends live in this process, so the hub's mapping of the region is the other memfd mapping
// with the name the hub gives it.
const std::byte* other_mapping(const void* mine) {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        if (line.find("/memfd:ringcast-client") == std::string::npos) {
            continue;
        }
        const std::uintptr_t start = std::stoull(line.substr(0, line.find('-')), nullptr, 16);
        const std::size_t offset_at = line.find(' ', line.find(' ') + 1) + 1;
        const bool at_zero = std::stoull(line.substr(offset_at, 8), nullptr, 16) == 0;
        if (at_zero && start != reinterpret_cast<std::uintptr_t>(mine)) {
            return reinterpret_cast<const std::byte*>(start);
        }
    }
    return nullptr;
}

} // namespace

raw_client::~raw_client() {
    if (map_ != nullptr) {
        ::munmap(map_, size_);
    }
    hang_up();
}

bool raw_client::connect(const std::string& socket_path) {
    sock_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (sock_ < 0 || socket_path.size() >= sizeof addr.sun_path) {
        return false;
    }
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    return ::connect(sock_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

bool raw_client::finish_handshake() {
    shm::welcome w;
    alignas(cmsghdr) char control[CMSG_SPACE(2 * sizeof(int))] = {};
    iovec iov{&w, sizeof w};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (::recvmsg(sock_, &msg, MSG_DONTWAIT) != static_cast<ssize_t>(sizeof w) || w.status != 0) {
        return false;
    }
    const cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    if (cm == nullptr || cm->cmsg_len != CMSG_LEN(2 * sizeof(int))) {
        return false;
    }
    int fds[2];
    std::memcpy(fds, CMSG_DATA(cm), sizeof fds);
    size_ = w.region_size;
    void* map = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
    ::close(fds[0]);
    ::close(fds[1]);
    if (map == MAP_FAILED) {
        return false;
    }
    map_ = map;
    if (shm::attach_region(map_, size_, region_) != shm::errc::ok) {
        return false;
    }
    daemon_view_ = other_mapping(map_);
    id_ = region_.header->client;
    pid_ = region_.header->pid;
    producer_ = shm::producer(region_.submit, region_.submit_data, region_.submit->capacity,
                              region_.submit->record_max);
    return true;
}

void raw_client::hang_up() {
    if (sock_ >= 0) {
        ::close(sock_);
        sock_ = -1;
    }
}

} // namespace ringcast::fuzz
