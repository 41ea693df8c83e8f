#pragma once
/// @file
/// The Rényi differential privacy (RDP) accountant of the Poisson-subsampled Gaussian mechanism — what
/// DP-SGD releases at each step — after Mironov, Talwar & Zhang ("Rényi differential privacy of the
/// sampled Gaussian mechanism", 2019), with the conversion to (epsilon, delta) of Balle, Barthe,
/// Gaboardi, Hsu & Sato (2020, Proposition 12) that TensorFlow Privacy and Opacus use.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"

namespace causalrec::privacy {

/// The Rényi orders TensorFlow Privacy and Opacus evaluate by default: 1.1, 1.2, ..., 10.9, then 12, 13, ..., 63.
inline std::vector<double> default_orders() {
    std::vector<double> orders;
    for (int x = 1; x < 100; ++x) orders.push_back(1.0 + x / 10.0);
    for (int a = 12; a < 64; ++a) orders.push_back(a);
    return orders;
}

namespace detail {

inline constexpr double minus_infinity = -std::numeric_limits<double>::infinity();

/// log(exp(a) + exp(b)).
inline double log_add(double a, double b) {
    if (a == minus_infinity) return b;
    if (b == minus_infinity) return a;
    return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
}

/// log(exp(a) - exp(b)) for a >= b.
inline double log_sub(double a, double b) {
    if (b == minus_infinity) return a;
    if (a == b) return minus_infinity;
    return std::log(std::expm1(a - b)) + b;
}

/// log(erfc(x)), finite far into the tail (the asymptotic series where erfc underflows).
inline double log_erfc(double x) {
    if (x < 25.0) return std::log(std::erfc(x));
    const double r = 1.0 / (x * x);
    return -x * x - std::log(x) - 0.5 * std::log(std::numbers::pi) + std::log1p(-0.5 * r + 0.75 * r * r - 1.875 * r * r * r);
}

/// log of the binomial coefficient C(alpha, i) in absolute value, for real alpha, and its sign.
inline std::pair<double, double> log_abs_binomial(double alpha, double i) {
    const double value = std::lgamma(alpha + 1.0) - std::lgamma(i + 1.0) - std::lgamma(alpha - i + 1.0);
    // Gamma(alpha - i + 1) is negative when alpha - i + 1 lies in (-2k - 1, -2k) (k >= 0).
    double sign = 1.0;
    const double z = alpha - i + 1.0;
    if (z < 0.0 && static_cast<long long>(std::floor(z)) % 2 != 0) sign = -1.0;
    return {value, sign};
}

/// log A_alpha for an integer order (Mironov et al. 2019, section 3.3): the binomial expansion
/// sum_i C(alpha, i) (1 - q)^(alpha - i) q^i exp((i^2 - i) / (2 sigma^2)).
inline double log_a_integer(double q, double sigma, long long alpha) {
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

/// log A_alpha for a fractional order (Mironov et al. 2019, section 3.3): the two series split at
/// z0 = sigma^2 log(1/q - 1) + 1/2, summed until their terms fall below e^-30.
inline double log_a_fractional(double q, double sigma, double alpha) {
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

/// The RDP of one step of the Poisson-subsampled Gaussian mechanism at Rényi order alpha > 1: each
/// record enters with probability q, the sum of clipped contributions gets N(0, (sigma C)^2) noise.
/// q = 0 gives 0, q = 1 the plain Gaussian mechanism alpha / (2 sigma^2). Raises argument_error for q
/// outside [0, 1], sigma <= 0 or alpha <= 1.
inline double rdp_sampled_gaussian(double q, double sigma, double alpha) {
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

/// epsilon of (epsilon, delta)-DP from RDP `rdp` at order alpha (Balle et al. 2020, Proposition 12):
/// rdp + log(1 - 1/alpha) - (log delta + log alpha) / (alpha - 1); 0 when delta alone covers it
/// (delta^2 + expm1(-rdp) >= 0), infinity for orders at or below 1.01 (as TensorFlow Privacy).
inline double epsilon_from_rdp(double rdp, double alpha, double delta) {
    if (delta * delta + std::expm1(-rdp) >= 0.0) return 0.0;
    if (!(alpha > 1.01)) return std::numeric_limits<double>::infinity();
    return rdp + std::log1p(-1.0 / alpha) - std::log(delta * alpha) / (alpha - 1.0);
}

/// A privacy guarantee: epsilon and the Rényi order that gave it.
struct privacy_spent {
    double epsilon = 0.0;  ///< the smallest epsilon over the orders
    double order = 0.0;    ///< the order attaining it
};

/// Accumulates the RDP of a training run (any mix of sampling rates, noise multipliers and step
/// counts) at a list of orders and converts it to (epsilon, delta).
class rdp_accountant {
public:
    /// An accountant evaluating `orders` (each > 1; default_orders() by default).
    explicit rdp_accountant(std::vector<double> orders = default_orders()) : orders_(std::move(orders)), rdp_(orders_.size(), 0.0) {
        if (orders_.empty()) throw argument_error("causalrec::privacy::rdp_accountant: needs at least one order");
        for (double a : orders_)
            if (!(a > 1.0)) throw argument_error(causalrec::error_message("privacy", "rdp_accountant", "every order must be > 1, got ", a));
    }

    /// Adds `steps` steps of the sampled Gaussian mechanism with sampling rate q and noise multiplier sigma.
    void compose(double q, double sigma, std::size_t steps) {
        for (std::size_t k = 0; k < orders_.size(); ++k) rdp_[k] += static_cast<double>(steps) * rdp_sampled_gaussian(q, sigma, orders_[k]);
    }

    /// The guarantee after everything composed so far, for delta in (0, 1).
    privacy_spent spent(double delta) const {
        if (!(delta > 0.0 && delta < 1.0)) throw argument_error(causalrec::error_message("privacy", "rdp_accountant::spent", "delta must be in (0, 1), got ", delta));
        privacy_spent best{std::numeric_limits<double>::infinity(), orders_.front()};
        for (std::size_t k = 0; k < orders_.size(); ++k) {
            const double e = epsilon_from_rdp(rdp_[k], orders_[k], delta);
            if (e < best.epsilon) best = {e, orders_[k]};
        }
        best.epsilon = std::max(0.0, best.epsilon);
        return best;
    }
    /// epsilon after everything composed so far.
    double epsilon(double delta) const { return spent(delta).epsilon; }

    /// The orders evaluated.
    const std::vector<double>& orders() const noexcept { return orders_; }
    /// The accumulated RDP at each order.
    const std::vector<double>& rdp() const noexcept { return rdp_; }

private:
    std::vector<double> orders_;
    std::vector<double> rdp_;
};

/// epsilon of `steps` steps with sampling rate q (batch / dataset size under Poisson sampling) and
/// noise multiplier sigma, at delta, over `orders` (TensorFlow Privacy's compute_dp_sgd_privacy).
inline privacy_spent dp_sgd_privacy(double q, double sigma, std::size_t steps, double delta, std::vector<double> orders = default_orders()) {
    rdp_accountant accountant(std::move(orders));
    accountant.compose(q, sigma, steps);
    return accountant.spent(delta);
}

/// The smallest noise multiplier (to relative precision `tolerance`) whose `steps` steps at sampling
/// rate q spend at most target_epsilon at delta (Opacus's get_noise_multiplier): epsilon falls as sigma
/// grows, so a bracket is doubled until it holds the target, then bisected. Raises argument_error for
/// target_epsilon <= 0 and numeric_error when sigma would have to exceed 1e6.
inline double noise_multiplier_for(double target_epsilon, double q, std::size_t steps, double delta, double tolerance = 1e-6,
                                   std::vector<double> orders = default_orders()) {
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
