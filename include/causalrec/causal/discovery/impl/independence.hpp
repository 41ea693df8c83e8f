#pragma once
/// @file
/// Definitions of the non-template member functions declared in causal/discovery/independence.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../independence.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE double fisher_z_test::correlation(std::size_t i, std::size_t j) const {
    if (i >= d_ || j >= d_)
        throw argument_error(causalrec::cat("causalrec::causal::fisher_z_test: variable ", std::max(i, j), " out of range (", d_, " variables)"));
    return corr_[i * d_ + j];
}

CAUSALREC_INLINE double fisher_z_test::partial_correlation(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
    detail::check_test_arguments("fisher_z_test", d_, i, j, s);
    if (s.empty()) return correlation(i, j);
    // Sweep the conditioning variables out of the correlation submatrix over (i, j, S): after
    // sweeping k, c holds the covariances of the residuals given the variables swept so far. A
    // variable whose residual variance is (numerically) zero is a linear function of those and
    // is skipped.
    std::vector<std::size_t> vars{i, j};
    vars.insert(vars.end(), s.begin(), s.end());
    const std::size_t m = vars.size();
    std::vector<double> c(m * m);
    for (std::size_t r = 0; r < m; ++r)
        for (std::size_t q = 0; q < m; ++q) c[r * m + q] = corr_[vars[r] * d_ + vars[q]];
    constexpr double tolerance = 1e-10;  // residual variance (the variables have variance 1)
    for (std::size_t k = 2; k < m; ++k) {
        const double pivot = c[k * m + k];
        if (!(pivot > tolerance)) continue;
        for (std::size_t r = 0; r < m; ++r) {
            if (r == k) continue;
            const double f = c[r * m + k] / pivot;
            if (f == 0.0) continue;
            for (std::size_t q = 0; q < m; ++q)
                if (q != k) c[r * m + q] -= f * c[k * m + q];
        }
        for (std::size_t q = 0; q < m; ++q) c[k * m + q] = c[q * m + k] = 0.0;
    }
    if (!(c[0] > tolerance && c[m + 1] > tolerance)) return 0.0;
    return std::clamp(c[1] / std::sqrt(c[0] * c[m + 1]), -1.0, 1.0);
}

CAUSALREC_INLINE double fisher_z_test::p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
    const double r = partial_correlation(i, j, s);
    const double dof = static_cast<double>(n_) - static_cast<double>(s.size()) - 3.0;
    if (dof <= 0.0)
        throw argument_error(causalrec::cat("causalrec::causal::fisher_z_test: ", n_, " rows are too few for a conditioning set of ", s.size(),
                                                    " (needs n - |S| - 3 > 0)"));
    const double rr = std::min(std::abs(r), 1.0 - 1e-15);
    return detail::two_sided_normal_p(std::atanh(rr) * std::sqrt(dof));
}

CAUSALREC_INLINE auto g_square_test::statistic(std::size_t i, std::size_t j, std::span<const std::size_t> s) const -> std::pair<double, std::size_t> {
    detail::check_test_arguments("g_square_test", d_, i, j, s);
    // Stratum of each row: the configuration of x_S, numbered in order of first appearance.
    std::vector<std::size_t> stratum(n_, 0), key(s.size());
    std::map<std::vector<std::size_t>, std::size_t> strata;
    for (std::size_t r = 0; r < n_; ++r) {
        for (std::size_t q = 0; q < s.size(); ++q) key[q] = codes_[r * d_ + s[q]];
        stratum[r] = strata.try_emplace(key, strata.size()).first->second;
    }
    // The rows' cells sorted by (stratum, x, y): each stratum is a run, each cell a sub-run.
    struct cell {
        std::size_t stratum, x, y;
        bool operator<(const cell& o) const noexcept {
            return stratum != o.stratum ? stratum < o.stratum : x != o.x ? x < o.x : y < o.y;
        }
    };
    std::vector<cell> cells(n_);
    for (std::size_t r = 0; r < n_; ++r) cells[r] = {stratum[r], codes_[r * d_ + i], codes_[r * d_ + j]};
    std::sort(cells.begin(), cells.end());
    double g = 0.0;
    std::size_t dof = 0;
    std::map<std::size_t, double> row, col;
    for (std::size_t begin = 0; begin < n_;) {
        std::size_t end = begin;
        while (end < n_ && cells[end].stratum == cells[begin].stratum) ++end;
        row.clear();
        col.clear();
        for (std::size_t k = begin; k < end; ++k) row[cells[k].x] += 1.0, col[cells[k].y] += 1.0;
        const double total = static_cast<double>(end - begin);
        if (row.size() > 1 && col.size() > 1) dof += (row.size() - 1) * (col.size() - 1);
        for (std::size_t k = begin; k < end;) {
            std::size_t next = k;
            while (next < end && cells[next].x == cells[k].x && cells[next].y == cells[k].y) ++next;
            const double count = static_cast<double>(next - k);
            g += 2.0 * count * std::log(count * total / (row[cells[k].x] * col[cells[k].y]));
            k = next;
        }
        begin = end;
    }
    return {std::max(g, 0.0), dof};
}

CAUSALREC_INLINE double g_square_test::p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
    const auto [g, dof] = statistic(i, j, s);
    return dof == 0 ? 1.0 : detail::gamma_q(0.5 * static_cast<double>(dof), 0.5 * g);
}

CAUSALREC_INLINE d_separation_oracle::d_separation_oracle(causal_graph dag) : dag_(std::move(dag)) {
    if (!dag_.is_dag()) throw argument_error("causalrec::causal::d_separation_oracle: the graph is not a DAG (undirected edges or a cycle)");
}

}  // namespace causalrec::causal
