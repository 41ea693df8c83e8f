#pragma once
/// @file
/// Binary classification metrics, named and defined as in scikit-learn 1.2: accuracy, precision,
/// recall, F1, confusion matrix (from scores and a threshold), ROC-AUC, average precision, log-loss
/// and Brier score, each with an optional sample-weight overload. Labels must be 0 or 1; every
/// computation runs in double whatever the input element types.

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <cstddef>
#include <string>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "concepts.hpp"
#include "detail/curve.hpp"
#include "detail/input.hpp"

namespace causalrec::metrics {

/// How a score becomes a hard label: 1 iff score >= threshold (greater_equal) or score > threshold (greater).
enum class threshold_rule { greater_equal, greater };

/// Options of the thresholded metrics (accuracy, precision, recall, F1, confusion matrix).
struct classification_options {
    double threshold = 0.5;                               ///< cut-off applied to y_score
    threshold_rule rule = threshold_rule::greater_equal;  ///< predicted 1 iff score >= threshold (or > with greater)
};

/// Options of log_loss.
struct log_loss_options {
    /// Scores are clipped to [eps, 1 - eps] before the log; 0 <= eps < 0.5. Unset (the default) means
    /// the machine epsilon of the score type (2.22e-16 for double, 1.19e-7 for float), as scikit-learn
    /// 1.2's eps="auto"; scikit-learn <= 1.1 used 1e-15.
    std::optional<double> eps{};
};

/// Weighted counts of a binary confusion matrix (plain counts when unweighted), in scikit-learn's ravel() order.
struct binary_confusion {
    double tn = 0.0;  ///< label 0, predicted 0
    double fp = 0.0;  ///< label 0, predicted 1
    double fn = 0.0;  ///< label 1, predicted 0
    double tp = 0.0;  ///< label 1, predicted 1

    /// Total count (or weight) of all samples.
    double total() const noexcept { return tn + fp + fn + tp; }
    /// Exact comparison of the four counts.
    bool operator==(const binary_confusion&) const = default;
};

namespace detail {

/// num / den, or 0 when den is 0: scikit-learn's default zero_division result (it also warns).
inline double ratio_or_zero(double num, double den) noexcept { return den > 0.0 ? num / den : 0.0; }

/// Precision of the positive class: tp / (tp + fp), 0 with no predicted positives.
inline double precision_of(const binary_confusion& c) noexcept { return ratio_or_zero(c.tp, c.tp + c.fp); }
/// Recall of the positive class: tp / (tp + fn), 0 with no actual positives.
inline double recall_of(const binary_confusion& c) noexcept { return ratio_or_zero(c.tp, c.tp + c.fn); }
/// Harmonic mean 2PR / (P + R) as scikit-learn computes it; 0 when P + R is 0.
inline double f1_from(double precision, double recall) noexcept {
    const double denom = precision + recall;
    return denom == 0.0 ? 0.0 : 2.0 * precision * recall / denom;
}
/// F1 of the positive class from the counts.
inline double f1_of(const binary_confusion& c) noexcept { return f1_from(precision_of(c), recall_of(c)); }
/// (tp + tn) / total.
inline double accuracy_of(const binary_confusion& c) noexcept { return (c.tp + c.tn) / c.total(); }

/// True when the score counts as a predicted 1 under the options.
inline bool predicted_positive(double score, const classification_options& options) noexcept {
    return options.rule == threshold_rule::greater ? score > options.threshold : score >= options.threshold;
}

/// Validates labels, scores and threshold, then counts (or sums the weights of) the four cells.
template <class YT, class YS, class W>
binary_confusion confusion_of(const checked_inputs<YT, YS, W>& in, const classification_options& options) {
    if (!std::isfinite(options.threshold)) {
        fail<argument_error>(in.fn, "threshold must be finite, got ", format_number(options.threshold));
    }
    in.require_binary_labels();
    in.require_finite_scores();
    compensated_sum tn, fp, fn, tp;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const bool actual = in.truth(i) == 1.0;
        const bool predicted = predicted_positive(in.score(i), options);
        (actual ? (predicted ? tp : fn) : (predicted ? fp : tn)).add(in.weight(i));
    }
    return {tn.value(), fp.value(), fn.value(), tp.value()};
}

/// A thresholded metric's computation: of(confusion counts) of the checked inputs.
struct confusion_ratio {
    double (*of)(const binary_confusion&) noexcept;  ///< the ratio of the counts

