#pragma once
// A minimal in-memory ring for unit tests of totem::node: frames are passed as decoded structs
// (no codec), delivery is in send order with optional drops chosen by a predicate. The real
// simulator (drivers/sim) adds latency, loss, duplication and the codec; this one stays tiny so a
// failure points at the core.

#include <cstring>
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "lib/totem/node.hpp"

namespace ringcast::test {

struct buffer {
    std::vector<std::byte> bytes;
    int refs = 0;
};

class ring_harness {
public:
    struct delivered {
        node_id origin;
        wire::service svc;
        std::vector<std::byte> data;
    };

    explicit ring_harness(std::vector<node_id> ids, totem::config base = {}) : ids_(std::move(ids)) {
        for (node_id id : ids_) {
            totem::config cfg = base;
            cfg.self = id;
            cfg.members = ids_;
            nodes_.push_back(std::make_unique<totem::node>(cfg, totem::payload_ops{this, &alloc}));
            fx_.push_back(std::make_unique<totem::effects>(cfg));
            out_.emplace_back();
            configs_.emplace_back();
            config_kinds_.emplace_back();
        }
    }

    totem::node& node(std::size_t i) { return *nodes_[i]; }
    const std::vector<delivered>& deliveries(std::size_t i) const { return out_[i]; }
    std::size_t live_buffers() const { return pool_.size(); }
    const std::vector<totem::configuration>& configs(std::size_t i) const { return configs_[i]; }
    const std::vector<totem::delivery_kind>& config_kinds(std::size_t i) const { return config_kinds_[i]; }
    void leave(std::size_t i) {
        nodes_[i]->leave(now_, *fx_[i]);
        drain(i);
    }

    /** Stops delivering anything from or to node i (a crash without restart). */
    void isolate(std::size_t i) { isolated_.push_back(i); }
    /** Hands node i a control frame as if a keyed member had sent it (hostile-peer tests). */
    void inject(std::size_t i, const wire::header& hdr, const wire::frame_body& body) {
        nodes_[i]->on_frame(now_, hdr, body, totem::payload_ref_none, *fx_[i]);
        nodes_[i]->check_invariants();
        drain(i);
    }
    /** Hands node i a data frame in a fresh pool buffer (the node keeps or releases it). */
    void inject_mcast(std::size_t i, const wire::header& hdr, const wire::mcast& fields, std::size_t len) {
        auto ref = next_ref_++;
        auto& b = pool_[ref];
        b.bytes.assign(len, std::byte{0});
        b.refs = 1;
        nodes_[i]->on_frame(now_, hdr, wire::mcast_view{fields, b.bytes}, ref, *fx_[i]);
        nodes_[i]->check_invariants();
        drain(i);
    }
    mono_ns now() const { return now_; }
    /** Frames sent and not yet delivered. */
    std::size_t in_flight_count() const { return wire_.size(); }

    /** Drop frames for which this returns true (kind, from index, to index). */
    std::function<bool(totem::send_kind, std::size_t, std::size_t)> drop;
    /** Sees every control frame (not mcasts) as it is put on the wire: to index, header, body. */
    std::function<void(std::size_t, const wire::header&, const wire::frame_body&)> tap;

    void start() {
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
            nodes_[i]->start(now_, *fx_[i]);
            drain(i);
        }
    }

    totem::submit_result submit(std::size_t i, std::vector<std::byte> data,
                                wire::service svc = wire::service::agreed) {
        auto ref = next_ref_++;
        auto& b = pool_[ref];
        b.bytes = std::move(data);
        b.refs = 1;
        auto r = nodes_[i]->submit(now_, svc, ref, b.bytes, *fx_[i]);
        if (r != totem::submit_result::ok) {
            pool_.erase(ref);
        }
        drain(i);
        return r;
    }

    /** Submits `count` messages of `len` bytes on node i in one effects batch (as a driver
     *  polling a client's ring does), then drains. Returns how many were accepted. */
    std::size_t submit_batch(std::size_t i, std::size_t count, std::size_t len) {
        std::size_t ok = 0;
        for (std::size_t k = 0; k < count; ++k) {
            auto ref = next_ref_++;
            auto& b = pool_[ref];
            b.bytes.assign(len, static_cast<std::byte>(k));
            b.refs = 1;
            if (nodes_[i]->submit(now_, wire::service::agreed, ref, b.bytes, *fx_[i]) ==
                totem::submit_result::ok) {
                ++ok;
            } else {
                pool_.erase(ref);
            }
        }
        drain(i);
        return ok;
    }

