#pragma once
/// @file
/// Causal discovery from observational data: the PC algorithm (Spirtes, Glymour & Scheines 2000) in
/// its "stable" form (Colombo & Maathuis, JMLR 2014: the skeleton does not depend on the order of
/// the variables), with any conditional independence test — Fisher's z on partial correlations for
/// linear Gaussian data, the G-test for categorical data, or a d-separation oracle on a known graph —
/// and the graph tools around it: CPDAG of a DAG, Meek's
/// orientation rules, d-separation, a comparison against a true graph (SHD, skeleton and arrowhead
/// precision/recall), Graphviz output, and a linear structural equation model simulator with a known
/// truth.

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "concepts.hpp"

namespace causalrec::causal {

/// One edge of a causal_graph: `from -> to` when directed, `from -- to` (from < to) when not.
struct graph_edge {
    std::size_t from = 0;   ///< tail (directed) or smaller endpoint (undirected)
    std::size_t to = 0;     ///< head (directed) or larger endpoint (undirected)
    bool directed = false;  ///< true for from -> to

    /// Edges compare equal when endpoints and direction agree.
    friend bool operator==(const graph_edge&, const graph_edge&) = default;
};

/// A graph over variables 0..n-1 whose edges are directed (i -> j) or undirected (i -- j): a DAG, a
/// CPDAG (the equivalence class PC returns) or a skeleton. Stored as an n x n mark matrix:
/// mark(i, j) = 1 when the edge i -> j or i -- j exists.
class causal_graph {
public:
    /// An empty graph over n variables.
    explicit causal_graph(std::size_t n = 0) : n_(n), marks_(n * n, 0) {}

    /// The complete undirected graph over n variables (PC's starting point).
    static causal_graph complete(std::size_t n) {
        causal_graph g(n);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j) g.marks_[i * n + j] = i != j;
        return g;
    }

    /// Number of variables.
    std::size_t size() const noexcept { return n_; }

    /// True when i and j are joined by any edge.
    bool adjacent(std::size_t i, std::size_t j) const { return mark(i, j) || mark(j, i); }
    /// True for the directed edge i -> j.
    bool directed(std::size_t i, std::size_t j) const { return mark(i, j) && !mark(j, i); }
    /// True for the undirected edge i -- j.
    bool undirected(std::size_t i, std::size_t j) const { return mark(i, j) && mark(j, i); }

    /// Adds (or turns into) the directed edge i -> j.
    void add_directed(std::size_t i, std::size_t j) { set(i, j, true), set(j, i, false); }
    /// Adds (or turns into) the undirected edge i -- j.
    void add_undirected(std::size_t i, std::size_t j) { set(i, j, true), set(j, i, true); }
    /// Removes any edge between i and j.
    void remove_edge(std::size_t i, std::size_t j) { set(i, j, false), set(j, i, false); }

    /// Variables adjacent to i, in increasing order.
    std::vector<std::size_t> neighbours(std::size_t i) const {
        std::vector<std::size_t> out;
        for (std::size_t j = 0; j < n_; ++j)
            if (j != i && adjacent(i, j)) out.push_back(j);
        return out;
    }

    /// Variables with a directed edge into j, in increasing order.
    std::vector<std::size_t> parents(std::size_t j) const {
        std::vector<std::size_t> out;
        for (std::size_t i = 0; i < n_; ++i)
            if (i != j && directed(i, j)) out.push_back(i);
        return out;
    }

    /// Every edge once: directed edges as from -> to, undirected ones with from < to; sorted.
    std::vector<graph_edge> edges() const {
        std::vector<graph_edge> out;
        for (std::size_t i = 0; i < n_; ++i)
            for (std::size_t j = 0; j < n_; ++j) {
                if (directed(i, j)) out.push_back({i, j, true});
                if (i < j && undirected(i, j)) out.push_back({i, j, false});
            }
        return out;
    }

    /// Number of edges.
    std::size_t edge_count() const { return edges().size(); }

    /// True when every edge is directed and there is no directed cycle.
    bool is_dag() const {
        for (std::size_t i = 0; i < n_; ++i)
            for (std::size_t j = i + 1; j < n_; ++j)
                if (undirected(i, j)) return false;
        return topological_order().size() == n_;
    }

    /// The variables in an order where every directed edge points forward (Kahn's algorithm over the
    /// directed edges; shorter than size() when they contain a cycle).
    std::vector<std::size_t> topological_order() const {
        std::vector<std::size_t> indegree(n_, 0), order;
        for (std::size_t i = 0; i < n_; ++i)
            for (std::size_t j = 0; j < n_; ++j)
                if (i != j && directed(i, j)) ++indegree[j];
        for (std::size_t i = 0; i < n_; ++i)
            if (indegree[i] == 0) order.push_back(i);
        for (std::size_t head = 0; head < order.size(); ++head)
            for (std::size_t j = 0; j < n_; ++j)
                if (j != order[head] && directed(order[head], j) && --indegree[j] == 0) order.push_back(j);
        return order;
    }

