#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/pc.hpp (the orientation
/// phase's bookkeeping, the test-free pc_orient): included by that header in the header-only build,
/// compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../pc.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE void pc_orient(pc_result& result, const pc_options& options) {
    if (options.colliders != collider_rule::separating_set || options.priority == collider_priority::stronger ||
        options.priority == collider_priority::stronger_star)
        throw argument_error("causalrec::causal::pc_orient: this collider rule or priority re-tests pairs; pass the independence test");
    pc_orient(result, detail::no_independence_test{result.graph.size()}, options);
}

}  // namespace causalrec::causal

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE void record_separation(pc_result& out, std::size_t i, std::size_t j, const std::vector<std::size_t>& s) {
    const std::size_t n = out.graph.size();
    auto sorted = s;
    std::sort(sorted.begin(), sorted.end());
    if (!out.separated[i * n + j]) out.separating_sets[i * n + j] = out.separating_sets[j * n + i] = sorted;
    out.separated[i * n + j] = out.separated[j * n + i] = 1;
    auto& all = out.all_separating_sets[i * n + j];
    if (std::find(all.begin(), all.end(), sorted) == all.end()) {
        all.push_back(sorted);
        out.all_separating_sets[j * n + i] = all;
    }
}

CAUSALREC_INLINE std::vector<std::pair<std::size_t, std::size_t>> adjacency_order(const causal_graph& g) {
    const std::size_t n = g.size();
    const auto m = g.to_endpoint_matrix();
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (int mark : {-1, 1})
        for (std::size_t r = 0; r < n; ++r)
            for (std::size_t c = 0; c < n; ++c)
                if (m[r * n + c] == mark) out.emplace_back(c, r);
    return out;
}

CAUSALREC_INLINE std::vector<std::array<std::size_t, 3>> ordered_triples(const causal_graph& g, bool shielded) {
    const auto adj = adjacency_order(g);
    std::vector<std::vector<std::size_t>> starting(g.size());
    for (std::size_t q = 0; q < adj.size(); ++q) starting[adj[q].first].push_back(q);
    std::vector<std::array<std::size_t, 3>> out;
    for (const auto& [a, b] : adj)
        for (std::size_t q : starting[b]) {
            const std::size_t c = adj[q].second;
            if (c != a && g.adjacent(a, c) == shielded) out.push_back({a, b, c});
        }
    return out;
}

CAUSALREC_INLINE std::vector<std::array<std::size_t, 4>> ordered_kites(const causal_graph& g, const std::vector<std::array<std::size_t, 3>>& triangles) {
    std::map<std::pair<std::size_t, std::size_t>, std::vector<std::size_t>> by_ends;
    for (std::size_t t = 0; t < triangles.size(); ++t) by_ends[{triangles[t][0], triangles[t][2]}].push_back(t);
    std::vector<std::array<std::size_t, 4>> out;
    for (const auto& t1 : triangles)
        for (std::size_t u : by_ends[{t1[0], t1[2]}]) {
            const auto& t2 = triangles[u];
            if (t1[1] < t2[1] && !g.adjacent(t1[1], t2[1])) out.push_back({t1[0], t1[1], t2[1], t1[2]});
        }
    return out;
}

CAUSALREC_INLINE void orient_edge(causal_graph& g, path_record& paths, std::size_t i, std::size_t j) {
    const bool was_directed = g.directed(i, j) || g.directed(j, i);
    g.remove_edge(i, j);
    if (was_directed) paths.rebuild(g);
    g.add_directed(i, j);
    paths.add(i, j);
}

CAUSALREC_INLINE bool knowledge_blocks_collider(const background_knowledge* known, std::size_t x, std::size_t y, std::size_t z) {
    return known && (!known->allows(x, y) || !known->allows(z, y) || known->requires_edge(y, x) || known->requires_edge(y, z));
}

CAUSALREC_INLINE bool knowledge_blocks(const background_knowledge* known, std::size_t a, std::size_t b) {
    return known && (!known->allows(a, b) || known->requires_edge(b, a));
}

