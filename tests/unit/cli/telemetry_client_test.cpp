// The ringcast CLI's telemetry client against a fake DPDK telemetry server: greeting, one reply
// per command, and each way the daemon can be missing or misbehave.

#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "app/ringcast/status.hpp"
#include "app/ringcast/telemetry_client.hpp"

namespace ringcast::app {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string dpdk_greeting =
    R"({"version":"DPDK 22.11.11","pid":4242,"max_output_len":16384})";

// Listens on path before the constructor returns (no race with the client's connect), then in
// a thread accepts one client, sends the greeting and answers each scripted command in turn.
class fake_server {
public:
    fake_server(const fs::path& path, std::string greeting, std::vector<std::string> replies)
        : greeting_(std::move(greeting)), replies_(std::move(replies)) {
        listen_fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        EXPECT_GE(listen_fd_, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(listen_fd_, 1), 0);
        thread_ = std::thread([this] { serve(); });
    }
    ~fake_server() {
        if (thread_.joinable()) {
            thread_.join();
        }
        ::close(listen_fd_);
    }
    fake_server(const fake_server&) = delete;
    fake_server& operator=(const fake_server&) = delete;

    /** Commands received; read after the client is done (joins the server thread). */
    std::vector<std::string> received() {
        if (thread_.joinable()) {
            thread_.join();
        }
        return received_;
    }

private:
    void serve() {
        const int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) {
            return;
        }
        if (!greeting_.empty()) {
            (void)::send(fd, greeting_.data(), greeting_.size(), MSG_NOSIGNAL);
        }
        for (const std::string& reply : replies_) {
            char buf[1024];
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
                break;
            }
            received_.emplace_back(buf, static_cast<std::size_t>(n));
            (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
        }
        // Hold the connection until the client closes it, as the DPDK server does.
        char sink[64];
        while (::recv(fd, sink, sizeof sink, 0) > 0) {
        }
        ::close(fd);
    }

    std::string greeting_;
    std::vector<std::string> replies_;
    std::vector<std::string> received_;
    int listen_fd_ = -1;
    std::thread thread_;
};

class telemetry_client_test : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "rc-tel.XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
        sock_ = dir_ / "dpdk_telemetry.v2";
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path dir_;
    fs::path sock_;
};

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const telemetry_error& e) {
        return e.what();
    }
    return "";
}

const std::string status_inner =
    R"({"node_id":2,"state":"operational","ring_id":"1:42","members":[1,2,3],)"
    R"("delivered":18446744073709551615,"digest":"0x00ff00ff00ff00ff","ring_changes":4,)"
    R"("drops":{"bad_tag":3,"replay":0},"frames_rx":77})";

TEST_F(telemetry_client_test, status_json_prints_the_inner_object_on_one_line) {
    fake_server server(sock_, dpdk_greeting, {R"({"/ringcast/status":)" + status_inner + "}"});
    std::string out;
    {
        telemetry_client client(sock_.string());
        EXPECT_EQ(client.greeting().pid, 4242);
        EXPECT_EQ(client.greeting().max_output_len, 16384u);
        EXPECT_EQ(client.greeting().version, "DPDK 22.11.11");
        out = run_query(client, "/ringcast/status", true);
    }
    EXPECT_EQ(server.received(), std::vector<std::string>{"/ringcast/status"});
    // Exactly the daemon's object, key order and 64-bit values kept, one line.
    EXPECT_EQ(out, status_inner + "\n");
}

TEST_F(telemetry_client_test, status_table_puts_known_keys_first) {
    const std::string reordered =
        R"({"/ringcast/status":{"frames_rx":77,"drops":{"bad_tag":3},"state":"gather",)"
        R"("node_id":2,"members":[],"ring_id":"2:7"}})";
    fake_server server(sock_, dpdk_greeting, {reordered});
    telemetry_client client(sock_.string());
    EXPECT_EQ(run_query(client, "/ringcast/status", false), "node_id    2\n"
                                                            "state      gather\n"
                                                            "ring_id    2:7\n"
                                                            "members    -\n"
                                                            "drops\n"
                                                            "  bad_tag  3\n"
                                                            "frames_rx  77\n");
}

