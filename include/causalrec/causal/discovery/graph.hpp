#pragma once
/// @file
/// Graphs of causal discovery: causal_graph (DAGs, CPDAGs, skeletons; Graphviz output), d-separation,
/// Meek's orientation rules, the CPDAG of a DAG, and the comparison of an estimated graph with the truth.

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <initializer_list>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/message.hpp"
#include "../../core/error.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../concepts.hpp"

namespace causalrec::causal {

/// One edge of a causal_graph: `from -> to` when directed, `from -- to` (from < to) when undirected,
/// `from <-> to` (from < to) when bidirected.
struct graph_edge {
    std::size_t from = 0;     ///< tail (directed) or smaller endpoint (undirected, bidirected)
    std::size_t to = 0;       ///< head (directed) or larger endpoint (undirected, bidirected)
    bool directed = false;    ///< true for from -> to
    bool bidirected = false;  ///< true for from <-> to (arrowheads at both ends; PC's conflict resolution can write them)

    /// Edges compare equal when endpoints and direction agree.
    friend bool operator==(const graph_edge&, const graph_edge&) = default;
};

/// A graph over variables 0..n-1 whose edges are directed (i -> j), undirected (i -- j) or bidirected
/// (i <-> j): a DAG, a CPDAG (the equivalence class PC returns), a skeleton, or the output of PC with
/// a conflict rule that writes i <-> j. Stored as an n x n mark matrix: mark(i, j) = 1 when the edge
/// i -> j or i -- j exists, 2 at both ends of i <-> j.
class causal_graph {
public:
    /// An empty graph over n variables.
    explicit causal_graph(std::size_t n = 0) : n_(n), marks_(n * n, 0) {}

    /// The complete undirected graph over n variables (PC's starting point).
    static causal_graph complete(std::size_t n);

    /// Number of variables.
    std::size_t size() const noexcept { return n_; }

    /// True when i and j are joined by any edge.
    bool adjacent(std::size_t i, std::size_t j) const { return mark(i, j) || mark(j, i); }
    /// True for the directed edge i -> j.
    bool directed(std::size_t i, std::size_t j) const { return mark(i, j) && !mark(j, i); }
    /// True for the undirected edge i -- j.
    bool undirected(std::size_t i, std::size_t j) const { return raw(i, j) == 1 && raw(j, i) == 1; }
    /// True for the bidirected edge i <-> j.
    bool bidirected(std::size_t i, std::size_t j) const { return raw(i, j) == 2; }

    /// Adds (or turns into) the directed edge i -> j.
    void add_directed(std::size_t i, std::size_t j) { set(i, j, true), set(j, i, false); }
    /// Adds (or turns into) the undirected edge i -- j.
    void add_undirected(std::size_t i, std::size_t j) { set(i, j, true), set(j, i, true); }
    /// Adds (or turns into) the bidirected edge i <-> j.
    void add_bidirected(std::size_t i, std::size_t j) { set(i, j, true), set(j, i, true), marks_[i * n_ + j] = marks_[j * n_ + i] = 2; }
    /// Removes any edge between i and j.
    void remove_edge(std::size_t i, std::size_t j) { set(i, j, false), set(j, i, false); }

    /// Variables adjacent to i, in increasing order.
    std::vector<std::size_t> neighbours(std::size_t i) const;

    /// Variables with a directed edge into j, in increasing order.
    std::vector<std::size_t> parents(std::size_t j) const;

    /// Every edge once: directed edges as from -> to, undirected and bidirected ones with from < to; sorted.
    std::vector<graph_edge> edges() const;

    /// Number of edges.
    std::size_t edge_count() const { return edges().size(); }

    /// The graph as causal-learn's endpoint matrix (n x n, row-major): m[i * n + j] is the mark at i of
    /// the edge between i and j: -1 a tail, 1 an arrowhead, 0 no edge. So i -> j is m[i,j] = -1,
    /// m[j,i] = 1; i -- j is -1 / -1; i <-> j is 1 / 1.
    std::vector<int> to_endpoint_matrix() const;

    /// The graph of a causal-learn endpoint matrix (see to_endpoint_matrix). Raises argument_error when
    /// `marks` is not n x n, holds a value other than -1, 0, 1, marks the diagonal, or gives a pair one
    /// mark and no other.
    static causal_graph from_endpoint_matrix(std::size_t n, std::span<const int> marks);

    /// True when every edge is directed and there is no directed cycle.
    bool is_dag() const;

    /// The variables in an order where every directed edge points forward (Kahn's algorithm over the
    /// directed edges; shorter than size() when they contain a cycle).
    std::vector<std::size_t> topological_order() const;

