#pragma once
/// @file
/// Reading the Open Bandit Dataset (Saito et al., NeurIPS 2021 Datasets and Benchmarks; ZOZOTOWN):
/// a campaign's logged bandit feedback (item shown, slot, click, logging propensity, time, hashed
/// user features, user-item affinities) and its item context, streamed through the data module's
/// CSV tokenizer.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"
#include "csv.hpp"
#include "detail/csv_tokenizer.hpp"
#include "id_map.hpp"

namespace causalrec::data {

/// How the Open Bandit Dataset readers turn hashed categorical features into numbers.
enum class category_encoding : std::uint8_t {
    one_hot,  ///< one 0/1 column per category of each feature, categories in order of first appearance
    ordinal,  ///< one column per feature holding the category's code 0, 1, ... in order of first appearance
};

/// Options of read_obd and read_obd_item_context.
struct obd_options {
    category_encoding encoding = category_encoding::one_hot;  ///< encoding of the hashed user and item features
    bool affinity = true;  ///< read the user-item_affinity_* columns into obd_log::affinity (false: leave it empty)
    /// Item-context columns read as numbers; every other item_feature_<k> column is a hashed category.
    std::vector<std::string> numeric_item_features = {"item_feature_0"};
    char delimiter = ',';                            ///< field separator
    std::size_t chunk_bytes = std::size_t{1} << 22;  ///< bytes read per chunk
};

/// One campaign log of the Open Bandit Dataset: row j is one impression in one slot of the
/// recommendation widget, whose logging policy showed item `actions[j]` in slot `positions[j]` with
/// probability `propensities[j]`.
struct obd_log {
    std::vector<std::size_t> actions{};    ///< item_id of each row: the action
    std::vector<std::size_t> positions{};  ///< slot of each row, 0-based (the file's 1-based position minus 1)
    std::vector<double> rewards{};         ///< click of each row, 0 or 1
    std::vector<double> propensities{};    ///< propensity_score of each row, in (0, 1]
    std::vector<double> timestamps{};      ///< impression time in seconds since 1970-01-01 00:00 UTC (empty without a timestamp column)
    matrix<double> user_features{};        ///< rows x encoded user-feature columns (see user_feature_names)
    /// Name of each user_features column: "user_feature_<k>=<category>" (one-hot) or "user_feature_<k>" (ordinal).
    std::vector<std::string> user_feature_names{};
    /// The categories of user_feature_0, user_feature_1, ..., each in order of first appearance in the file.
    std::vector<id_map> user_feature_categories{};
    matrix<double> affinity{};             ///< rows x n_items user-item affinities (0 x 0 with obd_options::affinity false)
    std::size_t n_items = 0;               ///< number of items: the affinity columns, or the largest item_id + 1 without them
    std::size_t n_positions = 0;           ///< number of slots: the largest position

    /// Number of rows.
    std::size_t size() const noexcept { return actions.size(); }
};

/// The item context of an Open Bandit Dataset campaign (item_context.csv): row i describes item i.
struct obd_item_context {
    matrix<double> features{};                 ///< n_items x encoded columns, in the file's item_feature_<k> order
    std::vector<std::string> feature_names{};  ///< name of each features column ("item_feature_<k>" or "item_feature_<k>=<category>")
    std::vector<std::string> categorical_features{};  ///< the item_feature_<k> columns read as categories, in order
    std::vector<id_map> categories{};          ///< the categories of each categorical_features column, in order of first appearance

