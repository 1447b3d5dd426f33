#include "lib/crypto/key_file.hpp"

#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

#include "lib/common/byte_order.hpp"

namespace ringcast::crypto {

namespace {

constexpr std::array<char, 8> key_magic = {'R', 'C', 'K', 'E', 'Y', '\0', '\0', '\0'};
constexpr std::array<char, 8> epoch_magic = {'R', 'C', 'E', 'P', 'O', 'C', 'H', '\0'};
constexpr std::uint32_t format_version = 1;
constexpr std::size_t epoch_file_size = 16;

file_status fail(const std::filesystem::path& path, const std::string& why) {
    return {path.string() + ": " + why};
}

file_status fail_errno(const std::filesystem::path& path, const char* what, int err) {
    return fail(path, std::string(what) + ": " + std::strerror(err));
}

// Closes on every path out, including early error returns.
class fd_guard {
public:
    explicit fd_guard(int fd) noexcept : fd_(fd) {}
    ~fd_guard() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    [[nodiscard]] int get() const noexcept { return fd_; }
    /** Closes now and reports close(2)'s result (it can carry a deferred write error). */
    int close() noexcept {
        const int rc = ::close(fd_);
        fd_ = -1;
        return rc;
    }

private:
    int fd_;
};

bool write_all(int fd, std::span<const std::byte> buf) noexcept {
    while (!buf.empty()) {
        const ssize_t n = ::write(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        buf = buf.subspan(static_cast<std::size_t>(n));
    }
    return true;
}

// Reads up to buf.size() bytes; returns the count, or -1 with errno set.
ssize_t read_full(int fd, std::span<std::byte> buf) noexcept {
    std::size_t got = 0;
    while (got < buf.size()) {
        const ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    return static_cast<ssize_t>(got);
}

std::array<std::byte, key_file_size> encode_key_file(const secret_key& key) noexcept {
    std::array<std::byte, key_file_size> buf{};
    std::memcpy(buf.data(), key_magic.data(), key_magic.size());
    store_be<std::uint32_t>(buf.data() + 8, format_version);
    store_be<std::uint32_t>(buf.data() + 12, key_size);
    std::memcpy(buf.data() + 16, key.bytes().data(), key_size);
    return buf;
}

// Makes a rename or a file creation itself durable.
void sync_parent_dir(const std::filesystem::path& path) noexcept {
    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

// Writes data to a new file at path with mode 0600: O_EXCL when replacing is not allowed, else a
// synced temporary file renamed over path.
file_status write_private_file(const std::filesystem::path& path, std::span<const std::byte> data,
                               overwrite mode) {
    std::filesystem::path target = path;
    std::string tmp_name;
    int fd = -1;
    if (mode == overwrite::no) {
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
            if (errno == EEXIST) {
                return fail(path, "already exists (use --force to replace it)");
            }
            return fail_errno(path, "cannot create", errno);
        }
    } else {
        tmp_name = path.string() + ".tmp.XXXXXX";
        std::vector<char> tmpl(tmp_name.begin(), tmp_name.end());
        tmpl.push_back('\0');
        fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
        if (fd < 0) {
            return fail_errno(path, "cannot create temporary file", errno);
        }
        tmp_name.assign(tmpl.data());
        target = tmp_name;
    }
    fd_guard guard(fd);
    const auto undo = [&](file_status st) {
        ::unlink(target.c_str());
        return st;
    };
    // The umask can only remove bits, but a umask like 0277 would leave us without write access
    // to our own key; set the mode explicitly.
    if (::fchmod(fd, 0600) != 0) {
        return undo(fail_errno(path, "chmod 0600", errno));
    }
    if (!write_all(fd, data) || ::fsync(fd) != 0) {
        return undo(fail_errno(path, "write", errno));
    }
    if (guard.close() != 0) {
        return undo(fail_errno(path, "close", errno));
    }
    if (mode == overwrite::yes && ::rename(target.c_str(), path.c_str()) != 0) {
        return undo(fail_errno(path, "rename into place", errno));
    }
    sync_parent_dir(path);
    return {};
}

// Opens a secret file and checks it is ours alone. On success fd holds the open descriptor.
file_status open_private_file(const std::filesystem::path& path, std::size_t expected_size,
                              int& fd) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return fail_errno(path, "cannot open", errno);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return fail_errno(path, "cannot stat", err);
    }
    std::string why;
    if (!S_ISREG(st.st_mode)) {
        why = "not a regular file";
    } else if ((st.st_mode & 077) != 0) {
        char mode_text[8];
        std::snprintf(mode_text, sizeof mode_text, "%04o",
                      static_cast<unsigned>(st.st_mode & 07777));
        why = std::string("permissions ") + mode_text +
              " let group or others access the key; run: chmod 600 " + path.string();
    } else if (st.st_uid != ::geteuid() && st.st_uid != 0) {
        why = "owned by uid " + std::to_string(st.st_uid) + ", neither us nor root";
    } else if (static_cast<std::size_t>(st.st_size) != expected_size) {
        why = "size " + std::to_string(st.st_size) + " bytes, expected " +
              std::to_string(expected_size);
    }
    if (!why.empty()) {
        ::close(fd);
        return fail(path, why);
    }
    return {};
}

} // namespace

file_status generate_key(secret_key& out) {
    std::span<std::byte> rest = out.bytes();
    while (!rest.empty()) {
        // getrandom blocks only until the kernel pool is first initialised, which is what a
        // long-lived key wants.
        const ssize_t n = ::getrandom(rest.data(), rest.size(), 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return {std::string("getrandom: ") + std::strerror(errno)};
        }
        rest = rest.subspan(static_cast<std::size_t>(n));
    }
    return {};
}

file_status write_key_file(const std::filesystem::path& path, overwrite mode) {
    secret_key key;
    if (file_status st = generate_key(key); !st) {
        return fail(path, st.error);
    }
    return write_key_file(path, key, mode);
}

file_status write_key_file(const std::filesystem::path& path, const secret_key& key,
                           overwrite mode) {
    std::array<std::byte, key_file_size> buf = encode_key_file(key);
    file_status st = write_private_file(path, buf, mode);
    explicit_bzero(buf.data(), buf.size());
    return st;
}

file_status load_key_file(const std::filesystem::path& path, secret_key& out) {
    int fd = -1;
    if (file_status st = open_private_file(path, key_file_size, fd); !st) {
        return st;
    }
    fd_guard guard(fd);
    std::array<std::byte, key_file_size> buf{};
    const ssize_t n = read_full(fd, buf);
    file_status st;
    if (n < 0) {
        st = fail_errno(path, "read", errno);
    } else if (static_cast<std::size_t>(n) != key_file_size) {
        st = fail(path, "short read (file changed while reading?)");
    } else if (std::memcmp(buf.data(), key_magic.data(), key_magic.size()) != 0) {
        st = fail(path, "not a ringcast key file (bad magic)");
    } else if (const auto v = load_be<std::uint32_t>(buf.data() + 8); v != format_version) {
        st = fail(path, "unsupported key file version " + std::to_string(v));
    } else if (const auto len = load_be<std::uint32_t>(buf.data() + 12); len != key_size) {
        st = fail(path, "key length " + std::to_string(len) + ", expected 32");
    } else {
        std::memcpy(out.bytes().data(), buf.data() + 16, key_size);
    }
    explicit_bzero(buf.data(), buf.size());
    return st;
}

file_status advance_key_epoch(const std::filesystem::path& path, std::uint64_t unix_now_s,
                              std::uint32_t& epoch) {
    std::uint32_t last = 0;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        // First start of this node with this state directory.
    } else {
        int fd = -1;
        if (file_status status = open_private_file(path, epoch_file_size, fd); !status) {
            return status;
        }
        fd_guard guard(fd);
        std::array<std::byte, epoch_file_size> buf{};
        if (read_full(fd, buf) != static_cast<ssize_t>(buf.size())) {
            return fail(path, "short read");
        }
        if (std::memcmp(buf.data(), epoch_magic.data(), epoch_magic.size()) != 0) {
            return fail(path, "not a ringcast epoch file (bad magic)");
        }
        if (const auto v = load_be<std::uint32_t>(buf.data() + 8); v != format_version) {
            return fail(path, "unsupported epoch file version " + std::to_string(v));
        }
        last = load_be<std::uint32_t>(buf.data() + 12);
    }
    constexpr std::uint32_t epoch_max = std::numeric_limits<std::uint32_t>::max();
    if (last == epoch_max) {
        return fail(path, "key epochs exhausted; generate a new master key");
    }
    const auto now = static_cast<std::uint32_t>(std::min<std::uint64_t>(unix_now_s, epoch_max));
    const std::uint32_t next = std::max(last + 1, now);

    std::array<std::byte, epoch_file_size> buf{};
    std::memcpy(buf.data(), epoch_magic.data(), epoch_magic.size());
    store_be<std::uint32_t>(buf.data() + 8, format_version);
    store_be<std::uint32_t>(buf.data() + 12, next);
    if (file_status st = write_private_file(path, buf, overwrite::yes); !st) {
        return st;
    }
    epoch = next;
    return {};
}

} // namespace ringcast::crypto
