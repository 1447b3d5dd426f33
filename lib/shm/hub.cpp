// client_hub, lcore side: adopt published clients, validate and hand over submissions, release
// refs in FIFO order, fan deliveries out to local group members, retire dropped clients.
// Nothing here blocks, locks or logs; the only syscall is an eventfd write to a client that set
// its waiting flag, at most once per client per poll (a client that keeps the flag set cannot
// make the lcore do more than that).

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "lib/common/assert.hpp"
#include "lib/shm/hub.hpp"
#include "lib/shm/hub_slot.hpp"

namespace ringcast::shm {

namespace {

std::uint64_t total_length(std::span<const totem::segment> segs) noexcept {
    std::uint64_t n = 0;
    for (const totem::segment& s : segs) {
        n += s.len;
    }
    return n;
}

void gather(std::byte* dst, std::span<const totem::segment> segs, std::size_t n) noexcept {
    for (const totem::segment& s : segs) {
        if (n == 0) {
            break;
        }
        const std::size_t k = std::min<std::size_t>(n, s.len);
        std::memcpy(dst, s.data, k);
        dst += k;
        n -= k;
    }
}

void signal(int fd) noexcept {
    const std::uint64_t one = 1;
    // EAGAIN means the counter is already huge: the client is awake anyway.
    [[maybe_unused]] const ssize_t n = ::write(fd, &one, sizeof one);
}

} // namespace

std::uint16_t client_hub::slot_of_lcore(std::uint32_t client) const noexcept {
    const std::uint32_t s = client & 0xFFFF;
    if (s >= cfg_.max_clients) {
        return 0xFFFF;
    }
    const slot& c = slots_[s];
    // `active` is the lcore's own store, so `who` (written before publication) is stable.
    if (c.state.load(std::memory_order_relaxed) != slot_state::active || c.who.id != client) {
        return 0xFFFF;
    }
    return static_cast<std::uint16_t>(s);
}

void client_hub::begin_poll_lcore(mono_ns now) noexcept {
    const std::uint32_t e = epoch_.load(std::memory_order_acquire);
    if (e != seen_epoch_) {
        seen_epoch_ = e;
        for (std::uint16_t s = 0; s < cfg_.max_clients; ++s) {
            slot& c = slots_[s];
            if (c.state.load(std::memory_order_acquire) == slot_state::published) {
                c.submit = consumer(c.region.submit, c.region.submit_data,
                                    sizes_.submit_capacity, sizes_.submit_record_max);
                c.deliver = producer(c.region.deliver, c.region.deliver_data,
                                     sizes_.deliver_capacity, sizes_.deliver_record_max);
                if (c.backlog_mem) {
                    auto* h = reinterpret_cast<ring_header*>(c.backlog_mem.get());
                    std::byte* data = c.backlog_mem.get() + sizeof(ring_header);
                    c.backlog_in = producer(h, data, c.backlog_capacity, sizes_.deliver_record_max);
                    c.backlog_out = consumer(h, data, c.backlog_capacity, sizes_.deliver_record_max);
                }
                c.fifo_head = c.fifo_tail = 0;
                c.dropping = c.closing = c.leave_submitted = c.wake_pending = c.has_backlog = false;
                c.drain_until = 0;
                c.released = false;
                c.groups_joined = c.joins_pending = 0;
                c.watching = false;
                c.backlog_since = 0;
                c.reason[0] = '\0';
                c.state.store(slot_state::active, std::memory_order_relaxed);
                active_.push_back(s);
            }
        }
        for (const std::uint16_t s : active_) {
            slot& c = slots_[s];
            if (!c.closing && c.hangup.load(std::memory_order_acquire)) {
                // What the client committed before it closed was accepted (mcast returned OK):
                // submit it, up to the head seen now, then leave on its behalf.
                c.closing = true;
                c.drain_until = c.region.submit->head.load(std::memory_order_acquire);
            }
        }
    }
    if (sync_build_ && sync_outstanding_ == 0) {
        build_sync_report_lcore();
    }
    if (backlogged_clients_ != 0) {
        for (const std::uint16_t s : active_) {
            slot& c = slots_[s];
            if (!c.has_backlog) {
                continue;
            }
            drain_backlog_lcore(s);
            if (!c.has_backlog) {
                c.backlog_since = 0;
            } else if (c.backlog_since == 0) {
                c.backlog_since = now == 0 ? 1 : now;
            } else if (now - c.backlog_since > cfg_.slow_consumer_timeout_ns) {
                drop_lcore(s, "slow consumer: backlog older than [clients] slow_consumer_timeout_ms");
            }
        }
    }
}

bool client_hub::next_submission_lcore(std::uint16_t s, submission& out) noexcept {
    slot& c = slots_[s];
    out.client = c.who;
    if (c.dropping) {
        if (c.leave_submitted || c.fifo_tail - c.fifo_head == c.fifo.size()) {
            return false;
        }
        // The daemon leaves every group on the dead client's behalf, through the total order,
        // so every node sees it leave at the same point.
        out.svc = wire::service::agreed;
        out.payload = {c.leave_msg, group_header_size(0)}; // a leave of every group: no name
        out.ref = make_ref(s, c.gen, c.fifo_tail);
        c.last_join = false;
        return true;
    }
    if (!c.watching) [[unlikely]] {
        watch_check_lcore(s);
    }
    if (submissions_paused_lcore() || c.fifo_tail - c.fifo_head == c.fifo.size()) {
        return false;
    }
    const peek_result r = c.submit.peek();
    if (c.closing && (r.err == errc::empty || c.submit.read_position() >= c.drain_until)) {
        drop_lcore(s, "client closed its connection");
        return false;
    }
    if (r.err == errc::empty) {
        return false;
    }
    if (r.err != errc::ok) {
        drop_lcore(s, to_string(r.err));
        return false;
    }
    if (r.header.kind != static_cast<std::uint16_t>(record_kind::message) ||
        r.payload.size() < group_header_fixed ||
        r.payload.size() > group_header_max + cfg_.max_message_size ||
        (r.header.flags & ~record_flag_safe) != 0) {
        drop_lcore(s, "submit record: wrong kind, flags or size");
        return false;
    }
    std::byte copy[group_header_max];
    const std::size_t n = std::min(r.payload.size(), sizeof copy);
    std::memcpy(copy, r.payload.data(), n);
    group_header h;
    if (parse_group_header(std::span<const std::byte>(copy, n), h) != errc::ok) {
        drop_lcore(s, "submit record: bad group header");
        return false;
    }
    if (r.payload.size() - h.size > cfg_.max_message_size) {
        drop_lcore(s, "submit record: wrong kind, flags or size");
        return false;
    }
    if (h.kind == group_msg_kind::sync) {
        drop_lcore(s, "submit record: a sync report (only daemons send those)");
        return false;
    }
    const member self{cfg_.self, c.who.pid, c.who.id};
    if (h.sender != self || h.flags != 0 || (h.kind == group_msg_kind::leave && h.name.empty())) {
        drop_lcore(s, "submit record: sender is not this client");
        return false;
    }
    c.last_join = h.kind == group_msg_kind::join;
    if (c.last_join && c.groups_joined + c.joins_pending >= cfg_.max_groups_per_client) {
        drop_lcore(s, "over [clients] max_groups_per_client");
        return false;
    }
    out.svc = (r.header.flags & record_flag_safe) != 0 ? wire::service::safe : wire::service::agreed;
    out.payload = r.payload;
    out.ref = make_ref(s, c.gen, c.fifo_tail);
    return true;
}

void client_hub::taken_lcore(std::uint16_t s) noexcept {
    slot& c = slots_[s];
    std::uint64_t end = fifo_synthetic;
    if (c.dropping) {
        c.leave_submitted = true;
    } else {
        end = c.submit.consume();
        c.joins_pending += c.last_join ? 1 : 0;
    }
    c.fifo[c.fifo_tail & (c.fifo.size() - 1)] = end;
    ++c.fifo_tail;
    ++stats_.submitted;
}

void client_hub::release(totem::payload_ref ref) noexcept {
    if (!owns(ref)) {
        return;
    }
    const auto s = static_cast<std::uint16_t>((ref >> 48) & 0x3FFF);
    if (s == sync_slot) {
        RC_ASSERT(sync_outstanding_ != 0);
        --sync_outstanding_;
        return;
    }
    const auto gen = static_cast<std::uint16_t>(ref >> 32);
    const auto counter = static_cast<std::uint32_t>(ref);
    RC_ASSERT(s < cfg_.max_clients);
    slot& c = slots_[s];
    // Refs of a slot stay outstanding until released, so the slot cannot have been reused.
    RC_ASSERT(c.gen == gen && c.state.load(std::memory_order_relaxed) == slot_state::active);
    RC_ASSERT(counter == c.fifo_head && c.fifo_head != c.fifo_tail); // the core releases FIFO
    const std::uint64_t end = c.fifo[c.fifo_head & (c.fifo.size() - 1)];
    ++c.fifo_head;
    if (end != fifo_synthetic) {
        c.submit.release(end);
        c.released = true;
    }
}

void client_hub::end_poll_lcore() noexcept {
    for (std::size_t i = 0; i < active_.size();) {
        const std::uint16_t s = active_[i];
        slot& c = slots_[s];
        if (c.released) {
            c.released = false;
            c.wake_pending |= !c.dropping && c.submit.producer_needs_wake();
        }
        if (c.wake_pending) {
            c.wake_pending = false;
            signal(c.event_fd);
            ++stats_.wakeups;
        }
        if (c.dropping && c.leave_submitted && c.fifo_head == c.fifo_tail) {
            // No ref into its memory is left: give the slot back to the control thread.
            c.state.store(slot_state::retired, std::memory_order_release);
            active_[i] = active_.back();
            active_.pop_back();
            continue;
        }
        ++i;
    }
}

void client_hub::drop_lcore(std::uint16_t s, std::string_view reason) noexcept {
    slot& c = slots_[s];
    if (c.dropping) {
        return;
    }
    c.dropping = true;
    const std::size_t n = std::min(reason.size(), sizeof c.reason - 1);
    std::memcpy(c.reason, reason.data(), n);
    c.reason[n] = '\0';
    region_header* rh = c.region.header;
    std::memcpy(rh->reason, c.reason, std::min(sizeof rh->reason, n + 1));
    rh->reason[sizeof rh->reason - 1] = '\0';
    rh->state.store(static_cast<std::uint32_t>(region_state::closed), std::memory_order_release);
    signal(c.event_fd); // rare: let a sleeping client see it is disconnected
    group_header leave;
    leave.kind = group_msg_kind::leave;
    leave.flags = group_flag_client_gone;
    leave.sender = member{cfg_.self, c.who.pid, c.who.id};
    (void)encode_group_header(c.leave_msg, leave);
    if (c.has_backlog) {
        c.has_backlog = false;
        --backlogged_clients_;
    }
    ++stats_.clients_dropped;
}

void client_hub::put_record_lcore(std::uint16_t s, const record_meta& meta,
                                  std::span<const totem::segment> segs) noexcept {
    slot& c = slots_[s];
    const auto len = static_cast<std::uint32_t>(total_length(segs));
    if (!c.has_backlog) {
        const claim_result cr = c.deliver.claim(len);
        if (cr.err == errc::ok) {
            gather(cr.payload.data(), segs, len);
            c.wake_pending |= c.deliver.commit(meta);
            return;
        }
        if (cr.err != errc::full) {
            drop_lcore(s, cr.err == errc::bad_cursor ? "delivery ring: client wrote an impossible "
                                                       "tail"
                                                     : to_string(cr.err));
            return;
        }
        if (!c.backlog_in.valid()) {
            drop_lcore(s, "slow consumer: delivery ring full (policy disconnect)");
            return;
        }
        c.has_backlog = true;
        ++backlogged_clients_;
    }
    const claim_result cr = c.backlog_in.claim(len);
    if (cr.err != errc::ok) {
        drop_lcore(s, "slow consumer: backlog over [clients] slow_consumer_bound");
        return;
    }
    gather(cr.payload.data(), segs, len);
    (void)c.backlog_in.commit(meta);
    ++stats_.backlogged;
}

void client_hub::drain_backlog_lcore(std::uint16_t s) noexcept {
    slot& c = slots_[s];
    while (true) {
        const peek_result pr = c.backlog_out.peek();
        if (pr.err != errc::ok) { // empty (the backlog is private: nothing else can happen)
            c.has_backlog = false;
            --backlogged_clients_;
            return;
        }
        const claim_result cr = c.deliver.claim(pr.header.length);
        if (cr.err == errc::full) {
            return;
        }
        if (cr.err != errc::ok) {
            drop_lcore(s, to_string(cr.err));
            return;
        }
        std::memcpy(cr.payload.data(), pr.payload.data(), pr.payload.size());
        const record_meta meta{pr.header.seq, pr.header.node, pr.header.group,
                               static_cast<record_kind>(pr.header.kind), pr.header.flags};
        c.wake_pending |= c.deliver.commit(meta);
        c.backlog_out.consume_and_release();
    }
}

bool client_hub::deliver(node_id origin, wire::service svc, seq_t seq,
                         std::span<const std::byte> payload) noexcept {
    const totem::segment seg{totem::payload_ref_none, payload.data(),
                             static_cast<std::uint32_t>(payload.size())};
    return deliver(origin, svc, seq, std::span<const totem::segment>(&seg, 1));
}

bool client_hub::deliver(node_id origin, wire::service svc, seq_t seq,
                         std::span<const totem::segment> segs) noexcept {
    const std::uint64_t total = total_length(segs);
    if (total < group_header_fixed) {
        ++stats_.dropped_bad_group;
        return false;
    }
    std::byte copy[group_header_max];
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(total, sizeof copy));
    gather(copy, segs, n);
    group_header h;
    if (parse_group_header(std::span<const std::byte>(copy, n), h) != errc::ok) {
        ++stats_.dropped_bad_group;
        return false;
    }
    if (origin == cfg_.self && h.kind == group_msg_kind::join) {
        if (const std::uint16_t s = slot_of_lcore(h.sender.client); s != 0xFFFF) {
            slots_[s].joins_pending -= slots_[s].joins_pending != 0 ? 1 : 0;
        }
    }
    current_seq_ = seq;
    if (h.kind == group_msg_kind::sync) {
        deliver_sync_lcore(origin, h, segs);
        return true;
    }
    const group* g = nullptr;
    switch (groups_.apply(origin, h, view_fn_, &g)) {
    case apply_result::data:
        deliver_data_lcore(*g, origin, svc, seq, segs);
        break;
    case apply_result::forged:
        ++stats_.dropped_forged;
        break;
    case apply_result::no_group:
    case apply_result::view:
    case apply_result::unchanged:
    case apply_result::held:
        break;
    }
    return false;
}