    /// Number of items.
    std::size_t n_items() const noexcept { return features.shape()[0]; }
};

namespace detail {

/// Days from 1970-01-01 to year-month-day in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
constexpr long long days_from_civil(long long y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

/// Parses "YYYY-MM-DD HH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]" (or a 'T' for the blank) into seconds
/// since 1970-01-01 00:00 UTC; a plain number is taken as such seconds. False when it is neither.
inline bool parse_obd_timestamp(std::string_view s, double& out) noexcept {
    if (parse_number(s, out)) return true;
    std::size_t pos = 0;
    auto digits = [&](std::size_t count, long long& value) {
        if (pos + count > s.size()) return false;
        value = 0;
        for (std::size_t k = 0; k < count; ++k) {
            const char c = s[pos + k];
            if (c < '0' || c > '9') return false;
            value = value * 10 + (c - '0');
        }
        pos += count;
        return true;
    };
    auto expect = [&](char c) {
        if (pos >= s.size() || s[pos] != c) return false;
        ++pos;
        return true;
    };
    long long year, month, day, hour, minute, second;
    if (!digits(4, year) || !expect('-') || !digits(2, month) || !expect('-') || !digits(2, day)) return false;
    if (pos >= s.size() || (s[pos] != ' ' && s[pos] != 'T')) return false;
    ++pos;
    if (!digits(2, hour) || !expect(':') || !digits(2, minute) || !expect(':') || !digits(2, second)) return false;
    static constexpr int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1] || (month == 2 && day == 29 && !leap)) return false;
    if (hour > 23 || minute > 59 || second > 60) return false;
    double fraction = 0.0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::uint64_t mantissa = 0;
        double scale = 1.0;
        std::size_t count = 0;
        for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++count)
            if (count < 18) mantissa = mantissa * 10 + static_cast<unsigned>(s[pos] - '0'), scale *= 10.0;
        if (count == 0) return false;
        fraction = static_cast<double>(mantissa) / scale;
    }
    long long offset = 0;  // seconds east of UTC
    if (pos < s.size()) {
        if (s[pos] == 'Z') {
            ++pos;
        } else if (s[pos] == '+' || s[pos] == '-') {
            const long long sign = s[pos] == '-' ? -1 : 1;
            ++pos;
            long long oh, om;
            if (!digits(2, oh)) return false;
            expect(':');
            if (!digits(2, om) || oh > 23 || om > 59) return false;
            offset = sign * (oh * 3600 + om * 60);
        }
    }
    if (pos != s.size()) return false;
    const long long whole = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 + hour * 3600 +
                            minute * 60 + second - offset;
    out = static_cast<double>(whole) + fraction;
    return true;
}

/// The columns of a header named `prefix` followed by a number k (no leading zeros), ordered by k;
/// raises parse_error unless the numbers run over 0..K-1 once each.
std::vector<std::size_t> numbered_columns(const std::vector<std::string>& names, std::string_view prefix, const std::string& file,
                                                 std::size_t header_line);

/// The column named `wanted`, or -1 when `required` is false and there is none; raises parse_error
/// for a missing required column (listing the header) or a name that appears twice.
std::ptrdiff_t obd_column(const std::vector<std::string>& names, std::string_view wanted, bool required, const std::string& file,
                                 std::size_t header_line, std::string_view layout);

/// Reads the header record; raises parse_error for an empty input.
template <class Source>
std::vector<std::string> obd_header(csv_tokenizer<Source>& tokens, std::vector<std::string_view>& fields, const std::string& file) {
    if (!tokens.next(fields)) throw parse_error(file, 1, 0, "file is empty: expected a header row");
    return {fields.begin(), fields.end()};
}

/// A field as a finite number; parse_error naming the line and column otherwise.
double obd_number(std::string_view s, const std::string& file, std::size_t line, std::size_t column, const std::string& column_name);

/// A field as a whole number >= `least`; parse_error with `what` otherwise.
std::size_t obd_whole(std::string_view s, std::size_t least, const char* what, const std::string& file, std::size_t line,
                             std::size_t column, const std::string& column_name);

/// Encodes category codes (rows x features, row-major) one-hot or as ordinal columns; `base` are
/// the features' column names. Fills the matrix block [0, rows) x [first, first + width) of `out`
/// and appends the column names.
void encode_categories(const std::vector<std::size_t>& codes, const std::vector<id_map>& categories,
                              const std::vector<std::string>& base, category_encoding encoding, matrix<double>& out, std::size_t first,
                              std::vector<std::string>& names);

/// The number of columns encode_categories writes.
inline std::size_t encoded_width(const std::vector<id_map>& categories, category_encoding encoding) noexcept {
    if (encoding == category_encoding::ordinal) return categories.size();
    std::size_t width = 0;
    for (const auto& c : categories) width += c.size();
    return width;
}

