#pragma once
/// @file
/// Definitions of the non-template functions declared in data/interaction_log.hpp (the interaction log): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include <numeric>

#include "../interaction_log.hpp"

namespace causalrec::data {

CAUSALREC_INLINE auto interactions::by_user() const -> const csr_matrix& {
    std::call_once(cache_->user_once, [&] {
        cache_->by_user = detail::build_csr(c_.users, c_.items, c_.values, c_.n_users, c_.n_items, c_.duplicates);
    });
    return cache_->by_user;
}

CAUSALREC_INLINE auto interactions::by_item() const -> const csr_matrix& {
    std::call_once(cache_->item_once, [&] {
        cache_->by_item = detail::build_csr(c_.items, c_.users, c_.values, c_.n_items, c_.n_users, c_.duplicates);
    });
    return cache_->by_item;
}

CAUSALREC_INLINE auto interactions::subset(std::span<const std::size_t> rows) const -> interactions {
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

CAUSALREC_INLINE auto interactions::merged() const -> interactions {
    const csr_matrix& view = by_user();
    // The entry of each row's pair in by_user() (items ascending within a user), and its last row.
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    std::vector<std::size_t> last(view.indices.size(), none);
    for (std::size_t r = 0; r < size(); ++r) {
        const std::size_t u = c_.users[r];
        const auto begin = view.indices.begin() + static_cast<std::ptrdiff_t>(view.row_ptr[u]);
        const auto end = view.indices.begin() + static_cast<std::ptrdiff_t>(view.row_ptr[u + 1]);
        last[static_cast<std::size_t>(std::lower_bound(begin, end, c_.items[r]) - view.indices.begin())] = r;
    }
    // The entries in the log order of their last rows.
    std::vector<std::size_t> entries(last.size());
    std::iota(entries.begin(), entries.end(), std::size_t{0});
    std::sort(entries.begin(), entries.end(), [&](std::size_t a, std::size_t b) { return last[a] < last[b]; });
    std::vector<std::size_t> rows(entries.size());
    for (std::size_t k = 0; k < entries.size(); ++k) rows[k] = last[entries[k]];
    interaction_columns out = subset(rows).columns();
    if (c_.duplicates == duplicate_policy::sum)
        for (std::size_t k = 0; k < entries.size(); ++k) out.values[k] = view.values[entries[k]];
    return interactions(std::move(out));
}

CAUSALREC_INLINE auto interactions::check_index_space() const -> void {
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

CAUSALREC_INLINE auto interactions::validate() -> void {
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

}  // namespace causalrec::data
