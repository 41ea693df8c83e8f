#pragma once
/// @file
/// The reduction every shipped loss shares (mean over batch x k elements; weighted IPS or
/// self-normalised SNIPS form), the input checks, and validate_weights() for the training loop.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../core/message.hpp"
#include "../core/math.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"

namespace causalrec::loss {

/// Per-sample weights as a loss takes them: one weight per row of the predictions; empty = unweighted.
/// (A non-deduced span, so a std::vector<T> or causalrec::vector<T> converts implicitly.)
template <class T>
using weights_t = std::type_identity_t<std::span<const T>>;

namespace detail {

using causalrec::append_part;
using causalrec::cat;
using causalrec::format_number;

/// "(rows, cols)" of a matrix.
template <class T>
std::string shape_string(const matrix<T>& m) {
    return cat("(", m.shape()[0], ", ", m.shape()[1], ")");
}

/// Checks that pred and target have the same non-empty shape and that weights (if any) has one entry per row.
template <class T>
void check_inputs(std::string_view loss, const matrix<T>& pred, const matrix<T>& target, std::span<const T> weights) {
    if (pred.shape()[0] != target.shape()[0] || pred.shape()[1] != target.shape()[1])
        throw shape_error(causalrec::error_message("loss", loss, "predictions have shape ", shape_string(pred), " but targets have shape ",
                              shape_string(target), "; they must be equal"));
    if (pred.size() == 0)
        throw shape_error(causalrec::error_message("loss", loss, "predictions have shape ", shape_string(pred),
                              "; a loss needs at least one row and one column"));
    if (!weights.empty() && weights.size() != pred.shape()[0])
        throw shape_error(causalrec::error_message("loss", loss, "weights have length ", weights.size(), " but predictions have shape ",
                              shape_string(pred), "; one weight per row is expected"));
}

/// Resizes grad to rows x cols unless it already has that shape (no allocation once shapes are stable).
template <class T>
void ensure_shape(matrix<T>& grad, std::size_t rows, std::size_t cols) {
    if (grad.shape()[0] != rows || grad.shape()[1] != cols) grad.resize({rows, cols});
}

/// The divisor of a batch's summed losses: its row count, or with `normalize` and weights their sum
/// (argument_error unless it is positive and finite).
template <class T>
double weight_divisor(std::string_view loss, std::size_t rows, std::span<const T> weights, bool normalize) {
    if (!normalize || weights.empty()) return static_cast<double>(rows);
    double sum = 0.0;
    for (const T w : weights) sum += static_cast<double>(w);
    if (!(sum > 0.0) || !std::isfinite(sum))
        throw argument_error(causalrec::error_message("loss", loss, "normalize_weights needs weights with a positive finite sum, got ", sum));
    return sum;
}

/// The reduction shared by every shipped loss. With element losses l_ij, batch B, k columns, weights w:
/// unweighted (1/(B k)) sum_ij l_ij; weighted (1/B) sum_i w_i mean_j l_ij; with normalize the divisor B
/// becomes sum_i w_i. `element(p, y)` returns l and `element.with_derivative(p, y)` returns {l, dl/dp},
/// used when WithGrad; grad receives d value / d pred. Elementwise arithmetic runs in double; grad is
/// stored in T.
template <bool WithGrad, class T, class Element>
double reduce(std::string_view loss, const matrix<T>& pred, const matrix<T>& target, std::span<const T> weights,
              bool normalize, matrix<T>* grad, const Element& element) {
    check_inputs(loss, pred, target, weights);
    const std::size_t rows = pred.shape()[0], cols = pred.shape()[1];
    const double scale = 1.0 / (weight_divisor(loss, rows, weights, normalize) * static_cast<double>(cols));
    const T* p = pred.data();
    const T* y = target.data();
    T* g = nullptr;
    if constexpr (WithGrad) {
        ensure_shape(*grad, rows, cols);
        g = grad->data();
    }
    double total = 0.0;
    for (std::size_t i = 0; i < rows; ++i) {
        const double w = weights.empty() ? 1.0 : static_cast<double>(weights[i]);
        const std::size_t base = i * cols;
        double row = 0.0;
        if constexpr (WithGrad) {
            const double c = w * scale;
            for (std::size_t j = 0; j < cols; ++j) {
                const auto [l, d] =
                    element.with_derivative(static_cast<double>(p[base + j]), static_cast<double>(y[base + j]));
                row += l;
                g[base + j] = static_cast<T>(c * d);
            }
        } else {
            for (std::size_t j = 0; j < cols; ++j)
                row += element(static_cast<double>(p[base + j]), static_cast<double>(y[base + j]));
        }
        total += w * row;
    }
    (void)g;
    return total * scale;
}

/// Raises E naming the first target v with !ok(v): "<loss>: target(i, j) is v; targets must <rule>".
template <class E, class T, class Ok>
void check_targets(std::string_view loss, const matrix<T>& target, Ok ok, std::string_view rule) {
    const std::size_t rows = target.shape()[0], cols = target.shape()[1];
    const T* y = target.data();
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) {
            const double v = static_cast<double>(y[i * cols + j]);
            if (!ok(v)) throw E(causalrec::error_message("loss", loss, "target(", i, ", ", j, ") is ", v, "; targets must ", rule));
        }
}

/// Raises argument_error naming the first target outside [0, 1] (or NaN) of a binary cross-entropy loss.
template <class T>
void check_probability_targets(std::string_view loss, const matrix<T>& target) {
    check_targets<argument_error>(loss, target, [](double v) { return v >= 0.0 && v <= 1.0; }, "be in [0, 1]");
}

/// Raises numeric_error naming the first non-finite target.
template <class T>
void check_finite_targets(std::string_view loss, const matrix<T>& target) {
    check_targets<numeric_error>(loss, target, [](double v) { return std::isfinite(v); }, "be finite");
}

/// value, gradient, value_and_gradient, validate_targets, name and options of a shipped loss, written once
/// over its element function: Loss derives from elementwise_loss<Loss, Options> and supplies `model_name` and
/// `element()` (an element function for reduce()). Options must have `normalize_weights`. A user's loss is a
/// plain class and needs none of this.
template <class Loss, class Options>
class elementwise_loss {
public:
    using options_type = Options;  ///< the options type taken by the constructor

