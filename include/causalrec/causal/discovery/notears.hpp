#pragma once
/// @file
/// NOTEARS (Zheng, Aragam, Ravikumar & Xing, "DAGs with NO TEARS: Continuous Optimization for
/// Structure Learning", NeurIPS 2018), linear with the least-squares loss: structure learning as a
/// smooth problem, min 1/(2n) |X - X W|^2 + lambda |W|_1 subject to h(W) = tr(exp(W o W)) - d = 0,
/// solved by the augmented Lagrangian with a bound-constrained quasi-Newton inner solver
/// (optim::minimize_box), as the authors' code does with SciPy's L-BFGS-B.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../../core/tensor.hpp"
#include "../../optim/box_lbfgs.hpp"
#include "graph.hpp"
#include "knowledge.hpp"

namespace causalrec::causal {

/// Options of notears_linear (defaults as the authors' notears_linear).
struct notears_options {
    double lambda1 = 0.1;          ///< L1 penalty on W (>= 0)
    double w_threshold = 0.3;      ///< weights with |w| below are set to 0 at the end (>= 0)
    std::size_t max_iterations = 100;  ///< augmented-Lagrangian (dual) iterations (>= 1)
    double h_tolerance = 1e-8;     ///< stop when h(W) falls to this (> 0)
    double rho_max = 1e16;         ///< stop when the penalty rho reaches this (> 1)
    optim::box_lbfgs_options inner{};  ///< the inner solver's limits and tolerances
    /// Background knowledge (null: none): edges it does not allow are held at weight 0 (the bounds of
    /// W+ and W-); required edges cannot be imposed (their sign is unknown) and raise argument_error.
    const background_knowledge* knowledge = nullptr;
};

/// What notears_linear finds.
struct notears_result {
    /// weights(i, j): the coefficient of x_i in x_j's equation after thresholding (X = X W + noise;
    /// the convention of linear_sem::weights).
    matrix<double> weights{};
    matrix<double> raw_weights{};  ///< the same before thresholding
    double h = 0.0;                ///< the acyclicity measure h of raw_weights (0 for a DAG)
    std::size_t dual_iterations = 0;   ///< augmented-Lagrangian iterations run
    std::size_t evaluations = 0;   ///< objective evaluations over all inner solves
    double rho = 0.0;              ///< the final penalty

    /// The graph i -> j for every non-zero weights(i, j) (a DAG when h is small enough for the threshold to cut the cycles).
    causal_graph graph() const {
        const std::size_t d = weights.shape()[0];
        causal_graph g(d);
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = 0; j < d; ++j)
                if (weights(i, j) != 0.0 && i != j) g.add_directed(i, j);
        return g;
    }
};

