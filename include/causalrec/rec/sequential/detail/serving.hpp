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

#include "../../../core/blas.hpp"
#include "../../../core/error.hpp"
#include "../../../core/message.hpp"
#include "../../../core/tensor.hpp"
#include "../../common.hpp"
#include "../../concepts.hpp"

namespace causalrec::rec::detail {

/// Raises argument_error for a history item >= n_items.
inline void check_history(std::span<const std::uint32_t> history, std::size_t n_items, std::string_view model) {
    for (const auto item : history)
        if (item >= n_items)
            throw argument_error(causalrec::error_message("rec", model, "history item ", item, " is out of range (", n_items, " items)"));
}

/// Scores of `items` after one final state: s_i = state . table[i] (+ bias[i] when bias is not empty),
/// table of rows of state.size() values.
inline std::vector<double> scores_of_items(std::span<const float> state, const float* table, std::span<const float> bias,
                                           std::span<const std::size_t> items) {
    const std::size_t d = state.size();
    std::vector<double> out(items.size());
    for (std::size_t k = 0; k < items.size(); ++k) {
        double s = bias.empty() ? 0.0 : static_cast<double>(bias[items[k]]);
        for (std::size_t j = 0; j < d; ++j) s += static_cast<double>(state[j]) * table[items[k] * d + j];
        out[k] = s;
    }
    return out;
}

/// Every item's scores after each final state (rows of `states`): one GEMM with the n_items x d
/// table, plus bias[i] when bias is not empty.
inline matrix<float> scores_of_all_items(const matrix<float>& states, const float* table, std::size_t n_items, std::span<const float> bias) {
    const std::size_t B = states.shape()[0], d = states.shape()[1];
    matrix<float> scores = make_matrix<float>(B, n_items);
    if (B == 0) return scores;
    blas::gemm(false, true, B, n_items, d, 1.0f, states.data(), d, table, d, 0.0f, scores.data(), n_items);
    if (!bias.empty())
        for (std::size_t b = 0; b < B; ++b)
            for (std::size_t i = 0; i < n_items; ++i) scores.data()[b * n_items + i] += bias[i];
    return scores;
}

/// The k best items for each final state (rows of `states`, B x d) among the n_items rows of `table`
/// (n_items x d), scores state . table[i] (+ bias[i] when bias is not empty), best first, ties to the
/// lower index. The items are taken in blocks: one GEMM per block of 2048 items into a buffer that
/// stays in cache, then a running k-entry heap per state, so the B x n_items score matrix is never
/// written out. Rows x min(k, n_items).
inline matrix<std::size_t> top_items_of_states(const matrix<float>& states, const float* table, std::size_t n_items, std::span<const float> bias,
                                               std::size_t k) {
    const std::size_t B = states.shape()[0], d = states.shape()[1], kk = std::min(k, n_items), block = 2048;
    matrix<std::size_t> out = make_matrix<std::size_t>(B, kk);
    if (B == 0 || kk == 0) return out;
    std::vector<scored_item> heaps(B * kk);
    std::vector<std::size_t> sizes(B, 0);
    std::vector<float> buffer(B * std::min(block, n_items));
    const auto worst_first = [](const scored_item& a, const scored_item& b) { return better(a, b); };
    for (std::size_t start = 0; start < n_items; start += block) {
        const std::size_t m = std::min(block, n_items - start);
        blas::gemm(false, true, B, m, d, 1.0f, states.data(), d, table + start * d, d, 0.0f, buffer.data(), m);
        for (std::size_t b = 0; b < B; ++b) {
            const float* row = buffer.data() + b * m;
            scored_item* heap = heaps.data() + b * kk;
            std::size_t& size = sizes[b];
            for (std::size_t j = 0; j < m; ++j) {
                const double v = static_cast<double>(bias.empty() ? row[j] : row[j] + bias[start + j]);
                // Items come in increasing index, so an equal score never displaces a kept item.
                if (size == kk && !(v > heap[0].score)) continue;
                if (size < kk) {
                    heap[size++] = {start + j, v};
                    std::push_heap(heap, heap + size, worst_first);
                } else {
                    std::pop_heap(heap, heap + kk, worst_first);
                    heap[kk - 1] = {start + j, v};
                    std::push_heap(heap, heap + kk, worst_first);
                }
            }
        }
    }
    for (std::size_t b = 0; b < B; ++b) {
        scored_item* heap = heaps.data() + b * kk;
        std::sort_heap(heap, heap + kk, worst_first);
        for (std::size_t j = 0; j < kk; ++j) out.data()[b * kk + j] = heap[j].item;
    }
    return out;
}

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
