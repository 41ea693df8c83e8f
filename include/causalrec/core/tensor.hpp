#pragma once
/// @file
/// Tensor aliases used across the library: fixed-rank xtensor containers.

#include <cstddef>

#include "fwd.hpp"
#include "xtensor.hpp"

namespace causalrec {

// matrix<T> and vector<T> are declared in core/fwd.hpp.

/// Index type for rows, columns and sizes.
using index_t = std::size_t;

// Note: `vector<T>({n})` would build a one-element vector holding n (xtensor reads the braces as
// values); the helpers below always mean a shape.

/// A vector of n elements, uninitialised.
template <class T>
vector<T> make_vector(std::size_t n) {
    return vector<T>::from_shape({n});
}

/// A rows x cols matrix, uninitialised.
template <class T>
matrix<T> make_matrix(std::size_t rows, std::size_t cols) {
    return matrix<T>::from_shape({rows, cols});
}

}  // namespace causalrec
