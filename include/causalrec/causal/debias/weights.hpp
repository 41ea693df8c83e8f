#pragma once
/// @file
/// Weights and pseudo-targets for debiased learning from missing-not-at-random feedback, for any model
/// trained through train::fit: inverse-propensity (IPS) and self-normalised (SNIPS) weights, and doubly
/// robust (DR) pseudo-targets.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>

#include "../../core/message.hpp"
#include "../../core/error.hpp"
#include "../../core/tensor.hpp"
#include "../../data/interactions.hpp"

namespace causalrec::causal {

/// Options of ips_weights.
struct ips_weight_options {
    double clip = 0.0;            ///< propensities below `clip` are raised to it (0 = no clipping); in [0, 1]
    bool self_normalize = false;  ///< scale the weights to mean 1, so a weighted mean is the SNIPS form
};

/// Inverse-propensity weights 1 / max(p, clip), optionally scaled to mean 1 (SNIPS). Raises
/// argument_error for an empty input, a propensity outside (0, 1] or a clip outside [0, 1].
inline std::vector<double> ips_weights(std::span<const double> propensities, const ips_weight_options& options = {}) {
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

/// The IPS weights of a log's propensities column; raises argument_error when the log has none.
inline std::vector<double> ips_weights(const data::interactions& log, const ips_weight_options& options = {}) {
    if (!log.has_propensities()) throw argument_error("causalrec::causal::ips_weights: the log has no propensities column");
    return ips_weights(log.propensities(), options);
}

/// Doubly robust pseudo-targets over the full n_users x n_items matrix: t_ui = m_ui + o_ui (y_ui - m_ui) / p_ui,
/// with m the imputed outcome (n_users x n_items), y and p the logged value and propensity of an
/// observed pair (o_ui = 1; the last row wins for a repeated pair) and p raised to `clip`. For any loss
/// that is affine in its target up to a term free of the prediction (squared error, cross-entropy
/// on logits), the mean loss against t over all pairs has the gradient of the DR estimator
/// (1/N) sum_ui [l(f_ui, m_ui) + o_ui (l(f_ui, y_ui) - l(f_ui, m_ui)) / p_ui] (Wang et al. 2019).
/// Raises argument_error without propensities and shape_error when `imputed` is not n_users x n_items.
inline matrix<double> doubly_robust_targets(const data::interactions& log, const matrix<double>& imputed, double clip = 0.0) {
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
