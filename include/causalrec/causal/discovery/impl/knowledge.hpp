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