    /// The graph in Graphviz DOT ("digraph"; undirected edges drawn without arrowheads). `names` may
    /// be empty (then x0, x1, ...) or hold one name per variable.
    std::string to_dot(std::span<const std::string> names = {}) const;

    /// to_dot with the names written in place: g.to_dot({"age", "income", "spend"}).
    std::string to_dot(std::initializer_list<std::string> names) const {
        return to_dot(std::span<const std::string>(names.begin(), names.size()));
    }

    /// Graphs are equal when they have the same variables and edges.
    friend bool operator==(const causal_graph&, const causal_graph&) = default;

private:
    bool mark(std::size_t i, std::size_t j) const;
    std::uint8_t raw(std::size_t i, std::size_t j) const { return mark(i, j) ? marks_[i * n_ + j] : 0; }
    void set(std::size_t i, std::size_t j, bool on);
    void check(std::size_t i, std::size_t j) const;

    std::size_t n_ = 0;
    std::vector<std::uint8_t> marks_;
};

namespace detail {

/// Raises argument_error unless i, j and every member of s are distinct variables below n.
inline void check_test_arguments(const char* fn, std::size_t n, std::size_t i, std::size_t j, std::span<const std::size_t> s) {
    using causalrec::cat;
    if (i >= n || j >= n) throw argument_error(causalrec::error_message("causal", fn, "variable ", std::max(i, j), " out of range (", n, " variables)"));
    if (i == j) throw argument_error(causalrec::error_message("causal", fn, "the two variables are the same (", i, ")"));
    for (std::size_t k : s) {
        if (k >= n) throw argument_error(causalrec::error_message("causal", fn, "conditioning variable ", k, " out of range (", n, " variables)"));
        if (k == i || k == j) throw argument_error(causalrec::error_message("causal", fn, "conditioning set contains the tested variable ", k));
    }
}

/// Upper-tail probability of the standard normal beyond |z|, times two.
inline double two_sided_normal_p(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

}  // namespace detail

namespace detail {

/// d-separation of x_i and x_j by S in the DAG whose parent lists are `parents` (not re-validated:
/// the caller checked that they form a DAG).
inline bool d_separated_in(const std::vector<std::vector<std::size_t>>& parents, std::size_t i, std::size_t j, std::span<const std::size_t> s) {
    const std::size_t n = parents.size();
    std::vector<char> keep(n, 0), blocked(n, 0), seen(n, 0);
    std::vector<std::size_t> stack{i, j};
    for (std::size_t k : s) stack.push_back(k), blocked[k] = 1;
    while (!stack.empty()) {
        const std::size_t v = stack.back();
        stack.pop_back();
        if (keep[v]) continue;
        keep[v] = 1;
        for (std::size_t p : parents[v]) stack.push_back(p);
    }
    // Moral graph over the kept variables.
    std::vector<std::vector<std::size_t>> links(n);
    for (std::size_t v = 0; v < n; ++v) {
        if (!keep[v]) continue;
        const auto& ps = parents[v];
        for (std::size_t a = 0; a < ps.size(); ++a) {
            links[v].push_back(ps[a]), links[ps[a]].push_back(v);
            for (std::size_t b = a + 1; b < ps.size(); ++b) links[ps[a]].push_back(ps[b]), links[ps[b]].push_back(ps[a]);
        }
    }
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

/// The parent list of every variable of g.
inline std::vector<std::vector<std::size_t>> parent_lists(const causal_graph& g) {
    std::vector<std::vector<std::size_t>> out(g.size());
    for (std::size_t v = 0; v < g.size(); ++v) out[v] = g.parents(v);
    return out;
}

}  // namespace detail

/// True when x_i and x_j are d-separated by S in the DAG (the moralised ancestral graph criterion:
/// keep the ancestors of {i, j} and S, marry parents, drop directions, remove S, test connection).
inline bool d_separated(const causal_graph& dag, std::size_t i, std::size_t j, std::span<const std::size_t> s) {
    detail::check_test_arguments("d_separated", dag.size(), i, j, s);
    if (!dag.is_dag()) throw argument_error("causalrec::causal::d_separated: the graph is not a DAG (undirected edges or a cycle)");
    return detail::d_separated_in(detail::parent_lists(dag), i, j, s);
}

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
    if (!dag.is_dag()) throw argument_error("causalrec::causal::cpdag_of: the graph is not a DAG (undirected edges or a cycle)");
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
        throw shape_error(causalrec::cat("causalrec::causal::compare_graphs: the estimate has ", estimated.size(), " variables, the truth ", truth.size()));
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
            else if (ea && (estimated.directed(i, j) != truth.directed(i, j) || estimated.directed(j, i) != truth.directed(j, i) ||
                            estimated.bidirected(i, j) != truth.bidirected(i, j)))
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

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/graph.hpp"
#endif
