#pragma once
/// @file
/// Definitions of the AVX-512 tile products and column sums declared in nn/detail/small_gemm.hpp (the
/// code that needs <immintrin.h>): included by that header in the header-only build, compiled once
/// into causalrec::compiled with CAUSALREC_COMPILED.

#include <cstddef>

#include <immintrin.h>

#include "../detail/small_gemm.hpp"

namespace causalrec::nn::detail {

/// The loops over rows and panels are unrolled by pragma: at -O2 g++ 12 leaves them rolled, keeps the
/// accumulators in memory and runs at a third of the speed of -O3.
template <int Rows, int Panels>
[[gnu::target("avx512f")]] void small_gemm_tile_product(strided_matrix a, const float* b, std::size_t ldb, const float* bias,
                                                         float* c, std::size_t ldc, std::size_t k, std::size_t row,
                                                         std::size_t col) noexcept {
    __m512 acc[Rows][Panels];
    CAUSALREC_UNROLL
    for (int i = 0; i < Rows; ++i)
        CAUSALREC_UNROLL
        for (int j = 0; j < Panels; ++j) acc[i][j] = _mm512_setzero_ps();
    const float* arow = a.data + row * a.row_stride;
    for (std::size_t p = 0; p < k; ++p) {
        __m512 bv[Panels];
        CAUSALREC_UNROLL
        for (int j = 0; j < Panels; ++j) bv[j] = _mm512_loadu_ps(b + p * ldb + col + 16 * static_cast<std::size_t>(j));
        const float* acol = arow + p * a.col_stride;
        CAUSALREC_UNROLL
        for (int i = 0; i < Rows; ++i) {
            const __m512 av = _mm512_set1_ps(acol[static_cast<std::size_t>(i) * a.row_stride]);
            CAUSALREC_UNROLL
            for (int j = 0; j < Panels; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    CAUSALREC_UNROLL
    for (int j = 0; j < Panels; ++j) {
        const __m512 bj = bias ? _mm512_loadu_ps(bias + col + 16 * static_cast<std::size_t>(j)) : _mm512_setzero_ps();
        CAUSALREC_UNROLL
        for (int i = 0; i < Rows; ++i) acc[i][j] = _mm512_add_ps(acc[i][j], bj);
    }
    CAUSALREC_UNROLL
    for (int i = 0; i < Rows; ++i) {
        float* crow = c + (row + static_cast<std::size_t>(i)) * ldc + col;
        CAUSALREC_UNROLL
        for (int j = 0; j < Panels; ++j) _mm512_storeu_ps(crow + 16 * j, acc[i][j]);
    }
}

[[gnu::target("avx512f")]] CAUSALREC_INLINE void column_sums(const float* g, std::size_t rows, std::size_t n, float* sums) noexcept {
    std::size_t col = 0;
    for (; col + 64 <= n; col += 64) {
        __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
        for (std::size_t i = 0; i < rows; ++i) {
            const float* r = g + i * n + col;
            s0 = _mm512_add_ps(s0, _mm512_loadu_ps(r));
            s1 = _mm512_add_ps(s1, _mm512_loadu_ps(r + 16));
            s2 = _mm512_add_ps(s2, _mm512_loadu_ps(r + 32));
            s3 = _mm512_add_ps(s3, _mm512_loadu_ps(r + 48));
        }
        _mm512_storeu_ps(sums + col, s0);
        _mm512_storeu_ps(sums + col + 16, s1);
        _mm512_storeu_ps(sums + col + 32, s2);
        _mm512_storeu_ps(sums + col + 48, s3);
    }
    for (; col < n; col += 16) {
        __m512 s0 = _mm512_setzero_ps();
        for (std::size_t i = 0; i < rows; ++i) s0 = _mm512_add_ps(s0, _mm512_loadu_ps(g + i * n + col));
        _mm512_storeu_ps(sums + col, s0);
    }
}

}  // namespace causalrec::nn::detail
