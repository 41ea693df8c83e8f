#pragma once
/// @file
/// Small dense linear algebra shared by the modules: a dot product that vectorises without
/// -ffast-math, small dense Cholesky solves (one system, or sixteen float systems at once across SIMD
/// lanes). The BLAS wrappers (gemm, gemv, syrk, the scores of every row of a table) are in core/blas.hpp.

#include <cmath>
#include <cstddef>
#include <span>

#include <algorithm>

#include "compiler.hpp"

#if defined(CAUSALREC_AVX512_KERNELS)
#include <immintrin.h>
#endif

namespace causalrec::linalg {

/// sum_k a[k] * b[k], with eight partial sums so the loop vectorises under strict IEEE rules.
template <class T>
inline T dot(const T* a, const T* b, std::size_t n) noexcept {
    T s[8] = {};
    std::size_t k = 0;
    for (; k + 8 <= n; k += 8)
        for (std::size_t j = 0; j < 8; ++j) s[j] += a[k + j] * b[k + j];
    T tail = 0;
    for (; k < n; ++k) tail += a[k] * b[k];
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + tail;
}

/// y[k] += a * x[k] for k < n; x and y must not overlap. In blocks of eight, so the loop vectorises
/// at -O2 too (no run-time overlap check, no scalar epilogue for the blocks).
template <class T>
inline void axpy(T a, const T* CAUSALREC_RESTRICT x, T* CAUSALREC_RESTRICT y, std::size_t n) noexcept {
    std::size_t k = 0;
    for (; k + 8 <= n; k += 8)
        for (std::size_t j = 0; j < 8; ++j) y[k + j] += a * x[k + j];
    for (; k < n; ++k) y[k] += a * x[k];
}

/// Copies the upper triangle of a row-major k x k matrix into its lower triangle.
template <class T>
inline void symmetrize_from_upper(std::size_t k, T* c) noexcept {
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = 0; j < i; ++j) c[i * k + j] = c[j * k + i];
}

/// The smallest pivot a Cholesky factorisation of the k x k row-major A accepts: relative_tolerance
/// times A's largest diagonal entry (0 when relative_tolerance is 0).
template <class T>
inline T pivot_floor(std::size_t k, const T* a, T relative_tolerance) noexcept {
    T tiny = T(0);
    if (relative_tolerance > T(0)) {
        for (std::size_t j = 0; j < k; ++j) tiny = std::max(tiny, std::abs(a[j * k + j]));
        tiny *= relative_tolerance;
    }
    return tiny;
}

/// Factors in place the k x k block of a row-major matrix with leading dimension lda whose upper
/// triangle holds a symmetric positive definite A: the block's upper triangle becomes U with
/// A = U^T U (the lower triangle is not touched). Right-looking and row-oriented: the inner loops are
/// contiguous row updates, so they vectorise. Returns false when a pivot is not above `tiny` (an
/// absolute bound; 0 accepts any positive pivot).
template <class T>
CAUSALREC_MULTIVERSION inline bool cholesky_factor(std::size_t k, T* CAUSALREC_RESTRICT a, std::size_t lda, T tiny) noexcept {
    for (std::size_t j = 0; j < k; ++j) {
        T* CAUSALREC_RESTRICT row = a + j * lda;
        const T pivot = row[j];
        if (!(pivot > tiny)) return false;
        const T d = std::sqrt(pivot), inv = T(1) / d;
        for (std::size_t l = j; l < k; ++l) row[l] *= inv;  // row j of U
        for (std::size_t i = j + 1; i < k; ++i) {
            const T u = row[i];
            T* CAUSALREC_RESTRICT target = a + i * lda;
            for (std::size_t l = i; l < k; ++l) target[l] -= u * row[l];
        }
    }
    return true;
}

