#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/adjustment.hpp (the effect from a learned graph): included by
/// that header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../adjustment.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE graph_effect estimate_effect_from_graph(const matrix<double>& data, const causal_graph& graph, std::size_t treatment, std::size_t outcome,
                                               const effect_options& options) {
    if (graph.size() != data.shape()[1])
        throw shape_error(causalrec::error_message("causal", "estimate_effect_from_graph", "the graph has ", graph.size(), " variables, the data ",
                                                   data.shape()[1], " columns"));
    graph_effect out;
    out.adjustment = adjustment_set(graph, treatment, outcome);
    const std::size_t n = data.shape()[0];
    vector<double> t = make_vector<double>(n), y = make_vector<double>(n);
    for (std::size_t r = 0; r < n; ++r) t(r) = data(r, treatment), y(r) = data(r, outcome);
    if (out.adjustment.empty()) {
        out.effect = difference_in_means(t, y, options);
        return out;
    }
    matrix<double> x = matrix<double>::from_shape({n, out.adjustment.size()});
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < out.adjustment.size(); ++c) x(r, c) = data(r, out.adjustment[c]);
    out.effect = aipw(x, t, y, linear_regression{}, logistic_regression{}, options);
    return out;
}

}  // namespace causalrec::causal
