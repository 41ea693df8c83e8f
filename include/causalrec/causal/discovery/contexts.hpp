#pragma once
/// @file
/// Rows pooled from several experimental conditions (an observational baseline and interventions),
/// laid out for Joint Causal Inference (Mooij, Magliacane & Claassen, JMLR 2020): one 0/1 context
/// variable per non-baseline condition beside the system's variables, the contexts in a tier before the
/// system (nothing in the system causes the experimental condition), learned together by any graph
/// learner that takes background knowledge (PC, GES, DirectLiNGAM, NOTEARS). A context's edges show
/// which variables its condition acts on, and its arrows orient the system's edges through colliders
/// and Meek's rules where observational data alone cannot.

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../../core/tensor.hpp"
#include "graph.hpp"
#include "knowledge.hpp"

namespace causalrec::causal {

/// Data and knowledge for a graph learner over [contexts | system variables].
struct condition_contexts {
    matrix<double> values;           ///< rows x (contexts + system): a 0/1 column per non-baseline condition, then the system's columns
    std::size_t contexts = 0;        ///< number of context columns (the number of conditions - 1)
    background_knowledge knowledge;  ///< contexts in tier 0, system variables in tier 1

    /// The system variables' part of a graph learned on `values`: the context vertices removed, vertex
    /// v of the result is column v of the system data. Raises argument_error for a graph of another size.
    causal_graph system_graph(const causal_graph& g) const {
        check_graph(g, "condition_contexts::system_graph");
        causal_graph out(g.size() - contexts);
        for (const auto& e : g.edges()) {
            if (e.from < contexts || e.to < contexts) continue;
            const std::size_t a = e.from - contexts, b = e.to - contexts;
            if (e.bidirected) out.add_bidirected(a, b);
            else if (e.directed) out.add_directed(a, b);
            else out.add_undirected(a, b);
        }
        return out;
    }
    /// The system variables adjacent to context c (condition c + 1) in a graph learned on `values`: the
    /// variables the condition acts on, directly or through an unmeasured path the learner cannot split.
    std::vector<std::size_t> targets(const causal_graph& g, std::size_t c) const {
        if (c >= contexts) throw argument_error(causalrec::error_message("causal", "condition_contexts::targets", "context ", c, " out of range (", contexts, " contexts)"));
        check_graph(g, "condition_contexts::targets");
        std::vector<std::size_t> out;
        for (std::size_t v = contexts; v < g.size(); ++v)
            if (g.adjacent(c, v)) out.push_back(v - contexts);
        return out;
    }

private:
    /// Raises argument_error naming `fn` unless g has one vertex per column of `values`.
    void check_graph(const causal_graph& g, const char* fn) const {
        if (g.size() != values.shape()[1])
            throw argument_error(causalrec::error_message("causal", fn, "the graph has ", g.size(), " vertices, the data ", values.shape()[1], " columns"));
    }
};

/// Joint Causal Inference layout of x (rows x variables) whose row r was measured under condition
/// condition[r] in 0..k-1 (0: the baseline, e.g. observational): k - 1 context columns, column c being
/// 1 on the rows of condition c + 1, then x's columns; the knowledge puts the contexts in tier 0.
/// Raises argument_error when condition has another length than x's rows, when a label is not below
/// the number of rows, when some condition in 0..max has no row, or when there is a single condition
/// (nothing to contrast).
condition_contexts with_condition_contexts(const matrix<double>& x, std::span<const std::size_t> condition);

/// Condition labels for rows stored condition after condition: sizes[c] consecutive rows of condition c.
std::vector<std::size_t> conditions_from_block_sizes(std::span<const std::size_t> sizes);

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/contexts.hpp"
#endif
