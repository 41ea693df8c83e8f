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
    const double z = std::atanh(rr) * std::sqrt(dof);
    if (tail_ == normal_tail::one_minus_cdf) {
        // Phi(z) = 1 - erfc(z / sqrt 2) / 2 for z > 0 (as SciPy's ndtr forms it), then the complement.
        const double cdf = z < std::sqrt(0.5) ? 0.5 + 0.5 * std::erf(z / std::sqrt(2.0)) : 1.0 - 0.5 * std::erfc(z / std::sqrt(2.0));
        return 2.0 * (1.0 - cdf);
    }
    return detail::two_sided_normal_p(z);
}

CAUSALREC_INLINE auto detail::contingency_tables::sparse_statistic(const std::vector<std::uint64_t>& stratum, const std::uint32_t* xs, const std::uint32_t* ys,
                                                                  contingency_statistic kind) const -> std::pair<double, std::size_t> {
    // The rows' cells sorted by (stratum, x, y): each stratum is a run, each occurring cell a sub-run.
    // Pearson's sum over all cells with positive expected count equals sum_{n_xy > 0} n_xy^2 / e_xy - n.
    struct cell {
        std::uint64_t stratum;
        std::uint32_t x, y;
        bool operator<(const cell& o) const noexcept { return stratum != o.stratum ? stratum < o.stratum : x != o.x ? x < o.x : y < o.y; }
    };
    std::vector<cell> cells(n_);
    for (std::size_t r = 0; r < n_; ++r) cells[r] = {stratum[r], xs[r], ys[r]};
    std::sort(cells.begin(), cells.end());
    double stat = 0.0;
    std::size_t dof = 0;
    std::map<std::uint32_t, std::uint64_t> row, col;
    for (std::size_t begin = 0; begin < n_;) {
        std::size_t end = begin;
        while (end < n_ && cells[end].stratum == cells[begin].stratum) ++end;
        row.clear(), col.clear();
        for (std::size_t k = begin; k < end; ++k) ++row[cells[k].x], ++col[cells[k].y];
        const double total = static_cast<double>(end - begin);
        dof += (row.size() - 1) * (col.size() - 1);
        double part = 0.0;
        for (std::size_t k = begin; k < end;) {
            std::size_t next = k;
            while (next < end && cells[next].x == cells[k].x && cells[next].y == cells[k].y) ++next;
            const double c = static_cast<double>(next - k);
            const double expected = static_cast<double>(row[cells[k].x] * col[cells[k].y]) / total;
            part += kind == contingency_statistic::pearson ? c * c / expected : 2.0 * c * std::log(c / expected);
            k = next;
        }
        stat += kind == contingency_statistic::pearson ? part - total : part;
        begin = end;
    }
    return {std::max(stat, 0.0), dof};
}

