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
inline matrix<double> read_ascii_matrix(const std::string& path, std::size_t skip_lines = 0) {
    std::ifstream in(path);
    if (!in) throw parse_error(path, 0, 0, "read_ascii_matrix: cannot open the file");
    std::vector<double> values;
    std::size_t cols = 0, rows = 0, line_no = 0;
    std::string line;
    while (std::getline(in, line)) {
        ++line_no;
        if (line_no <= skip_lines) continue;
        std::size_t count = 0, pos = 0;
        while (true) {
            while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r')) ++pos;
            if (pos >= line.size()) break;
            std::size_t end = pos;
            while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\r') ++end;
            const std::string field = line.substr(pos, end - pos);
            char* stop = nullptr;
            errno = 0;
            const double v = std::strtod(field.c_str(), &stop);
            if (stop != field.c_str() + field.size() || !std::isfinite(v) || errno == ERANGE)
                throw parse_error(path, line_no, count + 1, causalrec::cat("read_ascii_matrix: '", field.substr(0, 64),
                                                                                 "' is not a finite number"));
            values.push_back(v);
            ++count;
            pos = end;
        }
        if (count == 0) continue;
        if (rows == 0) cols = count;
        else if (count != cols)
            throw parse_error(path, line_no, 0,
                              causalrec::cat("read_ascii_matrix: row has ", count, " values, the first row has ", cols));
        ++rows;
    }
    if (rows == 0) throw parse_error(path, line_no, 0, "read_ascii_matrix: the file holds no numbers");
    matrix<double> m = matrix<double>::from_shape({rows, cols});
    std::copy(values.begin(), values.end(), m.data());
    return m;
}

/// Options of interactions_from_dense.
struct dense_log_options {
    double missing = 0.0;                           ///< the entry value meaning "not observed"
    const matrix<double>* propensities = nullptr;   ///< optional same-shape matrix; its entries at the observed pairs become the propensities column
};

/// The observed entries of a dense users x items matrix (entries != options.missing) as an
/// interaction log, row-major order, with n_users = rows and n_items = cols. Raises shape_error
/// when the propensity matrix has another shape, argument_error for a propensity outside (0, 1].
inline interactions interactions_from_dense(const matrix<double>& dense, const dense_log_options& options = {}) {
    const std::size_t rows = dense.shape()[0], cols = dense.shape()[1];
    if (options.propensities && (options.propensities->shape()[0] != rows || options.propensities->shape()[1] != cols))
        throw shape_error(causalrec::cat("causalrec::data::interactions_from_dense: propensities have shape (", options.propensities->shape()[0],
                                                 ", ", options.propensities->shape()[1], "), the ratings (", rows, ", ", cols, ")"));
    interaction_columns c;
    c.n_users = rows;
    c.n_items = cols;
    for (std::size_t u = 0; u < rows; ++u)
        for (std::size_t i = 0; i < cols; ++i) {
            const double v = dense(u, i);
            if (v == options.missing) continue;
            c.users.push_back(u);
            c.items.push_back(i);
            c.values.push_back(v);
            if (options.propensities) c.propensities.push_back((*options.propensities)(u, i));
        }
    return interactions(std::move(c));
}

}  // namespace causalrec::data
