#pragma once
// libringcast for C++: an RAII handle over the C API in ringcast.h, with std::function callbacks.
// Errors of connect throw ringcast::error; the other calls return the C result codes.

#include <cstddef>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ringcast.h"

namespace ringcast {

/** A connect failure: code() is the RINGCAST_E* value. */
class error : public std::runtime_error {
public:
    explicit error(int code) : std::runtime_error(ringcast_strerror(code)), code_(code) {}
    [[nodiscard]] int code() const noexcept { return code_; }

private:
    int code_;
};

/** One connection to the local ringcastd. Not thread-safe; movable, not copyable. */
class client {
public:
    using deliver_fn = std::function<void(const ringcast_message&)>;
    using view_fn = std::function<void(const ringcast_view&)>;

    /** Connects (socket_path empty: the default). @throws error */
    explicit client(const std::string& socket_path = {}, deliver_fn on_deliver = {},
                    view_fn on_view = {})
        : fns_(new fns{std::move(on_deliver), std::move(on_view)}) {
        const ringcast_callbacks cb{&client::deliver_tramp, &client::view_tramp, fns_};
        if (const int rc = ringcast_connect(socket_path.empty() ? nullptr : socket_path.c_str(),
                                            &cb, &h_);
            rc != RINGCAST_OK) {
            delete fns_;
            throw error(rc);
        }
    }
    ~client() {
        ringcast_disconnect(h_);
        delete fns_;
    }
    client(client&& o) noexcept : h_(std::exchange(o.h_, nullptr)), fns_(std::exchange(o.fns_, nullptr)) {}
    client& operator=(client&& o) noexcept {
        std::swap(h_, o.h_);
        std::swap(fns_, o.fns_);
        return *this;
    }
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    int join(const std::string& group) noexcept { return ringcast_join(h_, group.c_str()); }
    int leave(const std::string& group) noexcept { return ringcast_leave(h_, group.c_str()); }
    int mcast(const std::string& group, std::span<const std::byte> data,
              ringcast_service svc = RINGCAST_AGREED) noexcept {
        return ringcast_mcast(h_, group.c_str(), svc, data.data(), data.size());
    }
    int dispatch(unsigned flags = RINGCAST_DISPATCH_ALL) noexcept {
        return ringcast_dispatch(h_, flags);
    }
    [[nodiscard]] int fd() const noexcept { return ringcast_fd(h_); }
    [[nodiscard]] std::uint32_t node_id() const noexcept { return ringcast_local_node_id(h_); }
    [[nodiscard]] std::uint32_t client_id() const noexcept { return ringcast_local_client_id(h_); }
    [[nodiscard]] std::string last_error() const { return ringcast_last_error(h_); }
    /** Members of a group this client is in (empty if not in it). */
    [[nodiscard]] std::vector<ringcast_member> members(const std::string& group) const {
        std::size_t n = 0;
        if (ringcast_members(h_, group.c_str(), nullptr, 0, &n) != RINGCAST_OK) {
            return {};
        }
        std::vector<ringcast_member> out(n);
        (void)ringcast_members(h_, group.c_str(), out.data(), out.size(), &n);
        out.resize(std::min(n, out.size()));
        return out;
    }
    [[nodiscard]] ringcast_handle* handle() const noexcept { return h_; }

private:
    struct fns {
        deliver_fn deliver;
        view_fn view;
    };
    static void deliver_tramp(void* ctx, const ringcast_message* m) {
        auto* f = static_cast<fns*>(ctx);
        if (f->deliver) {
            f->deliver(*m);
        }
    }
    static void view_tramp(void* ctx, const ringcast_view* v) {
        auto* f = static_cast<fns*>(ctx);
        if (f->view) {
            f->view(*v);
        }
    }

    ringcast_handle* h_ = nullptr;
    fns* fns_ = nullptr; // stable address for the C callbacks across moves
};

} // namespace ringcast
