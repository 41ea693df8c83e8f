// Tests of the metrics module. Expected values are either worked out by hand (the arithmetic is in the
// comments) or computed with scikit-learn 1.2.1 / numpy 1.24.2 (/usr/bin/python3) and pasted with the
// call that produced them.
#include <causalrec/metrics/metrics.hpp>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_metrics {

namespace cr = causalrec;
namespace m = causalrec::metrics;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinRel;

namespace {

constexpr double rel = 1e-12;

// Case A: 8 samples, 4 positives, three scores tied at 0.5 (one of each class among them and one more
// positive), used by most classification tests.
//   i      0    1    2    3    4    5    6    7
//   y      0    1    0    1    1    0    1    0
//   s     0.2  0.5  0.5  0.9  0.3  0.7  0.5  0.1
//   w      1    2   0.5   1    3    1    0    2
const std::vector<int> y_a{0, 1, 0, 1, 1, 0, 1, 0};
const std::vector<double> s_a{0.2, 0.5, 0.5, 0.9, 0.3, 0.7, 0.5, 0.1};
const std::vector<double> w_a{1, 2, 0.5, 1, 3, 1, 0, 2};

// Case B: 40 samples with many ties (scores rounded to 0.1) and weights with three zeros, generated with
// numpy.random.default_rng(7) in a throw-away script (y = rng.random(40) < 0.4; s = round(clip(0.3 y +
// 0.7 rng.random(40), 0, 1), 1); w = round(3 rng.random(40), 2), w[[3, 17, 25]] = 0).
const std::vector<int> y_b{0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0,
                           1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1};
const std::vector<double> s_b{0.2, 0.6, 0.4, 0.9, 0.7, 0.5, 0.4, 0.4, 0.4, 0.6, 0.6, 0.7, 0.3, 0.3,
                              0.2, 0.1, 0.6, 0.3, 0.7, 0.4, 0.7, 0.7, 0.5, 0.4, 0.6, 0.2, 0.3, 0.1,
                              0.7, 0.2, 0.5, 0.5, 0.9, 0.8, 0.1, 0.9, 1.0, 0.9, 0.4, 0.4};
const std::vector<double> w_b{0.58, 2.78, 1.66, 0.0,  2.65, 1.92, 1.71, 1.13, 1.23, 0.72, 0.11, 2.63, 1.4,  1.64,
                              0.97, 2.25, 0.08, 0.0,  0.09, 0.37, 2.9,  1.97, 1.28, 1.57, 2.62, 0.0,  1.77, 2.05,
                              1.07, 1.56, 2.3,  2.73, 0.45, 2.8,  0.02, 2.26, 2.43, 0.41, 1.26, 2.45};

/// The message of the causalrec::error that f throws (fails the test if it throws nothing).
template <class E, class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    FAIL("expected an exception");
    return {};
}

}  // namespace

TEST_CASE("confusion matrix, accuracy, precision, recall, F1 at threshold >= 0.5 (hand-computed)", "[metrics]") {
    // Predicted 1 iff s >= 0.5: p = 0 1 1 1 0 1 1 0
    //   tn = {0, 7} = 2, fp = {2, 5} = 2, fn = {4} = 1, tp = {1, 3, 6} = 3
    const m::binary_confusion c = m::confusion_matrix(y_a, s_a);
    CHECK(c == m::binary_confusion{.tn = 2, .fp = 2, .fn = 1, .tp = 3});
    CHECK(c.total() == 8);
    CHECK_THAT(m::accuracy_score(y_a, s_a), WithinRel(5.0 / 8.0, rel));  // (3 + 2) / 8
    CHECK_THAT(m::precision_score(y_a, s_a), WithinRel(0.6, rel));       // 3 / (3 + 2)
    CHECK_THAT(m::recall_score(y_a, s_a), WithinRel(0.75, rel));         // 3 / (3 + 1)
    CHECK_THAT(m::f1_score(y_a, s_a), WithinRel(2.0 / 3.0, rel));        // 2 * 0.6 * 0.75 / 1.35
    // scikit-learn 1.2.1: f1_score(y, s >= 0.5) == 0.6666666666666665
    CHECK_THAT(m::f1_score(y_a, s_a), WithinRel(0.6666666666666665, rel));
    // An explicit default threshold changes nothing.
    CHECK(m::accuracy_score(y_a, s_a, {.threshold = 0.5}) == m::accuracy_score(y_a, s_a));
}

TEST_CASE("the strict rule (score > threshold) and other thresholds", "[metrics]") {
    const m::classification_options strict{.threshold = 0.5, .rule = m::threshold_rule::greater};
    // Predicted 1 iff s > 0.5: p = 0 0 0 1 0 1 0 0
    //   tn = {0, 2, 7} = 3, fp = {5} = 1, fn = {1, 4, 6} = 3, tp = {3} = 1
    CHECK(m::confusion_matrix(y_a, s_a, strict) == m::binary_confusion{.tn = 3, .fp = 1, .fn = 3, .tp = 1});
    CHECK_THAT(m::accuracy_score(y_a, s_a, strict), WithinRel(0.5, rel));   // 4 / 8
    CHECK_THAT(m::precision_score(y_a, s_a, strict), WithinRel(0.5, rel));  // 1 / 2
    CHECK_THAT(m::recall_score(y_a, s_a, strict), WithinRel(0.25, rel));    // 1 / 4
    CHECK_THAT(m::f1_score(y_a, s_a, strict), WithinRel(1.0 / 3.0, rel));   // 2 * .5 * .25 / .75
    // Threshold 0.3 with >=: p = 0 1 1 1 1 1 1 0 -> tn 2, fp 2, fn 0, tp 4
    CHECK(m::confusion_matrix(y_a, s_a, {.threshold = 0.3}) == m::binary_confusion{.tn = 2, .fp = 2, .fn = 0, .tp = 4});
    // Hard 0/1 predictions pass through the default threshold unchanged.
    const std::vector<int> hard{0, 1, 1, 1, 0, 1, 1, 0};
    CHECK(m::confusion_matrix(y_a, hard) == m::confusion_matrix(y_a, s_a));
}

