#pragma once
/// @file
/// Output buffers keyed by shape: a layer keeps one matrix per batch shape it has recently seen
/// (the full batch, the last, smaller batch of an epoch, and the last validation batch), so that
/// training allocates only on the first batch of each shape.

#include <array>
#include <cstddef>
#include <cstdint>

#include "tensor.hpp"

namespace causalrec {

/// Matrices handed out by shape, for buffers reused across batches: up to four shapes; a fifth shape replaces the one used least recently.
template <class T>
class shape_cache {
public:
    /// A matrix of exactly rows x cols (contents unspecified).
    matrix<T>& get(std::size_t rows, std::size_t cols) {
        ++clock_;
        std::size_t victim = 0;
        for (std::size_t i = 0; i < slots; ++i) {
            if (used_[i] != 0 && matrices_[i].shape()[0] == rows && matrices_[i].shape()[1] == cols) {
                used_[i] = clock_;
                return matrices_[i];
            }
            if (used_[i] < used_[victim]) victim = i;
        }
        matrices_[victim] = make_matrix<T>(rows, cols);
        used_[victim] = clock_;
        return matrices_[victim];
    }

private:
    static constexpr std::size_t slots = 4;
    std::array<matrix<T>, slots> matrices_{make_matrix<T>(0, 0), make_matrix<T>(0, 0), make_matrix<T>(0, 0),
                                           make_matrix<T>(0, 0)};
    std::array<std::uint64_t, slots> used_{};  // last use (0 = empty)
    std::uint64_t clock_ = 0;
};

}  // namespace causalrec
