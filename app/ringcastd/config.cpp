// ringcastd config file: TOML in, daemon_config out. The file is hostile input: every key is
// checked against the known set, every value for type and for what its field can hold, and
// validate_config then checks ranges and relations, so nothing silently wraps or is ignored.

#include "app/ringcastd/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string_view>

#define TOML_ENABLE_FORMATTERS 0
#include <toml++/toml.h>

#include "lib/crypto/key_file.hpp"
#include "lib/totem/node.hpp"
#include "lib/wire/limits.hpp"

namespace ringcast::app {

namespace {

constexpr std::size_t config_file_size_max = 1u << 20;
// Longest timer a config may ask for; longer ones are typos (and would overflow ns arithmetic).
constexpr double millis_max = 600'000.0;

[[noreturn]] void fail_file(const std::string& file, const std::string& why) {
    throw config_error(file + ": " + why);
}

std::string read_config_text(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail_file(path, fmt::format("cannot open: {}", std::strerror(errno)));
    }
    struct stat st {};
    std::string text;
    std::string why;
    if (::fstat(fd, &st) != 0) {
        why = fmt::format("cannot stat: {}", std::strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        why = "not a regular file";
    } else if (static_cast<std::size_t>(st.st_size) > config_file_size_max) {
        why =
            fmt::format("{} bytes; a config file is at most {}", st.st_size, config_file_size_max);
    } else {
        text.resize(static_cast<std::size_t>(st.st_size));
        std::size_t got = 0;
        while (got < text.size()) {
            const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                why = n < 0 ? fmt::format("read: {}", std::strerror(errno)) : "short read";
                break;
            }
            got += static_cast<std::size_t>(n);
        }
    }
    ::close(fd);
    if (!why.empty()) {
        fail_file(path, why);
    }
    return text;
}

const char* type_name(toml::node_type t) noexcept {
    switch (t) {
    case toml::node_type::table:
        return "a table";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

std::uint32_t line_of(const toml::node& n) noexcept {
    return static_cast<std::uint32_t>(n.source().begin.line);
}

std::string join_keys(std::initializer_list<std::string_view> keys) {
    std::string out;
    for (const std::string_view k : keys) {
        out += out.empty() ? "" : ", ";
        out += k;
    }
    return out;
}

// One table of the file: refuses unknown keys up front, then reads typed values, recording the
// line of each in origins.
class section {
public:
    section(const std::string& file, config_origins& origins, std::string name,
            const toml::table& table, std::initializer_list<std::string_view> allowed)
        : file_(file), origins_(origins), name_(std::move(name)), table_(table) {
        for (auto&& [key, value] : table) {
            if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
                origins_.set_line(label(key.str()), line_of(value));
                fail(key.str(), fmt::format("unknown key (known: {})", join_keys(allowed)));
            }
        }
    }

    [[nodiscard]] std::string label(std::string_view key) const {
        return fmt::format("{}.{}", name_, key);
    }

    [[noreturn]] void fail(std::string_view key, const std::string& why) const {
        throw config_error(origins_.describe(file_, label(key)) + ": " + why);
    }

    bool string(std::string_view key, std::string& out) const {
        const toml::node* n = find(key, toml::node_type::string);
        if (n == nullptr) {
            return false;
        }
        const std::string& s = n->as_string()->get();
        check_text(key, s);
        out = s;
        return true;
    }

    bool boolean(std::string_view key, bool& out) const {
        const toml::node* n = find(key, toml::node_type::boolean);
        if (n != nullptr) {
            out = n->as_boolean()->get();
        }
        return n != nullptr;
    }

    /** An integer that fits T (range checks beyond that are validate_config's). */
    template <typename T> bool integer(std::string_view key, T& out) const {
        const toml::node* n = find(key, toml::node_type::integer);
        if (n == nullptr) {
            return false;
        }
        const std::int64_t v = n->as_integer()->get();
        if (v < 0 || static_cast<std::uint64_t>(v) > std::numeric_limits<T>::max()) {
            fail(key, fmt::format("{} out of range 0..{}", v, std::numeric_limits<T>::max()));
        }
        out = static_cast<T>(v);
        return true;
    }

    /** Milliseconds (integer or float, fractions allowed) into nanoseconds. */
    bool millis(std::string_view key, mono_ns& out) const {
        const toml::node* n = table_.get(key);
        if (n == nullptr) {
            return false;
        }
        origins_.set_line(label(key), line_of(*n));
        double ms = 0;
        if (const auto* i = n->as_integer()) {
            ms = static_cast<double>(i->get());
        } else if (const auto* f = n->as_floating_point()) {
            ms = f->get();
        } else {
            fail(key,
                 fmt::format("expected milliseconds (a number), got {}", type_name(n->type())));
        }
        if (!std::isfinite(ms) || ms < 0 || ms > millis_max) {
            fail(key, fmt::format("{} ms out of range 0..{}", ms, millis_max));
        }
        out = static_cast<mono_ns>(std::llround(ms * 1e6));
        return true;
    }

    bool string_array(std::string_view key, std::vector<std::string>& out) const {
        const toml::node* n = find(key, toml::node_type::array);
        if (n == nullptr) {
            return false;
        }
        out.clear();
        std::size_t i = 0;
        for (const toml::node& item : *n->as_array()) {
            ++i;
            const auto* s = item.as_string();
            if (s == nullptr) {
                fail(key,
                     fmt::format("element {} is {}, expected a string", i, type_name(item.type())));
            }
            check_text(key, s->get());
            out.push_back(s->get());
        }
        return true;
    }

    /** An array of integers that each fit T. */
    template <typename T> bool integer_array(std::string_view key, std::vector<T>& out) const {
        const toml::node* n = find(key, toml::node_type::array);
        if (n == nullptr) {
            return false;
        }
        out.clear();
        std::size_t i = 0;
        for (const toml::node& item : *n->as_array()) {
            ++i;
            const auto* v = item.as_integer();
            if (v == nullptr) {
                fail(key, fmt::format("element {} is {}, expected an integer", i,
                                      type_name(item.type())));
            }
            if (v->get() < 0 || static_cast<std::uint64_t>(v->get()) > std::numeric_limits<T>::max()) {
                fail(key, fmt::format("element {} ({}) out of range 0..{}", i, v->get(),
                                      std::numeric_limits<T>::max()));
            }
            out.push_back(static_cast<T>(v->get()));
        }
        return true;
    }

private:
    // The value of key if present, after checking its type; records its line.
    const toml::node* find(std::string_view key, toml::node_type want) const {
        const toml::node* n = table_.get(key);
        if (n == nullptr) {
            return nullptr;
        }
        origins_.set_line(label(key), line_of(*n));
        if (n->type() != want) {
            fail(key, fmt::format("expected {}, got {}", type_name(want), type_name(n->type())));
        }
        return n;
    }

    // Control characters (NUL included) have no business in names, paths or EAL arguments.
    void check_text(std::string_view key, const std::string& s) const {
        for (const char c : s) {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u == 0x7f) {
                fail(key, fmt::format("control character 0x{:02x} in string", u));
            }
        }
    }

    const std::string& file_;
    config_origins& origins_;
    std::string name_;
    const toml::table& table_;
};

// The table at top-level key, or nullptr; anything else there is a type error.
const toml::table* subtable(const std::string& file, config_origins& origins,
                            const toml::table& root, std::string_view key) {
    const toml::node* n = root.get(key);
    if (n == nullptr) {
        return nullptr;
    }
    const std::string label = fmt::format("[{}]", key);
    origins.set_line(label, line_of(*n));
    if (!n->is_table()) {
        throw config_error(fmt::format("{}: expected a table, got {}",
                                       origins.describe(file, label), type_name(n->type())));
    }
    return n->as_table();
}

void read_cluster(const section& s, daemon_config& cfg) {
    s.string("name", cfg.cluster_name);
    s.integer("id", cfg.cluster_id);
    s.string("key_file", cfg.key_file);
    s.string("state_dir", cfg.state_dir);
    s.integer("ethertype", cfg.ethertype);
    s.integer("mtu", cfg.mtu);
}

void read_dpdk(const section& s, daemon_config& cfg) {
    s.string("port", cfg.port);
    s.string("lcores", cfg.lcores);
    s.string("file_prefix", cfg.file_prefix);
    s.boolean("no_huge", cfg.no_huge);
    s.integer("memory_mb", cfg.memory_mb);
    std::string poll;
    if (s.string("poll", poll)) {
        if (poll == "busy") {
            cfg.poll = poll_mode::busy;
        } else if (poll == "adaptive") {
            cfg.poll = poll_mode::adaptive;
        } else {
            s.fail("poll", fmt::format("\"{}\": expected \"busy\" or \"adaptive\"", poll));
        }
    }
    s.string("log_level", cfg.log_level);
    s.string_array("eal_args", cfg.eal_args);
}

void read_totem(const section& s, totem::config& t) {
    s.millis("token_ms", t.token_timeout_ns);
    s.millis("token_retransmit_ms", t.token_retransmit_ns);
    s.millis("token_hold_ms", t.token_hold_ns);
    s.millis("join_ms", t.join_ns);
    s.millis("consensus_ms", t.consensus_ns);
    s.millis("merge_ms", t.merge_ns);
    s.integer("window_size", t.window_size);
    s.integer("max_messages", t.max_messages);
    s.integer("send_queue_max", t.send_queue_max);
    s.integer("window_capacity", t.window_capacity);
    s.integer("max_message_size", t.max_message_size);
    s.integer("seqno_unchanged_const", t.seqno_unchanged_const);
    s.integer("fail_to_recv_const", t.fail_to_recv_const);
    s.integer("rtr_gap_visits", t.rtr_gap_visits);
}

void read_clients(const section& s, clients_settings& c) {
    s.string("socket", c.socket);
    s.integer_array("allowed_uids", c.allowed_uids);
    s.integer_array("allowed_gids", c.allowed_gids);
    s.integer("submit_ring_bytes", c.submit_ring_bytes);
    s.integer("delivery_ring_bytes", c.delivery_ring_bytes);
    s.integer("max_message_size", c.max_message_size);
    s.integer("max_groups_per_client", c.max_groups_per_client);
    s.integer("max_clients", c.max_clients);
    std::string policy;
    if (s.string("slow_consumer", policy)) {
        if (policy == "block") {
            c.slow_consumer = slow_consumer_policy::block;
        } else if (policy == "disconnect") {
            c.slow_consumer = slow_consumer_policy::disconnect;
        } else {
            s.fail("slow_consumer",
                   fmt::format("\"{}\": expected \"block\" or \"disconnect\"", policy));
        }
    }
    s.integer("slow_consumer_bound_bytes", c.slow_consumer_bound_bytes);
    s.millis("slow_consumer_timeout_ms", c.slow_consumer_timeout_ns);
}

void read_nodes(const std::string& file, config_origins& origins, const toml::table& root,
                daemon_config& cfg) {
    const toml::node* n = root.get("nodes");
    if (n == nullptr) {
        return;
    }
    origins.set_line("[nodes]", line_of(*n));
    const toml::array* entries = n->as_array();
    if (entries == nullptr || !entries->is_array_of_tables()) {
        throw config_error(
            fmt::format("{}: expected an array of tables ([[nodes]] entries), got {}",
                        origins.describe(file, "[nodes]"),
                        entries ? "an array of other values" : type_name(n->type())));
    }
    std::size_t index = 0;
    for (const toml::node& entry : *entries) {
        ++index;
        const section s(file, origins, fmt::format("[nodes][{}]", index), *entry.as_table(),
                        {"id", "mac"});
        node_entry e;
        std::string mac;
        if (!s.integer("id", e.id)) {
            s.fail("id", "missing");
        }
        if (!s.string("mac", mac)) {
            s.fail("mac", "missing");
        }
        if (!parse_mac(mac, e.mac)) {
            s.fail("mac", fmt::format("\"{}\" is not a MAC address like 02:00:00:00:00:01", mac));
        }
        cfg.nodes.push_back(e);
    }
}

// ---- validation: ranges and relations over the merged settings ----

class checker {
public:
    checker(const daemon_config& cfg, const config_origins& origins)
        : cfg_(cfg), origins_(origins) {}

