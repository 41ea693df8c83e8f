#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/neural/options.hpp (the effect networks' option checks): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../options.hpp"

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE void check_config(const effect_config& c) {
    const std::string_view who = model_name(c.model);
    if (c.representation.empty()) throw argument_error(causalrec::error_message("causal", who, "representation_layers must not be empty"));
    for (std::size_t k = 0; k < c.representation.size(); ++k)
        if (c.representation[k] == 0) throw argument_error(causalrec::error_message("causal", who, "representation_layers[", k, "] is 0; sizes must be positive"));
    for (std::size_t k = 0; k < c.head.size(); ++k)
        if (c.head[k] == 0) throw argument_error(causalrec::error_message("causal", who, "head_layers[", k, "] is 0; sizes must be positive"));
    if (c.epochs == 0) throw argument_error(causalrec::error_message("causal", who, "epochs must be at least 1"));
    if (c.batch_size == 0) throw argument_error(causalrec::error_message("causal", who, "batch_size must be at least 1"));
    require_number(who, "learning_rate", c.learning_rate, 0.0, true);
    require_number(who, "l2", c.l2, 0.0, false);
    if (!(c.validation_split >= 0.0 && c.validation_split < 1.0))
        throw argument_error(causalrec::error_message("causal", who, "validation_split must be in [0, 1), got ", c.validation_split));
    if (c.validation_split > 0.0 && c.patience == 0)
        throw argument_error(causalrec::error_message("causal", who, "patience must be at least 1 when validation_split > 0"));
    require_number(who, "alpha", c.alpha, 0.0, false);
    require_number(who, "beta", c.beta, 0.0, false);
    require_number(who, "sinkhorn_lambda", c.sinkhorn_lambda, 0.0, true);
    if (c.model == effect_model::cfr && c.ipm == ipm_metric::wasserstein && c.sinkhorn_iterations == 0)
        throw argument_error(causalrec::error_message("causal", who, "sinkhorn_iterations must be at least 1"));
}

CAUSALREC_INLINE effect_config make_config(const tarnet_options& o) {
    return {effect_model::tarnet, o.representation_layers, o.head_layers, o.activation, o.epochs, o.batch_size,
            o.learning_rate, o.l2, o.validation_split, o.patience, o.standardize_outcome, o.verbose, o.seed,
            0.0, 0.0, false, ipm_metric::linear_mmd, false, 10.0, 10};
}

CAUSALREC_INLINE effect_config make_config(const cfr_options& o) {
    return {effect_model::cfr, o.representation_layers, o.head_layers, o.activation, o.epochs, o.batch_size,
            o.learning_rate, o.l2, o.validation_split, o.patience, o.standardize_outcome, o.verbose, o.seed,
            o.alpha, 0.0, false, o.ipm, o.normalize_representation, o.sinkhorn_lambda, o.sinkhorn_iterations};
}

CAUSALREC_INLINE effect_config make_config(const dragonnet_options& o) {
    return {effect_model::dragonnet, o.representation_layers, o.head_layers, o.activation, o.epochs, o.batch_size,
            o.learning_rate, o.l2, o.validation_split, o.patience, o.standardize_outcome, o.verbose, o.seed,
            o.alpha, o.beta, o.targeted_regularization, ipm_metric::linear_mmd, false, 10.0, 10};
}

}  // namespace detail
}  // namespace causalrec::causal
