#pragma once
// A broken driver contract or invariant is a finding: say which, then abort so libFuzzer saves
// the input and prints the stack.

#include <cstdio>
#include <cstdlib>

#define FUZZ_REQUIRE(cond, ...)                                                                    \
    do {                                                                                           \
        if (!(cond)) [[unlikely]] {                                                                \
            std::fprintf(stderr, "fuzz: contract broken: " __VA_ARGS__);                           \
            std::fprintf(stderr, " (%s at %s:%d)\n", #cond, __FILE__, __LINE__);                   \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)
