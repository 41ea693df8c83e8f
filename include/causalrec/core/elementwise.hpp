#pragma once
/// @file
/// Element-wise kernels over arrays, the passes of a dense layer and a relu: bias added to every row
/// (then relu), relu, and relu's backward step. Written with the SSE2 instructions of every x86-64
/// CPU, two doubles or four floats at a time, and without a branch per value. g++ 12 at -O2
/// vectorizes none of these loops (its -O2 cost model refuses loops of unknown length) and compiles
/// `std::max(x, T(0))` and `y > 0 ? g : 0` to a compare and a jump per value, mispredicted every other
/// value on a relu's inputs. The results are the same bit for bit: each value gets the same single
/// addition, max(0, x) keeps a NaN and -0 as std::max(x, T(0)) does, and the mask gives g where y > 0
/// and +0 elsewhere (also for a NaN y), as the select does.

#include <algorithm>
#include <cstddef>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
/// 1 where the SSE2 kernels are compiled (x86-64); undefined again at the end of this header.
#define CAUSALREC_ELEMENTWISE_SSE2 1
#else
/// 0: the plain loops only.
#define CAUSALREC_ELEMENTWISE_SSE2 0
#endif

namespace causalrec {
namespace detail {

/// The SSE2 operations of the kernels for one value type, `width` values per register: none for
/// other value types or targets (the plain loops run).
template <class T>
struct sse2_ops {
    static constexpr bool available = false;  ///< no SSE2 kernels for this value type
};

#if CAUSALREC_ELEMENTWISE_SSE2

/// The SSE2 operations on two doubles.
template <>
struct sse2_ops<double> {
    static constexpr bool available = true;   ///< SSE2 kernels for double
    static constexpr std::size_t width = 2;   ///< values per register
    using reg = __m128d;                       ///< a register of values
    static reg zero() noexcept { return _mm_setzero_pd(); }                              ///< all +0
    static reg load(const double* p) noexcept { return _mm_loadu_pd(p); }                ///< width values from p
    static reg load1(double v) noexcept { return _mm_set_sd(v); }                        ///< v in the first lane
    static void store(double* p, reg v) noexcept { _mm_storeu_pd(p, v); }               ///< width values to p
    static double first(reg v) noexcept { return _mm_cvtsd_f64(v); }                    ///< the first lane
    static reg add(reg a, reg b) noexcept { return _mm_add_pd(a, b); }                   ///< a + b
    static reg max(reg a, reg b) noexcept { return _mm_max_pd(a, b); }                   ///< a > b ? a : b
    static reg gate(reg y, reg g) noexcept { return _mm_and_pd(_mm_cmpgt_pd(y, zero()), g); }  ///< y > 0 ? g : +0
};

/// The SSE2 operations on four floats.
template <>
struct sse2_ops<float> {
    static constexpr bool available = true;   ///< SSE2 kernels for float
    static constexpr std::size_t width = 4;   ///< values per register
    using reg = __m128;                        ///< a register of values
    static reg zero() noexcept { return _mm_setzero_ps(); }                              ///< all +0
    static reg load(const float* p) noexcept { return _mm_loadu_ps(p); }                 ///< width values from p
    static reg load1(float v) noexcept { return _mm_set_ss(v); }                         ///< v in the first lane
    static void store(float* p, reg v) noexcept { _mm_storeu_ps(p, v); }                ///< width values to p
    static float first(reg v) noexcept { return _mm_cvtss_f32(v); }                      ///< the first lane
    static reg add(reg a, reg b) noexcept { return _mm_add_ps(a, b); }                   ///< a + b
    static reg max(reg a, reg b) noexcept { return _mm_max_ps(a, b); }                   ///< a > b ? a : b
    static reg gate(reg y, reg g) noexcept { return _mm_and_ps(_mm_cmpgt_ps(y, zero()), g); }  ///< y > 0 ? g : +0
};

#endif  // CAUSALREC_ELEMENTWISE_SSE2

}  // namespace detail

/// Element-wise kernels over arrays (SSE2 on x86-64, plain loops elsewhere; the same results).
namespace elementwise {

// max(0, x) per lane is 0 > x ? 0 : x: a NaN or -0 in x is returned as it is, as std::max(x, T(0))
// returns it. The remainder runs the same instructions on one value in the first lane.

/// out[i] = std::max(in[i], 0) for i < n (out may equal in).
template <class T>
inline void relu(const T* in, T* out, std::size_t n) noexcept {
    using ops = detail::sse2_ops<T>;
    if constexpr (ops::available) {
        const auto zero = ops::zero();
        std::size_t i = 0;
        for (; i + ops::width <= n; i += ops::width) ops::store(out + i, ops::max(zero, ops::load(in + i)));
        for (; i < n; ++i) out[i] = ops::first(ops::max(zero, ops::load1(in[i])));
    } else {
        for (std::size_t i = 0; i < n; ++i) out[i] = std::max(in[i], T(0));
    }
}

/// d[i] = y[i] > 0 ? g[i] : 0 for i < n: dL/dx of a relu from dL/dy = g and its output y (d may equal g).
template <class T>
inline void relu_gradient(const T* g, const T* y, T* d, std::size_t n) noexcept {
    using ops = detail::sse2_ops<T>;
    if constexpr (ops::available) {
        std::size_t i = 0;
        for (; i + ops::width <= n; i += ops::width) ops::store(d + i, ops::gate(ops::load(y + i), ops::load(g + i)));
        for (; i < n; ++i) d[i] = ops::first(ops::gate(ops::load1(y[i]), ops::load1(g[i])));
    } else {
        for (std::size_t i = 0; i < n; ++i) d[i] = y[i] > T(0) ? g[i] : T(0);
    }
}

/// y[r * width + j] += bias[j] for every row r < rows of a row-major rows x width array, then relu
/// when Relu.
template <bool Relu = false, class T>
inline void add_row_bias(T* y, const T* bias, std::size_t rows, std::size_t width) noexcept {
    using ops = detail::sse2_ops<T>;
    for (std::size_t r = 0; r < rows; ++r) {
        T* row = y + r * width;
        if constexpr (ops::available) {
            const auto zero = ops::zero();
            std::size_t j = 0;
            for (; j + ops::width <= width; j += ops::width) {
                auto v = ops::add(ops::load(row + j), ops::load(bias + j));
                if constexpr (Relu) v = ops::max(zero, v);
                ops::store(row + j, v);
            }
            for (; j < width; ++j) {
                auto v = ops::add(ops::load1(row[j]), ops::load1(bias[j]));
                if constexpr (Relu) v = ops::max(zero, v);
                row[j] = ops::first(v);
            }
        } else {
            for (std::size_t j = 0; j < width; ++j) row[j] = Relu ? std::max(row[j] + bias[j], T(0)) : row[j] + bias[j];
        }
    }
}

}  // namespace elementwise
}  // namespace causalrec

#undef CAUSALREC_ELEMENTWISE_SSE2
