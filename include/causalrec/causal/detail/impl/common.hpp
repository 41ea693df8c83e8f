#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/detail/common.hpp (the estimators' shared checks and row helpers): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../common.hpp"

namespace causalrec::causal::detail {

CAUSALREC_INLINE void require_number(std::string_view who, std::string_view field, double v, double low, bool strict) {
    if (!std::isfinite(v) || (strict ? !(v > low) : !(v >= low)))
        throw argument_error(causalrec::error_message("causal", who, field, " must be a finite number ", strict ? "> " : ">= ", low, ", got ", v));
}

CAUSALREC_INLINE std::size_t check_treatment(std::string_view fn, const vector<double>& t, bool need_both) {
    std::size_t treated = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t(i) == 1.0)
            ++treated;
        else if (t(i) != 0.0)
            throw argument_error(causalrec::error_message("causal", fn, "treatment must be 0 or 1, got ", t(i), " at row ", i));
    }
    if (need_both && (treated == 0 || treated == t.size()))
        throw argument_error(causalrec::error_message("causal", fn, "the ", treated == 0 ? "treated" : "control", " arm is empty (", t.size(),
                                 " rows, ", treated, " treated); both arms need rows"));
    return treated;
}

CAUSALREC_INLINE void check_binary(std::string_view fn, std::string_view what, const vector<double>& y) {
    for (std::size_t i = 0; i < y.size(); ++i)
        if (y(i) != 0.0 && y(i) != 1.0) throw argument_error(causalrec::error_message("causal", fn, what, " must be 0 or 1, got ", y(i), " at row ", i));
}

CAUSALREC_INLINE void check_weights(std::string_view fn, const vector<double>& w, std::size_t rows) {
    check_length(fn, "sample_weight", w.size(), rows);
    double sum = 0.0;
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (!(w(i) >= 0.0) || !std::isfinite(w(i)))
            throw numeric_error(causalrec::error_message("causal", fn, "sample_weight ", i, " is negative or not finite (", w(i), ")"));
        sum += w(i);
    }
    if (!(sum > 0.0)) throw argument_error(causalrec::error_message("causal", fn, "the sample weights sum to zero"));
}

CAUSALREC_INLINE matrix<double> take_rows(const matrix<double>& m, std::span<const std::size_t> idx) {
    const std::size_t d = m.shape()[1];
    matrix<double> out = make_matrix<double>(idx.size(), d);
    for (std::size_t r = 0; r < idx.size(); ++r) std::copy_n(m.data() + idx[r] * d, d, out.data() + r * d);
    return out;
}

CAUSALREC_INLINE vector<double> take(const vector<double>& v, std::span<const std::size_t> idx) {
    vector<double> out = make_vector<double>(idx.size());
    for (std::size_t r = 0; r < idx.size(); ++r) out(r) = v(idx[r]);
    return out;
}

CAUSALREC_INLINE std::vector<std::size_t> arm_rows(const vector<double>& t, double arm) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < t.size(); ++i)
        if (t(i) == arm) idx.push_back(i);
    return idx;
}

CAUSALREC_INLINE matrix<double> with_column(const matrix<double>& x, double value) {
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    matrix<double> out = make_matrix<double>(n, d + 1);
    for (std::size_t i = 0; i < n; ++i) {
        std::copy_n(x.data() + i * d, d, out.data() + i * (d + 1));
        out(i, d) = value;
    }
    return out;
}

CAUSALREC_INLINE matrix<double> with_column(const matrix<double>& x, const vector<double>& t) {
    matrix<double> out = with_column(x, 0.0);
    const std::size_t d = x.shape()[1];
    for (std::size_t i = 0; i < t.size(); ++i) out(i, d) = t(i);
    return out;
}

CAUSALREC_INLINE std::vector<std::size_t> stratified_folds(const vector<double>& t, std::size_t k, std::uint64_t seed) {
    std::vector<std::size_t> fold(t.size(), 0);
    rng engine(seed);
    for (double arm : {0.0, 1.0}) {
        std::vector<std::size_t> rows = arm_rows(t, arm);
        engine.shuffle(std::span<std::size_t>(rows));
        for (std::size_t j = 0; j < rows.size(); ++j) fold[rows[j]] = j % k;
    }
    return fold;
}

CAUSALREC_INLINE double mean(std::span<const double> v) {
    return v.empty() ? std::numeric_limits<double>::quiet_NaN()
                     : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

CAUSALREC_INLINE std::pair<double, double> mean_and_std(std::span<const double> v) {
    const double m = mean(v);
    double s = 0.0;
    for (double x : v) s += (x - m) * (x - m);
    return {m, std::sqrt(s / static_cast<double>(v.size()))};
}

CAUSALREC_INLINE std::vector<double> standardized(std::span<const double> v) {
    const auto [m, s] = mean_and_std(v);
    std::vector<double> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = s > 0.0 ? (v[i] - m) / s : 0.0;
    return out;
}

CAUSALREC_INLINE double variance(std::span<const double> v) {
    if (v.size() < 2) return 0.0;
    const double m = mean(v);
    double s = 0.0;
    for (double x : v) s += (x - m) * (x - m);
    return s / static_cast<double>(v.size() - 1);
}

CAUSALREC_INLINE double quantile(std::vector<double> values, double q) {
    std::sort(values.begin(), values.end());
    const double pos = q * static_cast<double>(values.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, values.size() - 1);
    return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

}  // namespace causalrec::causal::detail