TEST_CASE("weighted thresholded metrics (hand-computed and scikit-learn)", "[metrics]") {
    // >= 0.5: tn = w0 + w7 = 3, fp = w2 + w5 = 1.5, fn = w4 = 3, tp = w1 + w3 + w6 = 2 + 1 + 0 = 3
    CHECK(m::confusion_matrix(y_a, s_a, w_a) == m::binary_confusion{.tn = 3, .fp = 1.5, .fn = 3, .tp = 3});
    CHECK_THAT(m::accuracy_score(y_a, s_a, w_a), WithinRel(6.0 / 10.5, rel));  // (3 + 3) / 10.5
    CHECK_THAT(m::precision_score(y_a, s_a, w_a), WithinRel(2.0 / 3.0, rel));  // 3 / 4.5
    CHECK_THAT(m::recall_score(y_a, s_a, w_a), WithinRel(0.5, rel));           // 3 / 6
    CHECK_THAT(m::f1_score(y_a, s_a, w_a), WithinRel(4.0 / 7.0, rel));         // 2 (2/3)(1/2) / (7/6)
    // scikit-learn 1.2.1, p = (s > 0.5): confusion_matrix(y, p, sample_weight=w).ravel() == [3.5, 1, 5, 1],
    // accuracy 0.42857142857142855, precision 0.5, recall 0.16666666666666666, f1 0.25
    const m::classification_options strict{.rule = m::threshold_rule::greater};
    CHECK(m::confusion_matrix(y_a, s_a, w_a, strict) == m::binary_confusion{.tn = 3.5, .fp = 1, .fn = 5, .tp = 1});
    CHECK_THAT(m::accuracy_score(y_a, s_a, w_a, strict), WithinRel(0.42857142857142855, rel));
    CHECK_THAT(m::precision_score(y_a, s_a, w_a, strict), WithinRel(0.5, rel));
    CHECK_THAT(m::recall_score(y_a, s_a, w_a, strict), WithinRel(0.16666666666666666, rel));
    CHECK_THAT(m::f1_score(y_a, s_a, w_a, strict), WithinRel(0.25, rel));
    // scikit-learn 1.2.1, case B, p = (s >= 0.5): confusion_matrix(y, p, sample_weight=w).ravel() ==
    // [16.49, 10.239999999999998, 7.13, 23.959999999999997]; accuracy_score 0.699584918713248,
    // precision_score 0.7005847953216374, recall_score 0.7706658089417817, f1_score 0.733956195435748
    const auto c = m::confusion_matrix(y_b, s_b, w_b);
    CHECK_THAT(c.tn, WithinRel(16.49, rel));
    CHECK_THAT(c.fp, WithinRel(10.239999999999998, rel));
    CHECK_THAT(c.fn, WithinRel(7.13, rel));
    CHECK_THAT(c.tp, WithinRel(23.959999999999997, rel));
    CHECK_THAT(m::accuracy_score(y_b, s_b, w_b), WithinRel(0.699584918713248, rel));
    CHECK_THAT(m::precision_score(y_b, s_b, w_b), WithinRel(0.7005847953216374, rel));
    CHECK_THAT(m::recall_score(y_b, s_b, w_b), WithinRel(0.7706658089417817, rel));
    CHECK_THAT(m::f1_score(y_b, s_b, w_b), WithinRel(0.733956195435748, rel));
    // Unit weights give the unweighted values.
    const std::vector<double> ones(y_b.size(), 1.0);
    CHECK(m::confusion_matrix(y_b, s_b, ones) == m::confusion_matrix(y_b, s_b));
}

TEST_CASE("zero division follows scikit-learn's default: 0, no exception", "[metrics]") {
    const std::vector<int> y{0, 1, 1, 0};
    const std::vector<double> low{0.1, 0.2, 0.3, 0.4};  // nothing predicted positive at 0.5
    CHECK(m::precision_score(y, low) == 0.0);           // tp + fp = 0
    CHECK(m::recall_score(y, low) == 0.0);              // tp = 0 of 2
    CHECK(m::f1_score(y, low) == 0.0);                  // P + R = 0
    CHECK_THAT(m::accuracy_score(y, low), WithinRel(0.5, rel));
    const std::vector<int> negatives{0, 0, 0, 0};
    const std::vector<double> s{0.1, 0.9, 0.2, 0.8};
    CHECK(m::recall_score(negatives, s) == 0.0);  // tp + fn = 0
    CHECK(m::precision_score(negatives, s) == 0.0);
    CHECK(m::f1_score(negatives, s) == 0.0);
    // Weighted: the predicted positives carry zero weight.
    const std::vector<double> w{1, 0, 1, 0};
    CHECK(m::precision_score(negatives, s, w) == 0.0);
}

