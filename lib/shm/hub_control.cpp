// client_hub, control side: the Unix socket, the handshake, hangup detection and reclaiming.
// Runs on a non-lcore thread; may block, allocate and log. It talks to the lcore only through
// slot states (release/acquire) and the epoch counter.

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <system_error>

#include "lib/common/assert.hpp"
#include "lib/shm/config_event.hpp"
#include "lib/shm/handshake.hpp"
#include "lib/shm/handshake_io.hpp"
#include "lib/shm/hub.hpp"
#include "lib/shm/hub_slot.hpp"

namespace ringcast::shm {

namespace {

std::uint32_t deliver_record_max(const hub_config& c) noexcept {
    // A sync view may name every member as joined and every former one as left.
    const std::size_t view =
        view_event_size(c.group_members_max, c.group_members_max, c.group_members_max);
    return static_cast<std::uint32_t>(std::max({group_header_max + c.max_message_size, view,
                                                config_event_size(wire::max_nodes)}));
}

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

const char* validate(const hub_config& c) noexcept {
    if (c.self == node_id_none) {
        return "self node id is 0";
    }
    if (c.socket_path.empty() || c.socket_path.size() >= sizeof(sockaddr_un{}.sun_path)) {
        return "socket path empty or longer than 107 bytes";
    }
    for (const std::uint64_t b : {std::uint64_t{c.submit_ring_bytes},
                                  std::uint64_t{c.deliver_ring_bytes}}) {
        if (!std::has_single_bit(b) || b < ring_capacity_min || b > ring_capacity_max) {
            return "ring sizes must be powers of two in 4096..1073741824";
        }
    }
    if (c.max_message_size == 0 || c.max_message_size > (64u << 20)) {
        return "max_message_size out of range 1..67108864";
    }
    if (record_size(group_header_max + c.max_message_size) > c.submit_ring_bytes / 2 ||
        record_size(deliver_record_max(c)) > c.deliver_ring_bytes / 2) {
        return "a ring must hold at least two messages of max_message_size";
    }
    if (c.max_clients == 0 || c.max_clients > 4096) {
        return "max_clients out of range 1..4096";
    }
    if (c.max_groups_per_client == 0 || c.group_members_max == 0 ||
        c.group_members_max > 65536) {
        return "max_groups_per_client and group_members_max must be positive";
    }
    if (c.slow_consumer == slow_consumer_policy::block &&
        c.slow_consumer_bound_bytes < 2 * record_size(deliver_record_max(c))) {
        return "slow_consumer_bound must hold at least two messages of max_message_size";
    }
    return nullptr;
}

client_hub::client_hub(hub_config cfg) : cfg_(std::move(cfg)), groups_(cfg_.self, cfg_.group_members_max) {
    if (const char* why = validate(cfg_)) {
        throw std::invalid_argument(std::string("[clients]: ") + why);
    }
    sizes_.submit_capacity = cfg_.submit_ring_bytes;
    sizes_.deliver_capacity = cfg_.deliver_ring_bytes;
    sizes_.submit_record_max = static_cast<std::uint32_t>(group_header_max + cfg_.max_message_size);
    sizes_.deliver_record_max = deliver_record_max(cfg_);
    slots_ = std::make_unique<slot[]>(cfg_.max_clients);
    active_.reserve(cfg_.max_clients);
    // Views and configuration records share it.
    scratch_.resize(std::max(view_event_size(cfg_.group_members_max, cfg_.group_members_max,
                                             cfg_.group_members_max),
                             config_event_size(wire::max_nodes)));
    config_members_.reserve(wire::max_nodes);
    sync_in_.resize(sync_payload_max);
    sync_entries_.reserve(sync_payload_max / 10); // the smallest entry is 10 bytes
    view_fn_ = [this](const group& g, const view_event& ev) { deliver_view_lcore(g, ev); };

    const std::filesystem::path path(cfg_.socket_path);
    std::error_code ec;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), ec);
    }
    listen_fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) {
        throw_errno("socket");
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, cfg_.socket_path.c_str(), cfg_.socket_path.size() + 1);
    // A socket file left by a crashed daemon is replaced; a live daemon's is not.
    struct stat st {};
    if (::lstat(addr.sun_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        const int probe = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        const bool live = probe >= 0 &&
                          ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        if (probe >= 0) {
            ::close(probe);
        }
        if (live) {
            ::close(listen_fd_);
            throw std::runtime_error(cfg_.socket_path + ": another daemon is listening there");
        }
        ::unlink(addr.sun_path);
    }
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::chmod(addr.sun_path, 0666) != 0 || ::listen(listen_fd_, 64) != 0) {
        const int e = errno;
        ::close(listen_fd_);
        errno = e;
        throw_errno(cfg_.socket_path);
    }
}

