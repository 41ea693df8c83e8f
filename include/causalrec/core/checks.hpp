#pragma once
/// @file
/// Input checks every module shares: finiteness of a matrix or vector, with the message naming where
/// the first bad value is ("causalrec::<module>::<function>: <what> has a non-finite value (nan) at row 3, column 1"),
/// and the fittedness check of trained components.

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <string_view>

#include "error.hpp"
#include "message.hpp"
#include "tensor.hpp"

namespace causalrec {

/// The index of the first NaN or infinite value of x[0, n), or n when there is none. For float and
/// double the scan tests the exponent bits in blocks (a loop the compiler vectorizes) and looks
/// for the position only in a block that holds a bad value.
template <class T>
std::size_t first_non_finite(const T* x, std::size_t n) noexcept {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        using bits = std::conditional_t<std::is_same_v<T, float>, std::uint32_t, std::uint64_t>;
        constexpr bits exponent = static_cast<bits>(std::is_same_v<T, float> ? 0x7f800000ull : 0x7ff0000000000000ull);
        constexpr std::size_t block = 4096;
        for (std::size_t start = 0; start < n; start += block) {
            const std::size_t end = std::min(n, start + block);
            bits bad = 0;
            for (std::size_t i = start; i < end; ++i) bad |= static_cast<bits>((std::bit_cast<bits>(x[i]) & exponent) == exponent);
            if (bad != 0)
                for (std::size_t i = start; i < end; ++i)
                    if (!std::isfinite(x[i])) return i;
        }
        return n;
    } else {
        for (std::size_t i = 0; i < n; ++i)
            if (!std::isfinite(x[i])) return i;
        return n;
    }
}

/// Raises numeric_error naming the row and column of the first NaN or infinite entry of `m`; `where`
/// is the qualified name of the caller ("causalrec::train::fit", see qualified()).
template <class T>
void require_finite(std::string_view where, std::string_view what, const matrix<T>& m) {
    const std::size_t cols = m.shape()[1];
    if (const std::size_t i = first_non_finite(m.data(), m.size()); i < m.size())
        throw numeric_error(cat(where, ": ", what, " has a non-finite value (", static_cast<double>(m.data()[i]),
                                ") at row ", i / cols, ", column ", i % cols));
}

/// Raises numeric_error naming the row of the first NaN or infinite entry of `v`.
template <class T>
void require_finite(std::string_view where, std::string_view what, const vector<T>& v) {
    if (const std::size_t i = first_non_finite(v.data(), v.size()); i < v.size())
        throw numeric_error(cat(where, ": ", what, " has a non-finite value (", static_cast<double>(v(i)), ") at row ", i));
}

/// Raises not_fitted_error ("<who>: <call> called before fit") unless `fitted`; `who` is qualified
/// ("causalrec::rec::bpr").
inline void require_fitted(bool fitted, std::string_view who, std::string_view call = "score or recommend") {
    if (!fitted) throw not_fitted_error(cat(who, ": ", call, " called before fit"));
}

}  // namespace causalrec
