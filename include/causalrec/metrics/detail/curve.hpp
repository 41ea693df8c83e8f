#pragma once
/// @file
/// Implementation helper of the metrics module (not API): the cumulative true- and false-positive
/// weights at each distinct score threshold, as scikit-learn's _binary_clf_curve computes them.

#include <algorithm>
#include <cstddef>
#include <vector>

#include "input.hpp"

namespace causalrec::metrics::detail {

/// Cumulative weights of the samples scored at or above one distinct threshold.
struct curve_point {
    double fp;  ///< weight of negatives with score >= threshold
    double tp;  ///< weight of positives with score >= threshold
    double threshold;  ///< the distinct score of this point
};

/// One point per distinct score, from the highest score down; the last point holds the class totals.
/// As in scikit-learn 1.2: zero-weight samples are dropped, scores are sorted with a stable ascending
/// sort and walked from the end, and the sums are plain running sums, so the points match its tps/fps.
template <class YT, class YS, class W>
std::vector<curve_point> binary_curve(const checked_inputs<YT, YS, W>& in) {
    struct row {
        double score;
        double label;
        double weight;
    };
    std::vector<row> rows;
    rows.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in.weight(i) != 0.0) rows.push_back({in.score(i), in.truth(i), in.weight(i)});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.score < b.score; });

    std::vector<curve_point> points;
    double tp = 0.0, fp = 0.0;
    for (std::size_t k = rows.size(); k-- > 0;) {
        tp += rows[k].label * rows[k].weight;
        fp += (1.0 - rows[k].label) * rows[k].weight;
        if (k == 0 || rows[k - 1].score != rows[k].score) points.push_back({fp, tp, rows[k].score});
    }
    return points;
}

/// Throws argument_error unless both classes occur in y_true with a positive total weight
/// (ROC-AUC and average precision are undefined otherwise). Labels must already be checked binary.
template <class YT, class YS, class W>
void require_both_classes(const checked_inputs<YT, YS, W>& in, const char* metric) {
    std::size_t positives = 0;
    compensated_sum positive_weight, negative_weight;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const bool positive = in.truth(i) == 1.0;
        positives += positive ? 1 : 0;
        (positive ? positive_weight : negative_weight).add(in.weight(i));
    }
    if (positives == 0 || positives == in.size()) {
        fail<argument_error>(in.fn, "only one class present in y_true (all ", in.size(), " labels are ",
                             positives == 0 ? "0" : "1", "); ", metric, " is not defined in that case");
    }
    if (!(positive_weight.value() > 0.0) || !(negative_weight.value() > 0.0)) {
        fail<argument_error>(in.fn, "class ", positive_weight.value() > 0.0 ? "0" : "1", " has zero total sample_weight; ",
                             metric, " is not defined in that case");
    }
}

/// The points of binary_curve after the checks every curve metric needs: 0/1 labels, finite scores
/// and both classes present with positive weight (`metric` names the metric in the message).
template <class YT, class YS, class W>
std::vector<curve_point> checked_binary_curve(const checked_inputs<YT, YS, W>& in, const char* metric) {
    in.require_binary_labels();
    in.require_finite_scores();
    require_both_classes(in, metric);
    return binary_curve(in);
}

}  // namespace causalrec::metrics::detail
