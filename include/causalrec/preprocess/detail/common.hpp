#pragma once
/// @file
/// Implementation helpers of the preprocess module (not API): message building, input checks,
/// column selection and the JSON state reader/writer shared by every preprocessor.

#include <array>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../../core/compiler.hpp"
#include "../../core/message.hpp"
#include "../../core/error.hpp"
#include "../../core/tensor.hpp"

namespace causalrec::preprocess {

/// Version of the JSON state format written by every preprocessor of this module.
inline constexpr int state_version = 1;

namespace detail {

/// A quiet NaN: the module's marker for a missing value.
inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

using causalrec::append_part;
using causalrec::cat;
using causalrec::format_number;

/// A matrix of the given shape filled with zeros.
template <class T>
matrix<T> zero_matrix(std::size_t rows, std::size_t cols) {
    matrix<T> m = causalrec::make_matrix<T>(rows, cols);
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) m(i, j) = T(0);
    return m;
}

/// Raises numeric_error naming the first infinite entry of X; NaN (missing) is accepted.
template <class T>
void check_no_infinity(const matrix<T>& X, std::string_view type) {
    const std::size_t rows = X.shape()[0], cols = X.shape()[1];
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j)
            if (std::isinf(X(i, j)))
                throw numeric_error(causalrec::error_message("preprocess", type, "X(", i, ", ", j, ") is ", static_cast<double>(X(i, j)),
                                        "; only finite values and NaN (missing) are accepted"));
}

/// Checks X before fit: at least one row and one column, no infinity.
template <class T>
void check_fit_input(const matrix<T>& X, std::string_view type) {
    if (X.shape()[0] == 0)
        throw shape_error(causalrec::error_message("preprocess", type, "cannot fit on 0 rows (X has shape (0, ", X.shape()[1], "))"));
    if (X.shape()[1] == 0)
        throw shape_error(causalrec::error_message("preprocess", type, "cannot fit on 0 columns (X has shape (", X.shape()[0], ", 0))"));
    check_no_infinity(X, type);
}

/// Raises not_fitted_error unless fitted.
CAUSALREC_INLINE void require_fitted(bool fitted, std::string_view type, std::string_view what = "transform");

/// Checks X before transform: fitted, same column count as at fit, no infinity.
template <class T>
void check_transform_input(const matrix<T>& X, std::string_view type, bool fitted, std::size_t n_features_in) {
    require_fitted(fitted, type);
    if (X.shape()[1] != n_features_in)
        throw shape_error(causalrec::error_message("preprocess", type, "X has ", X.shape()[1], " columns, but it was fitted on ", n_features_in,
                              " columns"));
    check_no_infinity(X, type);
}

/// A copy of X with each entry x of column j replaced by f(x, j) (x read as double, the result stored as T).
template <class T, class F>
matrix<T> map_entries(const matrix<T>& X, F f) {
    matrix<T> out = X;
    for (std::size_t i = 0; i < X.shape()[0]; ++i)
        for (std::size_t j = 0; j < X.shape()[1]; ++j) out(i, j) = static_cast<T>(f(static_cast<double>(X(i, j)), j));
    return out;
}

/// The columns `indices` of X, in that order.
template <class T>
matrix<T> select_columns(const matrix<T>& X, const std::vector<std::size_t>& indices) {
    const std::size_t rows = X.shape()[0];
    matrix<T> out = causalrec::make_matrix<T>(rows, indices.size());
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t k = 0; k < indices.size(); ++k) out(i, k) = X(i, indices[k]);
    return out;
}

/// The non-NaN values of column j of X, as doubles.
template <class T>
std::vector<double> observed_values(const matrix<T>& X, std::size_t j) {
    std::vector<double> values;
    values.reserve(X.shape()[0]);
    for (std::size_t i = 0; i < X.shape()[0]; ++i) {
        const double v = static_cast<double>(X(i, j));
        if (!std::isnan(v)) values.push_back(v);
    }
    return values;
}

/// Input column names for output_names(), which needs a fitted preprocessor (not_fitted_error otherwise):
/// the given ones (count checked) or "x0", "x1", ... when empty.
CAUSALREC_INLINE std::vector<std::string> resolve_names(bool fitted, const std::vector<std::string>& names, std::size_t n,
                                              std::string_view type);

/// A (name, value) table for an enum's JSON spelling.
template <class E, std::size_t N>
using enum_names = std::array<std::pair<std::string_view, E>, N>;

/// The JSON spelling of an enum value.
template <class E, std::size_t N>
std::string_view enum_name(const enum_names<E, N>& table, E value) {
    for (const auto& [name, v] : table)
        if (v == value) return name;
    return "?";
}

/// Encodes a double for JSON: numbers as numbers, NaN as null, infinities as "inf"/"-inf".
CAUSALREC_INLINE nlohmann::json encode_number(double v);

