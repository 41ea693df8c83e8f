#pragma once
/// @file
/// Forward declarations of the core module's main types, so that a header can name them (pointers,
/// references, function declarations) without including their definitions.

#if __has_include(<xtensor/core/xtensor_forward.hpp>)
#include <xtensor/core/xtensor_forward.hpp>
#elif __has_include(<xtensor/xtensor_forward.hpp>)
#include <xtensor/xtensor_forward.hpp>
#else
#error "causalrec needs xtensor (0.24 or newer): install libxtensor-dev, or xtensor from vcpkg/Conan"
#endif

namespace causalrec {

/// A dense row-major matrix (rows = samples, columns = features).
template <class T>
using matrix = xt::xtensor<T, 2>;

/// A dense one-dimensional array (labels, weights, scores, parameters).
template <class T>
using vector = xt::xtensor<T, 1>;

class error;             ///< base of every error the library raises
class parse_error;       ///< malformed text input (CSV), with file, row and column
class shape_error;       ///< arrays of incompatible shapes
class not_fitted_error;  ///< a fitted-state call before fit
class format_error;      ///< a malformed file or saved state
class numeric_error;     ///< a non-finite value where a finite one is needed
class argument_error;    ///< an invalid argument or option

}  // namespace causalrec
