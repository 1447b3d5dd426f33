#pragma once
// Moving the handshake's one message and its two fds over the Unix socket (SCM_RIGHTS), for the
// daemon, the client library and the tests that play a client.

#include <sys/types.h>

#include "lib/shm/handshake.hpp"

namespace ringcast::shm {

/** Sends `w` with the region memfd and the eventfd. True when the whole message went. */
[[nodiscard]] bool send_welcome(int sock, const welcome& w, int memfd, int event_fd) noexcept;

/** Receives one welcome; `fds` get the two fds it carried (close-on-exec), or -1 each when it
 *  carried none (a refusal). Returns what recvmsg returned: sizeof(welcome) when whole. */
[[nodiscard]] ssize_t receive_welcome(int sock, welcome& w, int fds[2]) noexcept;

} // namespace ringcast::shm
