// Group views from the ordered stream. Determinism is the whole contract: the result of each
// input depends only on the table and the input, never on time or on which node runs it.

#include "lib/shm/groups.hpp"

#include <algorithm>
#include <iterator>

namespace ringcast::shm {

group_table::group_table(node_id self, std::size_t members_max, std::size_t groups_max)
    : self_(self), members_max_(members_max), groups_max_(groups_max) {}

const group* group_table::find(std::string_view name) const noexcept {
    const auto it = groups_.find(name);
    return it == groups_.end() ? nullptr : &it->second;
}

void group_table::emit(group& g, view_reason reason, const view_fn& on_view) {
    g.local.clear();
    for (const member& m : g.members) {
        if (m.node == self_) {
            g.local.push_back(m);
        }
    }
    if (on_view) {
        const view_event ev{g.id, g.name, reason, g.members, joined_, left_};
        on_view(g, ev);
    }
}

void group_table::erase_if_empty(std::string_view name) {
    if (const auto it = groups_.find(name); it != groups_.end() && it->second.members.empty()) {
        groups_.erase(it);
    }
}

std::vector<group*> group_table::by_name() {
    std::vector<group*> order;
    order.reserve(groups_.size());
    for (auto& [name, g] : groups_) {
        order.push_back(&g);
    }
    std::sort(order.begin(), order.end(),
              [](const group* a, const group* b) { return a->name < b->name; });
    return order;
}

std::size_t group_table::remove_where(group& g, const std::function<bool(const member&)>& pred) {
    const auto first = std::stable_partition(g.members.begin(), g.members.end(),
                                             [&](const member& m) { return !pred(m); });
    left_.assign(first, g.members.end());
    g.members.erase(first, g.members.end());
    return left_.size();
}

apply_result group_table::apply(node_id origin, const group_header& h, const view_fn& on_view,
                                const group** data_group) {
    // The header's sender node is the client's claim; Totem's origin is the truth.
    if (h.sender.node != origin) {
        return apply_result::forged;
    }
    joined_.clear();
    left_.clear();
    if (syncing_ && (h.kind == group_msg_kind::join || h.kind == group_msg_kind::leave)) {
        held_.push_back({origin, h.kind, h.flags, h.sender, std::string(h.name)});
        return apply_result::held;
    }
    switch (h.kind) {
    case group_msg_kind::sync: // reports go through apply_sync
        return apply_result::unchanged;
    case group_msg_kind::data: {
        const auto it = groups_.find(h.name);
        if (it == groups_.end()) {
            return apply_result::no_group;
        }
        if (data_group != nullptr) {
            *data_group = &it->second;
        }
        return apply_result::data;
    }
    case group_msg_kind::join: {
        auto it = groups_.find(h.name);
        if (it == groups_.end()) {
            if (groups_.size() >= groups_max_) {
                return apply_result::unchanged;
            }
            it = groups_.emplace(std::string(h.name), group{}).first;
            it->second.id = next_id_++;
            it->second.name = std::string(h.name);
        }
        group& g = it->second;
        const auto at = std::lower_bound(g.members.begin(), g.members.end(), h.sender);
        if ((at != g.members.end() && *at == h.sender) || g.members.size() >= members_max_) {
            erase_if_empty(h.name);
            return apply_result::unchanged;
        }
        g.members.insert(at, h.sender);
        joined_.push_back(h.sender);
        emit(g, view_reason::join, on_view);
        return apply_result::view;
    }
    case group_msg_kind::leave:
        break;
    }
    const view_reason reason =
        (h.flags & group_flag_client_gone) != 0 ? view_reason::client_gone : view_reason::leave;
    const auto is_sender = [&](const member& m) { return m == h.sender; };
    if (!h.name.empty()) {
        const auto it = groups_.find(h.name);
        if (it == groups_.end() || remove_where(it->second, is_sender) == 0) {
            return apply_result::unchanged;
        }
        emit(it->second, reason, on_view);
        erase_if_empty(h.name);
        return apply_result::view;
    }
    // Leave every group. Visit in name order so every node emits the views in the same order
    // (ids are per daemon: nodes that merged created their groups in different orders).
    const std::vector<group*> order = by_name();
    std::vector<std::string> emptied;
    bool any = false;
    for (group* g : order) {
        if (remove_where(*g, is_sender) != 0) {
            any = true;
            emit(*g, reason, on_view);
            if (g->members.empty()) {
                emptied.push_back(g->name);
            }
        }
    }
    for (const std::string& n : emptied) {
        erase_if_empty(n);
    }
    left_.clear();
    return any ? apply_result::view : apply_result::unchanged;
}

void group_table::on_configuration(std::span<const node_id> nodes, const view_fn& on_view) {
    if (syncing_) {
        // The ring changed again before every report arrived. What the held messages did
        // happened in the old ring, before this configuration: apply them now; the next sync
        // reconciles whatever this node still does not know.
        syncing_ = false;
        reports_.clear();
        sync_waiting_.clear();
        replay_held(on_view);
    }
    const std::vector<group*> order = by_name();
    std::vector<std::string> emptied;
    joined_.clear();
    for (group* g : order) {
        const auto gone = [&](const member& m) {
            return std::find(nodes.begin(), nodes.end(), m.node) == nodes.end();
        };
        if (remove_where(*g, gone) != 0) {
            emit(*g, view_reason::node_down, on_view);
            if (g->members.empty()) {
                emptied.push_back(g->name);
            }
        }
    }
    for (const std::string& n : emptied) {
        erase_if_empty(n);
    }
    left_.clear();
}

void group_table::begin_sync(ring_id ring, std::span<const node_id> nodes) {
    syncing_ = true;
    sync_ring_ = ring;
    sync_waiting_.assign(nodes.begin(), nodes.end());
    reports_.clear();
}

apply_result group_table::apply_sync(node_id origin, ring_id ring,
                                     std::span<const sync_entry> entries, bool last,
                                     const view_fn& on_view) {
    const auto waiting = std::find(sync_waiting_.begin(), sync_waiting_.end(), origin);
    if (!syncing_ || ring != sync_ring_ || waiting == sync_waiting_.end()) {
        return apply_result::unchanged;
    }
    for (const sync_entry& e : entries) {
        reports_.push_back({std::string(e.name), member{origin, e.pid, e.client}});
    }
    if (!last) {
        return apply_result::unchanged;
    }
    sync_waiting_.erase(waiting);
    if (!sync_waiting_.empty()) {
        return apply_result::unchanged;
    }
    finish_sync(on_view);
    return apply_result::view;
}

void group_table::finish_sync(const view_fn& on_view) {
    syncing_ = false;
    // The new table, by name: sorting makes duplicates adjacent and every node's order the same.
    std::sort(reports_.begin(), reports_.end());
    reports_.erase(std::unique(reports_.begin(), reports_.end()), reports_.end());
    std::vector<std::string> names;
    for (const auto& [name, g] : groups_) {
        names.push_back(name);
    }
    for (const reported& r : reports_) {
        if (names.empty() || names.back() != r.name) {
            names.push_back(r.name);
        }
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::vector<member> next;
    std::size_t groups_after = 0;
    auto at = reports_.begin();
    for (const std::string& name : names) {
        next.clear();
        at = std::lower_bound(at, reports_.end(), name,
                              [](const reported& r, const std::string& n) { return r.name < n; });
        for (; at != reports_.end() && at->name == name; ++at) {
            if (next.size() < members_max_) { // the same cut on every node: the reports are sorted
                next.push_back(at->who);
            }
        }
        if (!next.empty() && groups_after >= groups_max_) {
            next.clear(); // past the limit by name order, alike everywhere
        }
        groups_after += next.empty() ? 0 : 1;
        auto it = groups_.find(name);
        const std::vector<member> none;
        const std::vector<member>& cur = it == groups_.end() ? none : it->second.members;
        joined_.clear();
        left_.clear();
        std::set_difference(next.begin(), next.end(), cur.begin(), cur.end(),
                            std::back_inserter(joined_));
        std::set_difference(cur.begin(), cur.end(), next.begin(), next.end(),
                            std::back_inserter(left_));
        if (joined_.empty() && left_.empty()) {
            continue;
        }
        if (it == groups_.end()) {
            it = groups_.emplace(name, group{}).first;
            it->second.id = next_id_++;
            it->second.name = name;
        }
        it->second.members = next;
        emit(it->second, view_reason::sync, on_view);
        erase_if_empty(name);
    }
    joined_.clear();
    left_.clear();
    reports_.clear();
    replay_held(on_view);
}

void group_table::replay_held(const view_fn& on_view) {
    std::vector<held_op> ops;
    ops.swap(held_);
    for (const held_op& op : ops) {
        group_header h;
        h.kind = op.kind;
        h.flags = op.flags;
        h.sender = op.sender;
        h.name = op.name;
        (void)apply(op.origin, h, on_view);
    }
}

} // namespace ringcast::shm
