// evs_check: hands the logs of real clients (tests/cluster/logclient.c, one file per client
// incarnation, one client per node) to the simulator's checker (tests/sim/checker).
//
//   evs_check --nodes 1,2,3 [--clean-since NS --bound-ms MS] [--no-complete] LOG...
//
// Log lines (CLOCK_MONOTONIC ns; one client per node at a time):
//   A t node inc client pid                 the client started (incarnation inc of its node)
//   C t R|T attach rep seq m1,m2,..         a daemon configuration (attach 1: the one it found)
//   S t index len                           it submitted its message #index (agreed)
//   D t node inc index len hash svc seq     it delivered message #index of (node, inc); seq is the
//                                           ring seq of the frame that ended it
//   V t reason members                      a group view (not judged)
//   E t exit | E t gone why                 it stopped / its daemon went away
//
// What the client level cannot show, and so is not judged: which frames carried a message and
// who received them (the checker's safe rule; only agreed messages are sent), and the ring a
// message was ordered on (taken as the ring of the last regular configuration before it, which
// is what EVS says it must be: the checker then judges (1) across nodes, not against the wire).
// A daemon that dies or leaves ends its client: the log's end is the node's crash.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/sim/checker/checker.hpp"

extern "C" {
#include "tests/cluster/payload.h"
}

using namespace ringcast;

namespace {

struct event {
    mono_ns t = 0;
    std::uint32_t file = 0;
    std::uint32_t line = 0;
    char type = 0;
    // S: a = index, len. D: a = origin node, b = origin inc, c = index, len, hash, svc, seq.
    // C: kind 'R'/'T', attach, ring, members. E: gone.
    std::uint32_t a = 0, b = 0, c = 0;
    std::uint64_t len = 0, hash = 0, seq = 0;
    int svc = 0;
    char kind = 0;
    bool attach = false;
    ring_id ring;
    std::vector<node_id> members;
    bool gone = false;
};

struct log_file {
    std::string path;
    node_id node = 0;
    std::uint32_t inc = 0;
    mono_ns start = 0;
    bool ended = false;
};

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "evs_check: %s\n", what.c_str());
    std::exit(2);
}

std::vector<node_id> parse_ids(const std::string& s) {
    std::vector<node_id> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (!item.empty()) {
            out.push_back(static_cast<node_id>(std::stoul(item)));
        }
    }
    return out;
}

void read_log(std::uint32_t f, log_file& lf, std::vector<event>& out) {
    std::ifstream in(lf.path);
    if (!in) {
        die("cannot read " + lf.path);
    }
    std::string line;
    std::uint32_t no = 0;
    while (std::getline(in, line)) {
        ++no;
        std::istringstream ls(line);
        event e;
        e.file = f;
        e.line = no;
        ls >> e.type >> e.t;
        bool ok = !ls.fail();
        switch (e.type) {
        case 'A':
            ls >> lf.node >> lf.inc;
            lf.start = e.t;
            break;
        case 'C': {
            int attach = 0;
            std::string members;
            ls >> e.kind >> attach >> e.ring.rep >> e.ring.seq >> members;
            e.attach = attach != 0;
            e.members = parse_ids(members);
            break;
        }
        case 'S':
            ls >> e.a >> e.len;
            break;
        case 'D':
            ls >> e.a >> e.b >> e.c >> e.len >> std::hex >> e.hash >> std::dec >> e.svc >> e.seq;
            break;
        case 'E': {
            std::string how;
            ls >> how;
            e.gone = how != "exit";
            lf.ended = true;
            break;
        }
        case 'V':
            continue;
        default:
            ok = false;
        }
        if (!ok || ls.fail()) {
            if (in.peek() == EOF) {
                break; // a last line cut short
            }
            die(lf.path + ":" + std::to_string(no) + ": cannot parse '" + line + "'");
        }
        out.push_back(std::move(e));
    }
    if (lf.node == 0) {
        die(lf.path + ": no start line");
    }
}

struct frame_key {
    node_id rep;
    std::uint64_t ring_seq;
    std::uint64_t seq;
    auto operator<=>(const frame_key&) const = default;
};
struct frame_span {
    node_id origin = 0;
    std::uint64_t first = ~std::uint64_t{0};
    std::uint64_t last = 0;
    bool sent = false;
};
using msg_key = std::tuple<node_id, std::uint32_t, std::uint32_t>; // node, inc, index

} // namespace

