#pragma once
/// @file
/// Implementation helper of the nn module (not API): the single-precision product of a dense layer's
/// inference pass, C = then(A B + bias), with AVX-512 register tiles and the bias and activation
/// applied while each tile is still in registers or L1. The layer's weights B (k x n, row-major, n a
/// multiple of 16) are read in place. Used only on CPUs with AVX-512F, chosen at run time; elsewhere
/// (and for double) the layer calls BLAS and then applies bias and activation in one pass.
///
/// `then` is called as then(value) or, when it takes two arguments, then(value, index) with the
/// element's offset in C (index = row * n + column): the backward pass gates the input gradient with
/// the previous activation's output at the same offset that way.

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "../../core/compiler.hpp"

#if defined(CAUSALREC_AVX512_KERNELS)
#include <immintrin.h>
#define CAUSALREC_SMALL_GEMM 1
#endif

namespace causalrec::nn::detail {

/// Where A's elements are: element (i, p) at a[i * row_stride + p * col_stride] (row-major A: row_stride
/// = k, col_stride = 1; A given transposed, as X^T of a row-major X: row_stride = 1, col_stride = rows of X).
struct strided_matrix {
    const float* data;       ///< element (0, 0)
    std::size_t row_stride;  ///< distance between rows
    std::size_t col_stride;  ///< distance between columns
};

/// The epilogue that leaves the product as it is (one type for every plain product, so that the
/// tiles are compiled once for all of them).
struct identity_fn {
    /// v unchanged.
    template <class T>
    T operator()(T v) const noexcept { return v; }
};

/// then(value, index) when `then` takes the element's offset, then(value) otherwise.
template <class F, class T>
inline T apply_then(F& then, T value, [[maybe_unused]] std::size_t index) {
    if constexpr (std::is_invocable_v<F&, T, std::size_t>)
        return then(value, index);
    else
        return then(value);
}

/// Column sums of a row-major matrix (rows x n) without the AVX-512 path: sums[j] = sum_i g[i n + j].
template <class T>
inline void column_sums_portable(const T* g, std::size_t rows, std::size_t n, T* sums) {
    std::fill_n(sums, n, T(0));
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < n; ++j) sums[j] += g[i * n + j];
}

#if defined(CAUSALREC_SMALL_GEMM)

/// Whether this CPU runs the AVX-512 tiles (checked once).
inline bool small_gemm_available() noexcept { return causalrec::cpu_has_avx512f(); }

/// One tile: Rows rows of C from row `row` and Panels x 16 columns from column `col`:
/// C = then(A B + bias) (bias may be null). Rows x Panels accumulators stay in registers across k.
/// The loops over rows and panels are unrolled by pragma: at -O2 g++ 12 leaves them rolled, keeps the
/// accumulators in memory and runs at a third of the speed of -O3.
template <int Rows, int Panels, class F>
[[gnu::target("avx512f")]] inline void small_gemm_tile(strided_matrix a, const float* b, std::size_t ldb, const float* bias,
                                                      float* c, std::size_t ldc, std::size_t k, std::size_t row,
                                                      std::size_t col, F& then) {
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
        const std::size_t offset = (row + static_cast<std::size_t>(i)) * ldc + col;
        float* crow = c + offset;
        CAUSALREC_UNROLL
        for (int j = 0; j < Panels; ++j) _mm512_storeu_ps(crow + 16 * j, acc[i][j]);
        for (int q = 0; q < 16 * Panels; ++q) crow[q] = apply_then(then, crow[q], offset + static_cast<std::size_t>(q));
    }
}

/// The columns of rows [row, row + Rows): panels of 64 columns, then of 16.
template <int Rows, class F>
[[gnu::target("avx512f")]] inline void small_gemm_rows(strided_matrix a, const float* b, std::size_t n, const float* bias,
                                                      float* c, std::size_t k, std::size_t row, F& then) {
    std::size_t col = 0;
    for (; col + 64 <= n; col += 64) small_gemm_tile<Rows, 4>(a, b, n, bias, c, n, k, row, col, then);
    for (; col < n; col += 16) small_gemm_tile<Rows, 1>(a, b, n, bias, c, n, k, row, col, then);
}

/// C (m x n) = then(A (m x k) B (k x n) + bias) with A anywhere (strided_matrix), B and C row-major
/// and packed (ldb = ldc = n); n must be a multiple of 16 and the CPU must have AVX-512F
/// (small_gemm_available()).
template <class F>
[[gnu::target("avx512f")]] inline void small_gemm(strided_matrix a, const float* b, const float* bias, float* c, std::size_t m,
                                                 std::size_t n, std::size_t k, F then) {
    std::size_t row = 0;
    for (; row + 6 <= m; row += 6) small_gemm_rows<6>(a, b, n, bias, c, k, row, then);
    // The last 1 to 5 rows two at a time (a one-row tile waits on loads: 5 per 4 FMAs; two rows
    // load 6 per 8 FMAs). Only these three tile heights are compiled, for each `then`.
    for (; row + 2 <= m; row += 2) small_gemm_rows<2>(a, b, n, bias, c, k, row, then);
    if (row < m) small_gemm_rows<1>(a, b, n, bias, c, k, row, then);
}

/// The same product with A row-major and packed (m x k).
template <class F>
[[gnu::target("avx512f")]] inline void small_gemm(const float* a, const float* b, const float* bias, float* c, std::size_t m,
                                                 std::size_t n, std::size_t k, F then) {
    small_gemm(strided_matrix{a, k, 1}, b, bias, c, m, n, k, then);
}

/// sums[j] = sum_i g[i n + j] for a row-major g (rows x n), n a multiple of 16: 64 columns at a time
/// in four registers (the bias gradient of a dense layer).
[[gnu::target("avx512f")]] inline void column_sums(const float* g, std::size_t rows, std::size_t n, float* sums) {
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

#else

/// Without the AVX-512 tiles (another CPU family or compiler): always BLAS.
inline bool small_gemm_available() noexcept { return false; }

/// Never called here (small_gemm_available() is false); declared so that the callers compile.
template <class F>
void small_gemm(strided_matrix, const float*, const float*, float*, std::size_t, std::size_t, std::size_t, F) {}
/// Never called here (small_gemm_available() is false); declared so that the callers compile.
template <class F>
void small_gemm(const float*, const float*, const float*, float*, std::size_t, std::size_t, std::size_t, F) {}
/// Never called here (small_gemm_available() is false); declared so that the callers compile.
inline void column_sums(const float*, std::size_t, std::size_t, float*) {}

#endif

}  // namespace causalrec::nn::detail
