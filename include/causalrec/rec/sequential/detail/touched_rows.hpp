#pragma once
/// @file
/// Sparse gradients of large tables (item embeddings, output weights): the rows a step touched, each
/// with a packed gradient row, as parameter_view's sparse, packed form (lazy Adam moves only them).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "../../../core/parameter.hpp"

namespace causalrec::rec::detail {

/// The touched rows of one table in the current step and their packed gradient rows.
template <class T>
class touched_rows {
public:
    /// A tracker for a table of `rows` rows of `row_size` values.
    touched_rows(std::size_t rows, std::size_t row_size) : row_size_(row_size), slot_of_(rows, 0), shape_{rows, row_size} {}

    /// Starts a step: no row is touched.
    void clear() noexcept {
        if (++step_ == 0) {  // the 32-bit step counter wrapped: forget every mark
            std::fill(slot_of_.begin(), slot_of_.end(), 0);
            step_ = 1;
        }
        rows_.clear();
    }

    /// The packed gradient row of table row `row` (zeroed on its first touch in the step).
    T* row(std::size_t row) {
        const std::uint64_t entry = slot_of_[row];
        if ((entry >> 32) == step_) return grad_.data() + (entry & 0xFFFFFFFFu) * row_size_;
        const std::size_t slot = rows_.size();
        slot_of_[row] = (std::uint64_t{step_} << 32) | slot;
        rows_.push_back(row);
        if (grad_.size() < (slot + 1) * row_size_) grad_.resize(std::max(2 * grad_.size(), (slot + 1) * row_size_));
        std::fill_n(grad_.data() + slot * row_size_, row_size_, T(0));
        return grad_.data() + slot * row_size_;
    }

    /// The table's sparse view for the optimiser: `values` with this step's touched rows and packed gradients.
    parameter_view<T> view(std::string_view name, std::span<T> values) noexcept {
        return {.name = name, .value = values, .grad = std::span<T>(grad_.data(), rows_.size() * row_size_), .shape = shape_,
                .sparse = true, .touched_rows = rows_, .row_size = row_size_, .packed_grad = true};
    }

    /// Rows touched in this step, in first-touch order.
    std::span<const std::size_t> rows() const noexcept { return rows_; }

private:
    std::size_t row_size_;
    std::uint32_t step_ = 0;
    std::vector<std::uint64_t> slot_of_;
    std::vector<std::size_t> rows_{};
    std::vector<T> grad_{};
    std::array<std::size_t, 2> shape_;
};

}  // namespace causalrec::rec::detail
