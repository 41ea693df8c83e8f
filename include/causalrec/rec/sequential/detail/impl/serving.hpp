#pragma once
/// @file
/// Definitions of the non-template functions declared in rec/sequential/detail/serving.hpp (the sequence models' serving helpers): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../serving.hpp"

namespace causalrec::rec::detail {

CAUSALREC_INLINE void check_history(std::span<const std::uint32_t> history, std::size_t n_items, std::string_view model) {
    for (const auto item : history)
        if (item >= n_items)
            throw argument_error(causalrec::error_message("rec", model, "history item ", item, " is out of range (", n_items, " items)"));
}

CAUSALREC_INLINE std::vector<double> scores_of_items(std::span<const float> state, const float* table, std::span<const float> bias,
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

CAUSALREC_INLINE matrix<float> scores_of_all_items(const matrix<float>& states, const float* table, std::size_t n_items, std::span<const float> bias) {
    const std::size_t B = states.shape()[0], d = states.shape()[1];
    matrix<float> scores = make_matrix<float>(B, n_items);
    if (B == 0) return scores;
    blas::gemm(false, true, B, n_items, d, 1.0f, states.data(), d, table, d, 0.0f, scores.data(), n_items);
    if (!bias.empty())
        for (std::size_t b = 0; b < B; ++b)
            for (std::size_t i = 0; i < n_items; ++i) scores.data()[b * n_items + i] += bias[i];
    return scores;
}

CAUSALREC_INLINE matrix<std::size_t> top_items_of_states(const matrix<float>& states, const float* table, std::size_t n_items, std::span<const float> bias,
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

}  // namespace causalrec::rec::detail