CAUSALREC_INLINE void apply_knowledge_sequentially(causal_graph& g, path_record& paths, const background_knowledge* known) {
    if (!known) return;
    const std::size_t n = g.size();
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            if (!g.undirected(i, j)) continue;
            if (!known->allows(j, i)) orient_edge(g, paths, i, j);
            else if (!known->allows(i, j)) orient_edge(g, paths, j, i);
            else if (known->requires_edge(j, i)) orient_edge(g, paths, j, i);
            else if (known->requires_edge(i, j)) orient_edge(g, paths, i, j);
        }
}

CAUSALREC_INLINE void orient_sequentially(pc_result& out, const std::vector<classified_triple>& triples, const pc_options& options, path_record& paths) {
    causal_graph& g = out.graph;
    const background_knowledge* known = options.knowledge;
    std::vector<std::pair<std::size_t, std::size_t>> conflicts;
    auto conflict = [&](std::size_t a, std::size_t b) { conflicts.emplace_back(std::min(a, b), std::max(a, b)); };
    std::vector<classified_triple> colliders;
    std::vector<std::array<std::size_t, 3>> definite_colliders, definite_non_colliders;
    for (const auto& t : triples) {
        if (t.kind == classified_triple::collider) colliders.push_back(t);
        if (t.kind == classified_triple::non_collider) definite_non_colliders.push_back({t.x, t.y, t.z});
    }
    out.ambiguous_triples = static_cast<std::size_t>(std::count_if(triples.begin(), triples.end(), [](const auto& t) { return t.kind == classified_triple::ambiguous; }));
    if (options.priority == collider_priority::stronger)
        std::stable_sort(colliders.begin(), colliders.end(), [](const auto& a, const auto& b) { return a.strength < b.strength; });
    if (options.priority == collider_priority::stronger_star)
        std::stable_sort(colliders.begin(), colliders.end(), [](const auto& a, const auto& b) { return a.strength > b.strength; });
    for (const auto& [x, y, z, kind, strength] : colliders) {
        (void)kind, (void)strength;
        if (knowledge_blocks_collider(known, x, y, z)) continue;
        switch (options.priority) {
            case collider_priority::overwrite:
                if (g.directed(y, x)) conflict(x, y);
                if (g.directed(y, z)) conflict(y, z);
                orient_edge(g, paths, x, y), orient_edge(g, paths, z, y);
                break;
            case collider_priority::bidirected:
                for (std::size_t end : {x, z}) {
                    if (g.undirected(end, y)) {
                        g.remove_edge(end, y), g.add_directed(end, y), paths.add(end, y);
                    } else if (g.directed(y, end)) {
                        conflict(end, y);
                        g.remove_edge(end, y), paths.rebuild(g), g.add_bidirected(end, y);
                    }
                }
                break;
            default:  // existing, stronger, stronger*
                if (g.directed(y, x) || g.directed(y, z)) {
                    if (g.directed(y, x)) conflict(x, y);
                    if (g.directed(y, z)) conflict(y, z);
                    continue;
                }
                orient_edge(g, paths, x, y), orient_edge(g, paths, z, y);
                if (options.colliders == collider_rule::definite_max_p) definite_colliders.push_back({x, y, z});
        }
    }
    // Meek's rules one orientation at a time, skipping one the path record says would close a cycle.
    auto try_orient = [&](std::size_t a, std::size_t b) {
        if (knowledge_blocks(known, a, b) || paths.is_ancestor(b, a)) return false;
        g.remove_edge(a, b), g.add_directed(a, b), paths.add(a, b);
        return true;
    };
    // The triples, triangles and kites each pass lists, in causal-learn's order for the graph it starts from.
    auto triangles = ordered_triples(g, true);
    auto kites = ordered_kites(g, triangles);
    auto rule_two = [&] {
        bool changed = false;
        for (const auto& [i, j, k] : triangles)
            if (g.directed(i, j) && g.directed(j, k) && g.undirected(i, k)) changed |= try_orient(i, k);
        return changed;
    };
    if (options.colliders == collider_rule::definite_max_p) {
        auto listed = [](const std::vector<std::array<std::size_t, 3>>& list, std::size_t a, std::size_t b, std::size_t c) {
            return std::find(list.begin(), list.end(), std::array<std::size_t, 3>{a, b, c}) != list.end() ||
                   std::find(list.begin(), list.end(), std::array<std::size_t, 3>{c, b, a}) != list.end();
        };
        for (bool changed = true; changed;) {
            changed = false;
            for (const auto& [i, j, k] : definite_non_colliders) {
                if (g.directed(i, j) && g.undirected(j, k) && !knowledge_blocks(known, j, k)) changed |= try_orient(j, k);
                else if (g.directed(k, j) && g.undirected(j, i) && !knowledge_blocks(known, j, i)) changed |= try_orient(j, i);
            }
            changed |= rule_two();
            for (const auto& [i, j, k, l] : kites)
                if (listed(definite_colliders, j, l, k) && listed(definite_non_colliders, j, i, k) && g.undirected(i, l)) changed |= try_orient(i, l);
        }
    }
    if (options.colliders == collider_rule::definite_max_p) {
        triangles = ordered_triples(g, true);
        kites = ordered_kites(g, triangles);
    }
    const auto unshielded = ordered_triples(g, false);
    for (bool changed = true; changed;) {
        changed = false;
        for (const auto& [i, j, k] : unshielded)
            if (g.directed(i, j) && g.undirected(j, k)) changed |= try_orient(j, k);
        changed |= rule_two();
        for (const auto& [i, j, k, l] : kites)
            if (g.undirected(i, j) && g.undirected(i, k) && g.directed(j, l) && g.directed(k, l) && g.undirected(i, l)) changed |= try_orient(i, l);
    }
    std::sort(conflicts.begin(), conflicts.end());
    conflicts.erase(std::unique(conflicts.begin(), conflicts.end()), conflicts.end());
    out.conflicting_edges = std::move(conflicts);
    out.conflicts = out.conflicting_edges.size();
}

