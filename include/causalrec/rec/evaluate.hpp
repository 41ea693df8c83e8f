#pragma once
/// @file
/// evaluate_recommender: ranking metrics of any Recommender on a test log, scoring every test user
/// in parallel, leaving out each user's training items, plus the catalogue metrics of its top-K
/// lists (coverage, novelty, Gini of exposure).

#include <cstddef>
#include <numeric>
#include <vector>

#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../data/interactions.hpp"
#include "../metrics/ranking.hpp"
#include "common.hpp"
#include "concepts.hpp"

namespace causalrec::rec {

/// Options of evaluate_recommender.
struct recommender_eval_options {
    std::size_t k = 10;  ///< cut-off K
    /// Metrics to compute (see metrics::ranking_metric).
    metrics::ranking_metric metrics = metrics::ranking_metric::precision | metrics::ranking_metric::recall |
                                      metrics::ranking_metric::ndcg | metrics::ranking_metric::map |
                                      metrics::ranking_metric::mrr | metrics::ranking_metric::hit_rate |
                                      metrics::ranking_metric::auc;
    double min_relevance = 0.0;  ///< a test row is relevant when its value is > min_relevance
    bool exclude_train = true;   ///< leave each user's training items out of the ranking
    bool per_user = false;       ///< also fill ranking.per_user (one entry per evaluated user)
    /// Order of equal scores: by default a relevant item ranks after the non-relevant ones with its
    /// score, so that a tie earns no credit (items a model cannot rank, such as those no k-NN
    /// neighbour reaches, all score 0; by index they would fill the list and could hit).
    metrics::tie_break ties = metrics::tie_break::pessimistic;
};

/// What evaluate_recommender measures.
struct recommender_evaluation {
    metrics::ranking_result ranking;  ///< means (and top-K lists) over test users with a relevant item
    double coverage = 0.0;            ///< share of the catalogue in at least one top-K list
    double novelty = 0.0;             ///< mean -log2 popularity of the recommended items
    double gini = 0.0;                ///< Gini index of how often each item is recommended
    std::vector<std::size_t> users;   ///< the evaluated users, in the order of ranking.top_k's rows
};

/// Ranks all items for every user with a relevant test row (value > min_relevance) using
/// model.score(user, all items) on causalrec::num_threads() threads, leaves out the user's
/// training items (train.by_user()) and computes the ranking metrics against the user's relevant
/// test items, and coverage, novelty (popularity = training users per item) and Gini of the top-K
/// lists. train and test must have the same item count (e.g. from one split); raises shape_error
/// otherwise and argument_error when no test user has a relevant item.
template <Recommender R>
recommender_evaluation evaluate_recommender(const R& model, const data::interactions& train, const data::interactions& test,
                                            const recommender_eval_options& options = {}) {
    if (train.n_items() != test.n_items())
        throw shape_error(causalrec::cat("causalrec::rec::evaluate_recommender: train has ", train.n_items(), " items, test has ",
                                                 test.n_items()));
    const std::size_t n_items = train.n_items();
    const auto& by_user = test.by_user();
    recommender_evaluation out;
    std::vector<std::size_t> rel_offsets{0}, rel_items, ex_offsets{0}, ex_items;
    for (std::size_t u = 0; u < by_user.rows(); ++u) {
        const auto items = by_user.row_indices(u);
        const auto values = by_user.row_values(u);
        const std::size_t before = rel_items.size();
        for (std::size_t j = 0; j < items.size(); ++j)
            if (values[j] > options.min_relevance) rel_items.push_back(items[j]);
        if (rel_items.size() == before) continue;
        out.users.push_back(u);
        rel_offsets.push_back(rel_items.size());
        if (options.exclude_train) {
            const auto seen = train.by_user().row_indices(u);
            ex_items.insert(ex_items.end(), seen.begin(), seen.end());
        }
        ex_offsets.push_back(ex_items.size());
    }
    if (out.users.empty()) throw argument_error("causalrec::rec::evaluate_recommender: no test user has a relevant item");
    std::vector<std::size_t> all(n_items);
    std::iota(all.begin(), all.end(), std::size_t{0});
    matrix<double> scores = make_matrix<double>(out.users.size(), n_items);
    detail::parallel_ranges(out.users.size(), [&](std::size_t begin, std::size_t end) {
        for (std::size_t r = begin; r < end; ++r) {
            const auto s = model.score(out.users[r], all);
            std::copy(s.begin(), s.end(), scores.data() + r * n_items);
        }
    });
    const metrics::sparse_rows exclude{ex_offsets, ex_items}, relevant{rel_offsets, rel_items};
    out.ranking = metrics::evaluate_ranking(scores, exclude, relevant,
                                            {.k = options.k, .metrics = options.metrics, .ties = options.ties, .per_user = options.per_user, .keep_top_k = true});
    out.coverage = metrics::catalog_coverage(out.ranking.top_k, n_items);
    std::vector<double> counts(n_items, 0.0);
    const auto& by_item = train.by_item();
    for (std::size_t i = 0; i < n_items; ++i) counts[i] = static_cast<double>(by_item.row_indices(i).size());
    out.novelty = metrics::novelty(out.ranking.top_k, counts, std::max<std::size_t>(train.n_users(), 1));
    out.gini = metrics::gini_index(out.ranking.top_k, n_items);
    return out;
}

}  // namespace causalrec::rec
