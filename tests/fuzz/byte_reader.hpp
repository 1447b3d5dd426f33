#pragma once
// Reads a fuzz input as a stream of little integers. Past the end every read yields zero, so an
// input of any length is a complete program and shrinking it never changes what it means up to
// the cut.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace ringcast::fuzz {

class byte_reader {
public:
    explicit byte_reader(std::span<const std::uint8_t> in) noexcept : in_(in) {}

    [[nodiscard]] bool empty() const noexcept { return at_ >= in_.size(); }
    [[nodiscard]] std::size_t left() const noexcept { return empty() ? 0 : in_.size() - at_; }

    std::uint8_t u8() noexcept { return at_ < in_.size() ? in_[at_++] : 0; }
    std::uint16_t u16() noexcept { return static_cast<std::uint16_t>(u8() | u8() << 8); }
    std::uint32_t u32() noexcept { return u16() | std::uint32_t{u16()} << 16; }
    std::uint64_t u64() noexcept { return u32() | std::uint64_t{u32()} << 32; }

    /** Up to n bytes into out (zero-filled past the end); returns how many were real. */
    std::size_t bytes(std::byte* out, std::size_t n) noexcept {
        const std::size_t k = n < left() ? n : left();
        if (k != 0) {
            std::memcpy(out, in_.data() + at_, k);
        }
        std::memset(out + k, 0, n - k);
        at_ += k;
        return k;
    }

private:
    std::span<const std::uint8_t> in_;
    std::size_t at_ = 0;
};

} // namespace ringcast::fuzz
