#pragma once
/// @file
/// Scalar functions every module shares, written once and stable over the whole real line: the
/// logistic sigmoid, softplus, log-sigmoid, binary cross-entropy from a logit (its value and its
/// derivative), the standard normal quantile, the regularised incomplete beta function and the upper
/// tails of Student's t and Fisher's F distributions.

#include <algorithm>
#include <cmath>
#include <limits>
#include <concepts>
#include <utility>

#include "error.hpp"
#include "message.hpp"

namespace causalrec {

/// The logistic function 1 / (1 + exp(-z)); exp never overflows (two branches).
template <std::floating_point T>
T sigmoid(T z) noexcept {
    if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
    const T e = std::exp(z);
    return e / (T(1) + e);
}

/// log(1 + exp(z)) without overflow or loss of precision for large |z|.
template <std::floating_point T>
T softplus(T z) noexcept {
    return z > T(0) ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

/// log(sigmoid(z)) = -softplus(-z), finite for every finite z.
template <std::floating_point T>
T log_sigmoid(T z) noexcept {
    return -softplus(-z);
}

/// Binary cross-entropy of a logit z against a target y in [0, 1]: -y log s(z) - (1 - y) log(1 - s(z)),
/// computed as max(z, 0) - z y + log1p(exp(-|z|)) (no overflow, no log of 0).
inline double bce_from_logits(double z, double y) noexcept {
    return (std::max(z, 0.0) - z * y) + std::log1p(std::exp(-std::abs(z)));
}

/// sigmoid(z) - y, the derivative of bce_from_logits in z, without cancellation for large |z|: for
/// z >= 0 it is (1 - y) - e / (1 + e) with e = exp(-z), so at z = 50, y = 1 it is -exp(-50) / (1 +
/// exp(-50)) rather than 1 - 1 = 0.
inline double sigmoid_minus(double z, double y) noexcept {
    if (z >= 0.0) {
        const double e = std::exp(-z);
        return (1.0 - y) - e / (1.0 + e);
    }
    const double e = std::exp(z);
    return e / (1.0 + e) - y;
}

/// bce_from_logits(z, y) and sigmoid_minus(z, y) together, from one exp (bit-identical to the two).
inline std::pair<double, double> bce_from_logits_and_derivative(double z, double y) noexcept {
    const double e = std::exp(-std::abs(z));
    const double value = (std::max(z, 0.0) - z * y) + std::log1p(e);
    return {value, z >= 0.0 ? (1.0 - y) - e / (1.0 + e) : e / (1.0 + e) - y};
}

/// The standard normal quantile (Acklam's rational approximation refined by one Halley step; relative
/// error below 1e-15). Raises argument_error unless 0 < p < 1.
inline double normal_quantile(double p) {
    if (!(p > 0.0 && p < 1.0)) throw argument_error(cat("causalrec::core::normal_quantile: p must be in (0, 1), got ", p));
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

/// The regularised incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1 (Lentz's continued
/// fraction on the side where it converges fast, the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) on the
/// other; relative error about 1e-14). Raises argument_error outside that domain.
inline double regularized_incomplete_beta(double a, double b, double x) {
    if (!(a > 0.0 && b > 0.0 && x >= 0.0 && x <= 1.0))
        throw argument_error(cat("causalrec::core::regularized_incomplete_beta: needs a, b > 0 and x in [0, 1], got ", a, ", ", b, ", ", x));
    if (x == 0.0 || x == 1.0) return x;
    const bool flip = x > (a + 1.0) / (a + b + 2.0);
    if (flip) std::swap(a, b), x = 1.0 - x;
    const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
    constexpr double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (std::abs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m < 10000; ++m) {
        const double m2 = 2.0 * m;
        double num = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));  // even step
        d = 1.0 + num * d;
        if (std::abs(d) < tiny) d = tiny;
        c = 1.0 + num / c;
        if (std::abs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));  // odd step
        d = 1.0 + num * d;
        if (std::abs(d) < tiny) d = tiny;
        c = 1.0 + num / c;
        if (std::abs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (std::abs(delta - 1.0) < 1e-16) break;
    }
    const double value = std::exp(log_front) * h / a;
    return flip ? 1.0 - value : value;
}

/// P(|T| > |t|) for Student's t with `dof` > 0 degrees of freedom (the two-sided p-value of a t statistic).
inline double student_t_two_sided_p(double t, double dof) {
    if (!(dof > 0.0)) throw argument_error(cat("causalrec::core::student_t_two_sided_p: dof must be > 0, got ", dof));
    if (std::isnan(t)) return std::numeric_limits<double>::quiet_NaN();
    if (std::isinf(t)) return 0.0;
    return regularized_incomplete_beta(dof / 2.0, 0.5, dof / (dof + t * t));
}

/// P(F > f) for Fisher's F with (d1, d2) > 0 degrees of freedom (the p-value of an F statistic); 1 for f <= 0.
inline double f_upper_tail(double f, double d1, double d2) {
    if (!(d1 > 0.0 && d2 > 0.0)) throw argument_error(cat("causalrec::core::f_upper_tail: degrees of freedom must be > 0, got ", d1, " and ", d2));
    if (std::isnan(f)) return std::numeric_limits<double>::quiet_NaN();
    if (f <= 0.0) return 1.0;
    if (std::isinf(f)) return 0.0;
    return regularized_incomplete_beta(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f));
}

}  // namespace causalrec
