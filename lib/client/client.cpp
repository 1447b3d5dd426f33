// libringcast: the client side of the shared-memory path. The daemon is trusted to be the
// daemon (it owns the socket path), but the layout is still validated once at attach so a version
// mismatch is an error, not a crash.

#include "lib/client/ringcast.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lib/shm/config_event.hpp"
#include "lib/shm/group_wire.hpp"
#include "lib/shm/handshake.hpp"
#include "lib/shm/handshake_io.hpp"
#include "lib/shm/region.hpp"
#include "lib/shm/ring.hpp"

using namespace ringcast;

struct ringcast_handle {
    int sock = -1;
    int memfd = -1;
    int event_fd = -1;
    int epoll_fd = -1;
    void* map = nullptr;
    std::size_t map_size = 0;
    shm::region_view region;
    shm::producer submit;
    shm::consumer deliver;
    ringcast_callbacks cb{};
    ringcast_configuration_fn config_cb = nullptr;
    std::uint32_t config_members[shm::config_event_members_max] = {};
    std::uint64_t submitted = 0;
    bool armed = false;
    bool closed = false;
    std::string error;
    std::unordered_set<std::string> joined;                         // by intent
    std::unordered_map<std::string, std::vector<ringcast_member>> views; // as delivered
    std::vector<ringcast_member> scratch[3];
    char name[shm::group_name_max + 1] = {};

    ~ringcast_handle() {
        if (map != nullptr) {
            ::munmap(map, map_size);
        }
        for (const int fd : {sock, memfd, event_fd, epoll_fd}) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
    }
};

namespace {

int await_welcome(int sock, shm::welcome& w, int fds[2]) {
    pollfd p{sock, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) {
        return RINGCAST_EPROTO;
    }
    const ssize_t n = shm::receive_welcome(sock, w, fds);
    if (n != static_cast<ssize_t>(sizeof w) || w.magic != shm::welcome_magic) {
        return RINGCAST_EPROTO;
    }
    if (w.status != 0) {
        return w.status == -13 ? RINGCAST_EACCES : w.status == -16 ? RINGCAST_EBUSY : RINGCAST_ENOMEM;
    }
    return w.version == shm::layout_version && fds[0] >= 0 && fds[1] >= 0 ? RINGCAST_OK
                                                                           : RINGCAST_EPROTO;
}

int attach(ringcast_handle& h, const shm::welcome& w) {
    struct stat st {};
    if (::fstat(h.memfd, &st) != 0 || static_cast<std::uint64_t>(st.st_size) != w.region_size) {
        return RINGCAST_EPROTO;
    }
    h.map_size = w.region_size;
    h.map = ::mmap(nullptr, h.map_size, PROT_READ | PROT_WRITE, MAP_SHARED, h.memfd, 0);
    if (h.map == MAP_FAILED) {
        h.map = nullptr;
        return RINGCAST_ENOMEM;
    }
    if (shm::attach_region(h.map, h.map_size, h.region) != shm::errc::ok) {
        return RINGCAST_EPROTO;
    }
    h.submit = shm::producer(h.region.submit, h.region.submit_data, h.region.submit->capacity,
                             h.region.submit->record_max);
    h.deliver = shm::consumer(h.region.deliver, h.region.deliver_data,
                              h.region.deliver->capacity, h.region.deliver->record_max);
    h.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    if (h.epoll_fd < 0 || ::epoll_ctl(h.epoll_fd, EPOLL_CTL_ADD, h.event_fd, &ev) != 0 ||
        ::epoll_ctl(h.epoll_fd, EPOLL_CTL_ADD, h.sock, &ev) != 0) {
        return RINGCAST_ENOMEM;
    }
    return RINGCAST_OK;
}

// True (and the reason recorded) when the daemon has dropped us or gone away.
// The socket is only looked at when asked (after a wake-up): a poll per call would put a syscall
// on every empty dispatch.
bool disconnected(ringcast_handle& h, bool check_socket) {
    if (h.closed) {
        return true;
    }
    if (h.region.header->state.load(std::memory_order_acquire) !=
        static_cast<std::uint32_t>(shm::region_state::open)) {
        char reason[sizeof h.region.header->reason + 1] = {};
        std::memcpy(reason, h.region.header->reason, sizeof h.region.header->reason);
        h.error = std::string("dropped by ringcastd: ") + reason;
        h.closed = true;
        return true;
    }
    pollfd p{h.sock, POLLIN, 0};
    if (check_socket && ::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR | POLLIN)) != 0) {
        h.error = "ringcastd closed the connection";
        h.closed = true;
    }
    return h.closed;
}

