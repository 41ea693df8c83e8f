#pragma once
/// @file
/// Uplift metrics of scores that rank units by estimated treatment effect, on randomised (or
/// weighted) data with a 0/1 treatment and an outcome: the Qini curve and normalised Qini
/// coefficient, the uplift (cumulative gain) curve and AUUC, and uplift@k%, with the exact
/// definitions of CausalML (causalml.metrics get_qini, qini_score, get_cumgain, auuc_score), and
/// SVG charts of the curves. See docs/causal.md.
///
/// Definitions. Sort the n rows by score, highest first. After the first i rows let N_t(i), N_c(i) be the treated and control counts and Y_t(i), Y_c(i) the
/// outcome sums. The Qini curve is q(i) = Y_t(i) - Y_c(i) N_t(i) / N_c(i), the uplift (gain) curve is
/// g(i) = i (Y_t(i)/N_t(i) - Y_c(i)/N_c(i)); q(0) = g(0) = 0. Where a ratio is 0/0 (no control, or
/// for g no treated row, among the first i) the value is interpolated linearly between its valid
/// neighbours (pandas' interpolate(), as CausalML). Normalised curves are divided by |q(n)| (|g(n)|).
/// qini_score = (sum_{i=0..n} q(i) - sum_{i=0..n} q(n) i/n) / (n + 1): the mean gap between the
/// curve and the straight "random targeting" line; auuc_score = sum_{i=0..n} g(i) / (n + 1).
///
/// Ties. Rows with equal scores cannot be ranked against each other, so a tie group is one step of
/// the curve (as scikit-learn's ROC and precision-recall curves treat ties): the curve is computed at
/// the end of each group, and inside a group of g rows the points are interpolated linearly (the
/// Qini value, or the lift of the gain curve) between the group's start and end. uplift@k takes a
/// group cut by the top-k boundary in proportion. No metric depends on the input order of tied rows.
/// With distinct scores every definition above is CausalML's exactly; CausalML does not group ties
/// (its values for tied scores depend on the order its sort leaves them in).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../io/svg.hpp"

namespace causalrec::metrics {

/// A curve over the targeted population: value[i] after targeting the first population[i] rows.
struct uplift_curve {
    std::vector<double> population{};  ///< 0, 1, ..., n rows targeted
    std::vector<double> value{};       ///< the curve's value at each point
};

namespace detail {

template <class R>
std::span<const double> as_doubles(const R& r) {
    return std::span<const double>(r.data(), r.size());
}

void check_uplift_inputs(const char* fn, std::span<const double> s, std::span<const double> t,
                                std::span<const double> y);

/// Row order by score, highest first (ties in input order; callers treat a tie group as one step).
std::vector<std::size_t> order_by_score(std::span<const double> s);

/// Fills NaNs linearly between valid neighbours (by position); trailing NaNs take the last value.
void interpolate(std::vector<double>& v);

uplift_curve make_curve(const char* fn, std::span<const double> s, std::span<const double> t,
                               std::span<const double> y, bool qini, bool normalize);

}  // namespace detail

/// The Qini curve of `scores` (CausalML get_qini): q(i) = Y_t(i) - Y_c(i) N_t(i)/N_c(i), i = 0..n;
/// divided by |q(n)| when `normalize`.
uplift_curve qini_curve(std::span<const double> scores, std::span<const double> treatment,
                               std::span<const double> outcome, bool normalize = false);

/// The uplift (cumulative gain) curve (CausalML get_cumgain): g(i) = i (Y_t(i)/N_t(i) - Y_c(i)/N_c(i)).
uplift_curve uplift_gain_curve(std::span<const double> scores, std::span<const double> treatment,
                                      std::span<const double> outcome, bool normalize = false);

/// The Qini coefficient as CausalML's qini_score: (sum_i q(i) - sum_i q(n) i/n) / (n + 1) over
/// i = 0..n, on the curve normalised by |q(n)| by default. 0 for random scores, larger is better.
double qini_score(std::span<const double> scores, std::span<const double> treatment, std::span<const double> outcome,
                         bool normalize = true);

/// AUUC as CausalML's auuc_score: the mean of the (by default normalised) uplift gain curve over i = 0..n.
double auuc_score(std::span<const double> scores, std::span<const double> treatment, std::span<const double> outcome,
                         bool normalize = true);

/// Uplift at k (a fraction in (0, 1]): among the ceil(k n) highest-scored rows, the mean outcome of
/// the treated minus that of the controls; a tie group cut by the boundary counts with the share of
/// its rows inside it (its counts and sums scaled by that share). Raises argument_error when an arm
/// is empty there.
double uplift_at_k(std::span<const double> scores, std::span<const double> treatment, std::span<const double> outcome,
                          double k);

/// qini_score for any contiguous containers of double (xtensor vectors, std::vector).
template <class S, class T, class Y>
    requires(!std::is_convertible_v<const S&, std::span<const double>>)
double qini_score(const S& scores, const T& treatment, const Y& outcome, bool normalize = true) {
    return qini_score(detail::as_doubles(scores), detail::as_doubles(treatment), detail::as_doubles(outcome), normalize);
}

/// auuc_score for any contiguous containers of double.
template <class S, class T, class Y>
    requires(!std::is_convertible_v<const S&, std::span<const double>>)
double auuc_score(const S& scores, const T& treatment, const Y& outcome, bool normalize = true) {
    return auuc_score(detail::as_doubles(scores), detail::as_doubles(treatment), detail::as_doubles(outcome), normalize);
}

/// uplift_at_k for any contiguous containers of double.
template <class S, class T, class Y>
    requires(!std::is_convertible_v<const S&, std::span<const double>>)
double uplift_at_k(const S& scores, const T& treatment, const Y& outcome, double k) {
    return uplift_at_k(detail::as_doubles(scores), detail::as_doubles(treatment), detail::as_doubles(outcome), k);
}

/// A named score vector for uplift_chart_svg.
struct named_scores {
    std::string name{};           ///< legend text
    std::vector<double> scores{}; ///< one score per row
};

/// Options of uplift_chart_svg.
struct uplift_chart_options {
    bool qini{true};          ///< Qini curves (true) or uplift gain curves (false)
    bool normalize{true};     ///< divide each curve by the absolute value of its end
    std::size_t points{200};  ///< points drawn per curve (evenly spaced over the population)
    std::string title{};      ///< chart title; empty = "Qini curve" / "Uplift curve"
};

/// An SVG chart of the Qini (or uplift gain) curves of several score vectors on the same data, with
/// the random-targeting diagonal dashed; x is the share of the population targeted.
std::string uplift_chart_svg(const std::vector<named_scores>& models, std::span<const double> treatment,
                                    std::span<const double> outcome, const uplift_chart_options& options = {});

}  // namespace causalrec::metrics

#if CAUSALREC_HEADER_ONLY
#include "impl/uplift.hpp"
#endif
