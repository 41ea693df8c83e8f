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

inline void check_uplift_inputs(const char* fn, std::span<const double> s, std::span<const double> t,
                                std::span<const double> y) {
    using causalrec::cat;
    if (t.size() != s.size() || y.size() != s.size())
        throw shape_error(causalrec::error_message("metrics", fn, "scores, treatment and outcome have ", s.size(), ", ", t.size(), " and ", y.size(),
                              " entries; they must be equal"));
    if (s.empty()) throw argument_error(causalrec::error_message("metrics", fn, "no rows"));
    std::size_t treated = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (!std::isfinite(s[i])) throw numeric_error(causalrec::error_message("metrics", fn, "score ", i, " is not finite"));
        if (!std::isfinite(y[i])) throw numeric_error(causalrec::error_message("metrics", fn, "outcome ", i, " is not finite"));
        if (t[i] == 1.0)
            ++treated;
        else if (t[i] != 0.0)
            throw argument_error(causalrec::error_message("metrics", fn, "treatment must be 0 or 1, got ", t[i], " at row ", i));
    }
    if (treated == 0 || treated == s.size())
        throw argument_error(causalrec::error_message("metrics", fn, "the ", treated == 0 ? "treated" : "control", " arm is empty"));
}

/// Row order by score, highest first (ties in input order; callers treat a tie group as one step).
inline std::vector<std::size_t> order_by_score(std::span<const double> s) {
    std::vector<std::size_t> order(s.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s[a] > s[b]; });
    return order;
}

/// Fills NaNs linearly between valid neighbours (by position); trailing NaNs take the last value.
inline void interpolate(std::vector<double>& v) {
    std::size_t last = 0;  // v[0] is always valid (0)
    for (std::size_t i = 1; i < v.size(); ++i) {
        if (std::isnan(v[i])) continue;
        for (std::size_t k = last + 1; k < i; ++k)
            v[k] = v[last] + (v[i] - v[last]) * static_cast<double>(k - last) / static_cast<double>(i - last);
        last = i;
    }
    for (std::size_t k = last + 1; k < v.size(); ++k) v[k] = v[last];
}

inline uplift_curve make_curve(const char* fn, std::span<const double> s, std::span<const double> t,
                               std::span<const double> y, bool qini, bool normalize) {
    check_uplift_inputs(fn, s, t, y);
    const std::size_t n = s.size();
    const auto order = order_by_score(s);
    uplift_curve c;
    c.population.resize(n + 1);
    c.value.assign(n + 1, 0.0);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    double nt = 0.0, nc = 0.0, yt = 0.0, yc = 0.0;
    for (std::size_t i = 0; i <= n; ++i) {
        c.population[i] = static_cast<double>(i);
        if (i == 0) continue;
        const std::size_t r = order[i - 1];
        if (t[r] == 1.0) {
            nt += 1.0;
            yt += y[r];
        } else {
            nc += 1.0;
            yc += y[r];
        }
        // Inside a tie group (the next row has the same score) the point is left for interpolation.
        if (i < n && s[order[i]] == s[r]) {
            c.value[i] = nan;
        } else if (qini) {
            c.value[i] = nc > 0.0 ? yt - yc * nt / nc : nan;
        } else {
            c.value[i] = nc > 0.0 && nt > 0.0 ? yt / nt - yc / nc : nan;  // the lift, times i below
        }
    }
    interpolate(c.value);
    if (!qini)
        for (std::size_t i = 0; i <= n; ++i) c.value[i] *= static_cast<double>(i);
    if (normalize) {
        const double end = std::abs(c.value[n]);
        if (!(end > 0.0))
            throw numeric_error(causalrec::error_message("metrics", fn, "the curve ends at 0 (no overall uplift), so it cannot be "
                                                           "normalised; use normalize = false"));
        for (auto& v : c.value) v /= end;
    }
    return c;
}

}  // namespace detail

/// The Qini curve of `scores` (CausalML get_qini): q(i) = Y_t(i) - Y_c(i) N_t(i)/N_c(i), i = 0..n;
/// divided by |q(n)| when `normalize`.
inline uplift_curve qini_curve(std::span<const double> scores, std::span<const double> treatment,
                               std::span<const double> outcome, bool normalize = false) {
    return detail::make_curve("qini_curve", scores, treatment, outcome, true, normalize);
}

/// The uplift (cumulative gain) curve (CausalML get_cumgain): g(i) = i (Y_t(i)/N_t(i) - Y_c(i)/N_c(i)).
inline uplift_curve uplift_gain_curve(std::span<const double> scores, std::span<const double> treatment,
                                      std::span<const double> outcome, bool normalize = false) {
    return detail::make_curve("uplift_gain_curve", scores, treatment, outcome, false, normalize);
}

