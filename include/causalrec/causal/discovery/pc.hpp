#pragma once
/// @file
/// The PC algorithm (Spirtes, Glymour & Scheines 2000) in its "stable" form (Colombo & Maathuis, JMLR
/// 2014) over any IndependenceTest, with separating-set, majority or conservative collider rules.

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

#include "../../core/message.hpp"
#include "../../core/error.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../concepts.hpp"
#include "graph.hpp"
#include "knowledge.hpp"
#include "independence.hpp"

namespace causalrec::causal {

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
    if (!(p >= 0.0 && p <= 1.0)) throw numeric_error(causalrec::cat("causalrec::causal::pc: the test returned p-value ", p, " for variables ", a, ", ", b));
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
    /// Background knowledge (null: none): edges allowed in neither direction are never in the graph,
    /// required edges are never tested away, and after the v-structures the knowledge orients what it
    /// decides (it wins over a v-structure) before Meek's rules run.
    const background_knowledge* knowledge = nullptr;
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
            throw argument_error(causalrec::cat("causalrec::causal::pc_result::separating_set: variable ", std::max(i, j), " out of range (",
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
    if (!(options.alpha > 0.0 && options.alpha < 1.0)) throw argument_error(cat("causalrec::causal::pc: alpha must be in (0, 1), got ", options.alpha));
    const std::size_t n = test.variables();
    if (n < 2) throw argument_error(cat("causalrec::causal::pc: needs at least 2 variables, got ", n));
    pc_result out{causal_graph::complete(n), std::vector<std::vector<std::size_t>>(n * n), std::vector<char>(n * n, 0)};
    causal_graph& g = out.graph;
    const background_knowledge* known = options.knowledge;
    if (known) {
        known->check(n, "pc");
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j)
                if (!known->allows(i, j) && !known->allows(j, i)) g.remove_edge(i, j), out.separated[i * n + j] = out.separated[j * n + i] = 1;
    }
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
                if (known && (known->requires_edge(i, j) || known->requires_edge(j, i))) continue;
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
    if (known) {
        // The knowledge settles the edges it decides, also those two v-structures fought over.
        for (std::size_t x = 0; x < n; ++x)
            for (std::size_t y = 0; y < n; ++y)
                if (x != y && (known->requires_edge(x, y) || known->allows(x, y) != known->allows(y, x))) locked[x * n + y] = 0;
        known->apply_to(g);
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

}  // namespace causalrec::causal
