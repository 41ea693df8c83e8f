// The compiled part of the nn module (CMake option CAUSALREC_COMPILED): the float and double
// instantiations of the dense layer (with its passes fused with each element-wise activation), the
// AVX-512 tile products under them, the weight initialisers and the architecture JSON of the dense
// layer, the element-wise activations and sequential, defined once here instead of in every
// translation unit that uses them.
#include <causalrec/nn/nn.hpp>
#if defined(CAUSALREC_SMALL_GEMM)
#include <causalrec/nn/impl/small_gemm.hpp>
#endif
#include <nlohmann/json.hpp>

namespace causalrec::nn {

#if defined(CAUSALREC_SMALL_GEMM)
namespace detail {
CAUSALREC_NN_SMALL_GEMM_TILE_INSTANTIATIONS()
}  // namespace detail
#endif

CAUSALREC_NN_INITIALIZER_INSTANTIATIONS(, float)
CAUSALREC_NN_INITIALIZER_INSTANTIATIONS(, double)
CAUSALREC_NN_DENSE_INSTANTIATIONS(, float)
CAUSALREC_NN_DENSE_INSTANTIATIONS(, double)
CAUSALREC_NN_ALL_FUSED_INSTANTIATIONS(, float)
CAUSALREC_NN_ALL_FUSED_INSTANTIATIONS(, double)
CAUSALREC_NN_ACTIVATION_INSTANTIATIONS(, float)
CAUSALREC_NN_ACTIVATION_INSTANTIATIONS(, double)
template nlohmann::json detail::layered_architecture<nlohmann::json>(const char*, std::vector<nlohmann::json>);

}  // namespace causalrec::nn
