#pragma once
/// @file
/// The user-item interaction log (user, item, value, optional timestamp, weight and exposure
/// propensity) with its id maps and cached CSR views by user and by item.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/memory.hpp"
#include "../core/rng.hpp"
#include "csr.hpp"
#include "id_map.hpp"

namespace causalrec::data {

/// The columns of an interaction log. Users and items are required; an empty optional column means
/// absent (values then default to 1).
struct interaction_columns {
    std::vector<std::size_t> users{};         ///< user index of each row
    std::vector<std::size_t> items{};         ///< item index of each row
    std::vector<double> values{};             ///< rating or implicit signal (empty = all 1)
    std::vector<double> timestamps{};         ///< time of each row (empty = none)
    std::vector<double> weights{};            ///< per-row weight (empty = none)
    std::vector<double> propensities{};       ///< exposure propensity in (0, 1] (empty = none)
    std::size_t n_users = 0;                  ///< user count; 0 = 1 + largest user index
    std::size_t n_items = 0;                  ///< item count; 0 = 1 + largest item index
    duplicate_policy duplicates = duplicate_policy::keep_last;  ///< how the CSR views merge repeated pairs
    id_map user_ids{};                        ///< original user ids (empty, or n_users ids)
    id_map item_ids{};                        ///< original item ids (empty, or n_items ids)
};

/// A user-item interaction log. Immutable once built: splits and subsets return new logs that keep
/// the user and item counts and the id maps. The CSR views are built on first request (thread-safe)
/// and cached; copies of a log share the cache.
class interactions {
public:
    /// An empty log (no users, no items).
    interactions() : interactions(interaction_columns{}) {}

    /// A log from its columns; raises shape_error when column lengths differ or an index is not
    /// below n_users / n_items, argument_error on a non-finite value, timestamp or weight, or a
    /// propensity outside (0, 1].
    explicit interactions(interaction_columns columns) : c_(std::move(columns)) { validate(); }

    /// A log from user and item indices and values (empty values = all 1).
    interactions(std::vector<std::size_t> users, std::vector<std::size_t> items, std::vector<double> values = {})
        : interactions(interaction_columns{.users = std::move(users), .items = std::move(items), .values = std::move(values)}) {}

    /// Number of log rows.
    std::size_t size() const noexcept { return c_.users.size(); }
    /// True when the log has no row.
    bool empty() const noexcept { return c_.users.empty(); }
    /// Number of users (indices 0..n_users()-1).
    std::size_t n_users() const noexcept { return c_.n_users; }
    /// Number of items (indices 0..n_items()-1).
    std::size_t n_items() const noexcept { return c_.n_items; }

    /// User index of each row.
    std::span<const std::size_t> users() const noexcept { return c_.users; }
    /// Item index of each row.
    std::span<const std::size_t> items() const noexcept { return c_.items; }
    /// Value of each row (1 when the log had no value column).
    std::span<const double> values() const noexcept { return c_.values; }
    /// Timestamp of each row (empty when absent).
    std::span<const double> timestamps() const noexcept { return c_.timestamps; }
    /// Weight of each row (empty when absent).
    std::span<const double> weights() const noexcept { return c_.weights; }
    /// Exposure propensity of each row (empty when absent).
    std::span<const double> propensities() const noexcept { return c_.propensities; }
    /// True when the log has timestamps.
    bool has_timestamps() const noexcept { return !c_.timestamps.empty(); }
    /// True when the log has weights.
    bool has_weights() const noexcept { return !c_.weights.empty(); }
    /// True when the log has propensities.
    bool has_propensities() const noexcept { return !c_.propensities.empty(); }
    /// Original user ids (empty when the log was built from indices).
    const id_map& user_ids() const noexcept { return c_.user_ids; }
    /// Original item ids (empty when the log was built from indices).
    const id_map& item_ids() const noexcept { return c_.item_ids; }
    /// How the CSR views merge repeated (user, item) pairs.
    duplicate_policy duplicates() const noexcept { return c_.duplicates; }
    /// All columns.
    const interaction_columns& columns() const noexcept { return c_; }

    /// Users x items CSR view (one entry per distinct pair, items ascending), built once and cached.
    const csr_matrix& by_user() const {
        std::call_once(cache_->user_once, [&] {
            cache_->by_user = detail::build_csr(c_.users, c_.items, c_.values, c_.n_users, c_.n_items, c_.duplicates);
        });
        return cache_->by_user;
    }

    /// Items x users CSR view (one entry per distinct pair, users ascending), built once and cached.
    const csr_matrix& by_item() const {
        std::call_once(cache_->item_once, [&] {
            cache_->by_item = detail::build_csr(c_.items, c_.users, c_.values, c_.n_items, c_.n_users, c_.duplicates);
        });
        return cache_->by_item;
    }

