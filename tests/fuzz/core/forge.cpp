// Field edits and frame construction for the core fuzz target (forge.hpp).

#include "tests/fuzz/core/forge.hpp"

#include <algorithm>

#include "lib/wire/codec.hpp"
#include "lib/wire/limits.hpp"

namespace ringcast::fuzz {

namespace {

// Sequence numbers and ring seqs matter relative to what the receiver has: most edits are small
// steps, some are absolute values (0, huge, or anything).
std::uint64_t tweak(std::uint64_t v, byte_reader& r) {
    const std::uint8_t m = r.u8();
    switch (m % 8) {
    case 0: return v + 1 + (m >> 3);
    case 1: return v - 1 - (m >> 3);
    case 2: return v + (std::uint64_t{r.u8()} << 8);
    case 3: return 0;
    case 4: return ~std::uint64_t{0} - (m >> 3);
    case 5: return r.u64();
    case 6: return v ^ (std::uint64_t{1} << (m >> 2));
    default: return v;
    }
}

node_id pick_id(byte_reader& r, std::span<const node_id> ids) {
    const std::uint8_t b = r.u8();
    if (b < 0xF0) {
        return ids[b % ids.size()];
    }
    return b == 0xFF ? r.u32() : static_cast<node_id>(ids.size() + 1 + (b & 7));
}

// open_frame refuses a sender outside the configured set (unknown_node) before the core sees it,
// so a header's sender is always a member; any id can appear inside a body.
node_id pick_member(byte_reader& r, std::span<const node_id> ids) {
    return ids[r.u8() % ids.size()];
}

ring_id tweak_ring(ring_id g, byte_reader& r, std::span<const node_id> ids) {
    const std::uint8_t b = r.u8();
    if ((b & 1) != 0) {
        g.rep = pick_id(r, ids);
    }
    if ((b & 2) != 0) {
        g.seq = tweak(g.seq, r);
    }
    return g;
}

template <typename Vec>
void edit_set(Vec& set, byte_reader& r, std::span<const node_id> ids) {
    const std::uint8_t b = r.u8();
    if ((b & 1) == 0 && !set.full()) {
        const node_id id = pick_id(r, ids);
        set.push(id);
        if ((b & 2) == 0) {
            std::sort(set.begin(), set.end());
        }
    } else if (!set.empty()) {
        set.erase_at(r.u8() % set.size());
    }
}

void mutate_token(wire::token& t, ring_id ring, byte_reader& r, std::span<const node_id> ids) {
    switch (r.u8() % 10) {
    case 0: t.token_seq = tweak(t.token_seq, r); break;
    case 1: t.seq = tweak(t.seq, r); break;
    case 2: t.aru = tweak(t.aru, r); break;
    case 3: t.aru_node = (r.u8() & 1) != 0 ? node_id_none : pick_id(r, ids); break;
    case 4: t.fcc = static_cast<std::uint32_t>(tweak(t.fcc, r)); break;
    case 5: t.backlog = static_cast<std::uint32_t>(tweak(t.backlog, r)); break;
    case 6: t.retrans_flg = r.u8() & 1; break;
    case 7: t.recovering = static_cast<std::uint8_t>(r.u8() % (wire::max_nodes + 2)); break;
    case 8:
        if (!t.rtr.full()) {
            t.rtr.push(wire::rtr_item{tweak_ring(ring, r, ids), tweak(t.aru, r)});
        }
        break;
    default:
        if (!t.rtr.empty()) {
            wire::rtr_item& it = t.rtr[r.u8() % t.rtr.size()];
            it.ring = tweak_ring(it.ring, r, ids);
            it.seq = tweak(it.seq, r);
        }
        break;
    }
}

void mutate_commit(wire::commit_token& c, ring_id ring, byte_reader& r,
                   std::span<const node_id> ids) {
    switch (r.u8() % 5) {
    case 0: c.token_seq = tweak(c.token_seq, r); break;
    case 1: c.memb_index = static_cast<std::uint16_t>(tweak(c.memb_index, r)); break;
    case 2:
        if (!c.members.full()) {
            c.members.push(wire::commit_member{pick_id(r, ids), tweak_ring(ring, r, ids),
                                               tweak(0, r), tweak(0, r),
                                               static_cast<std::uint8_t>(r.u8() & 1)});
        }
        break;
    case 3:
        if (!c.members.empty()) {
            c.members.erase_at(r.u8() % c.members.size());
        }
        break;
    default:
        if (!c.members.empty()) {
            wire::commit_member& m = c.members[r.u8() % c.members.size()];
            switch (r.u8() % 5) {
            case 0: m.id = pick_id(r, ids); break;
            case 1: m.old_ring = tweak_ring(m.old_ring, r, ids); break;
            case 2: m.old_aru = tweak(m.old_aru, r); break;
            case 3: m.high_delivered = tweak(m.high_delivered, r); break;
            default: m.received_flg ^= 1; break;
            }
        }
        break;
    }
}

void mutate_mcast(wire::mcast& m, byte_reader& r, std::span<const node_id> ids) {
    switch (r.u8() % 6) {
    case 0: m.seq = tweak(m.seq, r); break;
    case 1: m.origin_ring = tweak_ring(m.origin_ring, r, ids); break;
    case 2: m.origin_seq = tweak(m.origin_seq, r); break;
    case 3: m.origin = pick_id(r, ids); break;
    case 4: m.svc = static_cast<wire::service>(r.u8() & 1); break;
    default: m.flags = r.u8() & wire::mcast_flags_defined; break;
    }
}

void mutate_once(wire::frame& f, byte_reader& r, std::span<const node_id> ids) {
    const std::uint8_t what = r.u8();
    if (what % 4 == 0) {
        switch ((what >> 2) % 3) {
        case 0: f.hdr.sender = pick_member(r, ids); break;
        default: f.hdr.ring = tweak_ring(f.hdr.ring, r, ids); break;
        }
        return;
    }
    if (auto* t = std::get_if<wire::token>(&f.body)) {
        mutate_token(*t, f.hdr.ring, r, ids);
    } else if (auto* j = std::get_if<wire::join>(&f.body)) {
        switch (r.u8() % 3) {
        case 0: j->ring_seq = tweak(j->ring_seq, r); break;
        case 1: edit_set(j->proc, r, ids); break;
        default: edit_set(j->failed, r, ids); break;
        }
    } else if (auto* c = std::get_if<wire::commit_token>(&f.body)) {
        mutate_commit(*c, f.hdr.ring, r, ids);
    } else if (auto* m = std::get_if<wire::mcast_view>(&f.body)) {
        mutate_mcast(m->fields, r, ids);
    }
}

// One to three chunks of a few bytes each, kinds as the fuzzer likes (the decoder refuses
// impossible combinations, so those never reach the core).
void build_payload(wire::mcast_view& m, byte_reader& r, std::vector<std::byte>& store) {
    const std::size_t n = 1 + r.u8() % 3;
    store.clear();
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint32_t len = 1 + r.u8() % 64;
        const auto kind = static_cast<wire::chunk_kind>(r.u8() % 4);
        const std::size_t at = store.size();
        store.resize(at + wire::chunk_header_size + len);
        wire::encode_chunk_header(store.data() + at, kind, len);
        for (std::uint32_t b = 0; b < len; ++b) {
            store[at + wire::chunk_header_size + b] = static_cast<std::byte>(b + k);
        }
    }
    m.fields.chunk_count = static_cast<std::uint16_t>(n);
    m.payload = store;
}

} // namespace

