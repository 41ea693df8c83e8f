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
inline void lingam_residual(std::span<const double> xi, std::span<const double> xj, std::span<double> out) {
    const std::size_t n = xi.size();
    double mi = 0.0, mj = 0.0;
    for (std::size_t r = 0; r < n; ++r) mi += xi[r], mj += xj[r];
    mi /= static_cast<double>(n), mj /= static_cast<double>(n);
    double cov = 0.0, var = 0.0;
    for (std::size_t r = 0; r < n; ++r) {
        cov += (xi[r] - mi) * (xj[r] - mj);
        var += (xj[r] - mj) * (xj[r] - mj);
    }
    const double slope = (cov / static_cast<double>(n - 1)) / (var / static_cast<double>(n));
    for (std::size_t r = 0; r < n; ++r) out[r] = xi[r] - slope * xj[r];
}

/// Hyvärinen's maximum-entropy approximation of the differential entropy of a standardised variable
/// (1998): H(u) ~ (1 + log 2 pi) / 2 - k1 (E log cosh u - gamma)^2 - k2 (E u exp(-u^2 / 2))^2.
inline double lingam_entropy(std::span<const double> u) {
    constexpr double k1 = 79.047, k2 = 7.4129, gamma = 0.37457;
    double a = 0.0, b = 0.0;
    for (double v : u) {
        a += std::log(std::cosh(v));
        b += v * std::exp(-v * v / 2.0);
    }
    a /= static_cast<double>(u.size()), b /= static_cast<double>(u.size());
    return (1.0 + std::log(2.0 * std::numbers::pi)) / 2.0 - k1 * (a - gamma) * (a - gamma) - k2 * b * b;
}

/// The entropy of r / std(r).
inline double lingam_entropy_scaled(std::vector<double>& r) {
    const double s = mean_and_std(r).second;
    for (double& v : r) v /= s;
    return lingam_entropy(r);
}

/// Columns of X as contiguous vectors.
inline std::vector<std::vector<double>> columns_of(const matrix<double>& x) {
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    std::vector<std::vector<double>> cols(d, std::vector<double>(n));
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < d; ++c) cols[c][r] = x(r, c);
    return cols;
}

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
inline std::vector<std::size_t> adaptive_lasso_support(const std::vector<std::vector<double>>& standardized, std::span<const std::size_t> predictors,
                                                       std::size_t target, std::size_t path_size) {
    const std::size_t n = standardized[target].size(), p = predictors.size();
    // OLS on the standardised data gives the adaptive weights |beta|.
    matrix<double> xp = matrix<double>::from_shape({n, p});
    for (std::size_t k = 0; k < p; ++k)
        for (std::size_t r = 0; r < n; ++r) xp(r, k) = standardized[predictors[k]][r];
    vector<double> y = make_vector<double>(n);
    for (std::size_t r = 0; r < n; ++r) y(r) = standardized[target][r];
    linear_regression ols;
    ols.fit(xp, y);
    // The noise variance of the BIC: OLS residuals / (n - p - 1) (LassoLarsIC's estimate, intercept fitted).
    const vector<double> fitted = ols.predict(xp);
    double rss_ols = 0.0;
    for (std::size_t r = 0; r < n; ++r) rss_ols += (y(r) - fitted(r)) * (y(r) - fitted(r));
    const double noise = rss_ols / static_cast<double>(n - p - 1);
    // Weighted, centred design; the largest useful penalty max |X^T y| / n.
    std::vector<std::vector<double>> xw(p, std::vector<double>(n));
    std::vector<double> weight(p), yc(n);
    double ym = 0.0;
    for (std::size_t r = 0; r < n; ++r) ym += y(r);
    ym /= static_cast<double>(n);
    for (std::size_t r = 0; r < n; ++r) yc[r] = y(r) - ym;
    double alpha_max = 0.0;
    for (std::size_t k = 0; k < p; ++k) {
        weight[k] = std::abs(ols.coef()(k));
        double m = 0.0;
        for (std::size_t r = 0; r < n; ++r) m += xp(r, k) * weight[k];
        m /= static_cast<double>(n);
        double dot = 0.0;
        for (std::size_t r = 0; r < n; ++r) {
            xw[k][r] = xp(r, k) * weight[k] - m;
            dot += xw[k][r] * yc[r];
        }
        alpha_max = std::max(alpha_max, std::abs(dot) / static_cast<double>(n));
    }
    std::vector<double> alphas;
    for (std::size_t s = 0; s + 1 < path_size; ++s)
        alphas.push_back(alpha_max * std::pow(1e-4, static_cast<double>(s) / static_cast<double>(path_size - 2)));
    alphas.push_back(0.0);
    double best = std::numeric_limits<double>::infinity();
    std::vector<std::size_t> support;
    const double log_n = std::log(static_cast<double>(n));
    lasso_path(xw, yc, alphas, [&](std::span<const double> b, double rss) {
        std::size_t df = 0;
        for (double v : b) df += std::abs(v) > std::numeric_limits<double>::epsilon();
        const double criterion = rss / noise + log_n * static_cast<double>(df);
        if (criterion < best) {
            best = criterion;
            support.clear();
            for (std::size_t k = 0; k < p; ++k)
                if (std::abs(b[k] * weight[k]) > 0.0) support.push_back(predictors[k]);
        }
    });
    return support;
}

}  // namespace detail

