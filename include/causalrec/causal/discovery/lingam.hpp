#pragma once
/// @file
/// DirectLiNGAM (Shimizu et al., "DirectLiNGAM: A direct method for learning a linear non-Gaussian
/// structural equation model", JMLR 2011; the pairwise likelihood-ratio measure of Hyvärinen & Smith,
/// JMLR 2013): the causal order of a linear model with non-Gaussian noise, then each variable's
/// coefficients on the variables before it, pruned by adaptive lasso with BIC, as the `lingam`
/// package's DirectLiNGAM does.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <vector>

#include "../../core/checks.hpp"
#include "../../core/compiler.hpp"
#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../../core/tensor.hpp"
#include "../detail/common.hpp"
#include "../linear.hpp"
#include "graph.hpp"
#include "knowledge.hpp"

namespace causalrec::causal {

/// How direct_lingam prunes each variable's regression on the variables before it in the order.
enum class lingam_pruning : std::uint8_t {
    adaptive_lasso,  ///< adaptive lasso (weights |OLS coefficient|) with the BIC over the lasso path, then OLS on the kept predictors (the lingam package's default)
    threshold,       ///< OLS on every predecessor, coefficients with |value| below `threshold` set to 0
};

/// Options of direct_lingam.
struct direct_lingam_options {
    lingam_pruning pruning = lingam_pruning::adaptive_lasso;  ///< how coefficients are pruned
    double threshold = 0.0;       ///< lingam_pruning::threshold: smallest |coefficient| kept (>= 0)
    std::size_t lasso_path = 200; ///< adaptive lasso: penalties on the path, log-spaced from the largest useful one down to 1e-4 of it, then 0 (>= 2)
    /// Background knowledge (null: none), as the lingam package's prior knowledge: a variable is not
    /// taken into the causal order while a remaining variable is required to point into it or sits in
    /// an earlier tier; a forbidden edge is never given a coefficient; a required edge keeps its
    /// coefficient whatever the pruning says.
    const background_knowledge* knowledge = nullptr;
};

/// What direct_lingam finds: the causal order, and a weighted DAG consistent with it.
struct lingam_result {
    std::vector<std::size_t> causal_order{};  ///< every variable once; causes before their effects
    /// weights(i, j): the coefficient of x_i in x_j's equation, 0 without an edge (the convention of
    /// linear_sem::weights; the lingam package's adjacency_matrix_ is its transpose).
    matrix<double> weights{};

    /// The DAG i -> j for every non-zero weights(i, j).
    causal_graph graph() const {
        const std::size_t d = weights.shape()[0];
        causal_graph g(d);
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = 0; j < d; ++j)
                if (weights(i, j) != 0.0) g.add_directed(i, j);
        return g;
    }

    /// total(i, j): the total causal effect of x_i on x_j, the sum over directed paths of the
    /// products of their weights, i.e. ((I - W)^-1 - I)(i, j).
    matrix<double> total_effects() const {
        const std::size_t d = weights.shape()[0];
        matrix<double> total = xt::zeros<double>({d, d}), power = weights;
        for (std::size_t step = 0; step < d; ++step) {
            bool any = false;
            for (std::size_t k = 0; k < d * d; ++k) {
                total.data()[k] += power.data()[k];
                any = any || power.data()[k] != 0.0;
            }
            if (!any) break;
            matrix<double> next = xt::zeros<double>({d, d});
            for (std::size_t i = 0; i < d; ++i)
                for (std::size_t k = 0; k < d; ++k) {
                    const double a = power(i, k);
                    if (a == 0.0) continue;
                    for (std::size_t j = 0; j < d; ++j) next(i, j) += a * weights(k, j);
                }
            power = std::move(next);
        }
        return total;
    }
};

