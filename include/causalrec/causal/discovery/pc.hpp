#pragma once
/// @file
/// The PC algorithm (Spirtes, Glymour & Scheines 2000) in its "stable" form (Colombo & Maathuis, JMLR
/// 2014) over any IndependenceTest: the skeleton search and the orientation phase, each callable on
/// its own, with the separating-set, majority, conservative, maxP and definite-maxP collider rules and
/// causal-learn's ways of resolving colliders that disagree (so that its results can be reproduced).

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
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../../core/compiler.hpp"
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

/// p-values memoised by (smaller variable, larger variable, sorted conditioning set): the skeleton
/// search tests a pair from both ends and the collider rules revisit sets, and the test runs once for
/// each. `tests()` counts the calls that reached the test.
template <class Test>
class memoised_test {
public:
    /// Wraps `test` (kept by reference).
    explicit memoised_test(const Test& test) : test_(test) {}

    /// The p-value of x_a independent of x_b given x_S (any order of a, b and S).
    double operator()(std::size_t a, std::size_t b, const std::vector<std::size_t>& s) {
        if (a > b) std::swap(a, b);
        sorted_.assign(s.begin(), s.end());
        std::sort(sorted_.begin(), sorted_.end());
        key_.clear();
        auto put = [&](std::size_t v) { key_.append(reinterpret_cast<const char*>(&v), sizeof v); };
        put(a), put(b);
        for (std::size_t v : sorted_) put(v);
        if (auto it = cache_.find(key_); it != cache_.end()) return it->second;
        ++tests_;
        const double p = checked_p_value(test_, a, b, sorted_);
        cache_.emplace(key_, p);
        return p;
    }
    /// Calls that reached the test (cache misses).
    std::size_t tests() const noexcept { return tests_; }

private:
    const Test& test_;
    std::unordered_map<std::string, double> cache_;
    std::vector<std::size_t> sorted_;
    std::string key_;
    std::size_t tests_ = 0;
};

/// The stand-in test of pc_orient without a test: raises argument_error when a rule needs p-values.
struct no_independence_test {
    std::size_t n = 0;  ///< number of variables
    /// Number of variables.
    std::size_t variables() const noexcept { return n; }
    /// Always raises: the chosen rule needs an independence test.
    [[noreturn]] double p_value(std::size_t, std::size_t, std::span<const std::size_t>) const {
        throw argument_error("causalrec::causal::pc_orient: this collider rule or priority re-tests pairs; pass the independence test");
    }
};

}  // namespace detail

/// How the orientation phase decides whether an unshielded triple a -- c -- b (a, b not adjacent) is
/// a v-structure a -> c <- b.
enum class collider_rule {
    separating_set,  ///< c is in no separating set the skeleton search kept for (a, b) (the original PC; causal-learn's uc_rule 0)
    majority,        ///< c is in fewer than half of the separating sets of (a, b) among subsets of their neighbours (Colombo & Maathuis 2014)
    conservative,    ///< c is in none of them; in all of them: not a v-structure; otherwise ambiguous (Ramsey, Zhang & Spirtes 2006)
    max_p,           ///< the largest p-value of (a, b) given a subset of the neighbours of a or of b comes from a set without c (Ramsey 2016; uc_rule 1)
    definite_max_p,  ///< max_p, but only when every set with c (or every set without c) rejects independence; else ambiguous (uc_rule 2)
};

/// How the orientation phase treats v-structures that disagree on an edge, and the order it works in
/// (causal-learn's uc_priority, plus an order-independent default).
enum class collider_priority {
    leave_undirected,  ///< all v-structures at once; an edge two of them orient oppositely stays undirected; Meek's rules in rounds (result independent of the variable order)
    overwrite,         ///< one v-structure after another (in causal-learn's triple order), each orienting its two edges over earlier ones (uc_priority 0)
    bidirected,        ///< one after another; an edge already pointing the other way becomes i <-> j (uc_priority 1)
    existing,          ///< one after another; a v-structure is skipped when one of its edges already points out of its middle (uc_priority 2)
    stronger,          ///< as existing, strongest first: increasing largest p-value of (a, b) given a set with the middle (uc_priority 3)
    stronger_star,     ///< as existing, in decreasing largest p-value of (a, b) given a set without the middle (uc_priority 4)
};

