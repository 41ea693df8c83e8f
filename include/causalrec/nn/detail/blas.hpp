#pragma once
/// @file
/// Thin row-major wrappers over the BLAS calls the layers make (through xtensor-blas's cxxblas,
/// which dispatches float and double to cblas_sgemm/dgemm and sgemv/dgemv).

#include <cstddef>

#include "../../core/blas.hpp"

namespace causalrec::nn::detail {

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

}  // namespace causalrec::nn::detail
