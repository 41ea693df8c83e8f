#pragma once
/// @file
/// The squared L2 norm of a short row, in independent lanes so that the compiler vectorises it.

#include <cstddef>

namespace causalrec::nn::detail {

/// sum_j x[j]^2, accumulated in 16 lanes of T and summed in double.
template <class T>
double squared_norm(const T* x, std::size_t n) noexcept {
    constexpr std::size_t lanes = 16;
    T acc[lanes] = {};
    std::size_t j = 0;
    for (; j + lanes <= n; j += lanes)
        for (std::size_t l = 0; l < lanes; ++l) acc[l] += x[j + l] * x[j + l];
    double total = 0.0;
    for (std::size_t l = 0; l < lanes; ++l) total += static_cast<double>(acc[l]);
    for (; j < n; ++j) total += static_cast<double>(x[j]) * static_cast<double>(x[j]);
    return total;
}

}  // namespace causalrec::nn::detail
