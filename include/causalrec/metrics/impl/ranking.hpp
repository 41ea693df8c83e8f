#pragma once
/// @file
/// Definitions of the non-template functions declared in metrics/ranking.hpp (the ranking checks and catalogue metrics): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../ranking.hpp"

namespace causalrec::metrics {

CAUSALREC_INLINE double catalog_coverage(const matrix<std::size_t>& top_k, std::size_t n_items) {
    detail::check_top(top_k, n_items, "catalog_coverage");
    std::vector<unsigned char> seen(n_items, 0);
    std::size_t count = 0;
    for (const std::size_t i : top_k) {
        if (i != no_item && !seen[i]) seen[i] = 1, ++count;
    }
    return static_cast<double>(count) / static_cast<double>(n_items);
}

CAUSALREC_INLINE double gini_index(const matrix<std::size_t>& top_k, std::size_t n_items) {
    detail::check_top(top_k, n_items, "gini_index");
    std::vector<double> exposure(n_items, 0.0);
    for (const std::size_t i : top_k) {
        if (i != no_item) exposure[i] += 1.0;
    }
    std::sort(exposure.begin(), exposure.end());
    double total = 0.0, weighted = 0.0;
    const double n = static_cast<double>(n_items);
    for (std::size_t j = 0; j < n_items; ++j) {
        total += exposure[j];
        weighted += (2.0 * static_cast<double>(j + 1) - n - 1.0) * exposure[j];
    }
    if (total == 0.0) detail::fail<argument_error>("gini_index", "top_k holds no item");
    return weighted / (n * total);
}

}  // namespace causalrec::metrics

namespace causalrec::metrics {
namespace detail {

CAUSALREC_INLINE void check_rows(const sparse_rows& rows, std::size_t users, std::size_t n_items, const char* name,
                       bool allow_empty) {
    using causalrec::cat;
    if (rows.offsets.empty() && allow_empty) {
        if (!rows.items.empty()) fail<shape_error>("evaluate_ranking", cat(name, ".offsets is empty but ", name, ".items has ", rows.items.size(), " entries"));
        return;
    }
    if (rows.offsets.size() != users + 1) {
        fail<shape_error>("evaluate_ranking", cat(name, ".offsets has ", rows.offsets.size(),
                                                   " entries; the score matrix has ", users, " users, so expected ",
                                                   users + 1));
    }
    if (rows.offsets.front() != 0 || rows.offsets.back() != rows.items.size()) {
        fail<shape_error>("evaluate_ranking", cat(name, ".offsets must start at 0 and end at ", name, ".items.size() = ",
                                                   rows.items.size(), "; got ", rows.offsets.front(), " .. ",
                                                   rows.offsets.back()));
    }
    for (std::size_t u = 0; u < users; ++u) {
        if (rows.offsets[u + 1] < rows.offsets[u]) {
            fail<shape_error>("evaluate_ranking", cat(name, ".offsets decreases at user ", u, ": ", rows.offsets[u],
                                                       " then ", rows.offsets[u + 1]));
        }
        for (std::size_t j = rows.offsets[u]; j < rows.offsets[u + 1]; ++j) {
            if (rows.items[j] >= n_items) {
                fail<argument_error>("evaluate_ranking", cat(name, ".items[", j, "] = ", rows.items[j], " (user ", u,
                                                              ") is out of range: the score matrix has ", n_items,
                                                              " items"));
            }
        }
    }
}

CAUSALREC_INLINE void check_top(const matrix<std::size_t>& top_k, std::size_t n_items, const char* fn) {
    using causalrec::cat;
    if (n_items == 0) fail<argument_error>(fn, "n_items must be >= 1, got 0");
    for (std::size_t j = 0; j < top_k.size(); ++j) {
        const std::size_t i = top_k.data()[j];
        if (i != no_item && i >= n_items) {
            fail<argument_error>(fn, cat("top_k entry ", j, " (user ", j / std::max<std::size_t>(1, top_k.shape()[1]),
                                         ") = ", i, " is out of range: n_items is ", n_items));
        }
    }
}

}  // namespace detail
}  // namespace causalrec::metrics
namespace causalrec::metrics {
namespace detail {

CAUSALREC_INLINE std::vector<double> discounts(std::size_t k) {
    std::vector<double> d(k);
    for (std::size_t r = 0; r < k; ++r) d[r] = 1.0 / std::log2(static_cast<double>(r) + 2.0);
    return d;
}

}  // namespace detail
}  // namespace causalrec::metrics
