#pragma once
/// @file
/// The single place the library includes xtensor-blas from (BLAS and LAPACK bindings). Heavier than
/// the core headers: included by the modules that compute with BLAS (nn, and linear-algebra code).

#include "xtensor.hpp"

#if __has_include(<xtensor-blas/xblas.hpp>)
#include <xtensor-blas/xblas.hpp>
#else
#error "causalrec needs xtensor-blas (0.20 or newer): install libxtensor-blas-dev, or xtensor-blas from vcpkg/Conan"
#endif
