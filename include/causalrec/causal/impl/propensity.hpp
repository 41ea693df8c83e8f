#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/propensity.hpp (propensity clipping, calibration and weights): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../propensity.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE vector<double> clip_propensity(vector<double> p, double eps) {
    if (!(eps >= 0.0 && eps < 0.5)) throw argument_error(detail::cat("causalrec::causal::clip_propensity: eps must be in [0, 0.5), got ", eps));
    for (auto& v : p) v = std::clamp(v, eps, 1.0 - eps);
    return p;
}

CAUSALREC_INLINE propensity_model<logistic_regression> logistic_propensity(logistic_regression_options model,
                                                                 propensity_options options) {
    return propensity_model<logistic_regression>(logistic_regression(model), options);
}

CAUSALREC_INLINE calibration_table calibration(const vector<double>& p, const vector<double>& t, std::size_t bins) {
    const char* fn = "calibration";
    if (bins == 0) throw argument_error("causalrec::causal::calibration: bins must be at least 1");
    detail::check_length(fn, "treatment", t.size(), p.size());
    detail::check_treatment(fn, t, false);
    calibration_table table;
    table.rows = p.size();
    table.bins.resize(bins);
    std::vector<double> sum_p(bins, 0.0), sum_t(bins, 0.0);
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (!(p(i) >= 0.0 && p(i) <= 1.0))
            throw numeric_error(detail::cat("causalrec::causal::calibration: propensity ", i, " is ", p(i), ", outside [0, 1]"));
        const auto b = std::min(bins - 1, static_cast<std::size_t>(p(i) * static_cast<double>(bins)));
        ++table.bins[b].count;
        sum_p[b] += p(i);
        sum_t[b] += t(i);
    }
    for (std::size_t b = 0; b < bins; ++b) {
        auto& bin = table.bins[b];
        bin.lower = static_cast<double>(b) / static_cast<double>(bins);
        bin.upper = static_cast<double>(b + 1) / static_cast<double>(bins);
        if (bin.count == 0) {
            bin.mean_predicted = bin.observed_rate = std::nan("");
            continue;
        }
        const double c = static_cast<double>(bin.count);
        bin.mean_predicted = sum_p[b] / c;
        bin.observed_rate = sum_t[b] / c;
        const double err = std::abs(bin.observed_rate - bin.mean_predicted);
        table.expected_calibration_error += c / static_cast<double>(p.size()) * err;
        table.max_calibration_error = std::max(table.max_calibration_error, err);
    }
    return table;
}

CAUSALREC_INLINE vector<double> ipw_weights(const vector<double>& t, const vector<double>& e, estimand target) {
    const char* fn = "ipw_weights";
    detail::check_length(fn, "propensity", e.size(), t.size());
    detail::check_treatment(fn, t, false);
    vector<double> w = make_vector<double>(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        const bool treated = t(i) == 1.0;
        if (!(e(i) >= 0.0 && e(i) <= 1.0)) throw numeric_error(causalrec::error_message("causal", fn, "propensity ", i, " is ", e(i), ", outside [0, 1]"));
        if ((treated && target == estimand::ate && e(i) == 0.0) || (!treated && e(i) == 1.0))
            throw numeric_error(causalrec::error_message("causal", fn, "propensity ", e(i), " at row ", i, " (", treated ? "treated" : "control",
                                            ") gives an infinite weight; clip the propensities or trim"));
        if (target == estimand::ate)
            w(i) = treated ? 1.0 / e(i) : 1.0 / (1.0 - e(i));
        else
            w(i) = treated ? 1.0 : e(i) / (1.0 - e(i));
    }
    return w;
}

CAUSALREC_INLINE double effective_sample_size(const vector<double>& w) {
    double s = 0.0, s2 = 0.0;
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (!(w(i) >= 0.0) || !std::isfinite(w(i)))
            throw numeric_error(detail::cat("causalrec::causal::effective_sample_size: weight ", i, " is negative or not finite"));
        s += w(i);
        s2 += w(i) * w(i);
    }
    return s2 > 0.0 ? s * s / s2 : 0.0;
}

}  // namespace causalrec::causal