TEST_CASE("ROC-AUC with ties: a tied positive/negative pair counts 1/2", "[metrics]") {
    // 4 positives x 4 negatives = 16 pairs; negatives score 0.2, 0.5, 0.7, 0.1.
    //   positive 0.5: beats 0.2 and 0.1, ties 0.5 (1/2), loses to 0.7 -> 2.5
    //   positive 0.9: beats all -> 4;  positive 0.3: beats 0.2 and 0.1 -> 2;  positive 0.5: 2.5
    //   AUC = (2.5 + 4 + 2 + 2.5) / 16 = 11 / 16; scikit-learn 1.2.1: roc_auc_score(y, s) == 0.6875
    CHECK_THAT(m::roc_auc_score(y_a, s_a), WithinRel(11.0 / 16.0, rel));
    // Weighted pairs (zero-weight sample 6 drops out): P = 2 + 1 + 3 = 6, N = 1 + .5 + 1 + 2 = 4.5
    //   positive 1 (w 2): beats w0 + w7 = 3, ties w2 = .5 -> 3.25 * 2 = 6.5
    //   positive 3 (w 1): beats all 4.5 -> 4.5;  positive 4 (w 3): beats w0 + w7 = 3 -> 9
    //   AUC = 20 / 27; scikit-learn 1.2.1: roc_auc_score(y, s, sample_weight=w) == 0.7407407407407407
    CHECK_THAT(m::roc_auc_score(y_a, s_a, w_a), WithinRel(20.0 / 27.0, rel));
    // scikit-learn 1.2.1: roc_auc_score(y, s) == 0.8375959079283888 and with sample_weight=w 0.8388954289208033
    CHECK_THAT(m::roc_auc_score(y_b, s_b), WithinRel(0.8375959079283888, rel));
    CHECK_THAT(m::roc_auc_score(y_b, s_b, w_b), WithinRel(0.8388954289208033, rel));
    // Perfect, reversed and constant scores.
    const std::vector<int> y{0, 0, 1, 1};
    CHECK(m::roc_auc_score(y, std::vector<double>{0.1, 0.2, 0.3, 0.4}) == 1.0);
    CHECK(m::roc_auc_score(y, std::vector<double>{0.4, 0.3, 0.2, 0.1}) == 0.0);
    CHECK(m::roc_auc_score(y, std::vector<double>{0.5, 0.5, 0.5, 0.5}) == 0.5);
    // Only the ranking matters, so logits work as well as probabilities: positive 2 beats -3 and loses to 7,
    // positive 9 beats both -> 3 / 4.
    CHECK(m::roc_auc_score(y, std::vector<double>{-3.0, 7.0, 2.0, 9.0}) == 0.75);
    CHECK(m::roc_auc_score(y, std::vector<double>{0.1, 0.8, 0.4, 0.9}) == 0.75);
}

TEST_CASE("ROC curve: scikit-learn's documentation example, weights, and its area is roc_auc_score", "[metrics]") {
    // scikit-learn's roc_curve documentation: y = [1, 1, 2, 2] (positive 2), scores [0.1, 0.4, 0.35, 0.8],
    // drop_intermediate=False -> fpr [0, 0, 0.5, 0.5, 1], tpr [0, 0.5, 0.5, 1, 1], thresholds [inf, 0.8, 0.4, 0.35, 0.1].
    const auto c = m::roc_curve(std::vector<int>{0, 0, 1, 1}, std::vector<double>{0.1, 0.4, 0.35, 0.8});
    CHECK(c.fpr == std::vector<double>{0, 0, 0.5, 0.5, 1});
    CHECK(c.tpr == std::vector<double>{0, 0.5, 0.5, 1, 1});
    CHECK(c.thresholds == std::vector<double>{HUGE_VAL, 0.8, 0.4, 0.35, 0.1});
    // Ties share one point; the trapezoid area of the points is the AUC (11/16 for the tied set above).
    const auto t = m::roc_curve(y_a, s_a);
    double area = 0.0;
    for (std::size_t k = 1; k < t.fpr.size(); ++k) area += (t.fpr[k] - t.fpr[k - 1]) * (t.tpr[k] + t.tpr[k - 1]) / 2;
    CHECK_THAT(area, WithinRel(m::roc_auc_score(y_a, s_a), 1e-12));
    CHECK(std::adjacent_find(t.thresholds.begin(), t.thresholds.end()) == t.thresholds.end());
    // Weighted: rates of cumulative weights; the zero-weight sample gives no point.
    const auto w = m::roc_curve(y_a, s_a, w_a);
    double weighted_area = 0.0;
    for (std::size_t k = 1; k < w.fpr.size(); ++k)
        weighted_area += (w.fpr[k] - w.fpr[k - 1]) * (w.tpr[k] + w.tpr[k - 1]) / 2;
    CHECK_THAT(weighted_area, WithinRel(20.0 / 27.0, 1e-12));
    CHECK(w.fpr.back() == 1.0);
    CHECK(w.tpr.back() == 1.0);
    CHECK_THROWS_WITH(m::roc_curve(std::vector<int>{1, 1}, std::vector<double>{0.2, 0.3}),
                      Contains("roc_curve") && Contains("only one class"));
}

