#pragma once
/// @file
/// Helpers shared by the causal estimators (not API): input checks,
/// row selection, fold assignment and sample statistics.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/message.hpp"
#include "../../core/checks.hpp"
#include "../../core/error.hpp"
#include "../../core/math.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"

namespace causalrec::causal::detail {

using causalrec::cat;

/// Raises shape_error unless `got` equals `expected` ("fn: what has got rows, X has expected").
inline void check_length(std::string_view fn, std::string_view what, std::size_t got, std::size_t expected) {
    if (got != expected)
        throw shape_error(causalrec::error_message("causal", fn, what, " has ", got, " entries but X has ", expected, " rows"));
}

/// causalrec::require_finite for a causal function known by its short name `fn`.
template <class Values>
void require_finite(std::string_view fn, std::string_view what, const Values& values) {
    causalrec::require_finite(qualified("causal", fn), what, values);
}

/// Raises argument_error unless `v` is finite and >= `low` (or > `low` when strict), naming the
/// causal function `who` and the option `field`.
void require_number(std::string_view who, std::string_view field, double v, double low, bool strict);

/// Checks a 0/1 treatment vector; returns the number of treated rows. Raises argument_error when a
/// value is not 0 or 1, or (with `need_both`) when an arm is empty.
std::size_t check_treatment(std::string_view fn, const vector<double>& t, bool need_both = true);

/// Checks a 0/1 label vector (for classifiers).
void check_binary(std::string_view fn, std::string_view what, const vector<double>& y);

/// Checks sample weights: right length, finite, >= 0, positive sum.
void check_weights(std::string_view fn, const vector<double>& w, std::size_t rows);

/// Rows `idx` of a matrix.
matrix<double> take_rows(const matrix<double>& m, std::span<const std::size_t> idx);

/// Entries `idx` of a vector.
vector<double> take(const vector<double>& v, std::span<const std::size_t> idx);

/// Indices i with t(i) == arm.
std::vector<std::size_t> arm_rows(const vector<double>& t, double arm);

/// X with one more column holding `value` (the S-learner's treatment column).
matrix<double> with_column(const matrix<double>& x, double value);

/// X with the treatment vector appended as its last column.
matrix<double> with_column(const matrix<double>& x, const vector<double>& t);

/// Fold (0..k-1) of every row: a seeded shuffle, then rows dealt round-robin, stratified by
/// treatment so that every fold holds both arms.
std::vector<std::size_t> stratified_folds(const vector<double>& t, std::size_t k, std::uint64_t seed);

using causalrec::normal_quantile;

/// Mean of a span.
double mean(std::span<const double> v);

/// Mean and population standard deviation (ddof = 0) of a non-empty span.
std::pair<double, double> mean_and_std(std::span<const double> v);

/// The span standardised to mean 0 and (population) standard deviation 1; a constant becomes all 0.
std::vector<double> standardized(std::span<const double> v);

/// Sample variance (ddof = 1) of a span; 0 for fewer than two values.
double variance(std::span<const double> v);

/// The q-quantile (0..1) of values, linear interpolation between order statistics (NumPy's default).
double quantile(std::vector<double> values, double q);

}  // namespace causalrec::causal::detail

#if CAUSALREC_HEADER_ONLY
#include "impl/common.hpp"
#endif
