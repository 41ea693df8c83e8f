#pragma once
/// @file
/// What the next-item recommenders share once fitted: checking a history, the k best items after it,
/// and the Recommender concept's score and recommend for a user's training sequence. A model passes
/// itself; it offers n_items(), score_all(histories), score_history(history, items),
/// training_sequences() and covers(user).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "../../../core/compiler.hpp"
#include "../../../core/blas.hpp"
#include "../../../core/error.hpp"
#include "../../../core/message.hpp"
#include "../../../core/tensor.hpp"
#include "../../common.hpp"
#include "../../concepts.hpp"

namespace causalrec::rec::detail {

/// Raises argument_error for a history item >= n_items.
void check_history(std::span<const std::uint32_t> history, std::size_t n_items, std::string_view model);

/// Scores of `items` after one final state: s_i = state . table[i] (+ bias[i] when bias is not empty),
/// table of rows of state.size() values.
std::vector<double> scores_of_items(std::span<const float> state, const float* table, std::span<const float> bias,
                                           std::span<const std::size_t> items);

/// Every item's scores after each final state (rows of `states`): one GEMM with the n_items x d
/// table, plus bias[i] when bias is not empty.
matrix<float> scores_of_all_items(const matrix<float>& states, const float* table, std::size_t n_items, std::span<const float> bias);

/// The k best items for each final state (rows of `states`, B x d) among the n_items rows of `table`
/// (n_items x d), scores state . table[i] (+ bias[i] when bias is not empty), best first, ties to the
/// lower index. The items are taken in blocks: one GEMM per block of 2048 items into a buffer that
/// stays in cache, then a running k-entry heap per state, so the B x n_items score matrix is never
/// written out. Rows x min(k, n_items).
matrix<std::size_t> top_items_of_states(const matrix<float>& states, const float* table, std::size_t n_items, std::span<const float> bias,
                                               std::size_t k);

/// The k best items after `history` by model.score_all, best first, without the history's items when
/// exclude_seen.
template <class Model>
std::vector<scored_item> recommend_after(const Model& model, std::span<const std::uint32_t> history, std::size_t k, bool exclude_seen) {
    const std::span<const std::uint32_t> one[1] = {history};
    const matrix<float> s = model.score_all(one);
    const std::vector<double> scores(s.begin(), s.end());
    std::vector<std::size_t> seen;
    if (exclude_seen) {
        seen.assign(history.begin(), history.end());
        std::sort(seen.begin(), seen.end());
        seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    }
    return top_k(scores, k, seen);
}

/// True for a user with a non-empty training sequence.
template <class Model>
bool has_training_sequence(const Model& model, std::size_t user) noexcept {
    return user < model.training_sequences().n_users() && model.training_sequences().length(user) > 0;
}

/// Scores of `items` after the user's training sequence; zeros for a user without one.
template <class Model>
std::vector<double> score_user(const Model& model, std::size_t user, std::span<const std::size_t> items) {
    require_fitted(model.is_fitted(), Model::model_name);
    if (!model.covers(user)) {
        check_items(items, model.n_items(), Model::model_name);
        return std::vector<double>(items.size(), 0.0);
    }
    return model.score_history(model.training_sequences().of(user), items);
}

/// The k best items after the user's training sequence; empty for a user without one.
template <class Model>
std::vector<scored_item> recommend_user(const Model& model, std::size_t user, std::size_t k, bool exclude_seen) {
    require_fitted(model.is_fitted(), Model::model_name);
    if (!model.covers(user)) return {};
    return model.recommend_from_history(model.training_sequences().of(user), k, exclude_seen);
}

}  // namespace causalrec::rec::detail

#if CAUSALREC_HEADER_ONLY
#include "impl/serving.hpp"
#endif
