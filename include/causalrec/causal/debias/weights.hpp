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

#include "../../core/compiler.hpp"
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
std::vector<double> ips_weights(std::span<const double> propensities, const ips_weight_options& options = {});

/// The IPS weights of a log's propensities column; raises argument_error when the log has none.
std::vector<double> ips_weights(const data::interactions& log, const ips_weight_options& options = {});

/// Doubly robust pseudo-targets over the full n_users x n_items matrix: t_ui = m_ui + o_ui (y_ui - m_ui) / p_ui,
/// with m the imputed outcome (n_users x n_items), y and p the logged value and propensity of an
/// observed pair (o_ui = 1; the last row wins for a repeated pair) and p raised to `clip`. For any loss
/// that is affine in its target up to a term free of the prediction (squared error, cross-entropy
/// on logits), the mean loss against t over all pairs has the gradient of the DR estimator
/// (1/N) sum_ui [l(f_ui, m_ui) + o_ui (l(f_ui, y_ui) - l(f_ui, m_ui)) / p_ui] (Wang et al. 2019).
/// Raises argument_error without propensities and shape_error when `imputed` is not n_users x n_items.
matrix<double> doubly_robust_targets(const data::interactions& log, const matrix<double>& imputed, double clip = 0.0);

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/weights.hpp"
#endif
