#pragma once
/// @file
/// Definitions of the non-template member functions declared in causal/discovery/graph.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../graph.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE auto causal_graph::complete(std::size_t n) -> causal_graph {
    causal_graph g(n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) g.marks_[i * n + j] = i != j;
    return g;
}

CAUSALREC_INLINE auto causal_graph::neighbours(std::size_t i) const -> std::vector<std::size_t> {
    std::vector<std::size_t> out;
    for (std::size_t j = 0; j < n_; ++j)
        if (j != i && adjacent(i, j)) out.push_back(j);
    return out;
}

CAUSALREC_INLINE auto causal_graph::parents(std::size_t j) const -> std::vector<std::size_t> {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < n_; ++i)
        if (i != j && directed(i, j)) out.push_back(i);
    return out;
}

CAUSALREC_INLINE auto causal_graph::edges() const -> std::vector<graph_edge> {
    std::vector<graph_edge> out;
    for (std::size_t i = 0; i < n_; ++i)
        for (std::size_t j = 0; j < n_; ++j) {
            if (directed(i, j)) out.push_back({i, j, true});
            if (i < j && undirected(i, j)) out.push_back({i, j, false});
            if (i < j && bidirected(i, j)) out.push_back({i, j, false, true});
        }
    return out;
}

CAUSALREC_INLINE bool causal_graph::is_dag() const {
    for (std::size_t i = 0; i < n_; ++i)
        for (std::size_t j = i + 1; j < n_; ++j)
            if (undirected(i, j) || bidirected(i, j)) return false;
    return topological_order().size() == n_;
}

CAUSALREC_INLINE auto causal_graph::to_endpoint_matrix() const -> std::vector<int> {
    std::vector<int> m(n_ * n_, 0);
    for (std::size_t i = 0; i < n_; ++i)
        for (std::size_t j = 0; j < n_; ++j) {
            if (i == j || !adjacent(i, j)) continue;
            // The mark at i: an arrowhead when the edge points into i (j -> i or i <-> j), else a tail.
            m[i * n_ + j] = directed(j, i) || bidirected(i, j) ? 1 : -1;
        }
    return m;
}

CAUSALREC_INLINE auto causal_graph::from_endpoint_matrix(std::size_t n, std::span<const int> marks) -> causal_graph {
    constexpr const char* fn = "causal_graph::from_endpoint_matrix";
    if (marks.size() != n * n) throw argument_error(causalrec::error_message("causal", fn, "expected ", n, " x ", n, " = ", n * n, " marks, got ", marks.size()));
    causal_graph g(n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            const int a = marks[i * n + j], b = marks[j * n + i];
            if (a < -1 || a > 1) throw argument_error(causalrec::error_message("causal", fn, "mark (", i, ", ", j, ") is ", a, "; expected -1, 0 or 1"));
            if (i == j) {
                if (a != 0) throw argument_error(causalrec::error_message("causal", fn, "the diagonal mark (", i, ", ", i, ") is ", a, "; expected 0"));
                continue;
            }
            if ((a == 0) != (b == 0))
                throw argument_error(causalrec::error_message("causal", fn, "the pair (", i, ", ", j, ") has marks ", a, " and ", b, "; an edge needs a mark at both ends"));
            if (i > j || a == 0) continue;
            if (a == -1 && b == -1) g.add_undirected(i, j);
            else if (a == -1) g.add_directed(i, j);
            else if (b == -1) g.add_directed(j, i);
            else g.add_bidirected(i, j);
        }
    return g;
}

CAUSALREC_INLINE auto causal_graph::topological_order() const -> std::vector<std::size_t> {
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

CAUSALREC_INLINE std::string causal_graph::to_dot(std::span<const std::string> names) const {
    if (!names.empty() && names.size() != n_)
        throw shape_error(causalrec::cat("causalrec::causal::causal_graph::to_dot: ", names.size(), " names for ", n_, " variables"));
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
        out << "  \"" << name(e.from) << "\" -> \"" << name(e.to) << "\"" << (e.directed ? "" : e.bidirected ? " [dir=both]" : " [dir=none]") << ";\n";
    out << "}\n";
    return out.str();
}

CAUSALREC_INLINE bool causal_graph::mark(std::size_t i, std::size_t j) const {
    check(i, j);
    return marks_[i * n_ + j] != 0;
}

CAUSALREC_INLINE void causal_graph::set(std::size_t i, std::size_t j, bool on) {
    check(i, j);
    if (i == j) throw argument_error(causalrec::cat("causalrec::causal::causal_graph: no self-loops (variable ", i, ")"));
    marks_[i * n_ + j] = on;
}

CAUSALREC_INLINE void causal_graph::check(std::size_t i, std::size_t j) const {
    if (i >= n_ || j >= n_)
        throw argument_error(causalrec::cat("causalrec::causal::causal_graph: variable ", std::max(i, j), " out of range (", n_, " variables)"));
}

}  // namespace causalrec::causal