CAUSALREC_INLINE void orient_all_at_once(pc_result& out, const std::vector<classified_triple>& triples, const pc_options& options) {
    causal_graph& g = out.graph;
    const std::size_t n = g.size();
    const background_knowledge* known = options.knowledge;
    std::vector<std::array<std::size_t, 3>> ambiguous;  // {smaller end, middle, larger end}, sorted
    std::vector<char> head(n * n, 0);  // head[x * n + y]: some v-structure puts an arrowhead x -> y
    for (const auto& t : triples) {
        if (t.kind == classified_triple::ambiguous) ambiguous.push_back({t.x, t.y, t.z});
        if (t.kind == classified_triple::collider) head[t.x * n + t.y] = head[t.z * n + t.y] = 1;
    }
    std::sort(ambiguous.begin(), ambiguous.end());
    out.ambiguous_triples = ambiguous.size();
    std::vector<char> locked(n * n, 0);  // edges two v-structures orient oppositely: Meek's rules leave them
    std::size_t conflicts = 0;
    for (std::size_t x = 0; x < n; ++x)
        for (std::size_t y = x + 1; y < n; ++y) {
            const bool xy = head[x * n + y], yx = head[y * n + x];
            if (xy && yx) ++conflicts, locked[x * n + y] = locked[y * n + x] = 1;
            else if (xy) g.add_directed(x, y);
            else if (yx) g.add_directed(y, x);
        }
    if (known) {
        // The knowledge settles the edges it decides, also those two v-structures fought over.
        for (std::size_t x = 0; x < n; ++x)
            for (std::size_t y = 0; y < n; ++y)
                if (x != y && (known->requires_edge(x, y) || known->allows(x, y) != known->allows(y, x))) locked[x * n + y] = 0;
        known->apply_to(g);
    }
    apply_meek_rules(
        g,
        [&](std::size_t a, std::size_t c, std::size_t b) {
            return std::binary_search(ambiguous.begin(), ambiguous.end(), std::array<std::size_t, 3>{std::min(a, b), c, std::max(a, b)});
        },
        locked, conflicts);
    out.conflicts = conflicts;
    out.conflicting_edges.clear();
    for (std::size_t x = 0; x < n; ++x)
        for (std::size_t y = x + 1; y < n; ++y)
            if (locked[x * n + y] && g.undirected(x, y)) out.conflicting_edges.emplace_back(x, y);
}

CAUSALREC_INLINE void check_pc_options(const pc_options& options, std::size_t n, const char* fn) {
    if (!(options.alpha > 0.0 && options.alpha < 1.0)) throw argument_error(causalrec::error_message("causal", fn, "alpha must be in (0, 1), got ", options.alpha));
    if (n < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 variables, got ", n));
}

}  // namespace detail
}  // namespace causalrec::causal
