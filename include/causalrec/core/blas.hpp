#pragma once
/// @file
/// The single place the library includes xtensor-blas from (BLAS and LAPACK bindings), and the thin
/// row-major wrappers every module calls (through xtensor-blas's cxxblas, which dispatches float and
/// double to cblas_sgemm/dgemm, sgemv/dgemv and ssyrk/dsyrk). Heavier than the other core headers:
/// included by the modules that compute with BLAS.

#include <algorithm>
#include <cstddef>

#include "linalg.hpp"
#include "xtensor.hpp"

#if __has_include(<xtensor-blas/xblas.hpp>)
#include <xtensor-blas/xblas.hpp>
#else
#error "causalrec needs xtensor-blas (0.20 or newer): install libxtensor-blas-dev, or xtensor-blas from vcpkg/Conan"
#endif

namespace causalrec::blas {

/// C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C, all row-major with leading
/// dimensions lda, ldb, ldc; op transposes when the flag is set.
template <class T>
void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
          std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    using idx = xt::blas_index_t;
    cxxblas::gemm<idx>(cxxblas::StorageOrder::RowMajor, trans_a ? cxxblas::Transpose::Trans : cxxblas::Transpose::NoTrans,
                       trans_b ? cxxblas::Transpose::Trans : cxxblas::Transpose::NoTrans, static_cast<idx>(m),
                       static_cast<idx>(n), static_cast<idx>(k), alpha, a, static_cast<idx>(lda), b,
                       static_cast<idx>(ldb), beta, c, static_cast<idx>(ldc));
}

/// y = alpha * op(A) x + beta * y with A row-major (rows x cols, leading dimension lda).
template <class T>
void gemv(bool trans_a, std::size_t rows, std::size_t cols, T alpha, const T* a, std::size_t lda, const T* x,
          T beta, T* y) {
    using idx = xt::blas_index_t;
    cxxblas::gemv<idx>(cxxblas::StorageOrder::RowMajor, trans_a ? cxxblas::Transpose::Trans : cxxblas::Transpose::NoTrans,
                       static_cast<idx>(rows), static_cast<idx>(cols), alpha, a, static_cast<idx>(lda), x, idx(1), beta,
                       y, idx(1));
}

/// C (k x k, row-major, upper triangle written) = beta * C + alpha * G^T G for G (n x k, row-major).
template <class T>
void gram_upper(std::size_t n, std::size_t k, const T* g, T alpha, T beta, T* c) {
    using idx = xt::blas_index_t;
    cxxblas::syrk<idx>(cxxblas::StorageOrder::RowMajor, cxxblas::StorageUpLo::Upper, cxxblas::Transpose::Trans,
                       static_cast<idx>(k), static_cast<idx>(n), alpha, g, static_cast<idx>(k), beta, c,
                       static_cast<idx>(k));
}

/// out[i] = <factors row i, x> for every row of a row-major (rows x k) table.
template <class T>
inline void scores_of_all_rows(std::size_t rows, std::size_t k, const T* factors, const T* x, T* out) {
    if (rows == 0) return;
    if (k == 0) {
        for (std::size_t i = 0; i < rows; ++i) out[i] = 0;
        return;
    }
    gemv<T>(false, rows, k, T(1), factors, k, x, T(0), out);
}

/// Factors a symmetric positive-definite A (n x n, row-major, upper triangle read) in place into
/// A = U^T U with U in the upper triangle, by blocks of 64: each diagonal block by
/// linalg::cholesky_factor, the rows to its right by one triangular solve (trsm) and the trailing
/// matrix by one rank-64 update (syrk). Returns false, leaving A partly overwritten, when a pivot is
/// not above relative_tolerance times the largest diagonal entry (not positive definite). The same
/// factor as linalg::cholesky_factor up to rounding, and several times faster from n of a few hundred.
template <class T>
bool cholesky_factor_blocked(std::size_t n, T* a, T relative_tolerance = T(0)) {
    using idx = xt::blas_index_t;
    constexpr std::size_t block = 64;
    const T tiny = linalg::pivot_floor(n, a, relative_tolerance);
    for (std::size_t j = 0; j < n; j += block) {
        const std::size_t b = std::min(block, n - j), rest = n - j - b;
        if (!linalg::cholesky_factor(b, a + j * n + j, n, tiny)) return false;
        if (rest == 0) break;
        T* right = a + j * n + j + b;
        cxxblas::trsm<idx>(cxxblas::StorageOrder::RowMajor, cxxblas::Side::Left, cxxblas::StorageUpLo::Upper,
                           cxxblas::Transpose::Trans, cxxblas::Diag::NonUnit, static_cast<idx>(b), static_cast<idx>(rest),
                           T(1), a + j * n + j, static_cast<idx>(n), right, static_cast<idx>(n));
        cxxblas::syrk<idx>(cxxblas::StorageOrder::RowMajor, cxxblas::StorageUpLo::Upper, cxxblas::Transpose::Trans,
                           static_cast<idx>(rest), static_cast<idx>(b), T(-1), right, static_cast<idx>(n), T(1),
                           a + (j + b) * n + j + b, static_cast<idx>(n));
    }
    return true;
}

/// Solves U^T U x = b in place in b, for the upper-triangular factor U (n x n, row-major) that
/// cholesky_factor_blocked left.
template <class T>
void cholesky_solve_factored(std::size_t n, const T* u, T* b) {
    using idx = xt::blas_index_t;
    cxxblas::trsv<idx>(cxxblas::StorageOrder::RowMajor, cxxblas::StorageUpLo::Upper, cxxblas::Transpose::Trans,
                       cxxblas::Diag::NonUnit, static_cast<idx>(n), u, static_cast<idx>(n), b, idx(1));
    cxxblas::trsv<idx>(cxxblas::StorageOrder::RowMajor, cxxblas::StorageUpLo::Upper, cxxblas::Transpose::NoTrans,
                       cxxblas::Diag::NonUnit, static_cast<idx>(n), u, static_cast<idx>(n), b, idx(1));
}

}  // namespace causalrec::blas
