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
#include "lib/shm/group_sync.hpp"
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
    held,      ///< a join or leave during a state sync: applied when the sync ends
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

    /** A regular configuration: members of nodes not in `nodes` leave (reason node_down). A
     *  state sync still running is cut short first: its held joins and leaves are applied. */
    void on_configuration(std::span<const node_id> nodes, const view_fn& on_view);

    /**
     * Starts the state sync of the regular configuration `ring` (call after on_configuration).
     * Until every node in `nodes` has reported (apply_sync with `last`), joins and leaves are
     * held; data still goes to the current members. When the last report arrives the table
     * becomes the union of the reports (each node is the authority on its own processes), the
     * groups that differ get a view with reason sync, and the held joins and leaves are applied
     * in their order. Every node of the configuration delivers the same reports and messages in
     * the same order, so all reach the same table at the same point of the stream, whatever
     * each knew before (the diff each reports to its own clients differs; the view does not).
     */
    void begin_sync(ring_id ring, std::span<const node_id> nodes);

    /**
     * One payload of origin's report for `ring`. Ignored (unchanged) when no sync runs, for
     * another ring, from a node outside the configuration, or after that node's last payload.
     * @return view when this completed the sync (views were emitted), else unchanged
     */
    apply_result apply_sync(node_id origin, ring_id ring, std::span<const sync_entry> entries,
                            bool last, const view_fn& on_view);

    [[nodiscard]] bool syncing() const noexcept { return syncing_; }

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
    struct held_op {
        node_id origin;
        group_msg_kind kind;
        std::uint8_t flags;
        member sender;
        std::string name;
    };
    struct reported {
        std::string name;
        member who;
        friend auto operator<=>(const reported&, const reported&) = default;
    };
    void emit(group& g, view_reason reason, const view_fn& on_view);
    std::vector<group*> by_name();
    void finish_sync(const view_fn& on_view);
    void replay_held(const view_fn& on_view);
    void erase_if_empty(std::string_view name);
    std::size_t remove_where(group& g, const std::function<bool(const member&)>& pred);

    node_id self_;
    std::size_t members_max_;
    std::size_t groups_max_;
    std::uint32_t next_id_ = 1;
    std::unordered_map<std::string, group, name_hash, std::equal_to<>> groups_;
    std::vector<member> joined_; // scratch for the event being built
    std::vector<member> left_;

    bool syncing_ = false;
    ring_id sync_ring_;
    std::vector<node_id> sync_waiting_; // nodes whose last report has not arrived
    std::vector<reported> reports_;
    std::vector<held_op> held_;
};

} // namespace ringcast::shm
