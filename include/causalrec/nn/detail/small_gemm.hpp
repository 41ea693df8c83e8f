#pragma once
/// @file
/// Implementation helper of the nn module (not API): the single-precision product of a dense layer's
/// inference pass, C = then(A B + bias), with AVX-512 register tiles and the bias and activation
/// applied while each tile is still in registers or L1. The layer's weights B (k x n, row-major, n a
/// multiple of 16) are read in place. Used only on CPUs with AVX-512F, chosen at run time; elsewhere
/// (and for double) the layer calls BLAS and then applies bias and activation in one pass. The code
/// written with intrinsics (the tile products, the column sums) is in nn/impl/small_gemm.hpp.
///
/// `then` is called as then(value) or, when it takes two arguments, then(value, index) with the
/// element's offset in C (index = row * n + column): the backward pass gates the input gradient with
/// the previous activation's output at the same offset that way.

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "../../core/compiler.hpp"

#if defined(CAUSALREC_AVX512_KERNELS)
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

/// One tile of the product, stored without the epilogue: Rows rows of C from row `row` and Panels x 16
/// columns from column `col`, C = A B + bias (bias may be null), the Rows x Panels accumulators in
/// registers across k. Compiled for the three tile heights (6, 2, 1) and two widths (4, 1) that
/// small_gemm uses; defined in nn/impl/small_gemm.hpp (the intrinsics), which the header-only build
/// includes and the compiled part compiles once, so that a program built against causalrec::compiled
/// does not parse <immintrin.h>.
template <int Rows, int Panels>
[[gnu::target("avx512f")]] void small_gemm_tile_product(strided_matrix a, const float* b, std::size_t ldb, const float* bias,
                                                         float* c, std::size_t ldc, std::size_t k, std::size_t row,
                                                         std::size_t col) noexcept;

/// One tile: C = then(A B + bias) for Rows rows from `row` and Panels x 16 columns from `col`; `then`
/// runs over the tile while it is in L1. Flattened: where the tile product's definition is visible
/// (header-only, and the compiled part's own activations) it is inlined here as one function with
/// `then`, as fast as a single loop nest (a call per tile measured up to 3 % slower in the predict
/// benchmark); a program built against causalrec::compiled that fuses its own activation calls it.
template <int Rows, int Panels, class F>
[[gnu::target("avx512f"), gnu::flatten]] inline void small_gemm_tile(strided_matrix a, const float* b, std::size_t ldb,
                                                                    const float* bias, float* c, std::size_t ldc, std::size_t k,
                                                                    std::size_t row, std::size_t col, F& then) {
    small_gemm_tile_product<Rows, Panels>(a, b, ldb, bias, c, ldc, k, row, col);
    CAUSALREC_UNROLL
    for (int i = 0; i < Rows; ++i) {
        const std::size_t offset = (row + static_cast<std::size_t>(i)) * ldc + col;
        float* crow = c + offset;
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
/// in four registers (the bias gradient of a dense layer). Defined in nn/impl/small_gemm.hpp.
[[gnu::target("avx512f")]] CAUSALREC_INLINE void column_sums(const float* g, std::size_t rows, std::size_t n, float* sums) noexcept;

/// The explicit instantiation (`EXTERN template`) of one tile product.
#define CAUSALREC_NN_SMALL_GEMM_TILE(EXTERN, ROWS, PANELS)                                                                    \
    EXTERN template void small_gemm_tile_product<ROWS, PANELS>(strided_matrix, const float*, std::size_t, const float*, float*, \
                                                               std::size_t, std::size_t, std::size_t, std::size_t) noexcept;

/// The six tile products small_gemm calls: declared `extern` by this header with CAUSALREC_COMPILED,
/// instantiated once in src/nn.cpp (header-only builds instantiate them implicitly).
#define CAUSALREC_NN_SMALL_GEMM_TILE_INSTANTIATIONS(EXTERN)                                                       \
    CAUSALREC_NN_SMALL_GEMM_TILE(EXTERN, 6, 4) CAUSALREC_NN_SMALL_GEMM_TILE(EXTERN, 6, 1)                         \
    CAUSALREC_NN_SMALL_GEMM_TILE(EXTERN, 2, 4) CAUSALREC_NN_SMALL_GEMM_TILE(EXTERN, 2, 1)                         \
    CAUSALREC_NN_SMALL_GEMM_TILE(EXTERN, 1, 4) CAUSALREC_NN_SMALL_GEMM_TILE(EXTERN, 1, 1)

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
inline void column_sums(const float*, std::size_t, std::size_t, float*) noexcept {}

#endif

}  // namespace causalrec::nn::detail

#if defined(CAUSALREC_SMALL_GEMM)
#if CAUSALREC_HEADER_ONLY
#include "../impl/small_gemm.hpp"
#else
namespace causalrec::nn::detail {
CAUSALREC_NN_SMALL_GEMM_TILE_INSTANTIATIONS(extern)
}  // namespace causalrec::nn::detail
#endif
#endif
