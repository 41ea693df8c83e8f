#pragma once
/// @file
/// Definitions of the non-template functions declared in data/obd.hpp (the Open Bandit Dataset readers): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../obd.hpp"

namespace causalrec::data {

CAUSALREC_INLINE obd_log read_obd(const std::string& path, const obd_options& options) {
    auto file = detail::open_for_reading(path);
    detail::file_source source{file.get(), path, "read_obd"};
    return detail::read_obd_from(source, options, path);
}

CAUSALREC_INLINE obd_log read_obd_text(std::string_view text, const obd_options& options, const std::string& name) {
    detail::memory_source source{text};
    return detail::read_obd_from(source, options, name);
}

CAUSALREC_INLINE obd_item_context read_obd_item_context(const std::string& path, const obd_options& options) {
    auto file = detail::open_for_reading(path);
    detail::file_source source{file.get(), path, "read_obd_item_context"};
    return detail::read_obd_item_context_from(source, options, path);
}

CAUSALREC_INLINE obd_item_context read_obd_item_context_text(std::string_view text, const obd_options& options,
                                                   const std::string& name) {
    detail::memory_source source{text};
    return detail::read_obd_item_context_from(source, options, name);
}

}  // namespace causalrec::data

namespace causalrec::data {
namespace detail {

CAUSALREC_INLINE std::vector<std::size_t> numbered_columns(const std::vector<std::string>& names, std::string_view prefix, const std::string& file,
                                                 std::size_t header_line) {
    std::vector<std::pair<std::size_t, std::size_t>> found;  // (k, column)
    for (std::size_t j = 0; j < names.size(); ++j) {
        const std::string_view name = names[j];
        if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) continue;
        const std::string_view rest = name.substr(prefix.size());
        if (rest.size() > 9 || (rest.size() > 1 && rest[0] == '0') ||
            !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        std::size_t k = 0;
        for (char c : rest) k = k * 10 + static_cast<std::size_t>(c - '0');
        found.emplace_back(k, j);
    }
    std::sort(found.begin(), found.end());
    std::vector<std::size_t> columns;
    for (std::size_t k = 0; k < found.size(); ++k) {
        if (found[k].first != k)
            throw parse_error(file, header_line, found[k].second + 1,
                              causalrec::cat("the ", prefix, "<k> columns must be numbered 0 to ", found.size() - 1, " once each; ",
                                             found[k].first < k ? "this one repeats " : "missing: ", prefix, k),
                              names[found[k].second]);
        columns.push_back(found[k].second);
    }
    return columns;
}

CAUSALREC_INLINE std::ptrdiff_t obd_column(const std::vector<std::string>& names, std::string_view wanted, bool required, const std::string& file,
                                 std::size_t header_line, std::string_view layout) {
    std::ptrdiff_t at = -1;
    for (std::size_t j = 0; j < names.size(); ++j) {
        if (names[j] != wanted) continue;
        if (at >= 0) throw parse_error(file, header_line, j + 1, causalrec::cat("column '", wanted, "' appears twice"), names[j]);
        at = static_cast<std::ptrdiff_t>(j);
    }
    if (at < 0 && required) {
        std::string msg = causalrec::cat("missing column '", wanted, "' (", layout, "); the header has:");
        for (std::size_t j = 0; j < names.size() && j < 16; ++j) msg.append(j ? ", " : " ").append(names[j].empty() ? "''" : names[j]);
        if (names.size() > 16) msg.append(causalrec::cat(", ... (", names.size(), " columns)"));
        throw parse_error(file, header_line, 0, msg);
    }
    return at;
}

CAUSALREC_INLINE double obd_number(std::string_view s, const std::string& file, std::size_t line, std::size_t column, const std::string& column_name) {
    double v;
    if (!parse_number(s, v) || !std::isfinite(v))
        throw parse_error(file, line, column + 1, causalrec::cat("cannot parse '", s.substr(0, 64), "' as a finite number"), column_name);
    return v;
}

CAUSALREC_INLINE std::size_t obd_whole(std::string_view s, std::size_t least, const char* what, const std::string& file, std::size_t line,
                             std::size_t column, const std::string& column_name) {
    const double v = obd_number(s, file, line, column, column_name);
    if (!(v >= static_cast<double>(least) && v == std::floor(v) && v < 9007199254740992.0))
        throw parse_error(file, line, column + 1, causalrec::cat(what, ", got '", s.substr(0, 64), "'"), column_name);
    return static_cast<std::size_t>(v);
}

CAUSALREC_INLINE void encode_categories(const std::vector<std::size_t>& codes, const std::vector<id_map>& categories,
                              const std::vector<std::string>& base, category_encoding encoding, matrix<double>& out, std::size_t first,
                              std::vector<std::string>& names) {
    const std::size_t rows = out.shape()[0], k_features = categories.size();
    std::size_t column = first;
    for (std::size_t k = 0; k < k_features; ++k) {
        if (encoding == category_encoding::ordinal) {
            for (std::size_t i = 0; i < rows; ++i) out(i, column) = static_cast<double>(codes[i * k_features + k]);
            names.push_back(base[k]);
            ++column;
            continue;
        }
        for (std::size_t c = 0; c < categories[k].size(); ++c) names.push_back(causalrec::cat(base[k], "=", categories[k].id_of(c)));
        for (std::size_t i = 0; i < rows; ++i) out(i, column + codes[i * k_features + k]) = 1.0;
        column += categories[k].size();
    }
}

}  // namespace detail
}  // namespace causalrec::data
