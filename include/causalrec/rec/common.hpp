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

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/checks.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"
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

/// Appends to `top` (cleared first) the k best of the items i in [0, n) with keep(i), by
/// score_of(i), best first (ties: lower index first). One pass with a k-entry heap: most items fail
/// one comparison against the current k-th best, so the cost is about n comparisons for small k.
template <class Score, class Keep>
void select_top(std::size_t n, std::size_t k, const Score& score_of, const Keep& keep, std::vector<scored_item>& top) {
    top.clear();
    if (k == 0) return;
    const auto worst_first = [](const scored_item& a, const scored_item& b) { return better(a, b); };  // heap front: the worst kept
    for (std::size_t i = 0; i < n; ++i) {
        const double v = static_cast<double>(score_of(i));
        if (top.size() == k && !(v > top.front().score || (v == top.front().score && i < top.front().item))) continue;
        if (!keep(i)) continue;
        if (top.size() < k) {
            top.push_back({i, v});
            std::push_heap(top.begin(), top.end(), worst_first);
        } else {
            std::pop_heap(top.begin(), top.end(), worst_first);
            top.back() = {i, v};
            std::push_heap(top.begin(), top.end(), worst_first);
        }
    }
    std::sort_heap(top.begin(), top.end(), worst_first);  // best first
}

/// The k best items of `scores`, leaving out `excluded` (ascending) and, when `reached` is not
/// empty, the items whose flag is 0.
std::vector<scored_item> top_k(std::span<const double> scores, std::size_t k, std::span<const std::size_t> excluded,
                                      std::span<const char> reached = {});

/// causalrec::require_fitted for a recommender known by its short name `model`.
void require_fitted(bool fitted, std::string_view model, std::string_view call = "score or recommend");

/// Raises argument_error for an item index >= n_items, naming its position in the request.
void check_items(std::span<const std::size_t> items, std::size_t n_items, std::string_view model);

/// Raises argument_error when `log` has no interactions (every recommender refuses to fit one).
void require_nonempty_log(const data::interactions& log, std::string_view model);

/// Picks the scores of `items` from a full score vector.
std::vector<double> gather(std::span<const double> all, std::span<const std::size_t> items);

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

namespace causalrec::rec {

/// The indices of the k highest scores of each row of `scores` (rows x items), best first, ties to
/// the lower index: full-ranking recommendation lists from score_all. Rows x min(k, items).
matrix<std::size_t> top_items(const matrix<float>& scores, std::size_t k);

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/common.hpp"
#endif