TEST_CASE("average precision: sum of (R_n - R_{n-1}) P_n over distinct thresholds", "[metrics]") {
    // Thresholds from the top, cumulative (tp, fp): 0.9 (1, 0), 0.7 (1, 1), 0.5 (3, 2), 0.3 (4, 2),
    // 0.2 (4, 3), 0.1 (4, 4); P = 4.
    //   AP = 1/4 * 1 + 2/4 * 3/5 + 1/4 * 4/6 = 0.25 + 0.3 + 1/6 = 43 / 60
    //   scikit-learn 1.2.1: average_precision_score(y, s) == 0.7166666666666667
    CHECK_THAT(m::average_precision_score(y_a, s_a), WithinRel(43.0 / 60.0, rel));
    // Weighted (sample 6 has weight 0): (tp, fp) = 0.9 (1, 0), 0.7 (1, 1), 0.5 (3, 1.5), 0.3 (6, 1.5), ...
    //   AP = 1/6 * 1 + 2/6 * 3/4.5 + 3/6 * 6/7.5 = 71 / 90
    //   scikit-learn 1.2.1: average_precision_score(y, s, sample_weight=w) == 0.7888888888888889
    CHECK_THAT(m::average_precision_score(y_a, s_a, w_a), WithinRel(71.0 / 90.0, rel));
    // scikit-learn 1.2.1: average_precision_score(y, s) == 0.7961452698357603, weighted 0.856920006418667
    CHECK_THAT(m::average_precision_score(y_b, s_b), WithinRel(0.7961452698357603, rel));
    CHECK_THAT(m::average_precision_score(y_b, s_b, w_b), WithinRel(0.856920006418667, rel));
    // Perfect ranking gives 1; constant scores give the positive rate.
    const std::vector<int> y{0, 1, 0, 1};
    CHECK(m::average_precision_score(y, std::vector<double>{0.1, 0.9, 0.2, 0.8}) == 1.0);
    CHECK(m::average_precision_score(y, std::vector<double>{0.3, 0.3, 0.3, 0.3}) == 0.5);
}

TEST_CASE("log-loss and Brier score", "[metrics]") {
    // Per-sample losses: y = 1 -> -log s, y = 0 -> -log(1 - s):
    //   -log .8, -log .5, -log .5, -log .9, -log .3, -log .3, -log .5, -log .9
    const double sum = -(std::log(0.8) + 3 * std::log(0.5) + 2 * std::log(0.9) + 2 * std::log(0.3));
    CHECK_THAT(m::log_loss(y_a, s_a), WithinRel(sum / 8, rel));
    // scikit-learn 1.2.1: log_loss(y, s) == 0.6151564666201962
    CHECK_THAT(m::log_loss(y_a, s_a), WithinRel(0.6151564666201962, rel));
    // Weighted: sum w_i l_i / 10.5
    const double wsum = -(1 * std::log(0.8) + 2 * std::log(0.5) + 0.5 * std::log(0.5) + 1 * std::log(0.9) +
                          3 * std::log(0.3) + 1 * std::log(0.3) + 0 * std::log(0.5) + 2 * std::log(0.9));
    CHECK_THAT(m::log_loss(y_a, s_a, w_a), WithinRel(wsum / 10.5, rel));
    // scikit-learn 1.2.1: log_loss(y, s, sample_weight=w) == 0.6750461206658377
    CHECK_THAT(m::log_loss(y_a, s_a, w_a), WithinRel(0.6750461206658377, rel));
    // scikit-learn 1.2.1: log_loss(y, s, eps=1e-15) == 0.4951999216642854, weighted 0.4935546520332161
    CHECK_THAT(m::log_loss(y_b, s_b), WithinRel(0.4951999216642854, rel));
    CHECK_THAT(m::log_loss(y_b, s_b, w_b), WithinRel(0.4935546520332161, rel));

    // Brier: (.04 + .25 + .25 + .01 + .49 + .49 + .25 + .01) / 8 = 1.79 / 8
    // scikit-learn 1.2.1: brier_score_loss(y, s) == 0.22374999999999998, weighted 0.25285714285714284
    CHECK_THAT(m::brier_score(y_a, s_a), WithinRel(1.79 / 8, rel));
    CHECK_THAT(m::brier_score(y_a, s_a), WithinRel(0.22374999999999998, rel));
    CHECK_THAT(m::brier_score(y_a, s_a, w_a), WithinRel(0.25285714285714284, rel));
    // scikit-learn 1.2.1: brier_score_loss(y, s) == 0.16625, weighted 0.1649169837426496
    CHECK_THAT(m::brier_score(y_b, s_b), WithinRel(0.16625, rel));
    CHECK_THAT(m::brier_score(y_b, s_b, w_b), WithinRel(0.1649169837426496, rel));
}

TEST_CASE("log-loss clips probabilities to eps and 1 - eps", "[metrics]") {
    const std::vector<int> y{1, 0, 1, 0};
    const std::vector<double> s{0.0, 1.0, 1.0, 0.25};
    // eps = 1e-15: losses -log(1e-15), -log(1 - (1 - 1e-15)), -log(1 - 1e-15), -log(0.75).
    // scikit-learn 1.2.1: log_loss(y, s, eps=1e-15) == 17.341508614925836
    CHECK_THAT(m::log_loss(y, s, {.eps = 1e-15}), WithinRel(17.341508614925836, rel));
    // The default is scikit-learn 1.2.1's eps="auto": the machine epsilon of the score type.
    // scikit-learn 1.2.1: log_loss(y, s) == 18.093747212671524 (float64 scores)
    CHECK_THAT(m::log_loss(y, s), WithinRel(18.093747212671524, rel));
    CHECK_THAT(m::log_loss(y, s, {.eps = DBL_EPSILON}), WithinRel(18.093747212671524, rel));
    // float scores clip at float's epsilon; by hand: (-log(eps) - log(eps) - log(1 - eps) - log(0.75)) / 4.
    const std::vector<float> sf{0.0f, 1.0f, 1.0f, 0.25f};
    const double fe = static_cast<double>(FLT_EPSILON);
    const double expected_f = (-std::log(fe) - std::log(fe) - std::log(1.0 - fe) - std::log(0.75)) / 4.0;
    CHECK_THAT(m::log_loss(y, sf), WithinRel(expected_f, rel));
    // eps = 0 disables clipping: a confident mistake costs infinity.
    CHECK(std::isinf(m::log_loss(y, s, {.eps = 0.0})));
}

