#pragma once
/// @file
/// Regression metrics, named and defined as in scikit-learn 1.2: MSE, RMSE, MAE and R², each with
/// an optional sample-weight overload. Targets and predictions must be finite; every computation runs
/// in double whatever the input element types.

#include <cmath>
#include <cstddef>

#include "../core/error.hpp"
#include "concepts.hpp"
#include "detail/input.hpp"

namespace causalrec::metrics {

namespace detail {

/// Weighted mean of (y - y_pred)^2.
template <class YT, class YS, class W>
double mean_squared_error(const checked_inputs<YT, YS, W>& in) {
    in.require_finite_truth();
    in.require_finite_scores();
    return mean_squared_difference(in);
}

/// Weighted mean of |y - y_pred|.
template <class YT, class YS, class W>
double mean_absolute_error(const checked_inputs<YT, YS, W>& in) {
    in.require_finite_truth();
    in.require_finite_scores();
    return in.weighted_mean([&](std::size_t i) { return std::abs(in.truth(i) - in.score(i)); });
}

/// 1 - SS_res / SS_tot with scikit-learn's force_finite convention for constant targets.
template <class YT, class YS, class W>
double r2_score(const checked_inputs<YT, YS, W>& in) {
    in.require_finite_truth();
    in.require_finite_scores();
    if (in.size() < 2) fail<argument_error>(in.fn, "R^2 needs at least two samples, got 1");
    const double mean = in.weighted_mean([&](std::size_t i) { return in.truth(i); });
    compensated_sum residual, total;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const double e = in.truth(i) - in.score(i);
        const double d = in.truth(i) - mean;
        residual.add(in.weight(i) * e * e);
        total.add(in.weight(i) * d * d);
    }
    if (residual.value() == 0.0) return 1.0;  // perfect predictions, even for a constant target
    if (total.value() == 0.0) return 0.0;     // constant target, imperfect predictions
    return 1.0 - residual.value() / total.value();
}

}  // namespace detail

/// Mean squared error: mean of (y_true - y_pred)^2 (weighted: sum w (y_true - y_pred)^2 / sum w).
inline constexpr auto mean_squared_error =
    detail::make_metric("mean_squared_error", "y_pred", [](const auto& in) { return detail::mean_squared_error(in); });

/// Root mean squared error: sqrt of the (weighted) mean squared error.
inline constexpr auto root_mean_squared_error =
    detail::make_metric("root_mean_squared_error", "y_pred", [](const auto& in) { return std::sqrt(detail::mean_squared_error(in)); });

/// Mean absolute error: mean of |y_true - y_pred| (weighted: sum w |y_true - y_pred| / sum w).
inline constexpr auto mean_absolute_error =
    detail::make_metric("mean_absolute_error", "y_pred", [](const auto& in) { return detail::mean_absolute_error(in); });

/// Coefficient of determination 1 - SS_res / SS_tot (weighted: SS_res and SS_tot weighted, around the
/// weighted mean of y_true); for a constant y_true: 1 if every prediction is exact, else 0. Needs at
/// least two samples.
inline constexpr auto r2_score = detail::make_metric("r2_score", "y_pred", [](const auto& in) { return detail::r2_score(in); });

}  // namespace causalrec::metrics
