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

#include "../core/compiler.hpp"
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
    const csr_matrix& by_user() const;

    /// Items x users CSR view (one entry per distinct pair, users ascending), built once and cached.
    const csr_matrix& by_item() const;

    /// The log restricted to the given rows (in the given order), keeping counts and id maps;
    /// raises shape_error on a row index >= size().
    interactions subset(std::span<const std::size_t> rows) const;

    /// One row per distinct (user, item) pair, merged by the log's duplicate policy: the value of the
    /// pair's last row (keep_last) or the sum of its rows' values (sum); the other columns (timestamp,
    /// weight, propensity) are the last row's, and rows keep the log order of each pair's last row.
    /// The rows of by_user() as a log: split this instead of the raw log when a repeated pair must not
    /// land in both parts.
    interactions merged() const;

private:
    /// Raises argument_error when the user and item index spaces are too large for this machine: the
    /// per-user and per-item arrays every model builds (8 bytes an index at least) would need more
    /// than half its memory. That is raw ids (1e12, 3e9) used as dense indices, which a later fit
    /// would meet as std::bad_alloc.
    void check_index_space() const;

    void validate();

    struct csr_cache {
        std::once_flag user_once, item_once;
        csr_matrix by_user, by_item;
    };

    interaction_columns c_;
    std::shared_ptr<csr_cache> cache_ = std::make_shared<csr_cache>();
};

}  // namespace causalrec::data

#if CAUSALREC_HEADER_ONLY
#include "impl/interaction_log.hpp"
#endif
