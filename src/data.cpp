// The compiled part of the data module (CMake option CAUSALREC_COMPILED): the float and double
// instantiations of the dataset, the CSV reader and writer, the splits and the built-in data, the
// interaction-log readers and the id maps' JSON, defined once here instead of in every translation
// unit that uses them.
#include <causalrec/data/data.hpp>
#include <causalrec/data/impl/csr.hpp>
#include <causalrec/data/impl/dense.hpp>
#include <causalrec/data/impl/id_map_json.hpp>
#include <causalrec/data/impl/interaction_log.hpp>
#include <causalrec/data/impl/interaction_splits.hpp>
#include <causalrec/data/impl/interactions_csv.hpp>
#include <causalrec/data/impl/obd.hpp>
#include <causalrec/data/impl/sequences.hpp>
#include <causalrec/data/impl/split.hpp>

namespace causalrec::data {

template class dataset<float>;
template class dataset<double>;
CAUSALREC_DATA_CSV_INSTANTIATIONS(, float)
CAUSALREC_DATA_CSV_INSTANTIATIONS(, double)
CAUSALREC_DATA_SYNTHETIC_INSTANTIATIONS(, float)
CAUSALREC_DATA_SYNTHETIC_INSTANTIATIONS(, double)
CAUSALREC_DATA_SPLIT_INSTANTIATIONS(, float)
CAUSALREC_DATA_SPLIT_INSTANTIATIONS(, double)

}  // namespace causalrec::data