/// Options of pc, pc_skeleton and pc_orient.
struct pc_options {
    double alpha = 0.05;  ///< significance level: an edge is removed when some test's p-value is >= alpha (as pcalg); in (0, 1)
    std::size_t max_condition_size = std::numeric_limits<std::size_t>::max();  ///< largest conditioning set tried (skeleton and collider rules)
    bool orient = true;   ///< orient v-structures and apply Meek's rules (false: return the skeleton)
    collider_rule colliders = collider_rule::conservative;  ///< how v-structures are decided (docs/causal.md compares the rules)
    /// Background knowledge (null: none): edges allowed in neither direction are never in the graph,
    /// required edges are never tested away, and after the v-structures the knowledge orients what it
    /// decides (it wins over a v-structure) before Meek's rules run.
    const background_knowledge* knowledge = nullptr;
    collider_priority priority = collider_priority::leave_undirected;  ///< how disagreeing v-structures are resolved
    /// Keep every separating set: at the level where a pair separates, test every subset from both
    /// ends and keep all that separate (causal-learn); false keeps the first one found, with fewer tests.
    bool keep_all_separating_sets = false;

    /// The options that reproduce causal-learn's `pc(data, alpha, test, stable=True, uc_rule,
    /// uc_priority)`: uc_rule 0 separating set, 1 maxP, 2 definite maxP; uc_priority -1 the rule's
    /// default (3 for rules 0 and 1, 4 for rule 2), 0 overwrite, 1 bidirected, 2 existing, 3 stronger,
    /// 4 stronger*; every separating set kept. Raises argument_error for other numbers and for rule 2
    /// with priority 0 or 1 (causal-learn refuses those too).
    static pc_options causal_learn(int uc_rule = 0, int uc_priority = 2, double alpha = 0.05) {
        using causalrec::cat;
        pc_options o;
        o.alpha = alpha;
        o.keep_all_separating_sets = true;
        if (uc_rule < 0 || uc_rule > 2) throw argument_error(cat("causalrec::causal::pc_options::causal_learn: uc_rule must be 0, 1 or 2, got ", uc_rule));
        if (uc_priority < -1 || uc_priority > 4) throw argument_error(cat("causalrec::causal::pc_options::causal_learn: uc_priority must be -1..4, got ", uc_priority));
        if (uc_rule == 2 && (uc_priority == 0 || uc_priority == 1))
            throw argument_error(cat("causalrec::causal::pc_options::causal_learn: uc_rule 2 (definite maxP) takes uc_priority -1, 2, 3 or 4, got ", uc_priority));
        o.colliders = uc_rule == 0 ? collider_rule::separating_set : uc_rule == 1 ? collider_rule::max_p : collider_rule::definite_max_p;
        const int p = uc_priority == -1 ? (uc_rule == 2 ? 4 : 3) : uc_priority;
        constexpr collider_priority by_number[] = {collider_priority::overwrite, collider_priority::bidirected, collider_priority::existing,
                                                   collider_priority::stronger, collider_priority::stronger_star};
        o.priority = by_number[p];
        return o;
    }
};

/// What pc returns.
struct pc_result {
    causal_graph graph;                                   ///< the estimated CPDAG (or skeleton); with a sequential priority it can hold i <-> j
    std::vector<std::vector<std::size_t>> separating_sets;  ///< [i * n + j]: the first set that separated i and j (empty when adjacent)
    /// [i * n + j]: every set found to separate i and j at the level that separated them, each sorted,
    /// in the order found (one set unless keep_all_separating_sets).
    std::vector<std::vector<std::vector<std::size_t>>> all_separating_sets;
    std::vector<char> separated;                          ///< [i * n + j]: 1 when i and j were found independent
    std::size_t tests = 0;                                ///< conditional independence tests run (each distinct test once)
    std::size_t conflicts = 0;                            ///< edges that two v-structures (or two of Meek's rules) oriented oppositely
    std::vector<std::pair<std::size_t, std::size_t>> conflicting_edges;  ///< those edges, (smaller, larger), sorted
    std::size_t ambiguous_triples = 0;                    ///< unshielded triples left undecided (majority, conservative, definite maxP)
    std::size_t max_condition_size_used = 0;              ///< largest conditioning set that was tested

