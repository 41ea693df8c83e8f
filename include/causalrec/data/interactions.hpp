#pragma once
/// @file
/// User-item interaction logs for recommenders: the log itself (user, item, value, optional
/// timestamp, weight and exposure propensity), id maps from original ids to dense indices, CSR views
/// by user and by item, a streaming CSV reader, and the usual recommender splits (random,
/// leave-k-out per user, temporal, and a separate test file mapped through the training ids).

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

#include <nlohmann/json.hpp>

#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/rng.hpp"
#include "csv.hpp"
#include "detail/csv_tokenizer.hpp"

namespace causalrec::data {

/// A bijection between original ids (kept as text) and dense indices 0..n-1, in order of first
/// appearance. Integer ids are kept as their text, so "7" and "07" are different ids.
class id_map {
public:
    /// An empty map.
    id_map() = default;

    /// A map whose index k is ids[k]; raises argument_error on a duplicate id.
    explicit id_map(std::vector<std::string> ids) {
        for (auto& id : ids) {
            if (index_.count(id) != 0) throw argument_error(causalrec::cat("id_map: duplicate id '", id, "'"));
            insert(id);
        }
    }

    /// Number of ids.
    std::size_t size() const noexcept { return ids_.size(); }

    /// True when the map holds no id.
    bool empty() const noexcept { return ids_.empty(); }

    /// The index of `id`, adding it at the end when it is new.
    std::size_t insert(std::string_view id) {
        auto it = index_.find(id);
        if (it != index_.end()) return it->second;
        const std::size_t k = ids_.size();
        ids_.emplace_back(id);
        index_.emplace(std::string(id), k);
        return k;
    }

    /// The index of `id`, or nothing when the id is unknown.
    std::optional<std::size_t> find(std::string_view id) const {
        auto it = index_.find(id);
        if (it == index_.end()) return std::nullopt;
        return it->second;
    }

    /// True when `id` is in the map.
    bool contains(std::string_view id) const { return index_.find(id) != index_.end(); }

    /// The index of `id`; raises argument_error when the id is unknown.
    std::size_t index_of(std::string_view id) const {
        auto it = index_.find(id);
        if (it == index_.end()) throw argument_error(causalrec::cat("id_map: unknown id '", id, "'"));
        return it->second;
    }

    /// The original id of index `k`; raises argument_error when k >= size().
    const std::string& id_of(std::size_t k) const {
        if (k >= ids_.size())
            throw argument_error(causalrec::cat("id_map: index ", k, " is out of range (size ", ids_.size(), ")"));
        return ids_[k];
    }

    /// All ids, by index.
    const std::vector<std::string>& ids() const noexcept { return ids_; }

    /// The map as JSON: an array of the ids in index order.
    nlohmann::json to_json() const { return nlohmann::json(ids_); }

    /// Reads a map written by to_json(); raises format_error when `j` is not an array of distinct strings.
    static id_map from_json(const nlohmann::json& j) {
        if (!j.is_array()) throw format_error("id_map: JSON must be an array of id strings");
        id_map m;
        for (std::size_t k = 0; k < j.size(); ++k) {
            if (!j[k].is_string())
                throw format_error(causalrec::cat("id_map: JSON element ", k, " is not a string"));
            const auto& s = j[k].get_ref<const std::string&>();
            if (m.contains(s)) throw format_error(causalrec::cat("id_map: JSON element ", k, " repeats id '", s, "'"));
            m.insert(s);
        }
        return m;
    }

    /// Writes the map as a JSON file.
    void save(const std::string& path) const {
        std::ofstream out(path, std::ios::binary);
        if (!out) throw error(causalrec::cat("id_map: cannot open '", path, "' for writing"));
        out << to_json().dump();
        if (!out) throw error(causalrec::cat("id_map: write to '", path, "' failed"));
    }

    /// Reads a map saved by save(); raises format_error naming the file on bad content.
    static id_map load(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw error(causalrec::cat("id_map: cannot open '", path, "'"));
        nlohmann::json j;
        try {
            in >> j;
        } catch (const nlohmann::json::exception& e) {
            throw format_error(causalrec::cat(path, ": not valid JSON: ", e.what()));
        }
        try {
            return from_json(j);
        } catch (const format_error& e) {
            throw format_error(causalrec::cat(path, ": ", e.what()));
        }
    }

