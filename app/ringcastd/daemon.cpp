// ringcastd wiring: keys and state first (clear errors before any DPDK work), then EAL, port,
// crypto engine, the data plane on the main lcore, and a control thread that persists the ring
// seq high-water mark off the data path (a synchronous write once stalled corosync for seconds).

#include "app/ringcastd/daemon.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "drivers/dpdk/dataplane.hpp"
#include "drivers/dpdk/log.hpp"
#include "drivers/dpdk/port.hpp"
#include "drivers/dpdk/telemetry.hpp"
#include "lib/crypto/key_file.hpp"
#include "lib/shm/hub.hpp"

namespace ringcast::app {

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

std::uint64_t read_mark(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::uint64_t v = 0;
    in >> v;
    return in ? v : 0;
}

/** Writes the mark durably: temp file, fsync, rename. */
bool write_mark(const std::filesystem::path& p, std::uint64_t v) {
    const std::string tmp = p.string() + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        return false;
    }
    const std::string s = std::to_string(v) + "\n";
    const bool ok = ::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size()) && ::fsync(fd) == 0;
    ::close(fd);
    return ok && ::rename(tmp.c_str(), p.c_str()) == 0;
}

std::vector<std::string> eal_arguments(const daemon_config& cfg, const char* argv0) {
    std::vector<std::string> a{argv0, "-l", cfg.lcores};
    if (!cfg.file_prefix.empty()) {
        a.push_back("--file-prefix=" + cfg.file_prefix);
    }
    if (cfg.no_huge) {
        a.push_back("--no-huge");
    }
    a.push_back("-m");
    a.push_back(std::to_string(cfg.memory_mb));
    if (drv::dpdk::is_vdev(cfg.port)) {
        a.push_back("--no-pci");
        a.push_back("--vdev=" + cfg.port);
    } else {
        a.push_back("-a");
        a.push_back(cfg.port);
    }
    a.push_back("--log-level=ringcast:" + cfg.log_level);
    for (const std::string& e : cfg.eal_args) {
        a.push_back(e);
    }
    return a;
}

} // namespace

