#pragma once
/// @file
/// Reading whitespace-separated dense numeric matrices (such as Coat's .ascii files) and turning a
/// dense rating matrix (with an optional matrix of propensities) into an interaction log.

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "interactions.hpp"

namespace causalrec::data {

/// Reads a dense matrix of numbers separated by spaces or tabs, one row per line (empty lines
/// skipped), e.g. Coat's train.ascii or propensities.ascii; the first `skip_lines` lines (a header of
/// names, as NumPy's loadtxt skiprows) are not read. Raises parse_error naming the file, line and
/// column for a field that is not a finite number or a row of the wrong length, and for an
/// unreadable or empty file.
matrix<double> read_ascii_matrix(const std::string& path, std::size_t skip_lines = 0);

/// Options of interactions_from_dense.
struct dense_log_options {
    double missing = 0.0;                           ///< the entry value meaning "not observed"
    const matrix<double>* propensities = nullptr;   ///< optional same-shape matrix; its entries at the observed pairs become the propensities column
};

/// The observed entries of a dense users x items matrix (entries != options.missing) as an
/// interaction log, row-major order, with n_users = rows and n_items = cols. Raises shape_error
/// when the propensity matrix has another shape, argument_error for a propensity outside (0, 1].
interactions interactions_from_dense(const matrix<double>& dense, const dense_log_options& options = {});

}  // namespace causalrec::data

#if CAUSALREC_HEADER_ONLY
#include "impl/dense.hpp"
#endif