    /// The separating set of i and j (empty when they stayed adjacent or were separated marginally).
    const std::vector<std::size_t>& separating_set(std::size_t i, std::size_t j) const {
        if (i >= graph.size() || j >= graph.size())
            throw argument_error(causalrec::cat("causalrec::causal::pc_result::separating_set: variable ", std::max(i, j), " out of range (",
                                                        graph.size(), " variables)"));
        return separating_sets[i * graph.size() + j];
    }
};

namespace detail {

/// A separating set found at one level: recorded for the pair in both orders.
void record_separation(pc_result& out, std::size_t i, std::size_t j, const std::vector<std::size_t>& s);

/// The largest conditioning set pc may test: the option, capped by the test's own limit if it has one.
template <class Test>
std::size_t condition_limit(const Test& test, const pc_options& options) {
    std::size_t max_level = options.max_condition_size;
    if constexpr (requires { { test.max_condition_size() } -> std::convertible_to<std::size_t>; })
        max_level = std::min<std::size_t>(max_level, test.max_condition_size());
    return max_level;
}

/// The skeleton search of pc on a memoised test.
template <class Test>
pc_result pc_skeleton_with(memoised_test<Test>& memo, std::size_t n, std::size_t max_level, const pc_options& options) {
    pc_result out;
    out.graph = causal_graph::complete(n);
    out.separating_sets.resize(n * n);
    out.all_separating_sets.resize(n * n);
    out.separated.assign(n * n, 0);
    causal_graph& g = out.graph;
    const background_knowledge* known = options.knowledge;
    if (known) {
        known->check(n, "pc");
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = i + 1; j < n; ++j)
                if (!known->allows(i, j) && !known->allows(j, i)) g.remove_edge(i, j), record_separation(out, i, j, {});
    }
    std::vector<std::size_t> subset, pool;
    std::vector<std::pair<std::size_t, std::size_t>> removed;
    for (std::size_t level = 0; level <= max_level; ++level) {
        std::vector<std::vector<std::size_t>> frozen(n);
        for (std::size_t i = 0; i < n; ++i) frozen[i] = g.neighbours(i);
        bool any = false;
        removed.clear();
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j : frozen[i]) {
                // Stable PC: the neighbour sets are those at the start of the level. Keeping the
                // first separating set, a pair already separated is not tested again; keeping all,
                // every subset is tested from both ends and removals wait for the end of the level.
                if (!options.keep_all_separating_sets && !g.adjacent(i, j)) continue;
                if (level == 0 && j < i) continue;  // (j, i) given {} was already tested: tests are symmetric
                if (known && (known->requires_edge(i, j) || known->requires_edge(j, i))) continue;
                pool.clear();
                for (std::size_t k : frozen[i])
                    if (k != j) pool.push_back(k);
                if (pool.size() < level) continue;
                any = true;
                out.max_condition_size_used = std::max(out.max_condition_size_used, level);
                for_each_subset(pool, level, subset, [&](const std::vector<std::size_t>& s) {
                    if (memo(i, j, s) < options.alpha) return false;
                    if (!options.keep_all_separating_sets) {
                        g.remove_edge(i, j);
                        record_separation(out, i, j, s);
                        return true;
                    }
                    removed.emplace_back(i, j);
                    record_separation(out, i, j, s);
                    return false;
                });
            }
        for (const auto& [i, j] : removed) g.remove_edge(i, j);
        if (!any) break;
    }
    out.tests = memo.tests();
    return out;
}

/// An unshielded triple x - y - z (x < z, middle y) with its classification and strength.
struct classified_triple {
    std::size_t x = 0, y = 0, z = 0;
    enum kind_t : std::uint8_t { collider, non_collider, ambiguous } kind = non_collider;
    double strength = 0.0;  // the p-value the stronger / stronger* priorities sort by
};

/// causal-learn's order of the adjacencies of g: for each tail mark, then for each arrowhead mark of
/// its endpoint matrix, in row-major order, the pair (column, row).
std::vector<std::pair<std::size_t, std::size_t>> adjacency_order(const causal_graph& g);

/// Triples (a, b, c) with a - b - c, a != c, in causal-learn's order (pairs of adjacencies in the
/// order of adjacency_order); `shielded` selects triangles (a, c adjacent) or unshielded triples.
std::vector<std::array<std::size_t, 3>> ordered_triples(const causal_graph& g, bool shielded);

