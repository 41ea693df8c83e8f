#pragma once
/// @file
/// Uplift-based targeting: rank users or items by estimated treatment effect (from effect() of any
/// EffectEstimator) and keep the top k. The uplift metrics live in metrics/uplift.hpp.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../metrics/uplift.hpp"

namespace causalrec::causal {

/// The indices of the k rows with the largest estimated effect, largest first (ties in input order).
/// With `positive_only`, rows whose effect is not above 0 are left out (never treat where it hurts).
inline std::vector<std::size_t> rank_by_uplift(const vector<double>& effect, std::size_t k, bool positive_only = false) {
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
