#pragma once
/// @file
/// From a learned graph to an effect: the adjustment set the graph implies (knowledge.hpp) handed to
/// the AIPW estimator of causal/ate.hpp, so that discovery feeds inference.

#include <cstddef>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../../core/tensor.hpp"
#include "../ate.hpp"
#include "../linear.hpp"
#include "graph.hpp"
#include "knowledge.hpp"

namespace causalrec::causal {

/// An effect estimated with the adjustment set a graph implies.
struct graph_effect {
    std::vector<std::size_t> adjustment{};  ///< the columns adjusted for (the treatment's parents in the graph)
    effect_estimate effect{};               ///< the estimate (AIPW; difference in means when nothing needs adjusting)
};

/// The average effect of the 0/1 column `treatment` on the column `outcome` of `data`, adjusting for
/// adjustment_set(graph, treatment, outcome) with AIPW (a linear outcome model per arm, a logistic
/// propensity model, cross-fitted as options say). Raises what adjustment_set raises, shape_error when
/// the graph and the data have different numbers of variables, and what aipw raises (e.g. a treatment
/// column that is not 0/1).
graph_effect estimate_effect_from_graph(const matrix<double>& data, const causal_graph& graph, std::size_t treatment, std::size_t outcome,
                                               const effect_options& options = {});

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/adjustment.hpp"
#endif
