#pragma once
/// @file
/// Debiased evaluation from logged, missing-not-at-random feedback (Schnabel et al., ICML 2016, §3):
/// naive, IPS, SNIPS and doubly robust estimates of a rating predictor's MSE / MAE, and naive, IPS
/// and SNIPS estimates of a ranking's DCG@k and recall@k. Users are the units of the standard error
/// and of the bootstrap.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "../../core/message.hpp"
#include "../../core/error.hpp"
#include "../../core/tensor.hpp"
#include "../../data/interactions.hpp"
#include "common.hpp"

namespace causalrec::causal {

// ---------------------------------------------------------------------------------------------
// Rating prediction error
// ---------------------------------------------------------------------------------------------

/// Which error of a rating predictor is estimated.
enum class rating_error : std::uint8_t {
    squared,   ///< (prediction - rating)^2: MSE
    absolute,  ///< |prediction - rating|: MAE
};

/// Options of estimate_rating_error.
struct rating_error_options {
    ope_estimator estimator = ope_estimator::ips;     ///< naive, ips, snips or dr
    rating_error error = rating_error::squared;        ///< MSE or MAE
    const matrix<double>* imputed_errors = nullptr;    ///< DR: the imputed error of every user x item pair (n_users x n_items)
    ope_options ope{};                                 ///< bootstrap, confidence, seed, clip
};

/// Estimates the mean error over all n_users x n_items pairs of `predictions` (n_users x n_items)
/// from the logged ratings of `log` (values, propensities P(O_ui = 1)) — Schnabel et al. 2016, eq.
/// (7)-(10): naive = mean over logged pairs; IPS = sum over logged of err / p over n_users n_items;
/// SNIPS = sum err / p over sum 1 / p; DR = mean over all pairs of imputed error plus, on logged
/// pairs, (err - imputed) / p. Users are the units of the standard error and the bootstrap.
/// Raises argument_error for an empty log, missing propensities (IPS, SNIPS, DR) or imputed errors
/// (DR), a policy-value-only estimator, shape_error for matrices that are not n_users x n_items.
inline ope_estimate estimate_rating_error(const matrix<double>& predictions, const data::interactions& log,
                                          const rating_error_options& options = {}) {
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

// ---------------------------------------------------------------------------------------------
// Ranking value
// ---------------------------------------------------------------------------------------------

/// Which ranking value is estimated.
enum class ranking_value : std::uint8_t {
    dcg,     ///< DCG@k = sum over relevant items ranked within k of rel / log2(1 + rank), per user, averaged over users
    recall,  ///< recall@k = relevant mass within k over relevant mass, per user with relevant logged items
};

/// Options of estimate_ranking_value.
struct ranking_value_options {
    ranking_value metric = ranking_value::dcg;      ///< DCG@k or recall@k
    std::size_t k = 5;                              ///< cut-off (>= 1)
    ope_estimator estimator = ope_estimator::ips;   ///< naive, ips or snips (dr is not offered here)
    ope_options ope{};                              ///< bootstrap, confidence, seed, clip
};

/// Estimates the DCG@k or recall@k of the ranking of all items by `scores` (n_users x n_items;
/// higher first, ties by lower item index) from logged relevance feedback (`log` values >= 0, with
/// propensities), as in Schnabel et al. 2016 §3: IPS DCG = mean over users of sum over logged items
/// of rel c(rank) / p; SNIPS rescales each user's sum by n_items / sum 1 / p over the user's logged
/// items (pooled over users); naive takes p = 1 with the same rescaling. Recall@k is per user the
/// (weighted) relevant mass ranked within k over the relevant mass, averaged over users with
/// relevant logged items. Raises argument_error for k = 0, an estimator other than naive, IPS and
/// SNIPS, a negative value or missing propensities, shape_error for a score matrix of the wrong shape.
inline ope_estimate estimate_ranking_value(const matrix<double>& scores, const data::interactions& log,
                                           const ranking_value_options& options = {}) {
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
