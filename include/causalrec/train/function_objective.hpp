#pragma once
/// @file
/// function_objective: a differentiable function of one flat parameter vector as a train::Objective,
/// so that train::fit minimises it with any optim:: optimizer (full batch: the function is its own
/// single sample). For small models written as a function, such as a factor model over a vector.

#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/parameter.hpp"

namespace causalrec::train {

/// Minimises `f(std::span<const T> x, std::span<T> grad) -> double` (the value at x, its gradient
/// written into grad) over `x`, which the objective refers to and updates in place through fit().
/// One sample per epoch: every optimizer step sees the whole function.
template <std::floating_point T, class F>
    requires requires(F& f, std::span<const T> x, std::span<T> g) {
        { f(x, g) } -> std::convertible_to<double>;
    }
class function_objective {
public:
    using value_type = T;  ///< the parameters' element type

    /// The objective of `f` over `x` (which must outlive the objective and keep its size).
    function_objective(std::vector<T>& x, F f, std::string_view name = "x")
        : x_(&x), f_(std::move(f)), grad_(x.size(), T(0)), name_(name), shape_{x.size()} {}

    /// One sample: the function itself.
    std::size_t samples() const noexcept { return 1; }
    /// The parameter vector and its gradient.
    std::vector<parameter_view<T>> parameters() {
        return {{.name = name_, .value = std::span<T>(*x_), .grad = std::span<T>(grad_), .shape = shape_}};
    }
    /// The function's value at the current x, its gradient written.
    double loss_and_gradient(std::span<const std::size_t>) {
        return static_cast<double>(f_(std::span<const T>(*x_), std::span<T>(grad_)));
    }
    /// The function (for callers that keep state in it).
    F& function() noexcept { return f_; }

private:
    std::vector<T>* x_;
    F f_;
    std::vector<T> grad_;
    std::string_view name_;
    std::vector<std::size_t> shape_;
};

}  // namespace causalrec::train
