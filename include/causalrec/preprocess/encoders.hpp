#pragma once
/// @file
/// Categorical encoders for numeric category codes: one_hot_encoder and ordinal_encoder, with
/// scikit-learn 1.2's semantics. Each column's categories are its sorted unique values, with NaN
/// (when seen at fit) as its own category placed last.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/tensor.hpp"
#include "detail/common.hpp"

namespace causalrec::preprocess {

namespace detail {

/// "Not a category": the value of category_index() for an unknown value, and of a column without a dropped category.
inline constexpr std::size_t no_category = static_cast<std::size_t>(-1);

/// The sorted unique values of column j of X, followed by NaN when the column holds NaN.
template <class T>
std::vector<double> learn_categories(const matrix<T>& X, std::size_t j) {
    std::vector<double> cats = observed_values(X, j);
    const bool has_nan = cats.size() < X.shape()[0];
    std::sort(cats.begin(), cats.end());
    cats.erase(std::unique(cats.begin(), cats.end()), cats.end());
    if (has_nan) cats.push_back(nan);
    return cats;
}

/// Whether a category list ends with the NaN category.
inline bool has_nan_category(const std::vector<double>& cats) noexcept {
    return !cats.empty() && std::isnan(cats.back());
}

/// Index of v in a category list from learn_categories(), or no_category.
inline std::size_t category_index(const std::vector<double>& cats, double v) noexcept {
    const bool has_nan = has_nan_category(cats);
    if (std::isnan(v)) return has_nan ? cats.size() - 1 : no_category;
    const auto end = cats.end() - (has_nan ? 1 : 0);
    const auto it = std::lower_bound(cats.begin(), end, v);
    return (it != end && *it == v) ? static_cast<std::size_t>(it - cats.begin()) : no_category;
}

/// Encodes per-column category lists for JSON.
CAUSALREC_INLINE nlohmann::json encode_categories(const std::vector<std::vector<double>>& categories);

/// Reads per-column category lists written by encode_categories and checks they are sorted and unique.
CAUSALREC_INLINE std::vector<std::vector<double>> read_categories(const state_reader& r, const nlohmann::json& st,
                                                        std::size_t n_features);

/// Raises argument_error unless v is NaN or an integer (scikit-learn's rule for encoded values).
inline void check_code_value(double v, std::string_view type, std::string_view option) {
    if (!std::isnan(v) && v != std::floor(v))
        throw argument_error(causalrec::error_message("preprocess", type, option, " must be an integer or NaN, got ", v));
}

}  // namespace detail

/// What one_hot_encoder does with a category not seen at fit.
enum class one_hot_unknown {
    error,   ///< raise argument_error naming the column, row and value (the default)
    ignore,  ///< encode it as all zeros in that column's block
};

/// Which category one_hot_encoder leaves out of each column's block.
enum class one_hot_drop {
    none,       ///< keep every category (the default)
    first,      ///< drop each column's first (smallest) category
    if_binary,  ///< drop the first category of columns with exactly two categories
};

/// Options of one_hot_encoder.
struct one_hot_encoder_options {
    one_hot_unknown handle_unknown = one_hot_unknown::error;  ///< unseen categories at transform
    one_hot_drop drop = one_hot_drop::none;                    ///< category left out of each block
};

namespace detail {
/// JSON spellings of one_hot_unknown.
inline constexpr enum_names<one_hot_unknown, 2> one_hot_unknown_names{
    {{"error", one_hot_unknown::error}, {"ignore", one_hot_unknown::ignore}}};
/// JSON spellings of one_hot_drop.
inline constexpr enum_names<one_hot_drop, 3> one_hot_drop_names{
    {{"none", one_hot_drop::none}, {"first", one_hot_drop::first}, {"if_binary", one_hot_drop::if_binary}}};
}  // namespace detail

/// Encodes each column's categories as a block of 0/1 indicator columns, like scikit-learn's
/// OneHotEncoder(sparse_output=False): blocks in column order, categories sorted within a block,
/// NaN seen at fit as its own category placed last.
class one_hot_encoder : public detail::preprocessor_base<one_hot_encoder, one_hot_encoder_options> {
public:
    /// The type's name in messages and in its JSON state.
    static constexpr std::string_view model_name = "one_hot_encoder";

