#pragma once
// Shared helpers of the fuzz targets: a harness-level failure prints why and aborts, which libFuzzer
// reports as a crash and saves the input (crash-<sha1>).
#include <cstdio>
#include <cstdlib>

#define CAUSALREC_FUZZ_CHECK(cond, what)                                                              \
    do {                                                                                              \
        if (!(cond)) {                                                                                \
            std::fprintf(stderr, "causalrec fuzz invariant failed: %s (%s:%d)\n", what, __FILE__, __LINE__); \
            std::abort();                                                                             \
        }                                                                                             \
    } while (0)
