#pragma once
/// @file
/// Metric function objects: each satisfies WeightedMetric, so a training loop can compute a
/// user-supplied list of them per epoch (e.g. `metrics::accuracy{.threshold = 0.5}, metrics::roc_auc{}`),
/// and early stopping can read which direction is better.

#include <optional>
#include <string_view>

#include "classification.hpp"
#include "concepts.hpp"
#include "regression.hpp"

namespace causalrec::metrics {

/// Accuracy of hard labels (score >= threshold, or > with threshold_rule::greater); higher is better.
struct accuracy {
    double threshold = 0.5;                               ///< cut-off applied to y_score
    threshold_rule rule = threshold_rule::greater_equal;  ///< >= (default) or >

    /// "accuracy".
    static constexpr std::string_view name() noexcept { return "accuracy"; }
    /// True: higher accuracy is better.
    static constexpr bool greater_is_better() noexcept { return true; }
    /// accuracy_score(y_true, y_score) with this object's threshold.
    template <value_array Y, value_array S>
    double operator()(const Y& y_true, const S& y_score) const {
        return accuracy_score(y_true, y_score, {threshold, rule});
    }
    /// Weighted accuracy_score.
    template <value_array Y, value_array S, value_array W>
    double operator()(const Y& y_true, const S& y_score, const W& sample_weight) const {
        return accuracy_score(y_true, y_score, sample_weight, {threshold, rule});
    }
};

/// Precision of class 1 at a threshold (0 with no predicted positives); higher is better.
struct precision {
    double threshold = 0.5;                               ///< cut-off applied to y_score
    threshold_rule rule = threshold_rule::greater_equal;  ///< >= (default) or >

    /// "precision".
    static constexpr std::string_view name() noexcept { return "precision"; }
    /// True: higher precision is better.
    static constexpr bool greater_is_better() noexcept { return true; }
    /// precision_score(y_true, y_score) with this object's threshold.
    template <value_array Y, value_array S>
    double operator()(const Y& y_true, const S& y_score) const {
        return precision_score(y_true, y_score, {threshold, rule});
    }
    /// Weighted precision_score.
    template <value_array Y, value_array S, value_array W>
    double operator()(const Y& y_true, const S& y_score, const W& sample_weight) const {
        return precision_score(y_true, y_score, sample_weight, {threshold, rule});
    }
};

/// Recall of class 1 at a threshold (0 with no positives); higher is better.
struct recall {
    double threshold = 0.5;                               ///< cut-off applied to y_score
    threshold_rule rule = threshold_rule::greater_equal;  ///< >= (default) or >

    /// "recall".
    static constexpr std::string_view name() noexcept { return "recall"; }
    /// True: higher recall is better.
    static constexpr bool greater_is_better() noexcept { return true; }
    /// recall_score(y_true, y_score) with this object's threshold.
    template <value_array Y, value_array S>
    double operator()(const Y& y_true, const S& y_score) const {
        return recall_score(y_true, y_score, {threshold, rule});
    }
    /// Weighted recall_score.
    template <value_array Y, value_array S, value_array W>
    double operator()(const Y& y_true, const S& y_score, const W& sample_weight) const {
        return recall_score(y_true, y_score, sample_weight, {threshold, rule});
    }
};

/// F1 of class 1 at a threshold; higher is better.
struct f1 {
    double threshold = 0.5;                               ///< cut-off applied to y_score
    threshold_rule rule = threshold_rule::greater_equal;  ///< >= (default) or >