/// DirectLiNGAM on rows of X (samples x variables, non-Gaussian noise assumed): repeatedly takes as
/// the next variable in the causal order the one most independent of its residuals (the pairwise
/// likelihood-ratio measure with Hyvärinen's entropy approximation), then regresses the others on it
/// and goes on with their residuals; each variable's coefficients come from its regression on the
/// variables before it, pruned by `options.pruning` and refitted by OLS on the original scale. Raises
/// argument_error for fewer than 2 variables, fewer rows than variables + 2, a constant or non-finite
/// column, or options out of range.
inline lingam_result direct_lingam(const matrix<double>& x, const direct_lingam_options& options = {}) {
    constexpr const char* fn = "direct_lingam";
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    if (d < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 variables, got ", d));
    if (n < d + 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least variables + 2 = ", d + 2, " rows, got ", n));
    if (!(options.threshold >= 0.0)) throw argument_error(causalrec::error_message("causal", fn, "threshold must be >= 0, got ", options.threshold));
    if (options.lasso_path < 2) throw argument_error(causalrec::error_message("causal", fn, "lasso_path must be at least 2, got ", options.lasso_path));
    auto cols = detail::columns_of(x);
    for (std::size_t c = 0; c < d; ++c) {
        for (double v : cols[c])
            if (!std::isfinite(v)) throw argument_error(causalrec::error_message("causal", fn, "column ", c, " has a non-finite value"));
        if (detail::mean_and_std(cols[c]).second == 0.0) throw argument_error(causalrec::error_message("causal", fn, "column ", c, " is constant"));
    }
    // The causal order.
    std::vector<std::size_t> remaining(d), order;
    for (std::size_t c = 0; c < d; ++c) remaining[c] = c;
    auto work = cols;
    std::vector<std::vector<double>> z(d);
    std::vector<double> entropy(d), score(d), rij(n), rji(n);
    const background_knowledge* known = options.knowledge;
    if (known) known->check(d, fn);
    // A variable may come next unless the knowledge puts a remaining one before it.
    auto may_come_next = [&](std::size_t i) {
        if (!known) return true;
        for (std::size_t j : remaining)
            if (j != i && (known->requires_edge(j, i) || (!known->tiers.empty() && known->tiers[j] < known->tiers[i]))) return false;
        return true;
    };
    while (!remaining.empty()) {
        std::size_t chosen = remaining.front();
        if (known) {
            const auto first = std::find_if(remaining.begin(), remaining.end(), may_come_next);
            if (first == remaining.end())
                throw argument_error(causalrec::error_message("causal", fn, "the required edges of the background knowledge form a cycle"));
            chosen = *first;
        }
        if (remaining.size() > 1) {
            // Standardised remaining columns and their entropies, once per step.
            for (std::size_t i : remaining) {
                z[i] = detail::standardized(work[i]);
                entropy[i] = detail::lingam_entropy(z[i]);
                score[i] = 0.0;
            }
            // The measure is antisymmetric in (i, j): each unordered pair once.
            for (std::size_t a = 0; a < remaining.size(); ++a)
                for (std::size_t b = a + 1; b < remaining.size(); ++b) {
                    const std::size_t i = remaining[a], j = remaining[b];
                    detail::lingam_residual(z[i], z[j], rij);
                    detail::lingam_residual(z[j], z[i], rji);
                    const double diff = (entropy[j] + detail::lingam_entropy_scaled(rij)) - (entropy[i] + detail::lingam_entropy_scaled(rji));
                    const double for_i = std::min(0.0, diff), for_j = std::min(0.0, -diff);
                    score[i] += for_i * for_i;
                    score[j] += for_j * for_j;
                }
            double best = std::numeric_limits<double>::infinity();
            for (std::size_t i : remaining)
                if (score[i] < best && may_come_next(i)) best = score[i], chosen = i;
            for (std::size_t i : remaining)
                if (i != chosen) {
                    detail::lingam_residual(work[i], work[chosen], rij);
                    work[i] = rij;
                }
        }
        order.push_back(chosen);
        remaining.erase(std::find(remaining.begin(), remaining.end(), chosen));
    }
    // The coefficients, variable by variable, on the variables before it.
    lingam_result out;
    out.causal_order = order;
    out.weights = xt::zeros<double>({d, d});
    std::vector<std::vector<double>> standardized;
    for (const auto& c : cols) standardized.push_back(detail::standardized(c));
    for (std::size_t position = 1; position < d; ++position) {
        const std::size_t target = order[position];
        std::vector<std::size_t> candidates;
        for (std::size_t k = 0; k < position; ++k)
            if (!known || known->allows(order[k], target)) candidates.push_back(order[k]);
        const std::span<const std::size_t> before(candidates);
        std::vector<std::size_t> kept;
        if (before.empty()) continue;
        if (options.pruning == lingam_pruning::adaptive_lasso) {
            kept = detail::adaptive_lasso_support(standardized, before, target, options.lasso_path);
        } else {
            kept.assign(before.begin(), before.end());
        }
        if (known)
            for (std::size_t k : before)
                if (known->requires_edge(k, target) && std::find(kept.begin(), kept.end(), k) == kept.end()) kept.push_back(k);
        if (kept.empty()) continue;
        matrix<double> xp = matrix<double>::from_shape({n, kept.size()});
        vector<double> y = make_vector<double>(n);
        for (std::size_t r = 0; r < n; ++r) {
            for (std::size_t k = 0; k < kept.size(); ++k) xp(r, k) = cols[kept[k]][r];
            y(r) = cols[target][r];
        }
        linear_regression ols;
        ols.fit(xp, y);
        for (std::size_t k = 0; k < kept.size(); ++k) {
            const double w = ols.coef()(k);
            const bool required = known && known->requires_edge(kept[k], target);
            if (options.pruning == lingam_pruning::threshold && std::abs(w) < options.threshold && !required) continue;
            out.weights(kept[k], target) = w;
        }
    }
    return out;
}

}  // namespace causalrec::causal
