#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/lingam.hpp (DirectLiNGAM): included by
/// that header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../lingam.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE lingam_result direct_lingam(const matrix<double>& x, const direct_lingam_options& options) {
    constexpr const char* fn = "direct_lingam";
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    if (d < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 variables, got ", d));
    if (n < d + 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least variables + 2 = ", d + 2, " rows, got ", n));
    if (!(options.threshold >= 0.0)) throw argument_error(causalrec::error_message("causal", fn, "threshold must be >= 0, got ", options.threshold));
    if (options.lasso_path < 2) throw argument_error(causalrec::error_message("causal", fn, "lasso_path must be at least 2, got ", options.lasso_path));
    causalrec::require_finite(qualified("causal", fn), "X", x);
    auto cols = detail::columns_of(x);
    for (std::size_t c = 0; c < d; ++c) {
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

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE void lingam_residual(std::span<const double> xi, std::span<const double> xj, std::span<double> out) {
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

CAUSALREC_INLINE double lingam_entropy(std::span<const double> u) {
    constexpr double k1 = 79.047, k2 = 7.4129, gamma = 0.37457;
    double a = 0.0, b = 0.0;
    for (double v : u) {
        a += std::log(std::cosh(v));
        b += v * std::exp(-v * v / 2.0);
    }
    a /= static_cast<double>(u.size()), b /= static_cast<double>(u.size());
    return (1.0 + std::log(2.0 * std::numbers::pi)) / 2.0 - k1 * (a - gamma) * (a - gamma) - k2 * b * b;
}

CAUSALREC_INLINE double lingam_entropy_scaled(std::vector<double>& r) {
    const double s = mean_and_std(r).second;
    for (double& v : r) v /= s;
    return lingam_entropy(r);
}

CAUSALREC_INLINE std::vector<std::vector<double>> columns_of(const matrix<double>& x) {
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    std::vector<std::vector<double>> cols(d, std::vector<double>(n));
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < d; ++c) cols[c][r] = x(r, c);
    return cols;
}

CAUSALREC_INLINE std::vector<std::size_t> adaptive_lasso_support(const std::vector<std::vector<double>>& standardized, std::span<const std::size_t> predictors,
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
}  // namespace causalrec::causal