/// Solves A x = b in place (b becomes x) for a symmetric positive definite A (k x k, its row-major
/// upper triangle is read and overwritten by U with A = U^T U; the lower triangle is not touched),
/// by cholesky_factor and two triangular solves. For the small systems of ALS (k up to a few
/// hundred) it is several times faster than LAPACK's blocked potrf/potrs, whose per-call overhead
/// dominates at this size (from several hundred, blas::cholesky_factor_blocked is faster). Returns
/// false when A is not (numerically) positive definite: a pivot at or below `relative_tolerance`
/// times the largest diagonal entry of A (0 = any positive pivot is accepted).
template <class T>
CAUSALREC_MULTIVERSION inline bool cholesky_solve(std::size_t k, T* CAUSALREC_RESTRICT a, T* CAUSALREC_RESTRICT b,
                                                  T relative_tolerance = T(0)) noexcept {
    if (!cholesky_factor(k, a, k, pivot_floor(k, a, relative_tolerance))) return false;
    // U^T y = b (forward, column-oriented through the rows of U), then U x = y (backward).
    for (std::size_t j = 0; j < k; ++j) {
        const T* CAUSALREC_RESTRICT row = a + j * k;
        const T y = b[j] / row[j];
        b[j] = y;
        for (std::size_t l = j + 1; l < k; ++l) b[l] -= y * row[l];
    }
    for (std::size_t j = k; j-- > 0;) {
        const T* row = a + j * k;
        b[j] = (b[j] - dot(row + j + 1, b + j + 1, k - j - 1)) / row[j];
    }
    return true;
}

/// Number of systems batched_cholesky_solve solves side by side (one per SIMD lane).
inline constexpr std::size_t cholesky_lanes = 16;

/// cholesky_lanes floats operated on as one value (GCC/clang vector extension: one AVX-512
/// register, two AVX or four SSE registers, whatever the target has).
using float_lanes = float __attribute__((vector_size(cholesky_lanes * sizeof(float))));

/// Solves cholesky_lanes independent float systems A_s x_s = b_s at once: element (r, c) of every
/// system is a[r * k + c] (lane s = system s), element r of every b is b[r]; only the upper
/// triangle (c >= r) is read. All arithmetic runs across the lanes, so it is fully vectorised
/// whatever k is. b receives the solutions. Returns false when some system is not (numerically)
/// positive definite.
CAUSALREC_MULTIVERSION inline bool batched_cholesky_solve(std::size_t k, float_lanes* CAUSALREC_RESTRICT a,
                                                         float_lanes* CAUSALREC_RESTRICT b) noexcept {
    constexpr std::size_t L = cholesky_lanes;
    bool ok = true;
    for (std::size_t j = 0; j < k; ++j) {
        float_lanes* CAUSALREC_RESTRICT row = a + j * k;
        float_lanes inv;
        for (std::size_t s = 0; s < L; ++s) {
            const float pivot = row[j][s];
            ok = ok && pivot > 0.0f;
            inv[s] = 1.0f / std::sqrt(pivot > 0.0f ? pivot : 1.0f);
        }
        for (std::size_t l = j; l < k; ++l) row[l] *= inv;
        for (std::size_t i = j + 1; i < k; ++i) {
            const float_lanes u = row[i];
            float_lanes* CAUSALREC_RESTRICT target = a + i * k;
            for (std::size_t l = i; l < k; ++l) target[l] -= u * row[l];
        }
    }
    // U^T y = b, then U x = y, all lanes at once.
    for (std::size_t j = 0; j < k; ++j) {
        const float_lanes* row = a + j * k;
        const float_lanes y = b[j] / row[j];
        b[j] = y;
        for (std::size_t l = j + 1; l < k; ++l) b[l] -= y * row[l];
    }
    for (std::size_t j = k; j-- > 0;) {
        const float_lanes* row = a + j * k;
        float_lanes x = b[j];
        for (std::size_t l = j + 1; l < k; ++l) x -= row[l] * b[l];
        b[j] = x / row[j];
    }
    return ok;
}