    /** Runs queued frames and timers for `duration` of virtual time in steps. */
    void run_for(mono_ns duration, mono_ns step = 10 * totem::us) {
        const mono_ns end = now_ + duration;
        while (now_ < end) {
            while (!wire_.empty()) {
                auto f = std::move(wire_.front());
                wire_.pop_front();
                deliver_frame(f);
            }
            now_ += step;
            for (std::size_t i = 0; i < nodes_.size(); ++i) {
                if (nodes_[i]->next_deadline() <= now_) {
                    nodes_[i]->on_tick(now_, *fx_[i]);
                    drain(i);
                }
            }
        }
    }

private:
    struct in_flight {
        std::size_t to;
        wire::header hdr;
        wire::frame_body body;
        totem::payload_ref ref;
        std::size_t from;
    };

    static totem::frame_buffer alloc(void* ctx) noexcept {
        auto* self = static_cast<ring_harness*>(ctx);
        auto ref = self->next_ref_++;
        auto& b = self->pool_[ref];
        b.bytes.assign(9216, std::byte{0});
        b.refs = 1;
        return {ref, std::span<std::byte>(b.bytes).subspan(wire::mcast_payload_offset)};
    }

    void unref(totem::payload_ref r) {
        auto it = pool_.find(r);
        ASSERT_TRUE(it != pool_.end());
        if (--it->second.refs == 0) {
            pool_.erase(it);
        }
    }

    void deliver_frame(in_flight& f) {
        nodes_[f.to]->on_frame(now_, f.hdr, f.body, f.ref, *fx_[f.to]);
        nodes_[f.to]->check_invariants();
        drain(f.to);
    }

    void drain(std::size_t i) {
        totem::effects& fx = *fx_[i];
        for (const auto& s : fx.sends()) {
            wire::header h;
            h.sender = ids_[i];
            h.ring = s.ring;
            for (std::size_t j = 0; j < ids_.size(); ++j) {
                if (j == i || (s.to != node_id_none && ids_[j] != s.to)) {
                    continue;
                }
                if (drop && drop(s.kind, i, j)) {
                    continue;
                }
                if (std::find(isolated_.begin(), isolated_.end(), i) != isolated_.end() ||
                    std::find(isolated_.begin(), isolated_.end(), j) != isolated_.end()) {
                    continue;
                }
                in_flight f{j, h, {}, totem::payload_ref_none, i};
                switch (s.kind) {
                case totem::send_kind::mcast:
                    h.type = wire::msg_type::mcast;
                    f.hdr = h;
                    f.body = wire::mcast_view{s.mcast, s.payload};
                    f.ref = s.ref;
                    ++pool_[s.ref].refs;
                    break;
                case totem::send_kind::token:
                    f.body = *s.token;
                    break;
                case totem::send_kind::token_hold_cancel:
                    f.body = wire::token_hold_cancel{};
                    break;
                case totem::send_kind::join:
                    f.body = *s.join;
                    break;
                case totem::send_kind::commit_token:
                    f.body = *s.commit;
                    break;
                case totem::send_kind::merge_detect:
                    f.body = wire::merge_detect{};
                    break;
                }
                if (tap && s.kind != totem::send_kind::mcast) {
                    tap(j, f.hdr, f.body);
                }
                wire_.push_back(std::move(f));
            }
        }
        for (const auto& d : fx.deliveries()) {
            if (d.kind != totem::delivery_kind::message) {
                configs_[i].push_back(*d.config);
                configs_[i].back().members.resize(d.config->members.size());
                config_kinds_[i].push_back(d.kind);
                continue;
            }
            delivered m{d.origin, d.svc, {}};
            for (std::uint32_t k = 0; k < d.seg_count; ++k) {
                const auto& sg = fx.segments()[d.seg_begin + k];
                m.data.insert(m.data.end(), sg.data, sg.data + sg.len);
            }
            EXPECT_EQ(m.data.size(), d.len);
            out_[i].push_back(std::move(m));
        }
        for (auto r : fx.releases()) {
            unref(r);
        }
        fx.clear();
    }

    std::vector<node_id> ids_;
    std::vector<std::unique_ptr<totem::node>> nodes_;
    std::vector<std::unique_ptr<totem::effects>> fx_;
    std::vector<std::vector<delivered>> out_;
    std::vector<std::vector<totem::configuration>> configs_;
    std::vector<std::vector<totem::delivery_kind>> config_kinds_;
    std::map<totem::payload_ref, buffer> pool_;
    totem::payload_ref next_ref_ = 1;
    std::deque<in_flight> wire_;
    mono_ns now_ = 0;
    std::vector<std::size_t> isolated_;
};

} // namespace ringcast::test
