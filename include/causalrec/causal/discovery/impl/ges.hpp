#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/ges.hpp (GES and its graph helpers): included by
/// that header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../ges.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE ges_result ges(const matrix<double>& x, double penalty, const background_knowledge* knowledge) {
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
