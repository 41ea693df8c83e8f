#pragma once
/// @file
/// Helpers shared by the causal estimators (not API): input checks, a small dense Cholesky solver,
/// row selection, fold assignment, the normal quantile and sample statistics.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../../core/detail/message.hpp"
#include "../../core/error.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"

namespace causalrec::causal::detail {

using causalrec::detail::cat;

/// Raises shape_error unless `got` equals `expected` ("fn: what has got rows, X has expected").
inline void check_length(std::string_view fn, std::string_view what, std::size_t got, std::size_t expected) {
    if (got != expected)
        throw shape_error(cat(fn, ": ", what, " has ", got, " entries but X has ", expected, " rows"));
}

/// Raises numeric_error on a NaN or infinite value of a vector.
inline void check_finite(std::string_view fn, std::string_view what, const vector<double>& v) {
    for (std::size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v(i))) throw numeric_error(cat(fn, ": ", what, " is not finite at row ", i));
}

/// Raises numeric_error on a NaN or infinite value of a matrix.
inline void check_finite(std::string_view fn, std::string_view what, const matrix<double>& m) {
    const std::size_t cols = m.shape()[1];
    for (std::size_t i = 0; i < m.size(); ++i)
        if (!std::isfinite(m.data()[i]))
            throw numeric_error(cat(fn, ": ", what, " is not finite at row ", i / cols, ", column ", i % cols));
}

/// Checks a 0/1 treatment vector; returns the number of treated rows. Raises argument_error when a
/// value is not 0 or 1, or (with `need_both`) when an arm is empty.
inline std::size_t check_treatment(std::string_view fn, const vector<double>& t, bool need_both = true) {
    std::size_t treated = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t(i) == 1.0)
            ++treated;
        else if (t(i) != 0.0)
            throw argument_error(cat(fn, ": treatment must be 0 or 1, got ", t(i), " at row ", i));
    }
    if (need_both && (treated == 0 || treated == t.size()))
        throw argument_error(cat(fn, ": the ", treated == 0 ? "treated" : "control", " arm is empty (", t.size(),
                                 " rows, ", treated, " treated); both arms need rows"));
    return treated;
}

/// Checks a 0/1 label vector (for classifiers).
inline void check_binary(std::string_view fn, std::string_view what, const vector<double>& y) {
    for (std::size_t i = 0; i < y.size(); ++i)
        if (y(i) != 0.0 && y(i) != 1.0) throw argument_error(cat(fn, ": ", what, " must be 0 or 1, got ", y(i), " at row ", i));
}

/// Checks sample weights: right length, finite, >= 0, positive sum.
inline void check_weights(std::string_view fn, const vector<double>& w, std::size_t rows) {
    check_length(fn, "sample_weight", w.size(), rows);
    double sum = 0.0;
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (!(w(i) >= 0.0) || !std::isfinite(w(i)))
            throw numeric_error(cat(fn, ": sample_weight ", i, " is negative or not finite (", w(i), ")"));
        sum += w(i);
    }
    if (!(sum > 0.0)) throw argument_error(cat(fn, ": the sample weights sum to zero"));
}

/// Rows `idx` of a matrix.
inline matrix<double> take_rows(const matrix<double>& m, std::span<const std::size_t> idx) {
    const std::size_t d = m.shape()[1];
    matrix<double> out = make_matrix<double>(idx.size(), d);
    for (std::size_t r = 0; r < idx.size(); ++r) std::copy_n(m.data() + idx[r] * d, d, out.data() + r * d);
    return out;
}

/// Entries `idx` of a vector.
inline vector<double> take(const vector<double>& v, std::span<const std::size_t> idx) {
    vector<double> out = make_vector<double>(idx.size());
    for (std::size_t r = 0; r < idx.size(); ++r) out(r) = v(idx[r]);
    return out;
}

/// Indices i with t(i) == arm.
inline std::vector<std::size_t> arm_rows(const vector<double>& t, double arm) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < t.size(); ++i)
        if (t(i) == arm) idx.push_back(i);
    return idx;
}

/// X with one more column holding `value` (the S-learner's treatment column).
inline matrix<double> with_column(const matrix<double>& x, double value) {
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    matrix<double> out = make_matrix<double>(n, d + 1);
    for (std::size_t i = 0; i < n; ++i) {
        std::copy_n(x.data() + i * d, d, out.data() + i * (d + 1));
        out(i, d) = value;
    }
    return out;
}