/// Encodes a vector of doubles with encode_number.
CAUSALREC_INLINE nlohmann::json encode_numbers(const std::vector<double>& values);

/// Encodes a vector of indices.
CAUSALREC_INLINE nlohmann::json encode_indices(const std::vector<std::size_t>& values);

/// The common head of every state: {"type", "version", "fitted"}.
CAUSALREC_INLINE nlohmann::json state_head(std::string_view type, bool fitted);

/// Reads a state written by state_head() and friends; every malformed piece raises format_error
/// whose message names the type and the field at fault.
class state_reader {
public:
    /// Checks that j is an object of the expected type and a supported version.
    state_reader(const nlohmann::json& j, std::string_view type);

    /// The whole state.
    const nlohmann::json& root() const noexcept { return root_; }
    /// Whether the state says the preprocessor was fitted.
    bool is_fitted() const noexcept { return fitted_; }

    /// Raises format_error("causalrec::preprocess::<type>::from_json: <reason>").
    [[noreturn]] void fail(std::string_view reason) const;

    /// obj[key], which must exist.
    const nlohmann::json& field(const nlohmann::json& obj, std::string_view key) const;

    /// obj[key], which must be an object.
    const nlohmann::json& object(const nlohmann::json& obj, std::string_view key) const;

    /// obj[key], which must be an array; when expected_size is given, of that size.
    const nlohmann::json& array(const nlohmann::json& obj, std::string_view key,
                                std::size_t expected_size = npos) const;

    /// obj[key] as a bool.
    bool read_bool(const nlohmann::json& obj, std::string_view key) const;

    /// A JSON value written by encode_number, decoded.
    double decode_number(const nlohmann::json& v, std::string_view key) const;

    /// obj[key] as a double (see encode_number).
    double read_number(const nlohmann::json& obj, std::string_view key) const;

    /// A JSON value that must be a non-negative integer.
    std::size_t decode_index(const nlohmann::json& v, std::string_view key) const;

    /// obj[key] as a non-negative integer.
    std::size_t read_index(const nlohmann::json& obj, std::string_view key) const;

    /// obj["n_features_in"], which must be at least 1.
    std::size_t read_n_features_in(const nlohmann::json& obj) const;

    /// obj[key] as an array of doubles (see encode_number), optionally of a given size.
    std::vector<double> read_numbers(const nlohmann::json& obj, std::string_view key,
                                     std::size_t expected_size = npos) const;

    /// obj[key] as an array of non-negative integers, optionally of a given size.
    std::vector<std::size_t> read_indices(const nlohmann::json& obj, std::string_view key,
                                          std::size_t expected_size = npos) const;

    /// obj[key] as an enum spelled by one of the names in table.
    template <class E, std::size_t N>
    E read_enum(const nlohmann::json& obj, std::string_view key, const enum_names<E, N>& table) const {
        const auto& v = field(obj, key);
        if (v.is_string()) {
            const auto& s = v.get_ref<const std::string&>();
            for (const auto& [name, value] : table)
                if (s == name) return value;
        }
        std::string allowed;
        for (const auto& [name, value] : table) {
            if (!allowed.empty()) allowed.append(", ");
            allowed.append(name);
        }
        fail(cat("field '", key, "' holds ", v.dump(), ", expected one of: ", allowed));
    }

    /// "No size expected" for array(), read_numbers() and read_indices().
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

private:
    const nlohmann::json& root_;
    std::string_view type_;
    bool fitted_ = false;
};

/// The protocol every column preprocessor of this module shares, written once: its options, fitted
/// flag and input width; fit (check the input, learn, record the width), transform (check the
/// input, apply), fit_transform,
/// output_names for a preprocessor that keeps its columns, and the JSON state
/// {type, version, fitted, options, state: {n_features_in, ...}}. P derives from
/// preprocessor_base<P, Options> and provides model_name and the private steps learn(X), apply(X),
/// options_json(), state_json(), read_options(reader, options) and read_state(reader, state, n)
/// (befriending the base). A user's preprocessor is a plain class and needs none of this.
template <class P, class Options>
class preprocessor_base {
public:
    using options_type = Options;  ///< the options type taken by the constructor

    /// A preprocessor with the given options, not yet fitted.
    explicit preprocessor_base(options_type opts = {}) noexcept : opts_(opts) {}

    /// Learns the state from X (at least one row and one column, no infinity; NaN marks a missing
    /// value); a failed fit leaves the previous state; returns the preprocessor.
    template <std::floating_point T>
    P& fit(const matrix<T>& X);

    /// X transformed with the fitted state (as many columns as at fit; NaN marks a missing value);
    /// raises not_fitted_error before fit, shape_error for another width, numeric_error for an infinity.
    template <std::floating_point T>
    matrix<T> transform(const matrix<T>& X) const;

