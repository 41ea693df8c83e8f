#pragma once
/// @file
/// Metric function objects: each satisfies WeightedMetric, so a training loop can compute a
/// user-supplied list of them per epoch (e.g. `metrics::accuracy{.threshold = 0.5}, metrics::roc_auc{}`),
/// and early stopping can read which direction is better.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string_view>

#include "classification.hpp"
#include "concepts.hpp"
#include "regression.hpp"

namespace causalrec::metrics {

namespace detail {

/// A metric's name as a template argument (a string literal).
template <std::size_t N>
struct metric_name {
    char text[N]{};  ///< the characters and the terminating 0

    /// Copies the literal.
    constexpr metric_name(const char (&s)[N]) noexcept { std::copy_n(s, N, text); }
    /// The name without the terminating 0.
    constexpr std::string_view view() const noexcept { return {text, N - 1}; }
};

/// Adapts a metric function to WeightedMetric: `Score{}(y_true, y_score[, sample_weight])` under a name and a
/// direction. A user's metric is a plain struct and needs none of this.
template <metric_name Name, bool GreaterIsBetter, class Score>
struct metric_object {
    /// The metric's name.
    static constexpr std::string_view name() noexcept { return Name.view(); }
    /// Whether a higher value is better.
    static constexpr bool greater_is_better() noexcept { return GreaterIsBetter; }
    /// The metric of y_score against y_true.
    template <value_array Y, value_array S>
    double operator()(const Y& y_true, const S& y_score) const {
        return Score{}(y_true, y_score);
    }
    /// The weighted metric.
    template <value_array Y, value_array S, value_array W>
    double operator()(const Y& y_true, const S& y_score, const W& sample_weight) const {
        return Score{}(y_true, y_score, sample_weight);
    }
};

/// metric_object for a metric of hard labels, which carries its classification_options as members;
/// higher is better.
template <metric_name Name, class Score>
struct thresholded_metric {
    double threshold = 0.5;                               ///< cut-off applied to y_score
    threshold_rule rule = threshold_rule::greater_equal;  ///< >= (default) or >

    /// The metric's name.
    static constexpr std::string_view name() noexcept { return Name.view(); }
    /// True: every thresholded metric is a score.
    static constexpr bool greater_is_better() noexcept { return true; }
    /// The metric of the hard labels of y_score against y_true.
    template <value_array Y, value_array S>
    double operator()(const Y& y_true, const S& y_score) const {
        return Score{}(y_true, y_score, classification_options{threshold, rule});
    }
    /// The weighted metric.
    template <value_array Y, value_array S, value_array W>
    double operator()(const Y& y_true, const S& y_score, const W& sample_weight) const {
        return Score{}(y_true, y_score, sample_weight, classification_options{threshold, rule});
    }
};

// The public metric functions as objects, for the templates above (qualified: detail has namesakes).
inline constexpr auto accuracy_fn = [](const auto&... a) { return metrics::accuracy_score(a...); };
inline constexpr auto precision_fn = [](const auto&... a) { return metrics::precision_score(a...); };
inline constexpr auto recall_fn = [](const auto&... a) { return metrics::recall_score(a...); };
inline constexpr auto f1_fn = [](const auto&... a) { return metrics::f1_score(a...); };
inline constexpr auto roc_auc_fn = [](const auto&... a) { return metrics::roc_auc_score(a...); };
inline constexpr auto average_precision_fn = [](const auto&... a) { return metrics::average_precision_score(a...); };
inline constexpr auto brier_fn = [](const auto&... a) { return metrics::brier_score(a...); };
inline constexpr auto mse_fn = [](const auto&... a) { return metrics::mean_squared_error(a...); };
inline constexpr auto rmse_fn = [](const auto&... a) { return metrics::root_mean_squared_error(a...); };
inline constexpr auto mae_fn = [](const auto&... a) { return metrics::mean_absolute_error(a...); };
inline constexpr auto r2_fn = [](const auto&... a) { return metrics::r2_score(a...); };

}  // namespace detail

/// Accuracy of hard labels (score >= threshold, or > with threshold_rule::greater); higher is better.
using accuracy = detail::thresholded_metric<"accuracy", decltype(detail::accuracy_fn)>;
/// Precision of class 1 at a threshold (0 with no predicted positives); higher is better.
using precision = detail::thresholded_metric<"precision", decltype(detail::precision_fn)>;
/// Recall of class 1 at a threshold (0 with no positives); higher is better.
using recall = detail::thresholded_metric<"recall", decltype(detail::recall_fn)>;
/// F1 of class 1 at a threshold; higher is better.
using f1 = detail::thresholded_metric<"f1", decltype(detail::f1_fn)>;
/// Area under the ROC curve of the scores (ties count 1/2); higher is better.
using roc_auc = detail::metric_object<"roc_auc", true, decltype(detail::roc_auc_fn)>;
/// Average precision of the scores (scikit-learn's definition, no interpolation); higher is better.
using average_precision = detail::metric_object<"average_precision", true, decltype(detail::average_precision_fn)>;
/// Brier score of probabilities; lower is better.
using brier = detail::metric_object<"brier", false, decltype(detail::brier_fn)>;
/// Mean squared error; lower is better.
using mse = detail::metric_object<"mse", false, decltype(detail::mse_fn)>;
/// Root mean squared error; lower is better.
using rmse = detail::metric_object<"rmse", false, decltype(detail::rmse_fn)>;
/// Mean absolute error; lower is better.
using mae = detail::metric_object<"mae", false, decltype(detail::mae_fn)>;
/// Coefficient of determination R²; higher is better.
using r2 = detail::metric_object<"r2", true, decltype(detail::r2_fn)>;

/// Mean binary cross-entropy of probabilities (log_loss); lower is better.
struct logloss {
    std::optional<double> eps{};  ///< probabilities are clipped to [eps, 1 - eps]; unset = machine epsilon of the score type

    /// "logloss".
    static constexpr std::string_view name() noexcept { return "logloss"; }
    /// False: lower log-loss is better.
    static constexpr bool greater_is_better() noexcept { return false; }
    /// log_loss(y_true, y_score) with this object's eps.
    template <value_array Y, value_array S>
    double operator()(const Y& y_true, const S& y_score) const {
        return log_loss(y_true, y_score, log_loss_options{eps});
    }
    /// Weighted log_loss.
    template <value_array Y, value_array S, value_array W>
    double operator()(const Y& y_true, const S& y_score, const W& sample_weight) const {
        return log_loss(y_true, y_score, sample_weight, log_loss_options{eps});
    }
};

static_assert(WeightedMetric<accuracy> && WeightedMetric<precision> && WeightedMetric<recall> && WeightedMetric<f1>);
static_assert(WeightedMetric<roc_auc> && WeightedMetric<average_precision> && WeightedMetric<logloss> &&
              WeightedMetric<brier>);
static_assert(WeightedMetric<mse> && WeightedMetric<rmse> && WeightedMetric<mae> && WeightedMetric<r2>);

}  // namespace causalrec::metrics
