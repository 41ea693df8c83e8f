#pragma once
/// @file
/// Greedy equivalence search (Chickering, "Optimal structure identification with greedy search", JMLR
/// 2002): a forward phase of Insert operators and a backward phase of Delete operators over CPDAGs,
/// each step the one that raises a decomposable score the most, with the Gaussian BIC score of linear
/// models (from data or from a known covariance: the oracle) or the BDeu score of categorical data.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "../../core/checks.hpp"
#include "../../core/compiler.hpp"
#include "../../core/error.hpp"
#include "../../core/linalg.hpp"
#include "../../core/message.hpp"
#include "../../core/tensor.hpp"
#include "graph.hpp"
#include "knowledge.hpp"

namespace causalrec::causal {

/// A decomposable score for GES: `variables()` and `local(y, parents)`, the score of node y with that
/// parent set (higher is better); the score of a DAG is the sum over its nodes.
template <class S>
concept DecomposableScore = requires(const S& s, std::size_t y, std::span<const std::size_t> parents) {
    { s.variables() } -> std::convertible_to<std::size_t>;
    { s.local(y, parents) } -> std::convertible_to<double>;
};

/// The BIC of linear Gaussian models from a covariance matrix: local(y, P) = -n/2 log(sigma^2_{y|P}) -
/// penalty log(n)/2 |P|, with sigma^2_{y|P} the residual variance of y regressed on P (from the
/// covariance). Built from data (the covariance of the centred columns, divided by n) or from a known
/// covariance with a nominal n (the oracle score: with the true covariance, spurious parents never
/// help and true ones always do for large n).
class gaussian_bic {
public:
    /// The score of rows of X (samples x variables); raises argument_error for fewer than 2
    /// variables, fewer rows than variables + 2 (a variable regressed on all the others would be
    /// fitted exactly), a constant column or penalty <= 0, and numeric_error for a non-finite value.
    explicit gaussian_bic(const matrix<double>& x, double penalty = 1.0);

    /// The score of a known covariance (d x d, symmetric positive definite) with a nominal sample size n.
    gaussian_bic(matrix<double> covariance, double n, double penalty);

    /// Number of variables.
    std::size_t variables() const noexcept { return covariance_.shape()[0]; }

    /// The local score of y with parents P (memoised).
    double local(std::size_t y, std::span<const std::size_t> parents) const;

private:
    void check_penalty() const {
        if (!(penalty_ > 0.0)) throw argument_error(causalrec::error_message("causal", "gaussian_bic", "penalty must be > 0, got ", penalty_));
    }

    matrix<double> covariance_{};
    double n_ = 0.0, penalty_ = 1.0;
    mutable std::map<std::vector<std::size_t>, double> cache_{};
};

/// The BDeu score of categorical data (Heckerman, Geiger & Chickering 1995): local(y, P) = sum over the
/// parent configurations j of [lgamma(a / q) - lgamma(a / q + N_j) + sum over y's states k of
/// (lgamma(a / (q r) + N_jk) - lgamma(a / (q r)))], with a the equivalent sample size, r y's number of
/// states and q the product of the parents' (pgmpy's BDeuScore). Columns hold category codes
/// (non-negative integers, renumbered internally).
class bdeu_score {
public:
    /// The score of category codes (samples x variables); raises argument_error for fewer than 2 rows
    /// or variables, a code that is not a non-negative integer, or equivalent_sample_size <= 0.
    explicit bdeu_score(const matrix<double>& codes, double equivalent_sample_size = 10.0);

    /// Number of variables.
    std::size_t variables() const noexcept { return d_; }
    /// Number of states of variable c (distinct codes).
    std::size_t states(std::size_t c) const { return states_.at(c); }

