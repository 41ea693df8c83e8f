#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/notears.hpp (the linear and nonlinear NOTEARS fits): included by
/// that header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../notears.hpp"

namespace causalrec::causal {

namespace detail {

/// The options linear and nonlinear NOTEARS share, each named with its value when out of range.
template <class Options>
void check_notears_options(const char* fn, const Options& options) {
    require_number(fn, "lambda1", options.lambda1, 0.0, false);
    require_number(fn, "w_threshold", options.w_threshold, 0.0, false);
    require_number(fn, "h_tolerance", options.h_tolerance, 0.0, true);
    require_number(fn, "rho_max", options.rho_max, 1.0, true);
    if (options.max_iterations == 0) throw argument_error(causalrec::error_message("causal", fn, "max_iterations must be at least 1"));
}

}  // namespace detail

CAUSALREC_INLINE notears_result notears_linear(const matrix<double>& x, const notears_options& options) {
    constexpr const char* fn = "notears_linear";
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    if (d < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 variables, got ", d));
    if (n < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 rows, got ", n));
    detail::check_notears_options(fn, options);
    causalrec::require_finite(qualified("causal", fn), "X", x);
    // The covariance of the centred columns, C = X^T X / n.
    std::vector<double> mean(d, 0.0), covariance(d * d, 0.0);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t j = 0; j < d; ++j) mean[j] += x(r, j);
    for (double& m : mean) m /= static_cast<double>(n);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t i = 0; i < d; ++i) {
            const double a = x(r, i) - mean[i];
            for (std::size_t j = i; j < d; ++j) covariance[i * d + j] += a * (x(r, j) - mean[j]);
        }
    for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = i; j < d; ++j) covariance[j * d + i] = covariance[i * d + j] /= static_cast<double>(n);
    const std::size_t dd = d * d;
    std::vector<double> w(2 * dd, 0.0), lower(2 * dd, 0.0), upper(2 * dd, std::numeric_limits<double>::infinity());
    for (std::size_t half = 0; half < 2; ++half)
        for (std::size_t i = 0; i < d; ++i) upper[half * dd + i * d + i] = 0.0;  // no self-loops
    if (options.knowledge) {
        options.knowledge->check(d, fn);
        if (!options.knowledge->required.empty())
            throw argument_error(causalrec::error_message("causal", fn, "NOTEARS cannot require an edge (its weight's sign is unknown); use forbidden edges and tiers"));
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = 0; j < d; ++j)
                if (i != j && !options.knowledge->allows(i, j)) upper[i * d + j] = upper[dd + i * d + j] = 0.0;
    }
    auto adjacency = [&](std::span<const double> v) {
        std::vector<double> out(dd);
        for (std::size_t e = 0; e < dd; ++e) out[e] = v[e] - v[dd + e];
        return out;
    };
    notears_result result;
    detail::notears_dual_ascent(
        w, lower, upper, options.max_iterations, options.h_tolerance, options.rho_max, options.inner,
        [&](double rho, double alpha) { return detail::notears_objective{&covariance, d, options.lambda1, rho, alpha}; },
        [&](std::span<const double> v) { return detail::notears_acyclicity(adjacency(v), d, nullptr); }, result);
    const auto raw = adjacency(w);
    result.raw_weights = matrix<double>::from_shape({d, d});
    result.weights = matrix<double>::from_shape({d, d});
    for (std::size_t e = 0; e < dd; ++e) {
        result.raw_weights.data()[e] = raw[e];
        result.weights.data()[e] = std::abs(raw[e]) < options.w_threshold ? 0.0 : raw[e];
    }
    return result;
}

