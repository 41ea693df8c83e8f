#pragma once
/// @file
/// PCMCI (Runge, Nowack, Kretschmer, Flaxman & Sejdinovic, "Detecting and quantifying causal
/// associations in large nonlinear time series datasets", Science Advances 2019) with the partial
/// correlation test (tigramite's ParCorr): a PC-style selection of each variable's lagged parents
/// (PC1), then the momentary conditional independence (MCI) test of every lagged link given the
/// parents of both ends.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "../../core/error.hpp"
#include "../../core/math.hpp"
#include "../../core/message.hpp"
#include "../../core/tensor.hpp"
#include "granger.hpp"

namespace causalrec::causal {

/// Options of pcmci.
struct pcmci_options {
    std::size_t max_lag = 3;   ///< tau_max: lags 1..max_lag are considered (>= 1)
    double pc_alpha = 0.2;     ///< significance level of the parent selection (PC1; tigramite's default 0.2), in (0, 1)
    double alpha = 0.01;       ///< significance level of lagged_parents() on the MCI p-values, in (0, 1)
    std::size_t max_conditions = std::numeric_limits<std::size_t>::max();  ///< the largest conditioning set of PC1
};

/// What pcmci finds.
struct pcmci_result {
    std::size_t variables = 0;   ///< d
    std::size_t max_lag = 0;     ///< tau_max
    std::size_t observations = 0;  ///< rows every test uses (T - 2 tau_max)
    double alpha = 0.01;         ///< the options' significance level
    /// p_values[(tau - 1) d^2 + i d + j]: the MCI p-value of x_i(t - tau) -> x_j(t).
    std::vector<double> p_values{};
    std::vector<double> partial_correlations{};  ///< the MCI partial correlations, same layout
    std::vector<std::vector<lagged_link>> pc_parents{};  ///< each variable's parents after PC1

