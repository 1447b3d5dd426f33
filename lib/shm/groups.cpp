// Group views from the ordered stream. Determinism is the whole contract: the result of each
// input depends only on the table and the input, never on time or on which node runs it.

#include "lib/shm/groups.hpp"

#include <algorithm>

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
    switch (h.kind) {
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
    // Leave every group. Visit in id order so every node emits the views in the same order.
    std::vector<group*> order;
    for (auto& [name, g] : groups_) {
        order.push_back(&g);
    }
    std::sort(order.begin(), order.end(), [](const group* a, const group* b) { return a->id < b->id; });
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
    std::vector<group*> order;
    for (auto& [name, g] : groups_) {
        order.push_back(&g);
    }
    std::sort(order.begin(), order.end(), [](const group* a, const group* b) { return a->id < b->id; });
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

} // namespace ringcast::shm