    /// The graph in Graphviz DOT ("digraph"; undirected edges drawn without arrowheads). `names` may
    /// be empty (then x0, x1, ...) or hold one name per variable.
    std::string to_dot(std::span<const std::string> names = {}) const {
        if (!names.empty() && names.size() != n_)
            throw shape_error(causalrec::cat("causal_graph::to_dot: ", names.size(), " names for ", n_, " variables"));
        auto name = [&](std::size_t i) {
            if (!names.empty()) return names[i];
            std::string generated(1, 'x');  // built in two steps: g++ 12 warns (-Wrestrict) on "x" + to_string
            generated += std::to_string(i);
            return generated;
        };
        std::ostringstream out;
        out << "digraph causal_graph {\n";
        for (std::size_t i = 0; i < n_; ++i) out << "  \"" << name(i) << "\";\n";
        for (const auto& e : edges())
            out << "  \"" << name(e.from) << "\" -> \"" << name(e.to) << "\"" << (e.directed ? "" : " [dir=none]") << ";\n";
        out << "}\n";
        return out.str();
    }

    /// Graphs are equal when they have the same variables and edges.
    friend bool operator==(const causal_graph&, const causal_graph&) = default;

private:
    bool mark(std::size_t i, std::size_t j) const {
        check(i, j);
        return marks_[i * n_ + j] != 0;
    }
    void set(std::size_t i, std::size_t j, bool on) {
        check(i, j);
        if (i == j) throw argument_error(causalrec::cat("causal_graph: no self-loops (variable ", i, ")"));
        marks_[i * n_ + j] = on;
    }
    void check(std::size_t i, std::size_t j) const {
        if (i >= n_ || j >= n_)
            throw argument_error(causalrec::cat("causal_graph: variable ", std::max(i, j), " out of range (", n_, " variables)"));
    }

    std::size_t n_ = 0;
    std::vector<std::uint8_t> marks_;
};

namespace detail {

/// Raises argument_error unless i, j and every member of s are distinct variables below n.
inline void check_test_arguments(const char* fn, std::size_t n, std::size_t i, std::size_t j, std::span<const std::size_t> s) {
    using causalrec::cat;
    if (i >= n || j >= n) throw argument_error(cat(fn, ": variable ", std::max(i, j), " out of range (", n, " variables)"));
    if (i == j) throw argument_error(cat(fn, ": the two variables are the same (", i, ")"));
    for (std::size_t k : s) {
        if (k >= n) throw argument_error(cat(fn, ": conditioning variable ", k, " out of range (", n, " variables)"));
        if (k == i || k == j) throw argument_error(cat(fn, ": conditioning set contains the tested variable ", k));
    }
}

/// Upper-tail probability of the standard normal beyond |z|, times two.
inline double two_sided_normal_p(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

}  // namespace detail

/// Fisher's z test of zero partial correlation (for linear Gaussian data): z = atanh(r) sqrt(n - |S| - 3),
/// p = 2 (1 - Phi(|z|)), r the partial correlation of x_i and x_j given x_S (the correlation of
/// their residuals after regressing both on x_S). Computes the correlation matrix once at
/// construction. Collinear data does not stop it: a conditioning variable that is a linear function
/// of the others adds nothing and is skipped (as a pseudo-inverse would), and when x_i or x_j is a
/// linear function of x_S it carries no variation left given x_S, so r = 0 (independent).
class fisher_z_test {
public:
    /// Correlations of the columns of `data` (rows = samples). Needs at least 4 rows, finite values
    /// and no constant column.
    template <std::floating_point T>
    explicit fisher_z_test(const matrix<T>& data) : n_(data.shape()[0]), d_(data.shape()[1]), corr_(d_ * d_, 0.0) {
        using causalrec::cat;
        if (n_ < 4) throw argument_error(cat("fisher_z_test: needs at least 4 rows, got ", n_));
        if (d_ < 2) throw argument_error(cat("fisher_z_test: needs at least 2 columns, got ", d_));
        std::vector<double> mean(d_, 0.0), row(d_);
        std::vector<char> varies(d_, 0);
        for (std::size_t r = 0; r < n_; ++r)
            for (std::size_t c = 0; c < d_; ++c) {
                const double v = static_cast<double>(data(r, c));
                if (!std::isfinite(v)) throw numeric_error(cat("fisher_z_test: data is not finite at row ", r, ", column ", c));
                mean[c] += v;
                varies[c] |= v != static_cast<double>(data(0, c));
            }
        for (std::size_t c = 0; c < d_; ++c)
            if (!varies[c]) throw argument_error(cat("fisher_z_test: column ", c, " is constant"));
        for (auto& m : mean) m /= static_cast<double>(n_);
        for (std::size_t r = 0; r < n_; ++r) {
            for (std::size_t c = 0; c < d_; ++c) row[c] = static_cast<double>(data(r, c)) - mean[c];
            for (std::size_t a = 0; a < d_; ++a) {
                double* out = corr_.data() + a * d_;
                const double va = row[a];
                for (std::size_t b = a; b < d_; ++b) out[b] += va * row[b];
            }
        }
        for (std::size_t a = 0; a < d_; ++a)
            for (std::size_t b = a + 1; b < d_; ++b) {
                const double r = corr_[a * d_ + b] / std::sqrt(corr_[a * d_ + a] * corr_[b * d_ + b]);
                corr_[a * d_ + b] = corr_[b * d_ + a] = r;
            }
        for (std::size_t a = 0; a < d_; ++a) corr_[a * d_ + a] = 1.0;
    }