namespace detail {

/// x_i minus its regression on x_j, as the lingam package computes it: cov(x_i, x_j) (ddof 1) /
/// var(x_j) (ddof 0) times x_j.
void lingam_residual(std::span<const double> xi, std::span<const double> xj, std::span<double> out);

/// Hyvärinen's maximum-entropy approximation of the differential entropy of a standardised variable
/// (1998): H(u) ~ (1 + log 2 pi) / 2 - k1 (E log cosh u - gamma)^2 - k2 (E u exp(-u^2 / 2))^2.
double lingam_entropy(std::span<const double> u);

/// The entropy of r / std(r).
double lingam_entropy_scaled(std::vector<double>& r);

/// Columns of X as contiguous vectors.
std::vector<std::vector<double>> columns_of(const matrix<double>& x);

/// The lasso path of (1 / 2n) |y - X b|^2 + alpha |b|_1 (columns of X and y centred) by coordinate
/// descent with warm starts over `alphas` (decreasing), in covariance form: from G = X^T X and
/// c = X^T y, each sweep costs p^2 whatever the number of rows. Calls visit(b, rss) at each penalty.
template <class Visit>
void lasso_path(const std::vector<std::vector<double>>& x, std::span<const double> y, std::span<const double> alphas, Visit&& visit) {
    const std::size_t p = x.size(), n = y.size();
    const double rows = static_cast<double>(n);
    std::vector<double> gram(p * p, 0.0), c(p, 0.0), b(p, 0.0), gb(p, 0.0);  // gb = G b
    double yy = 0.0;
    for (double v : y) yy += v * v;
    for (std::size_t k = 0; k < p; ++k) {
        for (std::size_t r = 0; r < n; ++r) c[k] += x[k][r] * y[r];
        for (std::size_t l = k; l < p; ++l) {
            double s = 0.0;
            for (std::size_t r = 0; r < n; ++r) s += x[k][r] * x[l][r];
            gram[k * p + l] = gram[l * p + k] = s;
        }
    }
    for (double alpha : alphas) {
        for (std::size_t sweep = 0; sweep < 100000; ++sweep) {
            double largest = 0.0;
            for (std::size_t k = 0; k < p; ++k) {
                const double gkk = gram[k * p + k];
                if (gkk == 0.0) continue;
                // rho = x_k^T (y - X b + x_k b_k) / n
                const double rho = (c[k] - gb[k] + gkk * b[k]) / rows, scale = gkk / rows;
                const double updated = rho > alpha ? (rho - alpha) / scale : rho < -alpha ? (rho + alpha) / scale : 0.0;
                const double delta = updated - b[k];
                if (delta != 0.0) {
                    for (std::size_t l = 0; l < p; ++l) gb[l] += delta * gram[l * p + k];
                    b[k] = updated;
                    largest = std::max(largest, std::abs(delta) * std::sqrt(scale));
                }
            }
            if (largest < 1e-12) break;
        }
        // |y - X b|^2 = y^T y - 2 b^T c + b^T G b
        double rss = yy;
        for (std::size_t k = 0; k < p; ++k) rss += b[k] * (gb[k] - 2.0 * c[k]);
        visit(std::span<const double>(b), std::max(rss, 0.0));
    }
}

/// The predictors of `target` that adaptive lasso with the BIC keeps (lingam's
/// predict_adaptive_lasso with scikit-learn's LassoLarsIC(criterion = "bic"), the path on a grid).
std::vector<std::size_t> adaptive_lasso_support(const std::vector<std::vector<double>>& standardized, std::span<const std::size_t> predictors,
                                                       std::size_t target, std::size_t path_size);

}  // namespace detail

/// DirectLiNGAM on rows of X (samples x variables, non-Gaussian noise assumed): repeatedly takes as
/// the next variable in the causal order the one most independent of its residuals (the pairwise
/// likelihood-ratio measure with Hyvärinen's entropy approximation), then regresses the others on it
/// and goes on with their residuals; each variable's coefficients come from its regression on the
/// variables before it, pruned by `options.pruning` and refitted by OLS on the original scale. Raises
/// argument_error for fewer than 2 variables, fewer rows than variables + 2, a constant column or
/// options out of range, and numeric_error for a non-finite value.
lingam_result direct_lingam(const matrix<double>& x, const direct_lingam_options& options = {});

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/lingam.hpp"
#endif
