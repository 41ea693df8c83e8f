#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/knowledge.hpp (the backdoor
/// adjustment set): included by that header in the header-only build, compiled once into
/// causalrec::compiled with CAUSALREC_COMPILED.

#include "../knowledge.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE std::vector<std::size_t> adjustment_set(const causal_graph& g, std::size_t treatment, std::size_t outcome) {
    constexpr const char* fn = "adjustment_set";
    if (treatment >= g.size() || outcome >= g.size() || treatment == outcome)
        throw argument_error(causalrec::error_message("causal", fn, "treatment ", treatment, " and outcome ", outcome, " must be distinct variables below ", g.size()));
    for (std::size_t v = 0; v < g.size(); ++v)
        if (v != treatment && g.undirected(v, treatment))
            throw argument_error(causalrec::error_message("causal", fn, "the treatment's edge with variable ", v,
                                                          " is undirected, so its parents are not known; orient it with background knowledge (e.g. tiers)"));
    const auto parents = g.parents(treatment);
    for (std::size_t p : parents)
        if (p == outcome) throw argument_error(causalrec::error_message("causal", fn, "the outcome is a parent of the treatment in this graph"));
    return parents;
}

}  // namespace causalrec::causal

namespace causalrec::causal {

CAUSALREC_INLINE auto background_knowledge::allows(std::size_t i, std::size_t j) const -> bool {
    for (const auto& [a, b] : forbidden)
        if (a == i && b == j) return false;
    return tiers.empty() || tiers[i] <= tiers[j];
}

CAUSALREC_INLINE auto background_knowledge::requires_edge(std::size_t i, std::size_t j) const -> bool {
    for (const auto& [a, b] : required)
        if (a == i && b == j) return true;
    return false;
}

CAUSALREC_INLINE auto background_knowledge::check(std::size_t n, const char* fn) const -> void {
    if (!tiers.empty() && tiers.size() != n)
        throw argument_error(causalrec::error_message("causal", fn, "background knowledge has ", tiers.size(), " tiers for ", n, " variables"));
    for (const auto* list : {&required, &forbidden})
        for (const auto& [a, b] : *list)
            if (a >= n || b >= n || a == b)
                throw argument_error(causalrec::error_message("causal", fn, "background knowledge names the edge (", a, ", ", b, "), not a pair of distinct variables below ", n));
    for (const auto& [a, b] : required)
        if (!allows(a, b)) throw argument_error(causalrec::error_message("causal", fn, "the edge ", a, " -> ", b, " is both required and forbidden"));
}

CAUSALREC_INLINE auto background_knowledge::apply_to(causal_graph& g) const -> std::size_t {
    std::size_t changed = 0;
    for (std::size_t i = 0; i < g.size(); ++i)
        for (std::size_t j = i + 1; j < g.size(); ++j) {
            if (!g.adjacent(i, j)) continue;
            const bool ij = allows(i, j), ji = allows(j, i);
            if (!ij && !ji) {
                g.remove_edge(i, j), ++changed;
            } else if ((requires_edge(i, j) || !ji) && !g.directed(i, j)) {
                g.add_directed(i, j), ++changed;
            } else if ((requires_edge(j, i) || !ij) && !g.directed(j, i)) {
                g.add_directed(j, i), ++changed;
            }
        }
    return changed;
}

}  // namespace causalrec::causal
