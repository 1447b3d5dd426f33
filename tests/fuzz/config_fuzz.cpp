// libFuzzer target: ringcastd's config file parser and validation (app/ringcastd/config.cpp).
//
// Arbitrary text goes through TOML parsing, the type checks and validate_config.
//
// The only acceptable outcomes are a daemon_config or a config_error with a one-line message; any
// other exception, a crash or a sanitizer report is a finding. The text is handed over as a file
// (a memfd, seen through /proc/self/fd) because that is the parser's interface. The key file a
// config names is replaced by one valid key before validation: the fuzzer must not make the
// target open arbitrary paths (a FIFO would block it), and the key loader has its own tests.
//
//   scripts/fuzz config 10

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

#include "app/ringcastd/config.hpp"
#include "lib/crypto/key_file.hpp"

namespace {

namespace app = ringcast::app;

const std::string& key_path() {
    static const std::string path = [] {
        std::string dir = (std::filesystem::temp_directory_path() / "ringcast-fuzz-config.XXXXXX");
        if (::mkdtemp(dir.data()) == nullptr) {
            std::abort();
        }
        const std::string p = dir + "/cluster.key";
        if (!ringcast::crypto::write_key_file(p).ok()) {
            std::abort();
        }
        return p;
    }();
    return path;
}

void check_message(const std::string& what) {
    if (what.empty() || what.find('\n') != std::string::npos) {
        std::fprintf(stderr, "fuzz: config_error is not one line: [%s]\n", what.c_str());
        __builtin_trap(); // config.hpp: what() is one line naming the file
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const int fd = ::memfd_create("ringcast-fuzz-config", MFD_CLOEXEC);
    if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size)) {
        std::abort();
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    try {
        app::config_origins origins;
        app::daemon_config cfg = app::parse_config_file(path, origins);
        cfg.key_file = key_path();
        app::validate_config(cfg, origins);
        // validate_config's promise: totem.members points at member_ids, self is among them.
        if (cfg.totem.members.data() != cfg.member_ids.data() || cfg.totem.self != cfg.self) {
            __builtin_trap();
        }
    } catch (const app::config_error& e) {
        check_message(e.what());
    }
    ::close(fd);
    return 0;
}