/// The Qini coefficient as CausalML's qini_score: (sum_i q(i) - sum_i q(n) i/n) / (n + 1) over
/// i = 0..n, on the curve normalised by |q(n)| by default. 0 for random scores, larger is better.
inline double qini_score(std::span<const double> scores, std::span<const double> treatment, std::span<const double> outcome,
                         bool normalize = true) {
    const auto c = detail::make_curve("qini_score", scores, treatment, outcome, true, normalize);
    const std::size_t n = scores.size();
    double area = 0.0, random_area = 0.0;
    for (std::size_t i = 0; i <= n; ++i) {
        area += c.value[i];
        random_area += c.value[n] * static_cast<double>(i) / static_cast<double>(n);
    }
    return (area - random_area) / static_cast<double>(n + 1);
}

/// AUUC as CausalML's auuc_score: the mean of the (by default normalised) uplift gain curve over i = 0..n.
inline double auuc_score(std::span<const double> scores, std::span<const double> treatment, std::span<const double> outcome,
                         bool normalize = true) {
    const auto c = detail::make_curve("auuc_score", scores, treatment, outcome, false, normalize);
    return std::accumulate(c.value.begin(), c.value.end(), 0.0) / static_cast<double>(c.value.size());
}

/// Uplift at k (a fraction in (0, 1]): among the ceil(k n) highest-scored rows, the mean outcome of
/// the treated minus that of the controls; a tie group cut by the boundary counts with the share of
/// its rows inside it (its counts and sums scaled by that share). Raises argument_error when an arm
/// is empty there.
inline double uplift_at_k(std::span<const double> scores, std::span<const double> treatment, std::span<const double> outcome,
                          double k) {
    using causalrec::cat;
    detail::check_uplift_inputs("uplift_at_k", scores, treatment, outcome);
    if (!(k > 0.0 && k <= 1.0)) throw argument_error(cat("causalrec::metrics::uplift_at_k: k must be in (0, 1], got ", k));
    const auto order = detail::order_by_score(scores);
    const auto m = std::min(scores.size(), static_cast<std::size_t>(std::ceil(k * static_cast<double>(scores.size()))));
    double nt = 0.0, nc = 0.0, yt = 0.0, yc = 0.0;
    for (std::size_t begin = 0; begin < m;) {
        std::size_t end = begin + 1;  // the tie group [begin, end)
        while (end < order.size() && scores[order[end]] == scores[order[begin]]) ++end;
        const double share = end <= m ? 1.0 : static_cast<double>(m - begin) / static_cast<double>(end - begin);
        for (std::size_t i = begin; i < end; ++i) {
            const std::size_t r = order[i];
            (treatment[r] == 1.0 ? nt : nc) += share;
            (treatment[r] == 1.0 ? yt : yc) += share * outcome[r];
        }
        begin = end;
    }
    if (nt == 0.0 || nc == 0.0)
        throw argument_error(cat("causalrec::metrics::uplift_at_k: the top ", m, " rows hold no ", nt == 0.0 ? "treated" : "control", " row"));
    return yt / nt - yc / nc;
}

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
inline std::string uplift_chart_svg(const std::vector<named_scores>& models, std::span<const double> treatment,
                                    std::span<const double> outcome, const uplift_chart_options& options = {}) {
    if (models.empty()) throw argument_error("causalrec::metrics::uplift_chart_svg: no score vectors");
    if (options.points < 2) throw argument_error("causalrec::metrics::uplift_chart_svg: points must be at least 2");
    std::vector<io::line_series> series;
    double end = 0.0;
    for (const auto& m : models) {
        const auto c = detail::make_curve("uplift_chart_svg", m.scores, treatment, outcome, options.qini, options.normalize);
        const std::size_t n = c.value.size() - 1;
        io::line_series s{.name = m.name};
        for (std::size_t k = 0; k < options.points; ++k) {
            const auto i = static_cast<std::size_t>(std::llround(static_cast<double>(k) * static_cast<double>(n) /
                                                                 static_cast<double>(options.points - 1)));
            s.x.push_back(static_cast<double>(i) / static_cast<double>(n));
            s.y.push_back(c.value[i]);
        }
        end = c.value[n];
        series.push_back(std::move(s));
    }
    series.push_back(io::line_series{.name = "random", .y = {0.0, end}, .x = {0.0, 1.0}, .color = "#7f7f7f", .dashed = true});
    const std::string title = options.title.empty() ? (options.qini ? "Qini curve" : "Uplift curve") : options.title;
    return io::svg_line_chart(series, {.title = title,
                                       .x_label = "share of population targeted",
                                       .y_label = options.qini ? "incremental outcomes (Qini)" : "cumulative gain"});
}

}  // namespace causalrec::metrics
