#pragma once
/// @file
/// The loss module: mse, huber, pinball, binary_cross_entropy (with a stable logits path) and
/// binary_cross_entropy_with_logits, each with optional per-sample (IPS) or self-normalised (SNIPS)
/// weights; the Loss and LogitLoss concepts. See docs/loss.md.

#include <concepts>

#include "../core/core.hpp"
#include "categorical.hpp"
#include "concepts.hpp"
#include "cross_entropy.hpp"
#include "reduction.hpp"
#include "regression.hpp"

namespace causalrec::loss {

/// Calls loss.validate_targets(target) when the loss has one (ValidatesTargets); otherwise does nothing.
template <class L, std::floating_point T>
void validate_targets(const L& loss, const matrix<T>& target) {
    if constexpr (ValidatesTargets<L, T>) loss.validate_targets(target);
}

namespace detail {

/// Compile-time check that every shipped loss satisfies Loss<L, T> (and LogitLoss where it should).
template <class T>
constexpr bool all_shipped_types_are_losses() {
    static_assert(Loss<mse, T> && ValidatesTargets<mse, T> && !LogitLoss<mse, T>);
    static_assert(Loss<huber, T> && ValidatesTargets<huber, T> && !LogitLoss<huber, T>);
    static_assert(Loss<pinball, T> && ValidatesTargets<pinball, T> && !LogitLoss<pinball, T>);
    static_assert(LogitLoss<binary_cross_entropy, T> && ValidatesTargets<binary_cross_entropy, T>);
    // It already takes logits: the sigmoid-model path must not apply to it.
    static_assert(Loss<binary_cross_entropy_with_logits, T> && !LogitLoss<binary_cross_entropy_with_logits, T>);
    return true;
}
static_assert(all_shipped_types_are_losses<float>());
static_assert(all_shipped_types_are_losses<double>());

}  // namespace detail

}  // namespace causalrec::loss
