#pragma once
/// @file
/// The popularity baseline: every user gets the same item scores, a count or a sum of values over
/// the training log, optionally decayed with time.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "../core/detail/message.hpp"
#include "../core/error.hpp"
#include "../data/interactions.hpp"
#include "common.hpp"
#include "concepts.hpp"

namespace causalrec::rec {

/// Options of the popularity recommender.
struct popularity_options {
    bool sum_values = false;  ///< false: each log row counts 1; true: each row counts its value
    /// > 0: each row is weighted by 0.5^((t_last - t) / half_life), t_last the latest timestamp of
    /// the training log (needs timestamps); 0 = no decay.
    double half_life = 0.0;
};

/// Most-popular baseline. An item's score is the number of training log rows with that item (or
/// the sum of their values), each row decayed by age when half_life > 0. Repeated (user, item)
/// rows all count. Any user index, also one never seen in training, gets the same scores;
/// exclude_seen removes the user's training items (none for a new user).
class popularity {
public:
    /// A model with the given options; raises argument_error for a negative or non-finite half_life.
    explicit popularity(popularity_options options = {}) : options_(options) {
        if (!(options_.half_life >= 0.0 && std::isfinite(options_.half_life)))
            throw argument_error(causalrec::detail::cat("popularity: half_life must be finite and >= 0, got ", options_.half_life));
    }

    /// Counts the log; raises argument_error when half_life > 0 and the log has no timestamps.
    void fit(const data::interactions& log) {
        const bool decay = options_.half_life > 0.0;
        if (decay && !log.has_timestamps() && !log.empty())
            throw argument_error("popularity: half_life > 0 needs timestamps, and the log has none");
        std::vector<double> scores(log.n_items(), 0.0);
        const auto items = log.items();
        const auto values = log.values();
        const auto ts = log.timestamps();
        const double t_last = decay && !ts.empty() ? *std::max_element(ts.begin(), ts.end()) : 0.0;
        for (std::size_t r = 0; r < log.size(); ++r) {
            double w = options_.sum_values ? values[r] : 1.0;
            if (decay) w *= std::exp2(-(t_last - ts[r]) / options_.half_life);
            scores[items[r]] += w;
        }
        scores_ = std::move(scores);
        seen_ = detail::seen_items::from(log.by_user());
        n_users_ = log.n_users();
        fitted_ = true;
    }

    /// True after fit().
    bool fitted() const noexcept { return fitted_; }
    /// Users in the training log.
    std::size_t n_users() const noexcept { return n_users_; }
    /// Items in the training log.
    std::size_t n_items() const noexcept { return scores_.size(); }
    /// The score of every item (the same for every user).
    const std::vector<double>& item_scores() const {
        detail::require_fitted(fitted_, "popularity");
        return scores_;
    }

    /// Scores of `items` for `user` (the same for every user); raises not_fitted_error before fit and
    /// argument_error for an item index out of range.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const {
        (void)user;
        detail::require_fitted(fitted_, "popularity");
        detail::check_items(items, scores_.size(), "popularity");
        return detail::gather(scores_, items);
    }

    /// The k most popular items, best first (ties: lower item index), without the user's training
    /// items when exclude_seen is true.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const {
        detail::require_fitted(fitted_, "popularity");
        return detail::top_k(scores_, k, exclude_seen ? seen_.of(user) : std::span<const std::size_t>{});
    }

private:
    popularity_options options_;
    std::vector<double> scores_;
    detail::seen_items seen_;
    std::size_t n_users_ = 0;
    bool fitted_ = false;
};

}  // namespace causalrec::rec