    /// Number of variables (columns).
    std::size_t variables() const noexcept { return d_; }
    /// Number of samples (rows).
    std::size_t samples() const noexcept { return n_; }
    /// The largest conditioning set the sample size allows (n - |S| - 3 >= 1); pc stops there.
    std::size_t max_condition_size() const noexcept { return n_ - 4; }

    /// Correlation of columns i and j.
    double correlation(std::size_t i, std::size_t j) const {
        if (i >= d_ || j >= d_)
            throw argument_error(causalrec::cat("fisher_z_test: variable ", std::max(i, j), " out of range (", d_, " variables)"));
        return corr_[i * d_ + j];
    }

    /// Partial correlation of x_i and x_j given x_S (see the class comment for collinear data).
    double partial_correlation(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
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

    /// The p-value of "x_i independent of x_j given x_S" (two-sided).
    double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
        const double r = partial_correlation(i, j, s);
        const double dof = static_cast<double>(n_) - static_cast<double>(s.size()) - 3.0;
        if (dof <= 0.0)
            throw argument_error(causalrec::cat("fisher_z_test: ", n_, " rows are too few for a conditioning set of ", s.size(),
                                                        " (needs n - |S| - 3 > 0)"));
        const double rr = std::min(std::abs(r), 1.0 - 1e-15);
        return detail::two_sided_normal_p(std::atanh(rr) * std::sqrt(dof));
    }

private:
    std::size_t n_ = 0, d_ = 0;
    std::vector<double> corr_;
};

namespace detail {

/// Regularised upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a), a > 0, x >= 0: the
/// series for x < a + 1, Lentz's continued fraction otherwise.
inline double gamma_q(double a, double x) {
    if (x <= 0.0) return 1.0;
    const double log_prefix = a * std::log(x) - x - std::lgamma(a);
    if (x < a + 1.0) {
        double term = 1.0 / a, sum = term;
        for (int n = 1; n < 100000; ++n) {
            term *= x / (a + n);
            sum += term;
            if (std::abs(term) < std::abs(sum) * 1e-16) break;
        }
        return std::max(0.0, 1.0 - sum * std::exp(log_prefix));
    }
    constexpr double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int n = 1; n < 100000; ++n) {
        const double an = -n * (n - a);
        b += 2.0;
        d = an * d + b;
        if (std::abs(d) < tiny) d = tiny;
        c = b + an / c;
        if (std::abs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (std::abs(delta - 1.0) < 1e-16) break;
    }
    return std::exp(log_prefix) * h;
}

}  // namespace detail

/// The G-test (log-likelihood ratio) of conditional independence for categorical data: within each
/// observed configuration of x_S, G = 2 sum n_xy ln(n_xy n / (n_x n_y)) over the x_i-by-x_j table;
/// the G values add up and are compared with a chi-square distribution whose degrees of freedom add
/// up (r_x - 1)(r_y - 1) per configuration, counting only the levels that occur in it (as
/// causal-learn's G-square test). No degrees of freedom left means no evidence of dependence: p = 1.
class g_square_test {
public:
    /// Columns of `data` hold category codes 0, 1, 2, ... (rows = samples). Raises argument_error for
    /// a value that is not a non-negative integer, or fewer than 2 columns or 1 row.
    template <std::floating_point T>
    explicit g_square_test(const matrix<T>& data) : n_(data.shape()[0]), d_(data.shape()[1]), codes_(n_ * d_), levels_(d_, 0) {
        using causalrec::cat;
        if (n_ < 1) throw argument_error("g_square_test: needs at least 1 row");
        if (d_ < 2) throw argument_error(cat("g_square_test: needs at least 2 columns, got ", d_));
        for (std::size_t r = 0; r < n_; ++r)
            for (std::size_t c = 0; c < d_; ++c) {
                const double v = static_cast<double>(data(r, c));
                if (!(v >= 0.0 && v == std::floor(v) && v < 1e9))
                    throw argument_error(cat("g_square_test: row ", r, ", column ", c, " holds ", v, "; expected a category code 0, 1, 2, ..."));
                codes_[r * d_ + c] = static_cast<std::size_t>(v);
                levels_[c] = std::max(levels_[c], codes_[r * d_ + c] + 1);
            }
    }

    /// Number of variables (columns).
    std::size_t variables() const noexcept { return d_; }
    /// Number of samples (rows).
    std::size_t samples() const noexcept { return n_; }

