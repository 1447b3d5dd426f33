#include "drivers/dpdk/generator.hpp"

#include <algorithm>
#include <cstring>

#include "lib/common/byte_order.hpp"

namespace ringcast::drv::dpdk {

generator::generator(std::size_t slab_bytes) : slab_(slab_bytes) {}

void generator::request_start(std::uint32_t size, std::uint64_t rate, std::uint64_t count) noexcept {
    req_size_.store(std::clamp<std::uint32_t>(size, 1, max_size), std::memory_order_relaxed);
    req_rate_.store(rate, std::memory_order_relaxed);
    req_count_.store(count, std::memory_order_relaxed);
    req_run_.store(true, std::memory_order_relaxed);
    req_seq_.fetch_add(1, std::memory_order_release);
}

void generator::request_stop() noexcept {
    req_run_.store(false, std::memory_order_relaxed);
    req_seq_.fetch_add(1, std::memory_order_release);
}

void generator::sync(mono_ns now) noexcept {
    const std::uint64_t seq = req_seq_.load(std::memory_order_acquire);
    if (seq == seen_seq_) {
        if (running_ && count_ != 0 && sent_ >= count_) {
            running_ = false;
            running_pub_.store(false, std::memory_order_relaxed);
        }
        return;
    }
    seen_seq_ = seq;
    running_ = req_run_.load(std::memory_order_relaxed);
    if (running_) {
        const std::uint32_t size = req_size_.load(std::memory_order_relaxed);
        // Changing the slot size re-cuts the slab: only when nothing is outstanding.
        if (head_ == tail_ || size == size_) {
            size_ = size;
            slots_ = static_cast<std::uint32_t>(std::min<std::size_t>(slab_.size() / size_, 65536));
            head_ = tail_ = 0;
        }
        rate_ = req_rate_.load(std::memory_order_relaxed);
        count_ = req_count_.load(std::memory_order_relaxed);
        sent_ = 0;
        started_ = now;
    }
    running_pub_.store(running_, std::memory_order_relaxed);
}

std::uint64_t generator::allowance(mono_ns now) const noexcept {
    if (!running_ || slots_ == 0) {
        return 0;
    }
    std::uint64_t n = slots_ - (head_ - tail_);
    if (count_ != 0) {
        n = std::min(n, count_ - std::min(count_, sent_));
    }
    if (rate_ != 0) {
        const auto due = static_cast<std::uint64_t>(
            static_cast<double>(now - started_) * static_cast<double>(rate_) / 1e9) + 1;
        n = std::min(n, due > sent_ ? due - sent_ : 0);
    }
    return n;
}

std::span<const std::byte> generator::next(node_id self, std::uint64_t& ref) noexcept {
    if (head_ - tail_ >= slots_) {
        return {};
    }
    const std::uint64_t slot = head_ % slots_;
    std::byte* p = slab_.data() + slot * size_;
    // A recognisable message: who, which, how long; the rest a cheap pattern of the number.
    const std::uint64_t number = sent_total_;
    std::byte hdr[16];
    store_be<std::uint32_t>(hdr, self);
    store_be<std::uint64_t>(hdr + 4, number);
    store_be<std::uint32_t>(hdr + 12, size_);
    std::memcpy(p, hdr, std::min<std::size_t>(16, size_));
    if (size_ > 16) {
        std::memset(p + 16, static_cast<int>(number & 0xff), size_ - 16);
    }
    ref = ref_tag | slot;
    return {p, size_};
}

void generator::commit() noexcept {
    ++head_;
    ++sent_;
    ++sent_total_;
    sent_pub_.store(sent_total_, std::memory_order_relaxed);
}

void generator::release(std::uint64_t ref) noexcept {
    (void)ref;
    ++tail_;
}

} // namespace ringcast::drv::dpdk