CAUSALREC_INLINE auto detail::contingency_tables::statistic(std::size_t i, std::size_t j, std::span<const std::size_t> s, contingency_statistic kind,
                                                           const char* fn) const -> std::pair<double, std::size_t> {
    detail::check_test_arguments(fn, d_, i, j, s);
    // Stratum of each row: the configuration of x_S as a mixed-radix number, renumbered densely in
    // order of first appearance whenever its range would outgrow a few times the sample size, so
    // that the count table below stays small however many variables S holds.
    struct scratch {
        std::vector<std::uint64_t> stratum;
        std::vector<std::uint32_t> rank, counts, row, col;
    };
    thread_local scratch w;
    w.stratum.assign(n_, 0);
    std::uint64_t range = 1;
    const std::uint64_t wide = 8 * static_cast<std::uint64_t>(n_) + 64;
    auto renumber = [&] {
        if (range <= 4 * wide) {
            w.rank.assign(range, std::numeric_limits<std::uint32_t>::max());
            std::uint32_t next = 0;
            for (auto& v : w.stratum) {
                auto& r = w.rank[v];
                if (r == std::numeric_limits<std::uint32_t>::max()) r = next++;
                v = r;
            }
            range = next;
            return;
        }
        std::vector<std::uint64_t> distinct = w.stratum;
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        for (auto& v : w.stratum) v = static_cast<std::uint64_t>(std::lower_bound(distinct.begin(), distinct.end(), v) - distinct.begin());
        range = distinct.size();
    };
    for (std::size_t k : s) {
        const std::uint64_t levels = levels_[k];
        if (range * levels > wide) renumber();
        const std::uint32_t* code = codes_.data() + k * n_;
        for (std::size_t r = 0; r < n_; ++r) w.stratum[r] = w.stratum[r] * levels + code[r];
        range *= levels;
    }
    const std::uint64_t cx = levels_[i], cy = levels_[j];
    if (range * cx * cy > wide) renumber();
    const std::uint32_t* xs = codes_.data() + i * n_;
    const std::uint32_t* ys = codes_.data() + j * n_;
    if (range * cx * cy > 16 * wide) return sparse_statistic(w.stratum, xs, ys, kind);
    w.counts.assign(range * cx * cy, 0);
    for (std::size_t r = 0; r < n_; ++r) ++w.counts[(w.stratum[r] * cx + xs[r]) * cy + ys[r]];
    double stat = 0.0;
    std::size_t dof = 0;
    w.row.resize(cx), w.col.resize(cy);
    for (std::uint64_t st = 0; st < range; ++st) {
        const std::uint32_t* table = w.counts.data() + st * cx * cy;
        std::fill(w.row.begin(), w.row.end(), 0u), std::fill(w.col.begin(), w.col.end(), 0u);
        std::uint64_t total = 0;
        for (std::uint64_t x = 0; x < cx; ++x)
            for (std::uint64_t y = 0; y < cy; ++y) w.row[x] += table[x * cy + y], w.col[y] += table[x * cy + y];
        for (std::uint64_t x = 0; x < cx; ++x) total += w.row[x];
        if (total == 0) continue;
        const std::size_t rows = static_cast<std::size_t>(std::count_if(w.row.begin(), w.row.end(), [](std::uint32_t v) { return v > 0; }));
        const std::size_t cols = static_cast<std::size_t>(std::count_if(w.col.begin(), w.col.end(), [](std::uint32_t v) { return v > 0; }));
        dof += (rows - 1) * (cols - 1);
        const double t = static_cast<double>(total);
        for (std::uint64_t x = 0; x < cx; ++x) {
            if (w.row[x] == 0) continue;
            for (std::uint64_t y = 0; y < cy; ++y) {
                if (w.col[y] == 0) continue;
                // Expected count as causal-learn forms it: the product of the margins over the total.
                const double expected = static_cast<double>(static_cast<std::uint64_t>(w.row[x]) * w.col[y]) / t;
                const double c = static_cast<double>(table[x * cy + y]);
                if (kind == contingency_statistic::pearson) stat += (c - expected) * (c - expected) / expected;
                else if (c > 0.0) stat += 2.0 * c * std::log(c / expected);
            }
        }
    }
    return {std::max(stat, 0.0), dof};
}

CAUSALREC_INLINE double g_square_test::p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
    const auto [g, dof] = statistic(i, j, s);
    return dof == 0 ? 1.0 : detail::gamma_q(0.5 * static_cast<double>(dof), 0.5 * g);
}

CAUSALREC_INLINE double chi_square_test::p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
    const auto [x2, dof] = statistic(i, j, s);
    return dof == 0 ? 1.0 : detail::gamma_q(0.5 * static_cast<double>(dof), 0.5 * x2);
}

CAUSALREC_INLINE d_separation_oracle::d_separation_oracle(causal_graph dag) : dag_(std::move(dag)) {
    if (!dag_.is_dag()) throw argument_error("causalrec::causal::d_separation_oracle: the graph is not a DAG (undirected edges or a cycle)");
    parents_ = detail::parent_lists(dag_);
}

}  // namespace causalrec::causal
