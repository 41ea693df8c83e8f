// The compiled part of the preprocess module (CMake option CAUSALREC_COMPILED): the JSON state of every
// preprocessor, and the float and double instantiations of their fit and transform, defined once here
// instead of in every translation unit that uses them.
#include <causalrec/preprocess/impl/common.hpp>
#include <causalrec/preprocess/impl/encoders.hpp>
#include <causalrec/preprocess/impl/imputer.hpp>
#include <causalrec/preprocess/impl/outliers.hpp>
#include <causalrec/preprocess/impl/scalers.hpp>

namespace causalrec::preprocess {

CAUSALREC_PREPROCESSOR_INSTANTIATIONS(, simple_imputer)
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(, one_hot_encoder)
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(, ordinal_encoder)
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(, standard_scaler)
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(, min_max_scaler)
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(, robust_scaler)
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(, quantile_clipper)
CAUSALREC_PREPROCESSOR_INSTANTIATIONS(, robust_outlier_flag)

}  // namespace causalrec::preprocess
