#pragma once
/// @file
/// The concepts of the rec module: what a recommender offers, and the scored item it returns.

#include <concepts>
#include <cstddef>
#include <span>
#include <vector>

#include "../data/interaction_log.hpp"

namespace causalrec::rec {

/// One recommended item: its index and its score (higher is better).
struct scored_item {
    std::size_t item = 0;  ///< item index (0..n_items-1 of the fitted log)
    double score = 0.0;    ///< the model's score for the item

    /// Equal when item and score are equal.
    friend bool operator==(const scored_item&, const scored_item&) = default;
};

/// A recommender: fit on an interaction log, then score given items for a user (one score per item,
/// returned as a new vector) and recommend the k best items (best first, ties broken by the lower
/// item index), optionally leaving out the items the user interacted with in training. score and
/// recommend are const and may be called from several threads at once.
template <class R>
concept Recommender = requires(R& model, const R& fitted, const data::interactions& log, std::size_t user,
                               std::span<const std::size_t> items, std::size_t k, bool exclude_seen) {
    model.fit(log);
    { fitted.score(user, items) } -> std::same_as<std::vector<double>>;
    { fitted.recommend(user, k, exclude_seen) } -> std::same_as<std::vector<scored_item>>;
};

/// A recommender that says whether it can personalise for a user: `covers(user)` is false for a
/// user it knows nothing about (e.g. no training history), so a fallback_chain passes the user on.
template <class R>
concept ReportsCoverage = requires(const R& model, std::size_t user) {
    { model.covers(user) } -> std::convertible_to<bool>;
};

}  // namespace causalrec::rec
