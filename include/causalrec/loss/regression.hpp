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
class mse {
public:
    using options_type = mse_options;  ///< the options type taken by the constructor
    /// The loss's name in messages and logs.
    static constexpr std::string_view type_name = "mse";

    /// An MSE loss with the given options.
    explicit mse(options_type opts = {}) noexcept : opts_(opts) {}

    /// The loss of pred against target (same shape), optionally weighted per row.
    template <std::floating_point T>
    double value(const matrix<T>& pred, const matrix<T>& target, weights_t<T> weights = {}) const {
        return detail::reduce<false>(type_name, pred, target, weights, opts_.normalize_weights,
                                     static_cast<matrix<T>*>(nullptr), [](double p, double y) {
                                         const double d = p - y;
                                         return d * d;
                                     });
    }

    /// Writes d value / d pred into grad (resized to pred's shape only when its shape differs).
    template <std::floating_point T>
    void gradient(const matrix<T>& pred, const matrix<T>& target, weights_t<T> weights, matrix<T>& grad) const {
        (void)value_and_gradient(pred, target, weights, grad);
    }

    /// value() and gradient() in one pass; returns the value.
    template <std::floating_point T>
    double value_and_gradient(const matrix<T>& pred, const matrix<T>& target, weights_t<T> weights,
                              matrix<T>& grad) const {
        return detail::reduce<true>(type_name, pred, target, weights, opts_.normalize_weights, &grad,
                                    [](double p, double y) {
                                        const double d = p - y;
                                        return std::pair<double, double>{d * d, 2.0 * d};
                                    });
    }

    /// Checks targets once before training: every value finite (numeric_error otherwise).
    template <std::floating_point T>
    void validate_targets(const matrix<T>& target) const {
        detail::check_finite_targets(type_name, target);
    }

    /// "mse".
    std::string_view name() const noexcept { return type_name; }
    /// The options given at construction.
    const options_type& options() const noexcept { return opts_; }

private:
    options_type opts_;
};

/// Options of huber.
struct huber_options {
    double delta = 1.0;  ///< where the loss turns from quadratic to linear; must be > 0
    /// Weighted form divides by the sum of the weights (self-normalised, SNIPS) instead of the batch size (IPS).
    bool normalize_weights = false;
};

/// Huber loss (torch.nn.HuberLoss, keras Huber): with r = p - y, element loss r^2 / 2 when
/// |r| <= delta, else delta (|r| - delta / 2); derivative r, resp. delta sign(r).
class huber {
public:
    using options_type = huber_options;  ///< the options type taken by the constructor
    /// The loss's name in messages and logs.
    static constexpr std::string_view type_name = "huber";

    /// A Huber loss; raises argument_error unless delta > 0 (and finite).
    explicit huber(options_type opts = {}) : opts_(opts) {
        if (!(opts_.delta > 0.0) || !std::isfinite(opts_.delta))
            throw argument_error(detail::cat("huber: delta must be a finite number > 0, got ", opts_.delta));
    }

    /// The loss of pred against target (same shape), optionally weighted per row.
    template <std::floating_point T>
    double value(const matrix<T>& pred, const matrix<T>& target, weights_t<T> weights = {}) const {
        const double delta = opts_.delta;
        return detail::reduce<false>(type_name, pred, target, weights, opts_.normalize_weights,
                                     static_cast<matrix<T>*>(nullptr), [delta](double p, double y) {
                                         const double r = std::abs(p - y);
                                         return r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta);
                                     });
    }

    /// Writes d value / d pred into grad (resized to pred's shape only when its shape differs).
    template <std::floating_point T>
    void gradient(const matrix<T>& pred, const matrix<T>& target, weights_t<T> weights, matrix<T>& grad) const {
        (void)value_and_gradient(pred, target, weights, grad);
    }

    /// value() and gradient() in one pass; returns the value.
    template <std::floating_point T>
    double value_and_gradient(const matrix<T>& pred, const matrix<T>& target, weights_t<T> weights,
                              matrix<T>& grad) const {
        const double delta = opts_.delta;
        return detail::reduce<true>(type_name, pred, target, weights, opts_.normalize_weights, &grad,
                                    [delta](double p, double y) {
                                        const double r = p - y;
                                        const double a = std::abs(r);
                                        if (a <= delta) return std::pair<double, double>{0.5 * r * r, r};
                                        return std::pair<double, double>{delta * (a - 0.5 * delta),
                                                                         r > 0.0 ? delta : -delta};
                                    });
    }

    /// Checks targets once before training: every value finite (numeric_error otherwise).
    template <std::floating_point T>
    void validate_targets(const matrix<T>& target) const {
        detail::check_finite_targets(type_name, target);
    }

    /// "huber".
    std::string_view name() const noexcept { return type_name; }
    /// The options given at construction.
    const options_type& options() const noexcept { return opts_; }

private:
    options_type opts_;
};

}  // namespace causalrec::loss
