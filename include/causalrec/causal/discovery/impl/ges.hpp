#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/ges.hpp (GES and its graph helpers): included by
/// that header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../ges.hpp"

namespace causalrec::causal {

namespace detail {

/// Checks the rows the Gaussian BIC is built from, for the function `fn` the user called.
CAUSALREC_INLINE void check_gaussian_bic_data(const matrix<double>& x, const char* fn) {
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    if (n < 2 || d < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 rows and 2 variables, got ", n, " x ", d));
    causalrec::require_finite(qualified("causal", fn), "X", x);
    // With n rows, a variable regressed on n - 1 others is fitted exactly: its residual variance is 0
    // and its score unbounded, so every added edge would look like a gain.
    if (n < d + 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least variables + 2 = ", d + 2, " rows, got ", n));
    for (std::size_t c = 0; c < d; ++c) {
        bool varies = false;
        for (std::size_t r = 1; r < n && !varies; ++r) varies = x(r, c) != x(0, c);
        if (!varies) throw argument_error(causalrec::error_message("causal", fn, "column ", c, " is constant"));
    }
}

}  // namespace detail

CAUSALREC_INLINE ges_result ges(const matrix<double>& x, double penalty, const background_knowledge* knowledge) {
    detail::check_gaussian_bic_data(x, "ges");
    return ges(gaussian_bic(x, penalty), knowledge);
}

}  // namespace causalrec::causal

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE std::vector<std::size_t> undirected_neighbours(const causal_graph& g, std::size_t y) {
    std::vector<std::size_t> out;
    for (std::size_t z = 0; z < g.size(); ++z)
        if (z != y && g.undirected(z, y)) out.push_back(z);
    return out;
}

CAUSALREC_INLINE bool is_clique(const causal_graph& g, const std::vector<std::size_t>& nodes) {
    for (std::size_t a = 0; a < nodes.size(); ++a)
        for (std::size_t b = a + 1; b < nodes.size(); ++b)
            if (!g.adjacent(nodes[a], nodes[b])) return false;
    return true;
}

CAUSALREC_INLINE bool semi_directed_path(const causal_graph& g, std::size_t from, std::size_t to, const std::vector<std::size_t>& blocked) {
    const std::size_t n = g.size();
    std::vector<char> seen(n, 0);
    for (std::size_t b : blocked) seen[b] = 1;
    std::vector<std::size_t> stack = {from};
    seen[from] = 1;
    while (!stack.empty()) {
        const std::size_t a = stack.back();
        stack.pop_back();
        for (std::size_t b = 0; b < n; ++b) {
            if (b == a || !(g.directed(a, b) || g.undirected(a, b))) continue;
            if (b == to) return true;
            if (!seen[b]) seen[b] = 1, stack.push_back(b);
        }
    }
    return false;
}

CAUSALREC_INLINE bool complete_to_cpdag(causal_graph& g) {
    const std::size_t n = g.size();
    causal_graph work = g, dag(n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            if (work.directed(i, j)) dag.add_directed(i, j);
    std::vector<char> removed(n, 0);
    for (std::size_t left = n; left > 0; --left) {
        bool found = false;
        for (std::size_t x = 0; x < n && !found; ++x) {
            if (removed[x]) continue;
            bool sink = true;
            std::vector<std::size_t> adjacent;
            for (std::size_t y = 0; y < n; ++y) {
                if (removed[y] || y == x) continue;
                if (work.directed(x, y)) sink = false;
                if (work.adjacent(x, y)) adjacent.push_back(y);
            }
            if (!sink) continue;
            bool ok = true;
            for (std::size_t y : adjacent)
                if (work.undirected(x, y))
                    for (std::size_t z : adjacent)
                        if (z != y && !work.adjacent(y, z)) ok = false;
            if (!ok) continue;
            for (std::size_t y : adjacent)
                if (work.undirected(x, y)) dag.add_directed(y, x);
            for (std::size_t y = 0; y < n; ++y)
                if (y != x) work.remove_edge(x, y);
            removed[x] = 1;
            found = true;
        }
        if (!found) return false;
    }
    g = cpdag_of(dag);
    return true;
}

CAUSALREC_INLINE std::vector<std::vector<std::size_t>> subsets_of(const std::vector<std::size_t>& items) {
    const std::size_t m = std::min<std::size_t>(items.size(), 16);
    std::vector<std::vector<std::size_t>> out;
    for (std::size_t mask = 0; mask < (std::size_t{1} << m); ++mask) {
        std::vector<std::size_t> s;
        for (std::size_t b = 0; b < m; ++b)
            if (mask >> b & 1u) s.push_back(items[b]);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace detail
}  // namespace causalrec::causal

namespace causalrec::causal {

CAUSALREC_INLINE bdeu_score::bdeu_score(const matrix<double>& codes, double equivalent_sample_size) : n_(codes.shape()[0]), d_(codes.shape()[1]), ess_(equivalent_sample_size), codes_(n_ * d_), states_(d_, 0) {
    if (n_ < 2 || d_ < 2) throw argument_error(causalrec::error_message("causal", "bdeu_score", "needs at least 2 rows and 2 variables"));
    if (!(ess_ > 0.0)) throw argument_error(causalrec::error_message("causal", "bdeu_score", "equivalent_sample_size must be > 0, got ", ess_));
    for (std::size_t c = 0; c < d_; ++c) {
        std::map<double, std::size_t> rank;
        for (std::size_t r = 0; r < n_; ++r) {
            const double v = codes(r, c);
            if (!(v >= 0.0) || v != std::floor(v))
                throw argument_error(causalrec::error_message("causal", "bdeu_score", "row ", r, ", column ", c, ": ", v, " is not a category code"));
            rank.emplace(v, 0);
        }
        std::size_t k = 0;
        for (auto& [value, index] : rank) index = k++;
        states_[c] = k;
        for (std::size_t r = 0; r < n_; ++r) codes_[r * d_ + c] = rank.at(codes(r, c));
    }
}

CAUSALREC_INLINE auto bdeu_score::local(std::size_t y, std::span<const std::size_t> parents) const -> double {
    std::vector<std::size_t> key(parents.begin(), parents.end());
    std::sort(key.begin(), key.end());
    key.push_back(y);
    if (const auto it = cache_.find(key); it != cache_.end()) return it->second;
    const double r = static_cast<double>(states_[y]);
    double q = 1.0;
    for (std::size_t p : parents) q *= static_cast<double>(states_[p]);
    std::map<std::vector<std::size_t>, std::vector<double>> counts;  // parent configuration -> counts of y's states
    std::vector<std::size_t> config(parents.size());
    for (std::size_t row = 0; row < n_; ++row) {
        for (std::size_t k = 0; k < parents.size(); ++k) config[k] = codes_[row * d_ + parents[k]];
        auto& c = counts[config];
        if (c.empty()) c.assign(states_[y], 0.0);
        c[codes_[row * d_ + y]] += 1.0;
    }
    const double a_j = ess_ / q, a_jk = ess_ / (q * r);
    double score = 0.0;
    for (const auto& [configuration, c] : counts) {
        double total = 0.0;
        for (double v : c) {
            total += v;
            score += std::lgamma(a_jk + v) - std::lgamma(a_jk);
        }
        score += std::lgamma(a_j) - std::lgamma(a_j + total);
    }
    cache_.emplace(std::move(key), score);
    return score;
}

}  // namespace causalrec::causal

namespace causalrec::causal {

CAUSALREC_INLINE gaussian_bic::gaussian_bic(const matrix<double>& x, double penalty) : penalty_(penalty) {
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    detail::check_gaussian_bic_data(x, "gaussian_bic");
    check_penalty();
    std::vector<double> mean(d, 0.0);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t j = 0; j < d; ++j) mean[j] += x(r, j) / static_cast<double>(n);
    covariance_ = matrix<double>::from_shape({d, d});
    covariance_.fill(0.0);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = i; j < d; ++j) covariance_(i, j) += (x(r, i) - mean[i]) * (x(r, j) - mean[j]);
    for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = i; j < d; ++j) covariance_(j, i) = covariance_(i, j) /= static_cast<double>(n);
    n_ = static_cast<double>(n);
}

CAUSALREC_INLINE gaussian_bic::gaussian_bic(matrix<double> covariance, double n, double penalty) : covariance_(std::move(covariance)), n_(n), penalty_(penalty) {
    if (covariance_.shape()[0] != covariance_.shape()[1] || covariance_.shape()[0] < 2)
        throw argument_error(causalrec::error_message("causal", "gaussian_bic", "the covariance must be square with at least 2 variables"));
    if (!(n > 1.0)) throw argument_error(causalrec::error_message("causal", "gaussian_bic", "n must be > 1, got ", n));
    check_penalty();
}

CAUSALREC_INLINE auto gaussian_bic::local(std::size_t y, std::span<const std::size_t> parents) const -> double {
    std::vector<std::size_t> key(parents.begin(), parents.end());
    std::sort(key.begin(), key.end());
    key.push_back(y);
    if (const auto it = cache_.find(key); it != cache_.end()) return it->second;
    const std::size_t k = parents.size();
    double variance = covariance_(y, y);
    if (k > 0) {
        std::vector<double> a(k * k), b(k);
        for (std::size_t i = 0; i < k; ++i) {
            b[i] = covariance_(key[i], y);
            for (std::size_t j = 0; j < k; ++j) a[i * k + j] = covariance_(key[i], key[j]);
        }
        const std::vector<double> rhs = b;
        if (linalg::cholesky_solve(k, a.data(), b.data(), 1e-12)) {
            for (std::size_t i = 0; i < k; ++i) variance -= rhs[i] * b[i];
        }
    }
    variance = std::max(variance, 1e-300);
    const double score = -0.5 * n_ * std::log(variance) - penalty_ * 0.5 * std::log(n_) * static_cast<double>(k);
    cache_.emplace(std::move(key), score);
    return score;
}

}  // namespace causalrec::causal