int main(int argc, char** argv) {
    std::vector<node_id> nodes;
    check::finish_options fin;
    fin.expect_complete = true;
    std::uint64_t bound_ms = 0;
    std::vector<log_file> files;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--nodes" && i + 1 < argc) {
            nodes = parse_ids(argv[++i]);
        } else if (a == "--clean-since" && i + 1 < argc) {
            fin.clean_since = std::stoull(argv[++i]);
        } else if (a == "--bound-ms" && i + 1 < argc) {
            bound_ms = std::stoull(argv[++i]);
        } else if (a == "--no-complete") {
            fin.expect_complete = false;
        } else if (a.starts_with("--")) {
            die("unknown option " + a);
        } else {
            files.push_back({a});
        }
    }
    if (nodes.empty() || files.empty()) {
        die("usage: evs_check --nodes 1,2,3 [--clean-since NS --bound-ms MS] [--no-complete] LOG...");
    }
    fin.liveness_bound_ns = bound_ms * 1'000'000;

    std::vector<event> events;
    for (std::uint32_t f = 0; f < files.size(); ++f) {
        read_log(f, files[f], events);
    }
    // Every file's events stay in file order; across files, time decides (one machine, one clock).
    std::stable_sort(events.begin(), events.end(), [](const event& x, const event& y) {
        return std::tie(x.t, x.file, x.line) < std::tie(y.t, y.file, y.line);
    });

    // Checker indices are dense per node across its incarnations, in submission order.
    std::map<msg_key, std::uint64_t> index_of;
    std::map<node_id, std::uint64_t> next_index;
    for (const event& e : events) {
        if (e.type == 'S') {
            const log_file& lf = files[e.file];
            index_of[{lf.node, lf.inc, e.a}] = next_index[lf.node]++;
        }
    }
    // Frames, rebuilt from what the deliveries name: the ring a message was delivered under and
    // the seq of the frame that ended it.
    std::map<frame_key, frame_span> frames;
    std::vector<ring_id> ring_at(events.size());
    {
        std::vector<ring_id> ring(files.size());
        std::vector<bool> regular_seen(files.size());
        for (std::size_t k = 0; k < events.size(); ++k) {
            const event& e = events[k];
            if (e.type == 'C' && e.kind == 'R') {
                ring[e.file] = e.ring;
                regular_seen[e.file] = true;
            } else if (e.type == 'C' && e.attach) {
                die(files[e.file].path + ": attached during a transitional configuration");
            } else if (e.type == 'D') {
                if (!regular_seen[e.file]) {
                    die(files[e.file].path + ":" + std::to_string(e.line) +
                        ": a delivery before any configuration");
                }
                ring_at[k] = ring[e.file];
                const auto it = index_of.find({e.a, e.b, e.c});
                if (it == index_of.end()) {
                    continue;
                }
                frame_span& fs = frames[{ring_at[k].rep, ring_at[k].seq, e.seq}];
                if (fs.origin == 0) {
                    fs.origin = e.a;
                }
                if (fs.origin == e.a) {
                    fs.first = std::min(fs.first, it->second);
                    fs.last = std::max(fs.last, it->second);
                }
            }
        }
    }

    check::checker chk(check::checker_options{nodes, 20});
    std::map<node_id, std::uint32_t> incarnations;
    std::map<node_id, bool> up;
    std::vector<unsigned char> buf(PAYLOAD_MAX + 1);
    std::uint64_t deliveries = 0, submissions = 0, configs = 0, mismatched = 0;
    mono_ns end = 0;
    for (std::size_t k = 0; k < events.size(); ++k) {
        const event& e = events[k];
        const log_file& lf = files[e.file];
        end = std::max(end, e.t);
        switch (e.type) {
        case 'A':
            if (incarnations[lf.node]++ != 0) {
                if (up[lf.node]) {
                    chk.on_crash(e.t, lf.node); // the earlier client ended without a word
                }
                chk.on_restart(e.t, lf.node);
            }
            up[lf.node] = true;
            break;
        case 'C': {
            const auto kind = e.kind == 'R' ? check::config_kind::regular
                                            : check::config_kind::transitional;
            ++configs;
            // A first-generation client started before any load: it saw its ring from the start.
            if (e.attach && incarnations[lf.node] > 1) {
                chk.on_attach(e.t, lf.node, kind, e.ring, e.members);
            } else {
                chk.on_config(e.t, lf.node, kind, e.ring, e.members);
            }
            break;
        }
        case 'S': {
            payload_fill(buf.data(), e.len, lf.node, lf.inc, e.a);
            chk.on_submit(e.t, lf.node, index_of.at({lf.node, lf.inc, e.a}),
                          wire::service::agreed,
                          std::as_bytes(std::span(buf.data(), e.len)));
            ++submissions;
            break;
        }
        case 'D': {
            ++deliveries;
            const ring_id ring = ring_at[k];
            const auto it = index_of.find({e.a, e.b, e.c});
            if (it != index_of.end()) {
                frame_span& fs = frames[{ring.rep, ring.seq, e.seq}];
                if (!fs.sent && fs.origin == e.a) {
                    chk.on_frame_sent(e.t, fs.origin, ring, e.seq, fs.first, fs.last);
                    fs.sent = true;
                }
            }
            // The bytes its id names; a hash that differs means they arrived changed.
            std::size_t len = std::min<std::uint64_t>(e.len, PAYLOAD_MAX);
            if (len >= PAYLOAD_MIN) {
                payload_fill(buf.data(), len, e.a, e.b, e.c);
            } else {
                std::fill_n(buf.data(), len, 0xEE);
            }
            if (payload_hash(buf.data(), len) != e.hash) {
                buf[len] = 0xEE; // an extra byte: no submission has these bytes
                ++len;
                ++mismatched;
            }
            const std::span<const std::byte> piece = std::as_bytes(std::span(buf.data(), len));
            chk.on_deliver(e.t, lf.node, e.a,
                           e.svc == 1 ? wire::service::safe : wire::service::agreed, ring, e.seq,
                           std::span<const std::span<const std::byte>>(&piece, 1));
            break;
        }
        case 'E':
            if (e.gone) {
                chk.on_crash(e.t, lf.node);
                up[lf.node] = false;
            }
            break;
        default:
            break;
        }
    }
    for (const log_file& lf : files) {
        if (!lf.ended) {
            std::fprintf(stderr, "evs_check: note: %s has no end line (cut short)\n",
                         lf.path.c_str());
        }
    }
    fin.end = end;
    chk.finish(fin);
    std::printf("evs_check: %zu logs, %llu submissions, %llu deliveries, %llu configurations, "
                "%llu changed payloads: %s\n",
                files.size(), static_cast<unsigned long long>(submissions),
                static_cast<unsigned long long>(deliveries),
                static_cast<unsigned long long>(configs),
                static_cast<unsigned long long>(mismatched), chk.summary().c_str());
    return chk.ok() ? 0 : 1;
}
