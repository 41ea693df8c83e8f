#pragma once
/// @file
/// Definitions of the non-template functions declared in metrics/uplift.hpp (the uplift curves and scores): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../uplift.hpp"

namespace causalrec::metrics {

CAUSALREC_INLINE uplift_curve qini_curve(std::span<const double> scores, std::span<const double> treatment,
                               std::span<const double> outcome, bool normalize) {
    return detail::make_curve("qini_curve", scores, treatment, outcome, true, normalize);
}

CAUSALREC_INLINE uplift_curve uplift_gain_curve(std::span<const double> scores, std::span<const double> treatment,
                                      std::span<const double> outcome, bool normalize) {
    return detail::make_curve("uplift_gain_curve", scores, treatment, outcome, false, normalize);
}

CAUSALREC_INLINE double qini_score(std::span<const double> scores, std::span<const double> treatment, std::span<const double> outcome,
                         bool normalize) {
    const auto c = detail::make_curve("qini_score", scores, treatment, outcome, true, normalize);
    const std::size_t n = scores.size();
    double area = 0.0, random_area = 0.0;
    for (std::size_t i = 0; i <= n; ++i) {
        area += c.value[i];
        random_area += c.value[n] * static_cast<double>(i) / static_cast<double>(n);
    }
    return (area - random_area) / static_cast<double>(n + 1);
}

CAUSALREC_INLINE double auuc_score(std::span<const double> scores, std::span<const double> treatment, std::span<const double> outcome,
                         bool normalize) {
    const auto c = detail::make_curve("auuc_score", scores, treatment, outcome, false, normalize);
    return std::accumulate(c.value.begin(), c.value.end(), 0.0) / static_cast<double>(c.value.size());
}

CAUSALREC_INLINE double uplift_at_k(std::span<const double> scores, std::span<const double> treatment, std::span<const double> outcome,
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

CAUSALREC_INLINE std::string uplift_chart_svg(const std::vector<named_scores>& models, std::span<const double> treatment,
                                    std::span<const double> outcome, const uplift_chart_options& options) {
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

namespace causalrec::metrics {
namespace detail {

CAUSALREC_INLINE void check_uplift_inputs(const char* fn, std::span<const double> s, std::span<const double> t,
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

CAUSALREC_INLINE std::vector<std::size_t> order_by_score(std::span<const double> s) {
    std::vector<std::size_t> order(s.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s[a] > s[b]; });
    return order;
}

CAUSALREC_INLINE void interpolate(std::vector<double>& v) {
    std::size_t last = 0;  // v[0] is always valid (0)
    for (std::size_t i = 1; i < v.size(); ++i) {
        if (std::isnan(v[i])) continue;
        for (std::size_t k = last + 1; k < i; ++k)
            v[k] = v[last] + (v[i] - v[last]) * static_cast<double>(k - last) / static_cast<double>(i - last);
        last = i;
    }
    for (std::size_t k = last + 1; k < v.size(); ++k) v[k] = v[last];
}

CAUSALREC_INLINE uplift_curve make_curve(const char* fn, std::span<const double> s, std::span<const double> t,
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
}  // namespace causalrec::metrics