    /// of(confusion_of(in, options)).
    template <class In>
    double operator()(const In& in, const classification_options& options) const {
        return of(confusion_of(in, options));
    }
};

/// Trapezoidal area under the ROC curve over distinct thresholds (a tie counts 1/2).
template <class YT, class YS, class W>
double roc_auc(const checked_inputs<YT, YS, W>& in) {
    const auto points = checked_binary_curve(in, "ROC-AUC");
    double area = 0.0, fp = 0.0, tp = 0.0;
    for (const curve_point& p : points) {
        area += (p.fp - fp) * (p.tp + tp);
        fp = p.fp;
        tp = p.tp;
    }
    return area / (2.0 * fp * tp);
}

/// Sum over distinct thresholds of (R_n - R_{n-1}) * P_n, without interpolation.
template <class YT, class YS, class W>
double average_precision(const checked_inputs<YT, YS, W>& in) {
    const auto points = checked_binary_curve(in, "average precision");
    double sum = 0.0, previous_tp = 0.0;
    for (const curve_point& p : points) {
        sum += (p.tp - previous_tp) * ratio_or_zero(p.tp, p.tp + p.fp);
        previous_tp = p.tp;
    }
    return sum / previous_tp;
}

/// Weighted mean of -[y log p + (1 - y) log(1 - p)], p clipped to [eps, 1 - eps].
template <class YT, class YS, class W>
double log_loss(const checked_inputs<YT, YS, W>& in, const log_loss_options& options) {
    const double eps = options.eps.value_or(static_cast<double>(std::numeric_limits<YS>::epsilon()));
    if (!(eps >= 0.0 && eps < 0.5)) {
        fail<argument_error>(in.fn, "eps must be in [0, 0.5), got ", format_number(eps));
    }
    in.require_binary_labels();
    in.require_probabilities();
    return in.weighted_mean([&](std::size_t i) {
        const double p = std::clamp(in.score(i), eps, 1.0 - eps);
        return in.truth(i) == 1.0 ? -std::log(p) : -std::log(1.0 - p);
    });
}

/// Weighted mean of (y - p)^2 for probabilities p.
template <class YT, class YS, class W>
double brier_score(const checked_inputs<YT, YS, W>& in) {
    in.require_binary_labels();
    in.require_probabilities();
    return mean_squared_difference(in);
}

}  // namespace detail

/// Confusion counts (tn, fp, fn, tp) of hard labels `score >= threshold` (or `>`) against y_true;
/// with sample_weight each cell holds the sum of its samples' weights.
inline constexpr auto confusion_matrix = detail::make_metric<classification_options>(
    "confusion_matrix", "y_score", [](const auto& in, const classification_options& o) { return detail::confusion_of(in, o); });

/// Fraction of samples whose hard label (score >= threshold) equals y_true (weighted: weight of the
/// correct samples over the total weight).
inline constexpr auto accuracy_score = detail::make_metric<classification_options>("accuracy_score", "y_score", detail::confusion_ratio{detail::accuracy_of});

/// Precision tp / (tp + fp) of class 1; 0 when nothing (no weight) is predicted positive.
inline constexpr auto precision_score = detail::make_metric<classification_options>("precision_score", "y_score", detail::confusion_ratio{detail::precision_of});

/// Recall tp / (tp + fn) of class 1; 0 when y_true has no positives (of positive weight).
inline constexpr auto recall_score = detail::make_metric<classification_options>("recall_score", "y_score", detail::confusion_ratio{detail::recall_of});

/// F1 = 2PR / (P + R) of class 1 (weighted: from weighted precision and recall); 0 when P and R are both 0.
inline constexpr auto f1_score = detail::make_metric<classification_options>("f1_score", "y_score", detail::confusion_ratio{detail::f1_of});