TEST_F(telemetry_client_test, members_table_marks_ring_members_and_self) {
    fake_server server(
        sock_, dpdk_greeting,
        {R"({"/ringcast/members":{"node_id":2,"ring_id":"1:42","members":[1,2],)"
         R"("nodes":{"1":"02:00:00:00:00:01","2":"02:00:00:00:00:02","3":"02:00:00:00:00:03"}}})"});
    telemetry_client client(sock_.string());
    EXPECT_EQ(run_query(client, "/ringcast/members", false),
              "ring 1:42: 2 members\n"
              "        ID  MAC                STATUS\n"
              "         1  02:00:00:00:00:01  member\n"
              "         2  02:00:00:00:00:02  member (self)\n"
              "         3  02:00:00:00:00:03  not in ring\n");
}

TEST_F(telemetry_client_test, members_table_without_macs) {
    fake_server server(sock_, dpdk_greeting,
                       {R"({"/ringcast/members":{"node_id":3,"state":"operational",)"
                        R"("ring_id":"1:8","members":[1,3]}})"});
    telemetry_client client(sock_.string());
    EXPECT_EQ(run_query(client, "/ringcast/members", false), "ring 1:8 (operational): 2 members\n"
                                                             "        ID  STATUS\n"
                                                             "         1  member\n"
                                                             "         3  member (self)\n");
}

TEST_F(telemetry_client_test, generate_sends_parameters_and_reads_the_reply_by_command_name) {
    fake_server server(sock_, dpdk_greeting,
                       {R"({"/ringcast/generate":{"generating":true,"size":512}})",
                        R"({"/ringcast/generate":{"generating":false,"sent":10}})"});
    std::string started;
    std::string stopped;
    {
        telemetry_client client(sock_.string());
        started = run_query(client, generate_start_command({512, "5000", 10}), true);
        stopped = run_query(client, "/ringcast/generate,stop", false);
    }
    EXPECT_EQ(server.received(), (std::vector<std::string>{"/ringcast/generate,start,512,5000,10",
                                                           "/ringcast/generate,stop"}));
    EXPECT_EQ(started, "{\"generating\":true,\"size\":512}\n");
    EXPECT_EQ(stopped, "generating  false\nsent        10\n");
}

TEST_F(telemetry_client_test, an_error_reply_is_a_failure) {
    fake_server server(sock_, dpdk_greeting,
                       {R"({"/ringcast/generate":{"error":"usage: start,<size>,... | stop"}})"});
    telemetry_client client(sock_.string());
    EXPECT_EQ(error_of([&] { (void)run_query(client, "/ringcast/generate,start,0,0,0", false); }),
              "ringcastd: usage: start,<size>,... | stop");
}

TEST_F(telemetry_client_test, generate_start_command_checks_its_options) {
    EXPECT_EQ(generate_start_command({}), "/ringcast/generate,start,1024,0,0");
    EXPECT_EQ(generate_start_command({64, "max", 1000}), "/ringcast/generate,start,64,0,1000");
    EXPECT_THROW((void)generate_start_command({0, "max", 0}), telemetry_error);
    EXPECT_THROW((void)generate_start_command({64, "fast", 0}), telemetry_error);
    EXPECT_THROW((void)generate_start_command({64, "0", 0}), telemetry_error);
    EXPECT_THROW((void)generate_start_command({64, "-5", 0}), telemetry_error);
    EXPECT_THROW((void)generate_start_command({64, "10x", 0}), telemetry_error);
}

