#pragma once
/// @file
/// The optim module: sgd (momentum, Nesterov), gd (full batch), adam (AMSGrad), adamw, adagrad and
/// rmsprop with PyTorch 1.13's update rules, gradient clipping, lazy row-wise updates of sparse
/// parameters, learning-rate schedules and the Optimizer concept. See docs/optim.md.

#include "../core/core.hpp"
#include "adagrad.hpp"
#include "adam.hpp"
#include "concepts.hpp"
#include "rmsprop.hpp"
#include "schedules.hpp"
#include "sgd.hpp"
#include "state.hpp"

namespace causalrec::optim::detail {

/// Compile-time check that every shipped optimizer satisfies Optimizer<O, T> and every schedule its concept.
template <class T>
constexpr bool all_shipped_types_are_optimizers() {
    static_assert(Optimizer<sgd<T>, T> && !is_full_batch_v<sgd<T>>);
    static_assert(Optimizer<gd<T>, T> && is_full_batch_v<gd<T>>);
    static_assert(Optimizer<adam<T>, T> && Optimizer<adamw<T>, T>);
    static_assert(Optimizer<adagrad<T>, T> && Optimizer<rmsprop<T>, T>);
    return true;
}
static_assert(all_shipped_types_are_optimizers<float>());
static_assert(all_shipped_types_are_optimizers<double>());
static_assert(LearningRateSchedule<step_decay> && LearningRateSchedule<exponential_decay> &&
              LearningRateSchedule<cosine_annealing>);
static_assert(MetricSchedule<reduce_on_plateau> && !LearningRateSchedule<reduce_on_plateau>);

}  // namespace causalrec::optim::detail
