#pragma once
/// @file
/// Concepts of the loss module: what a type must offer to be used as a loss by the training loop.
/// Any plain struct with these members qualifies; no base class is needed.

#include <concepts>
#include <span>

#include "../core/tensor.hpp"

namespace causalrec::loss {

/// A loss over matrix<T> predictions and targets with per-row weights (an empty span = unweighted):
/// `value(pred, target, weights) -> double`, `gradient(pred, target, weights, grad)` writing d value / d pred,
/// and `value_and_gradient(pred, target, weights, grad) -> double` computing both in one pass.
template <class L, class T>
concept Loss = std::floating_point<T> &&
               requires(const L& l, const matrix<T>& pred, const matrix<T>& target, std::span<const T> weights,
                        matrix<T>& grad) {
                   { l.value(pred, target, weights) } -> std::convertible_to<double>;
                   l.gradient(pred, target, weights, grad);
                   { l.value_and_gradient(pred, target, weights, grad) } -> std::convertible_to<double>;
               };

/// A Loss on probabilities that can also be computed from logits z = sigmoid^-1(p) (value_from_logits,
/// gradient_from_logits, value_and_gradient_from_logits, same arguments); the training loop takes this
/// path when the model ends with a sigmoid.
template <class L, class T>
concept LogitLoss = Loss<L, T> &&
                    requires(const L& l, const matrix<T>& logits, const matrix<T>& target, std::span<const T> weights,
                             matrix<T>& grad) {
                        { l.value_from_logits(logits, target, weights) } -> std::convertible_to<double>;
                        l.gradient_from_logits(logits, target, weights, grad);
                        { l.value_and_gradient_from_logits(logits, target, weights, grad) } -> std::convertible_to<double>;
                    };

/// A loss with a one-time target check, `validate_targets(target)`, that the training loop calls before training.
template <class L, class T>
concept ValidatesTargets = requires(const L& l, const matrix<T>& target) { l.validate_targets(target); };

}  // namespace causalrec::loss
