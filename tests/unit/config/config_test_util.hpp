#pragma once
// A temporary directory with a valid key file and a config file writer, for the config tests.

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/ringcastd/config.hpp"
#include "lib/crypto/key_file.hpp"

namespace ringcast::app::test {

namespace fs = std::filesystem;

class config_dir : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "ringcast-config-test.XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
        key_ = dir_ / "cluster.key";
        ASSERT_TRUE(crypto::write_key_file(key_).ok());
    }
    void TearDown() override { fs::remove_all(dir_); }

    /** A complete valid file naming key_ (every section present). */
    [[nodiscard]] std::string valid_text() const {
        return R"([cluster]
name = "test-a"
id = 4711
key_file = ")" +
               key_.string() + R"("
state_dir = "/tmp/rc-state"
ethertype = 0x88B6
mtu = 9000

[node]
id = 2

[[nodes]]
id = 1
mac = "02:00:00:00:00:01"

[[nodes]]
id = 2
mac = "02:00:00:00:00:02"

[[nodes]]
id = 7
mac = "02:00:00:00:00:07"

[dpdk]
port = "net_af_packet0,iface=rc-ns2"
lcores = "2,3"
file_prefix = "rc2"
no_huge = true
memory_mb = 512
poll = "busy"
log_level = "debug"
eal_args = ["--huge-dir=/mnt/huge", "--log-level=pmd.net.af_packet:8"]

[totem]
token_ms = 20.5
token_retransmit_ms = 2
token_hold_ms = 0.25
join_ms = 3.0
consensus_ms = 30.0
merge_ms = 40.0
window_size = 128
max_messages = 32
send_queue_max = 1000
window_capacity = 1024
max_message_size = 65536
seqno_unchanged_const = 10
fail_to_recv_const = 100
rtr_gap_visits = 2
)";
    }

    /** Writes text as <dir>/ringcast.toml and returns its path. */
    [[nodiscard]] std::string write(const std::string& text,
                                    const std::string& name = "ringcast.toml") const {
        const fs::path p = dir_ / name;
        std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
        return p.string();
    }

    /** The config_error message loading text gives, or "" if it loads. */
    [[nodiscard]] std::string error_of(const std::string& text) const {
        try {
            (void)load_config_file(write(text));
        } catch (const config_error& e) {
            return e.what();
        }
        return "";
    }

    fs::path dir_;
    fs::path key_;
};

/** text with the first occurrence of from replaced by to (fails the test if from is absent). */
inline std::string with(std::string text, const std::string& from, const std::string& to) {
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << "test bug: '" << from << "' not in the base config";
    if (at != std::string::npos) {
        text.replace(at, from.size(), to);
    }
    return text;
}

} // namespace ringcast::app::test
