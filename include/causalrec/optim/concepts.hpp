#pragma once
/// @file
/// Concepts of the optim module: what a type must offer to be used as an optimizer or a learning-rate
/// schedule by the training loop. Any plain struct with these members qualifies; no base class is needed.

#include <concepts>
#include <cstddef>
#include <span>

#include "../core/parameter.hpp"

namespace causalrec::optim {

namespace detail {
/// Stands for the closure a ClosureOptimizer receives (re-evaluates the loss, refreshing the gradients).
struct loss_closure_archetype {
    double operator()() const;
};
}  // namespace detail

/// An optimizer whose step takes a closure, `step(params, closure)`, that re-evaluates the loss of the
/// current batch at the current parameter values and writes fresh gradients (PyTorch's
/// `optimizer.step(closure)`); line-search methods such as lbfgs need it.
template <class O, class T>
concept ClosureOptimizer = std::floating_point<T> &&
                           requires(O& o, std::span<const parameter_view<T>> params, detail::loss_closure_archetype f) {
                               o.step(params, f);
                           };

/// An optimizer of parameter_view<T>s: `step(std::span<const parameter_view<T>>)` (or the closure form of
/// ClosureOptimizer) updates the values in place from the gradients, keeping any state inside itself;
/// `learning_rate()` and `set_learning_rate(double)`.
template <class O, class T>
concept Optimizer = std::floating_point<T> &&
                    (requires(O& o, std::span<const parameter_view<T>> params) { o.step(params); } ||
                     ClosureOptimizer<O, T>) &&
                    requires(O& o, const O& co, double lr) {
                        { co.learning_rate() } -> std::convertible_to<double>;
                        o.set_learning_rate(lr);
                    };

/// An epoch schedule: `s(epoch, base_lr) -> double`, the learning rate of a 0-based epoch (const, no state).
template <class S>
concept LearningRateSchedule = requires(const S& s, std::size_t epoch, double base_lr) {
    { s(epoch, base_lr) } -> std::convertible_to<double>;
};

/// A schedule driven by a monitored metric: `s.update(metric, current_lr) -> double`, the next learning rate.
template <class S>
concept MetricSchedule = requires(S& s, double metric, double lr) {
    { s.update(metric, lr) } -> std::convertible_to<double>;
};

/// True for an optimizer that declares `static constexpr bool full_batch = true` (gd): the training loop
/// then uses the whole training set as one batch. False for every other type.
template <class O>
inline constexpr bool is_full_batch_v = [] {
    if constexpr (requires { O::full_batch; }) {
        return static_cast<bool>(O::full_batch);
    } else {
        return false;
    }
}();

/// True for an optimizer that declares `static constexpr bool sparse_rows = true`: it updates only the
/// touched rows of a sparse parameter (parameter_view::touched_rows) and ignores the stale rest of its
/// gradient. fit() refuses an optimizer without it for a model with sparse parameters (embeddings).
template <class O>
inline constexpr bool handles_sparse_rows_v = [] {
    if constexpr (requires { O::sparse_rows; }) {
        return static_cast<bool>(O::sparse_rows);
    } else {
        return false;
    }
}();

}  // namespace causalrec::optim