    /// A preprocessor with the given options, not yet fitted.
    using preprocessor_base::preprocessor_base;

    /// Number of output columns.
    std::size_t n_features_out() const noexcept { return n_features_out_; }
    /// Per input column, its sorted categories (NaN last when seen at fit).
    const std::vector<std::vector<double>>& categories() const noexcept { return categories_; }
    /// Per input column, the index of its dropped category, or static_cast<size_t>(-1) when none is dropped.
    const std::vector<std::size_t>& drop_idx() const noexcept { return drop_idx_; }

    /// Output column names "name=value" (e.g. "color=2", "color=nan"); inputs default to "x0", "x1", ...
    std::vector<std::string> output_names(const std::vector<std::string>& input_names = {}) const;

private:
    friend class detail::preprocessor_base<one_hot_encoder, one_hot_encoder_options>;

    /// The 0/1 indicator matrix of X (n_features_out() columns).
    template <std::floating_point T>
    matrix<T> apply(const matrix<T>& X) const;

    /// Learns each column's categories and the dropped ones.
    template <std::floating_point T>
    void learn(const matrix<T>& X);

    nlohmann::json options_json() const;

    nlohmann::json state_json() const;

    static options_type read_options(const detail::state_reader& r, const nlohmann::json& o);

    /// Reads the categories and dropped indices (each a category index of its column, or null).
    void read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n);

    /// Computes each block's offset and the output width from categories_ and drop_idx_.
    void finish_fit();

    std::vector<std::vector<double>> categories_;
    std::vector<std::size_t> drop_idx_;
    std::vector<std::size_t> offset_;
    std::size_t n_features_out_ = 0;
};

// The member functions are defined outside the class body, so that the extern template declarations
// of the compiled part (CAUSALREC_COMPILED) keep them out of every translation unit (docs/compile-time.md).
template <std::floating_point T>
matrix<T> one_hot_encoder::apply(const matrix<T>& X) const {
    const std::size_t rows = X.shape()[0];
    matrix<T> out = detail::zero_matrix<T>(rows, n_features_out_);
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < n_features_in_; ++j) {
            const double v = static_cast<double>(X(i, j));
            const std::size_t c = detail::category_index(categories_[j], v);
            if (c == detail::no_category) {
                if (opts_.handle_unknown == one_hot_unknown::ignore) continue;
                throw argument_error(causalrec::error_message("preprocess", model_name, "unknown category ", v, " in column ", j, " (row ",
                                                 i, "), not seen at fit; set handle_unknown = ignore to encode "
                                                 "it as all zeros"));
            }
            const std::size_t d = drop_idx_[j];
            if (c == d) continue;
            out(i, offset_[j] + c - (d != detail::no_category && c > d ? 1 : 0)) = T(1);
        }
    }
    return out;
}

template <std::floating_point T>
void one_hot_encoder::learn(const matrix<T>& X) {
    const std::size_t cols = X.shape()[1];
    std::vector<std::vector<double>> categories(cols);
    std::vector<std::size_t> drop(cols, detail::no_category);
    for (std::size_t j = 0; j < cols; ++j) {
        categories[j] = detail::learn_categories(X, j);
        if (opts_.drop == one_hot_drop::first ||
            (opts_.drop == one_hot_drop::if_binary && categories[j].size() == 2))
            drop[j] = 0;
    }
    categories_ = std::move(categories);
    drop_idx_ = std::move(drop);
    finish_fit();
}


/// What ordinal_encoder does with a category not seen at fit.
enum class ordinal_unknown {
    error,              ///< raise argument_error naming the column, row and value (the default)
    use_encoded_value,  ///< encode it as options.unknown_value
};

/// Options of ordinal_encoder.
struct ordinal_encoder_options {
    ordinal_unknown handle_unknown = ordinal_unknown::error;  ///< unseen categories at transform
    /// Code of unseen categories under use_encoded_value: NaN or an integer that is not a category code.
    double unknown_value = std::numeric_limits<double>::quiet_NaN();
    /// Code of NaN when NaN was seen at fit: NaN (pass-through) or an integer that is not a category code.
    double encoded_missing_value = std::numeric_limits<double>::quiet_NaN();
};