/// Reads an Open Bandit Dataset campaign log from a source; `file` names it in messages.
template <class Source>
obd_log read_obd_from(Source& source, const obd_options& options, const std::string& file) {
    constexpr std::string_view layout = "an Open Bandit Dataset log has item_id, position, click and propensity_score";
    csv_tokenizer<Source> tokens(source, options.delimiter, file, options.chunk_bytes);
    std::vector<std::string_view> fields;
    const std::vector<std::string> names = obd_header(tokens, fields, file);
    const std::size_t header_line = tokens.line();
    const auto ci = obd_column(names, "item_id", true, file, header_line, layout);
    const auto cp = obd_column(names, "position", true, file, header_line, layout);
    const auto cc = obd_column(names, "click", true, file, header_line, layout);
    const auto cs = obd_column(names, "propensity_score", true, file, header_line, layout);
    const auto ct = obd_column(names, "timestamp", false, file, header_line, layout);
    const std::vector<std::size_t> user_columns = numbered_columns(names, "user_feature_", file, header_line);
    const std::vector<std::size_t> affinity_columns = numbered_columns(names, "user-item_affinity_", file, header_line);
    const std::size_t n_user = user_columns.size(), n_affinity = affinity_columns.size();
    obd_log out;
    std::vector<id_map> categories(n_user);
    std::vector<std::size_t> codes;
    std::vector<double> affinity;
    std::size_t max_item = 0, max_position = 0;
    while (tokens.next(fields)) {
        const std::size_t line = tokens.line();
        if (fields.size() != names.size())
            throw parse_error(file, line, std::min(fields.size(), names.size()) + 1,
                              causalrec::cat("expected ", names.size(), " fields, found ", fields.size()));
        auto field = [&](std::ptrdiff_t j) { return fields[static_cast<std::size_t>(j)]; };
        auto column_name = [&](std::ptrdiff_t j) -> const std::string& { return names[static_cast<std::size_t>(j)]; };
        const std::size_t item = obd_whole(field(ci), 0, "item_id must be a whole number >= 0", file, line, static_cast<std::size_t>(ci), column_name(ci));
        if (n_affinity > 0 && item >= n_affinity)
            throw parse_error(file, line, static_cast<std::size_t>(ci) + 1,
                              causalrec::cat("item_id ", item, " is not below the ", n_affinity, " user-item_affinity columns"), column_name(ci));
        const std::size_t position = obd_whole(field(cp), 1, "position must be a whole number >= 1 (the file counts slots from 1)", file, line,
                                               static_cast<std::size_t>(cp), column_name(cp));
        const double click = obd_number(field(cc), file, line, static_cast<std::size_t>(cc), column_name(cc));
        if (click != 0.0 && click != 1.0)
            throw parse_error(file, line, static_cast<std::size_t>(cc) + 1, causalrec::cat("click must be 0 or 1, got '", field(cc).substr(0, 64), "'"),
                              column_name(cc));
        const double propensity = obd_number(field(cs), file, line, static_cast<std::size_t>(cs), column_name(cs));
        if (!(propensity > 0.0 && propensity <= 1.0))
            throw parse_error(file, line, static_cast<std::size_t>(cs) + 1,
                              causalrec::cat("propensity_score must be in (0, 1], got '", field(cs).substr(0, 64), "'"), column_name(cs));
        if (ct >= 0) {
            double t;
            if (!parse_obd_timestamp(field(ct), t))
                throw parse_error(file, line, static_cast<std::size_t>(ct) + 1,
                                  causalrec::cat("cannot parse '", field(ct).substr(0, 64),
                                                 "' as a timestamp (YYYY-MM-DD HH:MM:SS[.fraction][+HH:MM], or seconds since 1970)"),
                                  column_name(ct));
            out.timestamps.push_back(t);
        }
        for (std::size_t k = 0; k < n_user; ++k) codes.push_back(categories[k].insert(fields[user_columns[k]]));
        if (options.affinity)
            for (std::size_t k = 0; k < n_affinity; ++k)
                affinity.push_back(obd_number(fields[affinity_columns[k]], file, line, affinity_columns[k], names[affinity_columns[k]]));
        out.actions.push_back(item);
        out.positions.push_back(position - 1);
        out.rewards.push_back(click);
        out.propensities.push_back(propensity);
        max_item = std::max(max_item, item);
        max_position = std::max(max_position, position);
    }
    const std::size_t rows = out.actions.size();
    out.n_items = n_affinity > 0 ? n_affinity : rows > 0 ? max_item + 1 : 0;
    out.n_positions = max_position;
    std::vector<std::string> base;
    for (std::size_t c : user_columns) base.push_back(names[c]);
    out.user_features = xt::zeros<double>({rows, encoded_width(categories, options.encoding)});
    encode_categories(codes, categories, base, options.encoding, out.user_features, 0, out.user_feature_names);
    out.user_feature_categories = std::move(categories);
    out.affinity = matrix<double>::from_shape({options.affinity ? rows : 0, options.affinity ? n_affinity : 0});
    std::copy(affinity.begin(), affinity.end(), out.affinity.begin());
    return out;
}

