// ringcastd config file: a valid file loads with every value, and each class of hostile input is
// refused with one message naming the file and the key.

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "app/ringcastd/config.hpp"
#include "lib/totem/node.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace ringcast::app::test {
namespace {

using config_file_test = config_dir;

TEST_F(config_file_test, valid_file_loads_every_value) {
    const std::string path = write(valid_text());
    const daemon_config c = load_config_file(path);
    EXPECT_EQ(c.source, path);
    EXPECT_EQ(c.cluster_name, "test-a");
    EXPECT_EQ(c.cluster_id, 4711u);
    EXPECT_EQ(c.key_file, key_.string());
    EXPECT_EQ(c.state_dir, "/tmp/rc-state");
    EXPECT_EQ(c.ethertype, 0x88B6);
    EXPECT_EQ(c.mtu, 9000u);
    EXPECT_EQ(c.self, 2u);
    ASSERT_EQ(c.nodes.size(), 3u);
    EXPECT_EQ(c.nodes[2].id, 7u);
    EXPECT_EQ(c.nodes[2].mac, (wire::eth_addr{0x02, 0, 0, 0, 0, 0x07}));
    EXPECT_EQ(c.port, "net_af_packet0,iface=rc-ns2");
    EXPECT_EQ(c.lcores, "2,3");
    EXPECT_EQ(c.file_prefix, "rc2");
    EXPECT_TRUE(c.no_huge);
    EXPECT_EQ(c.memory_mb, 512u);
    EXPECT_EQ(c.poll, poll_mode::busy);
    EXPECT_EQ(c.log_level, "debug");
    EXPECT_EQ(c.eal_args, (std::vector<std::string>{"--huge-dir=/mnt/huge",
                                                    "--log-level=pmd.net.af_packet:8"}));

    const totem::config& t = c.totem;
    EXPECT_EQ(t.self, 2u);
    EXPECT_EQ(t.mtu, 9000u);
    EXPECT_EQ(t.token_timeout_ns, 20'500'000u);
    EXPECT_EQ(t.token_retransmit_ns, 2'000'000u);
    EXPECT_EQ(t.token_hold_ns, 250'000u);
    EXPECT_EQ(t.join_ns, 3'000'000u);
    EXPECT_EQ(t.consensus_ns, 30'000'000u);
    EXPECT_EQ(t.merge_ns, 40'000'000u);
    EXPECT_EQ(t.window_size, 128u);
    EXPECT_EQ(t.max_messages, 32u);
    EXPECT_EQ(t.send_queue_max, 1000u);
    EXPECT_EQ(t.window_capacity, 1024u);
    EXPECT_EQ(t.max_message_size, 65536u);
    EXPECT_EQ(t.seqno_unchanged_const, 10u);
    EXPECT_EQ(t.fail_to_recv_const, 100u);
    EXPECT_EQ(t.rtr_gap_visits, 2u);
    EXPECT_EQ(t.initial_ring_seq, 0u); // from state_dir at start, never from the file
    EXPECT_EQ(c.member_ids, (std::vector<node_id>{1, 2, 7}));
    EXPECT_EQ(t.members.data(), c.member_ids.data());
    EXPECT_EQ(t.members.size(), 3u);
    EXPECT_EQ(totem::node::validate(t), nullptr);
}

TEST_F(config_file_test, optional_keys_take_the_documented_defaults) {
    const std::string text = "[cluster]\nid = 9\nkey_file = \"" + key_.string() +
                             "\"\n[node]\nid = 1\n[[nodes]]\nid = 1\nmac = \"02:00:00:00:00:01\"\n"
                             "[dpdk]\nport = \"0000:3b:00.0\"\n";
    const daemon_config c = load_config_file(write(text));
    const daemon_config defaults;
    const totem::config totem_defaults;
    EXPECT_EQ(c.mtu, defaults.mtu);
    EXPECT_EQ(c.ethertype, wire::default_ethertype);
    EXPECT_EQ(c.state_dir, defaults.state_dir);
    EXPECT_EQ(c.lcores, defaults.lcores);
    EXPECT_EQ(c.poll, defaults.poll);
    EXPECT_EQ(c.memory_mb, defaults.memory_mb);
    EXPECT_EQ(c.totem.token_timeout_ns, totem_defaults.token_timeout_ns);
    EXPECT_EQ(c.totem.window_size, totem_defaults.window_size);
    EXPECT_EQ(c.member_ids, (std::vector<node_id>{1}));
}

TEST_F(config_file_test, copies_keep_their_own_member_span) {
    const daemon_config a = load_config_file(write(valid_text()));
    const daemon_config b = a; // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_EQ(b.totem.members.data(), b.member_ids.data());
    daemon_config c;
    c = b;
    EXPECT_EQ(c.totem.members.data(), c.member_ids.data());
    const daemon_config d = std::move(c);
    EXPECT_EQ(d.totem.members.data(), d.member_ids.data());
    EXPECT_EQ(d.totem.members.size(), 3u);
}

struct bad_case {
    const char* what;
    std::string from; // replaced in the valid text ("" appends `to` instead)
    std::string to;
    std::string expect; // substring of the message, after "<dir>/ringcast.toml"
};

std::string extra_nodes(int count) {
    std::string out;
    for (int i = 1; i <= count; ++i) {
        out += fmt::format("[[nodes]]\nid = {}\nmac = \"02:00:00:00:01:{:02x}\"\n", 100 + i, i);
    }
    return out;
}

std::vector<bad_case> bad_cases() {
    return {
        // syntax and unknown names
        {"toml syntax", "mtu = 9000", "mtu = = 9000", ":7:"},
        {"unknown section", "[node]\n", "[clutser]\nid = 1\n[node]\n",
         ":9: [clutser]: unknown section"},
        {"unknown key", "lcores = \"2,3\"", "lcores = \"2,3\"\nprot = \"x\"",
         "[dpdk].prot: unknown key"},
        {"unknown node key", "id = 7\n", "id = 7\nip = \"10.0.0.7\"\n",
         "[nodes][3].ip: unknown key"},
        // missing required fields
        {"missing cluster.id", "id = 4711\n", "", ": [cluster].id: missing"},
        {"missing key_file", "key_file", "#key_file", ": [cluster].key_file: missing"},
        {"missing node.id", "[node]\nid = 2\n", "", ": [node].id: missing"},
        {"missing dpdk.port", "port = ", "#port = ", ": [dpdk].port: missing"},
        {"missing node mac", "mac = \"02:00:00:00:00:07\"", "", "[nodes][3].mac: missing"},
        // wrong types
        {"string for int", "mtu = 9000", "mtu = \"9000\"",
         ":7: [cluster].mtu: expected an integer, got a string"},
        {"float for int", "window_size = 128", "window_size = 128.0",
         "[totem].window_size: expected an integer, got a float"},
        {"int for bool", "no_huge = true", "no_huge = 1", "[dpdk].no_huge: expected a boolean"},
        {"eal_args element", "eal_args = [\"--huge-dir=/mnt/huge\"", "eal_args = [3",
         "[dpdk].eal_args: element 1 is an integer"},
        {"string timer", "token_ms = 20.5", "token_ms = \"20\"",
         "[totem].token_ms: expected milliseconds"},
        // out of range
        {"mtu too big", "mtu = 9000", "mtu = 9300", "[cluster].mtu: 9300 out of range 1280..9202"},
        {"mtu too small", "mtu = 9000", "mtu = 576", "[cluster].mtu: 576 out of range 1280..9202"},
        {"negative", "mtu = 9000", "mtu = -1", "[cluster].mtu: -1 out of range"},
        {"id over 32 bits", "id = 4711", "id = 8589934592",
         "[cluster].id: 8589934592 out of range 0..4294967295"},
        {"cluster id 0", "id = 4711", "id = 0", "[cluster].id: missing or 0"},
        {"ethertype length", "ethertype = 0x88B6", "ethertype = 0x05DC",
         "[cluster].ethertype: 0x05DC is a length"},
        {"ethertype ipv4", "ethertype = 0x88B6", "ethertype = 0x0800",
         "[cluster].ethertype: 0x0800 belongs to another protocol"},
        {"ethertype 17 bits", "ethertype = 0x88B6", "ethertype = 0x188B5",
         "[cluster].ethertype: 100533 out of range 0..65535"},
        {"memory", "memory_mb = 512", "memory_mb = 8", "[dpdk].memory_mb: 8 out of range"},
        {"poll", "poll = \"busy\"", "poll = \"spin\"",
         "[dpdk].poll: \"spin\": expected \"busy\" or \"adaptive\""},
        {"log level", "log_level = \"debug\"", "log_level = \"loud\"",
         "[dpdk].log_level: \"loud\""},
        {"lcores", "lcores = \"2,3\"", "lcores = \"2;3\"", "[dpdk].lcores: \"2;3\""},
        {"lcores range", "lcores = \"2,3\"", "lcores = \"3-2\"", "[dpdk].lcores"},
        {"file prefix path", "file_prefix = \"rc2\"", "file_prefix = \"../etc\"",
         "[dpdk].file_prefix"},
        {"cluster name", "name = \"test-a\"", "name = \"a b\"", "[cluster].name"},
        {"control char", "state_dir = \"/tmp/rc-state\"", "state_dir = \"/tmp/\\u0000x\"",
         "[cluster].state_dir: control character 0x00"},
        {"eal arg owned", "eal_args = [", "eal_args = [\"-l\", ",
         "[dpdk].eal_args: \"-l\" is set by [dpdk]"},
        {"send queue", "send_queue_max = 1000", "send_queue_max = 0",
         "[totem].send_queue_max: 0 out of range"},
        {"max_messages", "max_messages = 32", "max_messages = 129",
         "[totem].max_messages: 129 out of range 1..window_size (128)"},
        {"window capacity", "window_capacity = 1024", "window_capacity = 256",
         "[totem].window_capacity: 256 out of range 4 x window_size (512)"},
        // nodes
        {"duplicate id", "id = 7\n", "id = 1\n",
         ":21: [nodes][3].id: duplicate node id 1 (also [nodes][1])"},
        {"duplicate MAC", "mac = \"02:00:00:00:00:07\"", "mac = \"02:00:00:00:00:01\"",
         "[nodes][3].mac: duplicate MAC 02:00:00:00:00:01 (also node 1)"},
        {"self not listed", "[node]\nid = 2\n", "[node]\nid = 5\n",
         "[node].id: 5 is not one of the [[nodes]] ids"},
        {"node id 0", "id = 7\n", "id = 0\n", "[nodes][3].id: 0 is not a node id"},
        {"mac syntax short", "\"02:00:00:00:00:07\"", "\"02:00:00:00:07\"",
         "[nodes][3].mac: \"02:00:00:00:07\" is not a MAC address"},
        {"mac syntax dash", "\"02:00:00:00:00:07\"", "\"02-00-00-00-00-07\"",
         "[nodes][3].mac: \"02-00-00-00-00-07\" is not a MAC"},
        {"mac syntax hex", "\"02:00:00:00:00:07\"", "\"02:00:00:00:00:0g\"", "[nodes][3].mac"},
        {"multicast mac", "\"02:00:00:00:00:07\"", "\"01:00:5e:00:00:07\"",
         "[nodes][3].mac: 01:00:5e:00:00:07 is a multicast address"},
        {"68 nodes", "[dpdk]", extra_nodes(65) + "[dpdk]",
         "[nodes]: 68 nodes; a cluster has at most 64"},
        // timers totem::node::validate would refuse
        {"hold >= retransmit", "token_hold_ms = 0.25", "token_hold_ms = 2",
         "[totem].token_hold_ms: 2 ms must be less than token_retransmit_ms (2 ms)"},
        {"token <= retransmit", "token_ms = 20.5", "token_ms = 1.5",
         "[totem].token_ms: 1.5 ms must exceed token_retransmit_ms (2 ms)"},
        {"consensus <= join", "consensus_ms = 30.0", "consensus_ms = 3",
         "[totem].consensus_ms: 3 ms must exceed join_ms (3 ms)"},
        {"merge 0", "merge_ms = 40.0", "merge_ms = 0", "[totem].merge_ms: must be positive"},
        {"negative ms", "join_ms = 3.0", "join_ms = -3.0", "[totem].join_ms: -3 ms out of range"},
        {"nan ms", "join_ms = 3.0", "join_ms = nan", "[totem].join_ms: nan ms out of range"},
        {"huge ms", "join_ms = 3.0", "join_ms = 1e300", "[totem].join_ms"},
        // key file
        {"key missing", "cluster.key", "nope.key", "[cluster].key_file: "},
    };
}

TEST_F(config_file_test, each_bad_input_names_file_and_key) {
    for (const bad_case& b : bad_cases()) {
        SCOPED_TRACE(b.what);
        const std::string text =
            b.from.empty() ? valid_text() + b.to : with(valid_text(), b.from, b.to);
        const std::string msg = error_of(text);
        ASSERT_FALSE(msg.empty()) << "loaded";
        EXPECT_EQ(msg.rfind((dir_ / "ringcast.toml").string(), 0), 0u) << msg;
        EXPECT_NE(msg.find(b.expect), std::string::npos) << msg;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
}

TEST_F(config_file_test, a_table_key_of_the_wrong_type_is_refused) {
    const std::string base = "[cluster]\nid = 1\nkey_file = \"" + key_.string() + "\"\n";
    EXPECT_NE(error_of("node = 2\n" + base).find(":1: [node]: expected a table, got an integer"),
              std::string::npos);
    EXPECT_NE(error_of("nodes = [1, 2]\n" + base).find(":1: [nodes]: expected an array of tables"),
              std::string::npos);
    EXPECT_NE(error_of("nodes = \"x\"\n" + base).find("[nodes]: expected an array of tables"),
              std::string::npos);
}

TEST_F(config_file_test, too_many_nodes_for_the_mtu) {
    const std::string text =
        with(with(valid_text(), "mtu = 9000", "mtu = 1500"), "[dpdk]", extra_nodes(40) + "[dpdk]");
    const std::string msg = error_of(text);
    EXPECT_NE(msg.find("[nodes]: 43 nodes need [cluster].mtu >= 1800"), std::string::npos) << msg;
}

TEST_F(config_file_test, missing_nodes_and_missing_file) {
    std::string text = valid_text();
    text = text.substr(0, text.find("[[nodes]]")) + text.substr(text.find("[dpdk]"));
    EXPECT_NE(error_of(text).find(": [nodes]: missing"), std::string::npos) << error_of(text);

    try {
        (void)load_config_file((dir_ / "absent.toml").string());
        ADD_FAILURE() << "loaded a missing file";
    } catch (const config_error& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir_ / "absent.toml").string() + ": cannot open: No such file or directory");
    }
}

TEST_F(config_file_test, key_file_open_to_others_is_refused) {
    ASSERT_EQ(::chmod(key_.c_str(), 0644), 0);
    const std::string msg = error_of(valid_text());
    EXPECT_NE(msg.find(":4: [cluster].key_file: " + key_.string() + ": permissions 0644"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("chmod 600"), std::string::npos) << msg;
}

TEST_F(config_file_test, key_file_that_is_not_a_key_is_refused) {
    const fs::path bogus = dir_ / "bogus.key";
    std::ofstream(bogus) << std::string(48, 'x');
    ASSERT_EQ(::chmod(bogus.c_str(), 0600), 0);
    const std::string msg = error_of(with(valid_text(), "cluster.key", "bogus.key"));
    EXPECT_NE(msg.find("[cluster].key_file: " + bogus.string() + ": not a ringcast key file"),
              std::string::npos)
        << msg;
}

TEST_F(config_file_test, unreadable_key_file_is_refused) {
    if (::geteuid() == 0) {
        GTEST_SKIP() << "root reads any file";
    }
    ASSERT_EQ(::chmod(key_.c_str(), 0000), 0);
    const std::string msg = error_of(valid_text());
    EXPECT_NE(msg.find("[cluster].key_file: " + key_.string() + ": cannot open: Permission denied"),
              std::string::npos)
        << msg;
}

// The shipped examples must load once their key file points at a real key.
TEST_F(config_file_test, shipped_examples_parse) {
    const char* root = std::getenv("RINGCAST_SOURCE_ROOT");
    ASSERT_NE(root, nullptr) << "run through meson test (sets RINGCAST_SOURCE_ROOT)";
    for (const char* name : {"ringcast.toml.example", "local-node.toml.example"}) {
        SCOPED_TRACE(name);
        std::ifstream in(fs::path(root) / "config" / name);
        ASSERT_TRUE(in.good());
        std::string text{std::istreambuf_iterator<char>(in), {}};
        text = std::regex_replace(text, std::regex("\nkey_file = \"[^\"]*\""),
                                  "\nkey_file = \"" + key_.string() + "\"");
        daemon_config c;
        try {
            c = load_config_file(write(text, name));
        } catch (const config_error& e) {
            FAIL() << e.what();
        }
        EXPECT_EQ(c.key_file, key_.string());
        EXPECT_EQ(c.self, 1u);
        EXPECT_EQ(c.nodes.size(), 3u);
        EXPECT_FALSE(c.no_huge);
    }
}

} // namespace
} // namespace ringcast::app::test
