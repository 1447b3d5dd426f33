// The raw link: the best frame rate DPDK gets on a port with no protocol at all. One process per
// namespace: `send` broadcasts frames of a given size as fast as the port takes them, `recv`
// counts what arrives. Both run for a fixed time and print one JSON line. This is the ceiling
// ringcast's throughput is compared with (bench/cluster/*.sh).
//
//   linkbench <EAL args> -- send|recv|both --size BYTES --seconds S
// (both: send and count arrivals in one loop, for the all-senders topology)

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

namespace {

int usage() {
    std::fprintf(stderr, "usage: linkbench <EAL args> -- send|recv [--size BYTES] [--seconds S]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    const int used = rte_eal_init(argc, argv);
    if (used < 0) {
        std::fprintf(stderr, "linkbench: EAL init failed\n");
        return 1;
    }
    argc -= used;
    argv += used;
    if (argc < 2) {
        return usage();
    }
    const std::string mode = argv[1];
    unsigned size = 1024 + 78;
    double seconds = 5;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--size") == 0) {
            size = static_cast<unsigned>(std::strtoul(argv[i + 1], nullptr, 10));
        } else if (std::strcmp(argv[i], "--seconds") == 0) {
            seconds = std::strtod(argv[i + 1], nullptr);
        } else {
            return usage();
        }
    }
    if ((mode != "send" && mode != "recv" && mode != "both") || size < 60 || size > 9000 || seconds <= 0) {
        return usage();
    }
    if (rte_eth_dev_count_avail() == 0) {
        std::fprintf(stderr, "linkbench: no port (give --vdev)\n");
        return 1;
    }
    const std::uint16_t port = 0;
    // Jumbo frames need the af_packet PMD's 9728-byte frame slots (scripts/cluster), and it refuses
    // an RX queue whose mbufs cannot hold a whole slot, whatever size the frames really are.
    const unsigned room = size > 2048 ? 9728 : 2048;
    rte_mempool* pool = rte_pktmbuf_pool_create("lb_pool", 8191, 256, 0,
                                                static_cast<std::uint16_t>(RTE_PKTMBUF_HEADROOM + room),
                                                static_cast<int>(rte_socket_id()));
    rte_eth_conf conf{};
    if (pool == nullptr || rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
        rte_eth_rx_queue_setup(port, 0, 1024, 0, nullptr, pool) != 0 ||
        rte_eth_tx_queue_setup(port, 0, 1024, 0, nullptr) != 0 || rte_eth_dev_start(port) != 0) {
        std::fprintf(stderr, "linkbench: port setup failed\n");
        return 1;
    }
    rte_ether_addr mac{};
    (void)rte_eth_macaddr_get(port, &mac);
    const std::uint64_t hz = rte_get_tsc_hz();
    const std::uint64_t start = rte_get_tsc_cycles();
    const std::uint64_t end = start + static_cast<std::uint64_t>(seconds * static_cast<double>(hz));
    std::uint64_t frames = 0;
    std::uint64_t bytes = 0;
    std::uint64_t received = 0;
    rte_mbuf* burst[32];
    if (mode == "send" || mode == "both") {
        while (rte_get_tsc_cycles() < end) {
            if (mode == "both") {
                // Every node sending: count what the others' broadcasts bring in, too.
                const std::uint16_t nr = rte_eth_rx_burst(port, 0, burst, 32);
                for (std::uint16_t i = 0; i < nr; ++i) {
                    rte_pktmbuf_free(burst[i]);
                }
                received += nr;
            }
            unsigned n = 0;
            for (; n < 32; ++n) {
                rte_mbuf* m = rte_pktmbuf_alloc(pool);
                if (m == nullptr) {
                    break;
                }
                auto* p = rte_pktmbuf_mtod(m, std::uint8_t*);
                std::memset(p, 0xff, 6); // broadcast, as ringcast's data frames
                std::memcpy(p + 6, mac.addr_bytes, 6);
                p[12] = 0x88;
                p[13] = 0xB6; // not ringcast's EtherType
                m->data_len = static_cast<std::uint16_t>(size);
                m->pkt_len = size;
                burst[n] = m;
            }
            const std::uint16_t sent = rte_eth_tx_burst(port, 0, burst, static_cast<std::uint16_t>(n));
            for (unsigned i = sent; i < n; ++i) {
                rte_pktmbuf_free(burst[i]);
            }
            frames += sent;
            bytes += static_cast<std::uint64_t>(sent) * size;
        }
    } else {
        while (rte_get_tsc_cycles() < end) {
            const std::uint16_t n = rte_eth_rx_burst(port, 0, burst, 32);
            for (std::uint16_t i = 0; i < n; ++i) {
                bytes += burst[i]->pkt_len;
                rte_pktmbuf_free(burst[i]);
            }
            frames += n;
        }
    }
    const double el = static_cast<double>(rte_get_tsc_cycles() - start) / static_cast<double>(hz);
    std::printf("{\"mode\":\"%s\",\"size\":%u,\"seconds\":%.3f,\"frames\":%llu,\"received\":%llu,\"frames_per_s\":%.0f,\"MB_per_s\":%.1f}\n",
                mode.c_str(), size, el, static_cast<unsigned long long>(frames), static_cast<unsigned long long>(received),
                static_cast<double>(frames) / el, static_cast<double>(bytes) / el / 1e6);
    (void)rte_eth_dev_stop(port);
    rte_eal_cleanup();
    return 0;
}
