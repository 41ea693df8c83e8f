#pragma once
/// @file
/// Tensor aliases used across the library: fixed-rank xtensor containers.

#include <cstddef>

#include "xtensor.hpp"

namespace causalrec {

/// A dense row-major matrix (rows = samples, columns = features).
template <class T>
using matrix = xt::xtensor<T, 2>;

/// A dense one-dimensional array (labels, weights, scores, parameters).
template <class T>
using vector = xt::xtensor<T, 1>;

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
