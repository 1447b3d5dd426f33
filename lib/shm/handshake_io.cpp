#include "lib/shm/handshake_io.hpp"

#include <cstring>
#include <sys/socket.h>
#include <sys/uio.h>

namespace ringcast::shm {

namespace {
constexpr std::size_t fd_bytes = 2 * sizeof(int);
}

bool send_welcome(int sock, const welcome& w, int memfd, int event_fd) noexcept {
    alignas(cmsghdr) char control[CMSG_SPACE(fd_bytes)] = {};
    iovec iov{const_cast<welcome*>(&w), sizeof w};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(fd_bytes);
    const int fds[2] = {memfd, event_fd};
    std::memcpy(CMSG_DATA(cm), fds, fd_bytes);
    return ::sendmsg(sock, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof w);
}

ssize_t receive_welcome(int sock, welcome& w, int fds[2]) noexcept {
    fds[0] = fds[1] = -1;
    alignas(cmsghdr) char control[CMSG_SPACE(fd_bytes)] = {};
    iovec iov{&w, sizeof w};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
            cm->cmsg_len == CMSG_LEN(fd_bytes)) {
            std::memcpy(fds, CMSG_DATA(cm), fd_bytes);
        }
    }
    return n;
}

} // namespace ringcast::shm