TEST_CASE("float, int and double inputs of every container kind give the same numbers", "[metrics]") {
    // Scores exactly representable in float, so float and double inputs hold the same values.
    const std::vector<double> sd{0.25, 0.5, 0.5, 0.875, 0.375, 0.75, 0.5, 0.125};
    const std::vector<float> sf{0.25f, 0.5f, 0.5f, 0.875f, 0.375f, 0.75f, 0.5f, 0.125f};
    const std::vector<float> yf{0, 1, 0, 1, 1, 0, 1, 0};
    const std::vector<float> wf{1, 2, 0.5f, 1, 3, 1, 0, 2};
    // scikit-learn 1.2.1 on the float64 values: roc_auc_score 0.6875, average_precision_score 0.7166666666666667,
    // log_loss 0.6251637516890349, brier_score_loss 0.224609375; with sample_weight=w: roc_auc_score
    // 0.7407407407407407, average_precision_score 0.7888888888888889, log_loss 0.6428501258933602
    CHECK_THAT(m::roc_auc_score(y_a, sf), WithinRel(0.6875, rel));
    CHECK_THAT(m::average_precision_score(yf, sf), WithinRel(0.7166666666666667, rel));
    CHECK_THAT(m::log_loss(y_a, sf), WithinRel(0.6251637516890349, rel));
    CHECK_THAT(m::brier_score(yf, sf), WithinRel(0.224609375, rel));
    CHECK_THAT(m::roc_auc_score(yf, sf, wf), WithinRel(0.7407407407407407, rel));
    CHECK_THAT(m::average_precision_score(y_a, sf, w_a), WithinRel(0.7888888888888889, rel));
    CHECK_THAT(m::log_loss(yf, sf, wf), WithinRel(0.6428501258933602, rel));
    CHECK(m::log_loss(yf, sf) == m::log_loss(y_a, sd));  // computed in double whatever the input type
    CHECK(m::accuracy_score(yf, sf) == m::accuracy_score(y_a, sd));

    // xtensor: a vector, an (n, 1) column (a model's output), a contiguous view honouring its offset.
    const cr::vector<double> yx = {0, 1, 0, 1, 1, 0, 1, 0};
    cr::matrix<float> column({8, 1});
    for (std::size_t i = 0; i < 8; ++i) column(i, 0) = sf[i];
    CHECK_THAT(m::roc_auc_score(yx, column), WithinRel(0.6875, rel));
    CHECK(m::confusion_matrix(yx, column) == m::confusion_matrix(y_a, sd));
    cr::vector<double> padded = {9.0, 9.0, 0.25, 0.5, 0.5, 0.875, 0.375, 0.75, 0.5, 0.125};
    auto tail = xt::view(padded, xt::range(2, 10));
    CHECK(m::log_loss(yx, tail) == m::log_loss(y_a, sd));
    // std::span, std::array and a bool label array.
    const std::span<const double> span(sd);
    const std::array<int, 8> ya{0, 1, 0, 1, 1, 0, 1, 0};
    CHECK(m::brier_score(ya, span) == m::brier_score(y_a, sd));
    xt::xtensor<bool, 1> yb = {false, true, false, true, true, false, true, false};
    CHECK(m::average_precision_score(yb, span) == m::average_precision_score(y_a, sd));
    // Regression on xtensor and float.
    const cr::vector<float> t = {3.0f, -0.5f, 2.0f, 7.0f};
    const std::vector<double> p{2.5, 0.0, 2, 8};
    CHECK(m::mean_squared_error(t, p) == 0.375);
}

TEST_CASE("regression metrics (scikit-learn documentation example)", "[metrics]") {
    const std::vector<double> y{3, -0.5, 2, 7};
    const std::vector<double> p{2.5, 0.0, 2, 8};
    const std::vector<double> w{1, 2, 3, 4};
    // Errors 0.5, -0.5, 0, -1: MSE = (.25 + .25 + 0 + 1) / 4 = 0.375, MAE = (.5 + .5 + 0 + 1) / 4 = 0.5
    CHECK_THAT(m::mean_squared_error(y, p), WithinRel(0.375, rel));
    CHECK_THAT(m::root_mean_squared_error(y, p), WithinRel(std::sqrt(0.375), rel));
    CHECK_THAT(m::mean_absolute_error(y, p), WithinRel(0.5, rel));
    // R2: mean 2.875, SS_tot = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875, SS_res = 1.5
    CHECK_THAT(m::r2_score(y, p), WithinRel(1.0 - 1.5 / 29.1875, rel));
    // scikit-learn 1.2.1: r2_score(y, p) == 0.9486081370449679
    CHECK_THAT(m::r2_score(y, p), WithinRel(0.9486081370449679, rel));
    // Weighted: MSE = (.25 + .5 + 0 + 4) / 10 = 0.475, MAE = (.5 + 1 + 0 + 4) / 10 = 0.55
    // scikit-learn 1.2.1: mean_squared_error(y, p, sample_weight=w) == 0.475,
    // mean_squared_error(..., squared=False) == 0.689202437604511, mean_absolute_error 0.55,
    // r2_score(y, p, sample_weight=w) == 0.9459613196814562
    CHECK_THAT(m::mean_squared_error(y, p, w), WithinRel(0.475, rel));
    CHECK_THAT(m::root_mean_squared_error(y, p, w), WithinRel(0.689202437604511, rel));
    CHECK_THAT(m::mean_absolute_error(y, p, w), WithinRel(0.55, rel));
    CHECK_THAT(m::r2_score(y, p, w), WithinRel(0.9459613196814562, rel));
    // Constant target: 1 for exact predictions, else 0 (scikit-learn's force_finite=True; 1.2.1 returns
    // r2_score([1, 1, 1], [1, 1, 1]) == 1.0 and r2_score([1, 1, 1], [1, 2, 1]) == 0.0).
    const std::vector<double> c{1, 1, 1};
    CHECK(m::r2_score(c, c) == 1.0);
    CHECK(m::r2_score(c, std::vector<double>{1, 2, 1}) == 0.0);
    CHECK(m::mean_squared_error(c, c) == 0.0);
}

