// [clients] keys: defaults (the socket derives from the file prefix), every key read, and each
// bad value refused with the key named.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/ringcastd/config.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace ringcast::app::test {
namespace {

using clients_config_test = config_dir;

TEST_F(clients_config_test, defaults_without_a_clients_section) {
    const daemon_config c = load_config_file(write(valid_text()));
    EXPECT_EQ(c.clients.socket, "/run/ringcast/rc2.sock");
    EXPECT_TRUE(c.clients.allowed_uids.empty());
    EXPECT_EQ(c.clients.submit_ring_bytes, 1u << 20);
    EXPECT_EQ(c.clients.delivery_ring_bytes, 4u << 20);
    EXPECT_EQ(c.clients.max_message_size, 65536u - 88u);
    EXPECT_EQ(c.clients.slow_consumer, slow_consumer_policy::block);
}

TEST_F(clients_config_test, every_key_is_read) {
    const std::string text = valid_text() + R"(
[clients]
socket = "/tmp/rc/x.sock"
allowed_uids = [0, 1000]
allowed_gids = [100]
submit_ring_bytes = 262144
delivery_ring_bytes = 524288
max_message_size = 1000
max_groups_per_client = 8
max_clients = 16
slow_consumer = "disconnect"
slow_consumer_bound_bytes = 65536
slow_consumer_timeout_ms = 500
)";
    const daemon_config c = load_config_file(write(text));
    EXPECT_EQ(c.clients.socket, "/tmp/rc/x.sock");
    EXPECT_EQ(c.clients.allowed_uids, (std::vector<std::uint32_t>{0, 1000}));
    EXPECT_EQ(c.clients.allowed_gids, (std::vector<std::uint32_t>{100}));
    EXPECT_EQ(c.clients.submit_ring_bytes, 262144u);
    EXPECT_EQ(c.clients.delivery_ring_bytes, 524288u);
    EXPECT_EQ(c.clients.max_message_size, 1000u);
    EXPECT_EQ(c.clients.max_groups_per_client, 8u);
    EXPECT_EQ(c.clients.max_clients, 16u);
    EXPECT_EQ(c.clients.slow_consumer, slow_consumer_policy::disconnect);
    EXPECT_EQ(c.clients.slow_consumer_bound_bytes, 65536u);
    EXPECT_EQ(c.clients.slow_consumer_timeout_ns, 500'000'000u);
}

TEST_F(clients_config_test, bad_values_name_the_key) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"socket = \"relative.sock\"", "[clients].socket"},
        {"allowed_uids = [\"root\"]", "[clients].allowed_uids: element 1 is a string"},
        {"allowed_gids = [-1]", "[clients].allowed_gids: element 1 (-1) out of range"},
        {"submit_ring_bytes = 5000", "[clients].submit_ring_bytes: 5000: a power of two"},
        {"delivery_ring_bytes = 65536", "[clients].delivery_ring_bytes: 65536 holds fewer"},
        {"max_message_size = 65500", "[clients].max_message_size: 65500 out of range"},
        {"max_clients = 0", "[clients].max_clients"},
        {"slow_consumer = \"drop\"", "[clients].slow_consumer: \"drop\": expected"},
        {"slow_consumer_bound_bytes = 10", "[clients].slow_consumer_bound_bytes"},
        {"sockets = \"/x\"", "[clients].sockets: unknown key"},
    };
    for (const auto& [line, expect] : cases) {
        const std::string err = error_of(valid_text() + "\n[clients]\n" + line + "\n");
        EXPECT_NE(err.find(expect), std::string::npos) << line << " -> " << err;
    }
}

} // namespace
} // namespace ringcast::app::test
