#pragma once
/// @file
/// Explanations a recommender's user can read: "because you interacted with X" — each history item's
/// share of a recommended item's score — for item-kNN, ALS and SASRec, and "because it shares features F" —
/// each feature's share of a content-based cosine score. The shares add up to the score (less a base
/// the history does not explain): exactly, except SASRec's, which are integrated gradients. Like every attribution they describe the model: a large share
/// says the model scores the item high because of that history item, not that the user chose for it.
/// This header reaches into rec/ and is not included by explain.hpp: include it on purpose.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/linalg.hpp"
#include "../core/message.hpp"
#include "../rec/als.hpp"
#include "../rec/content.hpp"
#include "../rec/knn.hpp"
#include "../rec/sequential/sasrec.hpp"

namespace causalrec::explain {

/// One history item's share of an explained score.
struct history_share {
    std::size_t item = 0;       ///< the history item (index of the model's log)
    double share = 0.0;         ///< its part of the score
};

/// One feature's share of an explained score.
struct feature_share {
    std::size_t feature = 0;    ///< the feature (column of the item feature matrix)
    double share = 0.0;         ///< its part of the score
};

/// Why a recommender scores `item`: shares sorted by decreasing size, adding up to score - base.
struct recommendation_explanation {
    std::size_t item = 0;                     ///< the explained item
    double score = 0.0;                       ///< the score explained
    double base = 0.0;                        ///< the part no history item or feature carries (ALS explicit: the global mean)
    std::vector<history_share> history{};     ///< "because you interacted with": one entry per history item
    std::vector<feature_share> features{};    ///< "because it shares": one entry per feature both sides have
};

namespace detail {

template <class Share>
void sort_shares(std::vector<Share>& shares) {
    std::stable_sort(shares.begin(), shares.end(), [](const Share& a, const Share& b) { return std::abs(a.share) > std::abs(b.share); });
}

void check_item(std::size_t item, std::size_t n_items, const char* model);

}  // namespace detail

/// Item-kNN: the score of `item` for `user` is the sum over the user's training items i of the
/// neighbour weight w_i,item; each i's share is that weight (0 when item is not among i's kept
/// neighbours). Raises not_fitted_error before fit and argument_error for an item out of range.
recommendation_explanation explain_recommendation(const rec::item_knn& model, std::size_t user, std::size_t item);

/// ALS: the user's factors solved from a history (items, values: as fold_in) are p = A^-1 sum_i
/// c_i y_i, so the raw score of `item` (y_j . p, plus the global mean for centred explicit ratings) is
/// a sum over the history of y_j^T A^-1 y_i c_i (Hu, Koren & Volinsky 2008, section 5): each history
/// item's share. Implicit: A = Y^T Y + sum_i alpha r_i y_i y_i^T + lambda I, c_i = (1 + alpha r_i)
/// [r_i > 0]; explicit: A = sum_i y_i y_i^T + lambda (n) I, c_i = r_i - mean. The score is the fold-in
/// user's (equal to the model's stored one when that user's factors were last solved from this
/// history). Items must be distinct. Raises not_fitted_error before fit and argument_error for an
/// item out of range, a repeated item or a length mismatch.
recommendation_explanation explain_recommendation(const rec::als& model, std::span<const std::size_t> items,
                                                         std::span<const double> values, std::size_t item);

/// Content-based: the cosine of the user's profile p and the item's vector x (unit length) is
/// sum_f p_f x_f / |p|; each feature both have gets its term. Raises not_fitted_error before fit and
/// argument_error for an item out of range; a user without history gets score 0 and no shares.
recommendation_explanation explain_recommendation(const rec::content_based& model, std::size_t user, std::size_t item);

/// SASRec: integrated gradients of the score of `item` after `history` over each read position's item
/// embedding (rec::sasrec::explain_history, `steps` Gauss-Legendre points): one share per position
/// (a repeated item appears once per position), base = the score after the same positions without
/// item content; the shares add up to score - base up to the integration error (for the attention
/// weights and the reported delta, call explain_history itself).
recommendation_explanation explain_recommendation(const rec::sasrec& model, std::span<const std::uint32_t> history, std::size_t item,
                                                         std::size_t steps = 128);

}  // namespace causalrec::explain

#if CAUSALREC_HEADER_ONLY
#include "impl/recommendations.hpp"
#endif