TEST_CASE("errors: lengths, empty input, NaN, labels, one class, weights, shapes, options", "[metrics]") {
    const std::vector<int> y{0, 1, 0, 1};
    const std::vector<double> s{0.1, 0.9, 0.2, 0.8};
    const std::vector<double> s3{0.1, 0.9, 0.2};
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();

    // Length mismatch names both lengths.
    auto msg = message_of<cr::shape_error>([&] { (void)m::roc_auc_score(y, s3); });
    CHECK_THAT(msg, Contains("roc_auc_score") && Contains("y_true has 4 values but y_score has 3"));
    msg = message_of<cr::shape_error>([&] { (void)m::mean_squared_error(s3, s); });
    CHECK_THAT(msg, Contains("y_true has 3 values but y_pred has 4"));
    msg = message_of<cr::shape_error>([&] { (void)m::accuracy_score(y, s, s3); });
    CHECK_THAT(msg, Contains("sample_weight has 3 values but y_true has 4"));

    // Empty input.
    const std::vector<int> none;
    const std::vector<double> nothing;
    CHECK_THROWS_AS(m::accuracy_score(none, nothing), cr::argument_error);
    CHECK_THROWS_AS(m::r2_score(nothing, nothing), cr::argument_error);
    CHECK_THROWS_AS(m::log_loss(none, nothing, nothing), cr::argument_error);

    // NaN or infinity in labels, scores, predictions.
    const std::vector<double> y_nan{0, 1, nan, 1};
    msg = message_of<cr::numeric_error>([&] { (void)m::f1_score(y_nan, s); });
    CHECK_THAT(msg, Contains("f1_score") && Contains("y_true[2] is nan"));
    const std::vector<double> s_nan{0.1, 0.9, 0.2, nan};
    msg = message_of<cr::numeric_error>([&] { (void)m::roc_auc_score(y, s_nan); });
    CHECK_THAT(msg, Contains("y_score[3] is nan"));
    CHECK_THROWS_AS(m::log_loss(y, s_nan), cr::numeric_error);
    CHECK_THROWS_AS(m::precision_score(y, std::vector<double>{inf, 0.1, 0.2, 0.3}), cr::numeric_error);
    msg = message_of<cr::numeric_error>([&] { (void)m::mean_absolute_error(s, s_nan); });
    CHECK_THAT(msg, Contains("y_pred[3] is nan"));
    CHECK_THROWS_AS(m::r2_score(s_nan, s), cr::numeric_error);

    // Labels outside {0, 1} for binary metrics name index and value.
    msg = message_of<cr::argument_error>([&] { (void)m::accuracy_score(std::vector<int>{0, 2, 1, 0}, s); });
    CHECK_THAT(msg, Contains("y_true[1] = 2 is not a binary label"));
    msg = message_of<cr::argument_error>([&] {
        (void)m::average_precision_score(std::vector<double>{0, 1, 0.5, 1}, s);
    });
    CHECK_THAT(msg, Contains("y_true[2] = 0.5"));
    CHECK_THROWS_AS(m::brier_score(std::vector<int>{0, 1, -1, 1}, s), cr::argument_error);

    // ROC-AUC and AP with one class present (or one class with zero total weight).
    const std::vector<int> ones{1, 1, 1, 1};
    msg = message_of<cr::argument_error>([&] { (void)m::roc_auc_score(ones, s); });
    CHECK_THAT(msg, Contains("only one class present"));
    CHECK_THROWS_AS(m::average_precision_score(std::vector<int>{0, 0, 0, 0}, s), cr::argument_error);
    msg = message_of<cr::argument_error>([&] { (void)m::roc_auc_score(y, s, std::vector<double>{1, 0, 1, 0}); });
    CHECK_THAT(msg, Contains("class 1 has zero total sample_weight"));

    // Weights: negative, NaN, infinite, all zero.
    msg = message_of<cr::argument_error>([&] { (void)m::accuracy_score(y, s, std::vector<double>{1, -1, 1, 1}); });
    CHECK_THAT(msg, Contains("sample_weight[1] = -1 is negative"));
    msg = message_of<cr::numeric_error>([&] { (void)m::log_loss(y, s, std::vector<double>{1, 1, nan, 1}); });
    CHECK_THAT(msg, Contains("sample_weight[2] is nan"));
    CHECK_THROWS_AS(m::mean_squared_error(s, s, std::vector<double>{1, inf, 1, 1}), cr::numeric_error);
    msg = message_of<cr::argument_error>([&] { (void)m::brier_score(y, s, std::vector<double>{0, 0, 0, 0}); });
    CHECK_THAT(msg, Contains("sample_weight sums to zero"));

    // Probabilities outside [0, 1] for log-loss and Brier.
    msg = message_of<cr::argument_error>([&] { (void)m::log_loss(y, std::vector<double>{0.1, 1.5, 0.2, 0.8}); });
    CHECK_THAT(msg, Contains("y_score[1] = 1.5 is not a probability"));
    CHECK_THROWS_AS(m::brier_score(y, std::vector<double>{0.1, 0.9, -0.2, 0.8}), cr::argument_error);

    // Shapes: a two-column matrix, a non-contiguous column view.
    cr::matrix<double> two({4, 2}, 0.5);
    msg = message_of<cr::shape_error>([&] { (void)m::roc_auc_score(y, two); });
    CHECK_THAT(msg, Contains("y_score has shape (4, 2)"));
    auto second_column = xt::view(two, xt::all(), 1);
    msg = message_of<cr::shape_error>([&] { (void)m::roc_auc_score(y, second_column); });
    CHECK_THAT(msg, Contains("not contiguous"));

    // Options out of range, R2 with one sample.
    CHECK_THROWS_AS(m::accuracy_score(y, s, {.threshold = nan}), cr::argument_error);
    CHECK_THROWS_AS(m::log_loss(y, s, {.eps = 0.5}), cr::argument_error);
    CHECK_THROWS_AS(m::log_loss(y, s, {.eps = -1e-3}), cr::argument_error);
    CHECK_THROWS_AS(m::classification_report(y, s, {.digits = 16}), cr::argument_error);
    msg = message_of<cr::argument_error>([&] { (void)m::r2_score(std::vector<double>{1}, std::vector<double>{2}); });
    CHECK_THAT(msg, Contains("at least two samples"));

    // Every one of them is a causalrec::error.
    CHECK_THROWS_AS(m::mean_squared_error(s3, s), cr::error);
}