    /// fit(X) then transform(X).
    template <std::floating_point T>
    matrix<T> fit_transform(const matrix<T>& X);

    /// Whether fit has been called.
    bool is_fitted() const noexcept { return fitted_; }
    /// The options given at construction.
    const options_type& options() const noexcept { return opts_; }
    /// Number of columns seen at fit (0 before).
    std::size_t n_features_in() const noexcept { return n_features_in_; }

    /// Output column names: the input names unchanged ("x0", "x1", ... when none are given); a
    /// preprocessor that changes the columns defines its own.
    std::vector<std::string> output_names(const std::vector<std::string>& input_names = {}) const;

    /// The options and fitted state as JSON (doubles round-trip exactly; a NaN category is null).
    nlohmann::json to_json() const;

    /// Restores a preprocessor from to_json() output; raises format_error when j is not such a state
    /// (or holds a state fit could not produce).
    static P from_json(const nlohmann::json& j);

protected:
    options_type opts_;              ///< the options given at construction
    bool fitted_ = false;            ///< whether fit (or from_json of a fitted state) has run
    std::size_t n_features_in_ = 0;  ///< columns seen at fit

private:
    P& self() noexcept { return static_cast<P&>(*this); }
    const P& self() const noexcept { return static_cast<const P&>(*this); }
};

// The member functions are defined outside the class body, so that the extern template declarations
// of the compiled part (CAUSALREC_COMPILED) keep them out of every translation unit (docs/compile-time.md).
template <class P, class Options>
template <std::floating_point T>
auto preprocessor_base<P, Options>::fit(const matrix<T>& X) -> P& {
    check_fit_input(X, P::model_name);
    self().learn(X);
    n_features_in_ = X.shape()[1];
    fitted_ = true;
    return self();
}

template <class P, class Options>
template <std::floating_point T>
matrix<T> preprocessor_base<P, Options>::transform(const matrix<T>& X) const {
    check_transform_input(X, P::model_name, fitted_, n_features_in_);
    return self().apply(X);
}

template <class P, class Options>
template <std::floating_point T>
matrix<T> preprocessor_base<P, Options>::fit_transform(const matrix<T>& X) {
    return fit(X).transform(X);
}

template <class P, class Options>
std::vector<std::string> preprocessor_base<P, Options>::output_names(const std::vector<std::string>& input_names) const {
    return resolve_names(fitted_, input_names, n_features_in_, P::model_name);
}

template <class P, class Options>
nlohmann::json preprocessor_base<P, Options>::to_json() const {
    nlohmann::json j = state_head(P::model_name, fitted_);
    j["options"] = self().options_json();
    if (fitted_) {
        nlohmann::json state = self().state_json();
        state["n_features_in"] = n_features_in_;
        j["state"] = std::move(state);
    }
    return j;
}

template <class P, class Options>
auto preprocessor_base<P, Options>::from_json(const nlohmann::json& j) -> P {
    const state_reader r(j, P::model_name);
    P p(P::read_options(r, r.object(j, "options")));
    if (!r.is_fitted()) return p;
    const auto& st = r.object(j, "state");
    const std::size_t n = r.read_n_features_in(st);
    p.read_state(r, st, n);
    p.n_features_in_ = n;
    p.fitted_ = true;
    return p;
}


}  // namespace detail
}  // namespace causalrec::preprocess

/// Declares (`extern`) or defines (empty) the explicit instantiations of preprocessor P (one of this
/// module's column preprocessors) for float and double: with CAUSALREC_COMPILED its headers declare
/// them and causalrec::compiled defines them once.
#define CAUSALREC_PREPROCESSOR_INSTANTIATIONS(EXTERN, P)                                                        \
    EXTERN template class detail::preprocessor_base<P, P::options_type>;                                        \
    CAUSALREC_PREPROCESSOR_VALUE_INSTANTIATIONS(EXTERN, P, float)                                               \
    CAUSALREC_PREPROCESSOR_VALUE_INSTANTIATIONS(EXTERN, P, double)
/// The part of CAUSALREC_PREPROCESSOR_INSTANTIATIONS for one value type T.
#define CAUSALREC_PREPROCESSOR_VALUE_INSTANTIATIONS(EXTERN, P, T)                                               \
    EXTERN template P& detail::preprocessor_base<P, P::options_type>::fit<T>(const matrix<T>&);                 \
    EXTERN template matrix<T> detail::preprocessor_base<P, P::options_type>::transform<T>(const matrix<T>&) const; \
    EXTERN template matrix<T> detail::preprocessor_base<P, P::options_type>::fit_transform<T>(const matrix<T>&); \
    EXTERN template matrix<T> P::apply<T>(const matrix<T>&) const;                                              \
    EXTERN template void P::learn<T>(const matrix<T>&);

#if CAUSALREC_HEADER_ONLY
#include "../impl/common.hpp"
#endif