void client_hub::deliver_data_lcore(const group& g, node_id origin, wire::service svc,
                                    seq_t seq, std::span<const totem::segment> segs) noexcept {
    const record_meta meta{seq, origin, g.id, record_kind::message,
                           svc == wire::service::safe ? record_flag_safe : std::uint16_t{0}};
    for (const member& m : g.local) {
        const std::uint16_t s = slot_of_lcore(m.client);
        if (s != 0xFFFF && !slots_[s].dropping) {
            put_record_lcore(s, meta, segs);
            ++stats_.delivered_copies;
        }
    }
}

void client_hub::deliver_view_lcore(const group& g, const view_event& ev) noexcept {
    const std::size_t size = view_event_size(ev.members.size(), ev.joined.size(), ev.left.size());
    RC_ASSERT(size <= scratch_.size());
    encode_view_event(std::span<std::byte>(scratch_.data(), size), ev);
    const totem::segment seg{totem::payload_ref_none, scratch_.data(),
                             static_cast<std::uint32_t>(size)};
    const record_meta meta{current_seq_, cfg_.self, g.id, record_kind::membership, 0};
    // Local members after the change, and local members that just left (they see their leave).
    for (const auto list : {ev.members, ev.left}) {
        for (const member& m : list) {
            if (m.node != cfg_.self) {
                continue;
            }
            const std::uint16_t s = slot_of_lcore(m.client);
            if (s == 0xFFFF) {
                continue;
            }
            slot& c = slots_[s];
            if (list.data() == ev.left.data()) {
                c.groups_joined -= c.groups_joined != 0 ? 1 : 0;
            } else if (std::find(ev.joined.begin(), ev.joined.end(), m) != ev.joined.end()) {
                ++c.groups_joined;
            }
            if (!c.dropping) {
                put_record_lcore(s, meta, std::span<const totem::segment>(&seg, 1));
                ++stats_.views;
            }
        }
    }
}

