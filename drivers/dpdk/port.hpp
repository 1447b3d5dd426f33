#pragma once
// Ethdev setup for ringcastd: one port, one RX and one TX queue, a mempool sized from the Totem
// window. Slow path; errors are thrown as port_error with rte_strerror's text.

#include <cstdint>
#include <stdexcept>
#include <string>

#include <rte_ether.h>
#include <rte_mempool.h>

namespace ringcast::drv::dpdk {

struct port_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct port_params {
    std::string name;        ///< ethdev name: PCI address or vdev name ("net_af_packet0")
    std::uint32_t mtu = 1500;
    std::uint32_t mbufs = 16384;
    std::uint16_t rx_desc = 1024;
    std::uint16_t tx_desc = 1024;
};

struct port {
    std::uint16_t id = 0;
    rte_mempool* pool = nullptr;
    rte_ether_addr mac{};
    std::uint32_t mtu = 1500;
    std::uint16_t data_room = 0; ///< bytes of frame an mbuf holds
};

/** Finds, configures and starts the port. @throws port_error */
port open_port(const port_params& p);

/** Stops and closes the port (idempotent). */
void close_port(port& p) noexcept;

/** The ethdev name inside a port string: "net_af_packet0,iface=x" -> "net_af_packet0". */
std::string port_device_name(const std::string& port_string);

/** Whether a port string names a virtual device (--vdev) rather than a PCI device (-a). */
bool is_vdev(const std::string& port_string);

} // namespace ringcast::drv::dpdk