/// Kites (i, j, k, l): triangles i-j-l and i-k-l with j < k and j, k not adjacent, in causal-learn's order.
std::vector<std::array<std::size_t, 4>> ordered_kites(const causal_graph& g, const std::vector<std::array<std::size_t, 3>>& triangles);

/// The record of directed paths causal-learn keeps beside its graph (is_ancestor_of): on adding
/// i -> j, i and the recorded ancestors of i become ancestors of j, and i an ancestor of the recorded
/// descendants of j (not a full transitive closure: the ancestors of i do not reach the descendants of
/// j); rebuilt from the directed edges, last pair first, when a directed edge is removed. Meek's rules
/// skip an orientation that this record says would close a cycle; keeping it the same way keeps the
/// same orientations.
class path_record {
public:
    /// No paths but the trivial ones.
    explicit path_record(std::size_t n) : n_(n), ancestor_(n * n, 0) {
        for (std::size_t i = 0; i < n; ++i) ancestor_[i * n + i] = 1;
    }
    /// True when a is recorded as an ancestor of b.
    bool is_ancestor(std::size_t a, std::size_t b) const { return ancestor_[b * n_ + a] != 0; }
    /// Records the new edge i -> j.
    void add(std::size_t i, std::size_t j) {
        ancestor_[j * n_ + i] = 1;
        for (std::size_t k = 0; k < n_; ++k) {
            if (ancestor_[i * n_ + k]) ancestor_[j * n_ + k] = 1;
            if (ancestor_[k * n_ + j]) ancestor_[k * n_ + i] = 1;
        }
    }
    /// Rebuilds the record from the directed edges of g.
    void rebuild(const causal_graph& g) {
        std::fill(ancestor_.begin(), ancestor_.end(), 0);
        for (std::size_t i = 0; i < n_; ++i) ancestor_[i * n_ + i] = 1;
        for (std::size_t i = n_; i-- > 0;)
            for (std::size_t j = n_; j-- > i + 1;) {
                if (g.directed(i, j)) add(i, j);
                else if (g.directed(j, i)) add(j, i);
            }
    }

private:
    std::size_t n_;
    std::vector<char> ancestor_;
};

/// Sets the edge between i and j to i -> j as causal-learn does (remove, then add), keeping `paths`.
void orient_edge(causal_graph& g, path_record& paths, std::size_t i, std::size_t j);

/// Every distinct subset of the neighbours of x and of z (up to `max_level` members) with its
/// p-value for (x, z): the sets the maxP, majority and conservative rules compare.
template <class Test>
std::vector<std::pair<std::vector<std::size_t>, double>> neighbour_subsets(const causal_graph& g, std::size_t x, std::size_t z, std::size_t max_level,
                                                                          memoised_test<Test>& memo) {
    std::vector<std::pair<std::vector<std::size_t>, double>> out;
    std::vector<char> in_first(g.size(), 0);
    std::vector<std::size_t> subset;
    bool first = true;
    for (std::size_t side : {x, z}) {
        std::vector<std::size_t> pool;
        for (std::size_t v : g.neighbours(side))
            if (v != x && v != z) pool.push_back(v);
        const std::size_t top = std::min(pool.size(), max_level);
        for (std::size_t size = 0; size <= top; ++size)
            for_each_subset(pool, size, subset, [&](const std::vector<std::size_t>& set) {
                // A set of z's neighbours that are all neighbours of x too was met from x's side.
                if (!first && std::all_of(set.begin(), set.end(), [&](std::size_t v) { return in_first[v] != 0; })) return false;
                out.emplace_back(set, memo(x, z, set));
                return false;
            });
        if (first)
            for (std::size_t v : pool) in_first[v] = 1;
        first = false;
    }
    return out;
}

