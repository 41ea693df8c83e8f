#pragma once
/// @file
/// Reading interaction logs from CSV (streaming, named columns, text or integer ids, optional
/// timestamp, weight and propensity columns), and a test file mapped through the training file's ids.

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
#include "csv.hpp"
#include "detail/csv_tokenizer.hpp"
#include "interaction_log.hpp"
#include "interaction_splits.hpp"

namespace causalrec::data {

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
    /// Read only this shard of the file's records (default: all of them; see shard_spec). Without
    /// given id maps each shard numbers the ids it reads in its own order of first appearance, so
    /// indices differ between shards; with given id maps they are the maps' indices in every shard.
    shard_spec shard{};
};

namespace detail {

/// Reads an interaction log from a source; with `fixed_users`/`fixed_items` ids are looked up
/// there instead of being added, and unknown ids follow options.unknown_ids.
template <class Source>
interactions read_interactions_from(Source& source, const interaction_csv_options& options, const std::string& name,
                                    const id_map* fixed_users, const id_map* fixed_items, std::size_t* dropped) {
    check_shard(options.shard.shard, options.shard.shards, "read_interactions");
    const bool sharded = options.shard.shards > 1;
    const std::uint64_t size = sharded ? source.size() : 0;
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
    // A repeated name would make the column a role reads depend on its position (as read_csv, an error).
    for (std::size_t j = 1; j < names.size(); ++j)
        for (std::size_t i = 0; i < j; ++i)
            if (names[i] == names[j]) throw parse_error(name, header_line, j + 1, "duplicate column name in the header", names[j]);
    auto column = [&](const std::string& wanted, const char* role, bool required) -> std::ptrdiff_t {
        if (wanted.empty()) {
            if (required) throw argument_error(causalrec::cat("causalrec::data::read_interactions: the ", role, " column name is empty"));
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
    if (sharded) {
        // The data region starts after the header, or at the start of the file without one (where the
        // first record, read above only for the number of columns, belongs to the data).
        const std::uint64_t data_begin = options.header ? tokens.offset() : 0;
        const std::size_t data_line = options.header ? tokens.next_line() : 1;
        const shard_range range = locate_shard(source, size, data_begin, data_line, options.shard.shard,
                                               options.shard.shards, options.delimiter, options.chunk_bytes, name);
        source.seek(range.begin);
        bounded_source<Source> part{source, range.end - range.begin};
        csv_tokenizer<bounded_source<Source>> own(part, options.delimiter, name, options.chunk_bytes, range.line,
                                                  range.begin == 0);
        while (own.next(fields)) consume(own.line());
    } else {
        if (have_first) consume(tokens.line());
        while (tokens.next(fields)) consume(tokens.line());
    }
    if (dropped) *dropped = n_dropped;
    c.n_users = users.size();
    c.n_items = items.size();
    c.duplicates = options.duplicates;
    c.user_ids = std::move(users);
    c.item_ids = std::move(items);
    return interactions(std::move(c));
}

}  // namespace detail

/// Reads an interaction log from a CSV file; user and item ids (text or integers) become dense
/// indices in order of first appearance, kept in user_ids() / item_ids(). Malformed rows raise
/// parse_error naming file, line and column. A header without data rows gives an empty log.
/// With options.shard, reads only that shard's records, numbering ids in the shard's own order.
CAUSALREC_INLINE interactions read_interactions(const std::string& path, const interaction_csv_options& options = {});

/// Reads an interaction log from CSV text in memory; `name` stands for the file in error messages.
CAUSALREC_INLINE interactions read_interactions_text(std::string_view text, const interaction_csv_options& options = {},
                                           const std::string& name = "<text>");

/// Reads a log whose ids are mapped through existing id maps (e.g. a test file read with the
/// training file's maps). Unknown ids raise parse_error or, with unknown_id_policy::drop, skip the
/// row; the number of skipped rows is stored in `*dropped` when given. With options.shard, reads only
/// that shard's records; the indices are the maps' in every shard.
CAUSALREC_INLINE interactions read_interactions(const std::string& path, const id_map& users, const id_map& items,
                                      const interaction_csv_options& options = {}, std::size_t* dropped = nullptr);

/// In-memory form of read_interactions with given id maps.
CAUSALREC_INLINE interactions read_interactions_text(std::string_view text, const id_map& users, const id_map& items,
                                           const interaction_csv_options& options = {}, const std::string& name = "<text>",
                                           std::size_t* dropped = nullptr);

/// Reads the "train on one file, test on another" layout (Coat, Yahoo! R3): the test file's ids are
/// mapped through the training file's id maps; ids unknown to the training file follow
/// options.unknown_ids (error by default; drop counts them in `dropped`). A shard in options.shard
/// (other than the default whole file) is an argument_error.
CAUSALREC_INLINE interaction_split read_train_test(const std::string& train_path, const std::string& test_path,
                                         const interaction_csv_options& options = {});

}  // namespace causalrec::data

#if CAUSALREC_HEADER_ONLY
#include "impl/interactions_csv.hpp"
#endif