TEST_CASE("classification_report matches scikit-learn's numbers and text", "[metrics]") {
    const m::binary_report r = m::classification_report(y_a, s_a);
    // Class 0: precision tn / (tn + fn) = 2/3, recall tn / (tn + fp) = 2/4, f1 = 2 (2/3)(1/2) / (7/6) = 4/7
    CHECK_THAT(r.classes[0].precision, WithinRel(2.0 / 3.0, rel));
    CHECK_THAT(r.classes[0].recall, WithinRel(0.5, rel));
    CHECK_THAT(r.classes[0].f1, WithinRel(4.0 / 7.0, rel));
    CHECK(r.classes[0].support == 4);
    CHECK_THAT(r.classes[1].precision, WithinRel(0.6, rel));
    CHECK_THAT(r.classes[1].recall, WithinRel(0.75, rel));
    CHECK_THAT(r.classes[1].f1, WithinRel(2.0 / 3.0, rel));
    CHECK(r.classes[1].support == 4);
    CHECK_THAT(r.accuracy, WithinRel(0.625, rel));
    CHECK_THAT(r.macro_avg.precision, WithinRel((2.0 / 3.0 + 0.6) / 2, rel));
    CHECK_THAT(r.macro_avg.f1, WithinRel((4.0 / 7.0 + 2.0 / 3.0) / 2, rel));
    CHECK_THAT(r.weighted_avg.recall, WithinRel(0.625, rel));  // (0.5 * 4 + 0.75 * 4) / 8
    CHECK(r.macro_avg.support == 8);
    REQUIRE(r.roc_auc.has_value());
    CHECK_THAT(*r.roc_auc, WithinRel(0.6875, rel));
    CHECK(r.confusion == m::confusion_matrix(y_a, s_a));

    // scikit-learn 1.2.1: classification_report(y, s >= 0.5, labels=[0, 1], digits=4), then our ROC-AUC line.
    const std::string sklearn_text =
        "              precision    recall  f1-score   support\n\n"
        "           0     0.6667    0.5000    0.5714         4\n"
        "           1     0.6000    0.7500    0.6667         4\n\n"
        "    accuracy                         0.6250         8\n"
        "   macro avg     0.6333    0.6250    0.6190         8\n"
        "weighted avg     0.6333    0.6250    0.6190         8\n";
    std::ostringstream os;
    os << m::classification_report(y_a, s_a, {.digits = 4});
    CHECK(os.str() == sklearn_text + "\n     roc auc                         0.6875         8\n");

    // Default 2 digits, as scikit-learn 1.2.1's classification_report(y, s >= 0.5, labels=[0, 1]) prints:
    std::ostringstream os2;
    os2 << r;
    CHECK_THAT(os2.str(), Contains("           0       0.67      0.50      0.57         4\n"));
    CHECK_THAT(os2.str(), Contains("    accuracy                           0.62         8\n"));
    CHECK_THAT(os2.str(), Contains("weighted avg       0.63      0.62      0.62         8\n"));
    CHECK_THAT(os2.str(), Contains("     roc auc                           0.69         8\n"));
}

TEST_CASE("classification_report with weights, the strict rule and a missing class", "[metrics]") {
    // scikit-learn 1.2.1: classification_report(y, s >= 0.5, labels=[0, 1], sample_weight=w, digits=3) rows
    //   0  0.500 0.667 0.571 4.5 / 1  0.667 0.500 0.571 6.0 / accuracy 0.571 10.5 / macro 0.583 0.583 0.571 /
    //   weighted 0.595 0.571 0.571; here all supports get 3 decimals since one is fractional.
    const auto r = m::classification_report(y_a, s_a, w_a, {.digits = 3});
    CHECK(r.classes[0].support == 4.5);
    CHECK(r.classes[1].support == 6.0);
    CHECK_THAT(*r.roc_auc, WithinRel(20.0 / 27.0, rel));
    std::ostringstream os;
    os << r;
    CHECK_THAT(os.str(), Contains("           0      0.500     0.667     0.571     4.500\n"));
    CHECK_THAT(os.str(), Contains("           1      0.667     0.500     0.571     6.000\n"));
    CHECK_THAT(os.str(), Contains("    accuracy                          0.571    10.500\n"));
    CHECK_THAT(os.str(), Contains("   macro avg      0.583     0.583     0.571    10.500\n"));
    CHECK_THAT(os.str(), Contains("weighted avg      0.595     0.571     0.571    10.500\n"));

    const auto strict = m::classification_report(y_a, s_a, {.rule = m::threshold_rule::greater});
    CHECK(strict.confusion == m::binary_confusion{.tn = 3, .fp = 1, .fn = 3, .tp = 1});
    CHECK_THAT(strict.classes[1].recall, WithinRel(0.25, rel));

    // Only negatives: class 1 scores 0 (zero division), no ROC-AUC line.
    const std::vector<int> negatives{0, 0, 0};
    const std::vector<double> s{0.2, 0.7, 0.1};
    const auto one_class = m::classification_report(negatives, s);
    CHECK_FALSE(one_class.roc_auc.has_value());
    CHECK(one_class.classes[1].precision == 0.0);
    CHECK(one_class.classes[1].support == 0.0);
    CHECK_THAT(one_class.classes[0].recall, WithinRel(2.0 / 3.0, rel));
    std::ostringstream os2;
    os2 << one_class;
    CHECK_THAT(os2.str(), !Contains("roc auc"));
}