    /// The G statistic and its degrees of freedom for x_i and x_j given x_S.
    std::pair<double, std::size_t> statistic(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
        detail::check_test_arguments("g_square_test", d_, i, j, s);
        // Stratum of each row: the configuration of x_S, numbered in order of first appearance.
        std::vector<std::size_t> stratum(n_, 0), key(s.size());
        std::map<std::vector<std::size_t>, std::size_t> strata;
        for (std::size_t r = 0; r < n_; ++r) {
            for (std::size_t q = 0; q < s.size(); ++q) key[q] = codes_[r * d_ + s[q]];
            stratum[r] = strata.try_emplace(key, strata.size()).first->second;
        }
        const std::size_t rx = levels_[i], ry = levels_[j];
        std::vector<double> table(strata.size() * rx * ry, 0.0);
        for (std::size_t r = 0; r < n_; ++r) table[(stratum[r] * rx + codes_[r * d_ + i]) * ry + codes_[r * d_ + j]] += 1.0;
        double g = 0.0;
        std::size_t dof = 0;
        std::vector<double> row(rx), col(ry);
        for (std::size_t k = 0; k < strata.size(); ++k) {
            const double* t = table.data() + k * rx * ry;
            std::fill(row.begin(), row.end(), 0.0), std::fill(col.begin(), col.end(), 0.0);
            double total = 0.0;
            for (std::size_t a = 0; a < rx; ++a)
                for (std::size_t b = 0; b < ry; ++b) row[a] += t[a * ry + b], col[b] += t[a * ry + b], total += t[a * ry + b];
            std::size_t used_x = 0, used_y = 0;
            for (double v : row) used_x += v > 0.0;
            for (double v : col) used_y += v > 0.0;
            if (used_x > 1 && used_y > 1) dof += (used_x - 1) * (used_y - 1);
            for (std::size_t a = 0; a < rx; ++a)
                for (std::size_t b = 0; b < ry; ++b)
                    if (t[a * ry + b] > 0.0) g += 2.0 * t[a * ry + b] * std::log(t[a * ry + b] * total / (row[a] * col[b]));
        }
        return {std::max(g, 0.0), dof};
    }

    /// The p-value of "x_i independent of x_j given x_S": the chi-square upper tail of G.
    double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
        const auto [g, dof] = statistic(i, j, s);
        return dof == 0 ? 1.0 : detail::gamma_q(0.5 * static_cast<double>(dof), 0.5 * g);
    }

private:
    std::size_t n_ = 0, d_ = 0;
    std::vector<std::size_t> codes_, levels_;
};

/// True when x_i and x_j are d-separated by S in the DAG (the moralised ancestral graph criterion:
/// keep the ancestors of {i, j} and S, marry parents, drop directions, remove S, test connection).
inline bool d_separated(const causal_graph& dag, std::size_t i, std::size_t j, std::span<const std::size_t> s) {
    const std::size_t n = dag.size();
    detail::check_test_arguments("d_separated", n, i, j, s);
    if (!dag.is_dag()) throw argument_error("d_separated: the graph is not a DAG (undirected edges or a cycle)");
    std::vector<char> keep(n, 0), blocked(n, 0);
    std::vector<std::size_t> stack{i, j};
    for (std::size_t k : s) stack.push_back(k), blocked[k] = 1;
    while (!stack.empty()) {
        const std::size_t v = stack.back();
        stack.pop_back();
        if (keep[v]) continue;
        keep[v] = 1;
        for (std::size_t p : dag.parents(v)) stack.push_back(p);
    }
    // Moral graph over the kept variables.
    std::vector<std::vector<std::size_t>> links(n);
    for (std::size_t v = 0; v < n; ++v) {
        if (!keep[v]) continue;
        const auto ps = dag.parents(v);
        for (std::size_t a = 0; a < ps.size(); ++a) {
            links[v].push_back(ps[a]), links[ps[a]].push_back(v);
            for (std::size_t b = a + 1; b < ps.size(); ++b) links[ps[a]].push_back(ps[b]), links[ps[b]].push_back(ps[a]);
        }
    }
    std::vector<char> seen(n, 0);
    stack.assign(1, i);
    seen[i] = 1;
    while (!stack.empty()) {
        const std::size_t v = stack.back();
        stack.pop_back();
        if (v == j) return false;
        for (std::size_t w : links[v])
            if (!seen[w] && !blocked[w]) seen[w] = 1, stack.push_back(w);
    }
    return true;
}

/// The perfect independence test of a known DAG: p-value 1 when d-separated, 0 otherwise. PC with this
/// test returns exactly the DAG's CPDAG, which makes it the reference for checking PC itself.
class d_separation_oracle {
public:
    /// Answers from `dag` (must be a DAG).
    explicit d_separation_oracle(causal_graph dag) : dag_(std::move(dag)) {
        if (!dag_.is_dag()) throw argument_error("d_separation_oracle: the graph is not a DAG (undirected edges or a cycle)");
    }
    /// Number of variables.
    std::size_t variables() const noexcept { return dag_.size(); }
    /// 1 when x_i and x_j are d-separated by S, else 0.
    double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const { return d_separated(dag_, i, j, s) ? 1.0 : 0.0; }

private:
    causal_graph dag_;
};

