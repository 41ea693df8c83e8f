#pragma once
/// @file
/// Concepts of the optim module: what a type must offer to be used as an optimizer or a learning-rate
/// schedule by the training loop. Any plain struct with these members qualifies; no base class is needed.

#include <concepts>
#include <cstddef>
#include <span>

#include "../core/parameter.hpp"

namespace causalrec::optim {

/// An optimizer of parameter_view<T>s: `step(std::span<const parameter_view<T>>)` updates the values in
/// place from the gradients, keeping any state inside itself; `learning_rate()` and `set_learning_rate(double)`.
template <class O, class T>
concept Optimizer = std::floating_point<T> &&
                    requires(O& o, const O& co, std::span<const parameter_view<T>> params, double lr) {
                        o.step(params);
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

}  // namespace causalrec::optim