    /// The log restricted to the given rows (in the given order), keeping counts and id maps;
    /// raises shape_error on a row index >= size().
    interactions subset(std::span<const std::size_t> rows) const {
        interaction_columns out{.n_users = c_.n_users, .n_items = c_.n_items, .duplicates = c_.duplicates,
                                .user_ids = c_.user_ids, .item_ids = c_.item_ids};
        auto take = [&](const std::vector<double>& from, std::vector<double>& to) {
            if (from.empty()) return;
            to.reserve(rows.size());
            for (std::size_t r : rows) to.push_back(from[r]);
        };
        for (std::size_t r : rows)
            if (r >= size())
                throw shape_error(causalrec::cat("causalrec::data::interactions::subset: row ", r, " is out of range (", size(), " rows)"));
        out.users.reserve(rows.size());
        out.items.reserve(rows.size());
        for (std::size_t r : rows) {
            out.users.push_back(c_.users[r]);
            out.items.push_back(c_.items[r]);
        }
        take(c_.values, out.values);
        take(c_.timestamps, out.timestamps);
        take(c_.weights, out.weights);
        take(c_.propensities, out.propensities);
        return interactions(std::move(out));
    }

private:
    /// Raises argument_error when the user and item index spaces are too large for this machine: the
    /// per-user and per-item arrays every model builds (8 bytes an index at least) would need more
    /// than half its memory. That is raw ids (1e12, 3e9) used as dense indices, which a later fit
    /// would meet as std::bad_alloc.
    void check_index_space() const {
        const double need = 8.0 * (static_cast<double>(c_.n_users) + static_cast<double>(c_.n_items) + 2.0);
        if (need < 1073741824.0) return;  // below 1 GiB: no need to ask the system
        const double have = causalrec::physical_memory_bytes();
        if (have <= 0.0 || need <= have / 2.0) return;
        const bool users = c_.n_users >= c_.n_items;
        throw argument_error(causalrec::cat(
            "causalrec::data::interactions: ", users ? "user" : "item", " indices reach ", (users ? c_.n_users : c_.n_items) - 1,
            " (", c_.n_users, " users x ", c_.n_items, " items as dense indices): the per-user and per-item arrays "
            "alone would need ", causalrec::format_bytes(need), ", more than half of this machine's ",
            causalrec::format_bytes(have), ". Indices must be dense (0 .. count-1); map raw ids first "
            "(data::read_interactions maps the id columns of a CSV file; data::id_map maps ids you hold)"));
    }

    void validate() {
        const std::size_t n = c_.users.size();
        auto check_length = [&](std::size_t len, const char* name) {
            if (len != n && !(len == 0))
                throw shape_error(causalrec::cat("causalrec::data::interactions: column '", name, "' has ", len, " rows, users has ", n));
        };
        if (c_.items.size() != n)
            throw shape_error(causalrec::cat("causalrec::data::interactions: column 'items' has ", c_.items.size(), " rows, users has ", n));
        check_length(c_.values.size(), "values");
        check_length(c_.timestamps.size(), "timestamps");
        check_length(c_.weights.size(), "weights");
        check_length(c_.propensities.size(), "propensities");
        std::size_t max_user = 0, max_item = 0;
        for (std::size_t k = 0; k < n; ++k) {
            max_user = std::max(max_user, c_.users[k] + 1);
            max_item = std::max(max_item, c_.items[k] + 1);
        }
        if (c_.n_users == 0) c_.n_users = std::max(max_user, c_.user_ids.size());
        if (c_.n_items == 0) c_.n_items = std::max(max_item, c_.item_ids.size());
        check_index_space();
        for (std::size_t k = 0; k < n; ++k) {
            if (c_.users[k] >= c_.n_users)
                throw shape_error(causalrec::cat("causalrec::data::interactions: row ", k, ": user index ", c_.users[k],
                                                         " is not below n_users = ", c_.n_users));
            if (c_.items[k] >= c_.n_items)
                throw shape_error(causalrec::cat("causalrec::data::interactions: row ", k, ": item index ", c_.items[k],
                                                         " is not below n_items = ", c_.n_items));
        }
        if (!c_.user_ids.empty() && c_.user_ids.size() != c_.n_users)
            throw shape_error(causalrec::cat("causalrec::data::interactions: user id map has ", c_.user_ids.size(), " ids, n_users = ", c_.n_users));
        if (!c_.item_ids.empty() && c_.item_ids.size() != c_.n_items)
            throw shape_error(causalrec::cat("causalrec::data::interactions: item id map has ", c_.item_ids.size(), " ids, n_items = ", c_.n_items));
        auto check_finite = [&](const std::vector<double>& v, const char* name) {
            for (std::size_t k = 0; k < v.size(); ++k)
                if (!std::isfinite(v[k]))
                    throw argument_error(causalrec::cat("causalrec::data::interactions: row ", k, ": ", name, " is not finite"));
        };
        check_finite(c_.values, "value");
        check_finite(c_.timestamps, "timestamp");
        check_finite(c_.weights, "weight");
        for (std::size_t k = 0; k < c_.propensities.size(); ++k)
            if (!(c_.propensities[k] > 0.0 && c_.propensities[k] <= 1.0))
                throw argument_error(causalrec::cat("causalrec::data::interactions: row ", k, ": propensity ", c_.propensities[k],
                                                            " is outside (0, 1]"));
        if (c_.values.empty()) c_.values.assign(n, 1.0);
    }

    struct csr_cache {
        std::once_flag user_once, item_once;
        csr_matrix by_user, by_item;
    };

    interaction_columns c_;
    std::shared_ptr<csr_cache> cache_ = std::make_shared<csr_cache>();
};

}  // namespace causalrec::data