namespace detail {

/// Meek's rules R1-R3 applied in rounds until none applies: each round finds every orientation the
/// rules imply on the current graph and applies them together, so the result does not depend on the
/// variable order. An edge the rules would orient both ways in one round, or that `locked` marks
/// (n x n, symmetric), stays undirected and is locked; `ambiguous(x, y, z)` marks unshielded triples
/// x -- y -- z (middle y) of unknown status, which R1 and R3 (they rely on a non-collider) skip.
/// Returns the number of edges oriented; adds the edges locked by a conflict to `conflicts`.
template <class Ambiguous>
std::size_t apply_meek_rules(causal_graph& g, const Ambiguous& ambiguous, std::vector<char>& locked, std::size_t& conflicts) {
    const std::size_t n = g.size();
    std::size_t oriented = 0;
    std::vector<char> want(n * n);
    for (;;) {
        std::fill(want.begin(), want.end(), 0);
        bool any = false;
        for (std::size_t b = 0; b < n; ++b)
            for (std::size_t c = 0; c < n; ++c) {
                if (b == c || !g.undirected(b, c) || locked[b * n + c]) continue;
                bool orient = false;
                // R1: some a -> b with a, c not adjacent.
                for (std::size_t a = 0; a < n && !orient; ++a)
                    orient = a != b && a != c && g.directed(a, b) && !g.adjacent(a, c) && !ambiguous(a, b, c);
                // R2: b -> a -> c for some a.
                for (std::size_t a = 0; a < n && !orient; ++a) orient = a != b && a != c && g.directed(b, a) && g.directed(a, c);
                // R3: b -- a1, b -- a2, a1 -> c <- a2, a1 and a2 not adjacent.
                for (std::size_t a1 = 0; a1 < n && !orient; ++a1) {
                    if (a1 == b || a1 == c || !g.undirected(b, a1) || !g.directed(a1, c)) continue;
                    for (std::size_t a2 = a1 + 1; a2 < n && !orient; ++a2)
                        orient = a2 != b && a2 != c && g.undirected(b, a2) && g.directed(a2, c) && !g.adjacent(a1, a2) &&
                                 !ambiguous(a1, b, a2);
                }
                if (orient) want[b * n + c] = 1, any = true;
            }
        if (!any) return oriented;
        for (std::size_t b = 0; b < n; ++b)
            for (std::size_t c = b + 1; c < n; ++c) {
                const bool bc = want[b * n + c], cb = want[c * n + b];
                if (bc && cb) locked[b * n + c] = locked[c * n + b] = 1, ++conflicts;
                else if (bc) g.add_directed(b, c), ++oriented;
                else if (cb) g.add_directed(c, b), ++oriented;
            }
    }
}

}  // namespace detail

/// Applies Meek's rules R1-R3 (Meek 1995) to a partially directed graph until none applies: R1
/// a -> b -- c, a, c not adjacent => b -> c; R2 a -> b -> c, a -- c => a -> c; R3 a -- b, a -- c,
/// a -- d, c -> b <- d, c, d not adjacent => a -> b. Each round applies every implied orientation at
/// once (an edge implied both ways stays undirected), so the result does not depend on the variable
/// order. Returns the number of edges oriented.
inline std::size_t apply_meek_rules(causal_graph& g) {
    std::vector<char> locked(g.size() * g.size(), 0);
    std::size_t conflicts = 0;
    return detail::apply_meek_rules(g, [](std::size_t, std::size_t, std::size_t) { return false; }, locked, conflicts);
}

/// The CPDAG (completed partially directed graph) of a DAG: its skeleton with the edges of its
/// v-structures directed, then Meek's rules. Two DAGs have the same CPDAG exactly when they are
/// Markov equivalent.
inline causal_graph cpdag_of(const causal_graph& dag) {
    if (!dag.is_dag()) throw argument_error("cpdag_of: the graph is not a DAG (undirected edges or a cycle)");
    const std::size_t n = dag.size();
    causal_graph g(n);
    for (const auto& e : dag.edges()) g.add_undirected(e.from, e.to);
    for (std::size_t c = 0; c < n; ++c) {
        const auto ps = dag.parents(c);
        for (std::size_t a = 0; a < ps.size(); ++a)
            for (std::size_t b = a + 1; b < ps.size(); ++b)
                if (!dag.adjacent(ps[a], ps[b])) g.add_directed(ps[a], c), g.add_directed(ps[b], c);
    }
    apply_meek_rules(g);
    return g;
}

namespace detail {

/// Calls f(subset) for every `size`-subset of `pool` in lexicographic order of positions (the empty
/// set once for size 0), until f returns true; returns whether it did. `subset` is the caller's
/// buffer.
template <class F>
bool for_each_subset(const std::vector<std::size_t>& pool, std::size_t size, std::vector<std::size_t>& subset, F&& f) {
    if (size > pool.size()) return false;
    std::vector<std::size_t> pos(size);
    for (std::size_t q = 0; q < size; ++q) pos[q] = q;
    subset.resize(size);
    for (;;) {
        for (std::size_t q = 0; q < size; ++q) subset[q] = pool[pos[q]];
        if (f(std::as_const(subset))) return true;
        std::size_t q = size;
        while (q > 0 && pos[q - 1] == pool.size() - size + q - 1) --q;
        if (q == 0) return false;
        ++pos[q - 1];
        for (std::size_t r = q; r < size; ++r) pos[r] = pos[r - 1] + 1;
    }
}

/// test.p_value(a, b, s), raising numeric_error unless it lies in [0, 1].
template <class Test>
double checked_p_value(const Test& test, std::size_t a, std::size_t b, const std::vector<std::size_t>& s) {
    const double p = test.p_value(a, b, std::span<const std::size_t>(s));
    if (!(p >= 0.0 && p <= 1.0)) throw numeric_error(causalrec::cat("pc: the test returned p-value ", p, " for variables ", a, ", ", b));
    return p;
}

}  // namespace detail

