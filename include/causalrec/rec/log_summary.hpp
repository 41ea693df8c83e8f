#pragma once
/// @file
/// What a fitted recommender keeps of its training log: the counts, the id maps and the items each
/// user interacted with (for exclude_seen and for history-based scoring).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
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

    /// Raises argument_error unless the id maps of `log` extend the model's (the same ids at the same
    /// indices, new ones after them): a log read with other id maps would put one id's rows at
    /// another's index. Nothing to check when the model was fitted without ids. `who` is the qualified
    /// function name.
    void require_same_ids(const data::interactions& log, std::string_view who) const {
        require_extends(user_ids, log.user_ids(), who, "user");
        require_extends(item_ids, log.item_ids(), who, "item");
    }

    /// require_same_ids(log, who), and that the batch's id maps extend the log's (an online update's
    /// `batch` must be indexed like the whole `log`); errors about the batch say "(batch)" after `who`.
    void require_same_ids(const data::interactions& log, const data::interactions& batch, std::string_view who) const {
        require_same_ids(log, who);
        const std::string batch_who = causalrec::cat(who, " (batch)");
        require_extends(log.user_ids(), batch.user_ids(), batch_who, "user");
        require_extends(log.item_ids(), batch.item_ids(), batch_who, "item");
    }

    /// Raises argument_error unless `next` holds the ids of `base` at the same indices (`next` may
    /// add ids after them); nothing to check when `base` is empty.
    static void require_extends(const data::id_map& base, const data::id_map& next, std::string_view who, std::string_view what) {
        if (base.empty()) return;
        if (next.size() < base.size())
            throw argument_error(causalrec::cat(who, ": the log has ", next.size(), " ", what, " ids, the model ", base.size(),
                                                " (build batches with data::interaction_stream, or read them with the model's id maps)"));
        for (std::size_t k = 0; k < base.size(); ++k)
            if (base.id_of(k) != next.id_of(k))
                throw argument_error(causalrec::cat(who, ": ", what, " ", k, " is '", next.id_of(k), "' in the log but '", base.id_of(k),
                                                    "' in the model (build batches with data::interaction_stream, or read them with the model's id maps)"));
    }
};

}  // namespace causalrec::rec
