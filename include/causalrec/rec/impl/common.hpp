#pragma once
/// @file
/// Definitions of the non-template functions declared in rec/common.hpp (the shared ranking helpers): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../common.hpp"

namespace causalrec::rec {

CAUSALREC_INLINE matrix<std::size_t> top_items(const matrix<float>& scores, std::size_t k) {
    const std::size_t rows = scores.shape()[0], n = scores.shape()[1], kk = std::min(k, n);
    matrix<std::size_t> out = make_matrix<std::size_t>(rows, kk);
    std::vector<scored_item> top;
    top.reserve(kk);
    for (std::size_t r = 0; r < rows; ++r) {
        const float* row = scores.data() + r * n;
        detail::select_top(
            n, kk, [row](std::size_t i) { return row[i]; }, [](std::size_t) { return true; }, top);
        for (std::size_t j = 0; j < top.size(); ++j) out.data()[r * kk + j] = top[j].item;
    }
    return out;
}

}  // namespace causalrec::rec

namespace causalrec::rec::detail {

CAUSALREC_INLINE std::vector<scored_item> top_k(std::span<const double> scores, std::size_t k, std::span<const std::size_t> excluded,
                                      std::span<const char> reached) {
    std::vector<char> out(excluded.empty() ? 0 : scores.size(), 0);
    for (const std::size_t e : excluded)
        if (e < out.size()) out[e] = 1;
    std::vector<scored_item> top;
    select_top(
        scores.size(), k, [&](std::size_t i) { return scores[i]; },
        [&](std::size_t i) { return (out.empty() || !out[i]) && (reached.empty() || reached[i]); }, top);
    return top;
}

CAUSALREC_INLINE void require_fitted(bool fitted, std::string_view model, std::string_view call) {
    causalrec::require_fitted(fitted, qualified("rec", model), call);
}

CAUSALREC_INLINE void check_items(std::span<const std::size_t> items, std::size_t n_items, std::string_view model) {
    for (std::size_t k = 0; k < items.size(); ++k)
        if (items[k] >= n_items)
            throw argument_error(causalrec::error_message("rec", model, "item index ", items[k], " at position ", k,
                                                        " is out of range (the model was fitted on ", n_items, " items)"));
}

CAUSALREC_INLINE void require_nonempty_log(const data::interactions& log, std::string_view model) {
    if (log.empty())
        throw argument_error(causalrec::cat("causalrec::rec::", model, "::fit: cannot fit an empty log (no interactions)"));
}

CAUSALREC_INLINE std::vector<double> gather(std::span<const double> all, std::span<const std::size_t> items) {
    std::vector<double> out(items.size());
    for (std::size_t k = 0; k < items.size(); ++k) out[k] = all[items[k]];
    return out;
}

}  // namespace causalrec::rec::detail
