#pragma once
// Process groups derived from the totally ordered stream (virtual synchrony as in corosync's
// CPG): every node applies the same join/leave messages and the same regular configurations in
// the same order, so every node computes the same views at the same point of the stream. Pure
// logic, no IO.
//
// Allocation: joining a new group or member may allocate; data messages and repeated lookups do
// not. Views are reported through a callback whose spans stay valid during the call only.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lib/common/types.hpp"
#include "lib/shm/group_wire.hpp"

namespace ringcast::shm {

/** One group as this node sees it. */
struct group {
    std::uint32_t id = 0;        ///< daemon-local, stable while the group exists
    std::string name;
    std::vector<member> members; ///< sorted
    std::vector<member> local;   ///< the members on this node, sorted
};

/** What applying one delivered group message did. */
enum class apply_result : std::uint8_t {
    data,      ///< a data message for an existing group (see the returned group)
    no_group,  ///< a data message for a group with no members: nobody to deliver to
    view,      ///< a view changed (the callback ran)
    unchanged, ///< join of a member already in, leave of one not in, group or member limit
    forged,    ///< sender node differs from the origin Totem reports: dropped everywhere
};

class group_table {
public:
    /** Called once per changed group; `g` shows the view after the change. */
    using view_fn = std::function<void(const group& g, const view_event& ev)>;

    /**
     * @param self this node (selects group::local)
     * @param members_max members per group; a join beyond it is ignored everywhere alike
     * @param groups_max groups in existence; a join creating one more is ignored
     */
    explicit group_table(node_id self, std::size_t members_max = 256,
                         std::size_t groups_max = 4096);

    /**
     * Applies a message delivered in the total order from `origin` whose header is h.
     * @param[out] data_group for apply_result::data, the group to deliver to
     */
    apply_result apply(node_id origin, const group_header& h, const view_fn& on_view,
                       const group** data_group = nullptr);

    /** A regular configuration: members of nodes not in `nodes` leave (reason node_down). */
    void on_configuration(std::span<const node_id> nodes, const view_fn& on_view);

    [[nodiscard]] const group* find(std::string_view name) const noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return groups_.size(); }
    /** Every group, in unspecified order. */
    template <typename F> void for_each(F&& f) const {
        for (const auto& [name, g] : groups_) {
            f(g);
        }
    }

private:
    struct name_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    void emit(group& g, view_reason reason, const view_fn& on_view);
    void erase_if_empty(std::string_view name);
    std::size_t remove_where(group& g, const std::function<bool(const member&)>& pred);

    node_id self_;
    std::size_t members_max_;
    std::size_t groups_max_;
    std::uint32_t next_id_ = 1;
    std::unordered_map<std::string, group, name_hash, std::equal_to<>> groups_;
    std::vector<member> joined_; // scratch for the event being built
    std::vector<member> left_;
};

} // namespace ringcast::shm
