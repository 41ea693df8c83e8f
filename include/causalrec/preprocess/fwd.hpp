#pragma once
/// @file
/// Forward declarations of the preprocess module's main types, so that a header can name them (pointers,
/// references, function declarations) without including their definitions.

namespace causalrec::preprocess {

class standard_scaler;    ///< zero mean, unit variance per column
class min_max_scaler;     ///< linear map of each column onto a range
class robust_scaler;      ///< median and inter-quantile range per column
class quantile_clipper;   ///< each column clamped between two fitted percentiles
class robust_outlier_flag;  ///< rows flagged by their largest robust z-score
class simple_imputer;     ///< NaN replaced by a per-column statistic
class one_hot_encoder;    ///< categories as 0/1 indicator columns
class ordinal_encoder;    ///< categories as codes 0..k-1
template <class... Steps>
class pipeline;           ///< preprocessors applied in order
template <class... S>
class column_transformer; ///< preprocessors applied to column subsets

}  // namespace causalrec::preprocess