// One record into the submit ring: group header + data.
int submit(ringcast_handle& h, shm::group_msg_kind kind, std::string_view group,
           ringcast_service svc, const void* data, std::size_t len) {
    if (disconnected(h, false)) {
        return RINGCAST_ENOTCONN;
    }
    if (len > h.region.header->max_message_size) {
        return RINGCAST_EMSGSIZE;
    }
    const std::size_t header = shm::group_header_size(group.size());
    const auto total = static_cast<std::uint32_t>(header + len);
    shm::claim_result cr = h.submit.claim(total);
    if (cr.err == shm::errc::full) {
        if (h.submit.prepare_wait(total)) {
            h.armed = true;
            return RINGCAST_EAGAIN;
        }
        cr = h.submit.claim(total);
    }
    if (cr.err != shm::errc::ok) {
        return cr.err == shm::errc::full ? RINGCAST_EAGAIN : RINGCAST_EPROTO;
    }
    shm::group_header gh;
    gh.kind = kind;
    gh.sender = {h.region.header->node, h.region.header->pid, h.region.header->client};
    gh.name = group;
    (void)shm::encode_group_header(cr.payload, gh);
    if (len != 0) {
        std::memcpy(cr.payload.data() + header, data, len);
    }
    shm::record_meta meta;
    meta.seq = ++h.submitted;
    meta.node = h.region.header->node;
    meta.flags = svc == RINGCAST_SAFE ? shm::record_flag_safe : 0;
    (void)h.submit.commit(meta); // the daemon's lcore polls; it never sleeps on this ring
    return RINGCAST_OK;
}

void dispatch_message(ringcast_handle& h, const shm::peek_result& r) {
    if (h.cb.deliver == nullptr) {
        return;
    }
    std::byte copy[shm::group_header_max];
    const std::size_t n = std::min(r.payload.size(), sizeof copy);
    std::memcpy(copy, r.payload.data(), n);
    shm::group_header gh;
    if (shm::parse_group_header(std::span<const std::byte>(copy, n), gh) != shm::errc::ok) {
        return;
    }
    std::memcpy(h.name, gh.name.data(), gh.name.size());
    h.name[gh.name.size()] = '\0';
    ringcast_message m{};
    m.group = h.name;
    m.sender = {gh.sender.node, gh.sender.pid, gh.sender.client};
    m.data = r.payload.data() + gh.size;
    m.len = r.payload.size() - gh.size;
    m.seq = r.header.seq;
    m.service = (r.header.flags & shm::record_flag_safe) != 0 ? RINGCAST_SAFE : RINGCAST_AGREED;
    h.cb.deliver(h.cb.ctx, &m);
}

void dispatch_view(ringcast_handle& h, const shm::peek_result& r) {
    shm::view_event ev;
    std::uint32_t counts[3] = {};
    if (!shm::parse_view_fixed(r.payload, ev, counts)) {
        return;
    }
    std::size_t at = 0;
    for (int i = 0; i < 3; ++i) {
        h.scratch[i].clear();
        for (std::uint32_t k = 0; k < counts[i]; ++k, ++at) {
            const shm::member m = shm::view_member_at(r.payload, at);
            h.scratch[i].push_back({m.node, m.pid, m.client});
        }
    }
    const std::string name(ev.name);
    const std::uint32_t self = h.region.header->client;
    const bool self_left = std::any_of(h.scratch[2].begin(), h.scratch[2].end(),
                                       [&](const ringcast_member& m) { return m.client == self; });
    if (self_left) {
        h.views.erase(name);
    } else {
        h.views[name] = h.scratch[0];
    }
    if (h.cb.view != nullptr) {
        std::memcpy(h.name, name.c_str(), name.size() + 1);
        const ringcast_view v{h.name,
                              static_cast<ringcast_reason>(ev.reason),
                              h.scratch[0].data(),
                              h.scratch[0].size(),
                              h.scratch[1].data(),
                              h.scratch[1].size(),
                              h.scratch[2].data(),
                              h.scratch[2].size()};
        h.cb.view(h.cb.ctx, &v);
    }
}

