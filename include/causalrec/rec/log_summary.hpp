#pragma once
/// @file
/// What a fitted recommender keeps of its training log: the counts, the id maps and the items each
/// user interacted with (for exclude_seen and for history-based scoring).

#include <cstddef>
#include <span>
#include <vector>

#include "../data/interaction_log.hpp"

namespace causalrec::rec {

/// The items each training user interacted with (ascending), taken from a log's by_user() view.
struct seen_items {
    std::vector<std::size_t> row_ptr{0};  ///< offsets per user
    std::vector<std::size_t> items{};     ///< item indices

    /// Copies the pattern of `by_user`.
    static seen_items from(const data::csr_matrix& by_user) { return {by_user.row_ptr, by_user.indices}; }

    /// Items seen by `user` (empty for a user beyond the training range).
    std::span<const std::size_t> of(std::size_t user) const noexcept {
        if (row_ptr.empty() || user >= row_ptr.size() - 1) return {};  // no wrap-around for user = SIZE_MAX
        return std::span<const std::size_t>(items).subspan(row_ptr[user], row_ptr[user + 1] - row_ptr[user]);
    }
};

/// What a fitted recommender keeps of its training log: the counts, the id maps and the items each
/// user interacted with (for exclude_seen and for history-based scoring).
struct log_summary {
    std::size_t n_users = 0;     ///< users of the training log
    std::size_t n_items = 0;     ///< items of the training log
    data::id_map user_ids{};     ///< original user ids (empty when the log had none)
    data::id_map item_ids{};     ///< original item ids (empty when the log had none)
    seen_items seen{};           ///< training items of each user

    /// The summary of `log`.
    static log_summary of(const data::interactions& log) {
        return {log.n_users(), log.n_items(), log.user_ids(), log.item_ids(), seen_items::from(log.by_user())};
    }

    /// True when `user` is a training user with at least one training item.
    bool has_history(std::size_t user) const noexcept { return !seen.of(user).empty(); }
};

}  // namespace causalrec::rec
