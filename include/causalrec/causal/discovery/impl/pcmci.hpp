#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/pcmci.hpp (PCMCI): included by
/// that header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../pcmci.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE pcmci_result pcmci(const matrix<double>& x, const pcmci_options& options) {
    constexpr const char* fn = "pcmci";
    const std::size_t t_total = x.shape()[0], d = x.shape()[1], tau_max = options.max_lag;
    if (d < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 series, got ", d));
    if (tau_max == 0) throw argument_error(causalrec::error_message("causal", fn, "max_lag must be at least 1"));
    if (!(options.pc_alpha > 0.0 && options.pc_alpha < 1.0) || !(options.alpha > 0.0 && options.alpha < 1.0))
        throw argument_error(causalrec::error_message("causal", fn, "pc_alpha and alpha must be in (0, 1)"));
    const std::size_t start = 2 * tau_max;
    if (t_total <= start || t_total - start < 4 + 2 * d * tau_max)
        throw argument_error(causalrec::error_message("causal", fn, t_total, " rows are too few for ", tau_max, " lags of ", d, " series"));
    causalrec::require_finite(qualified("causal", fn), "X", x);
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

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE std::pair<double, double> lagged_partial_correlation(const matrix<double>& x, std::size_t a, std::size_t lag_a, std::size_t b,
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
}  // namespace causalrec::causal
