#pragma once
/// @file
/// Input checks every module shares: finiteness of a matrix or vector, with the message naming where
/// the first bad value is ("causalrec::<module>::<function>: <what> has a non-finite value (nan) at row 3, column 1"),
/// and the fittedness check of trained components.

#include <cmath>
#include <cstddef>
#include <string_view>

#include "error.hpp"
#include "message.hpp"
#include "tensor.hpp"

namespace causalrec {

/// Raises numeric_error naming the row and column of the first NaN or infinite entry of `m`; `where`
/// is the qualified name of the caller ("causalrec::train::fit", see qualified()).
template <class T>
void require_finite(std::string_view where, std::string_view what, const matrix<T>& m) {
    const std::size_t cols = m.shape()[1];
    for (std::size_t i = 0; i < m.size(); ++i)
        if (!std::isfinite(m.data()[i]))
            throw numeric_error(cat(where, ": ", what, " has a non-finite value (", static_cast<double>(m.data()[i]),
                                    ") at row ", i / cols, ", column ", i % cols));
}

/// Raises numeric_error naming the row of the first NaN or infinite entry of `v`.
template <class T>
void require_finite(std::string_view where, std::string_view what, const vector<T>& v) {
    for (std::size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v(i)))
            throw numeric_error(cat(where, ": ", what, " has a non-finite value (", static_cast<double>(v(i)), ") at row ", i));
}

/// Raises not_fitted_error ("<who>: <call> called before fit") unless `fitted`; `who` is qualified
/// ("causalrec::rec::bpr").
inline void require_fitted(bool fitted, std::string_view who, std::string_view call = "score or recommend") {
    if (!fitted) throw not_fitted_error(cat(who, ": ", call, " called before fit"));
}

}  // namespace causalrec
