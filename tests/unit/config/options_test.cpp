// ringcastd command line: overrides win over the file and are validated as strictly, errors name
// the option, --help is not an error.

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "app/ringcastd/options.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace ringcast::app::test {
namespace {

class options_test : public config_dir {
protected:
    daemon_config parse(std::initializer_list<std::string> args) {
        std::vector<std::string> storage{"ringcastd"};
        storage.insert(storage.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (std::string& s : storage) {
            argv.push_back(s.data());
        }
        argv.push_back(nullptr);
        return parse_command_line(static_cast<int>(storage.size()), argv.data());
    }

    std::string error_of(std::initializer_list<std::string> args) {
        try {
            (void)parse(args);
        } catch (const config_error& e) {
            return e.what();
        }
        return "";
    }
};

TEST_F(options_test, file_alone_loads) {
    const std::string path = write(valid_text());
    const daemon_config c = parse({"--config", path});
    EXPECT_EQ(c.self, 2u);
    EXPECT_EQ(c.port, "net_af_packet0,iface=rc-ns2");
    EXPECT_EQ(c.totem.members.data(), c.member_ids.data());
}

TEST_F(options_test, overrides_win_over_the_file) {
    const std::string path = write(with(valid_text(), "no_huge = true", "no_huge = false"));
    const fs::path other_key = dir_ / "other.key";
    ASSERT_TRUE(crypto::write_key_file(other_key).ok());
    const daemon_config c = parse({"--config",
                                   path,
                                   "--node-id",
                                   "7",
                                   "--port",
                                   "0000:3b:00.1",
                                   "--lcores",
                                   "4-5",
                                   "--file-prefix",
                                   "other",
                                   "--no-huge",
                                   "--memory-mb",
                                   "128",
                                   "--key-file",
                                   other_key.string(),
                                   "--log-level",
                                   "warning",
                                   "--poll",
                                   "adaptive",
                                   "--mtu",
                                   "1500",
                                   "--token-ms",
                                   "50.5",
                                   "--state-dir",
                                   "/tmp/other-state"});
    EXPECT_EQ(c.self, 7u);
    EXPECT_EQ(c.totem.self, 7u);
    EXPECT_EQ(c.port, "0000:3b:00.1");
    EXPECT_EQ(c.lcores, "4-5");
    EXPECT_EQ(c.file_prefix, "other");
    EXPECT_TRUE(c.no_huge);
    EXPECT_EQ(c.memory_mb, 128u);
    EXPECT_EQ(c.key_file, other_key.string());
    EXPECT_EQ(c.log_level, "warning");
    EXPECT_EQ(c.poll, poll_mode::adaptive);
    EXPECT_EQ(c.mtu, 1500u);
    EXPECT_EQ(c.totem.mtu, 1500u);
    EXPECT_EQ(c.totem.token_timeout_ns, 50'500'000u);
    EXPECT_EQ(c.state_dir, "/tmp/other-state");
    // untouched keys keep the file's values
    EXPECT_EQ(c.cluster_id, 4711u);
    EXPECT_EQ(c.totem.join_ns, 3'000'000u);
}

TEST_F(options_test, overrides_are_validated_and_named) {
    const std::string path = write(valid_text());
    std::string msg = error_of({"--config", path, "--mtu", "100"});
    EXPECT_EQ(msg, path + ": [cluster].mtu (--mtu): 100 out of range 1280..9202");
    msg = error_of({"--config", path, "--node-id", "9"});
    EXPECT_EQ(msg, path + ": [node].id (--node-id): 9 is not one of the [[nodes]] ids");
    msg = error_of({"--config", path, "--token-ms", "1"});
    EXPECT_NE(msg.find("[totem].token_ms (--token-ms): 1 ms must exceed token_retransmit_ms"),
              std::string::npos)
        << msg;
    msg = error_of({"--config", path, "--key-file", (dir_ / "none.key").string()});
    EXPECT_NE(msg.find("[cluster].key_file (--key-file): "), std::string::npos) << msg;
    msg = error_of({"--config", path, "--lcores", "x"});
    EXPECT_NE(msg.find("[dpdk].lcores (--lcores): \"x\""), std::string::npos) << msg;
}

TEST_F(options_test, command_line_errors_are_config_errors) {
    const std::string path = write(valid_text());
    EXPECT_NE(error_of({}).find("--config"), std::string::npos);
    EXPECT_NE(error_of({"--config", path, "--bogus"}).find("--bogus"), std::string::npos);
    EXPECT_NE(error_of({"--config", path, "--poll", "spin"}).find("spin"), std::string::npos);
    EXPECT_NE(error_of({"--config", path, "--mtu", "12x"}).find("12x"), std::string::npos);
    EXPECT_NE(error_of({"--config", path, "--node-id", "-1"}), "");
    EXPECT_NE(error_of({"--config", path, "--token-ms", "-5"}), "");
    EXPECT_NE(error_of({"--config", (dir_ / "none.toml").string()}).find("cannot open"),
              std::string::npos);
}

TEST_F(options_test, help_is_not_an_error) {
    try {
        (void)parse({"--help"});
        ADD_FAILURE() << "no help_requested";
    } catch (const help_requested& h) {
        EXPECT_NE(h.text().find("--config"), std::string::npos);
        EXPECT_NE(h.text().find("--token-ms"), std::string::npos);
    }
    // --help wins even over a bad option value and a missing --config
    EXPECT_THROW((void)parse({"--mtu", "1", "-h"}), help_requested);
}

} // namespace
} // namespace ringcast::app::test