client_hub::~client_hub() {
    if (listen_fd_ >= 0) {
        ::close(listen_fd_);
        ::unlink(cfg_.socket_path.c_str());
    }
    for (std::uint32_t s = 0; s < cfg_.max_clients; ++s) {
        slot& c = slots_[s];
        if (c.state.load(std::memory_order_acquire) != slot_state::free) {
            ::munmap(c.map, c.map_size);
            ::close(c.memfd);
            ::close(c.event_fd);
            ::close(c.sock);
        }
    }
}

void client_hub::log(const std::string& line) const {
    if (cfg_.log) {
        cfg_.log(line);
    } else {
        std::fprintf(stderr, "ringcast.clients: %s\n", line.c_str());
    }
}

std::size_t client_hub::client_count() const noexcept {
    std::size_t n = 0;
    for (std::uint32_t s = 0; s < cfg_.max_clients; ++s) {
        n += slots_[s].state.load(std::memory_order_acquire) != slot_state::free ? 1 : 0;
    }
    return n;
}

void client_hub::refuse(int fd, std::int32_t status, const std::string& why) {
    welcome w;
    w.version = layout_version;
    w.status = status;
    std::snprintf(w.reason, sizeof w.reason, "%s", why.c_str());
    [[maybe_unused]] const ssize_t n = ::send(fd, &w, sizeof w, MSG_NOSIGNAL);
    ::close(fd);
    ++stats_.clients_refused;
    log("refused a client: " + why);
}

void client_hub::accept_one() {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        refuse(fd, static_cast<std::int32_t>(welcome_status::refused), "no peer credentials");
        return;
    }
    const auto& uids = cfg_.allowed_uids;
    const auto& gids = cfg_.allowed_gids;
    const bool allowed =
        (uids.empty() && gids.empty())
            ? cred.uid == ::geteuid()
            : std::find(uids.begin(), uids.end(), cred.uid) != uids.end() ||
                  std::find(gids.begin(), gids.end(), cred.gid) != gids.end();
    if (!allowed) {
        refuse(fd, static_cast<std::int32_t>(welcome_status::refused),
               "uid " + std::to_string(cred.uid) + " gid " + std::to_string(cred.gid) +
                   " (pid " + std::to_string(cred.pid) +
                   ") not in [clients] allowed_uids / allowed_gids");
        return;
    }
    std::uint32_t s = 0;
    while (s < cfg_.max_clients &&
           slots_[s].state.load(std::memory_order_acquire) != slot_state::free) {
        ++s;
    }
    if (s == cfg_.max_clients) {
        refuse(fd, static_cast<std::int32_t>(welcome_status::busy),
               "all [clients] max_clients slots in use");
        return;
    }
    slot& c = slots_[s];
    const std::uint64_t size = region_size(sizes_);
    c.memfd = ::memfd_create("ringcast-client", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    c.event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    void* map = MAP_FAILED;
    // Sealed against shrinking: a client truncating the memfd would make the lcore fault.
    if (c.memfd >= 0 && c.event_fd >= 0 && ::ftruncate(c.memfd, static_cast<off_t>(size)) == 0 &&
        ::fcntl(c.memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0) {
        map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, c.memfd, 0);
    }
    if (map == MAP_FAILED) {
        const std::string why = std::string("cannot create client memory: ") + std::strerror(errno);
        if (c.memfd >= 0) {
            ::close(c.memfd);
        }
        if (c.event_fd >= 0) {
            ::close(c.event_fd);
        }
        refuse(fd, static_cast<std::int32_t>(welcome_status::failed), why);
        return;
    }
    next_gen_ = (next_gen_ & 0xFFFF) == 0 ? 1 : next_gen_;
    c.gen = static_cast<std::uint16_t>(next_gen_++);
    c.who = hub_client{(std::uint32_t{c.gen} << 16) | s, static_cast<std::uint32_t>(cred.pid),
                       cred.uid};
    c.map = map;
    c.map_size = size;
    c.sock = fd;
    c.region = init_region(map, sizes_, cfg_.self, c.who.id, c.who.pid, cfg_.max_message_size,
                           cfg_.max_groups_per_client);
    c.fifo.assign(sizes_.submit_capacity / record_align, 0);
    c.hangup.store(false, std::memory_order_relaxed);
    if (cfg_.slow_consumer == slow_consumer_policy::block && !c.backlog_mem) {
        const std::uint64_t cap = std::bit_ceil(cfg_.slow_consumer_bound_bytes);
        c.backlog_capacity = cap;
        void* mem = std::aligned_alloc(cache_line_size, sizeof(ring_header) + cap);
        if (mem == nullptr) {
            throw std::bad_alloc();
        }
        c.backlog_mem.reset(static_cast<std::byte*>(mem));
    }
    if (c.backlog_mem) {
        init_ring(*new (c.backlog_mem.get()) ring_header{}, c.backlog_capacity,
                  sizes_.deliver_record_max);
    }

    welcome w;
    w.version = layout_version;
    w.region_size = size;
    if (!send_welcome(fd, w, c.memfd, c.event_fd)) {
        ::munmap(c.map, c.map_size);
        ::close(c.memfd);
        ::close(c.event_fd);
        ::close(fd);
        log("handshake failed: " + std::string(std::strerror(errno)));
        return;
    }
    ++stats_.clients_accepted;
    log("client " + std::to_string(c.who.id) + " connected: pid " + std::to_string(cred.pid) +
        " uid " + std::to_string(cred.uid));
    c.state.store(slot_state::published, std::memory_order_release);
    epoch_.fetch_add(1, std::memory_order_release);
}

