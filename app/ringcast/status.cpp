// `ringcast status | members | generate`: telemetry requests and their rendering.

#include "app/ringcast/status.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <vector>

namespace ringcast::app {

namespace {

using json = nlohmann::ordered_json;

std::string scalar_text(const json& v) {
    if (v.is_string()) {
        return v.get<std::string>();
    }
    if (v.is_array()) {
        std::string out;
        for (const json& item : v) {
            out += out.empty() ? "" : " ";
            out += scalar_text(item);
        }
        return out.empty() ? "-" : out;
    }
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

void append_rows(std::string& out, const std::vector<std::pair<std::string, const json*>>& rows,
                 int indent) {
    std::size_t width = 0;
    for (const auto& [key, value] : rows) {
        width = std::max(width, key.size());
    }
    for (const auto& [key, value] : rows) {
        if (value->is_object()) {
            out += fmt::format("{:{}}{}\n", "", indent, key);
            std::vector<std::pair<std::string, const json*>> inner;
            for (const auto& [k, v] : value->items()) {
                inner.emplace_back(k, &v);
            }
            if (inner.empty()) {
                out += fmt::format("{:{}}-\n", "", indent + 2);
            }
            append_rows(out, inner, indent + 2);
        } else {
            out += fmt::format("{:{}}{:<{}}  {}\n", "", indent, key, width, scalar_text(*value));
        }
    }
}

// /ringcast/members: one row per node, marking ring membership and this node. With the optional
// "nodes" dict (id -> MAC of every configured node) the table also lists nodes not in the ring.
std::string format_members(const json& v) {
    if (!v.is_object() || !v.contains("members") || !v["members"].is_array()) {
        return format_table(v);
    }
    const json& members = v["members"];
    const json self = v.value("node_id", json());
    const std::string state =
        v.contains("state") ? fmt::format(" ({})", scalar_text(v["state"])) : std::string();
    std::string out =
        fmt::format("ring {}{}: {} member{}\n", scalar_text(v.value("ring_id", json("?"))), state,
                    members.size(), members.size() == 1 ? "" : "s");
    const auto in_ring = [&](const std::string& id) {
        return std::any_of(members.begin(), members.end(),
                           [&](const json& m) { return scalar_text(m) == id; });
    };
    const bool have_macs = v.contains("nodes") && v["nodes"].is_object();
    std::vector<std::pair<std::string, std::string>> rows; // id, mac
    if (have_macs) {
        for (const auto& [id, mac] : v["nodes"].items()) {
            rows.emplace_back(id, scalar_text(mac));
        }
    } else {
        for (const json& m : members) {
            rows.emplace_back(scalar_text(m), "");
        }
    }
    out += have_macs ? fmt::format("{:>10}  {:<17}  STATUS\n", "ID", "MAC")
                     : fmt::format("{:>10}  STATUS\n", "ID");
    for (const auto& [id, mac] : rows) {
        const bool is_self = !self.is_null() && scalar_text(self) == id;
        const std::string status =
            fmt::format("{}{}", in_ring(id) ? "member" : "not in ring", is_self ? " (self)" : "");
        out += have_macs ? fmt::format("{:>10}  {:<17}  {}\n", id, mac, status)
                         : fmt::format("{:>10}  {}\n", id, status);
    }
    return out;
}

} // namespace

std::string default_file_prefix() {
    const char* env = std::getenv("RINGCAST_FILE_PREFIX");
    return env != nullptr && *env != '\0' ? std::string(env) : std::string("rte");
}

std::string resolve_socket_path(const daemon_target& target) {
    if (!target.telemetry_path.empty()) {
        return target.telemetry_path;
    }
    return telemetry_socket_path(target.file_prefix.empty() ? default_file_prefix()
                                                            : target.file_prefix);
}

std::string generate_start_command(const generate_options& opts) {
    if (opts.size == 0 || opts.size > (64u << 20)) {
        throw telemetry_error(fmt::format("--size {}: must be 1..67108864 bytes", opts.size));
    }
    std::uint64_t rate = 0;
    if (opts.rate != "max") {
        const char* end = opts.rate.data() + opts.rate.size();
        const auto [ptr, ec] = std::from_chars(opts.rate.data(), end, rate);
        if (ec != std::errc() || ptr != end || rate == 0) {
            throw telemetry_error(fmt::format(
                "--rate {}: expected \"max\" or messages per second (a positive integer)",
                opts.rate));
        }
    }
    return fmt::format("/ringcast/generate,start,{},{},{}", opts.size, rate, opts.count);
}

std::string format_table(const json& value, std::initializer_list<std::string_view> first_keys) {
    if (!value.is_object()) {
        return scalar_text(value) + "\n";
    }
    std::vector<std::pair<std::string, const json*>> rows;
    for (const std::string_view k : first_keys) {
        if (const auto it = value.find(std::string(k)); it != value.end()) {
            rows.emplace_back(std::string(k), &*it);
        }
    }
    for (const auto& [k, v] : value.items()) {
        if (std::find(first_keys.begin(), first_keys.end(), k) == first_keys.end()) {
            rows.emplace_back(k, &v);
        }
    }
    std::string out;
    append_rows(out, rows, 0);
    return out;
}

std::string run_query(telemetry_client& client, const std::string& command, bool json_out) {
    const json value = client.query(command);
    if (value.is_object() && value.contains("error") && value["error"].is_string()) {
        throw telemetry_error("ringcastd: " + value["error"].get<std::string>());
    }
    if (json_out) {
        // replace: a daemon string that is not UTF-8 must not make the CLI throw
        return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    }
    if (command == "/ringcast/members") {
        return format_members(value);
    }
    if (command == "/ringcast/status") {
        return format_table(value, {"node_id", "state", "ring_id", "members", "delivered", "digest",
                                    "ring_changes", "drops"});
    }
    return format_table(value);
}

} // namespace ringcast::app
