#pragma once
/// @file
/// Gradient attributions of a differentiable model with forward / backward (e.g. nn::sequential):
/// Integrated Gradients (Sundararajan, Taly & Yan 2017) with Riemann or Gauss-Legendre steps and its
/// convergence delta, and gradient x input.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <numbers>
#include <span>
#include <utility>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/quadrature.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"

namespace causalrec::explain {

/// How integrated_gradients places its points on the path from the baseline to x.
enum class integration_rule {
    riemann_left,      ///< alpha_k = k / m, k = 0..m-1, weights 1/m
    riemann_right,     ///< alpha_k = k / m, k = 1..m
    riemann_middle,    ///< alpha_k = (k + 1/2) / m
    riemann_trapezoid, ///< alpha_k = k / (m - 1), k = 0..m-1, end weights halved
    gauss_legendre,    ///< the m Gauss-Legendre nodes on [0, 1] (Captum's default)
};

/// Options of integrated_gradients.
struct integrated_gradients_options {
    std::size_t steps = 50;  ///< points on the path (Captum's n_steps)
    integration_rule rule = integration_rule::gauss_legendre;  ///< where the points go
};

/// Integrated gradients of one input.
struct gradient_attribution {
    std::vector<double> values{};    ///< one per feature
    double prediction = 0.0;         ///< f(x)
    double baseline_prediction = 0.0;  ///< f(baseline)
    /// sum(values) - (f(x) - f(baseline)): how far the integral is from completeness (0 in the limit).
    double convergence_delta = 0.0;
};

namespace detail {

/// Points and weights of the rule on [0, 1].
std::pair<std::vector<double>, std::vector<double>> integration_points(integration_rule rule, std::size_t m);

/// Checks a model's one-output-per-row result.
template <class T>
void check_single_output(const matrix<T>& out, std::size_t rows, const char* fn) {
    if (out.shape()[0] != rows || out.shape()[1] != 1)
        throw shape_error(causalrec::error_message("explain", fn, "the model must return one output per row; got ", out.shape()[0], " x ", out.shape()[1]));
}

}  // namespace detail

/// Integrated gradients of model(x) from `baseline` (x and baseline: one row each, p features): for
/// each feature, (x_i - baseline_i) times the integral over alpha in [0, 1] of df/dx_i at
/// baseline + alpha (x - baseline), by the chosen rule with options.steps points evaluated in one
/// batch through the model's own backward pass (its input gradient: the first layer of an
/// nn::sequential must have it on, see train::enable_input_gradient). The model returns one output
/// per row. Raises shape_error for widths that differ or a model output of another shape.
template <class M, std::floating_point T>
gradient_attribution integrated_gradients(M& model, std::span<const T> x, std::span<const T> baseline, const integrated_gradients_options& options = {}) {
    constexpr const char* fn = "integrated_gradients";
    const std::size_t p = x.size();
    if (baseline.size() != p) throw shape_error(causalrec::error_message("explain", fn, "x has ", p, " features, the baseline ", baseline.size()));
    if (options.steps == 0) throw argument_error(causalrec::error_message("explain", fn, "steps must be positive"));
    const auto [alphas, weights] = detail::integration_points(options.rule, options.steps);
    const std::size_t m = alphas.size();
    matrix<T> path = matrix<T>::from_shape({m + 2, p});
    for (std::size_t k = 0; k < m; ++k)
        for (std::size_t f = 0; f < p; ++f) path(k, f) = static_cast<T>(baseline[f] + alphas[k] * (x[f] - baseline[f]));
    for (std::size_t f = 0; f < p; ++f) path(m, f) = x[f], path(m + 1, f) = baseline[f];
    const matrix<T>& out = model.forward(path);
    detail::check_single_output(out, m + 2, fn);
    gradient_attribution result;
    result.prediction = static_cast<double>(out(m, 0));
    result.baseline_prediction = static_cast<double>(out(m + 1, 0));
    matrix<T> upstream = matrix<T>::from_shape({m + 2, std::size_t{1}});
    for (std::size_t k = 0; k < m + 2; ++k) upstream(k, 0) = static_cast<T>(k < m ? weights[k] : 0.0);
    const matrix<T>& grad = model.backward(upstream);
    if (grad.shape()[0] != m + 2 || grad.shape()[1] != p)
        throw shape_error(causalrec::error_message("explain", fn, "the model returned no input gradient; switch it on (train::enable_input_gradient)"));
    result.values.assign(p, 0.0);
    double total = 0.0;
    for (std::size_t f = 0; f < p; ++f) {
        double integral = 0.0;
        for (std::size_t k = 0; k < m; ++k) integral += static_cast<double>(grad(k, f));
        result.values[f] = (static_cast<double>(x[f]) - static_cast<double>(baseline[f])) * integral;
        total += result.values[f];
    }
    result.convergence_delta = total - (result.prediction - result.baseline_prediction);
    return result;
}

/// Gradient x input of model(x): x_i df/dx_i, one backward pass.
template <class M, std::floating_point T>
std::vector<double> gradient_times_input(M& model, std::span<const T> x) {
    constexpr const char* fn = "gradient_times_input";
    const std::size_t p = x.size();
    matrix<T> row = matrix<T>::from_shape({std::size_t{1}, p});
    for (std::size_t f = 0; f < p; ++f) row(0, f) = x[f];
    detail::check_single_output(model.forward(row), 1, fn);
    matrix<T> one = matrix<T>::from_shape({std::size_t{1}, std::size_t{1}});
    one(0, 0) = T(1);
    const matrix<T>& grad = model.backward(one);
    if (grad.shape()[0] != 1 || grad.shape()[1] != p)
        throw shape_error(causalrec::error_message("explain", fn, "the model returned no input gradient; switch it on (train::enable_input_gradient)"));
    std::vector<double> out(p);
    for (std::size_t f = 0; f < p; ++f) out[f] = static_cast<double>(x[f]) * static_cast<double>(grad(0, f));
    return out;
}

}  // namespace causalrec::explain

#if CAUSALREC_HEADER_ONLY
#include "impl/gradients.hpp"
#endif