void dispatch_config(ringcast_handle& h, const shm::peek_result& r) {
    shm::config_event ev;
    if (h.config_cb == nullptr || !shm::parse_config_event(r.payload, ev, h.config_members)) {
        return;
    }
    const bool attach = ev.kind == shm::config_event_kind::attach_regular ||
                        ev.kind == shm::config_event_kind::attach_transitional;
    const bool transitional = ev.kind == shm::config_event_kind::transitional ||
                              ev.kind == shm::config_event_kind::attach_transitional;
    const ringcast_configuration c{transitional ? RINGCAST_CONFIG_TRANSITIONAL
                                                : RINGCAST_CONFIG_REGULAR,
                                   attach ? 1 : 0,
                                   ev.ring.rep,
                                   ev.ring.seq,
                                   h.config_members,
                                   ev.members.size()};
    h.config_cb(h.cb.ctx, &c);
}

void wait_for_work(ringcast_handle& h) {
    // Spin a little first: with a busy sender the next record is microseconds away and a sleep
    // would cost a syscall on both sides.
    for (int i = 0; i < 4000; ++i) {
        if (h.region.deliver->head.load(std::memory_order_acquire) != h.deliver.read_position()) {
            return;
        }
        __builtin_ia32_pause();
    }
    if (h.deliver.prepare_wait()) {
        pollfd p[2] = {{h.event_fd, POLLIN, 0}, {h.sock, POLLIN, 0}};
        (void)::poll(p, 2, 1000);
    }
    std::uint64_t counter = 0;
    (void)!::read(h.event_fd, &counter, sizeof counter);
}

} // namespace

