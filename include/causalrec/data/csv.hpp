#pragma once
/// @file
/// CSV input and output for datasets. The reader streams the file in chunks (the text is never held
/// whole), follows RFC 4180 quoting, reads missing values as NaN, infers numeric and categorical
/// columns, and assigns the label, weight, treatment and id roles from a schema.

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"
#include "dataset.hpp"
#include "detail/csv_shard.hpp"
#include "detail/csv_tokenizer.hpp"

namespace causalrec::data {

/// Which part of a file a reader takes: shard `shard` of `shards` equal byte ranges, cut at record boundaries.
///
/// Shard k of S owns exactly the records (after the header) whose first byte lies in the byte range
/// [k*N/S, (k+1)*N/S) of the file's N bytes; a record starts right after a line break that is not
/// inside a quoted field. The shards of one file are therefore disjoint and, concatenated in order,
/// give the rows of a whole-file read, for any S (a shard that owns no record reads 0 rows). Every
/// shard reads the header; to find its first record it follows the quoting of all bytes before it,
/// streaming (cost proportional to its offset, at several GB/s), so line numbers in errors are those
/// of the whole file. The default {0, 1} reads the whole file.
struct shard_spec {
    std::size_t shard = 0;   ///< index of this shard, below `shards`
    std::size_t shards = 1;  ///< number of shards the file is cut into (at least 1)
};

/// Options of read_csv: the delimiter, the schema (which column plays which role), missing-value
/// tokens and type inference.
struct csv_options {
    char delimiter = ',';                ///< field separator
    std::string label{};                 ///< name of the label column ("" = no label)
    std::string weight{};                ///< name of the per-sample weight column ("" = none)
    std::string treatment{};             ///< name of the treatment column ("" = none)
    std::string id{};                    ///< name of the row-id column, kept as text ("" = none)
    std::vector<std::string> ignore{};     ///< columns to skip
    std::vector<std::string> categorical{};  ///< columns read as categories even if they look numeric
    std::vector<std::string> numeric{};    ///< columns that must be numeric (no inference)
    /// Field values read as missing (NaN). Matching is exact and case-sensitive.
    std::vector<std::string> missing_values = {"", "NA", "N/A", "NaN", "nan", "null", "NULL"};
    /// Column types are inferred from this many leading rows: a column is numeric when every
    /// non-missing value there parses as a number, else categorical. A later value that does not
    /// parse in a numeric column is a parse_error (declare the column categorical instead).
    std::size_t type_inference_rows = 1000;
    std::size_t chunk_bytes = std::size_t{1} << 22;  ///< bytes read per chunk (4 MiB)
    /// A number beyond the value type's range (1e39 as float, 1e400 as double) is a parse_error
    /// naming the file, row and column; true reads it as +-infinity instead. Numbers below the
    /// smallest normal value are always read as the nearest subnormal or zero (as strtod and pandas).
    bool overflow_to_infinity = false;
    /// Read only this shard of the file (default: all of it). Column types are inferred from the
    /// first `type_inference_rows` rows of the file, whichever the shard, so that every shard agrees
    /// with a whole-file read. Categorical columns (features or text labels) cannot be read in
    /// shards, as their codes would differ between shards: argument_error.
    shard_spec shard{};
};

namespace detail {

/// Appends the run of decimal digits at p to `mantissa` (p advances past it); returns how many
/// digits there were. Eight digits are converted at a time with SWAR arithmetic on little-endian
/// machines: bytes are reduced to 0..9, the first non-digit byte is found with a carry-free test,
/// and pairs, quads and octets of digits are combined by three multiplications.
inline int append_digits(const char*& p, const char* end, std::uint64_t& mantissa) noexcept {
    int count = 0;
    if constexpr (std::endian::native == std::endian::little) {
        while (end - p >= 8) {
            std::uint64_t word;
            std::memcpy(&word, p, 8);
            const std::uint64_t x = word ^ 0x3030303030303030ULL;  // digit bytes become 0..9
            const std::uint64_t non_digit = ((x + 0x7676767676767676ULL) | x) & 0x8080808080808080ULL;
            const int n = non_digit ? std::countr_zero(non_digit) / 8 : 8;
            if (n == 0) return count;
            std::uint64_t v = n == 8 ? x : x << (8 * (8 - n));  // the n digits, preceded by zeros
            v = ((v & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
            v = ((v & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
            v = ((v & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32;
            static constexpr std::uint64_t scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
            mantissa = mantissa * scale[n] + v;
            count += n;
            p += n;
            if (n < 8) return count;
        }
    }
    for (; p < end && static_cast<unsigned>(*p - '0') < 10; ++p, ++count)
        mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
    return count;
}

/// Fast path for plain decimals such as "-12.0375": when the digits fit the significand of T and
/// the power of ten is exact in T, one IEEE division gives the correctly rounded value (Clinger 1990),
/// the same value std::from_chars returns. Anything else (exponents, long mantissas) returns false.
template <class T>
bool parse_plain_decimal(const char* p, const char* end, T& out) noexcept {
    static_assert(std::is_floating_point_v<T>);
    constexpr std::uint64_t max_exact = std::uint64_t{1} << std::numeric_limits<T>::digits;
    constexpr int max_power = std::is_same_v<T, float> ? 10 : 22;
    static constexpr T powers[] = {T(1e0),  T(1e1),  T(1e2),  T(1e3),  T(1e4),  T(1e5),  T(1e6),  T(1e7),
                                   T(1e8),  T(1e9),  T(1e10), T(1e11), T(1e12), T(1e13), T(1e14), T(1e15),
                                   T(1e16), T(1e17), T(1e18), T(1e19), T(1e20), T(1e21), T(1e22)};
    const bool negative = p < end && *p == '-';
    p += negative;
    std::uint64_t mantissa = 0;
    int digits = append_digits(p, end, mantissa), fraction = 0;
    if (p < end && *p == '.') {
        ++p;
        fraction = append_digits(p, end, mantissa);
        digits += fraction;
    }
    if (p != end || digits == 0 || digits > 19 || mantissa > max_exact || fraction > max_power) return false;
    const T value = static_cast<T>(mantissa) / powers[fraction];
    out = negative ? -value : value;
    return true;
}

/// What parsing a field as a number found.
enum class number_status : std::uint8_t {
    ok,        ///< a number of T (a value below T's smallest normal is rounded to a subnormal or zero, as strtod does)
    invalid,   ///< not a number
    overflow,  ///< a number beyond T's range (out: +-infinity)
};

/// Parses a whole field as a number of type T (leading '+' and surrounding blanks allowed). A valid
/// number outside T's range is `overflow` (out = +-inf), never `invalid`; one that underflows is read
/// as the nearest subnormal or zero.
template <class T>
number_status parse_number_status(std::string_view s, T& out) noexcept {
    if (parse_plain_decimal(s.data(), s.data() + s.size(), out)) return number_status::ok;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
    if (s.empty()) return number_status::invalid;
    const char* const end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, out);
    if (ptr != end) return number_status::invalid;
    if (ec == std::errc()) return number_status::ok;
    if (ec != std::errc::result_out_of_range) return number_status::invalid;
    // Out of range: read it in a wider type to tell overflow from underflow (and to round an
    // underflow to T's subnormals); beyond even that, the exponent's sign decides.
    long double wide = 0.0L;
    const auto wider = std::from_chars(s.data(), end, wide);
    const bool negative = s.front() == '-';
    bool overflows;
    if (wider.ec == std::errc() && wider.ptr == end) {
        overflows = std::abs(wide) > static_cast<long double>(std::numeric_limits<T>::max());
        if (!overflows) {
            out = static_cast<T>(wide);
            return number_status::ok;
        }
    } else {
        const std::size_t e = s.find_first_of("eE");
        overflows = !(e != std::string_view::npos && e + 1 < s.size() && s[e + 1] == '-');
    }
    if (overflows) {
        out = negative ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
        return number_status::overflow;
    }
    out = negative ? -T(0) : T(0);
    return number_status::ok;
}

/// Parses a whole field as a finite number of type T in range (see parse_number_status).
template <class T>
bool parse_number(std::string_view s, T& out) noexcept {
    return parse_number_status(s, out) == number_status::ok;
}

/// The role a CSV column plays in the dataset.
enum class column_role : std::uint8_t { feature_numeric, feature_categorical, label_numeric, label_categorical,
                                        weight, treatment, id, ignored };

/// Category dictionary of one column: codes in order of first appearance, sorted at the end.
struct category_dictionary {
    std::map<std::string, std::int32_t, std::less<>> codes;
    std::vector<std::string> names;

    std::int32_t code_of(std::string_view value) {
        auto it = codes.find(value);
        if (it != codes.end()) return it->second;
        const auto code = static_cast<std::int32_t>(names.size());
        codes.emplace(std::string(value), code);
        names.emplace_back(value);
        return code;
    }
    /// Sorted category names and, for each first-appearance code, its code in sorted order.
    std::vector<std::int32_t> sorted_remap(std::vector<std::string>& sorted_names) const {
        sorted_names.clear();
        std::vector<std::int32_t> remap(names.size());
        std::int32_t k = 0;
        for (const auto& [name, code] : codes) {  // std::map iterates in sorted order
            remap[static_cast<std::size_t>(code)] = k++;
            sorted_names.push_back(name);
        }
        return remap;
    }
};

/// Reads one CSV source into a dataset<T>.
template <class T, class Source>
class csv_reader {
public:
    csv_reader(Source& source, const csv_options& options, std::string name)
        : options_(options), source_(source), tokens_(source, options.delimiter, std::move(name), options.chunk_bytes) {
        for (const auto& m : options_.missing_values) max_missing_length_ = std::max(max_missing_length_, m.size());
    }

    dataset<T> read() {
        check_shard(options_.shard.shard, options_.shard.shards, "read_csv");
        const std::uint64_t size = options_.shard.shards > 1 ? source_.size() : 0;
        std::vector<std::string_view> fields;
        if (!tokens_.next(fields)) throw parse_error(file(), 1, 0, "file is empty: expected a header row");
        read_header(fields);
        if (options_.shard.shards > 1) return read_shard(fields, size);
        infer_and_replay(fields);
        while (tokens_.next(fields)) consume(fields, tokens_.line());
        return assemble();
    }

private:
    const std::string& file() const { return tokens_.file(); }

    std::size_t find_column(const std::string& name, const char* what) const {
        for (std::size_t j = 0; j < names_.size(); ++j)
            if (names_[j] == name) return j;
        std::string msg(what);
        msg.append(" column '").append(name).append("' is not in the header; the columns are:");
        for (std::size_t j = 0; j < names_.size(); ++j) msg.append(j ? ", " : " ").append(names_[j]);
        throw parse_error(file(), header_line_, 0, msg);
    }

    void read_header(const std::vector<std::string_view>& fields) {
        header_line_ = tokens_.line();
        names_.assign(fields.begin(), fields.end());
        for (std::size_t j = 0; j < names_.size(); ++j)
            for (std::size_t k = 0; k < j; ++k)
                if (names_[j] == names_[k])
                    throw parse_error(file(), header_line_, j + 1, "duplicate column name in the header", names_[j]);
        roles_.assign(names_.size(), column_role::feature_numeric);
        forced_.assign(names_.size(), false);
        auto assign = [&](const std::string& name, column_role role, const char* what) {
            if (name.empty()) return;
            const std::size_t j = find_column(name, what);
            if (roles_[j] != column_role::feature_numeric || forced_[j])
                throw argument_error(causalrec::cat("causalrec::data::read_csv: column '", name, "' is given two roles"));
            roles_[j] = role;
            forced_[j] = true;
        };
        assign(options_.label, column_role::label_numeric, "label");
        assign(options_.weight, column_role::weight, "weight");
        assign(options_.treatment, column_role::treatment, "treatment");
        assign(options_.id, column_role::id, "id");
        for (const auto& name : options_.ignore) assign(name, column_role::ignored, "ignored");
        for (const auto& name : options_.categorical) {
            const std::size_t j = find_column(name, "categorical");
            if (roles_[j] == column_role::label_numeric) roles_[j] = column_role::label_categorical;
            else if (roles_[j] == column_role::feature_numeric && !forced_[j]) roles_[j] = column_role::feature_categorical;
            else throw argument_error(causalrec::cat("causalrec::data::read_csv: column '", name, "' cannot be categorical (it is a weight, treatment, id or ignored column)"));
            forced_[j] = true;
        }
        for (const auto& name : options_.numeric) {
            const std::size_t j = find_column(name, "numeric");
            if (roles_[j] == column_role::feature_categorical || roles_[j] == column_role::label_categorical)
                throw argument_error(causalrec::cat("causalrec::data::read_csv: column '", name, "' is listed as both numeric and categorical"));
            forced_[j] = true;
        }
        dictionaries_.resize(names_.size());
    }

    /// Buffers the first rows, decides each free column's type from them, then consumes them.
    void infer_and_replay(std::vector<std::string_view>& fields) {
        std::vector<std::vector<std::string>> rows;
        std::vector<std::size_t> lines;
        infer(fields, rows, lines);
        std::vector<std::string_view> views;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            views.assign(rows[r].begin(), rows[r].end());
            consume(views, lines[r]);
        }
    }

    /// Reads the shard's records: the column types come from the first rows of the file (read from
    /// the start of the data region, whichever the shard), then the shard's byte range is located
    /// and read with file-absolute line numbers.
    dataset<T> read_shard(std::vector<std::string_view>& fields, std::uint64_t size) {
        const std::uint64_t data_begin = tokens_.offset();
        const std::size_t data_line = tokens_.next_line();
        std::vector<std::vector<std::string>> rows;
        std::vector<std::size_t> lines;
        infer(fields, rows, lines);
        if (rows.empty()) return assemble();  // no data row in the file: the whole-file read's error
        for (std::size_t j = 0; j < names_.size(); ++j) {
            if (roles_[j] == column_role::feature_categorical)
                throw argument_error(causalrec::cat("causalrec::data::read_csv: categorical column '", names_[j], "' of '", file(),
                                                    "' cannot be read in shards: its codes would differ between shards; encode it "
                                                    "before sharding or read the whole file"));
            if (roles_[j] == column_role::label_categorical)
                throw argument_error(causalrec::cat("causalrec::data::read_csv: label column '", names_[j], "' of '", file(),
                                                    "' holds text classes and cannot be read in shards: its class codes would "
                                                    "differ between shards; encode it as numbers before sharding or read the "
                                                    "whole file"));
        }
        allow_empty_ = true;
        const shard_range range = locate_shard(source_, size, data_begin, data_line, options_.shard.shard,
                                               options_.shard.shards, options_.delimiter, options_.chunk_bytes, file());
        source_.seek(range.begin);
        bounded_source<Source> part{source_, range.end - range.begin};
        csv_tokenizer<bounded_source<Source>> tokens(part, options_.delimiter, file(), options_.chunk_bytes, range.line,
                                                     range.begin == 0);
        while (tokens.next(fields)) consume(fields, tokens.line());
        return assemble();
    }

    /// Buffers up to type_inference_rows rows (with their lines) and decides each free column's type from them.
    void infer(std::vector<std::string_view>& fields, std::vector<std::vector<std::string>>& rows,
               std::vector<std::size_t>& lines) {
        while (rows.size() < options_.type_inference_rows && tokens_.next(fields)) {
            check_width(fields, tokens_.line());
            rows.emplace_back(fields.begin(), fields.end());
            lines.push_back(tokens_.line());
        }
        for (std::size_t j = 0; j < names_.size(); ++j) {
            const bool is_label = roles_[j] == column_role::label_numeric;
            if (forced_[j] && !is_label) continue;
            if (is_label && forced_[j] && label_forced_numeric(j)) continue;
            bool numeric = true;
            T value;
            for (const auto& row : rows)
                if (!is_missing(row[j]) && parse_number_status(row[j], value) == number_status::invalid) {
                    numeric = false;
                    break;
                }
            if (!numeric) roles_[j] = is_label ? column_role::label_categorical : column_role::feature_categorical;
        }
        setup_layout();
    }

    bool label_forced_numeric(std::size_t j) const {
        return std::find(options_.numeric.begin(), options_.numeric.end(), names_[j]) != options_.numeric.end();
    }

    void setup_layout() {
        feature_columns_.clear();
        for (std::size_t j = 0; j < names_.size(); ++j)
            if (roles_[j] == column_role::feature_numeric || roles_[j] == column_role::feature_categorical)
                feature_columns_.push_back(j);
        width_ = feature_columns_.size();
    }

    bool is_missing(std::string_view s) const noexcept {
        if (s.size() > max_missing_length_) return false;
        for (const auto& m : options_.missing_values)
            if (s == m) return true;
        return false;
    }

    void check_width(const std::vector<std::string_view>& fields, std::size_t line) const {
        if (fields.size() == names_.size()) return;
        std::string msg = "expected ";
        msg.append(std::to_string(names_.size())).append(" fields (as in the header), found ")
            .append(std::to_string(fields.size()));
        const std::size_t col = std::min(fields.size(), names_.size()) + 1;
        throw parse_error(file(), line, col, msg);
    }

    T number(std::string_view s, std::size_t line, std::size_t j) const {
        if (is_missing(s)) return std::numeric_limits<T>::quiet_NaN();
        T v;
        const number_status status = parse_number_status(s, v);
        if (status == number_status::ok || (status == number_status::overflow && options_.overflow_to_infinity)) return v;
        if (status == number_status::overflow)
            throw parse_error(file(), line, j + 1,
                              causalrec::cat("the number '", s.substr(0, 64), "' is outside the range of ",
                                             sizeof(T) == 4 ? "float" : "double", " (largest ",
                                             static_cast<double>(std::numeric_limits<T>::max()),
                                             "); read the file as double, or set csv_options::overflow_to_infinity"),
                              names_[j]);
        std::string msg = "cannot parse '";
        msg.append(s.substr(0, 64)).append("' as a number");
        if (roles_[j] == column_role::feature_numeric && !forced_[j])
            msg.append(" (the column looked numeric in the first rows; list it in csv_options::categorical if it holds categories)");
        throw parse_error(file(), line, j + 1, msg, names_[j]);
    }

    T required_number(std::string_view s, std::size_t line, std::size_t j, const char* what) const {
        const T v = number(s, line, j);
        if (std::isnan(v)) throw parse_error(file(), line, j + 1, causalrec::cat("missing ", what, " value"), names_[j]);
        return v;
    }

    void consume(const std::vector<std::string_view>& fields, std::size_t line) {
        check_width(fields, line);
        std::vector<T>& values = staging_block();
        for (std::size_t j = 0; j < fields.size(); ++j) {
            const std::string_view s = fields[j];
            switch (roles_[j]) {
                case column_role::feature_numeric: values.push_back(number(s, line, j)); break;
                case column_role::feature_categorical:
                    values.push_back(is_missing(s) ? std::numeric_limits<T>::quiet_NaN()
                                                    : static_cast<T>(dictionaries_[j].code_of(s)));
                    break;
                case column_role::label_numeric: labels_.push_back(required_number(s, line, j, "label")); break;
                case column_role::label_categorical:
                    if (is_missing(s)) throw parse_error(file(), line, j + 1, "missing label value", names_[j]);
                    labels_.push_back(static_cast<T>(dictionaries_[j].code_of(s)));
                    break;
                case column_role::weight: weights_.push_back(required_number(s, line, j, "weight")); break;
                case column_role::treatment: treatment_.push_back(required_number(s, line, j, "treatment")); break;
                case column_role::id: ids_.emplace_back(s); break;
                case column_role::ignored: break;
            }
        }
        ++rows_;
    }

    /// The staging block with room for one more row. Features are staged in blocks that start at
    /// 64 Ki values and double up to 16 Mi values, so that growing never copies them and assembling
    /// the matrix frees each block as soon as it is copied. Blocks of 64 MiB and more are above
    /// malloc's largest mmap threshold, so freeing them returns the memory at once: the peak stays
    /// near the size of the matrix, whatever the file size.
    std::vector<T>& staging_block() {
        if (blocks_.empty() || blocks_.back().size() + width_ > blocks_.back().capacity()) {
            const std::size_t width = std::max<std::size_t>(width_, 1);
            const std::size_t previous = blocks_.empty() ? 0 : blocks_.back().capacity();
            const std::size_t values = std::clamp<std::size_t>(2 * previous, std::size_t{1} << 16, std::size_t{1} << 24);
            blocks_.emplace_back();
            blocks_.back().reserve((values / width + 1) * width);
        }
        return blocks_.back();
    }

    /// Replaces first-appearance codes by sorted-category codes in a strided column.
    static void remap_codes(T* data, std::size_t n, std::size_t stride, const std::vector<std::int32_t>& remap) {
        for (std::size_t i = 0; i < n; ++i) {
            T& v = data[i * stride];
            if (!std::isnan(v)) v = static_cast<T>(remap[static_cast<std::size_t>(v)]);
        }
    }

    static vector<T> to_vector(const std::vector<T>& v) {
        vector<T> out = make_vector<T>(v.size());
        std::copy(v.begin(), v.end(), out.begin());
        return out;
    }

    dataset<T> assemble() {
        if (rows_ == 0 && !allow_empty_) throw parse_error(file(), header_line_, 0, "the header is not followed by any data row");
        matrix<T> features = make_matrix<T>(rows_, width_);
        T* dst = features.data();
        for (auto& block : blocks_) {
            dst = std::copy(block.begin(), block.end(), dst);
            std::vector<T>().swap(block);  // free each staging block once copied
        }
        blocks_.clear();
        std::vector<column_info> info(width_);
        for (std::size_t k = 0; k < width_; ++k) {
            const std::size_t j = feature_columns_[k];
            info[k].name = names_[j];
            if (roles_[j] == column_role::feature_categorical) {
                info[k].kind = column_kind::categorical;
                const auto remap = dictionaries_[j].sorted_remap(info[k].categories);
                remap_codes(features.data() + k, rows_, width_, remap);
            }
        }
        dataset<T> out(std::move(features));
        out.set_columns(std::move(info));
        for (std::size_t j = 0; j < names_.size(); ++j) {
            if (roles_[j] == column_role::label_categorical) {
                std::vector<std::string> classes;
                const auto remap = dictionaries_[j].sorted_remap(classes);
                remap_codes(labels_.data(), labels_.size(), 1, remap);
                out.set_label_classes(std::move(classes));
            }
        }
        if (!options_.label.empty()) out.set_labels(to_vector(labels_));
        if (!options_.weight.empty()) out.set_weights(to_vector(weights_));
        if (!options_.treatment.empty()) out.set_treatment(to_vector(treatment_));
        if (!options_.id.empty()) out.set_ids(std::move(ids_));
        return out;
    }

    const csv_options& options_;
    Source& source_;
    csv_tokenizer<Source> tokens_;
    bool allow_empty_ = false;  // a shard of a file with data rows may own none of them
    std::size_t max_missing_length_ = 0;
    std::size_t header_line_ = 1;
    std::vector<std::string> names_;
    std::vector<column_role> roles_;
    std::vector<bool> forced_;  // type (or role) fixed by the options, not inferred
    std::vector<category_dictionary> dictionaries_;
    std::vector<std::size_t> feature_columns_;
    std::size_t width_ = 0;
    std::size_t rows_ = 0;
    std::vector<std::vector<T>> blocks_;  // features, row-major, staged in blocks while reading
    std::vector<T> labels_, weights_, treatment_;
    std::vector<std::string> ids_;
};

}  // namespace detail

/// Reads a CSV file with a header row into a dataset<T>; raises parse_error naming file, line and
/// column on malformed input (ragged rows, unparsable numbers, unknown schema columns, empty file).
/// With options.shard, reads only that shard's records (see shard_spec).
template <class T = float>
dataset<T> read_csv(const std::string& path, const csv_options& options = {}) {
    detail::check_shard(options.shard.shard, options.shard.shards, "read_csv");
    const auto file = detail::open_for_reading(path);
    detail::file_source source{file.get(), path};
    return detail::csv_reader<T, detail::file_source>(source, options, path).read();
}

/// Reads CSV text held in memory; `name` stands for the file in error messages. options.shard cuts
/// the text into shards as it cuts a file.
template <class T = float>
dataset<T> read_csv_text(std::string_view text, const csv_options& options = {}, std::string name = "<text>") {
    detail::memory_source source{text};
    csv_options sized = options;  // text in memory needs no buffer larger than itself
    sized.chunk_bytes = std::min(options.chunk_bytes, text.size() + 1);
    return detail::csv_reader<T, detail::memory_source>(source, sized, std::move(name)).read();
}

/// Column names used by write_csv for the non-feature columns of a dataset.
struct csv_write_options {
    char delimiter = ',';  ///< field separator
    std::string label = "label";          ///< header name of the label column
    std::string weight = "weight";        ///< header name of the weight column
    std::string treatment = "treatment";  ///< header name of the treatment column
    std::string id = "id";                ///< header name of the id column
};

namespace detail {

inline void append_field(std::string& line, std::string_view value, char delimiter) {
    const bool quote = value.find_first_of(std::string{delimiter, '"', '\n', '\r'}) != std::string_view::npos ||
                       (!value.empty() && (value.front() == ' ' || value.back() == ' '));
    if (!quote) {
        line.append(value);
        return;
    }
    line.push_back('"');
    for (char c : value) {
        if (c == '"') line.push_back('"');
        line.push_back(c);
    }
    line.push_back('"');
}

template <class T>
void append_number(std::string& line, T value) {
    if (std::isnan(value)) return;  // missing value: empty field
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);  // shortest text that reads back exactly
    line.append(buf, r.ptr);
}

}  // namespace detail

/// Writes a dataset as CSV: id, features (categories by name), treatment, weight, label.
/// Numbers are written in the shortest form that reads back to the same value; NaN as an empty field.
template <class T>
void write_csv(const dataset<T>& data, const std::string& path, const csv_write_options& options = {}) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!file) throw error(causalrec::cat("causalrec::data::write_csv: cannot open '", path, "' for writing: ", std::strerror(errno)));
    const char d = options.delimiter;
    std::string line;
    bool first = true;
    auto sep = [&] {
        if (!first) line.push_back(d);
        first = false;
    };
    const bool ids = !data.ids().empty();
    if (ids) sep(), detail::append_field(line, options.id, d);
    for (const auto& c : data.columns()) sep(), detail::append_field(line, c.name, d);
    if (data.has_treatment()) sep(), detail::append_field(line, options.treatment, d);
    if (data.has_weights()) sep(), detail::append_field(line, options.weight, d);
    if (data.has_labels()) sep(), detail::append_field(line, options.label, d);
    line.push_back('\n');
    const auto& cols = data.columns();
    const T* x = data.features().data();
    const std::size_t w = data.cols();
    for (std::size_t i = 0; i < data.rows(); ++i) {
        first = true;
        if (ids) sep(), detail::append_field(line, data.ids()[i], d);
        for (std::size_t j = 0; j < w; ++j) {
            sep();
            const T v = x[i * w + j];
            if (cols[j].kind == column_kind::categorical && !std::isnan(v)) {
                const auto code = static_cast<std::size_t>(v);
                if (v < 0 || code >= cols[j].categories.size())
                    throw shape_error(causalrec::cat("causalrec::data::write_csv: row ", i, ", column '", cols[j].name, "': category code ", v, " has no name"));
                detail::append_field(line, cols[j].categories[code], d);
            } else {
                detail::append_number(line, v);
            }
        }
        if (data.has_treatment()) sep(), detail::append_number(line, data.treatment()(i));
        if (data.has_weights()) sep(), detail::append_number(line, data.weights()(i));
        if (data.has_labels()) {
            sep();
            const T y = data.labels()(i);
            const auto& classes = data.label_classes();
            if (!classes.empty() && y >= 0 && static_cast<std::size_t>(y) < classes.size())
                detail::append_field(line, classes[static_cast<std::size_t>(y)], d);
            else
                detail::append_number(line, y);
        }
        line.push_back('\n');
        if (line.size() > (std::size_t{1} << 20)) {
            if (std::fwrite(line.data(), 1, line.size(), file.get()) != line.size())
                throw error(causalrec::cat("causalrec::data::write_csv: write to '", path, "' failed"));
            line.clear();
        }
    }
    if (std::fwrite(line.data(), 1, line.size(), file.get()) != line.size())
        throw error(causalrec::cat("causalrec::data::write_csv: write to '", path, "' failed"));
}

/// Declares (`extern`) or defines (empty) the explicit instantiations of the CSV reader and writer for
/// value type T: with CAUSALREC_COMPILED the headers declare them for float and double and
/// causalrec::compiled defines them once.
#define CAUSALREC_DATA_CSV_INSTANTIATIONS(EXTERN, T)                                                        \
    EXTERN template dataset<T> read_csv<T>(const std::string&, const csv_options&);                         \
    EXTERN template dataset<T> read_csv_text<T>(std::string_view, const csv_options&, std::string);         \
    EXTERN template void write_csv<T>(const dataset<T>&, const std::string&, const csv_write_options&);

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_DATA_CSV_INSTANTIATIONS(extern, float)
CAUSALREC_DATA_CSV_INSTANTIATIONS(extern, double)
#endif

}  // namespace causalrec::data
