#pragma once
// Two tiers of assertions (eRPC / TigerBeetle): RC_ASSERT is always on and catches programmer
// errors only; RC_DEBUG_ASSERT is for expensive checks and compiles away in release builds.
// Input validation is never an assertion: hostile input is counted and dropped instead.

#include <cstdio>
#include <cstdlib>

namespace ringcast::detail {
[[noreturn]] inline void assert_fail(const char* expr, const char* file, int line) noexcept {
    std::fprintf(stderr, "ringcast: assertion failed: %s at %s:%d\n", expr, file, line);
    std::abort();
}
} // namespace ringcast::detail

#define RC_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) [[unlikely]] {                                                                \
            ::ringcast::detail::assert_fail(#cond, __FILE__, __LINE__);                            \
        }                                                                                          \
    } while (0)

#ifdef NDEBUG
#define RC_DEBUG_ASSERT(cond)                                                                      \
    do {                                                                                           \
    } while (0)
#else
#define RC_DEBUG_ASSERT(cond) RC_ASSERT(cond)
#endif