/// X with the treatment vector appended as its last column.
inline matrix<double> with_column(const matrix<double>& x, const vector<double>& t) {
    matrix<double> out = with_column(x, 0.0);
    const std::size_t d = x.shape()[1];
    for (std::size_t i = 0; i < t.size(); ++i) out(i, d) = t(i);
    return out;
}

/// Fold (0..k-1) of every row: a seeded shuffle, then rows dealt round-robin, stratified by
/// treatment so that every fold holds both arms.
inline std::vector<std::size_t> stratified_folds(const vector<double>& t, std::size_t k, std::uint64_t seed) {
    std::vector<std::size_t> fold(t.size(), 0);
    rng engine(seed);
    for (double arm : {0.0, 1.0}) {
        std::vector<std::size_t> rows = arm_rows(t, arm);
        engine.shuffle(std::span<std::size_t>(rows));
        for (std::size_t j = 0; j < rows.size(); ++j) fold[rows[j]] = j % k;
    }
    return fold;
}

/// Solves A x = b in place for a symmetric positive definite A (n x n, row-major, overwritten by its
/// Cholesky factor). Returns false when A is not numerically positive definite.
inline bool cholesky_solve(std::vector<double>& a, std::vector<double>& b, std::size_t n) {
    double max_diag = 0.0;
    for (std::size_t i = 0; i < n; ++i) max_diag = std::max(max_diag, std::abs(a[i * n + i]));
    const double tiny = max_diag * 1e-13;
    for (std::size_t j = 0; j < n; ++j) {
        double s = a[j * n + j];
        for (std::size_t k = 0; k < j; ++k) s -= a[j * n + k] * a[j * n + k];
        if (!(s > tiny)) return false;
        const double l = std::sqrt(s);
        a[j * n + j] = l;
        for (std::size_t i = j + 1; i < n; ++i) {
            double v = a[i * n + j];
            for (std::size_t k = 0; k < j; ++k) v -= a[i * n + k] * a[j * n + k];
            a[i * n + j] = v / l;
        }
    }
    for (std::size_t i = 0; i < n; ++i) {  // L z = b
        double v = b[i];
        for (std::size_t k = 0; k < i; ++k) v -= a[i * n + k] * b[k];
        b[i] = v / a[i * n + i];
    }
    for (std::size_t i = n; i-- > 0;) {  // L^T x = z
        double v = b[i];
        for (std::size_t k = i + 1; k < n; ++k) v -= a[k * n + i] * b[k];
        b[i] = v / a[i * n + i];
    }
    return true;
}

/// The standard normal quantile (Acklam's rational approximation refined by one Halley step;
/// relative error below 1e-15).
inline double normal_quantile(double p) {
    if (!(p > 0.0 && p < 1.0)) throw argument_error(cat("normal_quantile: p must be in (0, 1), got ", p));
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                   1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                   6.680131188771972e+01,  -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                   -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                   3.754408661907416e+00};
    double x;
    if (p < 0.02425) {
        const double q = std::sqrt(-2.0 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    } else if (p > 1.0 - 0.02425) {
        const double q = std::sqrt(-2.0 * std::log1p(-p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    } else {
        const double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    }
    const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;  // one Halley refinement
    const double u = e * std::sqrt(2.0 * 3.14159265358979323846) * std::exp(x * x / 2.0);
    return x - u / (1.0 + x * u / 2.0);
}

/// Mean of a span.
inline double mean(std::span<const double> v) {
    return v.empty() ? std::numeric_limits<double>::quiet_NaN()
                     : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

/// Sample variance (ddof = 1) of a span; 0 for fewer than two values.
inline double variance(std::span<const double> v) {
    if (v.size() < 2) return 0.0;
    const double m = mean(v);
    double s = 0.0;
    for (double x : v) s += (x - m) * (x - m);
    return s / static_cast<double>(v.size() - 1);
}

/// The q-quantile (0..1) of values, linear interpolation between order statistics (NumPy's default).
inline double quantile(std::vector<double> values, double q) {
    std::sort(values.begin(), values.end());
    const double pos = q * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

}  // namespace causalrec::causal::detail