    [[noreturn]] void fail(const std::string& key, const std::string& why) const {
        throw config_error(origins_.describe(cfg_.source, key) + ": " + why);
    }
    void require(bool ok, const std::string& key, const std::string& why) const {
        if (!ok) {
            fail(key, why);
        }
    }

private:
    const daemon_config& cfg_;
    const config_origins& origins_;
};

bool name_chars_ok(const std::string& s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

// EAL -l syntax: "N", "N-M" (N <= M), comma-separated.
bool lcore_list_ok(const std::string& s) noexcept {
    constexpr unsigned lcore_id_max = 1023; // EAL reports its own RTE_MAX_LCORE bound
    std::size_t i = 0;
    const auto number = [&](unsigned& v) {
        const std::size_t start = i;
        v = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 5) {
            v = v * 10 + static_cast<unsigned>(s[i++] - '0');
        }
        return i > start && v <= lcore_id_max;
    };
    while (true) {
        unsigned lo = 0;
        unsigned hi = 0;
        if (!number(lo)) {
            return false;
        }
        if (i < s.size() && s[i] == '-') {
            ++i;
            if (!number(hi) || hi < lo) {
                return false;
            }
        }
        if (i == s.size()) {
            return true;
        }
        if (s[i++] != ',') {
            return false;
        }
    }
}

std::string ms_text(mono_ns ns) {
    return fmt::format("{} ms", static_cast<double>(ns) / 1e6);
}

void check_cluster(const checker& c, const daemon_config& cfg) {
    c.require(cfg.cluster_name.size() <= 64 && name_chars_ok(cfg.cluster_name), "[cluster].name",
              "at most 64 of A-Z a-z 0-9 _ - .");
    c.require(cfg.cluster_id != 0, "[cluster].id",
              "missing or 0 (a number 1..4294967295 shared by every node of the cluster)");
    c.require(!cfg.key_file.empty(), "[cluster].key_file",
              "missing (create one with: ringcast keygen PATH)");
    c.require(!cfg.state_dir.empty(), "[cluster].state_dir", "must not be empty");
    c.require(cfg.ethertype >= 0x0600, "[cluster].ethertype",
              fmt::format("0x{:04X} is a length, not an EtherType (use 0x0600..0xFFFF; "
                          "default 0x88B5)",
                          cfg.ethertype));
    for (const std::uint16_t taken : {0x0800, 0x0806, 0x86DD, 0x8100, 0x88A8, 0x8847, 0x88CC}) {
        c.require(cfg.ethertype != taken, "[cluster].ethertype",
                  fmt::format("0x{:04X} belongs to another protocol (default 0x88B5)", taken));
    }
    c.require(cfg.mtu >= 1280 && cfg.mtu <= 9202, "[cluster].mtu",
              fmt::format("{} out of range 1280..9202", cfg.mtu));
}

void check_nodes(const checker& c, const daemon_config& cfg) {
    c.require(cfg.self != node_id_none, "[node].id",
              "missing or 0 (this node's id, one of the [[nodes]] ids)");
    c.require(!cfg.nodes.empty(), "[nodes]", "missing (one [[nodes]] entry per cluster member)");
    c.require(cfg.nodes.size() <= wire::max_nodes, "[nodes]",
              fmt::format("{} nodes; a cluster has at most {}", cfg.nodes.size(), wire::max_nodes));
    for (std::size_t i = 0; i < cfg.nodes.size(); ++i) {
        const node_entry& e = cfg.nodes[i];
        const std::string at = fmt::format("[nodes][{}]", i + 1);
        c.require(e.id != node_id_none, at + ".id", "0 is not a node id (use 1..4294967295)");
        c.require((e.mac[0] & 0x01) == 0, at + ".mac",
                  fmt::format("{} is a multicast address; a node needs a unicast MAC",
                              format_mac(e.mac)));
        c.require(e.mac != wire::eth_addr{}, at + ".mac", "00:00:00:00:00:00 is not a NIC address");
        for (std::size_t j = 0; j < i; ++j) {
            c.require(cfg.nodes[j].id != e.id, at + ".id",
                      fmt::format("duplicate node id {} (also [nodes][{}])", e.id, j + 1));
            c.require(
                cfg.nodes[j].mac != e.mac, at + ".mac",
                fmt::format("duplicate MAC {} (also node {})", format_mac(e.mac), cfg.nodes[j].id));
        }
    }
    const bool listed = std::any_of(cfg.nodes.begin(), cfg.nodes.end(),
                                    [&](const node_entry& e) { return e.id == cfg.self; });
    c.require(listed, "[node].id", fmt::format("{} is not one of the [[nodes]] ids", cfg.self));
    // The commit token lists every member (Totem membership §4.4); it must fit one frame.
    const std::size_t commit_bytes = wire::header_size + wire::commit_fixed_size +
                                     cfg.nodes.size() * wire::commit_member_size + wire::tag_size;
    c.require(commit_bytes <= cfg.mtu, "[nodes]",
              fmt::format("{} nodes need [cluster].mtu >= {} (the commit token lists every member)",
                          cfg.nodes.size(), commit_bytes));
}

void check_dpdk(const checker& c, const daemon_config& cfg) {
    c.require(!cfg.port.empty(), "[dpdk].port",
              "missing (a PCI address like \"0000:3b:00.0\" or a vdev like "
              "\"net_af_packet0,iface=eth1\")");
    c.require(cfg.port.size() <= 256 && cfg.port.find(' ') == std::string::npos, "[dpdk].port",
              "at most 256 characters, no spaces");
    c.require(lcore_list_ok(cfg.lcores), "[dpdk].lcores",
              fmt::format("\"{}\": expected an EAL core list like \"2,3\" or \"0-3\"", cfg.lcores));
    c.require(cfg.file_prefix.size() <= 64 && name_chars_ok(cfg.file_prefix), "[dpdk].file_prefix",
              "at most 64 of A-Z a-z 0-9 _ - . (it names a directory under /var/run/dpdk)");
    c.require(cfg.file_prefix != "." && cfg.file_prefix != "..", "[dpdk].file_prefix",
              "must name a directory");
    c.require(cfg.memory_mb >= 64 && cfg.memory_mb <= (1u << 20), "[dpdk].memory_mb",
              fmt::format("{} out of range 64..1048576", cfg.memory_mb));
    constexpr std::string_view levels[] = {"emergency", "alert",  "critical", "error",
                                           "warning",   "notice", "info",     "debug"};
    c.require(
        std::find(std::begin(levels), std::end(levels), cfg.log_level) != std::end(levels),
        "[dpdk].log_level",
        fmt::format("\"{}\": expected one of error, warning, notice, info, debug", cfg.log_level));
    // The settings above become these EAL arguments; a second copy in eal_args would fight them.
    constexpr std::string_view owned[] = {"-l", "--lcores", "-c", "--file-prefix",
                                          "-m", "--no-huge"};
    for (std::size_t i = 0; i < cfg.eal_args.size(); ++i) {
        const std::string& a = cfg.eal_args[i];
        c.require(!a.empty(), "[dpdk].eal_args", fmt::format("element {} is empty", i + 1));
        const std::string_view name = std::string_view(a).substr(0, a.find('='));
        c.require(
            std::find(std::begin(owned), std::end(owned), name) == std::end(owned),
            "[dpdk].eal_args",
            fmt::format("\"{}\" is set by [dpdk] (lcores, file_prefix, memory_mb, no_huge)", a));
    }
}

void check_totem(const checker& c, const totem::config& t) {
    c.require(t.window_size > 0, "[totem].window_size", "must be positive");
    c.require(t.max_messages > 0 && t.max_messages <= t.window_size, "[totem].max_messages",
              fmt::format("{} out of range 1..window_size ({})", t.max_messages, t.window_size));
    c.require(t.send_queue_max > 0 && t.send_queue_max <= (1u << 20), "[totem].send_queue_max",
              fmt::format("{} out of range 1..1048576", t.send_queue_max));
    c.require(t.window_capacity >= 4ull * t.window_size && t.window_capacity <= (1u << 24),
              "[totem].window_capacity",
              fmt::format("{} out of range 4 x window_size ({})..16777216", t.window_capacity,
                          4ull * t.window_size));
    c.require(t.max_message_size > 0 && t.max_message_size <= (64u << 20),
              "[totem].max_message_size",
              fmt::format("{} out of range 1..67108864 (64 MiB)", t.max_message_size));
    c.require(t.fail_to_recv_const > 0, "[totem].fail_to_recv_const", "must be positive");
    c.require(t.token_retransmit_ns > 0, "[totem].token_retransmit_ms", "must be positive");
    c.require(t.token_timeout_ns > t.token_retransmit_ns, "[totem].token_ms",
              fmt::format("{} must exceed token_retransmit_ms ({})", ms_text(t.token_timeout_ns),
                          ms_text(t.token_retransmit_ns)));
    c.require(t.token_hold_ns < t.token_retransmit_ns, "[totem].token_hold_ms",
              fmt::format("{} must be less than token_retransmit_ms ({})", ms_text(t.token_hold_ns),
                          ms_text(t.token_retransmit_ns)));
    c.require(t.join_ns > 0, "[totem].join_ms", "must be positive");
    c.require(
        t.consensus_ns > t.join_ns, "[totem].consensus_ms",
        fmt::format("{} must exceed join_ms ({})", ms_text(t.consensus_ns), ms_text(t.join_ns)));
    c.require(t.merge_ns > 0, "[totem].merge_ms", "must be positive");
}

// Mirrors lib/shm's hub validate(), which the daemon runs again when it builds the hub.
void check_clients(const checker& c, daemon_config& cfg) {
    clients_settings& k = cfg.clients;
    if (k.socket.empty()) {
        k.socket = fmt::format("/run/ringcast/{}.sock",
                               cfg.file_prefix.empty() ? "ringcast" : cfg.file_prefix);
    }
    c.require(k.socket.size() <= 107 && k.socket.front() == '/', "[clients].socket",
              "an absolute path of at most 107 bytes");
    constexpr std::uint64_t group_header = 88; // the largest: lib/shm group_wire.hpp group_header_max
    const auto ring_ok = [](std::uint64_t b) {
        return b >= 4096 && b <= (1ull << 30) && (b & (b - 1)) == 0;
    };
    c.require(ring_ok(k.submit_ring_bytes), "[clients].submit_ring_bytes",
              fmt::format("{}: a power of two in 4096..1073741824", k.submit_ring_bytes));
    c.require(ring_ok(k.delivery_ring_bytes), "[clients].delivery_ring_bytes",
              fmt::format("{}: a power of two in 4096..1073741824", k.delivery_ring_bytes));
    c.require(k.max_message_size > 0 &&
                  k.max_message_size + group_header <= cfg.totem.max_message_size,
              "[clients].max_message_size",
              fmt::format("{} out of range 1..[totem].max_message_size - 88 ({})",
                          k.max_message_size, cfg.totem.max_message_size - group_header));
    const std::uint64_t record = (32 + group_header + k.max_message_size + 31) / 32 * 32;
    c.require(2 * record <= k.submit_ring_bytes, "[clients].submit_ring_bytes",
              fmt::format("{} holds fewer than two messages of max_message_size ({})",
                          k.submit_ring_bytes, k.max_message_size));
    c.require(2 * record <= k.delivery_ring_bytes, "[clients].delivery_ring_bytes",
              fmt::format("{} holds fewer than two messages of max_message_size ({})",
                          k.delivery_ring_bytes, k.max_message_size));
    c.require(k.max_clients >= 1 && k.max_clients <= 4096, "[clients].max_clients",
              fmt::format("{} out of range 1..4096", k.max_clients));
    c.require(k.max_groups_per_client >= 1 && k.max_groups_per_client <= 65536,
              "[clients].max_groups_per_client",
              fmt::format("{} out of range 1..65536", k.max_groups_per_client));
    c.require(k.slow_consumer != slow_consumer_policy::block ||
                  (k.slow_consumer_bound_bytes >= 2 * record &&
                   k.slow_consumer_bound_bytes <= (1ull << 30)),
              "[clients].slow_consumer_bound_bytes",
              fmt::format("{} out of range 2 messages ({})..1073741824",
                          k.slow_consumer_bound_bytes, 2 * record));
    c.require(k.slow_consumer_timeout_ns > 0, "[clients].slow_consumer_timeout_ms",
              "must be positive");
}

void check_key_file(const checker& c, const daemon_config& cfg) {
    crypto::secret_key key; // wiped when it goes out of scope
    const crypto::file_status st = crypto::load_key_file(cfg.key_file, key);
    // load_key_file's message starts with the path and says what to do (chmod 600, ...).
    c.require(st.ok(), "[cluster].key_file", st.error);
}

} // namespace