/// Classifies every unshielded triple of the skeleton (in causal-learn's order, x < z) by the rule.
template <class Test>
std::vector<classified_triple> classify_triples(const pc_result& result, std::size_t max_level, const pc_options& options, memoised_test<Test>& memo) {
    const causal_graph& g = result.graph;
    const std::size_t n = g.size();
    const bool needs_sets = options.colliders != collider_rule::separating_set || options.priority == collider_priority::stronger ||
                            options.priority == collider_priority::stronger_star;
    std::map<std::pair<std::size_t, std::size_t>, std::vector<std::pair<std::vector<std::size_t>, double>>> sets_of;
    std::vector<classified_triple> out;
    for (const auto& triple : ordered_triples(g, false)) {
        const std::size_t x = triple[0], y = triple[1], z = triple[2];  // not a structured binding: lambdas below capture y (clang 14)
        if (x > z) continue;
        classified_triple t{x, y, z};
        // The separating-set rule: y in no separating set kept for (x, z).
        const auto& kept = result.all_separating_sets[x * n + z];
        const bool y_separates = std::any_of(kept.begin(), kept.end(), [&](const auto& s) { return std::find(s.begin(), s.end(), y) != s.end(); });
        if (!needs_sets) {
            t.kind = y_separates ? classified_triple::non_collider : classified_triple::collider;
            out.push_back(t);
            continue;
        }
        auto found = sets_of.find({x, z});
        if (found == sets_of.end()) found = sets_of.emplace(std::pair{x, z}, neighbour_subsets(g, x, z, max_level, memo)).first;
        const auto& sets = found->second;
        double max_with = 0.0, max_without = 0.0;
        std::size_t separating = 0, separating_with = 0;
        bool dependent_with = true, dependent_without = true;  // every set with (without) y rejects independence at alpha
        for (const auto& [set, p] : sets) {
            const bool has_y = std::find(set.begin(), set.end(), y) != set.end();
            (has_y ? max_with : max_without) = std::max(has_y ? max_with : max_without, p);
            if (p >= options.alpha) ++separating, separating_with += has_y, (has_y ? dependent_with : dependent_without) = false;
        }
        switch (options.colliders) {
            case collider_rule::separating_set:
                t.kind = y_separates ? classified_triple::non_collider : classified_triple::collider;
                break;
            case collider_rule::majority:
                t.kind = separating == 0 ? classified_triple::ambiguous
                         : 2 * separating_with < separating ? classified_triple::collider
                         : 2 * separating_with > separating ? classified_triple::non_collider : classified_triple::ambiguous;
                break;
            case collider_rule::conservative:
                t.kind = separating == 0 ? classified_triple::ambiguous
                         : separating_with == 0 ? classified_triple::collider
                         : separating_with == separating ? classified_triple::non_collider : classified_triple::ambiguous;
                break;
            case collider_rule::max_p:
                t.kind = max_without > max_with ? classified_triple::collider : classified_triple::non_collider;
                break;
            case collider_rule::definite_max_p:
                if (dependent_with && dependent_without)
                    t.kind = max_without > max_with ? classified_triple::collider : classified_triple::non_collider;
                else if (dependent_with) t.kind = classified_triple::collider;
                else if (dependent_without) t.kind = classified_triple::non_collider;
                else t.kind = classified_triple::ambiguous;
                break;
        }
        t.strength = options.priority == collider_priority::stronger_star ? max_without : max_with;
        out.push_back(t);
    }
    return out;
}

/// True when the knowledge forbids orienting the v-structure x -> y <- z.
bool knowledge_blocks_collider(const background_knowledge* known, std::size_t x, std::size_t y, std::size_t z);

/// True when the knowledge forbids a rule orienting a -> b.
bool knowledge_blocks(const background_knowledge* known, std::size_t a, std::size_t b);

/// Orients the undirected edges the knowledge decides, in causal-learn's order (pairs i < j).
void apply_knowledge_sequentially(causal_graph& g, path_record& paths, const background_knowledge* known);

/// The orientation phase with a sequential priority, as causal-learn runs it (the knowledge already
/// applied by apply_knowledge_sequentially, recorded in `paths`).
void orient_sequentially(pc_result& out, const std::vector<classified_triple>& triples, const pc_options& options, path_record& paths);

/// The order-independent orientation phase (collider_priority::leave_undirected).
void orient_all_at_once(pc_result& out, const std::vector<classified_triple>& triples, const pc_options& options);

/// The orientation phase on a memoised test.
template <class Test>
void pc_orient_with(pc_result& result, memoised_test<Test>& memo, std::size_t max_level, const pc_options& options) {
    if (options.priority == collider_priority::leave_undirected) {
        orient_all_at_once(result, classify_triples(result, max_level, options, memo), options);
    } else {
        path_record paths(result.graph.size());
        apply_knowledge_sequentially(result.graph, paths, options.knowledge);
        orient_sequentially(result, classify_triples(result, max_level, options, memo), options, paths);
    }
    result.tests += memo.tests();
}

