#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/offpolicy/common.hpp (the shared off-policy checks and ratio estimates): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../common.hpp"

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE void check_ope_options(const ope_options& o, const char* fn) {
    if (!(o.confidence > 0.0 && o.confidence < 1.0))
        throw argument_error(causalrec::error_message("causal", fn, "confidence must be in (0, 1), got ", o.confidence));
    if (!(o.clip >= 0.0 && o.clip <= 1.0)) throw argument_error(causalrec::error_message("causal", fn, "clip must be in [0, 1], got ", o.clip));
}

CAUSALREC_INLINE void require_general_estimator(ope_estimator e, const char* fn) {
    if (e != ope_estimator::naive && e != ope_estimator::ips && e != ope_estimator::snips && e != ope_estimator::dr)
        throw argument_error(causalrec::error_message("causal", fn, "the ", to_string(e),
                                                      " estimator is offered for policy values only (estimate_policy_value)"));
}

CAUSALREC_INLINE ope_estimate mean_plus_ratio_estimate(std::span<const double> d, const std::vector<double>& a, const std::vector<double>& b,
                                             const ope_options& o, const char* fn) {
    const std::size_t n = a.size();
    if (n == 0) throw argument_error(causalrec::error_message("causal", fn, "nothing to average over"));
    const double sa = std::accumulate(a.begin(), a.end(), 0.0), sb = std::accumulate(b.begin(), b.end(), 0.0);
    if (!(sb > 0.0)) throw argument_error(causalrec::error_message("causal", fn, "the normalising sum is ", sb, "; the estimate is undefined"));
    const double mean_d = d.empty() ? 0.0 : std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(n);
    ope_estimate out;
    out.units = n;
    const double ratio = sa / sb;
    out.value = d.empty() ? ratio : mean_d + ratio;
    if (n > 1) {
        const double mean_b = sb / static_cast<double>(n);
        double ss = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
            double r = a[j] - ratio * b[j];
            if (!d.empty()) r += mean_b * (d[j] - mean_d);
            ss += r * r;
        }
        out.std_error = std::sqrt(ss / (static_cast<double>(n) * static_cast<double>(n - 1))) / mean_b;
    } else {
        // One unit has no variance estimate: the uncertainty is undefined, not zero (also for the
        // bootstrap, whose resamples would all repeat that unit).
        out.std_error = out.ci_low = out.ci_high = std::numeric_limits<double>::quiet_NaN();
        return out;
    }
    const double alpha = 1.0 - o.confidence;
    if (o.bootstrap == 0) {
        const double z = normal_quantile(1.0 - alpha / 2.0);
        out.ci_low = out.value - z * out.std_error;
        out.ci_high = out.value + z * out.std_error;
        return out;
    }
    rng engine(o.seed);
    std::vector<double> draws;
    draws.reserve(o.bootstrap);
    for (std::size_t s = 0; s < o.bootstrap; ++s) {
        double ra = 0.0, rb = 0.0, rd = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
            const std::size_t k = static_cast<std::size_t>(engine.uniform_index(n));
            ra += a[k], rb += b[k];
            if (!d.empty()) rd += d[k];
        }
        if (rb > 0.0) draws.push_back(d.empty() ? ra / rb : rd / static_cast<double>(n) + ra / rb);
    }
    if (draws.empty()) throw argument_error(causalrec::error_message("causal", fn, "every bootstrap resample had a zero normalising sum"));
    std::sort(draws.begin(), draws.end());
    auto quantile = [&](double q) {
        const double pos = q * static_cast<double>(draws.size() - 1);
        const auto lo = static_cast<std::size_t>(std::floor(pos));
        const std::size_t hi = std::min(lo + 1, draws.size() - 1);
        return draws[lo] + (pos - static_cast<double>(lo)) * (draws[hi] - draws[lo]);
    };
    out.ci_low = quantile(alpha / 2.0);
    out.ci_high = quantile(1.0 - alpha / 2.0);
    return out;
}

CAUSALREC_INLINE ope_estimate ratio_estimate(const std::vector<double>& a, const std::vector<double>& b, const ope_options& o, const char* fn) {
    return mean_plus_ratio_estimate({}, a, b, o, fn);
}

CAUSALREC_INLINE void check_log_and_matrix(const data::interactions& log, const matrix<double>& m, const char* what, bool need_propensities,
                                 const char* fn) {
    if (log.empty()) throw argument_error(causalrec::error_message("causal", fn, "the log is empty"));
    if (need_propensities && !log.has_propensities())
        throw argument_error(causalrec::error_message("causal", fn, "the estimator needs the log's propensities column, and the log has none"));
    if (m.shape()[0] != log.n_users() || m.shape()[1] != log.n_items())
        throw shape_error(causalrec::error_message("causal", fn, what, " have shape (", m.shape()[0], ", ", m.shape()[1], "), the log has ",
                                                 log.n_users(), " users and ", log.n_items(), " items"));
}

}  // namespace detail
}  // namespace causalrec::causal
