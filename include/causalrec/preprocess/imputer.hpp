#pragma once
/// @file
/// simple_imputer: replaces missing values (NaN) with a per-column statistic (mean, median, most
/// frequent value) or a constant, with scikit-learn's SimpleImputer semantics.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
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

/// The statistic simple_imputer fills missing values with.
enum class impute_strategy {
    mean,           ///< the column's mean over observed values
    median,         ///< the column's median over observed values (mean of the two middle ones for even counts)
    most_frequent,  ///< the column's most frequent observed value; ties go to the smallest value
    constant,       ///< options.fill_value
};

/// What simple_imputer does with a column that has no observed value at fit (mean, median, most_frequent).
enum class empty_column_policy {
    error,  ///< raise numeric_error naming the column (the default)
    drop,   ///< drop the column from the output (scikit-learn's default)
    keep,   ///< keep the column and fill it with 0 (scikit-learn's keep_empty_features=True)
};

/// Options of simple_imputer.
struct simple_imputer_options {
    impute_strategy strategy = impute_strategy::mean;                ///< the fill statistic
    double fill_value = 0.0;                                          ///< the fill for strategy constant; finite
    empty_column_policy empty_columns = empty_column_policy::error;  ///< columns entirely NaN at fit
};

namespace detail {
/// JSON spellings of impute_strategy.
inline constexpr enum_names<impute_strategy, 4> impute_strategy_names{{
    {"mean", impute_strategy::mean},
    {"median", impute_strategy::median},
    {"most_frequent", impute_strategy::most_frequent},
    {"constant", impute_strategy::constant},
}};
/// JSON spellings of empty_column_policy.
inline constexpr enum_names<empty_column_policy, 3> empty_column_policy_names{
    {{"error", empty_column_policy::error}, {"drop", empty_column_policy::drop}, {"keep", empty_column_policy::keep}}};

/// The statistic of one column's observed values (which must not be empty).
CAUSALREC_INLINE double impute_statistic(std::vector<double> v, impute_strategy strategy);
}  // namespace detail

/// Replaces NaN in each column by a statistic learned at fit, like scikit-learn's SimpleImputer with
/// missing_values=NaN. A column without any observed value at fit is handled by options.empty_columns
/// (strategy constant always fills it with fill_value).
class simple_imputer : public detail::preprocessor_base<simple_imputer, simple_imputer_options> {
public:
    /// The type's name in messages and in its JSON state.
    static constexpr std::string_view model_name = "simple_imputer";

    /// A preprocessor with the given options, not yet fitted.
    using preprocessor_base::preprocessor_base;

    /// Per-input-column fill value (NaN for a dropped column).
    const std::vector<double>& statistics() const noexcept { return statistics_; }
    /// Indices of the input columns present in the output, in order (all of them unless some were dropped).
    const std::vector<std::size_t>& kept_columns() const noexcept { return kept_; }

    /// Output column names: the input names of the kept columns ("x0", "x1", ... when none are given).
    std::vector<std::string> output_names(const std::vector<std::string>& input_names = {}) const;

private:
    friend class detail::preprocessor_base<simple_imputer, simple_imputer_options>;

    /// X with each NaN replaced by its column's fill value (dropped columns left out).
    template <std::floating_point T>
    matrix<T> apply(const matrix<T>& X) const;

    /// Learns each column's fill value from its observed (non-NaN) values.
    template <std::floating_point T>
    void learn(const matrix<T>& X);

    nlohmann::json options_json() const;

    nlohmann::json state_json() const;

    static options_type read_options(const detail::state_reader& r, const nlohmann::json& o);

    /// Reads the fill values and kept columns (increasing, below n, each with a fill value).
    void read_state(const detail::state_reader& r, const nlohmann::json& st, std::size_t n);

    std::vector<double> statistics_;
    std::vector<std::size_t> kept_;
};

// The member functions are defined outside the class body, so that the extern template declarations
// of the compiled part (CAUSALREC_COMPILED) keep them out of every translation unit (docs/compile-time.md).
template <std::floating_point T>
matrix<T> simple_imputer::apply(const matrix<T>& X) const {
    const std::size_t rows = X.shape()[0];
    matrix<T> out = make_matrix<T>(rows, kept_.size());
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t k = 0; k < kept_.size(); ++k) {
            const std::size_t j = kept_[k];
            const T x = X(i, j);
            out(i, k) = std::isnan(x) ? static_cast<T>(statistics_[j]) : x;
        }
    }
    return out;
}

template <std::floating_point T>
void simple_imputer::learn(const matrix<T>& X) {
    if (opts_.strategy == impute_strategy::constant && !std::isfinite(opts_.fill_value))
        throw argument_error(causalrec::error_message("preprocess", model_name, "fill_value must be finite, got ", opts_.fill_value));
    const std::size_t cols = X.shape()[1];
    std::vector<double> statistics(cols);
    std::vector<std::size_t> kept;
    for (std::size_t j = 0; j < cols; ++j) {
        if (opts_.strategy == impute_strategy::constant) {
            statistics[j] = opts_.fill_value;
            kept.push_back(j);
            continue;
        }
        std::vector<double> v = detail::observed_values(X, j);
        if (v.empty()) {
            switch (opts_.empty_columns) {
                case empty_column_policy::error:
                    throw numeric_error(causalrec::error_message("preprocess", model_name, "column ", j, " has no observed (non-NaN) value, so strategy '",
                        detail::enum_name(detail::impute_strategy_names, opts_.strategy),
                        "' cannot learn a fill value (set empty_columns to drop or keep, or use strategy "
                        "constant)"));
                case empty_column_policy::drop: statistics[j] = detail::nan; continue;
                case empty_column_policy::keep: statistics[j] = 0.0; break;
            }
        } else {
            statistics[j] = detail::impute_statistic(std::move(v), opts_.strategy);
        }
        kept.push_back(j);
    }
    statistics_ = std::move(statistics);
    kept_ = std::move(kept);
}


#if !CAUSALREC_HEADER_ONLY
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(extern, simple_imputer)
#endif

}  // namespace causalrec::preprocess

#if CAUSALREC_HEADER_ONLY
#include "impl/imputer.hpp"
#endif