    /// "f1".
    static constexpr std::string_view name() noexcept { return "f1"; }
    /// True: higher F1 is better.
    static constexpr bool greater_is_better() noexcept { return true; }
    /// f1_score(y_true, y_score) with this object's threshold.
    template <value_array Y, value_array S>
    double operator()(const Y& y_true, const S& y_score) const {
        return f1_score(y_true, y_score, {threshold, rule});
    }
    /// Weighted f1_score.
    template <value_array Y, value_array S, value_array W>
    double operator()(const Y& y_true, const S& y_score, const W& sample_weight) const {
        return f1_score(y_true, y_score, sample_weight, {threshold, rule});
    }
};

/// Area under the ROC curve of the scores (ties count 1/2); higher is better.
struct roc_auc {
    /// "roc_auc".
    static constexpr std::string_view name() noexcept { return "roc_auc"; }
    /// True: higher ROC-AUC is better.
    static constexpr bool greater_is_better() noexcept { return true; }
    /// roc_auc_score(y_true, y_score).
    template <value_array Y, value_array S>
    double operator()(const Y& y_true, const S& y_score) const {
        return roc_auc_score(y_true, y_score);
    }
    /// Weighted roc_auc_score.
    template <value_array Y, value_array S, value_array W>
    double operator()(const Y& y_true, const S& y_score, const W& sample_weight) const {
        return roc_auc_score(y_true, y_score, sample_weight);
    }
};

/// Average precision of the scores (scikit-learn's definition, no interpolation); higher is better.
struct average_precision {
    /// "average_precision".
    static constexpr std::string_view name() noexcept { return "average_precision"; }
    /// True: higher average precision is better.
    static constexpr bool greater_is_better() noexcept { return true; }
    /// average_precision_score(y_true, y_score).
    template <value_array Y, value_array S>
    double operator()(const Y& y_true, const S& y_score) const {
        return average_precision_score(y_true, y_score);
    }
    /// Weighted average_precision_score.
    template <value_array Y, value_array S, value_array W>
    double operator()(const Y& y_true, const S& y_score, const W& sample_weight) const {
        return average_precision_score(y_true, y_score, sample_weight);
    }
};

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

/// Brier score of probabilities; lower is better.
struct brier {
    /// "brier".
    static constexpr std::string_view name() noexcept { return "brier"; }
    /// False: lower Brier score is better.
    static constexpr bool greater_is_better() noexcept { return false; }
    /// brier_score(y_true, y_score).
    template <value_array Y, value_array S>
    double operator()(const Y& y_true, const S& y_score) const {
        return brier_score(y_true, y_score);
    }
    /// Weighted brier_score.
    template <value_array Y, value_array S, value_array W>
    double operator()(const Y& y_true, const S& y_score, const W& sample_weight) const {
        return brier_score(y_true, y_score, sample_weight);
    }
};

/// Mean squared error; lower is better.
struct mse {
    /// "mse".
    static constexpr std::string_view name() noexcept { return "mse"; }
    /// False: lower MSE is better.
    static constexpr bool greater_is_better() noexcept { return false; }
    /// mean_squared_error(y_true, y_pred).
    template <value_array Y, value_array P>
    double operator()(const Y& y_true, const P& y_pred) const {
        return mean_squared_error(y_true, y_pred);
    }
    /// Weighted mean_squared_error.
    template <value_array Y, value_array P, value_array W>
    double operator()(const Y& y_true, const P& y_pred, const W& sample_weight) const {
        return mean_squared_error(y_true, y_pred, sample_weight);
    }
};

/// Root mean squared error; lower is better.
struct rmse {
    /// "rmse".
    static constexpr std::string_view name() noexcept { return "rmse"; }
    /// False: lower RMSE is better.
    static constexpr bool greater_is_better() noexcept { return false; }
    /// root_mean_squared_error(y_true, y_pred).
    template <value_array Y, value_array P>
    double operator()(const Y& y_true, const P& y_pred) const {
        return root_mean_squared_error(y_true, y_pred);
    }
    /// Weighted root_mean_squared_error.
    template <value_array Y, value_array P, value_array W>
    double operator()(const Y& y_true, const P& y_pred, const W& sample_weight) const {
        return root_mean_squared_error(y_true, y_pred, sample_weight);
    }
};

/// Mean absolute error; lower is better.
struct mae {
    /// "mae".
    static constexpr std::string_view name() noexcept { return "mae"; }
    /// False: lower MAE is better.
    static constexpr bool greater_is_better() noexcept { return false; }
    /// mean_absolute_error(y_true, y_pred).
    template <value_array Y, value_array P>
    double operator()(const Y& y_true, const P& y_pred) const {
        return mean_absolute_error(y_true, y_pred);
    }
    /// Weighted mean_absolute_error.
    template <value_array Y, value_array P, value_array W>
    double operator()(const Y& y_true, const P& y_pred, const W& sample_weight) const {
        return mean_absolute_error(y_true, y_pred, sample_weight);
    }
};

/// Coefficient of determination R²; higher is better.
struct r2 {
    /// "r2".
    static constexpr std::string_view name() noexcept { return "r2"; }
    /// True: higher R² is better.
    static constexpr bool greater_is_better() noexcept { return true; }
    /// r2_score(y_true, y_pred).
    template <value_array Y, value_array P>
    double operator()(const Y& y_true, const P& y_pred) const {
        return r2_score(y_true, y_pred);
    }
    /// Weighted r2_score.
    template <value_array Y, value_array P, value_array W>
    double operator()(const Y& y_true, const P& y_pred, const W& sample_weight) const {
        return r2_score(y_true, y_pred, sample_weight);
    }
};

static_assert(WeightedMetric<accuracy> && WeightedMetric<precision> && WeightedMetric<recall> && WeightedMetric<f1>);
static_assert(WeightedMetric<roc_auc> && WeightedMetric<average_precision> && WeightedMetric<logloss> &&
              WeightedMetric<brier>);
static_assert(WeightedMetric<mse> && WeightedMetric<rmse> && WeightedMetric<mae> && WeightedMetric<r2>);

}  // namespace causalrec::metrics
