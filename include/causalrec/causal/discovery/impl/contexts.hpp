#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/contexts.hpp (the condition contexts): included by
/// that header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../contexts.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE condition_contexts with_condition_contexts(const matrix<double>& x, std::span<const std::size_t> condition) {
    constexpr const char* fn = "with_condition_contexts";
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    if (condition.size() != n) throw argument_error(causalrec::error_message("causal", fn, condition.size(), " condition labels for ", n, " rows"));
    std::size_t k = 0;
    for (std::size_t c : condition) {
        if (c >= n) throw argument_error(causalrec::error_message("causal", fn, "condition label ", c, " with ", n, " rows (labels must be 0..k-1 with every label used)"));
        k = std::max(k, c + 1);
    }
    if (k < 2) throw argument_error(causalrec::error_message("causal", fn, "the rows come from a single condition; contexts need at least two"));
    std::vector<std::size_t> count(k, 0);
    for (std::size_t c : condition) ++count[c];
    for (std::size_t c = 0; c < k; ++c)
        if (count[c] == 0) throw argument_error(causalrec::error_message("causal", fn, "condition ", c, " has no row (labels must be 0..", k - 1, " with every label used)"));
    condition_contexts out;
    out.contexts = k - 1;
    out.values = matrix<double>::from_shape({n, out.contexts + d});
    for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t c = 0; c < out.contexts; ++c) out.values(r, c) = condition[r] == c + 1 ? 1.0 : 0.0;
        for (std::size_t v = 0; v < d; ++v) out.values(r, out.contexts + v) = x(r, v);
    }
    out.knowledge.tiers.assign(out.contexts + d, 1);
    for (std::size_t c = 0; c < out.contexts; ++c) out.knowledge.tiers[c] = 0;
    return out;
}

CAUSALREC_INLINE std::vector<std::size_t> conditions_from_block_sizes(std::span<const std::size_t> sizes) {
    std::vector<std::size_t> labels;
    for (std::size_t c = 0; c < sizes.size(); ++c) labels.insert(labels.end(), sizes[c], c);
    return labels;
}

}  // namespace causalrec::causal