/// Raises argument_error unless the options are usable for n variables.
void check_pc_options(const pc_options& options, std::size_t n, const char* fn);

}  // namespace detail

/// The skeleton search of PC, stable version: starts from the complete graph; for conditioning-set
/// sizes l = 0, 1, ... removes the edge i -- j when x_i and x_j test independent (p >= alpha) given
/// some l-subset of the neighbours of i (or of j) at the start of that level (fixing the neighbour
/// sets per level makes the skeleton independent of the variable order), and records the separating
/// set(s). Returns the skeleton (all edges undirected) with its separating sets; pc_orient finishes
/// it. When the test has a member `max_condition_size()` (fisher_z_test: what the sample size
/// allows), larger sets are not tried.
template <IndependenceTest Test>
pc_result pc_skeleton(const Test& test, const pc_options& options = {}) {
    const std::size_t n = test.variables();
    detail::check_pc_options(options, n, "pc");
    detail::memoised_test<Test> memo(test);
    return detail::pc_skeleton_with(memo, n, detail::condition_limit(test, options), options);
}

/// The orientation phase of PC on a skeleton and its separating sets (`result` as pc_skeleton returns
/// it, or filled by hand: graph, separating_sets and all_separating_sets of n * n entries): decides
/// every unshielded triple by `options.colliders`, orients the v-structures as `options.priority`
/// says, applies the background knowledge, then Meek's rules. The maxP, definite-maxP, majority and
/// conservative rules and the stronger / stronger* priorities re-test pairs given subsets of their
/// neighbours, through `test`. Updates result.graph, conflicts, conflicting_edges, ambiguous_triples
/// and adds to tests.
template <IndependenceTest Test>
void pc_orient(pc_result& result, const Test& test, const pc_options& options = {}) {
    const std::size_t n = result.graph.size();
    detail::check_pc_options(options, n, "pc_orient");
    if (test.variables() != n)
        throw shape_error(causalrec::error_message("causal", "pc_orient", "the test has ", test.variables(), " variables, the graph ", n));
    if (result.separating_sets.size() != n * n || result.separated.size() != n * n)
        throw shape_error(causalrec::error_message("causal", "pc_orient", "separating_sets and separated need ", n * n, " entries for ", n, " variables"));
    if (result.all_separating_sets.size() != n * n) {
        // Filled by hand with the first sets only: those are all there is.
        result.all_separating_sets.assign(n * n, {});
        for (std::size_t k = 0; k < n * n; ++k)
            if (result.separated[k]) result.all_separating_sets[k].push_back(result.separating_sets[k]);
    }
    if (options.knowledge) options.knowledge->check(n, "pc_orient");
    detail::memoised_test<Test> memo(test);
    detail::pc_orient_with(result, memo, detail::condition_limit(test, options), options);
}

/// pc_orient for the rules that need no test (the separating-set rule with the leave-undirected,
/// overwrite, bidirected or existing priority); raises argument_error when the options need one.
void pc_orient(pc_result& result, const pc_options& options = {});

/// The PC algorithm: pc_skeleton, then (unless options.orient is false) pc_orient, sharing one memo
/// of test results. With the default options (conservative rule, conflicts left undirected, Meek's
/// rules in rounds) the result does not depend on the variable order; pc_options::causal_learn gives
/// causal-learn's sequential choices instead, which can.
template <IndependenceTest Test>
pc_result pc(const Test& test, const pc_options& options = {}) {
    const std::size_t n = test.variables();
    detail::check_pc_options(options, n, "pc");
    detail::memoised_test<Test> memo(test);
    const std::size_t max_level = detail::condition_limit(test, options);
    pc_result out = detail::pc_skeleton_with(memo, n, max_level, options);
    if (!options.orient) return out;
    out.tests = 0;
    detail::pc_orient_with(out, memo, max_level, options);
    return out;
}

/// PC on data with Fisher's z test (linear Gaussian data): pc(fisher_z_test(data), options).
template <std::floating_point T>
pc_result pc(const matrix<T>& data, const pc_options& options = {}) {
    return pc(fisher_z_test(data), options);
}

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/pc.hpp"
#endif
