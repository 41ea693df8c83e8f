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

#include "../../core/compiler.hpp"
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
ope_estimate estimate_rating_error(const matrix<double>& predictions, const data::interactions& log,
                                          const rating_error_options& options = {});

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
ope_estimate estimate_ranking_value(const matrix<double>& scores, const data::interactions& log,
                                           const ranking_value_options& options = {});

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/mnar.hpp"
#endif