    /// The loss of pred against target (same shape), optionally weighted per row.
    template <std::floating_point T>
    double value(const matrix<T>& pred, const matrix<T>& target, weights_t<T> weights = {}) const {
        return reduce<false>(Loss::model_name, pred, target, weights, opts_.normalize_weights,
                             static_cast<matrix<T>*>(nullptr), self().element());
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
        return reduce<true>(Loss::model_name, pred, target, weights, opts_.normalize_weights, &grad, self().element());
    }

    /// Checks targets once before training: every value finite (numeric_error otherwise). A loss with a
    /// narrower target range declares its own.
    template <std::floating_point T>
    void validate_targets(const matrix<T>& target) const {
        check_finite_targets(Loss::model_name, target);
    }

    /// The loss's model_name.
    std::string_view name() const noexcept { return Loss::model_name; }
    /// The options given at construction.
    const options_type& options() const noexcept { return opts_; }

protected:
    /// Keeps the options.
    explicit elementwise_loss(options_type opts) noexcept : opts_(opts) {}

    options_type opts_;  ///< the options given at construction

private:
    const Loss& self() const noexcept { return static_cast<const Loss&>(*this); }
};

/// Element of binary cross-entropy on logits z: bce_from_logits(z, y), derivative sigmoid(z) - y.
struct bce_logits {
    /// The element loss.
    double operator()(double z, double y) const noexcept { return causalrec::bce_from_logits(z, y); }
    /// {element loss, derivative}.
    std::pair<double, double> with_derivative(double z, double y) const noexcept {
        return causalrec::bce_from_logits_and_derivative(z, y);
    }
};

}  // namespace detail

/// Checks per-sample weights once, before training: one per row (`rows`), each finite and >= 0
/// (shape_error, numeric_error, argument_error). The losses themselves only check the length.
/// `weights` is any contiguous array of floating-point numbers with data() and size() (std::span,
/// std::vector, causalrec::vector); an empty one means unweighted and passes.
template <class W>
    requires requires(const W& w) {
        { w.size() } -> std::convertible_to<std::size_t>;
        requires std::is_floating_point_v<std::remove_cvref_t<decltype(*w.data())>>;
    }
void validate_weights(const W& weights, std::size_t rows) {
    const std::size_t n = static_cast<std::size_t>(weights.size());
    if (n == 0) return;
    if (n != rows)
        throw shape_error(detail::cat("causalrec::loss::loss: weights have length ", n, " but there are ", rows,
                                      " rows; one weight per row is expected"));
    const auto* data = weights.data();
    for (std::size_t i = 0; i < n; ++i) {
        const double w = static_cast<double>(data[i]);
        if (!std::isfinite(w)) throw numeric_error(detail::cat("causalrec::loss::loss: weight ", i, " is ", w, "; weights must be finite"));
        if (w < 0.0) throw argument_error(detail::cat("causalrec::loss::loss: weight ", i, " is ", w, "; weights must be >= 0"));
    }
}

}  // namespace causalrec::loss