TEST_F(telemetry_client_test, no_daemon_is_one_clear_line) {
    const std::string expected =
        "cannot reach ringcastd at " + sock_.string() + " (is it running? --file-prefix?)";
    EXPECT_EQ(error_of([&] { telemetry_client c(sock_.string()); }), expected);

    // A socket file left behind by a daemon that died: nobody listens, same message.
    const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock_.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
    EXPECT_EQ(error_of([&] { telemetry_client c(sock_.string()); }), expected);
}

TEST_F(telemetry_client_test, refused_and_malformed_replies_are_errors) {
    fake_server server(sock_, dpdk_greeting,
                       {R"({"/ringcast/members":null})", R"({"/ringcast/status":{"a":)",
                        R"({"/other":{}})", R"([1,2])"});
    telemetry_client client(sock_.string());
    EXPECT_NE(error_of([&] {
                  (void)client.query("/ringcast/members");
              }).find("refused /ringcast/members (unknown command or bad parameters"),
              std::string::npos);
    EXPECT_NE(error_of([&] { (void)client.query("/ringcast/status"); }).find("is not JSON"),
              std::string::npos);
    EXPECT_NE(error_of([&] { (void)client.query("/ringcast/status"); }).find("unexpected reply"),
              std::string::npos);
    EXPECT_NE(error_of([&] { (void)client.query("/ringcast/status"); }).find("unexpected reply"),
              std::string::npos);
    EXPECT_NE(error_of([&] { (void)client.query("no-slash"); }).find("bad telemetry command"),
              std::string::npos);
    EXPECT_NE(
        error_of([&] { (void)client.query(std::string(2000, '/')); }).find("bad telemetry command"),
        std::string::npos);
}

TEST_F(telemetry_client_test, not_a_telemetry_socket) {
    fake_server server(sock_, "hello", {});
    EXPECT_NE(error_of([&] {
                  telemetry_client c(sock_.string());
              }).find(sock_.string() + ": not a DPDK telemetry v2 socket"),
              std::string::npos);
}

TEST_F(telemetry_client_test, silent_server_times_out) {
    fake_server server(sock_, "", {});
    EXPECT_NE(error_of([&] {
                  telemetry_client c(sock_.string(), 200ms);
              }).find("no greeting from ringcastd (timed out)"),
              std::string::npos);
}

TEST_F(telemetry_client_test, reply_longer_than_announced_is_refused) {
    const std::string big = R"({"/ringcast/status":{"x":")" + std::string(3000, 'y') + "\"}}";
    fake_server server(sock_, R"({"version":"DPDK 22.11.11","pid":1,"max_output_len":1024})",
                       {big});
    telemetry_client client(sock_.string());
    EXPECT_NE(error_of([&] { (void)client.query("/ringcast/status"); }).find("exceeds the 1024"),
              std::string::npos);
}

TEST(telemetry_path_test, follows_eal_runtime_dir_and_prefix_rules) {
    ::setenv("RUNTIME_DIRECTORY", "/run/ringcastd", 1);
    EXPECT_EQ(telemetry_socket_path("rc1"), "/run/ringcastd/dpdk/rc1/dpdk_telemetry.v2");
    ::unsetenv("RUNTIME_DIRECTORY");
    if (::geteuid() == 0) {
        EXPECT_EQ(telemetry_socket_path("rc1"), "/var/run/dpdk/rc1/dpdk_telemetry.v2");
    }

    ::unsetenv("RINGCAST_FILE_PREFIX");
    EXPECT_EQ(default_file_prefix(), "rte");
    ::setenv("RINGCAST_FILE_PREFIX", "rc3", 1);
    EXPECT_EQ(default_file_prefix(), "rc3");
    EXPECT_EQ(resolve_socket_path({}), telemetry_socket_path("rc3"));
    EXPECT_EQ(resolve_socket_path({"rc2", ""}), telemetry_socket_path("rc2"));
    EXPECT_EQ(resolve_socket_path({"rc2", "/tmp/x.sock"}), "/tmp/x.sock");
    ::unsetenv("RINGCAST_FILE_PREFIX");
}

} // namespace
} // namespace ringcast::app
