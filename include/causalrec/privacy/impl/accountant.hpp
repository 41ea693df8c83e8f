#pragma once
/// @file
/// Definitions of the non-template functions declared in privacy/accountant.hpp (the privacy accountant): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../accountant.hpp"

namespace causalrec::privacy {

CAUSALREC_INLINE std::vector<double> default_orders() {
    std::vector<double> orders;
    for (int x = 1; x < 100; ++x) orders.push_back(1.0 + x / 10.0);
    for (int a = 12; a < 64; ++a) orders.push_back(a);
    return orders;
}

CAUSALREC_INLINE double rdp_sampled_gaussian(double q, double sigma, double alpha) {
    if (!(q >= 0.0 && q <= 1.0)) throw argument_error(causalrec::error_message("privacy", "rdp_sampled_gaussian", "q must be in [0, 1], got ", q));
    if (!(sigma > 0.0)) throw argument_error(causalrec::error_message("privacy", "rdp_sampled_gaussian", "sigma must be > 0, got ", sigma));
    if (!(alpha > 1.0)) throw argument_error(causalrec::error_message("privacy", "rdp_sampled_gaussian", "the order must be > 1, got ", alpha));
    if (q == 0.0) return 0.0;
    if (q == 1.0) return alpha / (2.0 * sigma * sigma);
    if (!std::isfinite(alpha)) return std::numeric_limits<double>::infinity();
    const double log_a = alpha == std::floor(alpha) ? detail::log_a_integer(q, sigma, static_cast<long long>(alpha))
                                                    : detail::log_a_fractional(q, sigma, alpha);
    return log_a / (alpha - 1.0);
}

CAUSALREC_INLINE double epsilon_from_rdp(double rdp, double alpha, double delta) {
    if (delta * delta + std::expm1(-rdp) >= 0.0) return 0.0;
    if (!(alpha > 1.01)) return std::numeric_limits<double>::infinity();
    return rdp + std::log1p(-1.0 / alpha) - std::log(delta * alpha) / (alpha - 1.0);
}

CAUSALREC_INLINE privacy_spent dp_sgd_privacy(double q, double sigma, std::size_t steps, double delta, std::vector<double> orders) {
    // Checked here so that the message names the function called, not the accountant's parts.
    if (!(q >= 0.0 && q <= 1.0)) throw argument_error(causalrec::error_message("privacy", "dp_sgd_privacy", "q must be in [0, 1], got ", q));
    if (!(delta > 0.0 && delta < 1.0)) throw argument_error(causalrec::error_message("privacy", "dp_sgd_privacy", "delta must be in (0, 1), got ", delta));
    if (!(sigma > 0.0)) throw argument_error(causalrec::error_message("privacy", "dp_sgd_privacy", "sigma must be > 0, got ", sigma));
    rdp_accountant accountant(std::move(orders));
    accountant.compose(q, sigma, steps);
    return accountant.spent(delta);
}

CAUSALREC_INLINE double noise_multiplier_for(double target_epsilon, double q, std::size_t steps, double delta, double tolerance,
                                   std::vector<double> orders) {
    if (!(target_epsilon > 0.0)) throw argument_error(causalrec::error_message("privacy", "noise_multiplier_for", "target epsilon must be > 0, got ", target_epsilon));
    auto eps = [&](double sigma) { return dp_sgd_privacy(q, sigma, steps, delta, orders).epsilon; };
    double low = 0.0, high = 1.0;
    while (eps(high) > target_epsilon) {
        low = high, high *= 2.0;
        if (high > 1e6) throw numeric_error(causalrec::error_message("privacy", "noise_multiplier_for", "epsilon ", target_epsilon, " needs a noise multiplier above 1e6"));
    }
    while (high - low > tolerance * high) {
        const double mid = 0.5 * (low + high);
        (eps(mid) > target_epsilon ? low : high) = mid;
    }
    return high;
}

}  // namespace causalrec::privacy

namespace causalrec::privacy {
namespace detail {

CAUSALREC_INLINE double log_add(double a, double b) {
    if (a == minus_infinity) return b;
    if (b == minus_infinity) return a;
    return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
}

CAUSALREC_INLINE double log_sub(double a, double b) {
    if (b == minus_infinity) return a;
    if (a == b) return minus_infinity;
    return std::log(std::expm1(a - b)) + b;
}

CAUSALREC_INLINE double log_erfc(double x) {
    if (x < 25.0) return std::log(std::erfc(x));
    const double r = 1.0 / (x * x);
    return -x * x - std::log(x) - 0.5 * std::log(std::numbers::pi) + std::log1p(-0.5 * r + 0.75 * r * r - 1.875 * r * r * r);
}

CAUSALREC_INLINE std::pair<double, double> log_abs_binomial(double alpha, double i) {
    const double value = std::lgamma(alpha + 1.0) - std::lgamma(i + 1.0) - std::lgamma(alpha - i + 1.0);
    // Gamma(alpha - i + 1) is negative when alpha - i + 1 lies in (-2k - 1, -2k) (k >= 0).
    double sign = 1.0;
    const double z = alpha - i + 1.0;
    if (z < 0.0 && static_cast<long long>(std::floor(z)) % 2 != 0) sign = -1.0;
    return {value, sign};
}

CAUSALREC_INLINE double log_a_integer(double q, double sigma, long long alpha) {
    double log_a = minus_infinity, coef = 1.0;  // C(alpha, i) by the product formula (exact to rounding)
    const double da = static_cast<double>(alpha);
    for (long long i = 0; i <= alpha; ++i) {
        const double di = static_cast<double>(i);
        if (i > 0) coef = coef * (da - di + 1.0) / di;
        const double term = std::log(coef) + di * std::log(q) + (da - di) * std::log1p(-q) + (di * di - di) / (2.0 * sigma * sigma);
        log_a = log_add(log_a, term);
    }
    return log_a;
}

CAUSALREC_INLINE double log_a_fractional(double q, double sigma, double alpha) {
    double log_a0 = minus_infinity, log_a1 = minus_infinity;
    const double z0 = sigma * sigma * std::log(1.0 / q - 1.0) + 0.5;
    for (double i = 0.0;; i += 1.0) {
        const auto [log_coef, sign] = log_abs_binomial(alpha, i);
        const double j = alpha - i;
        const double log_t0 = log_coef + i * std::log(q) + j * std::log1p(-q);
        const double log_t1 = log_coef + j * std::log(q) + i * std::log1p(-q);
        const double log_e0 = std::log(0.5) + log_erfc((i - z0) / (std::sqrt(2.0) * sigma));
        const double log_e1 = std::log(0.5) + log_erfc((z0 - j) / (std::sqrt(2.0) * sigma));
        const double log_s0 = log_t0 + (i * i - i) / (2.0 * sigma * sigma) + log_e0;
        const double log_s1 = log_t1 + (j * j - j) / (2.0 * sigma * sigma) + log_e1;
        if (sign > 0.0) {
            log_a0 = log_add(log_a0, log_s0), log_a1 = log_add(log_a1, log_s1);
        } else {
            log_a0 = log_sub(log_a0, log_s0), log_a1 = log_sub(log_a1, log_s1);
        }
        if (std::max(log_s0, log_s1) < -30.0) break;
    }
    return log_add(log_a0, log_a1);
}

}  // namespace detail
}  // namespace causalrec::privacy