int run_daemon(const daemon_config& cfg, const char* argv0) {
    crypto::secret_key master;
    if (auto st = crypto::load_key_file(cfg.key_file, master); !st) {
        std::fprintf(stderr, "ringcastd: %s\n", st.error.c_str());
        return 2;
    }
    std::error_code ec;
    std::filesystem::create_directories(cfg.state_dir, ec);
    if (ec) {
        std::fprintf(stderr, "ringcastd: state_dir %s: %s\n", cfg.state_dir.c_str(), ec.message().c_str());
        return 1;
    }
    const std::filesystem::path state(cfg.state_dir);
    std::uint32_t epoch = 0;
    const auto unix_now = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    if (auto st = crypto::advance_key_epoch(state / fmt::format("node{}.key_epoch", cfg.self), unix_now, epoch); !st) {
        std::fprintf(stderr, "ringcastd: %s\n", st.error.c_str());
        return 1;
    }
    // Ring seqs never go backwards: start above the persisted mark. The mark is written shortly
    // after each change (off the data path); the margin covers changes made just before a crash.
    const std::filesystem::path mark_path = state / fmt::format("node{}.ring_seq", cfg.self);
    const std::uint64_t ring_seq_start = read_mark(mark_path) + 4096;
    if (!write_mark(mark_path, ring_seq_start)) {
        std::fprintf(stderr, "ringcastd: cannot write %s\n", mark_path.c_str());
        return 1;
    }

    std::vector<std::string> args = eal_arguments(cfg, argv0);
    std::vector<char*> argv;
    for (std::string& s : args) {
        argv.push_back(s.data());
    }
    argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0) {
        std::fprintf(stderr, "ringcastd: EAL init failed: %s\n", rte_strerror(rte_errno));
        return 1;
    }
    drv::dpdk::register_log(cfg.log_level.c_str());

    int rc = 0;
    try {
        drv::dpdk::port_params pp;
        pp.name = drv::dpdk::port_device_name(cfg.port);
        pp.mtu = cfg.mtu;
        // Held frames: two windows (old and new ring) plus RX/TX rings and headroom.
        pp.mbufs = std::max<std::uint32_t>(8192, 2 * cfg.totem.window_capacity + 4096);
        drv::dpdk::port port = drv::dpdk::open_port(pp);

        totem::config tc = cfg.totem;
        tc.initial_ring_seq = ring_seq_start;
        drv::dpdk::dataplane_config dc;
        dc.self = cfg.self;
        dc.cluster_id = cfg.cluster_id;
        dc.ethertype = cfg.ethertype;
        dc.totem = tc;
        dc.busy_poll = cfg.poll == poll_mode::busy;
        // A second lcore takes the crypto work off the protocol lcore: RX (burst, GCM open,
        // validation) and TX (header, seal, burst).
        const unsigned rx_lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
        dc.rx_lcore = rx_lcore < RTE_MAX_LCORE ? static_cast<int>(rx_lcore) : -1;
        std::vector<node_id> ids;
        for (const node_entry& n : cfg.nodes) {
            dc.peers.push_back({n.id, n.mac});
            ids.push_back(n.id);
        }
        dc.totem.members = ids;

        crypto::engine eng;
        crypto::keyring kr(eng, master, cfg.self, epoch, ids);
        drv::dpdk::dataplane dp(dc, port, eng, kr);
        // The worker opens frames with its own engine and an RX keyring, and seals with `kr`
        // (the protocol lcore then never seals: one sealer per (node, epoch) holds).
        std::unique_ptr<crypto::engine> rx_eng;
        std::unique_ptr<crypto::keyring> rx_kr;
        std::atomic<bool> rx_stop{false};
        struct rx_args {
            drv::dpdk::dataplane* dp;
            std::atomic<bool>* stop;
            crypto::engine* eng;
            crypto::keyring* kr;
        } rx{};
        if (dc.rx_lcore >= 0) {
            rx_eng = std::make_unique<crypto::engine>();
            rx_kr = std::make_unique<crypto::keyring>(*rx_eng, master, cfg.self, epoch, ids);
            rx = {&dp, &rx_stop, rx_eng.get(), rx_kr.get()};
            const int lrc = rte_eal_remote_launch(
                [](void* a) -> int {
                    auto* r = static_cast<rx_args*>(a);
                    r->dp->run_rx_worker(*r->stop, *r->eng, *r->kr);
                    return 0;
                },
                &rx, static_cast<unsigned>(dc.rx_lcore));
            if (lrc != 0) {
                throw std::runtime_error(fmt::format("cannot launch the RX worker on lcore {}: {}",
                                                     dc.rx_lcore, rte_strerror(-lrc)));
            }
            RC_LOG(INFO, "crypto worker (RX open, TX seal) on lcore %d, protocol on lcore %u", dc.rx_lcore, rte_lcore_id());
        }
        // Local clients: the hub listens on the configured socket; the lcore serves the rings.
        shm::hub_config hc;
        hc.self = cfg.self;
        hc.socket_path = cfg.clients.socket;
        hc.allowed_uids = cfg.clients.allowed_uids;
        hc.allowed_gids = cfg.clients.allowed_gids;
        hc.submit_ring_bytes = cfg.clients.submit_ring_bytes;
        hc.deliver_ring_bytes = cfg.clients.delivery_ring_bytes;
        hc.max_message_size = cfg.clients.max_message_size;
        hc.max_groups_per_client = cfg.clients.max_groups_per_client;
        hc.max_clients = cfg.clients.max_clients;
        hc.slow_consumer = cfg.clients.slow_consumer == slow_consumer_policy::block
                               ? shm::slow_consumer_policy::block
                               : shm::slow_consumer_policy::disconnect;
        hc.slow_consumer_bound_bytes = cfg.clients.slow_consumer_bound_bytes;
        hc.slow_consumer_timeout_ns = cfg.clients.slow_consumer_timeout_ns;
        hc.log = [](std::string_view line) {
            RC_LOG(INFO, "clients: %.*s", static_cast<int>(line.size()), line.data());
        };
        if (const char* why = shm::validate(hc); why != nullptr) {
            throw std::runtime_error(fmt::format("[clients]: {}", why));
        }
        std::error_code sec;
        std::filesystem::create_directories(std::filesystem::path(hc.socket_path).parent_path(), sec);
        shm::client_hub hub(hc);
        dp.attach_clients(&hub);
        RC_LOG(INFO, "local clients on %s", hc.socket_path.c_str());

        drv::dpdk::telemetry_info ti{cfg.self, cfg.cluster_id, cfg.mtu, &dc.totem, true, dc.busy_poll};
        drv::dpdk::register_telemetry(dp, ti);

        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        RC_LOG(INFO, "node %u of cluster %u (%s) on port %s, mac %02x:%02x:%02x:%02x:%02x:%02x, key epoch %u",
               cfg.self, cfg.cluster_id, cfg.cluster_name.c_str(), cfg.port.c_str(), port.mac.addr_bytes[0],
               port.mac.addr_bytes[1], port.mac.addr_bytes[2], port.mac.addr_bytes[3],
               port.mac.addr_bytes[4], port.mac.addr_bytes[5], epoch);

        std::atomic<bool> control_stop{false};
        std::thread control([&] {
            std::uint64_t written = ring_seq_start;
            while (!control_stop.load(std::memory_order_relaxed)) {
                const std::uint64_t m = dp.ring_seq_mark();
                if (m > written && write_mark(mark_path, m)) {
                    written = m;
                }
                // Client handshakes and closed sockets; also paces the ring seq check (10 ms).
                (void)hub.service_control(10);
            }
            const std::uint64_t m = dp.ring_seq_mark();
            if (m > written) {
                (void)write_mark(mark_path, m);
            }
        });
        dp.run(g_stop);
        rx_stop.store(true);
        rte_eal_mp_wait_lcore();
        control_stop.store(true);
        control.join();
        RC_LOG(INFO, "left the ring, shutting down");
        drv::dpdk::close_port(port);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ringcastd: %s\n", e.what());
        rc = 1;
    }
    rte_eal_cleanup();
    return rc;
}

} // namespace ringcast::app
