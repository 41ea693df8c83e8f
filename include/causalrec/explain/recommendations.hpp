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

inline void check_item(std::size_t item, std::size_t n_items, const char* model) {
    if (item >= n_items)
        throw argument_error(causalrec::error_message("explain", "explain_recommendation", "item ", item, " is not below the ", model,
                                                      " model's ", n_items, " items"));
}

}  // namespace detail

/// Item-kNN: the score of `item` for `user` is the sum over the user's training items i of the
/// neighbour weight w_i,item; each i's share is that weight (0 when item is not among i's kept
/// neighbours). Raises not_fitted_error before fit and argument_error for an item out of range.
inline recommendation_explanation explain_recommendation(const rec::item_knn& model, std::size_t user, std::size_t item) {
    const auto history = model.seen(user);
    detail::check_item(item, model.n_items(), "item_knn");
    const data::csr_matrix& w = model.neighbours();
    recommendation_explanation out{.item = item};
    for (const std::size_t i : history) {
        const auto js = w.row_indices(i);
        const auto ws = w.row_values(i);
        const auto at = std::lower_bound(js.begin(), js.end(), item);
        const double share = at != js.end() && *at == item ? ws[static_cast<std::size_t>(at - js.begin())] : 0.0;
        out.history.push_back({i, share});
        out.score += share;
    }
    detail::sort_shares(out.history);
    return out;
}

/// ALS: the user's factors solved from a history (items, values: as fold_in) are p = A^-1 sum_i
/// c_i y_i, so the raw score of `item` (y_j . p, plus the global mean for centred explicit ratings) is
/// a sum over the history of y_j^T A^-1 y_i c_i (Hu, Koren & Volinsky 2008, section 5): each history
/// item's share. Implicit: A = Y^T Y + sum_i alpha r_i y_i y_i^T + lambda I, c_i = (1 + alpha r_i)
/// [r_i > 0]; explicit: A = sum_i y_i y_i^T + lambda (n) I, c_i = r_i - mean. The score is the fold-in
/// user's (equal to the model's stored one when that user's factors were last solved from this
/// history). Items must be distinct. Raises not_fitted_error before fit and argument_error for an
/// item out of range, a repeated item or a length mismatch.
inline recommendation_explanation explain_recommendation(const rec::als& model, std::span<const std::size_t> items,
                                                         std::span<const double> values, std::size_t item) {
    const auto& m = model.model();
    const auto& o = model.options();
    const std::size_t k = m.factors, n_items = m.n_items(), n = items.size();
    detail::check_item(item, n_items, "als");
    if (values.size() != n)
        throw argument_error(causalrec::error_message("explain", "explain_recommendation", items.size(), " items but ", values.size(), " values"));
    std::vector<std::size_t> sorted(items.begin(), items.end());
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t q = 0; q < n; ++q) {
        detail::check_item(sorted[q], n_items, "als");
        if (q > 0 && sorted[q] == sorted[q - 1])
            throw argument_error(causalrec::error_message("explain", "explain_recommendation", "item ", sorted[q],
                                                          " is repeated in the history; merge its values first"));
    }
    const bool implicit = o.feedback == rec::als_feedback::implicit;
    const auto y = [&](std::size_t i) { return m.item_factors.data() + i * k; };
    std::vector<double> a(k * k, 0.0), coef(n, 0.0);
    if (implicit) {  // Y^T Y: the model keeps it for fold_in
        const std::vector<float>& gram = model.item_gram();
        std::copy(gram.begin(), gram.end(), a.begin());
    }
    for (std::size_t q = 0; q < n; ++q) {
        const double weight = implicit ? o.alpha * values[q] : 1.0;
        for (std::size_t r = 0; r < k; ++r)
            for (std::size_t c = 0; c < k; ++c) a[r * k + c] += weight * static_cast<double>(y(items[q])[r]) * static_cast<double>(y(items[q])[c]);
        coef[q] = implicit ? (values[q] > 0.0 ? 1.0 + o.alpha * values[q] : 0.0) : values[q] - m.offset;
    }
    const double diag = implicit || !o.scale_l2 ? o.l2 : o.l2 * static_cast<double>(n);
    for (std::size_t r = 0; r < k; ++r) a[r * k + r] += diag;
    // v = A^-1 y_item; share_i = (v . y_i) c_i (A is symmetric).
    std::vector<double> v(y(item), y(item) + k);
    if (!linalg::cholesky_solve(k, a.data(), v.data()))
        throw numeric_error("causalrec::explain::explain_recommendation: the ALS system is not positive definite");
    recommendation_explanation out{.item = item, .base = implicit ? 0.0 : m.offset};
    out.score = out.base;
    for (std::size_t q = 0; q < n; ++q) {
        double dot = 0.0;
        for (std::size_t f = 0; f < k; ++f) dot += v[f] * static_cast<double>(y(items[q])[f]);
        out.history.push_back({items[q], dot * coef[q]});
        out.score += dot * coef[q];
    }
    detail::sort_shares(out.history);
    return out;
}

/// Content-based: the cosine of the user's profile p and the item's vector x (unit length) is
/// sum_f p_f x_f / |p|; each feature both have gets its term. Raises not_fitted_error before fit and
/// argument_error for an item out of range; a user without history gets score 0 and no shares.
inline recommendation_explanation explain_recommendation(const rec::content_based& model, std::size_t user, std::size_t item) {
    const data::csr_matrix& profiles = model.profiles();
    detail::check_item(item, model.n_items(), "content_based");
    recommendation_explanation out{.item = item};
    if (user >= profiles.rows()) return out;
    const auto pf = profiles.row_indices(user);
    const auto pv = profiles.row_values(user);
    double norm = 0.0;
    for (double v : pv) norm += v * v;
    norm = std::sqrt(norm);
    const data::csr_matrix& items = model.item_vectors();
    const auto xf = items.row_indices(item);
    const auto xv = items.row_values(item);
    if (norm == 0.0 || xf.empty()) return out;
    for (std::size_t a = 0, b = 0; a < pf.size() && b < xf.size();) {
        if (pf[a] < xf[b]) {
            ++a;
        } else if (xf[b] < pf[a]) {
            ++b;
        } else {
            const double share = pv[a] * xv[b] / norm;
            out.features.push_back({pf[a], share});
            out.score += share;
            ++a, ++b;
        }
    }
    detail::sort_shares(out.features);
    return out;
}

/// SASRec: integrated gradients of the score of `item` after `history` over each read position's item
/// embedding (rec::sasrec::explain_history, `steps` Gauss-Legendre points): one share per position
/// (a repeated item appears once per position), base = the score after the same positions without
/// item content; the shares add up to score - base up to the integration error (for the attention
/// weights and the reported delta, call explain_history itself).
inline recommendation_explanation explain_recommendation(const rec::sasrec& model, std::span<const std::uint32_t> history, std::size_t item,
                                                         std::size_t steps = 128) {
    const rec::sequence_attribution a = model.explain_history(history, item, steps);
    recommendation_explanation out{.item = item, .score = a.score, .base = a.baseline_score};
    for (std::size_t t = 0; t < a.items.size(); ++t) out.history.push_back({a.items[t], a.integrated_gradients[t]});
    detail::sort_shares(out.history);
    return out;
}

}  // namespace causalrec::explain
