// The compiled part of the nn module (CMake option CAUSALREC_COMPILED): the float and double
// instantiations of the dense layer and the weight initialisers, defined once here instead of in every
// translation unit that uses them.
#include <causalrec/nn/nn.hpp>

namespace causalrec::nn {

CAUSALREC_NN_INITIALIZER_INSTANTIATIONS(, float)
CAUSALREC_NN_INITIALIZER_INSTANTIATIONS(, double)
CAUSALREC_NN_DENSE_INSTANTIATIONS(, float)
CAUSALREC_NN_DENSE_INSTANTIATIONS(, double)

}  // namespace causalrec::nn