namespace {

// A user's own metric: a plain struct, no base class. Mean score given to the positives.
struct mean_positive_score {
    std::string name() const { return "mean_positive_score"; }
    bool greater_is_better() const { return true; }
    double operator()(std::span<const double> y_true, std::span<const double> y_score) const {
        double sum = 0.0, count = 0.0;
        for (std::size_t i = 0; i < y_true.size(); ++i) {
            if (y_true[i] == 1.0) {
                sum += y_score[i];
                count += 1.0;
            }
        }
        return sum / count;
    }
};

// Not a metric: no greater_is_better().
struct no_direction {
    const char* name() const { return "x"; }
    double operator()(std::span<const double>, std::span<const double>) const { return 0.0; }
};

// What the training loop of a later step does with a user-supplied list of metrics.
template <m::Metric... Ms>
std::vector<std::pair<std::string, double>> evaluate_all(std::span<const double> y, std::span<const double> s,
                                                         const Ms&... metrics) {
    return {{std::string(metrics.name()), metrics(y, s)}...};
}

}  // namespace

TEST_CASE("Metric concept: built-in function objects and a user's plain struct", "[metrics][concepts]") {
    STATIC_REQUIRE(m::WeightedMetric<m::accuracy>);
    STATIC_REQUIRE(m::WeightedMetric<m::roc_auc, float>);
    STATIC_REQUIRE(m::WeightedMetric<m::r2, int>);
    STATIC_REQUIRE(m::Metric<mean_positive_score>);
    STATIC_REQUIRE_FALSE(m::WeightedMetric<mean_positive_score>);
    STATIC_REQUIRE_FALSE(m::Metric<no_direction>);
    STATIC_REQUIRE(m::value_array<std::vector<float>>);
    STATIC_REQUIRE(m::value_array<cr::matrix<double>>);
    STATIC_REQUIRE_FALSE(m::value_array<std::string>);
    STATIC_REQUIRE_FALSE(m::value_array<std::vector<std::string>>);

    STATIC_REQUIRE(m::accuracy::greater_is_better());
    STATIC_REQUIRE(m::roc_auc::greater_is_better());
    STATIC_REQUIRE_FALSE(m::logloss::greater_is_better());
    STATIC_REQUIRE_FALSE(m::mse::greater_is_better());

    const std::vector<double> y(y_a.begin(), y_a.end());
    const auto results =
        evaluate_all(y, s_a, m::accuracy{.threshold = 0.5}, m::f1{}, m::roc_auc{}, m::logloss{}, mean_positive_score{});
    REQUIRE(results.size() == 5);
    CHECK(results[0].first == "accuracy");
    CHECK_THAT(results[0].second, WithinRel(0.625, rel));
    CHECK(results[1].first == "f1");
    CHECK_THAT(results[2].second, WithinRel(0.6875, rel));
    CHECK(results[3].first == "logloss");
    CHECK_THAT(results[3].second, WithinRel(0.6151564666201962, rel));
    CHECK(results[4].first == "mean_positive_score");
    CHECK_THAT(results[4].second, WithinRel((0.5 + 0.9 + 0.3 + 0.5) / 4, rel));

    // Objects forward their options and weights to the free functions.
    CHECK(m::accuracy{.threshold = 0.5, .rule = m::threshold_rule::greater}(y_a, s_a) == 0.5);
    CHECK(m::precision{.threshold = 0.3}(y_a, s_a) == m::precision_score(y_a, s_a, {.threshold = 0.3}));
    CHECK(m::recall{}(y_a, s_a, w_a) == m::recall_score(y_a, s_a, w_a));
    CHECK(m::average_precision{}(y_a, s_a, w_a) == m::average_precision_score(y_a, s_a, w_a));
    CHECK(m::brier{}(y_a, s_a) == m::brier_score(y_a, s_a));
    CHECK(m::logloss{.eps = 0.2}(y_a, s_a) == m::log_loss(y_a, s_a, {.eps = 0.2}));
    const std::vector<double> t{3, -0.5, 2, 7}, p{2.5, 0.0, 2, 8};
    CHECK(m::mse{}(t, p) == m::mean_squared_error(t, p));
    CHECK(m::rmse{}(t, p) == m::root_mean_squared_error(t, p));
    CHECK(m::mae{}(t, p, std::vector<double>{1, 2, 3, 4}) ==
          m::mean_absolute_error(t, p, std::vector<double>{1, 2, 3, 4}));
    CHECK(m::r2{}(t, p) == m::r2_score(t, p));
    CHECK(m::r2::name() == "r2");
}

TEST_CASE("metrics: error messages start with causalrec::metrics::<function>", "[metrics][messages]") {
    CHECK_THROWS_WITH(m::roc_auc_score(std::vector<int>{1, 1}, std::vector<double>{0.2, 0.3}), Catch::Matchers::StartsWith("causalrec::metrics::roc_auc_score: "));
}

}  // namespace causalrec_test_metrics
