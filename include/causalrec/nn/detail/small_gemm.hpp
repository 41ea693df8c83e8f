#pragma once
/// @file
/// Implementation helper of the nn module (not API): the single-precision product of a dense layer's
/// inference pass, C = then(A B + bias), with AVX-512 register tiles and the bias and activation
/// applied while each tile is still in registers or L1. The layer's weights B (k x n, row-major, n a
/// multiple of 16) are read in place. Used only on CPUs with AVX-512F, chosen at run time; elsewhere
/// (and for double) the layer calls BLAS and then applies bias and activation in one pass.

#include <cstddef>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(CAUSALREC_NO_SMALL_GEMM)
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

#if defined(CAUSALREC_SMALL_GEMM)

/// Whether this CPU runs the AVX-512 tiles (checked once).
inline bool small_gemm_available() noexcept {
    static const bool available = __builtin_cpu_supports("avx512f");
    return available;
}

/// One tile: Rows rows of C from row `row` and Panels x 16 columns from column `col`:
/// C = then(A B + bias) (bias may be null). Rows x Panels accumulators stay in registers across k.
template <int Rows, int Panels, class F>
[[gnu::target("avx512f")]] inline void small_gemm_tile(strided_matrix a, const float* b, std::size_t ldb, const float* bias,
                                                      float* c, std::size_t ldc, std::size_t k, std::size_t row,
                                                      std::size_t col, F& then) {
    __m512 acc[Rows][Panels];
    for (int i = 0; i < Rows; ++i)
        for (int j = 0; j < Panels; ++j) acc[i][j] = _mm512_setzero_ps();
    const float* arow = a.data + row * a.row_stride;
    for (std::size_t p = 0; p < k; ++p) {
        __m512 bv[Panels];
        for (int j = 0; j < Panels; ++j) bv[j] = _mm512_loadu_ps(b + p * ldb + col + 16 * static_cast<std::size_t>(j));
        const float* acol = arow + p * a.col_stride;
        for (int i = 0; i < Rows; ++i) {
            const __m512 av = _mm512_set1_ps(acol[static_cast<std::size_t>(i) * a.row_stride]);
            for (int j = 0; j < Panels; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
        }
    }
    for (int j = 0; j < Panels; ++j) {
        const __m512 bj = bias ? _mm512_loadu_ps(bias + col + 16 * static_cast<std::size_t>(j)) : _mm512_setzero_ps();
        for (int i = 0; i < Rows; ++i) acc[i][j] = _mm512_add_ps(acc[i][j], bj);
    }
    for (int i = 0; i < Rows; ++i) {
        float* crow = c + (row + static_cast<std::size_t>(i)) * ldc + col;
        for (int j = 0; j < Panels; ++j) _mm512_storeu_ps(crow + 16 * j, acc[i][j]);
        for (int q = 0; q < 16 * Panels; ++q) crow[q] = then(crow[q]);
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
    for (; row < m; ++row) small_gemm_rows<1>(a, b, n, bias, c, k, row, then);
}

/// The same product with A row-major and packed (m x k).
template <class F>
[[gnu::target("avx512f")]] inline void small_gemm(const float* a, const float* b, const float* bias, float* c, std::size_t m,
                                                 std::size_t n, std::size_t k, F then) {
    small_gemm(strided_matrix{a, k, 1}, b, bias, c, m, n, k, then);
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

#endif

}  // namespace causalrec::nn::detail
