#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/offpolicy/mnar.hpp (the missing-not-at-random evaluation): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../mnar.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE ope_estimate estimate_rating_error(const matrix<double>& predictions, const data::interactions& log,
                                          const rating_error_options& options) {
    constexpr const char* fn = "estimate_rating_error";
    detail::check_ope_options(options.ope, fn);
    const auto est = options.estimator;
    detail::require_general_estimator(est, fn);
    detail::check_log_and_matrix(log, predictions, "predictions", est != ope_estimator::naive, fn);
    if (est == ope_estimator::dr) {
        if (!options.imputed_errors) throw argument_error("causalrec::causal::estimate_rating_error: the DR estimator needs imputed_errors");
        detail::check_log_and_matrix(log, *options.imputed_errors, "imputed errors", true, fn);
    }
    const std::size_t nu = log.n_users(), ni = log.n_items();
    std::vector<double> a(nu, 0.0), b(nu, 0.0);
    for (std::size_t u = 0; u < nu; ++u) {
        if (est == ope_estimator::ips || est == ope_estimator::dr) b[u] = static_cast<double>(ni);
        if (est == ope_estimator::dr)
            for (std::size_t i = 0; i < ni; ++i) a[u] += (*options.imputed_errors)(u, i);
    }
    for (std::size_t r = 0; r < log.size(); ++r) {
        const std::size_t u = log.users()[r], i = log.items()[r];
        const double diff = predictions(u, i) - log.values()[r];
        const double err = options.error == rating_error::squared ? diff * diff : std::abs(diff);
        const double p = est == ope_estimator::naive ? 1.0 : std::max(log.propensities()[r], options.ope.clip);
        switch (est) {
            case ope_estimator::naive: a[u] += err, b[u] += 1.0; break;
            case ope_estimator::ips: a[u] += err / p; break;
            case ope_estimator::snips: a[u] += err / p, b[u] += 1.0 / p; break;
            case ope_estimator::dr: a[u] += (err - (*options.imputed_errors)(u, i)) / p; break;
            default: break;  // refused above
        }
    }
    return detail::ratio_estimate(a, b, options.ope, fn);
}

CAUSALREC_INLINE ope_estimate estimate_ranking_value(const matrix<double>& scores, const data::interactions& log,
                                           const ranking_value_options& options) {
    constexpr const char* fn = "estimate_ranking_value";
    detail::check_ope_options(options.ope, fn);
    if (options.k == 0) throw argument_error("causalrec::causal::estimate_ranking_value: k must be >= 1");
    const auto est = options.estimator;
    if (est == ope_estimator::dr) throw argument_error("causalrec::causal::estimate_ranking_value: the DR estimator is not offered for rankings");
    detail::require_general_estimator(est, fn);
    detail::check_log_and_matrix(log, scores, "scores", est != ope_estimator::naive, fn);
    const std::size_t nu = log.n_users(), ni = log.n_items();
    for (std::size_t r = 0; r < log.size(); ++r)
        if (!(log.values()[r] >= 0.0))
            throw argument_error(causalrec::cat("causalrec::causal::estimate_ranking_value: row ", r, ": relevance ", log.values()[r], " is negative"));
    std::vector<std::vector<std::size_t>> rows_of(nu);
    for (std::size_t r = 0; r < log.size(); ++r) rows_of[log.users()[r]].push_back(r);
    std::vector<double> a, b;
    std::vector<std::size_t> order(ni), rank(ni);
    for (std::size_t u = 0; u < nu; ++u) {
        const auto& rows = rows_of[u];
        if (options.metric == ranking_value::recall) {
            double rel = 0.0;
            for (std::size_t r : rows) rel += log.values()[r];
            if (rows.empty() || !(rel > 0.0)) continue;
        }
        if (!rows.empty()) {
            std::iota(order.begin(), order.end(), std::size_t{0});
            std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return scores(u, x) > scores(u, y); });
            for (std::size_t j = 0; j < ni; ++j) rank[order[j]] = j + 1;
        }
        double gain = 0.0, mass = 0.0, inv_p = 0.0;
        for (std::size_t r : rows) {
            const double p = est == ope_estimator::naive ? 1.0 : std::max(log.propensities()[r], options.ope.clip);
            const std::size_t k = rank[log.items()[r]];
            const double rel = log.values()[r] / p;
            inv_p += 1.0 / p;
            mass += rel;
            if (k <= options.k)
                gain += options.metric == ranking_value::dcg ? rel / std::log2(1.0 + static_cast<double>(k)) : rel;
        }
        if (options.metric == ranking_value::recall) {
            a.push_back(gain / mass);
            b.push_back(1.0);
        } else {
            a.push_back(gain);
            b.push_back(est == ope_estimator::ips ? 1.0 : inv_p / static_cast<double>(ni));
        }
    }
    return detail::ratio_estimate(a, b, options.ope, fn);
}

}  // namespace causalrec::causal
