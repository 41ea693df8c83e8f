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
inline csr_matrix csr_from_rows(std::size_t cols, const std::vector<std::vector<std::pair<std::size_t, double>>>& rows) {
    csr_matrix m;
    m.cols = cols;
    m.row_ptr.assign(rows.size() + 1, 0);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (const auto& [c, v] : rows[r]) {
            m.indices.push_back(c);
            m.values.push_back(v);
        }
        m.row_ptr[r + 1] = m.indices.size();
    }
    return m;
}

namespace detail {

/// Builds a CSR matrix (rows = `row_keys`, columns = `col_keys`) from log rows, merging repeated
/// pairs by `policy` in log order.
inline csr_matrix build_csr(std::span<const std::size_t> row_keys, std::span<const std::size_t> col_keys,
                            std::span<const double> values, std::size_t n_rows, std::size_t n_cols,
                            duplicate_policy policy) {
    const std::size_t n = row_keys.size();
    std::vector<std::size_t> start(n_rows + 1, 0);
    for (std::size_t k = 0; k < n; ++k) ++start[row_keys[k] + 1];
    for (std::size_t r = 0; r < n_rows; ++r) start[r + 1] += start[r];
    std::vector<std::size_t> order(n);
    {
        std::vector<std::size_t> fill(start.begin(), start.end() - 1);
        for (std::size_t k = 0; k < n; ++k) order[fill[row_keys[k]]++] = k;  // log order within a row
    }
    csr_matrix m;
    m.cols = n_cols;
    m.row_ptr.assign(n_rows + 1, 0);
    m.indices.reserve(n);
    m.values.reserve(n);
    for (std::size_t r = 0; r < n_rows; ++r) {
        auto first = order.begin() + static_cast<std::ptrdiff_t>(start[r]);
        auto last = order.begin() + static_cast<std::ptrdiff_t>(start[r + 1]);
        std::stable_sort(first, last, [&](std::size_t a, std::size_t b) { return col_keys[a] < col_keys[b]; });
        for (auto it = first; it != last; ++it) {
            const std::size_t c = col_keys[*it];
            if (m.indices.size() > m.row_ptr[r] && m.indices.back() == c) {
                if (policy == duplicate_policy::sum) m.values.back() += values[*it];
                else m.values.back() = values[*it];
            } else {
                m.indices.push_back(c);
                m.values.push_back(values[*it]);
            }
        }
        m.row_ptr[r + 1] = m.indices.size();
    }
    return m;
}

}  // namespace detail

}  // namespace causalrec::data