namespace detail {
/// JSON spellings of ordinal_unknown.
inline constexpr enum_names<ordinal_unknown, 2> ordinal_unknown_names{
    {{"error", ordinal_unknown::error}, {"use_encoded_value", ordinal_unknown::use_encoded_value}}};
}  // namespace detail

/// Replaces each value by the index of its category among the column's sorted categories (0..k-1),
/// like scikit-learn's OrdinalEncoder: NaN passes through as encoded_missing_value (NaN by default).
class ordinal_encoder : public detail::preprocessor_base<ordinal_encoder, ordinal_encoder_options> {
public:
    /// The type's name in messages and in its JSON state.
    static constexpr std::string_view model_name = "ordinal_encoder";

    /// A preprocessor with the given options, not yet fitted.
    using preprocessor_base::preprocessor_base;

    /// Per input column, its sorted categories (NaN last when seen at fit).
    const std::vector<std::vector<double>>& categories() const noexcept { return categories_; }

private:
    friend class detail::preprocessor_base<ordinal_encoder, ordinal_encoder_options>;

    /// X with each value replaced by its category code.
    template <std::floating_point T>
    matrix<T> apply(const matrix<T>& X) const;

    /// Learns each column's categories and checks the encoded values do not collide with codes.
    template <std::floating_point T>
    void learn(const matrix<T>& X);

    nlohmann::json options_json() const;

    nlohmann::json state_json() const;

    static options_type read_options(const detail::state_reader& r, const nlohmann::json& o);

    /// Reads the categories.
    void read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n);

    std::vector<std::vector<double>> categories_;
};

template <std::floating_point T>
matrix<T> ordinal_encoder::apply(const matrix<T>& X) const {
    const std::size_t rows = X.shape()[0];
    matrix<T> out = make_matrix<T>(rows, n_features_in_);
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < n_features_in_; ++j) {
            const double v = static_cast<double>(X(i, j));
            const std::size_t c = detail::category_index(categories_[j], v);
            double code = static_cast<double>(c);
            if (c == detail::no_category) {
                if (opts_.handle_unknown == ordinal_unknown::error)
                    throw argument_error(causalrec::error_message("preprocess", model_name, "unknown category ", v, " in column ", j,
                                                     " (row ", i, "), not seen at fit; set handle_unknown = "
                                                     "use_encoded_value to encode it as unknown_value"));
                code = opts_.unknown_value;
            } else if (std::isnan(v)) {
                code = opts_.encoded_missing_value;
            }
            out(i, j) = static_cast<T>(code);
        }
    }
    return out;
}

template <std::floating_point T>
void ordinal_encoder::learn(const matrix<T>& X) {
    const bool use_unknown = opts_.handle_unknown == ordinal_unknown::use_encoded_value;
    if (use_unknown) detail::check_code_value(opts_.unknown_value, model_name, "unknown_value");
    detail::check_code_value(opts_.encoded_missing_value, model_name, "encoded_missing_value");
    const std::size_t cols = X.shape()[1];
    std::vector<std::vector<double>> categories(cols);
    for (std::size_t j = 0; j < cols; ++j) {
        categories[j] = detail::learn_categories(X, j);
        // scikit-learn compares against the category count including the NaN category.
        const auto count = static_cast<double>(categories[j].size());
        if (use_unknown && opts_.unknown_value >= 0 && opts_.unknown_value < count)
            throw argument_error(causalrec::error_message("preprocess", model_name, "unknown_value ", opts_.unknown_value,
                                             " is already used to encode a category of column ", j));
        const double m = opts_.encoded_missing_value;
        if (detail::has_nan_category(categories[j]) && m >= 0 && m < count)
            throw argument_error(causalrec::error_message("preprocess", model_name, "encoded_missing_value ", m,
                                             " is already used to encode a category of column ", j));
    }
    categories_ = std::move(categories);
}


#if !CAUSALREC_HEADER_ONLY
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(extern, one_hot_encoder)
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(extern, ordinal_encoder)
#endif

}  // namespace causalrec::preprocess

#if CAUSALREC_HEADER_ONLY
#include "impl/encoders.hpp"
#endif
