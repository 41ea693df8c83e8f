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

/// The arguments of a metric object's call: (y_true, y_score) or (y_true, y_score, sample_weight).
template <class... A>
concept metric_arguments = (sizeof...(A) == 2 || sizeof...(A) == 3) && (value_array<A> && ...);

/// Adapts a metric function to WeightedMetric: `Score(y_true, y_score[, sample_weight])` under a name and a
/// direction. A user's metric is a plain struct and needs none of this.
template <metric_name Name, bool GreaterIsBetter, const auto& Score>
struct metric_object {
    /// The metric's name.
    static constexpr std::string_view name() noexcept { return Name.view(); }
    /// Whether a higher value is better.
    static constexpr bool greater_is_better() noexcept { return GreaterIsBetter; }
    /// The metric of y_score against y_true, weighted when sample_weight is given.
    template <class... A>
        requires metric_arguments<A...>
    double operator()(const A&... arrays) const {
        return Score(arrays...);
    }
};

/// metric_object for a metric of hard labels, which carries its classification_options as members;
/// higher is better.
template <metric_name Name, const auto& Score>
struct thresholded_metric {
    double threshold = 0.5;                               ///< cut-off applied to y_score
    threshold_rule rule = threshold_rule::greater_equal;  ///< >= (default) or >

    /// The metric's name.
    static constexpr std::string_view name() noexcept { return Name.view(); }
    /// True: every thresholded metric is a score.
    static constexpr bool greater_is_better() noexcept { return true; }
    /// The metric of the hard labels of y_score against y_true, weighted when sample_weight is given.
    template <class... A>
        requires metric_arguments<A...>
    double operator()(const A&... arrays) const {
        return Score(arrays..., classification_options{threshold, rule});
    }
};

}  // namespace detail

/// Accuracy of hard labels (score >= threshold, or > with threshold_rule::greater); higher is better.
using accuracy = detail::thresholded_metric<"accuracy", accuracy_score>;
/// Precision of class 1 at a threshold (0 with no predicted positives); higher is better.
using precision = detail::thresholded_metric<"precision", precision_score>;
/// Recall of class 1 at a threshold (0 with no positives); higher is better.
using recall = detail::thresholded_metric<"recall", recall_score>;
/// F1 of class 1 at a threshold; higher is better.
using f1 = detail::thresholded_metric<"f1", f1_score>;
/// Area under the ROC curve of the scores (ties count 1/2); higher is better.
using roc_auc = detail::metric_object<"roc_auc", true, roc_auc_score>;
/// Average precision of the scores (scikit-learn's definition, no interpolation); higher is better.
using average_precision = detail::metric_object<"average_precision", true, average_precision_score>;
/// Brier score of probabilities; lower is better.
using brier = detail::metric_object<"brier", false, brier_score>;
/// Mean squared error; lower is better.
using mse = detail::metric_object<"mse", false, mean_squared_error>;
/// Root mean squared error; lower is better.
using rmse = detail::metric_object<"rmse", false, root_mean_squared_error>;
/// Mean absolute error; lower is better.
using mae = detail::metric_object<"mae", false, mean_absolute_error>;
/// Coefficient of determination R²; higher is better.
using r2 = detail::metric_object<"r2", true, r2_score>;

/// Mean binary cross-entropy of probabilities (log_loss); lower is better.
struct logloss {
    std::optional<double> eps{};  ///< probabilities are clipped to [eps, 1 - eps]; unset = machine epsilon of the score type

    /// "logloss".
    static constexpr std::string_view name() noexcept { return "logloss"; }
    /// False: lower log-loss is better.
    static constexpr bool greater_is_better() noexcept { return false; }
    /// log_loss(y_true, y_score[, sample_weight]) with this object's eps.
    template <class... A>
        requires detail::metric_arguments<A...>
    double operator()(const A&... arrays) const {
        return log_loss(arrays..., log_loss_options{eps});
    }
};

static_assert(WeightedMetric<accuracy> && WeightedMetric<precision> && WeightedMetric<recall> && WeightedMetric<f1>);
static_assert(WeightedMetric<roc_auc> && WeightedMetric<average_precision> && WeightedMetric<logloss> &&
              WeightedMetric<brier>);
static_assert(WeightedMetric<mse> && WeightedMetric<rmse> && WeightedMetric<mae> && WeightedMetric<r2>);

}  // namespace causalrec::metrics
