#pragma once
/// @file
/// classification_report: per-class precision, recall, F1 and support of a binary classifier with
/// accuracy, macro and weighted averages (as scikit-learn's classification_report with labels [0, 1])
/// plus ROC-AUC, printable as an aligned text table.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <ostream>
#include <string>

#include "../core/error.hpp"
#include "classification.hpp"
#include "concepts.hpp"
#include "detail/input.hpp"

namespace causalrec::metrics {

/// Precision, recall, F1 and support (count or total weight of the class in y_true) of one row.
struct class_scores {
    double precision = 0.0;  ///< of this class (or the average)
    double recall = 0.0;     ///< of this class (or the average)
    double f1 = 0.0;         ///< of this class (or the average)
    double support = 0.0;    ///< count (weight) of samples labelled with this class; the total for averages
};

/// Options of classification_report.
struct report_options {
    double threshold = 0.5;                               ///< cut-off applied to y_score
    threshold_rule rule = threshold_rule::greater_equal;  ///< predicted 1 iff score >= threshold (or > with greater)
    int digits = 2;                                       ///< decimals printed by operator<< (0 to 15)
};

/// Summary of a binary classifier; print it with operator<<.
struct binary_report {
    std::array<class_scores, 2> classes{};  ///< classes[0] for label 0, classes[1] for label 1
    double accuracy = 0.0;                  ///< fraction (weight) of correct hard labels
    class_scores macro_avg{};               ///< unweighted mean of the two classes' scores
    class_scores weighted_avg{};            ///< mean of the two classes' scores weighted by support
    std::optional<double> roc_auc;          ///< ROC-AUC of the scores; empty when a class is absent from y_true
    binary_confusion confusion{};           ///< the counts everything above derives from
    int digits = 2;                         ///< decimals printed by operator<<
};

namespace detail {

/// Builds the report from checked inputs.
template <class YT, class YS, class W>
binary_report make_report(const checked_inputs<YT, YS, W>& in, const report_options& options) {
    if (options.digits < 0 || options.digits > 15) {
        fail<argument_error>(in.fn, "digits must be in [0, 15], got ", options.digits);
    }
    binary_report r;
    r.digits = options.digits;
    const binary_confusion c = confusion_of(in, {.threshold = options.threshold, .rule = options.rule});
    r.confusion = c;
    const double p0 = ratio_or_zero(c.tn, c.tn + c.fn), r0 = ratio_or_zero(c.tn, c.tn + c.fp);
    const double p1 = precision_of(c), r1 = recall_of(c);
    r.classes[0] = {p0, r0, f1_from(p0, r0), c.tn + c.fp};
    r.classes[1] = {p1, r1, f1_from(p1, r1), c.tp + c.fn};
    r.accuracy = accuracy_of(c);

    const class_scores& a = r.classes[0];
    const class_scores& b = r.classes[1];
    const double total = a.support + b.support;
    r.macro_avg = {(a.precision + b.precision) / 2.0, (a.recall + b.recall) / 2.0, (a.f1 + b.f1) / 2.0, total};
    const auto by_support = [&](double x0, double x1) { return (x0 * a.support + x1 * b.support) / total; };
    r.weighted_avg = {by_support(a.precision, b.precision), by_support(a.recall, b.recall), by_support(a.f1, b.f1),
                      total};
    if (a.support > 0.0 && b.support > 0.0) r.roc_auc = roc_auc(in);
    return r;
}

/// x with the given number of decimals.
inline std::string fixed(double x, int digits) {
    char buf[400];  // wide enough for any double in %f
    std::snprintf(buf, sizeof buf, "%.*f", digits, x);
    return buf;
}

/// Writes s right-aligned in a field of the given width.
inline void put_right(std::ostream& os, const std::string& s, std::size_t width) {
    if (s.size() < width) os << std::string(width - s.size(), ' ');
    os << s;
}

/// One line: name right-aligned in 12 columns, then four 9-wide cells, as scikit-learn lays it out.
inline void put_row(std::ostream& os, const std::string& name, const std::array<std::string, 4>& cells) {
    put_right(os, name, 12);
    os << ' ';
    for (const std::string& cell : cells) {
        os << ' ';
        put_right(os, cell, 9);
    }
    os << '\n';
}

}  // namespace detail

/// Report of hard labels (score >= threshold, or >) and of the scores' ROC-AUC against y_true;
/// weighted, the counts, supports and ROC-AUC use the sample weights.
inline constexpr auto classification_report = detail::make_metric<report_options>(
    "classification_report", "y_score", [](const auto& in, const report_options& o) { return detail::make_report(in, o); });

/// Prints the report as scikit-learn's text table, followed by a "roc auc" line when defined; supports
/// print as whole numbers, or all with `digits` decimals when sample weights made one fractional.
inline std::ostream& operator<<(std::ostream& os, const binary_report& r) {
    const int d = r.digits;
    // Supports are counts without decimals, unless weights made one fractional: then all get d decimals.
    const auto whole = [](double x) { return x == std::floor(x); };
    const int support_digits = whole(r.classes[0].support) && whole(r.classes[1].support) ? 0 : d;
    const auto row = [&](const std::string& name, const class_scores& s) {
        detail::put_row(os, name,
                        {detail::fixed(s.precision, d), detail::fixed(s.recall, d), detail::fixed(s.f1, d),
                         detail::fixed(s.support, support_digits)});
    };
    const std::string total = detail::fixed(r.macro_avg.support, support_digits);
    detail::put_row(os, "", {"precision", "recall", "f1-score", "support"});
    os << '\n';
    row("0", r.classes[0]);
    row("1", r.classes[1]);
    os << '\n';
    detail::put_row(os, "accuracy", {"", "", detail::fixed(r.accuracy, d), total});
    row("macro avg", r.macro_avg);
    row("weighted avg", r.weighted_avg);
    if (r.roc_auc) {
        os << '\n';
        detail::put_row(os, "roc auc", {"", "", detail::fixed(*r.roc_auc, d), total});
    }
    return os;
}

}  // namespace causalrec::metrics
