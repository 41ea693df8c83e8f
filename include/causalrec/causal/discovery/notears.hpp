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

#include "../../core/checks.hpp"
#include "../../core/compiler.hpp"
#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../../core/tensor.hpp"
#include "../../optim/box_lbfgs.hpp"
#include "../../core/blas.hpp"
#include "../../core/math.hpp"
#include "../../core/rng.hpp"
#include "../detail/common.hpp"
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
void multiply_square(const std::vector<double>& a, const std::vector<double>& b, std::vector<double>& c, std::size_t d);

/// exp(A) of a d x d row-major matrix by scaling and squaring: A / 2^s with norm at most 1/2, its
/// Taylor series to 14 terms (the remainder is below 0.5^15 / 15! ~ 2e-17 of the result), squared s times.
std::vector<double> matrix_exponential(const std::vector<double>& a, std::size_t d);

/// h(W) = tr(exp(W o W)) - d and its gradient exp(W o W)^T o 2 W.
double notears_acyclicity(const std::vector<double>& w, std::size_t d, std::vector<double>* gradient);

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

/// The authors' augmented-Lagrangian loop shared by the linear and the MLP NOTEARS: each dual step
/// minimises make(rho, alpha) over the box from w, raising rho tenfold while h does not fall below a
/// quarter of its last value, then alpha += rho h; stops at h <= h_tolerance or rho >= rho_max.
/// Leaves the solution in w and h, rho and the counts in `result`.
template <class MakeObjective, class Acyclicity>
void notears_dual_ascent(std::vector<double>& w, const std::vector<double>& lower, const std::vector<double>& upper, std::size_t max_iterations,
                         double h_tolerance, double rho_max, const optim::box_lbfgs_options& inner, const MakeObjective& make,
                         const Acyclicity& h_of, notears_result& result) {
    double rho = 1.0, alpha = 0.0, h = std::numeric_limits<double>::infinity();
    for (std::size_t iteration = 0; iteration < max_iterations; ++iteration) {
        std::vector<double> next;
        double h_new = 0.0;
        while (rho < rho_max) {
            const auto solved = optim::minimize_box(make(rho, alpha), w, lower, upper, inner);
            result.evaluations += solved.evaluations;
            next = solved.x;
            h_new = h_of(next);
            if (h_new > 0.25 * h) rho *= 10.0;
            else break;
        }
        if (!next.empty()) w = std::move(next), h = h_new;
        alpha += rho * h;
        result.dual_iterations = iteration + 1;
        if (h <= h_tolerance || rho >= rho_max) break;
    }
    result.h = h;
    result.rho = rho;
}

}  // namespace detail

/// Linear NOTEARS on rows of X (samples x variables; centred here): the weighted adjacency W
/// minimising 1/(2n) |X - X W|^2 + lambda1 |W|_1 subject to W being a DAG (h(W) = 0), by the
/// authors' augmented Lagrangian: each dual step solves the penalised problem over W = W+ - W-
/// (W+, W- >= 0, zero diagonal) with optim::minimize_box, raising rho tenfold while h does not fall
/// below a quarter of its last value, then alpha += rho h; stops at h <= h_tolerance or rho >=
/// rho_max. Weights below w_threshold in magnitude are cut. Equal noise variances make the DAG
/// identifiable from this loss; standardising the columns changes the answer. Raises argument_error
/// for fewer than 2 variables or rows or an option out of range (the message names it), and
/// numeric_error for a non-finite value.
notears_result notears_linear(const matrix<double>& x, const notears_options& options = {});

/// Options of notears_nonlinear (defaults as the authors' NOTEARS-MLP, notears/nonlinear.py).
struct notears_mlp_options {
    std::size_t hidden = 10;       ///< sigmoid units of each variable's MLP (the authors' dims [d, 10, 1])
    double lambda1 = 0.01;         ///< L1 penalty on the first layer's weights (>= 0)
    double lambda2 = 0.01;         ///< L2 penalty lambda2 / 2 (|W1|^2 + |W2|^2) on both layers' weights (>= 0)
    double w_threshold = 0.3;      ///< edge strengths below are cut at the end (>= 0)
    std::size_t max_iterations = 100;  ///< augmented-Lagrangian (dual) iterations (>= 1)
    double h_tolerance = 1e-8;     ///< stop when h falls to this (> 0)
    double rho_max = 1e16;         ///< stop when the penalty rho reaches this (> 1)
    std::uint64_t seed = 0;        ///< seed of the initial weights
    optim::box_lbfgs_options inner{};  ///< the inner solver's limits and tolerances
    /// Background knowledge (null: none): an edge it does not allow has its first-layer weights held
    /// at 0 (so x_i never enters x_j's network); required edges cannot be imposed and raise argument_error.
    const background_knowledge* knowledge = nullptr;
};

namespace detail {

/// The augmented-Lagrangian objective of NOTEARS-MLP over theta = [W1+, W1-, b1, W2, b2]: variable j's
/// network is x_j_hat = sum_k W2[j, k] sigmoid(sum_i W1[j, k, i] x_i + b1[j, k]) + b2[j] (W1 = W1+ -
/// W1-, each (d, m, d)); A[i, j] = sum_k W1[j, k, i]^2 is the adjacency, h = tr(exp(A)) - d. Value:
/// 1/(2n) |X - X_hat|^2 + rho h^2 / 2 + alpha h + lambda2 / 2 (|W1|^2 + |W2|^2) + lambda1 sum(W1+ + W1-).
struct notears_mlp_objective {
    const matrix<double>* x;
    std::size_t d, m;
    double lambda1, lambda2, rho, alpha;
    mutable std::vector<double> hidden{}, upstream{}, weight{}, g_w1{};  ///< scratch reused across evaluations

