#pragma once
// Value equality of decoded frame bodies, for the fuzz oracles: an mcast_view holds a span, so
// "same" means same fields and same payload bytes, not the same memory.

#include <cstring>
#include <variant>

#include "lib/wire/messages.hpp"

namespace ringcast::fuzz {

[[nodiscard]] inline bool same_body(const wire::frame_body& a, const wire::frame_body& b) {
    if (a.index() != b.index()) {
        return false;
    }
    if (const auto* ma = std::get_if<wire::mcast_view>(&a)) {
        const auto& mb = std::get<wire::mcast_view>(b);
        return ma->fields == mb.fields && ma->payload.size() == mb.payload.size() &&
               (mb.payload.empty() ||
                std::memcmp(ma->payload.data(), mb.payload.data(), mb.payload.size()) == 0);
    }
    if (const auto* t = std::get_if<wire::token>(&a)) {
        return *t == std::get<wire::token>(b);
    }
    if (const auto* j = std::get_if<wire::join>(&a)) {
        return *j == std::get<wire::join>(b);
    }
    if (const auto* c = std::get_if<wire::commit_token>(&a)) {
        return *c == std::get<wire::commit_token>(b);
    }
    return true;
}

} // namespace ringcast::fuzz
