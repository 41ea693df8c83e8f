#pragma once
/// @file
/// Definition of Adam's AVX-512 float update declared in optim/detail/simd.hpp (the code that needs
/// <immintrin.h>): included by that header in the header-only build, compiled once into
/// causalrec::compiled with CAUSALREC_COMPILED.

#include <cstddef>

#include <immintrin.h>

#include "../detail/simd.hpp"

namespace causalrec::optim::detail {

[[gnu::target("avx512f")]] CAUSALREC_INLINE void adam_update_avx512(float* p, const float* g, float* m, float* v, std::size_t n,
                                                                    float b1, float c1, float b2, float c2, float step_size,
                                                                    float bc2_sqrt, float eps) noexcept {
    const __m512 vb1 = _mm512_set1_ps(b1), vc1 = _mm512_set1_ps(c1), vb2 = _mm512_set1_ps(b2), vc2 = _mm512_set1_ps(c2);
    const __m512 vstep = _mm512_set1_ps(step_size), vbc2 = _mm512_set1_ps(bc2_sqrt), veps = _mm512_set1_ps(eps);
    for (std::size_t j = 0; j < n; j += 16) {
        const __mmask16 k = n - j >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << (n - j)) - 1u);
        const __m512 gj = _mm512_maskz_loadu_ps(k, g + j);
        const __m512 mj = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_maskz_loadu_ps(k, m + j)), _mm512_mul_ps(vc1, gj));
        const __m512 vj = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_maskz_loadu_ps(k, v + j)), _mm512_mul_ps(_mm512_mul_ps(vc2, gj), gj));
        const __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_maskz_sqrt_ps(k, vj), vbc2), veps);
        const __m512 pj = _mm512_sub_ps(_mm512_maskz_loadu_ps(k, p + j), _mm512_mul_ps(vstep, _mm512_div_ps(mj, denom)));
        _mm512_mask_storeu_ps(m + j, k, mj);
        _mm512_mask_storeu_ps(v + j, k, vj);
        _mm512_mask_storeu_ps(p + j, k, pj);
    }
}

}  // namespace causalrec::optim::detail