#if defined(CAUSALREC_AVX512_KERNELS)
namespace detail {

/// Rows [r0, r0 + 4) of the Gram matrix, columns of Panels 16-wide panels from column c0, over the
/// rows table + ids[j] * k: 4 x Panels accumulators stay in registers across all the rows.
template <int Panels>
[[gnu::target("avx512f")]] inline void gram_block(const float* table, const std::size_t* ids, std::size_t n, std::size_t k,
                                                  std::size_t r0, std::size_t c0, float* a) {
    __m512 acc[4][Panels];
    CAUSALREC_UNROLL
    for (int i = 0; i < 4; ++i)
        CAUSALREC_UNROLL
        for (int q = 0; q < Panels; ++q) acc[i][q] = _mm512_setzero_ps();
    for (std::size_t j = 0; j < n; ++j) {
        const float* row = table + ids[j] * k;
        __m512 bv[Panels];
        CAUSALREC_UNROLL
        for (int q = 0; q < Panels; ++q) bv[q] = _mm512_loadu_ps(row + c0 + 16 * static_cast<std::size_t>(q));
        CAUSALREC_UNROLL
        for (int i = 0; i < 4; ++i) {
            const __m512 av = _mm512_set1_ps(row[r0 + static_cast<std::size_t>(i)]);
            CAUSALREC_UNROLL
            for (int q = 0; q < Panels; ++q) acc[i][q] = _mm512_fmadd_ps(av, bv[q], acc[i][q]);
        }
    }
    CAUSALREC_UNROLL
    for (int i = 0; i < 4; ++i)
        CAUSALREC_UNROLL
        for (int q = 0; q < Panels; ++q)
            _mm512_storeu_ps(a + (r0 + static_cast<std::size_t>(i)) * k + c0 + 16 * static_cast<std::size_t>(q), acc[i][q]);
}

/// gram_of_rows on AVX-512F: k a multiple of 16.
[[gnu::target("avx512f")]] inline void gram_of_rows_avx512(const float* table, std::span<const std::size_t> ids, std::size_t k,
                                                          const float* w, float* a, float* b) {
    const std::size_t n = ids.size(), panels = k / 16;
    for (std::size_t r0 = 0; r0 < k; r0 += 4) {
        // Only the panels that reach the upper triangle of these rows (the diagonal panel is whole).
        for (std::size_t p = r0 / 16; p < panels; p += 4) {
            switch (std::min<std::size_t>(4, panels - p)) {
                case 4: gram_block<4>(table, ids.data(), n, k, r0, 16 * p, a); break;
                case 3: gram_block<3>(table, ids.data(), n, k, r0, 16 * p, a); break;
                case 2: gram_block<2>(table, ids.data(), n, k, r0, 16 * p, a); break;
                default: gram_block<1>(table, ids.data(), n, k, r0, 16 * p, a); break;
            }
        }
    }
    for (std::size_t p = 0; p < panels; ++p) {
        __m512 acc = _mm512_setzero_ps();
        for (std::size_t j = 0; j < n; ++j)
            acc = _mm512_fmadd_ps(_mm512_set1_ps(w[j]), _mm512_loadu_ps(table + ids[j] * k + 16 * p), acc);
        _mm512_storeu_ps(b + 16 * p, acc);
    }
}

}  // namespace detail
#endif

/// Whether gram_of_rows runs its AVX-512 kernel for k columns: k a multiple of 16 on a CPU with
/// AVX-512F (cpu_has_avx512f). Otherwise it runs plain loops, and BLAS (syrk) is the faster choice.
inline bool gram_of_rows_vectorized(std::size_t k) noexcept { return k % 16 == 0 && k > 0 && cpu_has_avx512f(); }

/// The normal equations of a least-squares fit on gathered rows, without copying them: for the rows
/// t_j = table + ids[j] * k (k floats each), a (k x k, row-major) gets sum_j t_j t_j^T in its upper
/// triangle (entries below the diagonal may be overwritten too) and b (k) gets sum_j w[j] t_j. ALS
/// builds each user's and item's system this way; the AVX-512 kernel keeps 4 x 64 entries of a in
/// registers over all the rows.
inline void gram_of_rows(const float* table, std::span<const std::size_t> ids, std::size_t k, const float* w, float* a, float* b) {
#if defined(CAUSALREC_AVX512_KERNELS)
    if (gram_of_rows_vectorized(k)) {
        detail::gram_of_rows_avx512(table, ids, k, w, a, b);
        return;
    }
#endif
    std::fill_n(b, k, 0.0f);
    for (std::size_t r = 0; r < k; ++r) std::fill_n(a + r * k + r, k - r, 0.0f);
    for (std::size_t j = 0; j < ids.size(); ++j) {
        const float* t = table + ids[j] * k;
        for (std::size_t r = 0; r < k; ++r) {
            axpy(t[r], t + r, a + r * k + r, k - r);
            b[r] += w[j] * t[r];
        }
    }
}

}  // namespace causalrec::linalg