    std::size_t first_layer() const { return d * m * d; }
    std::size_t size() const { return 2 * first_layer() + d * m + d * m + d; }

    /// A[i, j] from theta.
    std::vector<double> adjacency(std::span<const double> theta) const {
        const std::size_t w1 = first_layer();
        std::vector<double> a(d * d, 0.0);
        for (std::size_t j = 0; j < d; ++j)
            for (std::size_t k = 0; k < m; ++k)
                for (std::size_t i = 0; i < d; ++i) {
                    const std::size_t e = (j * m + k) * d + i;
                    const double w = theta[e] - theta[w1 + e];
                    a[i * d + j] += w * w;
                }
        return a;
    }

    double operator()(std::span<const double> theta, std::span<double> grad) const {
        const std::size_t n = x->shape()[0], w1 = first_layer(), dm = d * m;
        const double* b1 = theta.data() + 2 * w1;
        const double* w2 = b1 + dm;
        const double* b2 = w2 + dm;
        weight.resize(w1);
        for (std::size_t e = 0; e < w1; ++e) weight[e] = theta[e] - theta[w1 + e];
        // Hidden units: H = sigmoid(X W1^T + b1), (n x dm), column j * m + k.
        hidden.resize(n * dm);
        blas::gemm(false, true, n, dm, d, 1.0, x->data(), d, weight.data(), d, 0.0, hidden.data(), dm);
        for (std::size_t r = 0; r < n; ++r)
            for (std::size_t c = 0; c < dm; ++c) hidden[r * dm + c] = causalrec::sigmoid(hidden[r * dm + c] + b1[c]);
        // Outputs and the gradient of the squared loss with respect to them.
        upstream.resize(n * dm);
        double loss = 0.0;
        std::vector<double> g_w2(dm, 0.0), g_b2(d, 0.0), g_b1(dm, 0.0);
        const double inv_n = 1.0 / static_cast<double>(n);
        for (std::size_t r = 0; r < n; ++r)
            for (std::size_t j = 0; j < d; ++j) {
                const double* h = hidden.data() + r * dm + j * m;
                double out = b2[j];
                for (std::size_t k = 0; k < m; ++k) out += w2[j * m + k] * h[k];
                const double res = out - (*x)(r, j);
                loss += res * res;
                const double g = res * inv_n;
                g_b2[j] += g;
                for (std::size_t k = 0; k < m; ++k) {
                    g_w2[j * m + k] += g * h[k];
                    const double dpre = g * w2[j * m + k] * h[k] * (1.0 - h[k]);
                    upstream[r * dm + j * m + k] = dpre;
                    g_b1[j * m + k] += dpre;
                }
            }
        loss *= 0.5 * inv_n;
        g_w1.resize(w1);
        blas::gemm(true, false, dm, d, n, 1.0, upstream.data(), dm, x->data(), d, 0.0, g_w1.data(), d);  // dpre^T X
        // Acyclicity on A[i, j] = sum_k W1[j, k, i]^2: dh/dA = exp(A)^T.
        const auto a = adjacency(theta);
        const auto e_mat = matrix_exponential(a, d);
        double h = 0.0;
        for (std::size_t i = 0; i < d; ++i) h += e_mat[i * d + i];
        h -= static_cast<double>(d);
        const double coef_h = rho * h + alpha;
        double l2 = 0.0, l1 = 0.0;
        for (std::size_t e = 0; e < w1; ++e) l2 += weight[e] * weight[e], l1 += theta[e] + theta[w1 + e];
        for (std::size_t e = 0; e < dm; ++e) l2 += w2[e] * w2[e];
        for (std::size_t j = 0; j < d; ++j)
            for (std::size_t k = 0; k < m; ++k)
                for (std::size_t i = 0; i < d; ++i) {
                    const std::size_t e = (j * m + k) * d + i;
                    const double smooth = g_w1[e] + lambda2 * weight[e] + coef_h * e_mat[j * d + i] * 2.0 * weight[e];
                    grad[e] = smooth + lambda1;
                    grad[w1 + e] = -smooth + lambda1;
                }
        for (std::size_t e = 0; e < dm; ++e) grad[2 * w1 + e] = g_b1[e], grad[2 * w1 + dm + e] = g_w2[e] + lambda2 * w2[e];
        for (std::size_t j = 0; j < d; ++j) grad[2 * w1 + 2 * dm + j] = g_b2[j];
        return loss + 0.5 * rho * h * h + alpha * h + 0.5 * lambda2 * l2 + lambda1 * l1;
    }
};

}  // namespace detail

/// Nonlinear NOTEARS with one MLP per variable (Zheng, Dan, Aragam, Ravikumar & Xing, "Learning sparse
/// nonparametric DAGs", AISTATS 2020): x_j is predicted from all the others by its own network (m
/// sigmoid units); the strength of i -> j is the L2 norm of the first-layer weights from x_i into x_j's
/// network, A[i, j] = sum_k W1[j, k, i]^2, and h = tr(exp(A)) - d = 0 makes the graph a DAG. The same
/// augmented Lagrangian as notears_linear (W1 split into non-negative halves for the L1 term, zero
/// self-weights, optim::minimize_box inside). result.weights(i, j) = sqrt(A[i, j]) after the
/// threshold (a strength >= 0, not a coefficient); raw_weights before. The data are not centred (the
/// networks have biases). Raises argument_error for fewer than 2 variables or rows or an option out
/// of range (the message names it), and numeric_error for a non-finite value.
notears_result notears_nonlinear(const matrix<double>& x, const notears_mlp_options& options = {});

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/notears.hpp"
#endif
