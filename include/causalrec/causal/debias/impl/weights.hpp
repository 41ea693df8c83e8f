#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/debias/weights.hpp (the IPS and doubly robust weights): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../weights.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE std::vector<double> ips_weights(std::span<const double> propensities, const ips_weight_options& options) {
    if (!(options.clip >= 0.0 && options.clip <= 1.0))
        throw argument_error(causalrec::cat("causalrec::causal::ips_weights: clip must be in [0, 1], got ", options.clip));
    if (propensities.empty()) throw argument_error("causalrec::causal::ips_weights: no propensities given");
    std::vector<double> w(propensities.size());
    double sum = 0.0;
    for (std::size_t k = 0; k < w.size(); ++k) {
        const double p = propensities[k];
        if (!(p > 0.0 && p <= 1.0))
            throw argument_error(causalrec::cat("causalrec::causal::ips_weights: propensity ", p, " at position ", k, " is outside (0, 1]"));
        w[k] = 1.0 / std::max(p, options.clip);
        sum += w[k];
    }
    if (options.self_normalize)
        for (auto& x : w) x *= static_cast<double>(w.size()) / sum;
    return w;
}

CAUSALREC_INLINE std::vector<double> ips_weights(const data::interactions& log, const ips_weight_options& options) {
    if (!log.has_propensities()) throw argument_error("causalrec::causal::ips_weights: the log has no propensities column");
    return ips_weights(log.propensities(), options);
}

CAUSALREC_INLINE matrix<double> doubly_robust_targets(const data::interactions& log, const matrix<double>& imputed, double clip) {
    if (!log.has_propensities()) throw argument_error("causalrec::causal::doubly_robust_targets: the log has no propensities column");
    if (imputed.shape()[0] != log.n_users() || imputed.shape()[1] != log.n_items())
        throw shape_error(causalrec::cat("causalrec::causal::doubly_robust_targets: imputed outcomes have shape (", imputed.shape()[0], ", ",
                                                 imputed.shape()[1], "), the log has ", log.n_users(), " users and ", log.n_items(),
                                                 " items"));
    if (!(clip >= 0.0 && clip <= 1.0))
        throw argument_error(causalrec::cat("causalrec::causal::doubly_robust_targets: clip must be in [0, 1], got ", clip));
    matrix<double> t = imputed;
    const std::size_t n_items = log.n_items();
    std::vector<std::size_t> last(log.n_users() * n_items, std::numeric_limits<std::size_t>::max());
    for (std::size_t r = 0; r < log.size(); ++r) last[log.users()[r] * n_items + log.items()[r]] = r;
    for (std::size_t c = 0; c < last.size(); ++c) {
        const std::size_t r = last[c];
        if (r == std::numeric_limits<std::size_t>::max()) continue;
        const double m = imputed.data()[c];
        t.data()[c] = m + (log.values()[r] - m) / std::max(log.propensities()[r], clip);
    }
    return t;
}

}  // namespace causalrec::causal
