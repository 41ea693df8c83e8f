#pragma once
/// @file
/// Definitions of the AVX-512 kernels declared in core/linalg.hpp (the code that needs
/// <immintrin.h>: ALS's batched Cholesky solves, their lane layout and the Gram matrices of gathered
/// rows): included by that header in the header-only build, compiled once into causalrec::compiled
/// with CAUSALREC_COMPILED.

#include <algorithm>
#include <cstddef>
#include <span>

#include <immintrin.h>

#include "../linalg.hpp"

namespace causalrec::linalg {

CAUSALREC_INTRINSICS_BEGIN
namespace detail {

/// Rows [i0, i0 + 4) x columns [l0, l0 + 4) of the batched factor U (lanes at a + (r * k + c) * 16)
/// before the rows of their own block: the entries of A less the finished rows p < i0
/// (left-looking), summed in registers, eight loads per 16 FMAs. On the diagonal tile (Diag) only the
/// entries c >= r are computed.
template <bool Diag>
[[gnu::target("avx512f"), gnu::always_inline]] inline void cholesky_lanes_sums(const float* a, std::size_t k, std::size_t i0, std::size_t l0,
                                                                              __m512 (&acc)[4][4]) {
    CAUSALREC_UNROLL
    for (int r = 0; r < 4; ++r)
        CAUSALREC_UNROLL
        for (int c = 0; c < 4; ++c)
            acc[r][c] = Diag && c < r ? _mm512_setzero_ps()
                                      : _mm512_loadu_ps(a + ((i0 + static_cast<std::size_t>(r)) * k + l0 + static_cast<std::size_t>(c)) * 16);
    for (std::size_t p = 0; p < i0; ++p) {
        const float* row = a + p * k * 16;
        __m512 ul[4];
        CAUSALREC_UNROLL
        for (int c = 0; c < 4; ++c) ul[c] = _mm512_loadu_ps(row + (l0 + static_cast<std::size_t>(c)) * 16);
        CAUSALREC_UNROLL
        for (int r = 0; r < 4; ++r) {
            const __m512 ui = _mm512_loadu_ps(row + (i0 + static_cast<std::size_t>(r)) * 16);
            CAUSALREC_UNROLL
            for (int c = 0; c < 4; ++c)
                if (!Diag || c >= r) acc[r][c] = _mm512_fnmadd_ps(ui, ul[c], acc[r][c]);
        }
    }
}

/// 1 / sqrt(pivot) in every lane; lanes whose pivot is not positive are added to `failed` (and get 1).
[[gnu::target("avx512f"), gnu::always_inline]] inline __m512 cholesky_lanes_inverse_root(__m512 pivot, __mmask16& failed) {
    const __mmask16 positive = _mm512_cmp_ps_mask(pivot, _mm512_setzero_ps(), _CMP_GT_OQ);
    failed = static_cast<__mmask16>(failed | static_cast<__mmask16>(~positive));
    const __m512 one = _mm512_set1_ps(1.0f);
    return _mm512_div_ps(one, _mm512_sqrt_ps(_mm512_mask_blend_ps(positive, one, pivot)));
}

/// batched_cholesky_solve on AVX-512F (cholesky_lanes == 16: one register per entry). Left-looking
/// in blocks of four rows: every entry of U is accumulated in a register over the rows above it and
/// stored once (the right-looking loop loads and stores each trailing entry once per pivot, and on
/// k = 64 it waited on the L2 cache); the rows of a block among themselves and the pivots are applied
/// in registers too. k must be a multiple of 4 (other k go to the portable loop, which is as fast
/// there). The factor and the forward solve update each entry in the same order as the portable
/// loop; the backward solve sums the rows below a block first.
[[gnu::target("avx512f")]] CAUSALREC_INLINE bool batched_cholesky_solve_avx512(std::size_t k, float* a, float* b) noexcept {
    auto at = [a, k](std::size_t r, std::size_t c) { return a + (r * k + c) * 16; };
    __mmask16 failed = 0;
    for (std::size_t i0 = 0; i0 < k; i0 += 4) {
        // The diagonal block, factored in registers: u[r][c] (c >= r) becomes U, inv[r] = 1 / U_rr.
        __m512 u[4][4], inv[4];
        cholesky_lanes_sums<true>(a, k, i0, i0, u);
        // (Constant trip counts with conditions inside: clang unrolls only those.)
        CAUSALREC_UNROLL
        for (int r = 0; r < 4; ++r) {
            CAUSALREC_UNROLL
            for (int q = 0; q < 4; ++q)
                CAUSALREC_UNROLL
                for (int c = 0; c < 4; ++c)
                    if (q < r && c >= r) u[r][c] = _mm512_fnmadd_ps(u[q][r], u[q][c], u[r][c]);
            inv[r] = cholesky_lanes_inverse_root(u[r][r], failed);
            CAUSALREC_UNROLL
            for (int c = 0; c < 4; ++c)
                if (c >= r) {
                    u[r][c] = _mm512_mul_ps(inv[r], u[r][c]);
                    _mm512_storeu_ps(at(i0 + static_cast<std::size_t>(r), i0 + static_cast<std::size_t>(c)), u[r][c]);
                }
        }
        // The tiles right of it: the block's rows among themselves and the pivots, column by column.
        for (std::size_t l0 = i0 + 4; l0 < k; l0 += 4) {
            __m512 acc[4][4];
            cholesky_lanes_sums<false>(a, k, i0, l0, acc);
            CAUSALREC_UNROLL
            for (int c = 0; c < 4; ++c) {
                CAUSALREC_UNROLL
                for (int r = 0; r < 4; ++r) {
                    CAUSALREC_UNROLL
                    for (int q = 0; q < 4; ++q)
                        if (q < r) acc[r][c] = _mm512_fnmadd_ps(u[q][r], acc[q][c], acc[r][c]);
                    acc[r][c] = _mm512_mul_ps(inv[r], acc[r][c]);
                    _mm512_storeu_ps(at(i0 + static_cast<std::size_t>(r), l0 + static_cast<std::size_t>(c)), acc[r][c]);
                }
            }
        }
    }
    // U^T y = b, then U x = y, four rows at a time (four independent sums: the dot products' latency
    // is hidden). Forward: y_i = (b_i - sum_{p < i} U_pi y_p) / U_ii, in the order of p as before.
    for (std::size_t i0 = 0; i0 < k; i0 += 4) {
        const std::size_t rows = std::min<std::size_t>(4, k - i0);
        __m512 acc[4];
        for (std::size_t r = 0; r < rows; ++r) acc[r] = _mm512_loadu_ps(b + 16 * (i0 + r));
        for (std::size_t p = 0; p < i0; ++p) {
            const __m512 y = _mm512_loadu_ps(b + 16 * p);
            for (std::size_t r = 0; r < rows; ++r) acc[r] = _mm512_fnmadd_ps(_mm512_loadu_ps(at(p, i0 + r)), y, acc[r]);
        }
        for (std::size_t r = 0; r < rows; ++r) {
            const std::size_t i = i0 + r;
            for (std::size_t q = 0; q < r; ++q) acc[r] = _mm512_fnmadd_ps(_mm512_loadu_ps(at(i0 + q, i)), _mm512_loadu_ps(b + 16 * (i0 + q)), acc[r]);
            _mm512_storeu_ps(b + 16 * i, _mm512_div_ps(acc[r], _mm512_loadu_ps(at(i, i))));
        }
    }
    // Backward: x_j = (y_j - sum_{l > j} U_jl x_l) / U_jj, the rows below the block first.
    for (std::size_t end = k; end > 0;) {
        const std::size_t j0 = end >= 4 ? end - 4 : 0, rows = end - j0;
        __m512 acc[4];
        for (std::size_t r = 0; r < rows; ++r) acc[r] = _mm512_loadu_ps(b + 16 * (j0 + r));
        for (std::size_t l = end; l < k; ++l) {
            const __m512 x = _mm512_loadu_ps(b + 16 * l);
            for (std::size_t r = 0; r < rows; ++r) acc[r] = _mm512_fnmadd_ps(_mm512_loadu_ps(at(j0 + r, l)), x, acc[r]);
        }
        for (std::size_t r = rows; r-- > 0;) {
            const std::size_t j = j0 + r;
            for (std::size_t l = j + 1; l < end; ++l) acc[r] = _mm512_fnmadd_ps(_mm512_loadu_ps(at(j, l)), _mm512_loadu_ps(b + 16 * l), acc[r]);
            _mm512_storeu_ps(b + 16 * j, _mm512_div_ps(acc[r], _mm512_loadu_ps(at(j, j))));
        }
        end = j0;
    }
    return failed == 0;
}

/// Transposes a 16 x 16 block: row s of the input (16 floats at in + s * in_stride) becomes lane s
/// of the 16 output vectors out[t * 16 .. t * 16 + 16).
[[gnu::target("avx512f")]] inline void transpose_16x16(const float* in, std::size_t in_stride, float* out) noexcept {
    __m512 r[16], t[16];
    CAUSALREC_UNROLL
    for (int s = 0; s < 16; ++s) r[s] = _mm512_loadu_ps(in + static_cast<std::size_t>(s) * in_stride);
    CAUSALREC_UNROLL
    for (int i = 0; i < 8; ++i) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // r[4 g + j], 128-bit lane L: rows 4 g .. 4 g + 3 of column 4 L + j.
    CAUSALREC_UNROLL
    for (int g = 0; g < 4; ++g) {
        const __m512d t0 = _mm512_castps_pd(t[4 * g]), t1 = _mm512_castps_pd(t[4 * g + 1]);
        const __m512d t2 = _mm512_castps_pd(t[4 * g + 2]), t3 = _mm512_castps_pd(t[4 * g + 3]);
        r[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
        r[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
        r[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
        r[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
    }
    CAUSALREC_UNROLL
    for (int j = 0; j < 4; ++j) {
        const __m512 u = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88), v = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xdd);
        const __m512 w = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88), z = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xdd);
        _mm512_storeu_ps(out + 16 * j, _mm512_shuffle_f32x4(u, w, 0x88));
        _mm512_storeu_ps(out + 16 * (j + 8), _mm512_shuffle_f32x4(u, w, 0xdd));
        _mm512_storeu_ps(out + 16 * (j + 4), _mm512_shuffle_f32x4(v, z, 0x88));
        _mm512_storeu_ps(out + 16 * (j + 12), _mm512_shuffle_f32x4(v, z, 0xdd));
    }
}

/// systems_to_lanes for k a multiple of 16 and cholesky_lanes systems: 16 x 16 block transposes of
/// the upper triangle's panels (the diagonal panel whole).
[[gnu::target("avx512f")]] CAUSALREC_INLINE void systems_to_lanes_avx512(std::size_t k, const float* systems, std::size_t stride,
                                                                         const float* rhs, float* a, float* b) noexcept {
    for (std::size_t r = 0; r < k; ++r)
        for (std::size_t c0 = r / 16 * 16; c0 < k; c0 += 16) transpose_16x16(systems + r * k + c0, stride, a + (r * k + c0) * 16);
    for (std::size_t c0 = 0; c0 < k; c0 += 16) transpose_16x16(rhs + c0, k, b + c0 * 16);
}

}  // namespace detail
CAUSALREC_INTRINSICS_END

CAUSALREC_INTRINSICS_BEGIN
namespace detail {

/// How many rows ahead gram_block's first pass prefetches.
inline constexpr std::size_t gram_prefetch_distance = 8;

/// Rows [r0, r0 + Rows) of the Gram matrix, columns of Panels 16-wide panels from column c0, over
/// the rows table + ids[j] * k: Rows x Panels accumulators stay in registers across all the rows.
/// With HalfFirst the first panel is the diagonal one and these rows lie in its second half, so only
/// its last 8 columns are accumulated (256-bit FMAs: CPUs that split 512-bit FMAs in two, AMD's Zen 4,
/// run them in half the time). With WithB, b (Panels panels from c0) = sum_j w[j] t_j as well.
template <int Rows, int Panels, bool HalfFirst, bool WithB>
[[gnu::target("avx512f,fma")]] inline void gram_block(const float* table, const std::size_t* ids, std::size_t n, std::size_t k,
                                                      std::size_t r0, std::size_t c0, float* a, const float* w, float* b) {
    static_assert(!(HalfFirst && WithB), "b needs the first panel whole");
    constexpr int Full = HalfFirst ? 1 : 0;  // the first panel accumulated in 512 bits
    __m512 acc[Rows][Panels];
    __m256 half[Rows];
    __m512 accb[Panels];
    CAUSALREC_UNROLL
    for (int i = 0; i < Rows; ++i) {
        half[i] = _mm256_setzero_ps();
        CAUSALREC_UNROLL
        for (int q = 0; q < Panels; ++q) acc[i][q] = _mm512_setzero_ps();
    }
    CAUSALREC_UNROLL
    for (int q = 0; q < Panels; ++q) accb[q] = _mm512_setzero_ps();
    for (std::size_t j = 0; j < n; ++j) {
        const float* row = table + ids[j] * k;
        if constexpr (WithB) {
            // The first pass over the rows brings them from memory (the later ones find them in cache):
            // ask for the rows a few ahead.
            if (j + gram_prefetch_distance < n) {
                const char* ahead = reinterpret_cast<const char*>(table + ids[j + gram_prefetch_distance] * k);
                for (std::size_t byte = 0; byte < k * sizeof(float); byte += 64) _mm_prefetch(ahead + byte, _MM_HINT_T0);
            }
        }
        __m512 bv[Panels];
        __m256 bh = _mm256_setzero_ps();
        if constexpr (HalfFirst) bh = _mm256_loadu_ps(row + c0 + 8);
        CAUSALREC_UNROLL
        for (int q = Full; q < Panels; ++q) bv[q] = _mm512_loadu_ps(row + c0 + 16 * static_cast<std::size_t>(q));
        CAUSALREC_UNROLL
        for (int i = 0; i < Rows; ++i) {
            const __m512 av = _mm512_set1_ps(row[r0 + static_cast<std::size_t>(i)]);
            if constexpr (HalfFirst) half[i] = _mm256_fmadd_ps(_mm512_castps512_ps256(av), bh, half[i]);
            CAUSALREC_UNROLL
            for (int q = Full; q < Panels; ++q) acc[i][q] = _mm512_fmadd_ps(av, bv[q], acc[i][q]);
        }
        if constexpr (WithB) {
            const __m512 wv = _mm512_set1_ps(w[j]);
            CAUSALREC_UNROLL
            for (int q = 0; q < Panels; ++q) accb[q] = _mm512_fmadd_ps(wv, bv[q], accb[q]);
        }
    }
    CAUSALREC_UNROLL
    for (int i = 0; i < Rows; ++i) {
        float* out = a + (r0 + static_cast<std::size_t>(i)) * k + c0;
        if constexpr (HalfFirst) _mm256_storeu_ps(out + 8, half[i]);
        CAUSALREC_UNROLL
        for (int q = Full; q < Panels; ++q) _mm512_storeu_ps(out + 16 * static_cast<std::size_t>(q), acc[i][q]);
    }
    if constexpr (WithB) {
        CAUSALREC_UNROLL
        for (int q = 0; q < Panels; ++q) _mm512_storeu_ps(b + c0 + 16 * static_cast<std::size_t>(q), accb[q]);
    }
}

/// The Gram rows [r0, r0 + Rows) over all their panels, in groups of up to 4 panels (Rows 4) or one
/// (Rows 8): b as well on the first rows.
template <int Rows>
[[gnu::target("avx512f,fma")]] inline void gram_rows(const float* table, const std::size_t* ids, std::size_t n, std::size_t k,
                                                     std::size_t r0, float* a, const float* w, float* b) {
    constexpr std::size_t group = Rows == 4 ? 4 : 1;
    const std::size_t panels = k / 16;
    for (std::size_t p = r0 / 16; p < panels; p += group) {
        // The rows' diagonal panel is p == r0 / 16; rows in its second half need its last 8 columns only.
        const int kind = r0 == 0 ? 2 : (p == r0 / 16 && r0 % 16 >= 8 ? 1 : 0);
        auto run = [&]<int Panels>() {
            if (kind == 2) gram_block<Rows, Panels, false, true>(table, ids, n, k, r0, 16 * p, a, w, b);
            else if (kind == 1) gram_block<Rows, Panels, true, false>(table, ids, n, k, r0, 16 * p, a, w, b);
            else gram_block<Rows, Panels, false, false>(table, ids, n, k, r0, 16 * p, a, w, b);
        };
        if constexpr (group == 1) {
            run.template operator()<1>();
        } else {
            switch (std::min(group, panels - p)) {
                case 1: run.template operator()<1>(); break;
                case 2: run.template operator()<2>(); break;
                case 3: run.template operator()<3>(); break;
                default: run.template operator()<4>(); break;
            }
        }
    }
}

/// gram_of_rows on AVX-512F: k a multiple of 16. Four rows of the Gram matrix per pass over the rows,
/// eight in the last panel (where a pass of four would do little).
[[gnu::target("avx512f,fma")]] CAUSALREC_INLINE void gram_of_rows_avx512(const float* table, std::span<const std::size_t> ids,
                                                                         std::size_t k, const float* w, float* a, float* b) {
    const std::size_t n = ids.size(), panels = k / 16;
    for (std::size_t r0 = 0; r0 < k;) {
        if (panels - r0 / 16 > 1) {
            gram_rows<4>(table, ids.data(), n, k, r0, a, w, b);
            r0 += 4;
        } else {
            gram_rows<8>(table, ids.data(), n, k, r0, a, w, b);
            r0 += 8;
        }
    }
}

}  // namespace detail
CAUSALREC_INTRINSICS_END

}  // namespace causalrec::linalg
