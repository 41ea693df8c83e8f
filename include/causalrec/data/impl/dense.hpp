#pragma once
/// @file
/// Definitions of the non-template functions declared in data/dense.hpp (the dense-matrix readers): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../dense.hpp"

namespace causalrec::data {

CAUSALREC_INLINE matrix<double> read_ascii_matrix(const std::string& path, std::size_t skip_lines) {
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

CAUSALREC_INLINE interactions interactions_from_dense(const matrix<double>& dense, const dense_log_options& options) {
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
