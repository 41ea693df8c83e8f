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

namespace detail {

/// batched_cholesky_solve in portable vector code (right-looking, one pivot row at a time).
CAUSALREC_MULTIVERSION inline bool batched_cholesky_solve_portable(std::size_t k, float_lanes* CAUSALREC_RESTRICT a,
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

}  // namespace detail

#if defined(CAUSALREC_AVX512_KERNELS)
namespace detail {

// The AVX-512 kernels (intrinsics) are defined in core/impl/linalg_avx512.hpp, which the header-only
// build includes at the end of this header and the compiled part compiles once, so that a program
// built against causalrec::compiled does not parse <immintrin.h> (about 0.4 s and 90 MB with g++ 12).

/// batched_cholesky_solve on AVX-512F (cholesky_lanes == 16: one register per entry), k a multiple of 4.
[[gnu::target("avx512f")]] CAUSALREC_INLINE bool batched_cholesky_solve_avx512(std::size_t k, float* a, float* b) noexcept;

/// systems_to_lanes for k a multiple of 16 and cholesky_lanes systems: 16 x 16 block transposes.
[[gnu::target("avx512f")]] CAUSALREC_INLINE void systems_to_lanes_avx512(std::size_t k, const float* systems, std::size_t stride,
                                                                         const float* rhs, float* a, float* b) noexcept;

/// gram_of_rows on AVX-512F: k a multiple of 16.
[[gnu::target("avx512f,fma")]] CAUSALREC_INLINE void gram_of_rows_avx512(const float* table, std::span<const std::size_t> ids,
                                                                         std::size_t k, const float* w, float* a, float* b);

}  // namespace detail
#endif

/// Solves cholesky_lanes independent float systems A_s x_s = b_s at once: element (r, c) of every
/// system is a[r * k + c] (lane s = system s), element r of every b is b[r]; only the upper
/// triangle (c >= r) is read. All arithmetic runs across the lanes, so it is fully vectorised
/// whatever k is. b receives the solutions. Returns false when some system is not (numerically)
/// positive definite.
inline bool batched_cholesky_solve(std::size_t k, float_lanes* CAUSALREC_RESTRICT a, float_lanes* CAUSALREC_RESTRICT b) noexcept {
#if defined(CAUSALREC_AVX512_KERNELS)
    static_assert(cholesky_lanes == 16);
    if (k % 4 == 0 && cpu_has_avx512f())
        return detail::batched_cholesky_solve_avx512(k, reinterpret_cast<float*>(a), reinterpret_cast<float*>(b));
#endif
    return detail::batched_cholesky_solve_portable(k, a, b);
}

/// Lays out `count` (at most cholesky_lanes) systems for batched_cholesky_solve: system s is the
/// row-major k x k matrix at systems + s * stride (its upper triangle is used; stride >= k * k)
/// with the right-hand side rhs + s * k, and becomes lane s of a and b. Lanes from `count` on get
/// the identity with a zero right-hand side, whatever the buffers hold there. With AVX-512 and k a
/// multiple of 16 it runs as 16 x 16 block transposes (which also copy the entries below the
/// diagonal inside the diagonal 16 x 16 blocks; the solver does not read them).
inline void systems_to_lanes(std::size_t k, std::size_t count, const float* systems, std::size_t stride, const float* rhs,
                             float_lanes* a, float_lanes* b) noexcept {
    constexpr std::size_t L = cholesky_lanes;
#if defined(CAUSALREC_AVX512_KERNELS)
    if (count == L && k % 16 == 0 && cpu_has_avx512f()) {
        detail::systems_to_lanes_avx512(k, systems, stride, rhs, reinterpret_cast<float*>(a), reinterpret_cast<float*>(b));
        return;
    }
#endif
    for (std::size_t s = 0; s < L; ++s) {
        const float* sys = systems + s * stride;
        for (std::size_t r = 0; r < k; ++r) {
            for (std::size_t c = r; c < k; ++c) a[r * k + c][s] = s < count ? sys[r * k + c] : (r == c ? 1.0f : 0.0f);
            b[r][s] = s < count ? rhs[s * k + r] : 0.0f;
        }
    }
}

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

#if defined(CAUSALREC_AVX512_KERNELS) && CAUSALREC_HEADER_ONLY
#include "impl/linalg_avx512.hpp"
#endif
