#pragma once
/// @file
/// Compiler helpers used by the hot loops.

/// Promises the compiler that a pointer does not alias the other pointers of the loop, so that
/// element-wise loops vectorize (every supported compiler has the extension).
#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
#define CAUSALREC_RESTRICT __restrict
#else
#define CAUSALREC_RESTRICT
#endif

/// Function multiversioning for the few kernels whose speed depends on the vector width (the
/// Cholesky solves of ALS, the per-rating SGD loop of matrix factorisation): with g++ on x86-64
/// Linux the function is compiled three times (AVX-512F, AVX+FMA, baseline) and the loader picks
/// by the CPU's features (not its model name, which newer CPUs do not match), so a default build
/// runs wide vector code without -march flags. clang 14
/// cannot link such functions when they are inline in several translation units, so there (and
/// when CAUSALREC_NO_MULTIVERSIONING is defined) the function is compiled once for the target
/// given on the command line: build with -march=native (or x86-64-v3) to get the same effect.
/// Sanitizer builds turn it off by themselves: the loader resolves multiversioned functions through
/// ifunc resolvers that run before ThreadSanitizer (and the other sanitizers' runtimes) are set up,
/// which crashes a -fsanitize=thread program before main (docs/hardening.md).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define CAUSALREC_SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define CAUSALREC_SANITIZER_BUILD 1
#endif
#endif
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(CAUSALREC_NO_MULTIVERSIONING) && !defined(CAUSALREC_SANITIZER_BUILD)
#define CAUSALREC_MULTIVERSION __attribute__((target_clones("avx512f", "fma", "default")))
#else
#define CAUSALREC_MULTIVERSION
#endif
