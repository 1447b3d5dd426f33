#pragma once
// A vector with a compile-time capacity and no allocation: bounded lists on the wire and in the core.

#include <array>
#include <cstddef>
#include <span>

#include "lib/common/assert.hpp"

namespace ringcast {

template <typename T, std::size_t Capacity>
class static_vec {
public:
    static constexpr std::size_t capacity = Capacity;

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] bool full() const noexcept { return size_ == Capacity; }

    /** Appends v; returns false (and changes nothing) when full. */
    [[nodiscard]] bool try_push(const T& v) noexcept {
        if (size_ == Capacity) {
            return false;
        }
        items_[size_++] = v;
        return true;
    }
    void push(const T& v) noexcept {
        RC_ASSERT(size_ < Capacity);
        items_[size_++] = v;
    }
    void clear() noexcept { size_ = 0; }
    void resize(std::size_t n) noexcept {
        RC_ASSERT(n <= Capacity);
        size_ = n;
    }
    void erase_at(std::size_t i) noexcept {
        RC_ASSERT(i < size_);
        for (std::size_t j = i + 1; j < size_; ++j) {
            items_[j - 1] = items_[j];
        }
        --size_;
    }

    T& operator[](std::size_t i) noexcept { return items_[i]; }
    const T& operator[](std::size_t i) const noexcept { return items_[i]; }
    T* begin() noexcept { return items_.data(); }
    T* end() noexcept { return items_.data() + size_; }
    const T* begin() const noexcept { return items_.data(); }
    const T* end() const noexcept { return items_.data() + size_; }
    [[nodiscard]] std::span<const T> span() const noexcept { return {items_.data(), size_}; }

    friend bool operator==(const static_vec& a, const static_vec& b) noexcept {
        if (a.size_ != b.size_) {
            return false;
        }
        for (std::size_t i = 0; i < a.size_; ++i) {
            if (!(a.items_[i] == b.items_[i])) {
                return false;
            }
        }
        return true;
    }

private:
    std::array<T, Capacity> items_{};
    std::size_t size_ = 0;
};

} // namespace ringcast