/// Reads an Open Bandit Dataset item context from a source; `file` names it in messages.
template <class Source>
obd_item_context read_obd_item_context_from(Source& source, const obd_options& options, const std::string& file) {
    constexpr std::string_view layout = "an Open Bandit Dataset item context has item_id and item_feature_<k> columns";
    csv_tokenizer<Source> tokens(source, options.delimiter, file, options.chunk_bytes);
    std::vector<std::string_view> fields;
    const std::vector<std::string> names = obd_header(tokens, fields, file);
    const std::size_t header_line = tokens.line();
    const auto ci = obd_column(names, "item_id", true, file, header_line, layout);
    const std::vector<std::size_t> feature_columns = numbered_columns(names, "item_feature_", file, header_line);
    for (const auto& wanted : options.numeric_item_features)
        if (std::none_of(feature_columns.begin(), feature_columns.end(), [&](std::size_t c) { return names[c] == wanted; }))
            throw parse_error(file, header_line, 0,
                              causalrec::cat("numeric item feature '", wanted, "' (obd_options::numeric_item_features) is not an item_feature_<k> column"));
    std::vector<std::size_t> numeric, categorical;  // indices into feature_columns
    for (std::size_t k = 0; k < feature_columns.size(); ++k) {
        const auto& name = names[feature_columns[k]];
        const bool is_numeric = std::find(options.numeric_item_features.begin(), options.numeric_item_features.end(), name) !=
                                options.numeric_item_features.end();
        (is_numeric ? numeric : categorical).push_back(k);
    }
    std::vector<id_map> categories(categorical.size());
    std::vector<std::size_t> items, codes, lines;
    std::vector<double> values;
    while (tokens.next(fields)) {
        const std::size_t line = tokens.line();
        if (fields.size() != names.size())
            throw parse_error(file, line, std::min(fields.size(), names.size()) + 1,
                              causalrec::cat("expected ", names.size(), " fields, found ", fields.size()));
        const auto ic = static_cast<std::size_t>(ci);
        items.push_back(obd_whole(fields[ic], 0, "item_id must be a whole number >= 0", file, line, ic, names[ic]));
        lines.push_back(line);
        for (std::size_t k : numeric) {
            const std::size_t c = feature_columns[k];
            values.push_back(obd_number(fields[c], file, line, c, names[c]));
        }
        for (std::size_t k = 0; k < categorical.size(); ++k) codes.push_back(categories[k].insert(fields[feature_columns[categorical[k]]]));
    }
    const std::size_t n = items.size();
    std::vector<std::size_t> row_of(n, n);  // the file row of each item
    for (std::size_t r = 0; r < n; ++r) {
        if (items[r] >= n)
            throw parse_error(file, lines[r], static_cast<std::size_t>(ci) + 1, causalrec::cat("item_id ", items[r], " is not below the ", n,
                                                                           " items of the file (item ids run over 0..n-1 once each)"),
                              names[static_cast<std::size_t>(ci)]);
        if (row_of[items[r]] != n)
            throw parse_error(file, lines[r], static_cast<std::size_t>(ci) + 1,
                              causalrec::cat("item_id ", items[r], " appears twice (first on line ", lines[row_of[items[r]]], ")"),
                              names[static_cast<std::size_t>(ci)]);
        row_of[items[r]] = r;
    }
    obd_item_context out;
    std::vector<std::string> base;
    for (std::size_t k : categorical) base.push_back(names[feature_columns[k]]);
    // The columns in the file's item_feature_<k> order: a numeric column, or a categorical block.
    const std::size_t width = numeric.size() + encoded_width(categories, options.encoding);
    out.features = xt::zeros<double>({n, width});
    std::size_t column = 0, next_numeric = 0, next_categorical = 0;
    for (std::size_t k = 0; k < feature_columns.size(); ++k) {
        const std::string& name = names[feature_columns[k]];
        if (next_numeric < numeric.size() && numeric[next_numeric] == k) {
            for (std::size_t i = 0; i < n; ++i) out.features(i, column) = values[row_of[i] * numeric.size() + next_numeric];
            out.feature_names.push_back(name);
            ++column, ++next_numeric;
            continue;
        }
        const std::size_t m = next_categorical++;
        const auto& cats = categories[m];
        if (options.encoding == category_encoding::ordinal) {
            for (std::size_t i = 0; i < n; ++i) out.features(i, column) = static_cast<double>(codes[row_of[i] * categorical.size() + m]);
            out.feature_names.push_back(name);
            ++column;
        } else {
            for (std::size_t c = 0; c < cats.size(); ++c) out.feature_names.push_back(causalrec::cat(name, "=", cats.id_of(c)));
            for (std::size_t i = 0; i < n; ++i) out.features(i, column + codes[row_of[i] * categorical.size() + m]) = 1.0;
            column += cats.size();
        }
    }
    out.categorical_features = std::move(base);
    out.categories = std::move(categories);
    return out;
}

}  // namespace detail

