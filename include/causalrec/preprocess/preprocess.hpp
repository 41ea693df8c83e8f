#pragma once
/// @file
/// The preprocess module: scalers (standard_scaler, min_max_scaler, robust_scaler, quantile_clipper), robust_outlier_flag, simple_imputer, encoders
/// (one_hot_encoder, ordinal_encoder), column_transformer (columns(), on()) and pipeline, all plain
/// value types with scikit-learn's semantics and JSON state. See docs/preprocess.md.

#include "../core/core.hpp"
#include "columns.hpp"
#include "concepts.hpp"
#include "encoders.hpp"
#include "imputer.hpp"
#include "outliers.hpp"
#include "pipeline.hpp"
#include "scalers.hpp"

namespace causalrec::preprocess::detail {

/// Compile-time check that every shipped preprocessor satisfies Preprocessor<P, T> and NamesOutputs<P>.
template <class T>
constexpr bool all_shipped_types_are_preprocessors() {
    static_assert(Preprocessor<standard_scaler, T> && NamesOutputs<standard_scaler>);
    static_assert(Preprocessor<min_max_scaler, T> && NamesOutputs<min_max_scaler>);
    static_assert(Preprocessor<robust_scaler, T> && NamesOutputs<robust_scaler>);
    static_assert(Preprocessor<quantile_clipper, T> && NamesOutputs<quantile_clipper>);
    static_assert(Preprocessor<robust_outlier_flag, T> && NamesOutputs<robust_outlier_flag>);
    static_assert(Preprocessor<simple_imputer, T> && NamesOutputs<simple_imputer>);
    static_assert(Preprocessor<one_hot_encoder, T> && NamesOutputs<one_hot_encoder>);
    static_assert(Preprocessor<ordinal_encoder, T> && NamesOutputs<ordinal_encoder>);
    static_assert(Preprocessor<column_transformer<standard_scaler>, T> &&
                  NamesOutputs<column_transformer<standard_scaler>>);
    static_assert(Preprocessor<column_transformer<simple_imputer, one_hot_encoder>, T>);
    static_assert(Preprocessor<pipeline<simple_imputer, standard_scaler>, T> &&
                  NamesOutputs<pipeline<simple_imputer, standard_scaler>>);
    static_assert(Preprocessor<pipeline<column_transformer<one_hot_encoder>, pipeline<min_max_scaler>>, T>);
    return true;
}
static_assert(all_shipped_types_are_preprocessors<float>());
static_assert(all_shipped_types_are_preprocessors<double>());

}  // namespace causalrec::preprocess::detail