/// How pc decides whether an unshielded triple a -- c -- b (a, b not adjacent) is a v-structure
/// a -> c <- b.
enum class collider_rule {
    separating_set,  ///< c is not in the separating set the skeleton search found for (a, b) (the original PC)
    majority,        ///< c is in fewer than half of the separating sets of (a, b) among subsets of their neighbours (Colombo & Maathuis 2014)
    conservative,    ///< c is in none of them; in all of them: not a v-structure; otherwise ambiguous (Ramsey, Zhang & Spirtes 2006)
};

/// Options of pc.
struct pc_options {
    double alpha = 0.05;  ///< significance level: an edge is removed when some test's p-value is >= alpha (as pcalg); in (0, 1)
    std::size_t max_condition_size = std::numeric_limits<std::size_t>::max();  ///< largest conditioning set tried
    bool orient = true;   ///< orient v-structures and apply Meek's rules (false: return the skeleton)
    collider_rule colliders = collider_rule::conservative;  ///< how v-structures are decided (docs/causal.md compares the rules)
};

/// What pc returns.
struct pc_result {
    causal_graph graph;                                   ///< the estimated CPDAG (or skeleton)
    std::vector<std::vector<std::size_t>> separating_sets;  ///< [i * n + j]: the set that separated i and j (empty when adjacent)
    std::vector<char> separated;                          ///< [i * n + j]: 1 when i and j were found independent
    std::size_t tests = 0;                                ///< conditional independence tests run
    std::size_t conflicts = 0;                            ///< edges left undirected because two v-structures (or two of Meek's rules) oriented them oppositely
    std::size_t ambiguous_triples = 0;                    ///< unshielded triples left undecided (majority and conservative rules)
    std::size_t max_condition_size_used = 0;              ///< largest conditioning set that was tested

    /// The separating set of i and j (empty when they stayed adjacent or were separated marginally).
    const std::vector<std::size_t>& separating_set(std::size_t i, std::size_t j) const {
        if (i >= graph.size() || j >= graph.size())
            throw argument_error(causalrec::cat("pc_result::separating_set: variable ", std::max(i, j), " out of range (",
                                                        graph.size(), " variables)"));
        return separating_sets[i * graph.size() + j];
    }
};