    /// The local score of y with parents P (memoised).
    double local(std::size_t y, std::span<const std::size_t> parents) const;

private:
    std::size_t n_, d_;
    double ess_;
    std::vector<std::size_t> codes_, states_;
    mutable std::map<std::vector<std::size_t>, double> cache_{};
};

/// What ges returns.
struct ges_result {
    causal_graph cpdag{};          ///< the equivalence class found
    std::size_t insertions = 0;    ///< forward steps taken
    std::size_t deletions = 0;     ///< backward steps taken
};

namespace detail {

/// Undirected neighbours of y.
std::vector<std::size_t> undirected_neighbours(const causal_graph& g, std::size_t y);

/// True when every pair of `nodes` is adjacent in g.
bool is_clique(const causal_graph& g, const std::vector<std::size_t>& nodes);

/// True when some semi-directed path (edges a -> b or a -- b) leads from `from` to `to` without passing
/// through a node of `blocked`.
bool semi_directed_path(const causal_graph& g, std::size_t from, std::size_t to, const std::vector<std::size_t>& blocked);

/// A DAG in the class of a partially directed graph (Dor & Tarsi 1992), then its CPDAG. Returns false
/// (and leaves g) when the PDAG has no consistent extension.
bool complete_to_cpdag(causal_graph& g);

/// Every subset of `items` (as index lists), the empty one first; at most 2^16 of them.
std::vector<std::vector<std::size_t>> subsets_of(const std::vector<std::size_t>& items);

}  // namespace detail

/// Greedy equivalence search with any decomposable score, from the empty graph: the forward phase
/// applies the valid Insert(X, Y, T) with the largest score gain while one gains, the backward phase
/// the valid Delete(X, Y, H) likewise (Chickering 2002, Theorems 15 and 17 for validity, Corollaries 16
/// and 18 for the gains); after each step the graph is completed to its CPDAG. With a consistent
/// score and enough data it returns the true CPDAG.
///
/// Background knowledge (null: none) restricts the search: the required edges are in the graph from
/// the start and never deleted, an Insert or Delete that would point an edge against the knowledge
/// is not taken, and at the end the knowledge orients what it decides and Meek's rules complete the
/// result (which is then a CPDAG refined by the knowledge). Raises argument_error when the required
/// edges contain a cycle.
template <DecomposableScore Score>
ges_result ges(const Score& score, const background_knowledge* knowledge = nullptr) {
    const std::size_t d = score.variables();
    ges_result out;
    out.cpdag = causal_graph(d);
    causal_graph& g = out.cpdag;
    const background_knowledge* known = knowledge;
    if (known) {
        known->check(d, "ges");
        for (const auto& [a, b] : known->required) g.add_directed(a, b);
        if (!g.is_dag() || !detail::complete_to_cpdag(g))
            throw argument_error(causalrec::error_message("causal", "ges", "the required edges of the background knowledge form a cycle"));
    }
    auto allowed = [&](std::size_t a, std::size_t b) { return !known || known->allows(a, b); };
    auto with = [](std::vector<std::size_t> v, std::size_t extra) {
        v.push_back(extra);
        return v;
    };
    auto joined = [](std::vector<std::size_t> a, const std::vector<std::size_t>& b) {
        a.insert(a.end(), b.begin(), b.end());
        return a;
    };
    // Forward.
    for (;;) {
        double best = 0.0;
        std::size_t bx = 0, by = 0;
        std::vector<std::size_t> bt;
        for (std::size_t x = 0; x < d; ++x)
            for (std::size_t y = 0; y < d; ++y) {
                if (x == y || g.adjacent(x, y)) continue;
                const auto neighbours = detail::undirected_neighbours(g, y);
                std::vector<std::size_t> na, t0;
                for (std::size_t z : neighbours) (g.adjacent(z, x) ? na : t0).push_back(z);
                const auto parents = g.parents(y);
                if (!allowed(x, y)) continue;
                for (const auto& t : detail::subsets_of(t0)) {
                    if (!std::all_of(t.begin(), t.end(), [&](std::size_t v) { return allowed(v, y); })) continue;
                    const auto na_t = joined(na, t);
                    if (!detail::is_clique(g, na_t)) continue;
                    if (detail::semi_directed_path(g, y, x, na_t)) continue;
                    const auto base = joined(parents, na_t);
                    const double gain = score.local(y, with(base, x)) - score.local(y, base);
                    if (gain > best) best = gain, bx = x, by = y, bt = t;
                }
            }
        if (!(best > 0.0)) break;
        g.add_directed(bx, by);
        for (std::size_t t : bt) g.add_directed(t, by);
        if (!detail::complete_to_cpdag(g)) throw numeric_error("causalrec::causal::ges: an insertion left a graph without a DAG extension");
        ++out.insertions;
    }
    // Backward.
    for (;;) {
        double best = 0.0;
        std::size_t bx = 0, by = 0;
        std::vector<std::size_t> bh;
        for (std::size_t x = 0; x < d; ++x)
            for (std::size_t y = 0; y < d; ++y) {
                if (x == y || !(g.directed(x, y) || g.undirected(x, y))) continue;
                if (known && (known->requires_edge(x, y) || known->requires_edge(y, x))) continue;
                std::vector<std::size_t> na;
                for (std::size_t z : detail::undirected_neighbours(g, y))
                    if (z != x && g.adjacent(z, x)) na.push_back(z);
                std::vector<std::size_t> parents;
                for (std::size_t p : g.parents(y))
                    if (p != x) parents.push_back(p);
                for (const auto& h : detail::subsets_of(na)) {
                    if (!std::all_of(h.begin(), h.end(), [&](std::size_t v) { return allowed(y, v) && (!g.undirected(x, v) || allowed(x, v)); })) continue;
                    std::vector<std::size_t> rest;
                    for (std::size_t z : na)
                        if (std::find(h.begin(), h.end(), z) == h.end()) rest.push_back(z);
                    if (!detail::is_clique(g, rest)) continue;
                    const auto base = joined(parents, rest);
                    const double gain = score.local(y, base) - score.local(y, with(base, x));
                    if (gain > best) best = gain, bx = x, by = y, bh = h;
                }
            }
        if (!(best > 0.0)) break;
        g.remove_edge(bx, by);
        for (std::size_t h : bh) {
            g.add_directed(by, h);
            if (g.undirected(bx, h)) g.add_directed(bx, h);
        }
        if (!detail::complete_to_cpdag(g)) throw numeric_error("causalrec::causal::ges: a deletion left a graph without a DAG extension");
        ++out.deletions;
    }
    if (known) {
        known->apply_to(g);
        apply_meek_rules(g);
    }
    return out;
}

/// GES on rows of X with the Gaussian BIC (gaussian_bic(X, penalty)) and optional background knowledge;
/// raises the score's errors under the name ges.
ges_result ges(const matrix<double>& x, double penalty = 1.0, const background_knowledge* knowledge = nullptr);

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/ges.hpp"
#endif
