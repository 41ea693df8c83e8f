#pragma once
/// @file
/// The view of one trainable tensor that layers hand to optimizers: its values, its gradient, its
/// shape and, for sparse layers (embeddings), the rows the last backward pass touched.

#include <cstddef>
#include <span>
#include <string_view>

namespace causalrec {

/// A trainable tensor seen as flat, row-major memory: `value` and `grad` have the same size.
/// Layers own the memory; the view stays valid as long as the layer lives (layers never reallocate
/// their parameters after construction).
template <class T>
struct parameter_view {
    std::string_view name{};                ///< role inside its layer: "weight", "bias", "embedding"
    std::span<T> value{};                   ///< the parameter values
    std::span<T> grad{};                    ///< the gradient of the loss w.r.t. the values, from the last backward pass
    std::span<const std::size_t> shape{};   ///< the tensor's shape (e.g. {in, out} for a dense weight)
    /// Sparse gradient: when `sparse` is true only the rows listed in `touched_rows` (each
    /// `row_size` values long) have a gradient from the last backward pass; the rest of `grad` is
    /// stale and must be ignored. Dense parameters leave this false.
    bool sparse = false;
    std::span<const std::size_t> touched_rows{};  ///< rows with a gradient (sparse parameters only)
    std::size_t row_size = 0;                     ///< values per row (sparse parameters only)
    /// Sparse parameters only: when true, `grad` holds just the touched rows, packed in the order of
    /// `touched_rows` (the k-th listed row's gradient starts at grad[k * row_size]; each row listed
    /// once), instead of a buffer as large as `value`. Objectives over huge tables use it so that a
    /// step reads and writes only the touched rows' memory.
    bool packed_grad = false;

    /// The gradient of the k-th entry of touched_rows (sparse parameters), for either layout.
    T* grad_row(std::size_t k) const noexcept { return grad.data() + (packed_grad ? k : touched_rows[k]) * row_size; }

    /// Number of values.
    std::size_t size() const noexcept { return value.size(); }
};

}  // namespace causalrec
