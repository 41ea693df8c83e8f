#pragma once
/// @file
/// Vectorized helpers for optimizer kernels. std::sqrt may set errno, so compilers keep it scalar
/// (with a branch) unless -fno-math-errno is given; these use the SIMD square-root instructions
/// directly where the target has them, with identical (correctly rounded) results.

#include <cmath>
#include <cstddef>

#if defined(__AVX512F__) || defined(__AVX__) || defined(__SSE2__) || defined(_M_X64)
#include <immintrin.h>
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

}  // namespace causalrec::optim::detail