extern "C" {

int ringcast_connect(const char* socket_path, const ringcast_callbacks* cb, ringcast_handle** out) {
    if (out == nullptr) {
        return RINGCAST_EINVAL;
    }
    *out = nullptr;
    std::string path = socket_path != nullptr ? socket_path : "";
    if (path.empty()) {
        const char* env = std::getenv("RINGCAST_SOCKET");
        path = env != nullptr && *env != '\0' ? env : "/run/ringcast/ringcast.sock";
    }
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) {
        return RINGCAST_EINVAL;
    }
    auto* h = new (std::nothrow) ringcast_handle;
    if (h == nullptr) {
        return RINGCAST_ENOMEM;
    }
    if (cb != nullptr) {
        h->cb = *cb;
    }
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    h->sock = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (h->sock < 0 || ::connect(h->sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        const int e = errno;
        delete h;
        return e == EACCES ? RINGCAST_EACCES : RINGCAST_ECONNREFUSED;
    }
    shm::welcome w;
    int fds[2] = {-1, -1};
    int rc = await_welcome(h->sock, w, fds);
    h->memfd = fds[0];
    h->event_fd = fds[1];
    if (rc == RINGCAST_OK) {
        rc = attach(*h, w);
    }
    if (rc != RINGCAST_OK) {
        delete h;
        return rc;
    }
    *out = h;
    return RINGCAST_OK;
}

void ringcast_disconnect(ringcast_handle* h) { delete h; }

int ringcast_join(ringcast_handle* h, const char* group) {
    if (h == nullptr || group == nullptr || !shm::group_name_ok(group)) {
        return RINGCAST_EINVAL;
    }
    if (h->joined.count(group) != 0) {
        return RINGCAST_EEXIST;
    }
    if (h->joined.size() >= h->region.header->max_groups) {
        return RINGCAST_EDQUOT;
    }
    const int rc = submit(*h, shm::group_msg_kind::join, group, RINGCAST_AGREED, nullptr, 0);
    if (rc == RINGCAST_OK) {
        h->joined.insert(group);
    }
    return rc;
}

int ringcast_leave(ringcast_handle* h, const char* group) {
    if (h == nullptr || group == nullptr || !shm::group_name_ok(group)) {
        return RINGCAST_EINVAL;
    }
    if (h->joined.count(group) == 0) {
        return RINGCAST_ENOENT;
    }
    const int rc = submit(*h, shm::group_msg_kind::leave, group, RINGCAST_AGREED, nullptr, 0);
    if (rc == RINGCAST_OK) {
        h->joined.erase(group);
    }
    return rc;
}

int ringcast_mcast(ringcast_handle* h, const char* group, ringcast_service service,
                   const void* data, size_t len) {
    if (h == nullptr || group == nullptr || !shm::group_name_ok(group) ||
        (data == nullptr && len != 0) || (service != RINGCAST_AGREED && service != RINGCAST_SAFE)) {
        return RINGCAST_EINVAL;
    }
    return submit(*h, shm::group_msg_kind::data, group, service, data, len);
}

int ringcast_fd(const ringcast_handle* h) { return h != nullptr ? h->epoll_fd : -1; }

int ringcast_dispatch(ringcast_handle* h, unsigned flags) {
    if (h == nullptr) {
        return RINGCAST_EINVAL;
    }
    const bool woken = h->armed || (flags & RINGCAST_DISPATCH_BLOCKING) != 0;
    if (h->armed) {
        std::uint64_t counter = 0;
        (void)!::read(h->event_fd, &counter, sizeof counter);
        h->armed = false;
    }
    int n = 0;
    while (true) {
        const shm::peek_result r = h->deliver.peek();
        if (r.err == shm::errc::ok) {
            if (r.header.kind == static_cast<std::uint16_t>(shm::record_kind::message)) {
                dispatch_message(*h, r);
            } else if (r.header.kind ==
                       static_cast<std::uint16_t>(shm::record_kind::configuration)) {
                dispatch_config(*h, r);
            } else {
                dispatch_view(*h, r);
            }
            h->deliver.consume_and_release();
            ++n;
            if ((flags & RINGCAST_DISPATCH_ONE) != 0) {
                return n;
            }
            continue;
        }
        if (r.err != shm::errc::empty) {
            h->error = std::string("delivery ring corrupt: ") + shm::to_string(r.err);
            h->closed = true;
            return RINGCAST_EPROTO;
        }
        if (disconnected(*h, woken)) {
            return n != 0 ? n : RINGCAST_ENOTCONN;
        }
        if (n != 0 || (flags & RINGCAST_DISPATCH_BLOCKING) == 0) {
            h->armed = h->deliver.prepare_wait() || h->armed;
            return n;
        }
        wait_for_work(*h);
    }
}

uint32_t ringcast_local_node_id(const ringcast_handle* h) {
    return h != nullptr ? h->region.header->node : 0;
}

uint32_t ringcast_local_client_id(const ringcast_handle* h) {
    return h != nullptr ? h->region.header->client : 0;
}

int ringcast_members(const ringcast_handle* h, const char* group, ringcast_member* out,
                     size_t cap, size_t* count) {
    if (h == nullptr || group == nullptr || (out == nullptr && cap != 0)) {
        return RINGCAST_EINVAL;
    }
    const auto it = h->views.find(group);
    if (it == h->views.end()) {
        return RINGCAST_ENOENT;
    }
    std::copy_n(it->second.begin(), std::min(cap, it->second.size()), out);
    if (count != nullptr) {
        *count = it->second.size();
    }
    return RINGCAST_OK;
}

int ringcast_watch_configurations(ringcast_handle* h, ringcast_configuration_fn fn) {
    if (h == nullptr || fn == nullptr) {
        return RINGCAST_EINVAL;
    }
    if (disconnected(*h, false)) {
        return RINGCAST_ENOTCONN;
    }
    h->config_cb = fn;
    // Release: a join committed after this is read by the lcore after the flag.
    h->region.header->client_flags.fetch_or(shm::region_flag_configurations,
                                            std::memory_order_release);
    return RINGCAST_OK;
}

const char* ringcast_last_error(const ringcast_handle* h) {
    return h != nullptr ? h->error.c_str() : "";
}

const char* ringcast_strerror(int result) {
    switch (result) {
    case RINGCAST_OK:
        return "ok";
    case RINGCAST_ENOENT:
        return "not a member of that group";
    case RINGCAST_EAGAIN:
        return "submit ring full, try again";
    case RINGCAST_ENOMEM:
        return "out of memory";
    case RINGCAST_EACCES:
        return "refused by ringcastd (uid/gid not allowed)";
    case RINGCAST_EBUSY:
        return "ringcastd has no free client slot";
    case RINGCAST_EEXIST:
        return "already a member of that group";
    case RINGCAST_EINVAL:
        return "invalid argument";
    case RINGCAST_EPROTO:
        return "protocol or layout mismatch with ringcastd";
    case RINGCAST_EMSGSIZE:
        return "message too large";
    case RINGCAST_ENOTCONN:
        return "not connected to ringcastd";
    case RINGCAST_ECONNREFUSED:
        return "no ringcastd listening on the socket";
    case RINGCAST_EDQUOT:
        return "too many groups for this client";
    default:
        return "unknown error";
    }
}

} // extern "C"
