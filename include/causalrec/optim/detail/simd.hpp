#pragma once
/// @file
/// Vectorized helpers for optimizer kernels. std::sqrt may set errno, so compilers keep it scalar
/// (with a branch) unless -fno-math-errno is given; these use the SIMD square-root instructions
/// directly where the target has them, with identical (correctly rounded) results.

#include <cmath>
#include <cstddef>

#include "../../core/compiler.hpp"

// <immintrin.h> costs a compile about 0.4 s and 90 MB (g++ 12): only where the compiler targets AVX
// anyway (-march flags); the SSE2 square roots need <emmintrin.h> alone. Adam's AVX-512 update, the
// one kernel here written for a wider target than the compiler's, is in optim/impl/adam_avx512.hpp.
#if defined(__AVX512F__) || defined(__AVX__)
#include <immintrin.h>
#elif defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#endif

namespace causalrec::optim::detail {

/// x[i] = sqrt(x[i]) for i < n (inputs are non-negative moment estimates).
inline void sqrt_in_place(float* x, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_sqrt_ps(_mm512_loadu_ps(x + i)));
#endif
#if defined(__AVX__)
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_sqrt_ps(_mm256_loadu_ps(x + i)));
#endif
#if defined(__SSE2__) || defined(_M_X64)
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(x + i, _mm_sqrt_ps(_mm_loadu_ps(x + i)));
#endif
    for (; i < n; ++i) x[i] = std::sqrt(x[i]);
}

/// x[i] = sqrt(x[i]) for i < n (inputs are non-negative moment estimates).
inline void sqrt_in_place(double* x, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(__AVX512F__)
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(x + i, _mm512_sqrt_pd(_mm512_loadu_pd(x + i)));
#endif
#if defined(__AVX__)
    for (; i + 4 <= n; i += 4) _mm256_storeu_pd(x + i, _mm256_sqrt_pd(_mm256_loadu_pd(x + i)));
#endif
#if defined(__SSE2__) || defined(_M_X64)
    for (; i + 2 <= n; i += 2) _mm_storeu_pd(x + i, _mm_sqrt_pd(_mm_loadu_pd(x + i)));
#endif
    for (; i < n; ++i) x[i] = std::sqrt(x[i]);
}

/// Adam's moments and parameter update over n floats, without weight decay or AMSGrad:
/// m = b1 m + c1 g, v = b2 v + (c2 g) g, p -= step_size (m / (sqrt(v) / bc2_sqrt + eps)).
/// Separate products and sums in the order of the scalar loop of adam_step (no fused multiply-add),
/// so the result is the same bit for bit; 16 values per instruction. (The square root is the masked
/// form: the plain one starts from an undefined register, which g++ 12 warns about.)
#if defined(CAUSALREC_AVX512_KERNELS)
/// Defined in optim/impl/adam_avx512.hpp (compiled once into causalrec::compiled with CAUSALREC_COMPILED).
[[gnu::target("avx512f")]] CAUSALREC_INLINE void adam_update_avx512(float* p, const float* g, float* m, float* v, std::size_t n,
                                                                    float b1, float c1, float b2, float c2, float step_size,
                                                                    float bc2_sqrt, float eps) noexcept;
#else
/// Never called here (causalrec::cpu_has_avx512f() is false); declared so that callers compile.
inline void adam_update_avx512(float*, const float*, float*, float*, std::size_t, float, float, float, float, float, float,
                               float) noexcept {}
#endif

}  // namespace causalrec::optim::detail

#if defined(CAUSALREC_AVX512_KERNELS) && CAUSALREC_HEADER_ONLY
#include "../impl/adam_avx512.hpp"
#endif