config_error::config_error(const std::string& what) : std::runtime_error([&] {
    std::string out;
    out.reserve(what.size());
    for (const char c : what) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            out += fmt::format("\\x{:02x}", u);
        } else {
            out += c;
        }
    }
    return out;
}()) {}

std::string config_origins::describe(const std::string& file, const std::string& key) const {
    if (const auto o = options_.find(key); o != options_.end()) {
        return fmt::format("{}: {} ({})", file, key, o->second);
    }
    if (const auto l = lines_.find(key); l != lines_.end() && l->second != 0) {
        return fmt::format("{}:{}: {}", file, l->second, key);
    }
    return fmt::format("{}: {}", file, key);
}

bool parse_mac(const std::string& text, wire::eth_addr& out) noexcept {
    if (text.size() != 17) {
        return false;
    }
    const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    };
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = hex(text[3 * i]);
        const int lo = hex(text[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && text[3 * i + 2] != ':')) {
            return false;
        }
        out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return true;
}

std::string format_mac(const wire::eth_addr& m) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4],
                       m[5]);
}

daemon_config parse_config_file(const std::string& path, config_origins& origins) {
    const std::string text = read_config_text(path);
    toml::table root;
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        const toml::source_region& at = e.source();
        throw config_error(
            fmt::format("{}:{}:{}: {}", path, at.begin.line, at.begin.column, e.description()));
    }

    daemon_config cfg;
    cfg.source = path;
    for (auto&& [key, value] : root) {
        const std::string_view k = key.str();
        if (k != "cluster" && k != "node" && k != "nodes" && k != "dpdk" && k != "totem" &&
            k != "clients") {
            const std::string label = fmt::format("[{}]", k);
            origins.set_line(label, line_of(value));
            throw config_error(fmt::format(
                "{}: unknown section (known: [cluster], [node], [[nodes]], [dpdk], [totem], "
                "[clients])",
                origins.describe(path, label)));
        }
    }
    if (const toml::table* t = subtable(path, origins, root, "cluster")) {
        read_cluster(section(path, origins, "[cluster]", *t,
                             {"name", "id", "key_file", "state_dir", "ethertype", "mtu"}),
                     cfg);
    }
    if (const toml::table* t = subtable(path, origins, root, "node")) {
        section(path, origins, "[node]", *t, {"id"}).integer("id", cfg.self);
    }
    read_nodes(path, origins, root, cfg);
    if (const toml::table* t = subtable(path, origins, root, "dpdk")) {
        read_dpdk(section(path, origins, "[dpdk]", *t,
                          {"port", "lcores", "file_prefix", "no_huge", "memory_mb", "poll",
                           "log_level", "eal_args"}),
                  cfg);
    }
    if (const toml::table* t = subtable(path, origins, root, "totem")) {
        read_totem(section(path, origins, "[totem]", *t,
                           {"token_ms", "token_retransmit_ms", "token_hold_ms", "join_ms",
                            "consensus_ms", "merge_ms", "window_size", "max_messages",
                            "send_queue_max", "window_capacity", "max_message_size",
                            "seqno_unchanged_const", "fail_to_recv_const", "rtr_gap_visits"}),
                   cfg.totem);
    }
    if (const toml::table* t = subtable(path, origins, root, "clients")) {
        read_clients(section(path, origins, "[clients]", *t,
                             {"socket", "allowed_uids", "allowed_gids", "submit_ring_bytes",
                              "delivery_ring_bytes", "max_message_size", "max_groups_per_client",
                              "max_clients", "slow_consumer", "slow_consumer_bound_bytes",
                              "slow_consumer_timeout_ms"}),
                     cfg.clients);
    }
    return cfg;
}

void validate_config(daemon_config& cfg, const config_origins& origins) {
    const checker c(cfg, origins);
    check_cluster(c, cfg);
    check_nodes(c, cfg);
    check_dpdk(c, cfg);

    cfg.member_ids.clear();
    for (const node_entry& e : cfg.nodes) {
        cfg.member_ids.push_back(e.id);
    }
    cfg.totem.self = cfg.self;
    cfg.totem.mtu = cfg.mtu;
    cfg.totem.members = cfg.member_ids;
    check_totem(c, cfg.totem);
    // The core's own rules are the final word; the checks above name the key for the common ones.
    if (const char* why = totem::node::validate(cfg.totem)) {
        c.fail("[totem]", why);
    }
    check_clients(c, cfg);
    check_key_file(c, cfg);
}

daemon_config load_config_file(const std::string& path) {
    config_origins origins;
    daemon_config cfg = parse_config_file(path, origins);
    validate_config(cfg, origins);
    return cfg;
}

} // namespace ringcast::app
