#pragma once
// The cluster master key file and the per-node key-epoch state file. Slow path: these run once at
// start (or in `ringcast keygen`), may allocate and make syscalls, and report a message naming the
// file instead of throwing.
//
// Key file (48 bytes, mode 0600):
//     magic "RCKEY\0\0\0" | version u32 BE = 1 | key length u32 BE = 32 | 32 bytes of getrandom(2)
// Epoch file (16 bytes, mode 0600):
//     magic "RCEPOCH\0" | version u32 BE = 1 | last key epoch u32 BE

#include <cstdint>
#include <filesystem>
#include <string>

#include "lib/crypto/gcm.hpp"

namespace ringcast::crypto {

/** Success, or one line saying what went wrong and with which file. */
struct [[nodiscard]] file_status {
    std::string error; ///< empty on success; otherwise "<path>: <reason>"

    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
    explicit operator bool() const noexcept { return ok(); }
};

inline constexpr std::size_t key_file_size = 48;

/** Whether write_key_file may replace an existing file. */
enum class overwrite : bool { no = false, yes = true };

/** Fills out with 32 bytes from getrandom(2). */
file_status generate_key(secret_key& out);

/**
 * Creates a key file holding a fresh random key, mode 0600 whatever the umask.
 * With overwrite::no an existing path is refused (O_EXCL, so never a race). With overwrite::yes
 * the key is written to a temporary file in the same directory, synced, and renamed over path,
 * so a crash leaves either the old or the new key, never a torn one.
 */
file_status write_key_file(const std::filesystem::path& path, overwrite mode = overwrite::no);

/** Writes the given key (as write_key_file does); for tests and key import. */
file_status write_key_file(const std::filesystem::path& path, const secret_key& key,
                           overwrite mode = overwrite::no);

/**
 * Reads a key file into out. Refuses a file that is not a regular file, that group or others may
 * read or write (any of mode 077), that is owned by neither us nor root, that is not exactly
 * key_file_size bytes, or whose magic, version or key length is wrong.
 */
file_status load_key_file(const std::filesystem::path& path, secret_key& out);

/**
 * Picks this run's key epoch and makes it durable before returning it:
 * epoch = max(last epoch in the file + 1, unix_now_s), written (temp file, fsync, rename, fsync of
 * the directory) before any frame is sealed under it. A missing file counts as last epoch 0.
 * The persisted counter guarantees growth across restarts even when the clock steps back; the
 * clock term keeps epochs growing if the state file is lost while the master key is kept.
 * Refuses when the epoch space is exhausted (rotate the master key then).
 */
file_status advance_key_epoch(const std::filesystem::path& path, std::uint64_t unix_now_s,
                              std::uint32_t& epoch);

} // namespace ringcast::crypto
