#pragma once
/// @file
/// Categorical cross-entropy on logits for multi-class models: the softmax of each row's k logits
/// against a row of class probabilities (one-hot labels, or soft labels), computed stably from the
/// logits (torch.nn.CrossEntropyLoss with probability targets, keras CategoricalCrossentropy(from_logits=True)).

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"
#include "reduction.hpp"

namespace causalrec::loss {

/// Options of categorical_cross_entropy.
struct categorical_cross_entropy_options {
    /// Weighted form divides by the sum of the weights (self-normalised) instead of the batch size.
    bool normalize_weights = false;
};

/// Cross-entropy of a multi-class model: row i's loss is -sum_j y_ij log softmax(z_i)_j, the value the
/// mean over rows (weighted: (1/B) sum_i w_i loss_i, or divided by sum_i w_i with normalize_weights).
/// d value / d z_ij = w_i (softmax(z_i)_j - y_ij) / B (for target rows that sum to 1). Use it with a
/// model whose last layer is linear with one output per class (the logits; no softmax layer); targets
/// are one row per sample of k class probabilities, e.g. one-hot labels (the training loop checks
/// that each row is >= 0 and sums to 1). Predicted classes are the arg-max of the logits.
class categorical_cross_entropy {
public:
    /// The loss's name in messages and logs.
    static constexpr std::string_view model_name = "categorical_cross_entropy";
    /// The options type taken by the constructor.
    using options_type = categorical_cross_entropy_options;

    /// A categorical cross-entropy loss with the given options.
    explicit categorical_cross_entropy(options_type opts = {}) noexcept : opts_(opts) {}

    /// The loss of the logits against the target probabilities (same shape), optionally weighted per row.
    template <std::floating_point T>
    double value(const matrix<T>& logits, const matrix<T>& target, weights_t<T> weights = {}) const {
        return compute<false>(logits, target, weights, static_cast<matrix<T>*>(nullptr));
    }

    /// Writes d value / d logits into grad (resized to the logits' shape only when its shape differs).
    template <std::floating_point T>
    void gradient(const matrix<T>& logits, const matrix<T>& target, weights_t<T> weights, matrix<T>& grad) const {
        (void)compute<true>(logits, target, weights, &grad);
    }

    /// value() and gradient() in one pass; returns the value.
    template <std::floating_point T>
    double value_and_gradient(const matrix<T>& logits, const matrix<T>& target, weights_t<T> weights, matrix<T>& grad) const {
        return compute<true>(logits, target, weights, &grad);
    }

    /// Checks targets once before training: every value in [0, 1] and every row summing to 1 within
    /// 1e-6 (argument_error naming the first row that does not).
    template <std::floating_point T>
    void validate_targets(const matrix<T>& target) const {
        detail::check_probability_targets(model_name, target);
        const std::size_t rows = target.shape()[0], cols = target.shape()[1];
        for (std::size_t i = 0; i < rows; ++i) {
            double sum = 0.0;
            for (std::size_t j = 0; j < cols; ++j) sum += static_cast<double>(target(i, j));
            if (std::abs(sum - 1.0) > 1e-6)
                throw argument_error(causalrec::error_message("loss", model_name, "target row ", i, " sums to ", sum,
                                                              "; each row must hold class probabilities summing to 1 (one-hot labels)"));
        }
    }

    /// The loss's model_name.
    std::string_view name() const noexcept { return model_name; }
    /// The options given at construction.
    const options_type& options() const noexcept { return opts_; }

private:
    template <bool WithGrad, class T>
    double compute(const matrix<T>& z, const matrix<T>& y, std::span<const T> weights, matrix<T>* grad) const {
        detail::check_inputs(model_name, z, y, weights);
        const std::size_t rows = z.shape()[0], cols = z.shape()[1];
        const double divisor = detail::weight_divisor(model_name, rows, weights, opts_.normalize_weights);
        if constexpr (WithGrad) detail::ensure_shape(*grad, rows, cols);
        double total = 0.0;
        for (std::size_t i = 0; i < rows; ++i) {
            const double w = weights.empty() ? 1.0 : static_cast<double>(weights[i]);
            // log softmax(z)_j = z_j - lse, lse = m + log sum_k exp(z_k - m), m = max_k z_k.
            double m = static_cast<double>(z(i, 0));
            for (std::size_t j = 1; j < cols; ++j) m = std::max(m, static_cast<double>(z(i, j)));
            double sum_exp = 0.0;
            for (std::size_t j = 0; j < cols; ++j) sum_exp += std::exp(static_cast<double>(z(i, j)) - m);
            const double log_sum = std::log(sum_exp);
            double row = 0.0, target_sum = 0.0;
            for (std::size_t j = 0; j < cols; ++j) {
                const double t = static_cast<double>(y(i, j));
                if (t != 0.0) row -= t * (static_cast<double>(z(i, j)) - m - log_sum);
                target_sum += t;
            }
            total += w * row;
            if constexpr (WithGrad) {
                const double c = w / divisor;
                for (std::size_t j = 0; j < cols; ++j)
                    (*grad)(i, j) = static_cast<T>(c * (target_sum * std::exp(static_cast<double>(z(i, j)) - m - log_sum) - static_cast<double>(y(i, j))));
            }
        }
        return total / divisor;
    }

    options_type opts_;
};

}  // namespace causalrec::loss
