// The operations of the shm fuzz target and its oracle (ops.hpp).

#include "tests/fuzz/shm/ops.hpp"

#include <unistd.h>

#include <cstring>
#include <vector>

#include "lib/shm/group_sync.hpp"
#include "lib/shm/group_wire.hpp"
#include "lib/shm/layout.hpp"
#include "tests/fuzz/core/contract.hpp"

namespace ringcast::fuzz {

namespace {

constexpr std::uint32_t max_message = 1024;
constexpr const char* names[] = {"g", "alpha", "a-much-longer-group-name-0123456789"};

std::uint64_t wild(std::uint64_t near, byte_reader& r) {
    const std::uint8_t m = r.u8();
    switch (m % 6) {
    case 0: return near + shm::record_align * (m >> 3);
    case 1: return near - shm::record_align * (m >> 3);
    case 2: return near + (m >> 3);
    case 3: return r.u64();
    case 4: return near + 4096 - shm::record_align * (m >> 3);
    default: return near;
    }
}

} // namespace

bool hub_session::open(bool disconnect_policy) {
    socket_path_ = "/tmp/ringcast-fuzz-shm." + std::to_string(::getpid()) + ".sock";
    shm::hub_config cfg;
    cfg.self = self;
    cfg.socket_path = socket_path_;
    cfg.submit_ring_bytes = 4096;
    cfg.deliver_ring_bytes = 4096;
    cfg.max_message_size = max_message;
    cfg.max_groups_per_client = 2;
    cfg.max_clients = 2;
    cfg.group_members_max = 8;
    cfg.slow_consumer =
        disconnect_policy ? shm::slow_consumer_policy::disconnect : shm::slow_consumer_policy::block;
    cfg.slow_consumer_bound_bytes = 2 * shm::record_size(shm::group_header_max + max_message);
    cfg.slow_consumer_timeout_ns = 5'000'000;
    cfg.log = [](std::string_view) {};
    hub_ = std::make_unique<shm::client_hub>(cfg);
    if (!client_.connect(socket_path_)) {
        return false;
    }
    hub_->service_control(0);
    if (!client_.finish_handshake() || client_.daemon_view() == nullptr) {
        return false;
    }
    // The lcore adopts the published slot on its first poll.
    (void)hub_->poll_submissions(now_, [](auto&&...) { return totem::submit_result::would_block; });
    return true;
}

void hub_session::step(byte_reader& r) {
    switch (r.u8() % 12) {
    case 0: write_raw(r); break;
    case 1:
    case 2: write_record(r); break;
    case 3: move_head(r); break;
    case 4:
    case 5: poll(r); break;
    case 6: release(1 + r.u8() % 8, (r.u8() & 1) != 0); break;
    case 7: deliver_remote(r); break;
    case 8: move_deliver_tail(r); break;
    case 9: configuration(r); break;
    case 10:
        if (r.u8() % 4 == 0) {
            client_.hang_up();
        }
        hub_->service_control(0);
        break;
    default: now_ += std::uint64_t{r.u8()} * 100'000; break;
    }
}

void hub_session::write_raw(byte_reader& r) {
    const std::uint64_t cap = client_.region().submit->capacity;
    const std::size_t at = r.u16() % cap;
    const std::size_t n = std::min<std::size_t>(1 + r.u8() % 64, cap - at);
    (void)r.bytes(client_.region().submit_data + at, n);
}

// A record as libringcast would write it, then (maybe) one thing wrong with it.
void hub_session::write_record(byte_reader& r) {
    const std::uint8_t shape = r.u8();
    const std::uint8_t harm = r.u8();
    const std::uint32_t data_len = r.u16() % (max_message + 16);
    shm::group_header h;
    h.kind = static_cast<shm::group_msg_kind>(1 + shape % 3);
    h.sender = shm::member{self, client_.pid(), client_.id()};
    h.name = names[(shape >> 2) % 3];
    if (h.kind == shm::group_msg_kind::leave && (shape & 0x20) != 0) {
        h.name = {};
    }
    const std::size_t header = shm::group_header_size(h.name.size());
    const std::uint32_t length = static_cast<std::uint32_t>(header) + data_len;
    const shm::claim_result c = client_.producer().claim(length);
    if (c.err != shm::errc::ok) {
        return;
    }
    (void)shm::encode_group_header(c.payload, h);
    for (std::uint32_t k = 0; k < data_len; ++k) {
        c.payload[header + k] = static_cast<std::byte>(k);
    }
    shm::record_meta meta;
    meta.seq = seq_;
    meta.flags = (shape & 0x40) != 0 ? shm::record_flag_safe : 0;
    if ((harm & 1) != 0) {
        // Overwrite one byte of the group header (magic, kind, sender, name, reserved...).
        c.payload[((harm >> 1) & 0x7F) % header] ^= static_cast<std::byte>(r.u8() | 1);
    }
    if ((harm & 0x80) != 0) {
        meta.kind = static_cast<shm::record_kind>(harm & 3);
        meta.flags = static_cast<std::uint16_t>(r.u8());
    }
    (void)client_.producer().commit(meta);
}

void hub_session::move_head(byte_reader& r) {
    auto& head = client_.region().submit->head;
    head.store(wild(head.load(), r));
}

void hub_session::move_deliver_tail(byte_reader& r) {
    shm::ring_header* d = client_.region().deliver;
    const std::uint8_t b = r.u8();
    if ((b & 1) != 0) {
        d->tail.store(wild(d->head.load(), r));
    } else {
        d->tail.store(wild(d->tail.load(), r));
    }
    d->producer_waiting.store((b >> 1) & 1);
    d->consumer_waiting.store((b >> 2) & 1);
    client_.region().submit->producer_waiting.store((b >> 3) & 1);
}

void hub_session::poll(byte_reader& r) {
    verdicts_ = r.u8();
    const std::size_t budget = 1 + r.u8() % 16;
    now_ += 1000;
    (void)hub_->poll_submissions(
        now_,
        [this](const shm::hub_client& who, wire::service svc, std::span<const std::byte> p,
               totem::payload_ref ref) { return accept(who, svc, p, ref); },
        budget);
}

totem::submit_result hub_session::accept(const shm::hub_client& who, wire::service svc,
                                         std::span<const std::byte> payload,
                                         totem::payload_ref ref) {
    FUZZ_REQUIRE(shm::client_hub::owns(ref), "a submission with a ref the hub does not own");
    FUZZ_REQUIRE(payload.size() >= shm::group_header_fixed &&
                     payload.size() <= shm::group_header_max + max_message,
                 "a submission of %zu bytes", payload.size());
    std::byte copy[shm::group_header_max];
    const std::size_t n = std::min(payload.size(), sizeof copy);
    std::memcpy(copy, payload.data(), n);
    shm::group_header h;
    FUZZ_REQUIRE(shm::parse_group_header(std::span<const std::byte>(copy, n), h) == shm::errc::ok,
                 "a submission whose group header does not parse");
    FUZZ_REQUIRE(payload.size() - h.size <= max_message,
                 "a submission of %zu data bytes", payload.size() - h.size);
    if (who.id == 0) {
        check_sync_report(h, payload);
        held_.push_back({ref, svc, payload});
        return totem::submit_result::ok;
    }
    FUZZ_REQUIRE(who.id == client_.id() && who.pid == client_.pid(),
                 "a submission attributed to client %u, not %u", who.id, client_.id());
    FUZZ_REQUIRE(h.sender == (shm::member{self, client_.pid(), client_.id()}),
                 "a submission naming another sender");
    const std::byte* data = client_.daemon_view() +
                            (client_.region().submit_data -
                             reinterpret_cast<const std::byte*>(client_.region().header));
    const std::uint64_t cap = client_.region().submit->capacity;
    const bool in_ring = payload.data() >= data && payload.data() + payload.size() <= data + cap;
    if (!in_ring) {
        // The one record the hub writes for a client: the leave of a client it dropped.
        FUZZ_REQUIRE(h.kind == shm::group_msg_kind::leave &&
                         h.flags == shm::group_flag_client_gone && h.name.empty() &&
                         payload.size() == shm::group_header_size(0),
                     "a submission from outside the client's ring that is not its leave");
    } else {
        FUZZ_REQUIRE(payload.data() - data >= static_cast<std::ptrdiff_t>(sizeof(shm::record_header)),
                     "a payload without room for its record header");
        shm::record_header rh;
        std::memcpy(&rh, payload.data() - sizeof rh, sizeof rh);
        FUZZ_REQUIRE(rh.kind == static_cast<std::uint16_t>(shm::record_kind::message) &&
                         rh.length == payload.size() &&
                         rh.check == shm::record_check(rh.length, rh.kind) && rh.reserved == 0 &&
                         (rh.flags & ~shm::record_flag_safe) == 0,
                     "a submission whose record header is not a well-formed message");
        FUZZ_REQUIRE((svc == wire::service::safe) == ((rh.flags & shm::record_flag_safe) != 0),
                     "a submission's service differs from its record flags");
        FUZZ_REQUIRE(h.flags == 0 && !(h.kind == shm::group_msg_kind::leave && h.name.empty()) &&
                         h.kind != shm::group_msg_kind::sync,
                     "a client's own record with daemon-only flags, kind or a leave-all");
    }
    const std::uint8_t v = verdicts_ & 3;
    verdicts_ = static_cast<std::uint8_t>(verdicts_ >> 2 | v << 6);
    if (v == 2) {
        return totem::submit_result::would_block;
    }
    if (v == 3 && (verdicts_ & 0x30) == 0x30) {
        return totem::submit_result::too_large;
    }
    held_.push_back({ref, svc, payload});
    return totem::submit_result::ok;
}

// The daemon's own state-sync report (no client): it must name this node and parse, whatever
// groups the client made it join.
void hub_session::check_sync_report(const shm::group_header& h,
                                    std::span<const std::byte> payload) {
    FUZZ_REQUIRE(h.kind == shm::group_msg_kind::sync && h.sender == (shm::member{self, 0, 0}) &&
                     h.name.empty() && (h.flags & ~shm::group_flag_sync_last) == 0,
                 "a submission without a client that is not this node's sync report");
    ring_id ring;
    std::vector<shm::sync_entry> entries;
    entries.reserve(shm::sync_payload_max); // parse_sync_body never grows it
    FUZZ_REQUIRE(shm::parse_sync_body(payload.subspan(h.size), ring, entries),
                 "this node's own sync report does not parse");
    for (const shm::sync_entry& e : entries) {
        FUZZ_REQUIRE(shm::group_name_ok(e.name), "a sync report entry with a bad group name");
    }
}

// The core hands refs back in submission order; with loopback, each message is first delivered
// to this node as the total order would (the bytes as they are now: the client may have
// rewritten them since, which the hub must survive).
void hub_session::release(std::size_t n, bool loopback) {
    for (; n != 0 && !held_.empty(); --n) {
        const held h = held_.front();
        held_.pop_front();
        if (loopback) {
            hub_->deliver(self, h.svc, ++seq_, h.payload);
        }
        hub_->release(h.ref);
    }
}

void hub_session::deliver_remote(byte_reader& r) {
    const std::uint8_t b = r.u8();
    std::byte msg[shm::group_header_max + 64] = {};
    shm::group_header h;
    h.kind = static_cast<shm::group_msg_kind>(1 + b % 3);
    h.flags = (b & 0x80) != 0 ? shm::group_flag_client_gone : 0;
    const node_id origin = 1 + (b >> 2) % 3;
    h.sender = shm::member{origin, r.u8(), (b & 0x40) != 0 ? client_.id() : r.u8()};
    h.name = names[(b >> 4) % 3];
    if (h.kind == shm::group_msg_kind::leave && (b & 0x20) != 0) {
        h.name = {};
    }
    const std::size_t header = shm::encode_group_header(msg, h);
    const std::size_t extra = r.bytes(msg + header, r.u8() % 65);
    if ((b & 2) != 0) {
        msg[r.u8() % header] ^= std::byte{0x10};
    }
    hub_->deliver(origin, (b & 1) != 0 ? wire::service::safe : wire::service::agreed, ++seq_,
                  std::span<const std::byte>(msg, header + extra));
}

void hub_session::configuration(byte_reader& r) {
    const std::uint8_t b = r.u8();
    totem::configuration conf;
    for (node_id id = 1; id <= 3; ++id) {
        if (id == self || (b & (1u << id)) != 0) {
            conf.members.push(id);
        }
    }
    hub_->on_configuration(conf, (b & 1) != 0);
}

void hub_session::close() {
    client_.hang_up();
    for (int k = 0; k < 1000 && hub_->client_count() != 0; ++k) {
        hub_->service_control(0);
        verdicts_ = 0;
        now_ += 10'000'000; // past the slow-consumer timeout
        (void)hub_->poll_submissions(
            now_,
            [this](const shm::hub_client& who, wire::service svc, std::span<const std::byte> p,
                   totem::payload_ref ref) { return accept(who, svc, p, ref); },
            1024);
        release(held_.size(), false);
    }
    FUZZ_REQUIRE(hub_->client_count() == 0, "a hung-up client's slot was never reclaimed");
    hub_.reset();
}

} // namespace ringcast::fuzz
