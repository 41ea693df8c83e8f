#pragma once
/// @file
/// Background knowledge for the graph learners — required and forbidden directed edges, and tiers
/// (a variable in a later tier cannot cause one in an earlier tier, e.g. "treatment precedes
/// outcome") — and what a learned graph tells an effect estimator: a valid adjustment set.

#include <cstddef>
#include <utility>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "graph.hpp"

namespace causalrec::causal {

/// What is known before looking at the data.
struct background_knowledge {
    std::vector<std::pair<std::size_t, std::size_t>> required{};   ///< edges (i, j) that must be i -> j
    std::vector<std::pair<std::size_t, std::size_t>> forbidden{};  ///< edges (i, j) that must not be i -> j
    /// tiers[v]: the tier of variable v (empty: no tiers); an edge may not point from a later tier to an earlier one.
    std::vector<std::size_t> tiers{};

    /// True when i -> j is allowed (not forbidden, not against the tiers).
    bool allows(std::size_t i, std::size_t j) const;
    /// True when i -> j is required.
    bool requires_edge(std::size_t i, std::size_t j) const;
    /// Raises argument_error naming `fn` for a variable out of range (n variables), tiers of another
    /// length, or a required edge that is also forbidden (by the list or the tiers).
    void check(std::size_t n, const char* fn) const;
    /// Orients the undirected edges of g that the knowledge decides (required, or allowed one way only),
    /// turns directed edges against it around, removes edges allowed in neither direction. Returns the
    /// number of edges it changed.
    std::size_t apply_to(causal_graph& g) const;
};

/// A valid adjustment set for the effect of `treatment` on `outcome` in a learned graph: the parents of
/// the treatment, which satisfy the back-door criterion in every DAG of a CPDAG in which all the
/// treatment's edges are directed (they are then the same in every member). Raises argument_error for
/// variables out of range or equal, when the treatment has an undirected edge (the effect is not
/// identified by parent adjustment: orient it with background knowledge, e.g. tiers), or when the
/// outcome is a parent of the treatment.
std::vector<std::size_t> adjustment_set(const causal_graph& g, std::size_t treatment, std::size_t outcome);

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/knowledge.hpp"
#endif