/// The PC algorithm, stable version: starts from the complete graph; for conditioning-set sizes
/// l = 0, 1, ... removes the edge i -- j when x_i and x_j test independent (p >= alpha) given some
/// l-subset of the neighbours of i (or of j) at the start of that level (fixing the neighbour sets
/// per level makes the skeleton independent of the variable order), records the separating set,
/// then decides for each unshielded triple a -- c -- b whether it is a v-structure a -> c <- b
/// (`options.colliders`), orients the arrowheads of all v-structures at once (an edge that two
/// v-structures orient oppositely stays undirected and is counted in `conflicts`), and applies
/// Meek's rules (skipping ambiguous triples). With the original separating-set rule the
/// orientations can depend on the variable order, because the separating sets do; the majority
/// and conservative rules look at all separating sets and do not. When the test has a member
/// `max_condition_size()` (fisher_z_test: what the sample size allows), larger sets are not tried.
template <IndependenceTest Test>
pc_result pc(const Test& test, const pc_options& options = {}) {
    using causalrec::cat;
    if (!(options.alpha > 0.0 && options.alpha < 1.0)) throw argument_error(cat("pc: alpha must be in (0, 1), got ", options.alpha));
    const std::size_t n = test.variables();
    if (n < 2) throw argument_error(cat("pc: needs at least 2 variables, got ", n));
    pc_result out{causal_graph::complete(n), std::vector<std::vector<std::size_t>>(n * n), std::vector<char>(n * n, 0)};
    causal_graph& g = out.graph;
    std::size_t max_level = options.max_condition_size;
    if constexpr (requires { { test.max_condition_size() } -> std::convertible_to<std::size_t>; })
        max_level = std::min<std::size_t>(max_level, test.max_condition_size());
    std::vector<std::size_t> subset;
    for (std::size_t level = 0; level <= max_level; ++level) {
        std::vector<std::vector<std::size_t>> frozen(n);
        for (std::size_t i = 0; i < n; ++i) frozen[i] = g.neighbours(i);
        bool any = false;
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j : frozen[i]) {
                if (!g.adjacent(i, j)) continue;
                if (level == 0 && j < i) continue;  // (j, i) given {} was already tested: tests are symmetric
                std::vector<std::size_t> pool;
                for (std::size_t k : frozen[i])
                    if (k != j) pool.push_back(k);
                if (pool.size() < level) continue;
                any = true;
                out.max_condition_size_used = std::max(out.max_condition_size_used, level);
                detail::for_each_subset(pool, level, subset, [&](const std::vector<std::size_t>& s) {
                    ++out.tests;
                    if (detail::checked_p_value(test, i, j, s) < options.alpha) return false;
                    g.remove_edge(i, j);
                    auto sorted = s;
                    std::sort(sorted.begin(), sorted.end());
                    out.separating_sets[i * n + j] = out.separating_sets[j * n + i] = sorted;
                    out.separated[i * n + j] = out.separated[j * n + i] = 1;
                    return true;
                });
            }
        if (!any) break;
    }
    if (!options.orient) return out;
    // Classify every unshielded triple a -- c -- b, then orient all v-structures' arrowheads at once.
    enum class triple_kind : std::uint8_t { collider, non_collider, ambiguous };
    std::vector<std::array<std::size_t, 3>> ambiguous;  // {smaller end, middle, larger end}, sorted
    std::vector<char> head(n * n, 0);  // head[x * n + y]: some v-structure puts an arrowhead x -> y
    for (std::size_t c = 0; c < n; ++c) {
        const auto nb = g.neighbours(c);
        for (std::size_t x = 0; x < nb.size(); ++x)
            for (std::size_t y = x + 1; y < nb.size(); ++y) {
                const std::size_t a = nb[x], b = nb[y];
                if (g.adjacent(a, b)) continue;
                triple_kind k;
                if (options.colliders == collider_rule::separating_set) {
                    const auto& sep = out.separating_sets[a * n + b];
                    k = std::find(sep.begin(), sep.end(), c) == sep.end() ? triple_kind::collider : triple_kind::non_collider;
                } else {
                    // Every separating set of (a, b) among subsets of the neighbours of a, and of b.
                    std::vector<std::vector<std::size_t>> seen;
                    std::size_t separating = 0, with_c = 0;
                    for (std::size_t side : {a, b}) {
                        std::vector<std::size_t> pool;
                        for (std::size_t v : g.neighbours(side))
                            if (v != a && v != b) pool.push_back(v);
                        const std::size_t top = std::min(pool.size(), max_level);
                        for (std::size_t size = 0; size <= top; ++size)
                            detail::for_each_subset(pool, size, subset, [&](const std::vector<std::size_t>& set) {
                                auto sorted = set;
                                std::sort(sorted.begin(), sorted.end());
                                if (std::find(seen.begin(), seen.end(), sorted) != seen.end()) return false;
                                seen.push_back(sorted);
                                ++out.tests;
                                if (detail::checked_p_value(test, a, b, set) >= options.alpha) {
                                    ++separating;
                                    with_c += std::find(sorted.begin(), sorted.end(), c) != sorted.end();
                                }
                                return false;
                            });
                    }
                    if (separating == 0)
                        k = triple_kind::ambiguous;
                    else if (options.colliders == collider_rule::majority)
                        k = 2 * with_c < separating ? triple_kind::collider
                            : 2 * with_c > separating ? triple_kind::non_collider : triple_kind::ambiguous;
                    else
                        k = with_c == 0 ? triple_kind::collider : with_c == separating ? triple_kind::non_collider : triple_kind::ambiguous;
                }
                if (k == triple_kind::ambiguous) ambiguous.push_back({std::min(a, b), c, std::max(a, b)});
                if (k == triple_kind::collider) head[a * n + c] = head[b * n + c] = 1;
            }
    }
    std::sort(ambiguous.begin(), ambiguous.end());
    out.ambiguous_triples = ambiguous.size();
    std::vector<char> locked(n * n, 0);  // edges two v-structures orient oppositely: Meek's rules leave them
    for (std::size_t x = 0; x < n; ++x)
        for (std::size_t y = x + 1; y < n; ++y) {
            const bool xy = head[x * n + y], yx = head[y * n + x];
            if (xy && yx) ++out.conflicts, locked[x * n + y] = locked[y * n + x] = 1;
            else if (xy) g.add_directed(x, y);
            else if (yx) g.add_directed(y, x);
        }
    detail::apply_meek_rules(
        g,
        [&](std::size_t a, std::size_t c, std::size_t b) {
            return std::binary_search(ambiguous.begin(), ambiguous.end(), std::array<std::size_t, 3>{std::min(a, b), c, std::max(a, b)});
        },
        locked, out.conflicts);
    return out;
}

/// PC on data with Fisher's z test (linear Gaussian data): pc(fisher_z_test(data), options).
template <std::floating_point T>
pc_result pc(const matrix<T>& data, const pc_options& options = {}) {
    return pc(fisher_z_test(data), options);
}

/// How an estimated graph compares with the true one (both DAGs or CPDAGs over the same variables).
struct graph_comparison {
    std::size_t true_edges = 0;        ///< edges of the truth
    std::size_t estimated_edges = 0;   ///< edges of the estimate
    std::size_t skeleton_true_positives = 0;  ///< adjacencies in both
    double skeleton_precision = 0.0;   ///< shared adjacencies / estimated adjacencies (1 when none estimated)
    double skeleton_recall = 0.0;      ///< shared adjacencies / true adjacencies (1 when none true)
    double skeleton_f1 = 0.0;          ///< harmonic mean of the two
    double arrowhead_precision = 0.0;  ///< correct arrowheads / estimated arrowheads (1 when none estimated)
    double arrowhead_recall = 0.0;     ///< correct arrowheads / true arrowheads (1 when none true)
    std::size_t shd = 0;               ///< structural Hamming distance: pairs whose edge is missing, extra or differently marked
};

