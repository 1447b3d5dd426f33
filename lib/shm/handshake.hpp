#pragma once
// The Unix-socket handshake (SOCK_SEQPACKET). The client connects and sends nothing: the daemon
// reads the peer's credentials (SO_PEERCRED), checks them against its config and answers with
// one welcome message; on success it carries two fds (SCM_RIGHTS): the region memfd and the
// eventfd the daemon signals. After that the socket only tells each side that the other is gone.

#include <cstdint>

namespace ringcast::shm {

inline constexpr std::uint32_t welcome_magic = 0x52435745; // "RCWE"

/** welcome::status values (negative errno style, as the C API returns). */
enum class welcome_status : std::int32_t {
    ok = 0,
    refused = -13,     ///< EACCES: uid/gid not allowed
    busy = -16,        ///< EBUSY: no free client slot
    failed = -12,      ///< ENOMEM: the daemon could not set up the rings
};

struct welcome {
    std::uint32_t magic = welcome_magic;
    std::uint32_t version = 0;   ///< layout_version
    std::int32_t status = 0;     ///< welcome_status
    std::uint32_t reserved = 0;
    std::uint64_t region_size = 0;
    char reason[112] = {};       ///< NUL-terminated, for refusals
};
static_assert(sizeof(welcome) == 136);

} // namespace ringcast::shm