namespace detail {

/// C = A B for d x d row-major matrices.
inline void multiply_square(const std::vector<double>& a, const std::vector<double>& b, std::vector<double>& c, std::size_t d) {
    c.assign(d * d, 0.0);
    for (std::size_t i = 0; i < d; ++i)
        for (std::size_t k = 0; k < d; ++k) {
            const double v = a[i * d + k];
            if (v == 0.0) continue;
            for (std::size_t j = 0; j < d; ++j) c[i * d + j] += v * b[k * d + j];
        }
}

/// exp(A) of a d x d row-major matrix by scaling and squaring: A / 2^s with norm at most 1/2, its
/// Taylor series to 14 terms (the remainder is below 0.5^15 / 15! ~ 2e-17 of the result), squared s times.
inline std::vector<double> matrix_exponential(const std::vector<double>& a, std::size_t d) {
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

/// h(W) = tr(exp(W o W)) - d and its gradient exp(W o W)^T o 2 W.
inline double notears_acyclicity(const std::vector<double>& w, std::size_t d, std::vector<double>* gradient) {
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

/// The augmented-Lagrangian objective of linear NOTEARS over w = [W+, W-] (2 d^2 values, W = W+ - W-)
/// with the data's covariance C = X^T X / n (X centred): loss = tr((I - W)^T C (I - W)) / 2 with
/// gradient -C (I - W), plus rho h^2 / 2 + alpha h + lambda sum(w).
struct notears_objective {
    const std::vector<double>* covariance;
    std::size_t d;
    double lambda1, rho, alpha;

    double operator()(std::span<const double> w, std::span<double> grad) const {
        const std::size_t dd = d * d;
        std::vector<double> weights(dd), residual(dd), c_res, g_h;
        for (std::size_t e = 0; e < dd; ++e) weights[e] = w[e] - w[dd + e];
        for (std::size_t e = 0; e < dd; ++e) residual[e] = -weights[e];
        for (std::size_t i = 0; i < d; ++i) residual[i * d + i] += 1.0;  // I - W
        multiply_square(*covariance, residual, c_res, d);               // C (I - W)
        double loss = 0.0;
        for (std::size_t e = 0; e < dd; ++e) loss += residual[e] * c_res[e];  // tr((I - W)^T C (I - W))
        loss *= 0.5;
        const double h = notears_acyclicity(weights, d, &g_h);
        double l1 = 0.0;
        for (std::size_t e = 0; e < 2 * dd; ++e) l1 += w[e];
        const double value = loss + 0.5 * rho * h * h + alpha * h + lambda1 * l1;
        for (std::size_t e = 0; e < dd; ++e) {
            const double smooth = -c_res[e] + (rho * h + alpha) * g_h[e];
            grad[e] = smooth + lambda1;
            grad[dd + e] = -smooth + lambda1;
        }
        return value;
    }
};

}  // namespace detail

/// Linear NOTEARS on rows of X (samples x variables; centred here): the weighted adjacency W
/// minimising 1/(2n) |X - X W|^2 + lambda1 |W|_1 subject to W being a DAG (h(W) = 0), by the
/// authors' augmented Lagrangian: each dual step solves the penalised problem over W = W+ - W-
/// (W+, W- >= 0, zero diagonal) with optim::minimize_box, raising rho tenfold while h does not fall
/// below a quarter of its last value, then alpha += rho h; stops at h <= h_tolerance or rho >=
/// rho_max. Weights below w_threshold in magnitude are cut. Equal noise variances make the DAG
/// identifiable from this loss; standardising the columns changes the answer. Raises argument_error
/// for fewer than 2 variables or rows, a non-finite value, or options out of range.
inline notears_result notears_linear(const matrix<double>& x, const notears_options& options = {}) {
    constexpr const char* fn = "notears_linear";
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    if (d < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 variables, got ", d));
    if (n < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 rows, got ", n));
    if (!(options.lambda1 >= 0.0) || !(options.w_threshold >= 0.0) || !(options.h_tolerance > 0.0) || !(options.rho_max > 1.0) ||
        options.max_iterations == 0)
        throw argument_error(causalrec::error_message("causal", fn, "options out of range (lambda1 >= 0, w_threshold >= 0, h_tolerance > 0, rho_max > 1, max_iterations >= 1)"));
    for (double v : x)
        if (!std::isfinite(v)) throw argument_error(causalrec::error_message("causal", fn, "X has a non-finite value"));
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
    double rho = 1.0, alpha = 0.0, h = std::numeric_limits<double>::infinity();
    for (std::size_t iteration = 0; iteration < options.max_iterations; ++iteration) {
        std::vector<double> w_new;
        double h_new = 0.0;
        while (rho < options.rho_max) {
            const detail::notears_objective objective{&covariance, d, options.lambda1, rho, alpha};
            const auto solved = optim::minimize_box(objective, w, lower, upper, options.inner);
            result.evaluations += solved.evaluations;
            w_new = solved.x;
            h_new = detail::notears_acyclicity(adjacency(w_new), d, nullptr);
            if (h_new > 0.25 * h) {
                rho *= 10.0;
            } else {
                break;
            }
        }
        if (!w_new.empty()) w = std::move(w_new), h = h_new;
        alpha += rho * h;
        result.dual_iterations = iteration + 1;
        if (h <= options.h_tolerance || rho >= options.rho_max) break;
    }
    const auto raw = adjacency(w);
    result.raw_weights = matrix<double>::from_shape({d, d});
    result.weights = matrix<double>::from_shape({d, d});
    for (std::size_t e = 0; e < dd; ++e) {
        result.raw_weights.data()[e] = raw[e];
        result.weights.data()[e] = std::abs(raw[e]) < options.w_threshold ? 0.0 : raw[e];
    }
    result.h = h;
    result.rho = rho;
    return result;
}

}  // namespace causalrec::causal
