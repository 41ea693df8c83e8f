#pragma once
/// @file
/// Uplift-based targeting: rank users or items by estimated treatment effect (from effect() of any
/// EffectEstimator) and keep the top k. The uplift metrics live in metrics/uplift.hpp.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../metrics/uplift.hpp"

namespace causalrec::causal {

/// The indices of the k rows with the largest estimated effect, largest first (ties in input order).
/// With `positive_only`, rows whose effect is not above 0 are left out (never treat where it hurts).
std::vector<std::size_t> rank_by_uplift(const vector<double>& effect, std::size_t k, bool positive_only = false);

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/uplift.hpp"
#endif
