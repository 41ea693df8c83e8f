#pragma once
/// @file
/// Compiler helpers used by the hot loops, and the switch between the header-only and the compiled build.

/// The library is header-only unless CAUSALREC_COMPILED is defined (the CMake target
/// causalrec::compiled defines it for whoever links it): then the one-shot code (SVG charts,
/// safetensors files, training-history CSV and charts) is declared by the headers and defined once
/// in the compiled library instead of in every translation unit (docs/compile-time.md).
/// CAUSALREC_HEADER_ONLY is 1 or 0 accordingly; CAUSALREC_INLINE marks the functions concerned
/// (`inline` when header-only).
#if defined(CAUSALREC_COMPILED)
/// 0: the one-shot code comes from causalrec::compiled.
#define CAUSALREC_HEADER_ONLY 0
/// Empty: the one-shot functions are ordinary functions defined once in causalrec::compiled.
#define CAUSALREC_INLINE
#else
/// 1: the headers define everything.
#define CAUSALREC_HEADER_ONLY 1
/// `inline`: the one-shot functions are defined in the headers.
#define CAUSALREC_INLINE inline
#endif

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

/// Unrolls the next loop completely when its trip count is a compile-time constant (register tiles:
/// an array of vector accumulators stays in registers only when every index is a constant).
#if defined(__clang__)
#define CAUSALREC_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define CAUSALREC_UNROLL _Pragma("GCC unroll 16")
#else
#define CAUSALREC_UNROLL
#endif

/// Bracket code that inlines AVX-512 intrinsics: GCC 12 starts some of their results (sqrt,
/// unpack, shuffle) from _mm512_undefined_ps(), which -Og then reports as (maybe) used uninitialized.
/// The bracketed kernels get no such warning for their own variables either: keep them small and
/// guard their template combinations with static_assert.
#if defined(__GNUC__) && !defined(__clang__)
#define CAUSALREC_INTRINSICS_BEGIN                                                                     \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"") \
        _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")
/// Ends a CAUSALREC_INTRINSICS_BEGIN bracket.
#define CAUSALREC_INTRINSICS_END _Pragma("GCC diagnostic pop")
#else
#define CAUSALREC_INTRINSICS_BEGIN
/// Ends a CAUSALREC_INTRINSICS_BEGIN bracket.
#define CAUSALREC_INTRINSICS_END
#endif

/// Asks the CPU to bring the cache line at p into its caches ahead of a read (rw 0) or a write
/// (rw 1); nothing on compilers without __builtin_prefetch.
#if defined(__GNUC__) || defined(__clang__)
#define CAUSALREC_PREFETCH(p, rw) __builtin_prefetch((p), (rw))
#else
#define CAUSALREC_PREFETCH(p, rw) ((void)(p))
#endif

/// Kernels written for AVX-512F with intrinsics (the dense layer's register tiles, Adam's float
/// update) are compiled with a per-function target attribute on x86-64 with g++ or clang++, and run
/// only where the CPU has the instructions (causalrec::cpu_has_avx512f, checked at run time);
/// CAUSALREC_NO_AVX512_KERNELS leaves them out.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(CAUSALREC_NO_AVX512_KERNELS) && \
    !defined(CAUSALREC_NO_SMALL_GEMM)
#define CAUSALREC_AVX512_KERNELS 1
#endif

namespace causalrec {

/// Whether the library's AVX-512F kernels run here: the CPU has AVX-512F (and FMA, which some of
/// them use in 256-bit form; every AVX-512F CPU has it) and the kernels were compiled in (checked once).
inline bool cpu_has_avx512f() noexcept {
#if defined(CAUSALREC_AVX512_KERNELS)
    static const bool available = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
    return available;
#else
    return false;
#endif
}

}  // namespace causalrec
