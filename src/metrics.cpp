// The compiled part of the metrics module (CMake option CAUSALREC_COMPILED): the classification metrics'
// computations for float and double labels and scores, defined once here instead of in every
// translation unit that uses them.
#include <causalrec/metrics/impl/ranking.hpp>
#include <causalrec/metrics/impl/uplift.hpp>
#include <causalrec/metrics/metrics.hpp>

namespace causalrec::metrics {

CAUSALREC_METRICS_CLASSIFICATION_INSTANTIATIONS(, float, float, double)
CAUSALREC_METRICS_CLASSIFICATION_INSTANTIATIONS(, double, double, double)

}  // namespace causalrec::metrics
