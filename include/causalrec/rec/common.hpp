#pragma once
/// @file
/// Pieces shared by the recommenders: top-k selection with deterministic ties, argument checks, and a
/// deterministic parallel loop.

#include <algorithm>
#include <cstddef>
#include <exception>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "../core/message.hpp"
#include "../core/checks.hpp"
#include "../core/error.hpp"
#include "../core/threads.hpp"
#include "../data/interactions.hpp"
#include "concepts.hpp"

namespace causalrec::rec::detail {

/// Best-first order: higher score, then lower item index.
inline bool better(const scored_item& a, const scored_item& b) noexcept {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
}

/// Calls fn(i) for every i in [0, n) that is not in `excluded` (ascending), in increasing order.
template <class Fn>
void for_each_not_excluded(std::size_t n, std::span<const std::size_t> excluded, Fn&& fn) {
    std::size_t e = 0;
    for (std::size_t i = 0; i < n; ++i) {
        while (e < excluded.size() && excluded[e] < i) ++e;
        if (e < excluded.size() && excluded[e] == i) continue;
        fn(i);
    }
}

/// The k best items of `scores`, leaving out `excluded` (ascending) and, when `reached` is not
/// empty, the items whose flag is 0.
inline std::vector<scored_item> top_k(std::span<const double> scores, std::size_t k, std::span<const std::size_t> excluded,
                                      std::span<const char> reached = {}) {
    std::vector<scored_item> candidates;
    candidates.reserve(scores.size());
    for_each_not_excluded(scores.size(), excluded, [&](std::size_t i) {
        if (reached.empty() || reached[i]) candidates.push_back({i, scores[i]});
    });
    const std::size_t n = std::min(k, candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n), candidates.end(), better);
    candidates.resize(n);
    return candidates;
}

/// causalrec::require_fitted for a recommender known by its short name `model`.
inline void require_fitted(bool fitted, std::string_view model, std::string_view call = "score or recommend") {
    causalrec::require_fitted(fitted, qualified("rec", model), call);
}

/// Raises argument_error for an item index >= n_items, naming its position in the request.
inline void check_items(std::span<const std::size_t> items, std::size_t n_items, std::string_view model) {
    for (std::size_t k = 0; k < items.size(); ++k)
        if (items[k] >= n_items)
            throw argument_error(causalrec::error_message("rec", model, "item index ", items[k], " at position ", k,
                                                        " is out of range (the model was fitted on ", n_items, " items)"));
}

/// Raises argument_error when `log` has no interactions (every recommender refuses to fit one).
inline void require_nonempty_log(const data::interactions& log, std::string_view model) {
    if (log.empty())
        throw argument_error(causalrec::cat("causalrec::rec::", model, "::fit: cannot fit an empty log (no interactions)"));
}

/// Picks the scores of `items` from a full score vector.
inline std::vector<double> gather(std::span<const double> all, std::span<const std::size_t> items) {
    std::vector<double> out(items.size());
    for (std::size_t k = 0; k < items.size(); ++k) out[k] = all[items[k]];
    return out;
}

/// Calls body(begin, end) on contiguous ranges covering [0, n), on up to num_threads() threads.
/// The first exception thrown by any range is rethrown after all threads have joined.
template <class Body>
void parallel_ranges(std::size_t n, Body&& body) {
    const std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(num_threads()), n);
    if (threads <= 1) {
        if (n > 0) body(std::size_t{0}, n);
        return;
    }
    std::vector<std::exception_ptr> errors(threads);
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (std::size_t t = 0; t < threads; ++t) {
        const std::size_t begin = n * t / threads, end = n * (t + 1) / threads;
        pool.emplace_back([&, t, begin, end] {
            try {
                body(begin, end);
            } catch (...) {
                errors[t] = std::current_exception();
            }
        });
    }
    for (auto& th : pool) th.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace causalrec::rec::detail
