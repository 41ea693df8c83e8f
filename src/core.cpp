// The compiled part of the core module (CMake option CAUSALREC_COMPILED): the AVX-512 kernels of the
// small linear algebra (ALS's batched Cholesky solves, their lane layout, the Gram matrices of
// gathered rows), defined once here so that the headers need not include <immintrin.h>.
#include <causalrec/core/linalg.hpp>
#if defined(CAUSALREC_AVX512_KERNELS)
#include <causalrec/core/impl/linalg_avx512.hpp>
#endif
