#pragma once
/// @file
/// Ranking evaluation with the users shared out over the ranks: each rank scores and ranks only its
/// block of users, and the per-user values and top-K lists are gathered in user order, so that the
/// means, coverage, novelty and Gini are exactly those of rec::evaluate_recommender in one process.

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../data/interactions.hpp"
#include "../metrics/ranking.hpp"
#include "../rec/evaluate.hpp"
#include "als.hpp"
#include "communicator.hpp"

namespace causalrec::distributed {

namespace detail {

/// Mean of one field over the users that have it (not NaN), in user order (as evaluate_ranking).
inline double mean_of(const std::vector<metrics::ranking_values>& v, double metrics::ranking_values::*field) {
    double sum = 0.0, count = 0.0;
    for (const auto& x : v)
        if (!std::isnan(x.*field)) sum += x.*field, count += 1.0;
    return count > 0.0 ? sum / count : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace detail

/// rec::evaluate_recommender over the ranks of `comm`: rank r scores the users of block r of
/// [0, n_users) (contiguous blocks, as fit_als), then the per-user values, the top-K lists and the
/// user lists are gathered. Collective; every rank returns the same result, equal to one process's
/// (the same sums in the same order). Every rank passes the whole train and test logs and a model
/// that scores every user (after fit_als or distributed::fit every rank holds the whole model).
/// Raises distributed_error on every rank when any rank fails, argument_error (on every rank) when no
/// test user has a relevant item.
template <rec::Recommender R>
rec::recommender_evaluation evaluate_recommender(const communicator& comm, const R& model, const data::interactions& train,
                                                 const data::interactions& test, const rec::recommender_eval_options& options = {}) {
    const std::string where = "causalrec::distributed::evaluate_recommender";
    const std::size_t n_users = test.n_users(), n_items = test.n_items();
    const auto p = static_cast<std::size_t>(comm.size()), r = static_cast<std::size_t>(comm.rank());
    const std::size_t first = block_begin(n_users, p, r), last = block_begin(n_users, p, r + 1);
    rec::recommender_evaluation local;
    comm.agree(
        [&] {
            if (train.n_items() != n_items)
                throw shape_error(causalrec::cat(where, ": train has ", train.n_items(), " items, test has ", n_items));
            std::vector<std::size_t> rows;
            bool relevant = false;
            for (std::size_t j = 0; j < test.size(); ++j)
                if (test.users()[j] >= first && test.users()[j] < last) {
                    rows.push_back(j);
                    relevant = relevant || test.values()[j] > options.min_relevance;
                }
            if (!relevant) return;  // no user of this block has a relevant test item
            rec::recommender_eval_options o = options;
            o.per_user = true;
            local = rec::evaluate_recommender(model, train, test.subset(rows), o);
        },
        where);
    // Gather in rank order = user order: the per-user values (7 per user), the users, the top-K rows.
    constexpr std::size_t fields = 7;
    using V = metrics::ranking_values;
    constexpr double V::*members[fields] = {&V::precision, &V::recall, &V::ndcg, &V::map, &V::mrr, &V::hit_rate, &V::auc};
    std::vector<double> values;
    values.reserve(local.ranking.per_user.size() * fields);
    for (const auto& v : local.ranking.per_user)
        for (auto m : members) values.push_back(v.*m);
    const auto all_values = comm.allgatherv(std::span<const double>(values));
    const auto all_users = comm.allgatherv(std::span<const std::size_t>(local.users));
    const auto all_top = comm.allgatherv(std::span<const std::size_t>(local.ranking.top_k.data(), local.ranking.top_k.size()));
    rec::recommender_evaluation out;
    if (all_users.empty()) throw argument_error(causalrec::cat(where, ": no test user has a relevant item"));
    out.users = all_users;
    const std::size_t users = all_users.size();
    std::vector<V> per_user(users);
    for (std::size_t u = 0; u < users; ++u)
        for (std::size_t f = 0; f < fields; ++f) per_user[u].*members[f] = all_values[u * fields + f];
    auto& ranking = out.ranking;
    ranking.k = options.k;
    ranking.users_evaluated = users;
    for (std::size_t f = 0; f < fields; ++f) ranking.mean.*members[f] = detail::mean_of(per_user, members[f]);
    if (options.per_user) ranking.per_user = per_user;
    const std::size_t width = users > 0 ? all_top.size() / users : 0;
    ranking.top_k = make_matrix<std::size_t>(users, width);
    std::copy(all_top.begin(), all_top.end(), ranking.top_k.data());
    out.coverage = metrics::catalog_coverage(ranking.top_k, n_items);
    std::vector<double> counts(n_items, 0.0);
    const auto& by_item = train.by_item();
    for (std::size_t i = 0; i < n_items; ++i) counts[i] = static_cast<double>(by_item.row_indices(i).size());
    out.novelty = metrics::novelty(ranking.top_k, counts, std::max<std::size_t>(train.n_users(), 1));
    out.gini = metrics::gini_index(ranking.top_k, n_items);
    return out;
}

}  // namespace causalrec::distributed
