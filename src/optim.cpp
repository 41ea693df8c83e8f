// The compiled part of the optim module (CMake option CAUSALREC_COMPILED): the float and double
// instantiations of the optimizers and their shared core, and Adam's AVX-512 float update, defined
// once here instead of in every translation unit that uses them.
#include <causalrec/optim/optim.hpp>
#if defined(CAUSALREC_AVX512_KERNELS)
#include <causalrec/optim/impl/adam_avx512.hpp>
#endif

namespace causalrec::optim {

namespace detail {
template class optimizer_core<float>;
template class optimizer_core<double>;
}  // namespace detail

CAUSALREC_OPTIM_SGD_INSTANTIATIONS(, float)
CAUSALREC_OPTIM_SGD_INSTANTIATIONS(, double)
CAUSALREC_OPTIM_ADAM_INSTANTIATIONS(, float)
CAUSALREC_OPTIM_ADAM_INSTANTIATIONS(, double)
CAUSALREC_OPTIM_RMSPROP_INSTANTIATIONS(, float)
CAUSALREC_OPTIM_RMSPROP_INSTANTIATIONS(, double)
CAUSALREC_OPTIM_ADAGRAD_INSTANTIATIONS(, float)
CAUSALREC_OPTIM_ADAGRAD_INSTANTIATIONS(, double)

}  // namespace causalrec::optim
