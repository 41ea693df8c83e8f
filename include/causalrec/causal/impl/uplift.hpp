#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/uplift.hpp (the uplift ranking): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../uplift.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE std::vector<std::size_t> rank_by_uplift(const vector<double>& effect, std::size_t k, bool positive_only) {
    for (std::size_t i = 0; i < effect.size(); ++i)
        if (!std::isfinite(effect(i)))
            throw numeric_error(causalrec::cat("causalrec::causal::rank_by_uplift: effect ", i, " is not finite"));
    std::vector<std::size_t> order(effect.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return effect(a) > effect(b); });
    if (positive_only)
        order.erase(std::find_if(order.begin(), order.end(), [&](std::size_t i) { return !(effect(i) > 0.0); }), order.end());
    if (order.size() > k) order.resize(k);
    return order;
}

}  // namespace causalrec::causal
