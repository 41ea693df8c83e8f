#pragma once
/// @file
/// Binary cross-entropy on probabilities (clamped, with a stable logits path for models that end
/// with a sigmoid) and binary cross-entropy on logits, with optional per-sample weights.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <string_view>
#include <utility>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "reduction.hpp"

namespace causalrec::loss {

/// Options of binary_cross_entropy.
struct binary_cross_entropy_options {
    /// Probabilities are clamped to [eps, 1 - eps] before the log (Keras's default 1e-7); 0 < eps < 0.5.
    double eps = 1e-7;
    /// Weighted form divides by the sum of the weights (self-normalised, SNIPS) instead of the batch size (IPS).
    bool normalize_weights = false;
};

/// Binary cross-entropy of probabilities p against targets y in [0, 1]: element loss
/// -(y ln p_c + (1 - y) ln(1 - p_c)) with p_c = clamp(p, eps, 1 - eps). The gradient is exactly the
/// derivative of that value, so it is 0 where p lies outside [eps, 1 - eps] (the clamp is flat there).
/// The *_from_logits members compute the same loss from logits z (p = sigmoid(z)) without clamping,
/// stably: the training loop uses them when the model ends with a sigmoid, so sigmoid + BCE keeps
/// the precision (and the non-vanishing gradient) of BCE-with-logits.
class binary_cross_entropy : public detail::elementwise_loss<binary_cross_entropy, binary_cross_entropy_options> {
public:
    /// The loss's name in messages and logs.
    static constexpr std::string_view model_name = "binary_cross_entropy";

    /// A BCE loss; raises argument_error unless 0 < eps < 0.5.
    explicit binary_cross_entropy(options_type opts = {}) : elementwise_loss(opts) {
        if (!(opts_.eps > 0.0 && opts_.eps < 0.5))
            throw argument_error(detail::cat("causalrec::loss::binary_cross_entropy: eps must be in (0, 0.5), got ", opts_.eps));
    }

    /// The same loss computed from logits z = sigmoid^-1(p), stably and without clamping:
    /// element loss max(z, 0) - z y + log1p(exp(-|z|)), with this loss's reduction.
    template <std::floating_point T>
    double value_from_logits(const matrix<T>& logits, const matrix<T>& target, weights_t<T> weights = {}) const {
        return detail::reduce<false>(model_name, logits, target, weights, opts_.normalize_weights,
                                     static_cast<matrix<T>*>(nullptr), detail::bce_logits{});
    }

    /// d value_from_logits / d logits (element derivative sigmoid(z) - y, scaled by the reduction) into grad.
    template <std::floating_point T>
    void gradient_from_logits(const matrix<T>& logits, const matrix<T>& target, weights_t<T> weights,
                              matrix<T>& grad) const {
        (void)value_and_gradient_from_logits(logits, target, weights, grad);
    }

    /// value_from_logits() and gradient_from_logits() in one pass; returns the value.
    template <std::floating_point T>
    double value_and_gradient_from_logits(const matrix<T>& logits, const matrix<T>& target, weights_t<T> weights,
                                          matrix<T>& grad) const {
        return detail::reduce<true>(model_name, logits, target, weights, opts_.normalize_weights, &grad,
                                    detail::bce_logits{});
    }

    /// Checks targets once before training: every value in [0, 1] (argument_error naming the first one outside).
    template <std::floating_point T>
    void validate_targets(const matrix<T>& target) const {
        detail::check_probability_targets(model_name, target);
    }

private:
    friend elementwise_loss;

    /// Element loss -(y ln p_c + (1 - y) ln(1 - p_c)), p_c = clamp(p, eps, 1 - eps), and its derivative.
    struct element_fn {
        double lo, hi;  ///< eps and 1 - eps

        /// The element loss.
        double operator()(double p, double y) const noexcept {
            const double pc = std::clamp(p, lo, hi);
            return -(y * std::log(pc) + (1.0 - y) * std::log1p(-pc));
        }
        /// {element loss, derivative}: 0 where the clamp is flat; NaN p fails both comparisons and propagates.
        std::pair<double, double> with_derivative(double p, double y) const noexcept {
            const double pc = std::clamp(p, lo, hi);
            return {(*this)(p, y), (p < lo || p > hi) ? 0.0 : (pc - y) / (pc * (1.0 - pc))};
        }
    };
    element_fn element() const noexcept { return {opts_.eps, 1.0 - opts_.eps}; }
};

/// Options of binary_cross_entropy_with_logits.
struct binary_cross_entropy_with_logits_options {
    /// Weighted form divides by the sum of the weights (self-normalised, SNIPS) instead of the batch size (IPS).
    bool normalize_weights = false;
    /// Check before training that every target is in [0, 1]. Off for doubly robust pseudo-targets, which
    /// leave [0, 1]: the element loss is affine in the target, so its mean is then the DR objective.
    bool check_target_range = true;
};

/// Binary cross-entropy on logits z (torch.nn.BCEWithLogitsLoss, keras BinaryCrossentropy(from_logits=True)):
/// element loss max(z, 0) - z y + log1p(exp(-|z|)), derivative sigmoid(z) - y; finite and exact for any
/// finite z. Use it with a model whose last layer is linear (no sigmoid).
class binary_cross_entropy_with_logits
    : public detail::elementwise_loss<binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_options> {
public:
    /// The loss's name in messages and logs.
    static constexpr std::string_view model_name = "binary_cross_entropy_with_logits";

    /// A BCE-with-logits loss with the given options.
    explicit binary_cross_entropy_with_logits(options_type opts = {}) noexcept : elementwise_loss(opts) {}

    /// Checks targets once before training: every value in [0, 1] (argument_error naming the first one outside).
    template <std::floating_point T>
    void validate_targets(const matrix<T>& target) const {
        if (opts_.check_target_range) detail::check_probability_targets(model_name, target);
    }

private:
    friend elementwise_loss;

    detail::bce_logits element() const noexcept { return {}; }
};

}  // namespace causalrec::loss