    /// Maps are equal when they hold the same ids in the same order.
    friend bool operator==(const id_map& a, const id_map& b) { return a.ids_ == b.ids_; }

private:
    std::vector<std::string> ids_;
    std::map<std::string, std::size_t, std::less<>> index_;
};

/// A compressed sparse row matrix: row r holds columns indices[row_ptr[r] .. row_ptr[r+1]) in
/// ascending order, with their values.
struct csr_matrix {
    std::size_t cols = 0;                      ///< number of columns
    std::vector<std::size_t> row_ptr = {0};    ///< rows()+1 offsets into indices/values
    std::vector<std::size_t> indices{};        ///< column index of each stored entry
    std::vector<double> values{};              ///< value of each stored entry

    /// Number of rows.
    std::size_t rows() const noexcept { return row_ptr.size() - 1; }
    /// Number of stored entries.
    std::size_t nnz() const noexcept { return indices.size(); }
    /// Column indices of row r (ascending); empty when r >= rows().
    std::span<const std::size_t> row_indices(std::size_t r) const noexcept {
        if (r >= rows()) return {};
        return std::span<const std::size_t>(indices).subspan(row_ptr[r], row_ptr[r + 1] - row_ptr[r]);
    }
    /// Values of row r, aligned with row_indices(r); empty when r >= rows().
    std::span<const double> row_values(std::size_t r) const noexcept {
        if (r >= rows()) return {};
        return std::span<const double>(values).subspan(row_ptr[r], row_ptr[r + 1] - row_ptr[r]);
    }
};

/// How the CSR views combine several log rows for the same (user, item) pair.
enum class duplicate_policy : std::uint8_t {
    keep_last,  ///< the value of the last such row in log order (a re-rating replaces the old one)
    sum,        ///< the sum of their values (repeated clicks or plays add up)
};

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

namespace detail {

/// Builds a CSR matrix (rows = `row_keys`, columns = `col_keys`) from log rows, merging repeated
/// pairs by `policy` in log order.
inline csr_matrix build_csr(std::span<const std::size_t> row_keys, std::span<const std::size_t> col_keys,
                            std::span<const double> values, std::size_t n_rows, std::size_t n_cols,
                            duplicate_policy policy) {
    const std::size_t n = row_keys.size();
    std::vector<std::size_t> start(n_rows + 1, 0);
    for (std::size_t k = 0; k < n; ++k) ++start[row_keys[k] + 1];
    for (std::size_t r = 0; r < n_rows; ++r) start[r + 1] += start[r];
    std::vector<std::size_t> order(n);
    {
        std::vector<std::size_t> fill(start.begin(), start.end() - 1);
        for (std::size_t k = 0; k < n; ++k) order[fill[row_keys[k]]++] = k;  // log order within a row
    }
    csr_matrix m;
    m.cols = n_cols;
    m.row_ptr.assign(n_rows + 1, 0);
    m.indices.reserve(n);
    m.values.reserve(n);
    for (std::size_t r = 0; r < n_rows; ++r) {
        auto first = order.begin() + static_cast<std::ptrdiff_t>(start[r]);
        auto last = order.begin() + static_cast<std::ptrdiff_t>(start[r + 1]);
        std::stable_sort(first, last, [&](std::size_t a, std::size_t b) { return col_keys[a] < col_keys[b]; });
        for (auto it = first; it != last; ++it) {
            const std::size_t c = col_keys[*it];
            if (m.indices.size() > m.row_ptr[r] && m.indices.back() == c) {
                if (policy == duplicate_policy::sum) m.values.back() += values[*it];
                else m.values.back() = values[*it];
            } else {
                m.indices.push_back(c);
                m.values.push_back(values[*it]);
            }
        }
        m.row_ptr[r + 1] = m.indices.size();
    }
    return m;
}

}  // namespace detail

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
                throw shape_error(causalrec::cat("interactions::subset: row ", r, " is out of range (", size(), " rows)"));
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
    void validate() {
        const std::size_t n = c_.users.size();
        auto check_length = [&](std::size_t len, const char* name) {
            if (len != n && !(len == 0))
                throw shape_error(causalrec::cat("interactions: column '", name, "' has ", len, " rows, users has ", n));
        };
        if (c_.items.size() != n)
            throw shape_error(causalrec::cat("interactions: column 'items' has ", c_.items.size(), " rows, users has ", n));
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
        for (std::size_t k = 0; k < n; ++k) {
            if (c_.users[k] >= c_.n_users)
                throw shape_error(causalrec::cat("interactions: row ", k, ": user index ", c_.users[k],
                                                         " is not below n_users = ", c_.n_users));
            if (c_.items[k] >= c_.n_items)
                throw shape_error(causalrec::cat("interactions: row ", k, ": item index ", c_.items[k],
                                                         " is not below n_items = ", c_.n_items));
        }
        if (!c_.user_ids.empty() && c_.user_ids.size() != c_.n_users)
            throw shape_error(causalrec::cat("interactions: user id map has ", c_.user_ids.size(), " ids, n_users = ", c_.n_users));
        if (!c_.item_ids.empty() && c_.item_ids.size() != c_.n_items)
            throw shape_error(causalrec::cat("interactions: item id map has ", c_.item_ids.size(), " ids, n_items = ", c_.n_items));
        auto check_finite = [&](const std::vector<double>& v, const char* name) {
            for (std::size_t k = 0; k < v.size(); ++k)
                if (!std::isfinite(v[k]))
                    throw argument_error(causalrec::cat("interactions: row ", k, ": ", name, " is not finite"));
        };
        check_finite(c_.values, "value");
        check_finite(c_.timestamps, "timestamp");
        check_finite(c_.weights, "weight");
        for (std::size_t k = 0; k < c_.propensities.size(); ++k)
            if (!(c_.propensities[k] > 0.0 && c_.propensities[k] <= 1.0))
                throw argument_error(causalrec::cat("interactions: row ", k, ": propensity ", c_.propensities[k],
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

/// What read_interactions does with an id missing from given id maps (a test file read against
/// the training file's maps).
enum class unknown_id_policy : std::uint8_t {
    error,  ///< raise parse_error naming the file, line and column
    drop,   ///< skip the row and count it
};

/// Options of read_interactions: which named columns hold what, the delimiter, the header.
struct interaction_csv_options {
    std::string user = "user";       ///< user id column (text or integer ids)
    std::string item = "item";       ///< item id column (text or integer ids)
    std::string value{};             ///< value column ("" = every value is 1)
    std::string timestamp{};         ///< numeric timestamp column ("" = none)
    std::string weight{};            ///< weight column ("" = none)
    std::string propensity{};        ///< propensity column, values in (0, 1] ("" = none)
    char delimiter = ',';            ///< field separator
    bool header = true;              ///< first record names the columns
    /// Column names when `header` is false; empty = the 1-based positions "1", "2", ...
    std::vector<std::string> column_names{};
    duplicate_policy duplicates = duplicate_policy::keep_last;  ///< stored in the log for its CSR views
    unknown_id_policy unknown_ids = unknown_id_policy::error;   ///< only used when reading against id maps
    std::size_t chunk_bytes = std::size_t{1} << 22;              ///< bytes read per chunk
};

namespace detail {

/// Reads an interaction log from a source; with `fixed_users`/`fixed_items` ids are looked up
/// there instead of being added, and unknown ids follow options.unknown_ids.
template <class Source>
interactions read_interactions_from(Source& source, const interaction_csv_options& options, const std::string& name,
                                    const id_map* fixed_users, const id_map* fixed_items, std::size_t* dropped) {
    csv_tokenizer<Source> tokens(source, options.delimiter, name, options.chunk_bytes);
    std::vector<std::string_view> fields;
    std::vector<std::string> names;
    bool have_first = false;
    std::size_t header_line = 1;
    if (options.header) {
        if (!tokens.next(fields)) throw parse_error(name, 1, 0, "file is empty: expected a header row");
        header_line = tokens.line();
        names.assign(fields.begin(), fields.end());
    } else if (!options.column_names.empty()) {
        names = options.column_names;
    } else {
        have_first = tokens.next(fields);
        for (std::size_t j = 0; j < fields.size(); ++j) names.push_back(std::to_string(j + 1));
    }
    auto column = [&](const std::string& wanted, const char* role, bool required) -> std::ptrdiff_t {
        if (wanted.empty()) {
            if (required) throw argument_error(causalrec::cat("read_interactions: the ", role, " column name is empty"));
            return -1;
        }
        for (std::size_t j = 0; j < names.size(); ++j)
            if (names[j] == wanted) return static_cast<std::ptrdiff_t>(j);
        std::string msg = causalrec::cat(role, " column '", wanted, "' is not among the columns:");
        for (std::size_t j = 0; j < names.size(); ++j) msg.append(j ? ", " : " ").append(names[j]);
        throw parse_error(name, header_line, 0, msg);
    };
    const auto cu = column(options.user, "user", true), ci = column(options.item, "item", true),
               cv = column(options.value, "value", false), ct = column(options.timestamp, "timestamp", false),
               cw = column(options.weight, "weight", false), cp = column(options.propensity, "propensity", false);
    id_map users = fixed_users ? *fixed_users : id_map{};
    id_map items = fixed_items ? *fixed_items : id_map{};
    interaction_columns c;
    std::size_t n_dropped = 0;
    auto number = [&](std::string_view s, std::size_t line, std::ptrdiff_t j) {
        double v;
        const auto col = static_cast<std::size_t>(j);
        if (!parse_number(s, v) || !std::isfinite(v))
            throw parse_error(name, line, col + 1, causalrec::cat("cannot parse '", s.substr(0, 64), "' as a finite number"),
                              names[col]);
        return v;
    };
    auto consume = [&](std::size_t line) {
        if (fields.size() != names.size())
            throw parse_error(name, line, std::min(fields.size(), names.size()) + 1,
                              causalrec::cat("expected ", names.size(), " fields, found ", fields.size()));
        const auto su = fields[static_cast<std::size_t>(cu)], si = fields[static_cast<std::size_t>(ci)];
        if (su.empty()) throw parse_error(name, line, static_cast<std::size_t>(cu) + 1, "empty user id", names[static_cast<std::size_t>(cu)]);
        if (si.empty()) throw parse_error(name, line, static_cast<std::size_t>(ci) + 1, "empty item id", names[static_cast<std::size_t>(ci)]);
        std::size_t u, i;
        if (fixed_users) {
            const auto fu = users.find(su), fi = items.find(si);
            if (!fu || !fi) {
                if (options.unknown_ids == unknown_id_policy::drop) {
                    ++n_dropped;
                    return;
                }
                const auto col = static_cast<std::size_t>(fu ? ci : cu);
                throw parse_error(name, line, col + 1,
                                  causalrec::cat("unknown ", fu ? "item" : "user", " id '", fu ? si : su,
                                                         "' (not in the given id map)"),
                                  names[col]);
            }
            u = *fu;
            i = *fi;
        } else {
            u = users.insert(su);
            i = items.insert(si);
        }
        double v = 1.0, t = 0.0, w = 0.0, p = 0.0;
        if (cv >= 0) v = number(fields[static_cast<std::size_t>(cv)], line, cv);
        if (ct >= 0) t = number(fields[static_cast<std::size_t>(ct)], line, ct);
        if (cw >= 0) w = number(fields[static_cast<std::size_t>(cw)], line, cw);
        if (cp >= 0) {
            p = number(fields[static_cast<std::size_t>(cp)], line, cp);
            if (!(p > 0.0 && p <= 1.0))
                throw parse_error(name, line, static_cast<std::size_t>(cp) + 1, "propensity must be in (0, 1]",
                                  names[static_cast<std::size_t>(cp)]);
        }
        c.users.push_back(u);
        c.items.push_back(i);
        c.values.push_back(v);
        if (ct >= 0) c.timestamps.push_back(t);
        if (cw >= 0) c.weights.push_back(w);
        if (cp >= 0) c.propensities.push_back(p);
    };
    if (have_first) consume(tokens.line());
    while (tokens.next(fields)) consume(tokens.line());
    if (dropped) *dropped = n_dropped;
    c.n_users = users.size();
    c.n_items = items.size();
    c.duplicates = options.duplicates;
    c.user_ids = std::move(users);
    c.item_ids = std::move(items);
    return interactions(std::move(c));
}

inline std::unique_ptr<std::FILE, int (*)(std::FILE*)> open_for_reading(const std::string& path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) throw parse_error(path, 0, 0, causalrec::cat("cannot open the file: ", std::strerror(errno)));
    return file;
}

}  // namespace detail

/// Reads an interaction log from a CSV file; user and item ids (text or integers) become dense
/// indices in order of first appearance, kept in user_ids() / item_ids(). Malformed rows raise
/// parse_error naming file, line and column. A header without data rows gives an empty log.
inline interactions read_interactions(const std::string& path, const interaction_csv_options& options = {}) {
    auto file = detail::open_for_reading(path);
    detail::file_source source{file.get()};
    return detail::read_interactions_from(source, options, path, nullptr, nullptr, nullptr);
}

/// Reads an interaction log from CSV text in memory; `name` stands for the file in error messages.
inline interactions read_interactions_text(std::string_view text, const interaction_csv_options& options = {},
                                           const std::string& name = "<text>") {
    detail::memory_source source{text};
    return detail::read_interactions_from(source, options, name, nullptr, nullptr, nullptr);
}

/// Reads a log whose ids are mapped through existing id maps (e.g. a test file read with the
/// training file's maps). Unknown ids raise parse_error or, with unknown_id_policy::drop, skip the
/// row; the number of skipped rows is stored in `*dropped` when given.
inline interactions read_interactions(const std::string& path, const id_map& users, const id_map& items,
                                      const interaction_csv_options& options = {}, std::size_t* dropped = nullptr) {
    auto file = detail::open_for_reading(path);
    detail::file_source source{file.get()};
    return detail::read_interactions_from(source, options, path, &users, &items, dropped);
}

/// In-memory form of read_interactions with given id maps.
inline interactions read_interactions_text(std::string_view text, const id_map& users, const id_map& items,
                                           const interaction_csv_options& options = {}, const std::string& name = "<text>",
                                           std::size_t* dropped = nullptr) {
    detail::memory_source source{text};
    return detail::read_interactions_from(source, options, name, &users, &items, dropped);
}

/// A training and a test log over the same users and items (same counts, same id maps).
struct interaction_split {
    interactions train{};     ///< training rows
    interactions test{};      ///< test rows
    std::size_t dropped = 0;  ///< test rows skipped for unknown ids (read_train_test with drop only)
};

/// Reads the "train on one file, test on another" layout (Coat, Yahoo! R3): the test file's ids are
/// mapped through the training file's id maps; ids unknown to the training file follow
/// options.unknown_ids (error by default; drop counts them in `dropped`).
inline interaction_split read_train_test(const std::string& train_path, const std::string& test_path,
                                         const interaction_csv_options& options = {}) {
    interaction_split out;
    out.train = read_interactions(train_path, options);
    out.test = read_interactions(test_path, out.train.user_ids(), out.train.item_ids(), options, &out.dropped);
    return out;
}

/// Options of random_split.
struct random_split_options {
    double test_fraction = 0.2;  ///< share of rows in the test log (rounded to the nearest row count)
    std::uint64_t seed = 42;     ///< random seed
};

/// Splits the rows at random; both parts keep log order. Raises argument_error for a fraction outside [0, 1].
inline interaction_split random_split(const interactions& data, const random_split_options& options = {}) {
    if (!(options.test_fraction >= 0.0 && options.test_fraction <= 1.0))
        throw argument_error(causalrec::cat("random_split: test_fraction must be in [0, 1], got ", options.test_fraction));
    rng engine(options.seed);
    auto perm = engine.permutation(data.size());
    const auto n_test = static_cast<std::size_t>(std::llround(options.test_fraction * static_cast<double>(data.size())));
    std::vector<std::size_t> test(perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(n_test));
    std::vector<std::size_t> train(perm.begin() + static_cast<std::ptrdiff_t>(n_test), perm.end());
    std::sort(test.begin(), test.end());
    std::sort(train.begin(), train.end());
    return {data.subset(train), data.subset(test), 0};
}

/// Which rows leave_k_out holds out for each user.
enum class leave_out_order : std::uint8_t {
    random,  ///< k rows chosen at random
    latest,  ///< the k rows with the latest timestamps (ties: the later row in the log)
};

/// Options of leave_k_out.
struct leave_k_out_options {
    std::size_t k = 1;                              ///< test rows per user
    leave_out_order order = leave_out_order::random;  ///< random, or latest by timestamp
    std::uint64_t seed = 42;                        ///< random seed (order = random)
};

/// Per-user leave-k-out on log rows: every user with at least k+1 rows gets exactly k of them in the
/// test log; users with fewer rows stay whole in training. Both parts keep log order. Raises
/// argument_error for k = 0, or for order = latest without timestamps.
inline interaction_split leave_k_out(const interactions& data, const leave_k_out_options& options = {}) {
    if (options.k == 0) throw argument_error("leave_k_out: k must be >= 1");
    if (options.order == leave_out_order::latest && !data.has_timestamps())
        throw argument_error("leave_k_out: order = latest needs timestamps, and the log has none");
    std::vector<std::vector<std::size_t>> rows_of(data.n_users());
    for (std::size_t r = 0; r < data.size(); ++r) rows_of[data.users()[r]].push_back(r);
    rng engine(options.seed);
    std::vector<char> is_test(data.size(), 0);
    const auto ts = data.timestamps();
    for (auto& rows : rows_of) {
        if (rows.size() < options.k + 1) continue;
        if (options.order == leave_out_order::random) {
            engine.shuffle(std::span<std::size_t>(rows));
            for (std::size_t j = 0; j < options.k; ++j) is_test[rows[j]] = 1;
        } else {
            std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) { return ts[a] < ts[b]; });
            for (std::size_t j = rows.size() - options.k; j < rows.size(); ++j) is_test[rows[j]] = 1;
        }
    }
    std::vector<std::size_t> train, test;
    for (std::size_t r = 0; r < data.size(); ++r) (is_test[r] ? test : train).push_back(r);
    return {data.subset(train), data.subset(test), 0};
}

/// Options of temporal_split: an explicit cutoff, or the last fraction of the time span.
struct temporal_split_options {
    std::optional<double> cutoff{};  ///< rows with timestamp >= cutoff go to test
    double test_fraction = 0.2;      ///< without cutoff: cutoff = t_max - test_fraction * (t_max - t_min)
};

/// Splits by time: rows at or after the cutoff are the test log. Raises argument_error without
/// timestamps, for a fraction outside [0, 1], or (fraction form) when every timestamp is equal.
inline interaction_split temporal_split(const interactions& data, const temporal_split_options& options = {}) {
    if (!data.has_timestamps()) throw argument_error("temporal_split: the log has no timestamps");
    const auto ts = data.timestamps();
    double cutoff;
    if (options.cutoff) {
        cutoff = *options.cutoff;
    } else {
        if (!(options.test_fraction >= 0.0 && options.test_fraction <= 1.0))
            throw argument_error(causalrec::cat("temporal_split: test_fraction must be in [0, 1], got ", options.test_fraction));
        const auto [lo, hi] = std::minmax_element(ts.begin(), ts.end());
        if (*lo == *hi) throw argument_error("temporal_split: every timestamp is equal; give an explicit cutoff");
        cutoff = *hi - options.test_fraction * (*hi - *lo);
        if (options.test_fraction == 0.0) cutoff = std::nextafter(*hi, std::numeric_limits<double>::infinity());
    }
    std::vector<std::size_t> train, test;
    for (std::size_t r = 0; r < data.size(); ++r) (ts[r] >= cutoff ? test : train).push_back(r);
    return {data.subset(train), data.subset(test), 0};
}

}  // namespace causalrec::data
