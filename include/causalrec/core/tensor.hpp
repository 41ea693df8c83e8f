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

}  // namespace causalrec