/// Reads one campaign log of the Open Bandit Dataset (a `{random,bts}/{men,women,all}/<campaign>.csv`
/// file): a first unnamed row-index column (ignored), timestamp, item_id, position (1-based), click,
/// propensity_score, user_feature_0..K-1 (hashed categories) and user-item_affinity_0..n_items-1.
/// item_id, position, click and propensity_score are required; the others are read when present,
/// and columns of other names are ignored. The user features are encoded one-hot or as ordinal
/// codes (options.encoding), categories in order of first appearance in the file. Raises
/// parse_error naming the file, line and column for a missing or repeated column, a row with the
/// wrong number of fields, an item_id that is not a whole number below the affinity columns, a
/// position that is not a whole number >= 1, a click other than 0 or 1, a propensity_score outside
/// (0, 1], a timestamp or affinity that does not parse.
obd_log read_obd(const std::string& path, const obd_options& options = {});

/// read_obd of CSV text in memory; `name` stands for the file in error messages.
obd_log read_obd_text(std::string_view text, const obd_options& options = {}, const std::string& name = "<text>");

/// Reads an Open Bandit Dataset item context (item_context.csv: a row-index column, item_id,
/// item_feature_0..K-1): the columns named in options.numeric_item_features as numbers, the other
/// item_feature_<k> columns as hashed categories encoded like the user features (options.encoding;
/// categories in order of first appearance), in the file's column order; row i of the result is
/// item i. Raises parse_error for a missing item_id column, a numeric feature that is not in the
/// file or does not parse, item ids that are not 0..n-1 once each, or a row with the wrong number of fields.
obd_item_context read_obd_item_context(const std::string& path, const obd_options& options = {});

/// read_obd_item_context of CSV text in memory; `name` stands for the file in error messages.
obd_item_context read_obd_item_context_text(std::string_view text, const obd_options& options = {},
                                                   const std::string& name = "<text>");

}  // namespace causalrec::data

#if CAUSALREC_HEADER_ONLY
#include "impl/obd.hpp"
#endif
