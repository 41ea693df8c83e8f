#pragma once
/// @file
/// The single place the library includes xtensor from. xtensor 0.26 moved its headers into
/// sub-folders (containers/, core/, views/, io/); Debian ships 0.24 with the flat layout.
/// Including through this header keeps the rest of the library independent of the layout.

#if __has_include(<xtensor/containers/xtensor.hpp>)
#include <xtensor/containers/xadapt.hpp>
#include <xtensor/containers/xarray.hpp>
#include <xtensor/containers/xtensor.hpp>
#include <xtensor/core/xmath.hpp>
#include <xtensor/core/xnoalias.hpp>
#include <xtensor/views/xview.hpp>
/// Which xtensor header layout was found: 26 for the sub-folder layout (0.26+), 24 for the flat one.
#define CAUSALREC_XTENSOR_LAYOUT 26
#elif __has_include(<xtensor/xtensor.hpp>)
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>
#define CAUSALREC_XTENSOR_LAYOUT 24
#else
#error "causalrec needs xtensor (0.24 or newer): install libxtensor-dev, or xtensor from vcpkg/Conan"
#endif