CAUSALREC_INLINE notears_result notears_nonlinear(const matrix<double>& x, const notears_mlp_options& options) {
    constexpr const char* fn = "notears_nonlinear";
    const std::size_t n = x.shape()[0], d = x.shape()[1], m = options.hidden;
    if (d < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 variables, got ", d));
    if (n < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 rows, got ", n));
    if (m == 0) throw argument_error(causalrec::error_message("causal", fn, "hidden must be at least 1"));
    detail::check_notears_options(fn, options);
    detail::require_number(fn, "lambda2", options.lambda2, 0.0, false);
    causalrec::require_finite(qualified("causal", fn), "X", x);
    const matrix<double> data = x;  // contiguous row-major copy for the BLAS calls
    detail::notears_mlp_objective shape{&data, d, m, options.lambda1, options.lambda2, 0.0, 0.0};
    const std::size_t w1 = shape.first_layer(), dm = d * m, size = shape.size();
    std::vector<double> theta(size, 0.0), lower(size, -std::numeric_limits<double>::infinity()), upper(size, std::numeric_limits<double>::infinity());
    for (std::size_t e = 0; e < 2 * w1; ++e) lower[e] = 0.0;
    auto block = [&](std::size_t i, std::size_t j) {  // hold every first-layer weight from x_i into x_j's network at 0
        for (std::size_t k = 0; k < m; ++k) {
            const std::size_t e = (j * m + k) * d + i;
            upper[e] = upper[w1 + e] = 0.0;
        }
    };
    for (std::size_t j = 0; j < d; ++j) block(j, j);
    if (options.knowledge) {
        options.knowledge->check(d, fn);
        if (!options.knowledge->required.empty())
            throw argument_error(causalrec::error_message("causal", fn, "NOTEARS cannot require an edge; use forbidden edges and tiers"));
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = 0; j < d; ++j)
                if (i != j && !options.knowledge->allows(i, j)) block(i, j);
    }
    // Initial weights as PyTorch's layers: uniform in +-1/sqrt(fan_in) (first layer d, second m),
    // projected into the box (the halves of W1 start at their positive parts).
    rng engine(options.seed);
    const double first = 1.0 / std::sqrt(static_cast<double>(d)), second = 1.0 / std::sqrt(static_cast<double>(m));
    for (std::size_t e = 0; e < 2 * w1; ++e) theta[e] = std::clamp(engine.uniform(-first, first), lower[e], upper[e]);
    for (std::size_t e = 0; e < dm; ++e) theta[2 * w1 + e] = engine.uniform(-first, first);
    for (std::size_t e = 0; e < dm; ++e) theta[2 * w1 + dm + e] = engine.uniform(-second, second);
    for (std::size_t j = 0; j < d; ++j) theta[2 * w1 + 2 * dm + j] = engine.uniform(-second, second);
    auto h_of = [&](std::span<const double> t) {
        const auto a = shape.adjacency(t);
        const auto e_mat = detail::matrix_exponential(a, d);
        double tr = 0.0;
        for (std::size_t i = 0; i < d; ++i) tr += e_mat[i * d + i];
        return tr - static_cast<double>(d);
    };
    notears_result result;
    detail::notears_dual_ascent(
        theta, lower, upper, options.max_iterations, options.h_tolerance, options.rho_max, options.inner,
        [&](double rho, double alpha) {
            detail::notears_mlp_objective objective = shape;
            objective.rho = rho, objective.alpha = alpha;
            return objective;
        },
        h_of, result);
    const auto a = shape.adjacency(theta);
    result.raw_weights = matrix<double>::from_shape({d, d});
    result.weights = matrix<double>::from_shape({d, d});
    for (std::size_t e = 0; e < d * d; ++e) {
        const double strength = std::sqrt(a[e]);
        result.raw_weights.data()[e] = strength;
        result.weights.data()[e] = strength < options.w_threshold ? 0.0 : strength;
    }
    return result;
}

}  // namespace causalrec::causal

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE void multiply_square(const std::vector<double>& a, const std::vector<double>& b, std::vector<double>& c, std::size_t d) {
    c.assign(d * d, 0.0);
    for (std::size_t i = 0; i < d; ++i)
        for (std::size_t k = 0; k < d; ++k) {
            const double v = a[i * d + k];
            if (v == 0.0) continue;
            for (std::size_t j = 0; j < d; ++j) c[i * d + j] += v * b[k * d + j];
        }
}

CAUSALREC_INLINE std::vector<double> matrix_exponential(const std::vector<double>& a, std::size_t d) {
    double norm = 0.0;  // the infinity norm (largest row sum)
    for (std::size_t i = 0; i < d; ++i) {
        double row = 0.0;
        for (std::size_t j = 0; j < d; ++j) row += std::abs(a[i * d + j]);
        norm = std::max(norm, row);
    }
    int squarings = 0;
    if (norm > 0.5) squarings = static_cast<int>(std::ceil(std::log2(norm / 0.5)));
    const double scale = std::ldexp(1.0, -squarings);
    std::vector<double> scaled(a), term(d * d, 0.0), sum(d * d, 0.0), next;
    for (double& v : scaled) v *= scale;
    for (std::size_t i = 0; i < d; ++i) term[i * d + i] = 1.0, sum[i * d + i] = 1.0;
    for (int k = 1; k <= 14; ++k) {
        multiply_square(term, scaled, next, d);
        const double inv = 1.0 / static_cast<double>(k);
        for (std::size_t e = 0; e < d * d; ++e) {
            term[e] = next[e] * inv;
            sum[e] += term[e];
        }
    }
    for (int s = 0; s < squarings; ++s) {
        multiply_square(sum, sum, next, d);
        sum.swap(next);
    }
    return sum;
}

CAUSALREC_INLINE double notears_acyclicity(const std::vector<double>& w, std::size_t d, std::vector<double>* gradient) {
    std::vector<double> squared(d * d);
    for (std::size_t e = 0; e < d * d; ++e) squared[e] = w[e] * w[e];
    const auto e_mat = matrix_exponential(squared, d);
    double trace = 0.0;
    for (std::size_t i = 0; i < d; ++i) trace += e_mat[i * d + i];
    if (gradient) {
        gradient->resize(d * d);
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = 0; j < d; ++j) (*gradient)[i * d + j] = e_mat[j * d + i] * 2.0 * w[i * d + j];
    }
    return trace - static_cast<double>(d);
}

}  // namespace detail
}  // namespace causalrec::causal
