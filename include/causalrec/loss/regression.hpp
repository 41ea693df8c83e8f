#pragma once
/// @file
/// Regression losses: mean squared error and the Huber loss, with optional per-sample weights.

#include <cmath>
#include <concepts>
#include <string_view>
#include <utility>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "reduction.hpp"

namespace causalrec::loss {

/// Options of mse.
struct mse_options {
    /// Weighted form divides by the sum of the weights (self-normalised, SNIPS) instead of the batch size (IPS).
    bool normalize_weights = false;
};

/// Mean squared error: element loss (p - y)^2, element derivative 2 (p - y), reduced by mean
/// (see reduction.hpp for the weighted forms). Same as torch.nn.MSELoss / keras MeanSquaredError.
class mse : public detail::elementwise_loss<mse, mse_options> {
public:
    /// The loss's name in messages and logs.
    static constexpr std::string_view model_name = "mse";

    /// An MSE loss with the given options.
    explicit mse(options_type opts = {}) noexcept : elementwise_loss(opts) {}

private:
    friend elementwise_loss;

    /// Element loss (p - y)^2 and its derivative 2 (p - y).
    struct element_fn {
        /// The element loss.
        double operator()(double p, double y) const noexcept {
            const double d = p - y;
            return d * d;
        }
        /// {element loss, derivative}.
        std::pair<double, double> with_derivative(double p, double y) const noexcept {
            return {(*this)(p, y), 2.0 * (p - y)};
        }
    };
    element_fn element() const noexcept { return {}; }
};

/// Options of huber.
struct huber_options {
    double delta = 1.0;  ///< where the loss turns from quadratic to linear; must be > 0
    /// Weighted form divides by the sum of the weights (self-normalised, SNIPS) instead of the batch size (IPS).
    bool normalize_weights = false;
};

/// Huber loss (torch.nn.HuberLoss, keras Huber): with r = p - y, element loss r^2 / 2 when
/// |r| <= delta, else delta (|r| - delta / 2); derivative r, resp. delta sign(r).
class huber : public detail::elementwise_loss<huber, huber_options> {
public:
    /// The loss's name in messages and logs.
    static constexpr std::string_view model_name = "huber";

    /// A Huber loss; raises argument_error unless delta > 0 (and finite).
    explicit huber(options_type opts = {}) : elementwise_loss(opts) {
        if (!(opts_.delta > 0.0) || !std::isfinite(opts_.delta))
            throw argument_error(detail::cat("causalrec::loss::huber: delta must be a finite number > 0, got ", opts_.delta));
    }

private:
    friend elementwise_loss;

    /// Element loss r^2 / 2 for |r| <= delta, else delta (|r| - delta / 2), r = p - y, and its derivative.
    struct element_fn {
        double delta;  ///< options().delta

        /// The element loss.
        double operator()(double p, double y) const noexcept {
            const double r = std::abs(p - y);
            return r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta);
        }
        /// {element loss, derivative r or delta sign(r)}.
        std::pair<double, double> with_derivative(double p, double y) const noexcept {
            const double r = p - y;
            return {(*this)(p, y), std::abs(r) <= delta ? r : (r > 0.0 ? delta : -delta)};
        }
    };
    element_fn element() const noexcept { return {opts_.delta}; }
};

/// Options of pinball.
struct pinball_options {
    double quantile = 0.5;  ///< the quantile tau the predictions aim at, in (0, 1); 0.5 is half the absolute error
    /// Weighted form divides by the sum of the weights (self-normalised, SNIPS) instead of the batch size (IPS).
    bool normalize_weights = false;
};

/// Pinball (quantile) loss (scikit-learn's mean_pinball_loss): with r = y - p, element loss
/// max(tau r, (tau - 1) r); its minimiser is the tau-quantile of y, so a model trained with it
/// predicts a quantile and is as robust to outlying targets as the median. Derivative with respect
/// to p: -tau when y > p, 1 - tau when y < p (and 1/2 - tau at y = p, the subgradient's middle).
class pinball : public detail::elementwise_loss<pinball, pinball_options> {
public:
    /// The loss's name in messages and logs.
    static constexpr std::string_view model_name = "pinball";

    /// A pinball loss; raises argument_error unless 0 < quantile < 1.
    explicit pinball(options_type opts = {}) : elementwise_loss(opts) {
        if (!(opts_.quantile > 0.0 && opts_.quantile < 1.0))
            throw argument_error(detail::cat("causalrec::loss::pinball: quantile must be in (0, 1), got ", opts_.quantile));
    }

private:
    friend elementwise_loss;

    /// Element loss max(tau r, (tau - 1) r), r = y - p, and its derivative with respect to p.
    struct element_fn {
        double tau;  ///< options().quantile

        /// The element loss.
        double operator()(double p, double y) const noexcept {
            const double r = y - p;
            return r >= 0.0 ? tau * r : (tau - 1.0) * r;
        }
        /// {element loss, derivative}.
        std::pair<double, double> with_derivative(double p, double y) const noexcept {
            const double r = y - p;
            return {(*this)(p, y), r > 0.0 ? -tau : r < 0.0 ? 1.0 - tau : 0.5 - tau};
        }
    };
    element_fn element() const noexcept { return {opts_.quantile}; }
};

}  // namespace causalrec::loss