/// Compares `estimated` with `truth`. SHD counts each pair of variables once when the edge is
/// missing, extra, or present with other marks (a reversed or an undirected-vs-directed edge counts
/// 1), as pcalg's shd() does.
inline graph_comparison compare_graphs(const causal_graph& estimated, const causal_graph& truth) {
    if (estimated.size() != truth.size())
        throw shape_error(causalrec::cat("compare_graphs: the estimate has ", estimated.size(), " variables, the truth ", truth.size()));
    const std::size_t n = truth.size();
    graph_comparison c;
    std::size_t est_heads = 0, true_heads = 0, shared_heads = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            if (i == j) continue;
            const bool eh = estimated.directed(j, i), th = truth.directed(j, i);  // arrowhead at i on edge j -> i
            est_heads += eh, true_heads += th, shared_heads += eh && th;
            if (i > j) continue;
            const bool ea = estimated.adjacent(i, j), ta = truth.adjacent(i, j);
            c.estimated_edges += ea, c.true_edges += ta, c.skeleton_true_positives += ea && ta;
            if (ea != ta)
                ++c.shd;
            else if (ea && (estimated.directed(i, j) != truth.directed(i, j) || estimated.directed(j, i) != truth.directed(j, i)))
                ++c.shd;
        }
    auto ratio = [](std::size_t a, std::size_t b) { return b == 0 ? 1.0 : static_cast<double>(a) / static_cast<double>(b); };
    c.skeleton_precision = ratio(c.skeleton_true_positives, c.estimated_edges);
    c.skeleton_recall = ratio(c.skeleton_true_positives, c.true_edges);
    const double s = c.skeleton_precision + c.skeleton_recall;
    c.skeleton_f1 = s > 0.0 ? 2.0 * c.skeleton_precision * c.skeleton_recall / s : 0.0;
    c.arrowhead_precision = ratio(shared_heads, est_heads);
    c.arrowhead_recall = ratio(shared_heads, true_heads);
    return c;
}

/// Options of simulate_linear_sem.
struct linear_sem_options {
    std::size_t variables = 10;       ///< number of variables (>= 2)
    double expected_degree = 2.0;     ///< expected number of edges per variable (in + out); edge probability degree / (variables - 1)
    std::size_t samples = 1000;       ///< rows of data (>= 1)
    double min_weight = 0.5;          ///< edge weights are uniform in +-[min_weight, max_weight]
    double max_weight = 1.5;          ///< see min_weight
    double noise_std = 1.0;           ///< standard deviation of each variable's Gaussian noise (> 0)
    std::uint64_t seed = 42;          ///< everything is drawn from this seed
};

/// A simulated linear Gaussian structural equation model with its truth.
struct linear_sem {
    matrix<double> data;     ///< samples x variables
    matrix<double> weights;  ///< weights(i, j): coefficient of x_i in the equation of x_j (0 without an edge)
    causal_graph dag;        ///< the true DAG
    causal_graph cpdag;      ///< its CPDAG: the most any method can recover from observational data
};

/// Draws a random DAG (a random variable order, each forward pair joined with the edge probability),
/// edge weights, and `samples` rows of x_j = sum_i weights(i, j) x_i + noise_j.
inline linear_sem simulate_linear_sem(const linear_sem_options& o = {}) {
    using causalrec::cat;
    if (o.variables < 2) throw argument_error(cat("simulate_linear_sem: needs at least 2 variables, got ", o.variables));
    if (o.samples < 1) throw argument_error("simulate_linear_sem: needs at least 1 sample");
    if (!(o.expected_degree >= 0.0)) throw argument_error(cat("simulate_linear_sem: expected_degree must be >= 0, got ", o.expected_degree));
    if (!(o.min_weight > 0.0 && o.max_weight >= o.min_weight && std::isfinite(o.max_weight)))
        throw argument_error(cat("simulate_linear_sem: need 0 < min_weight <= max_weight, got ", o.min_weight, " and ", o.max_weight));
    if (!(o.noise_std > 0.0)) throw argument_error(cat("simulate_linear_sem: noise_std must be > 0, got ", o.noise_std));
    const std::size_t d = o.variables;
    const double p = std::min(1.0, o.expected_degree / static_cast<double>(d - 1));
    rng engine(o.seed);
    const auto order = engine.permutation(d);
    linear_sem out{matrix<double>::from_shape({o.samples, d}), matrix<double>::from_shape({d, d}), causal_graph(d), causal_graph(d)};
    out.weights.fill(0.0);
    for (std::size_t a = 0; a < d; ++a)
        for (std::size_t b = a + 1; b < d; ++b)
            if (engine.bernoulli(p)) {
                const double w = engine.uniform(o.min_weight, o.max_weight) * (engine.bernoulli(0.5) ? 1.0 : -1.0);
                out.weights(order[a], order[b]) = w;
                out.dag.add_directed(order[a], order[b]);
            }
    for (std::size_t r = 0; r < o.samples; ++r)
        for (std::size_t a = 0; a < d; ++a) {
            const std::size_t j = order[a];
            double v = engine.normal(0.0, o.noise_std);
            for (std::size_t b = 0; b < a; ++b) v += out.weights(order[b], j) * out.data(r, order[b]);
            out.data(r, j) = v;
        }
    out.cpdag = cpdag_of(out.dag);
    return out;
}

}  // namespace causalrec::causal
