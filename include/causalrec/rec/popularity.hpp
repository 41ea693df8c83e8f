#pragma once
/// @file
/// The popularity baseline: every user gets the same item scores, a count or a sum of values over
/// the training log, optionally decayed with time.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../data/interactions.hpp"
#include "common.hpp"
#include "concepts.hpp"
#include "persistence.hpp"

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
    explicit popularity(popularity_options options = {});

    /// Counts the log; raises argument_error for an empty log, and when half_life > 0 and the log has
    /// no timestamps.
    void fit(const data::interactions& log);

    /// Adds a batch of new interactions to what fit (and earlier batches) counted: the scores equal a
    /// fit on all the logs together (with half_life, the old scores first decay to the batch's latest
    /// time), and each user's seen items grow. The batch may have more users or items than the model
    /// (new ids appended to the same id maps, as interaction_stream gives). Fits when not fitted yet.
    /// Raises argument_error for fewer users or items than the model has, or (half_life > 0) no timestamps.
    void partial_fit(const data::interactions& batch);

    /// True after fit().
    bool is_fitted() const noexcept { return fitted_; }
    /// Users in the training log.
    std::size_t n_users() const noexcept { return log_.n_users; }
    /// Items in the training log.
    std::size_t n_items() const noexcept { return scores_.size(); }
    /// The score of every item (the same for every user).
    const std::vector<double>& item_scores() const;

    /// Scores of `items` for `user` (the same for every user); raises not_fitted_error before fit and
    /// argument_error for an item index out of range.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const;

    /// The k most popular items, best first (ties: lower item index), without the user's training
    /// items when exclude_seen is true.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const;

    /// Original user ids of the training log (empty when it had none).
    const data::id_map& user_ids() const noexcept { return log_.user_ids; }
    /// Original item ids of the training log (empty when it had none).
    const data::id_map& item_ids() const noexcept { return log_.item_ids; }

    /// The model as a recommender file (see save_recommender).
    io::tensor_file to_file() const;

    /// A model read from a recommender file; raises format_error when it is not a valid popularity file.
    static popularity from_file(io::tensor_file file);

private:
    popularity_options options_;
    std::vector<double> scores_;
    log_summary log_;
    double last_time_ = 0.0;  // half_life: the latest timestamp counted (the scores' reference time)
    bool fitted_ = false;
};

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/popularity.hpp"
#endif