void client_hub::on_configuration(const totem::configuration& conf, bool transitional) noexcept {
    have_config_ = true;
    config_transitional_ = transitional;
    config_ring_ = conf.ring;
    config_members_.assign(conf.members.span().begin(), conf.members.span().end());
    // Before the node_down views this change causes: a watcher sees the change, then its effect.
    for (const std::uint16_t s : active_) {
        if (!slots_[s].watching) {
            watch_check_lcore(s); // a flag set since the last poll: this change is its first record
        }
        if (slots_[s].watching && !slots_[s].dropping) {
            put_config_lcore(s, static_cast<std::uint8_t>(transitional ? 1 : 2));
        }
    }
    // Virtual synchrony follows the regular configuration: the transitional one only announces
    // who is still reachable while the ring re-forms.
    if (!transitional) {
        current_seq_ = 0;
        groups_.on_configuration(conf.members.span(), view_fn_);
        groups_.begin_sync(conf.ring, conf.members.span());
        ++stats_.sync_rounds;
        // Chunks of an older report not yet handed over are stale (their ring is gone).
        sync_chunks_.clear();
        sync_next_ = 0;
        sync_ring_ = conf.ring;
        sync_build_ = true;
    }
}

void client_hub::build_sync_report_lcore() {
    // Configuration changes are rare: allocating here keeps the steady state free of it.
    sync_build_ = false;
    sync_local_.clear();
    groups_.for_each([&](const group& g) {
        for (const member& m : g.local) {
            sync_local_.push_back({g.name, m.pid, m.client});
        }
    });
    sync_out_.clear();
    sync_chunks_.clear();
    sync_next_ = 0;
    encode_sync_report(cfg_.self, sync_ring_, sync_local_,
                       group_header_max + std::size_t{cfg_.max_message_size}, sync_out_,
                       sync_chunks_);
}

void client_hub::deliver_sync_lcore(node_id origin, const group_header& h,
                                    std::span<const totem::segment> segs) noexcept {
    if (h.sender != member{origin, 0, 0}) {
        ++stats_.dropped_forged;
        return;
    }
    const std::uint64_t len = total_length(segs);
    if (len > sync_in_.size()) {
        ++stats_.dropped_bad_sync;
        return;
    }
    gather(sync_in_.data(), segs, len);
    ring_id ring;
    sync_entries_.clear();
    if (!parse_sync_body(std::span<const std::byte>(sync_in_.data() + h.size, len - h.size),
                         ring, sync_entries_)) {
        ++stats_.dropped_bad_sync;
        return;
    }
    const bool last = (h.flags & group_flag_sync_last) != 0;
    if (groups_.apply_sync(origin, ring, sync_entries_, last, view_fn_) == apply_result::view) {
        ++stats_.sync_completed;
    }
}

} // namespace ringcast::shm