std::size_t client_hub::reclaim() {
    std::size_t n = 0;
    for (std::uint32_t s = 0; s < cfg_.max_clients; ++s) {
        slot& c = slots_[s];
        if (c.state.load(std::memory_order_acquire) != slot_state::retired) {
            continue;
        }
        log("client " + std::to_string(c.who.id) + " (pid " + std::to_string(c.who.pid) +
            ") disconnected: " + c.reason);
        ::munmap(c.map, c.map_size);
        ::close(c.memfd);
        ::close(c.event_fd);
        ::close(c.sock);
        c.map = nullptr;
        c.memfd = c.event_fd = c.sock = -1;
        c.state.store(slot_state::free, std::memory_order_release);
        ++n;
    }
    return n;
}

std::size_t client_hub::service_control(int timeout_ms) {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    std::vector<std::uint32_t> owner{~0u};
    for (std::uint32_t s = 0; s < cfg_.max_clients; ++s) {
        slot& c = slots_[s];
        const slot_state st = c.state.load(std::memory_order_acquire);
        if ((st == slot_state::published || st == slot_state::active) &&
            !c.hangup.load(std::memory_order_relaxed)) {
            fds.push_back({c.sock, POLLIN, 0});
            owner.push_back(s);
        }
    }
    std::size_t work = reclaim();
    if (::poll(fds.data(), fds.size(), work != 0 ? 0 : timeout_ms) <= 0) {
        return work;
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0) {
            continue;
        }
        // A client never writes after connecting: data, EOF or an error all mean it is gone.
        slots_[owner[i]].hangup.store(true, std::memory_order_release);
        epoch_.fetch_add(1, std::memory_order_release);
        ++work;
    }
    if ((fds[0].revents & POLLIN) != 0) {
        for (int i = 0; i < 16; ++i) {
            const std::size_t before = stats_.clients_accepted + stats_.clients_refused;
            accept_one();
            if (stats_.clients_accepted + stats_.clients_refused == before) {
                break;
            }
            ++work;
        }
    }
    return work + reclaim();
}

} // namespace ringcast::shm
