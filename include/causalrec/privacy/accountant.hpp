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

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"

namespace causalrec::privacy {

/// The Rényi orders TensorFlow Privacy and Opacus evaluate by default: 1.1, 1.2, ..., 10.9, then 12, 13, ..., 63.
std::vector<double> default_orders();

namespace detail {

inline constexpr double minus_infinity = -std::numeric_limits<double>::infinity();

/// log(exp(a) + exp(b)).
double log_add(double a, double b);

/// log(exp(a) - exp(b)) for a >= b.
double log_sub(double a, double b);

/// log(erfc(x)), finite far into the tail (the asymptotic series where erfc underflows).
double log_erfc(double x);

/// log of the binomial coefficient C(alpha, i) in absolute value, for real alpha, and its sign.
std::pair<double, double> log_abs_binomial(double alpha, double i);

/// log A_alpha for an integer order (Mironov et al. 2019, section 3.3): the binomial expansion
/// sum_i C(alpha, i) (1 - q)^(alpha - i) q^i exp((i^2 - i) / (2 sigma^2)).
double log_a_integer(double q, double sigma, long long alpha);

/// log A_alpha for a fractional order (Mironov et al. 2019, section 3.3): the two series split at
/// z0 = sigma^2 log(1/q - 1) + 1/2, summed until their terms fall below e^-30.
double log_a_fractional(double q, double sigma, double alpha);

}  // namespace detail

/// The RDP of one step of the Poisson-subsampled Gaussian mechanism at Rényi order alpha > 1: each
/// record enters with probability q, the sum of clipped contributions gets N(0, (sigma C)^2) noise.
/// q = 0 gives 0, q = 1 the plain Gaussian mechanism alpha / (2 sigma^2). Raises argument_error for q
/// outside [0, 1], sigma <= 0 or alpha <= 1.
double rdp_sampled_gaussian(double q, double sigma, double alpha);

/// epsilon of (epsilon, delta)-DP from RDP `rdp` at order alpha (Balle et al. 2020, Proposition 12):
/// rdp + log(1 - 1/alpha) - (log delta + log alpha) / (alpha - 1); 0 when delta alone covers it
/// (delta^2 + expm1(-rdp) >= 0), infinity for orders at or below 1.01 (as TensorFlow Privacy).
double epsilon_from_rdp(double rdp, double alpha, double delta);

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
privacy_spent dp_sgd_privacy(double q, double sigma, std::size_t steps, double delta, std::vector<double> orders = default_orders());

/// The smallest noise multiplier (to relative precision `tolerance`) whose `steps` steps at sampling
/// rate q spend at most target_epsilon at delta (Opacus's get_noise_multiplier): epsilon falls as sigma
/// grows, so a bracket is doubled until it holds the target, then bisected. Raises argument_error for
/// target_epsilon <= 0 and numeric_error when sigma would have to exceed 1e6.
double noise_multiplier_for(double target_epsilon, double q, std::size_t steps, double delta, double tolerance = 1e-6,
                                   std::vector<double> orders = default_orders());

}  // namespace causalrec::privacy

#if CAUSALREC_HEADER_ONLY
#include "impl/accountant.hpp"
#endif