void mutate(wire::frame& f, byte_reader& r, std::span<const node_id> ids) {
    const std::size_t n = 1 + r.u8() % 4;
    for (std::size_t k = 0; k < n; ++k) {
        mutate_once(f, r, ids);
    }
}

void build(wire::frame& f, byte_reader& r, std::span<const node_id> ids, ring_id ring,
           std::vector<std::byte>& payload_store) {
    f.hdr = wire::header{};
    f.hdr.sender = pick_member(r, ids);
    f.hdr.ring = ring;
    switch (r.u8() % 6) {
    case 0: {
        wire::mcast_view m;
        m.fields.origin_ring = ring;
        m.fields.origin = f.hdr.sender;
        build_payload(m, r, payload_store);
        f.body = m;
        break;
    }
    case 1: f.body = wire::token{}; break;
    case 2: {
        wire::join j;
        j.ring_seq = ring.seq;
        for (const node_id id : ids) {
            j.proc.push(id);
        }
        f.body = j;
        break;
    }
    case 3: {
        wire::commit_token c;
        for (const node_id id : ids) {
            c.members.push(wire::commit_member{id, ring, 0, 0, 0});
        }
        f.body = c;
        break;
    }
    case 4: f.body = wire::merge_detect{}; break;
    default: f.body = wire::token_hold_cancel{}; break;
    }
    mutate(f, r, ids);
}

bool encode(const wire::frame& f, std::vector<std::byte>& out) {
    out.resize(wire::max_frame_size);
    wire::header h = f.hdr;
    h.cluster_id = 0x52430001;
    const wire::encode_result e =
        wire::encode_frame(out, {0x01, 0x00, 0x5E, 0x52, 0x43, 0x01},
                           {0x02, 0, 0, 0, 0, 0x66}, wire::default_ethertype, h, f.body);
    if (e.err != wire::errc::ok) {
        return false;
    }
    out.resize(e.size);
    return true;
}

} // namespace ringcast::fuzz