    /// The lagged parents of x_j: every (i, tau) whose MCI p-value is below alpha, by lag then variable
    /// (coefficient = the partial correlation).
    std::vector<lagged_link> lagged_parents(std::size_t j) const {
        std::vector<lagged_link> out;
        const std::size_t d = variables;
        for (std::size_t tau = 1; tau <= max_lag; ++tau)
            for (std::size_t i = 0; i < d; ++i) {
                const std::size_t k = (tau - 1) * d * d + i * d + j;
                if (p_values[k] < alpha) out.push_back({i, tau, partial_correlations[k], p_values[k]});
            }
        return out;
    }
};

namespace detail {

/// The partial correlation of x_a(t - lag_a) and x_b(t) given the lagged variables z (rows t = start ..
/// T - 1), and its two-sided t-test p-value with n - 2 - |z| degrees of freedom (tigramite's ParCorr).
inline std::pair<double, double> lagged_partial_correlation(const matrix<double>& x, std::size_t a, std::size_t lag_a, std::size_t b,
                                                            const std::vector<lagged_link>& z, std::size_t start, const char* fn) {
    const std::size_t t_total = x.shape()[0], n = t_total - start, k = 1 + z.size();
    std::vector<double> design(n * k), ya(n), yb(n);
    for (std::size_t r = 0; r < n; ++r) {
        const std::size_t t = start + r;
        design[r * k] = 1.0;
        for (std::size_t c = 0; c < z.size(); ++c) design[r * k + 1 + c] = x(t - z[c].lag, z[c].cause);
        ya[r] = x(t - lag_a, a);
        yb[r] = x(t, b);
    }
    const least_squares_design d(std::move(design), n, k);
    const auto ea = least_squares(d, ya, false, fn).residuals, eb = least_squares(d, yb, false, fn).residuals;
    double saa = 0.0, sbb = 0.0, sab = 0.0;
    for (std::size_t r = 0; r < n; ++r) saa += ea[r] * ea[r], sbb += eb[r] * eb[r], sab += ea[r] * eb[r];
    if (!(saa > 0.0 && sbb > 0.0)) return {0.0, 1.0};
    const double rho = std::clamp(sab / std::sqrt(saa * sbb), -1.0, 1.0);
    const double dof = static_cast<double>(n) - 2.0 - static_cast<double>(z.size());
    if (!(dof > 0.0)) return {rho, 1.0};
    if (std::abs(rho) >= 1.0) return {rho, 0.0};
    return {rho, student_t_two_sided_p(rho * std::sqrt(dof / (1.0 - rho * rho)), dof)};
}

}  // namespace detail

/// PCMCI with partial correlations on a multivariate time series X (rows = equally spaced times).
/// PC1: for each x_j, start from every (x_i, tau), tau = 1..max_lag; at conditioning size p = 0, 1, ...
/// test each candidate against x_j(t) given the p strongest other candidates, keep the smallest
/// |partial correlation| seen as its strength, drop those with p-value > pc_alpha, re-sort by strength.
/// MCI: test every x_i(t - tau) -> x_j(t) given the PC1 parents of x_j and the parents of x_i shifted by
/// tau. Every test uses the rows t >= 2 max_lag. Linear (Gaussian) dependence only. Raises
/// argument_error for fewer than 2 series, max_lag 0, a significance level outside (0, 1), a
/// non-finite value or too few rows, and numeric_error for a singular design (a constant series).
inline pcmci_result pcmci(const matrix<double>& x, const pcmci_options& options = {}) {
    constexpr const char* fn = "pcmci";
    const std::size_t t_total = x.shape()[0], d = x.shape()[1], tau_max = options.max_lag;
    if (d < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 series, got ", d));
    if (tau_max == 0) throw argument_error(causalrec::error_message("causal", fn, "max_lag must be at least 1"));
    if (!(options.pc_alpha > 0.0 && options.pc_alpha < 1.0) || !(options.alpha > 0.0 && options.alpha < 1.0))
        throw argument_error(causalrec::error_message("causal", fn, "pc_alpha and alpha must be in (0, 1)"));
    const std::size_t start = 2 * tau_max;
    if (t_total <= start || t_total - start < 4 + 2 * d * tau_max)
        throw argument_error(causalrec::error_message("causal", fn, t_total, " rows are too few for ", tau_max, " lags of ", d, " series"));
    for (double v : x)
        if (!std::isfinite(v)) throw argument_error(causalrec::error_message("causal", fn, "X has a non-finite value"));
    pcmci_result out;
    out.variables = d, out.max_lag = tau_max, out.observations = t_total - start, out.alpha = options.alpha;
    out.pc_parents.resize(d);
    // PC1.
    for (std::size_t j = 0; j < d; ++j) {
        struct candidate {
            lagged_link link;
            double strength;
        };
        std::vector<candidate> candidates;
        for (std::size_t tau = 1; tau <= tau_max; ++tau)
            for (std::size_t i = 0; i < d; ++i) candidates.push_back({{i, tau}, std::numeric_limits<double>::infinity()});
        for (std::size_t p = 0; p < candidates.size() && p <= options.max_conditions; ++p) {
            std::vector<char> drop(candidates.size(), 0);
            for (std::size_t c = 0; c < candidates.size(); ++c) {
                std::vector<lagged_link> z;
                for (std::size_t o = 0; o < candidates.size() && z.size() < p; ++o)
                    if (o != c) z.push_back(candidates[o].link);
                const auto [rho, pv] = detail::lagged_partial_correlation(x, candidates[c].link.cause, candidates[c].link.lag, j, z, start, fn);
                candidates[c].strength = std::min(candidates[c].strength, std::abs(rho));
                drop[c] = pv > options.pc_alpha;
            }
            std::vector<candidate> kept;
            for (std::size_t c = 0; c < candidates.size(); ++c)
                if (!drop[c]) kept.push_back(candidates[c]);
            std::stable_sort(kept.begin(), kept.end(), [](const candidate& a, const candidate& b) { return a.strength > b.strength; });
            candidates = std::move(kept);
        }
        for (const auto& c : candidates) out.pc_parents[j].push_back(c.link);
    }
    // MCI.
    out.p_values.assign(tau_max * d * d, 1.0);
    out.partial_correlations.assign(tau_max * d * d, 0.0);
    for (std::size_t j = 0; j < d; ++j)
        for (std::size_t tau = 1; tau <= tau_max; ++tau)
            for (std::size_t i = 0; i < d; ++i) {
                std::vector<lagged_link> z;
                for (const auto& l : out.pc_parents[j])
                    if (!(l.cause == i && l.lag == tau)) z.push_back(l);
                for (const auto& l : out.pc_parents[i]) {
                    const lagged_link shifted{l.cause, l.lag + tau};
                    if (shifted.lag <= start && std::find(z.begin(), z.end(), shifted) == z.end()) z.push_back(shifted);
                }
                const auto [rho, pv] = detail::lagged_partial_correlation(x, i, tau, j, z, start, fn);
                const std::size_t k = (tau - 1) * d * d + i * d + j;
                out.p_values[k] = pv;
                out.partial_correlations[k] = rho;
            }
    return out;
}

}  // namespace causalrec::causal
