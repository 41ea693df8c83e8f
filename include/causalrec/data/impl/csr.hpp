#pragma once
/// @file
/// Definitions of the non-template functions declared in data/csr.hpp (the CSR builders): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../csr.hpp"

namespace causalrec::data {
namespace detail {

CAUSALREC_INLINE csr_matrix build_csr(std::span<const std::size_t> row_keys, std::span<const std::size_t> col_keys,
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

namespace causalrec::data {

CAUSALREC_INLINE csr_matrix csr_from_rows(std::size_t cols, const std::vector<std::vector<std::pair<std::size_t, double>>>& rows) {
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

}  // namespace causalrec::data