/// Area under the ROC curve; tied scores count 1/2 (trapezoid over distinct thresholds); weighted,
/// the curve's points are cumulative weights instead of counts. Needs both classes.
inline constexpr auto roc_auc_score = detail::make_metric("roc_auc_score", "y_score", [](const auto& in) { return detail::roc_auc(in); });

/// The points of a ROC curve: false- and true-positive rates at each threshold (highest first).
struct roc_points {
    std::vector<double> fpr;         ///< weighted false-positive rate of score >= threshold
    std::vector<double> tpr;         ///< weighted true-positive rate of score >= threshold
    std::vector<double> thresholds;  ///< +inf (the point (0, 0)), then every distinct score, descending
};

namespace detail {
/// ROC points of checked inputs (scikit-learn's roc_curve with drop_intermediate=False).
template <class YT, class YS, class W>
roc_points roc_curve(const checked_inputs<YT, YS, W>& in) {
    const auto points = checked_binary_curve(in, "the ROC curve");
    const double negatives = points.back().fp, positives = points.back().tp;
    roc_points out;
    out.fpr.push_back(0.0);
    out.tpr.push_back(0.0);
    out.thresholds.push_back(std::numeric_limits<double>::infinity());
    for (const curve_point& p : points) {
        out.fpr.push_back(p.fp / negatives);
        out.tpr.push_back(p.tp / positives);
        out.thresholds.push_back(p.threshold);
    }
    return out;
}
}  // namespace detail

/// The ROC curve: one point per distinct score (as scikit-learn's roc_curve with
/// drop_intermediate=False), starting at (0, 0) with threshold +inf; its trapezoid area is
/// roc_auc_score; weighted, the rates are of cumulative weights. Needs both classes.
inline constexpr auto roc_curve = detail::make_metric("roc_curve", "y_score", [](const auto& in) { return detail::roc_curve(in); });

/// Average precision: sum over distinct thresholds of (R_n - R_{n-1}) * P_n (no interpolation;
/// weighted, from cumulative weights). Needs both classes.
inline constexpr auto average_precision_score =
    detail::make_metric("average_precision_score", "y_score", [](const auto& in) { return detail::average_precision(in); });

/// Mean binary cross-entropy (natural log; weighted mean with sample_weight) of probabilities in
/// [0, 1], clipped to [eps, 1 - eps].
inline constexpr auto log_loss = detail::make_metric<log_loss_options>(
    "log_loss", "y_score", [](const auto& in, const log_loss_options& o) { return detail::log_loss(in, o); });

/// Brier score: mean of (y - p)^2 for probabilities p in [0, 1] (scikit-learn's brier_score_loss;
/// weighted mean with sample_weight).
inline constexpr auto brier_score = detail::make_metric("brier_score", "y_score", [](const auto& in) { return detail::brier_score(in); });

/// Declares (`extern`) or defines (empty) the explicit instantiations of the classification metrics
/// computations for labels YT, scores YS and weights W: with CAUSALREC_COMPILED the headers declare
/// them for (float, float, double) and (double, double, double) and causalrec::compiled defines them.
#define CAUSALREC_METRICS_CLASSIFICATION_INSTANTIATIONS(EXTERN, YT, YS, W)                                              \
    EXTERN template binary_confusion detail::confusion_of<YT, YS, W>(const detail::checked_inputs<YT, YS, W>&,           \
                                                                    const classification_options&);                  \
    EXTERN template double detail::roc_auc<YT, YS, W>(const detail::checked_inputs<YT, YS, W>&);                         \
    EXTERN template double detail::average_precision<YT, YS, W>(const detail::checked_inputs<YT, YS, W>&);               \
    EXTERN template double detail::log_loss<YT, YS, W>(const detail::checked_inputs<YT, YS, W>&, const log_loss_options&); \
    EXTERN template double detail::brier_score<YT, YS, W>(const detail::checked_inputs<YT, YS, W>&);                     \
    EXTERN template roc_points detail::roc_curve<YT, YS, W>(const detail::checked_inputs<YT, YS, W>&);

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_METRICS_CLASSIFICATION_INSTANTIATIONS(extern, float, float, double)
CAUSALREC_METRICS_CLASSIFICATION_INSTANTIATIONS(extern, double, double, double)
#endif

}  // namespace causalrec::metrics
