#include "drivers/dpdk/port.hpp"
#include "drivers/dpdk/log.hpp"

#include <fmt/format.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

namespace ringcast::drv::dpdk {

std::string port_device_name(const std::string& port_string) {
    return port_string.substr(0, port_string.find(','));
}

bool is_vdev(const std::string& port_string) {
    return port_string.rfind("net_", 0) == 0 || port_string.rfind("eth_", 0) == 0;
}

port open_port(const port_params& p) {
    port out;
    const std::string dev = port_device_name(p.name);
    if (int rc = rte_eth_dev_get_port_by_name(dev.c_str(), &out.id); rc != 0) {
        throw port_error(fmt::format("port '{}' not found (is the device bound to DPDK, or the "
                                     "vdev string right?)", dev));
    }
    // One frame per mbuf: data room for the largest frame plus headroom.
    // Some PMDs want room beyond the frame (af_packet: its ring frame minus the tpacket header).
    const std::uint32_t frame_max = p.mtu + RTE_ETHER_HDR_LEN + (p.mtu > 1500 ? 768 : 0);
    out.data_room = static_cast<std::uint16_t>(
        std::max<std::uint32_t>(RTE_MBUF_DEFAULT_BUF_SIZE, frame_max + RTE_PKTMBUF_HEADROOM));
    out.pool = rte_pktmbuf_pool_create(fmt::format("rc_pool_{}", out.id).c_str(), p.mbufs, 256, 0,
                                       out.data_room, static_cast<int>(rte_socket_id()));
    if (out.pool == nullptr) {
        throw port_error(fmt::format("cannot create mbuf pool of {} mbufs: {} (more hugepages, "
                                     "or --memory-mb?)", p.mbufs, rte_strerror(rte_errno)));
    }
    out.data_room -= RTE_PKTMBUF_HEADROOM;

    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(out.id, &info); rc != 0) {
        throw port_error(fmt::format("port {}: device info: {}", dev, rte_strerror(-rc)));
    }
    rte_eth_conf conf{};
    if (int rc = rte_eth_dev_configure(out.id, 1, 1, &conf); rc != 0) {
        throw port_error(fmt::format("port {}: configure: {}", dev, rte_strerror(-rc)));
    }
    std::uint16_t rxd = p.rx_desc;
    std::uint16_t txd = p.tx_desc;
    if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(out.id, &rxd, &txd); rc != 0) {
        throw port_error(fmt::format("port {}: descriptors: {}", dev, rte_strerror(-rc)));
    }
    const int socket = rte_eth_dev_socket_id(out.id);
    const unsigned sock = socket < 0 ? 0u : static_cast<unsigned>(socket);
    if (int rc = rte_eth_rx_queue_setup(out.id, 0, rxd, sock, nullptr, out.pool); rc != 0) {
        throw port_error(fmt::format("port {}: rx queue: {}", dev, rte_strerror(-rc)));
    }
    if (int rc = rte_eth_tx_queue_setup(out.id, 0, txd, sock, nullptr); rc != 0) {
        throw port_error(fmt::format("port {}: tx queue: {}", dev, rte_strerror(-rc)));
    }
    if (p.mtu != 1500) {
        if (int rc = rte_eth_dev_set_mtu(out.id, static_cast<std::uint16_t>(p.mtu)); rc != 0) {
            // Socket-backed vdevs (af_packet) report a 1518-byte frame limit yet carry whatever the
            // kernel interface's MTU and their ring frames allow; a NIC must take the MTU.
            if (!is_vdev(p.name)) {
                throw port_error(fmt::format("port {}: mtu {}: {} (max {})", dev, p.mtu,
                                             rte_strerror(-rc), info.max_mtu));
            }
            RC_LOG(WARNING, "port %s does not take mtu %u (%s); the interface MTU applies",
                   dev.c_str(), p.mtu, rte_strerror(-rc));
        }
    }
    out.mtu = p.mtu;
    if (int rc = rte_eth_dev_start(out.id); rc != 0) {
        throw port_error(fmt::format("port {}: start: {}", dev, rte_strerror(-rc)));
    }
    // Data frames go to the broadcast address; accept it (and multicast) whatever the NIC default.
    (void)rte_eth_allmulticast_enable(out.id);
    if (int rc = rte_eth_macaddr_get(out.id, &out.mac); rc != 0) {
        throw port_error(fmt::format("port {}: mac address: {}", dev, rte_strerror(-rc)));
    }
    return out;
}

void close_port(port& p) noexcept {
    if (p.pool == nullptr) {
        return;
    }
    (void)rte_eth_dev_stop(p.id);
    (void)rte_eth_dev_close(p.id);
    p.pool = nullptr; // the pool goes with the EAL cleanup
}

} // namespace ringcast::drv::dpdk
