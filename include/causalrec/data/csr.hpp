#pragma once
/// @file
/// Compressed sparse row matrices of interaction logs (views by user and by item) and how repeated
/// (user, item) rows are merged.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"

namespace causalrec::data {

/// A compressed sparse row matrix: row r holds columns indices[row_ptr[r] .. row_ptr[r+1]) in
/// ascending order, with their values.
struct csr_matrix {
    std::size_t cols = 0;                      ///< number of columns
    std::vector<std::size_t> row_ptr = {0};    ///< rows()+1 offsets into indices/values
    std::vector<std::size_t> indices{};        ///< column index of each stored entry
    std::vector<double> values{};              ///< value of each stored entry

    /// Number of rows.
    std::size_t rows() const noexcept { return row_ptr.size() - 1; }
    /// Number of stored entries.
    std::size_t nnz() const noexcept { return indices.size(); }
    /// Column indices of row r (ascending); empty when r >= rows().
    std::span<const std::size_t> row_indices(std::size_t r) const noexcept {
        if (r >= rows()) return {};
        return std::span<const std::size_t>(indices).subspan(row_ptr[r], row_ptr[r + 1] - row_ptr[r]);
    }
    /// Values of row r, aligned with row_indices(r); empty when r >= rows().
    std::span<const double> row_values(std::size_t r) const noexcept {
        if (r >= rows()) return {};
        return std::span<const double>(values).subspan(row_ptr[r], row_ptr[r + 1] - row_ptr[r]);
    }
};

/// How the CSR views combine several log rows for the same (user, item) pair.
enum class duplicate_policy : std::uint8_t {
    keep_last,  ///< the value of the last such row in log order (a re-rating replaces the old one)
    sum,        ///< the sum of their values (repeated clicks or plays add up)
};

/// A CSR matrix of `cols` columns from one (column, value) list per row, each list in ascending
/// column order (stored as given: zeros are kept).
csr_matrix csr_from_rows(std::size_t cols, const std::vector<std::vector<std::pair<std::size_t, double>>>& rows);

namespace detail {

/// Builds a CSR matrix (rows = `row_keys`, columns = `col_keys`) from log rows, merging repeated
/// pairs by `policy` in log order.
csr_matrix build_csr(std::span<const std::size_t> row_keys, std::span<const std::size_t> col_keys,
                            std::span<const double> values, std::size_t n_rows, std::size_t n_cols,
                            duplicate_policy policy);

}  // namespace detail

}  // namespace causalrec::data

#if CAUSALREC_HEADER_ONLY
#include "impl/csr.hpp"
#endif
