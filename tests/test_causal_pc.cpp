// PC's options by hand: Pearson's chi-square test against SciPy, causal-learn's endpoint matrices and
// bidirected edges, the collider rules (maxP, definite maxP) and the conflict priorities (overwrite,
// bidirected, existing, stronger, stronger*) on hand-made tests whose answers are worked out in the
// comments, the skeleton and orientation phases run separately, the test memo, and every rule and
// priority exact with a d-separation oracle on random DAGs.
#include <causalrec/causal/discovery.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <span>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_causal_pc {

namespace cr = causalrec;
namespace causal = causalrec::causal;
using causal::causal_graph;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

bool has(std::span<const std::size_t> s, std::size_t v) { return std::find(s.begin(), s.end(), v) != s.end(); }

// Skeleton 0 - 1 - 2 - 3 (adjacent pairs always dependent); 0, 2 and 1, 3 are independent given {}
// (p 0.5 and 0.3), nearly so given a set with the middle (0.01 and 0.001, below alpha), and dependent
// otherwise. Both triples 0 - 1 - 2 and 1 - 2 - 3 are v-structures by their separating set {}, and
// they disagree on the edge 1 - 2. For stronger (ascending largest p with the middle) 1 - 2 - 3
// (0.001) goes first; for stronger* (descending largest p without it) 0 - 1 - 2 (0.5) does.
struct two_colliders {
    std::size_t variables() const { return 4; }
    double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
        const std::size_t a = std::min(i, j), b = std::max(i, j);
        if (a == 0 && b == 2) return s.empty() ? 0.5 : has(s, 1) ? 0.01 : 0.0;
        if (a == 1 && b == 3) return s.empty() ? 0.3 : has(s, 2) ? 0.001 : 0.0;
        if (a == 0 && b == 3) return s.empty() ? 0.9 : 0.0;
        return 0.0;
    }
};

// Skeleton 0 - 2 - 1: 0 and 1 are independent given {} (p `without`) and given {2} (p `with`).
struct one_triple {
    double with = 0.0, without = 0.0;
    std::size_t variables() const { return 3; }
    double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
        if (std::min(i, j) == 0 && std::max(i, j) == 1) return s.empty() ? without : with;
        return 0.0;
    }
};

causal_graph chain_graph(std::initializer_list<std::pair<std::size_t, std::size_t>> directed, std::initializer_list<std::pair<std::size_t, std::size_t>> undirected,
                         std::initializer_list<std::pair<std::size_t, std::size_t>> bidirected = {}) {
    causal_graph g(4);
    for (auto [a, b] : directed) g.add_directed(a, b);
    for (auto [a, b] : undirected) g.add_undirected(a, b);
    for (auto [a, b] : bidirected) g.add_bidirected(a, b);
    return g;
}

}  // namespace

TEST_CASE("pc: Pearson's chi-square test against SciPy's chi2_contingency per stratum", "[discovery][pc]") {
    // Closed-form columns (the same formulas in NumPy): x0 = 7r mod 3, x1 = (floor(5r / 4) + [r mod 7 = 0]) mod 2,
    // x2 = floor(r / 3) mod 2, x3 = r^2 mod 4, r = 0..89. Reference: per configuration of S, scipy.stats.
    // chi2_contingency(table without empty rows and columns, correction=False), statistics and degrees
    // of freedom summed, p = scipy.stats.chi2.sf (SciPy 1.10).
    const std::size_t n = 90;
    auto x = cr::matrix<double>::from_shape({n, 4});
    for (std::size_t r = 0; r < n; ++r) {
        x(r, 0) = static_cast<double>((r * 7) % 3);
        x(r, 1) = static_cast<double>(((r * 5) / 4 + (r % 7 == 0 ? 1 : 0)) % 2);
        x(r, 2) = static_cast<double>((r / 3) % 2);
        x(r, 3) = static_cast<double>((r * r) % 4);
    }
    struct reference {
        std::size_t i, j;
        std::vector<std::size_t> s;
        double stat;
        std::size_t dof;
        double p;
    };
    const reference refs[] = {
        {0, 1, {}, 3.2905138339920947, 2, 0.19296298095541053},
        {0, 3, {}, 0.0, 2, 1.0},
        {1, 3, {2}, 3.0237154150197627, 2, 0.22049997278707242},
        {0, 1, {2, 3}, 1.0912698412698414, 2, 0.5794737466760145},
        {2, 3, {0}, 90.0, 3, 2.190570119285308e-19},
    };
    const causal::chi_square_test test(x);
    for (const auto& ref : refs) {
        INFO(ref.i << " " << ref.j << " given " << ref.s.size() << " variables");
        const auto [stat, dof] = test.statistic(ref.i, ref.j, ref.s);
        CHECK_THAT(stat, WithinAbs(ref.stat, 1e-12 * (1.0 + ref.stat)));
        CHECK(dof == ref.dof);
        CHECK_THAT(test.p_value(ref.i, ref.j, ref.s), WithinRel(ref.p, 1e-9));
        // Symmetric in the two variables.
        CHECK(test.p_value(ref.j, ref.i, ref.s) == test.p_value(ref.i, ref.j, ref.s));
    }
    // The G-test on the same tables differs (it is another statistic) but not by much here.
    const causal::g_square_test g(x);
    CHECK(g.statistic(0, 1, std::vector<std::size_t>{}).first != test.statistic(0, 1, std::vector<std::size_t>{}).first);
    CHECK_THROWS_AS(test.p_value(0, 0, std::vector<std::size_t>{}), cr::argument_error);
    CHECK_THROWS_AS(test.p_value(0, 1, std::vector<std::size_t>{1}), cr::argument_error);
    CHECK_THROWS_AS(test.p_value(0, 4, std::vector<std::size_t>{}), cr::argument_error);
    auto fractional = x;
    fractional(0, 0) = 0.5;
    CHECK_THROWS_AS(causal::chi_square_test(fractional), cr::argument_error);
}

TEST_CASE("pc: many strata and wide codes: the counts stay exact", "[discovery][pc]") {
    // Eight binary conditioning variables (256 configurations for 400 rows) and a 300-level column:
    // the strata are renumbered and the wide column takes the sparse path; both must give the
    // statistic of the same data with the codes relabelled in reverse order (which reorders the cells,
    // and so the summation: equal to rounding).
    cr::rng engine(11);
    const std::size_t n = 400;
    auto x = cr::matrix<double>::from_shape({n, 12});
    for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t c = 0; c < 10; ++c) x(r, c) = static_cast<double>(engine.uniform_index(2));
        x(r, 10) = static_cast<double>(engine.uniform_index(300));
        x(r, 11) = static_cast<double>((r * 37) % 250);
    }
    auto relabelled = x;
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < 12; ++c) relabelled(r, c) = 1e9 - 3.0 * x(r, c);
    const std::vector<std::size_t> eight{2, 3, 4, 5, 6, 7, 8, 9};
    for (bool pearson : {false, true}) {
        auto stat = [&](const cr::matrix<double>& m, std::size_t i, std::size_t j, const std::vector<std::size_t>& s) {
            return pearson ? causal::chi_square_test(m).statistic(i, j, s) : causal::g_square_test(m).statistic(i, j, s);
        };
        auto same = [](std::pair<double, std::size_t> a, std::pair<double, std::size_t> b) {
            CHECK_THAT(a.first, WithinRel(b.first, 1e-12));
            CHECK(a.second == b.second);
        };
        same(stat(x, 0, 1, eight), stat(relabelled, 0, 1, eight));
        const auto wide = stat(x, 0, 10, {1, 2});
        same(wide, stat(relabelled, 0, 10, {1, 2}));
        CHECK(wide.second > 0);
        // With no conditioning set the wide column's table is dense; the statistic with {} equals
        // the statistic given a constant column (one stratum).
        auto with_constant = x;
        for (std::size_t r = 0; r < n; ++r) with_constant(r, 9) = 7.0;
        CHECK(stat(with_constant, 0, 10, {9}) == stat(x, 0, 10, {}));
        // Two wide columns (300 x 250 cells per configuration): the sparse path, against the tables
        // counted here per configuration of x0.
        double expected = 0.0;
        std::size_t expected_dof = 0;
        for (double level : {0.0, 1.0}) {
            std::map<std::pair<double, double>, double> cell;
            std::map<double, double> row, col;
            double total = 0.0;
            for (std::size_t r = 0; r < n; ++r)
                if (x(r, 0) == level) cell[{x(r, 10), x(r, 11)}] += 1.0, row[x(r, 10)] += 1.0, col[x(r, 11)] += 1.0, total += 1.0;
            expected_dof += (row.size() - 1) * (col.size() - 1);
            for (const auto& [a, ra] : row)
                for (const auto& [b, cb] : col) {
                    const double e = ra * cb / total;
                    const auto it = cell.find({a, b});
                    const double c = it == cell.end() ? 0.0 : it->second;
                    expected += pearson ? (c - e) * (c - e) / e : c > 0.0 ? 2.0 * c * std::log(c / e) : 0.0;
                }
        }
        const auto sparse = stat(x, 10, 11, {0});
        CHECK_THAT(sparse.first, WithinRel(expected, 1e-10));
        CHECK(sparse.second == expected_dof);
        same(sparse, stat(relabelled, 10, 11, {0}));
    }
}

TEST_CASE("pc: graphs with bidirected edges and causal-learn's endpoint matrices", "[discovery][pc]") {
    causal_graph g(4);
    g.add_directed(0, 1), g.add_undirected(1, 2), g.add_bidirected(2, 3);
    CHECK(g.bidirected(2, 3));
    CHECK(g.bidirected(3, 2));
    CHECK_FALSE(g.undirected(2, 3));
    CHECK_FALSE(g.directed(2, 3));
    CHECK_FALSE(g.bidirected(1, 2));
    CHECK(g.adjacent(2, 3));
    CHECK(g.parents(3).empty());
    CHECK_FALSE(g.is_dag());
    const auto edges = g.edges();
    REQUIRE(edges.size() == 3);
    CHECK(edges[2] == causal::graph_edge{2, 3, false, true});
    CHECK(g.to_dot().find("\"x2\" -> \"x3\" [dir=both]") != std::string::npos);
    // causal-learn's convention: m[i, j] is the mark at i; i -> j is -1 / 1, i -- j -1 / -1, i <-> j 1 / 1.
    const std::vector<int> expected = {0, -1, 0, 0,  //
                                       1, 0, -1, 0,   //
                                       0, -1, 0, 1,   //
                                       0, 0, 1, 0};
    CHECK(g.to_endpoint_matrix() == expected);
    CHECK(causal_graph::from_endpoint_matrix(4, expected) == g);
    // A bidirected edge is another mark: it counts in the SHD against a directed or undirected edge.
    causal_graph h = g;
    h.add_undirected(2, 3);
    CHECK(causal::compare_graphs(g, h).shd == 1);
    CHECK_THROWS_AS(causal_graph::from_endpoint_matrix(3, expected), cr::argument_error);
    auto one_sided = expected;
    one_sided[1] = 0;  // mark at 0 gone, mark at 1 kept
    CHECK_THROWS_AS(causal_graph::from_endpoint_matrix(4, one_sided), cr::argument_error);
    auto circle = expected;
    circle[1] = 2;
    CHECK_THROWS_AS(causal_graph::from_endpoint_matrix(4, circle), cr::argument_error);
    auto diagonal = expected;
    diagonal[5] = -1;
    CHECK_THROWS_AS(causal_graph::from_endpoint_matrix(4, diagonal), cr::argument_error);
}

TEST_CASE("pc: causal-learn's uc_rule and uc_priority numbers", "[discovery][pc]") {
    const auto standard = causal::pc_options::causal_learn();
    CHECK(standard.colliders == causal::collider_rule::separating_set);
    CHECK(standard.priority == causal::collider_priority::existing);
    CHECK(standard.keep_all_separating_sets);
    CHECK(causal::pc_options::causal_learn(0, -1).priority == causal::collider_priority::stronger);
    CHECK(causal::pc_options::causal_learn(1, -1).colliders == causal::collider_rule::max_p);
    CHECK(causal::pc_options::causal_learn(1, -1).priority == causal::collider_priority::stronger);
    CHECK(causal::pc_options::causal_learn(2, -1).colliders == causal::collider_rule::definite_max_p);
    CHECK(causal::pc_options::causal_learn(2, -1).priority == causal::collider_priority::stronger_star);
    CHECK(causal::pc_options::causal_learn(0, 0).priority == causal::collider_priority::overwrite);
    CHECK(causal::pc_options::causal_learn(0, 1).priority == causal::collider_priority::bidirected);
    CHECK(causal::pc_options::causal_learn(0, 4, 0.01).alpha == 0.01);
    CHECK_THROWS_AS(causal::pc_options::causal_learn(3, 0), cr::argument_error);
    CHECK_THROWS_AS(causal::pc_options::causal_learn(0, 5), cr::argument_error);
    CHECK_THROWS_AS(causal::pc_options::causal_learn(2, 1), cr::argument_error);
}

TEST_CASE("pc: the conflict priorities by hand", "[discovery][pc]") {
    // Triples in causal-learn's order (by middle): 0 - 1 - 2, then 1 - 2 - 3.
    auto run = [](causal::collider_priority priority) {
        causal::pc_options o;
        o.colliders = causal::collider_rule::separating_set;
        o.priority = priority;
        return causal::pc(two_colliders{}, o);
    };
    // All at once: the disputed edge stays undirected.
    const auto undirected = run(causal::collider_priority::leave_undirected);
    CHECK(undirected.graph == chain_graph({{0, 1}, {3, 2}}, {{1, 2}}));
    CHECK(undirected.conflicts == 1);
    CHECK(undirected.conflicting_edges == std::vector<std::pair<std::size_t, std::size_t>>{{1, 2}});
    // Overwrite: 0 -> 1 <- 2, then 1 -> 2 <- 3 turns 2 -> 1 around.
    const auto overwrite = run(causal::collider_priority::overwrite);
    CHECK(overwrite.graph == chain_graph({{0, 1}, {1, 2}, {3, 2}}, {}));
    CHECK(overwrite.conflicting_edges == std::vector<std::pair<std::size_t, std::size_t>>{{1, 2}});
    // Bidirected: the second v-structure finds 2 -> 1 and writes 1 <-> 2.
    const auto bidirected = run(causal::collider_priority::bidirected);
    CHECK(bidirected.graph == chain_graph({{0, 1}, {3, 2}}, {}, {{1, 2}}));
    CHECK(bidirected.conflicts == 1);
    // Existing: the second v-structure is skipped (2 -> 1 points out of its middle); 2 - 3 stays
    // undirected (no rule orients it: 1 is a child of 2).
    const auto existing = run(causal::collider_priority::existing);
    CHECK(existing.graph == chain_graph({{0, 1}, {2, 1}}, {{2, 3}}));
    // stronger*: 0 - 1 - 2 first (0.5 > 0.3), the same as existing here.
    CHECK(run(causal::collider_priority::stronger_star).graph == existing.graph);
    // stronger: 1 - 2 - 3 first (0.001 < 0.01): 1 -> 2 <- 3, and 0 - 1 - 2 is skipped.
    const auto stronger = run(causal::collider_priority::stronger);
    CHECK(stronger.graph == chain_graph({{1, 2}, {3, 2}}, {{0, 1}}));
    CHECK(stronger.conflicting_edges == std::vector<std::pair<std::size_t, std::size_t>>{{1, 2}});
}

TEST_CASE("pc: maxP and definite maxP by hand", "[discovery][pc]") {
    auto kind = [](causal::collider_rule rule, double with, double without) {
        causal::pc_options o;
        o.colliders = rule;
        o.priority = causal::collider_priority::existing;
        const auto r = causal::pc(one_triple{with, without}, o);
        REQUIRE_FALSE(r.graph.adjacent(0, 1));
        if (r.graph.directed(0, 2) && r.graph.directed(1, 2)) return 'v';
        REQUIRE(r.graph.undirected(0, 2));
        return r.ambiguous_triples == 1 ? '?' : '-';
    };
    // maxP: a v-structure when the largest p-value comes from a set without the middle (strictly).
    CHECK(kind(causal::collider_rule::max_p, 0.3, 0.5) == 'v');
    CHECK(kind(causal::collider_rule::max_p, 0.5, 0.5) == '-');
    CHECK(kind(causal::collider_rule::max_p, 0.6, 0.5) == '-');
    // The separating-set rule takes {} (found first) with or without keeping the others: with all
    // sets kept, {2} separates too and the middle is in a separating set.
    CHECK(kind(causal::collider_rule::separating_set, 0.3, 0.5) == 'v');
    causal::pc_options all;
    all.colliders = causal::collider_rule::separating_set;
    all.keep_all_separating_sets = true;
    // {} separates at level 0 and the pair is gone before level 1: only {} is kept.
    CHECK(causal::pc(one_triple{0.3, 0.5}, all).all_separating_sets[0 * 3 + 1] == std::vector<std::vector<std::size_t>>{{}});
    // Definite maxP: both kinds of set separate: ambiguous; only sets without the middle: a
    // v-structure; only sets with it: definitely not. (The skeleton needs {} to separate, so "only
    // with" is checked on a triple separated at level 1 below.)
    CHECK(kind(causal::collider_rule::definite_max_p, 0.3, 0.5) == '?');
    CHECK(kind(causal::collider_rule::definite_max_p, 0.01, 0.5) == 'v');
    struct with_only {
        std::size_t variables() const { return 3; }
        double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
            return std::min(i, j) == 0 && std::max(i, j) == 1 && s.size() == 1 ? 0.5 : 0.0;
        }
    };
    causal::pc_options definite;
    definite.colliders = causal::collider_rule::definite_max_p;
    definite.priority = causal::collider_priority::existing;
    const auto chain = causal::pc(with_only{}, definite);
    CHECK(chain.graph.undirected(0, 2));
    CHECK(chain.ambiguous_triples == 0);
}

TEST_CASE("pc: the skeleton and orientation phases on their own equal pc", "[discovery][pc]") {
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        const auto sem = causal::simulate_linear_sem({.variables = 8, .expected_degree = 2.5, .samples = 800, .seed = seed});
        const causal::fisher_z_test test(sem.data);
        for (const auto& options : {causal::pc_options{}, causal::pc_options::causal_learn(0, 2), causal::pc_options::causal_learn(1, -1),
                                    causal::pc_options::causal_learn(2, -1)}) {
            const auto whole = causal::pc(test, options);
            auto parts = causal::pc_skeleton(test, options);
            for (const auto& e : parts.graph.edges()) CHECK_FALSE(e.directed);
            causal::pc_orient(parts, test, options);
            CHECK(parts.graph == whole.graph);
            CHECK(parts.conflicting_edges == whole.conflicting_edges);
        }
    }
    // Without a test: the separating-set rule works, rules that re-test refuse.
    auto parts = causal::pc_skeleton(two_colliders{});
    causal::pc_options by_sets;
    by_sets.colliders = causal::collider_rule::separating_set;
    auto copy = parts;
    causal::pc_orient(copy, by_sets);
    CHECK(copy.graph == chain_graph({{0, 1}, {3, 2}}, {{1, 2}}));
    CHECK_THROWS_AS(causal::pc_orient(parts, causal::pc_options{}), cr::argument_error);  // conservative re-tests
    CHECK_THROWS_AS(causal::pc_orient(parts, causal::pc_options::causal_learn(0, 3)), cr::argument_error);
    // A skeleton filled by hand: the first separating sets alone are enough.
    causal::pc_result by_hand;
    by_hand.graph = causal_graph(3);
    by_hand.graph.add_undirected(0, 2), by_hand.graph.add_undirected(1, 2);
    by_hand.separating_sets.resize(9), by_hand.separated.assign(9, 0);
    by_hand.separated[1] = by_hand.separated[3] = 1;  // 0 and 1 separated by {}
    causal::pc_orient(by_hand, by_sets);
    CHECK(by_hand.graph.directed(0, 2));
    CHECK(by_hand.graph.directed(1, 2));
    causal::pc_result wrong_size;
    wrong_size.graph = causal_graph(3);
    CHECK_THROWS_AS(causal::pc_orient(wrong_size, by_sets), cr::shape_error);
    CHECK_THROWS_AS(causal::pc_orient(parts, one_triple{}, by_sets), cr::shape_error);
}

TEST_CASE("pc: each distinct test runs once", "[discovery][pc]") {
    struct counting {
        std::size_t* calls;
        std::size_t variables() const { return 4; }
        double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
            ++*calls;
            return two_colliders{}.p_value(i, j, s);
        }
    };
    for (const auto& options : {causal::pc_options{}, causal::pc_options::causal_learn(0, -1), causal::pc_options::causal_learn(2, -1)}) {
        std::size_t calls = 0;
        const auto r = causal::pc(counting{&calls}, options);
        CHECK(r.tests == calls);
        CHECK(calls > 0);
    }
    // Keeping every separating set tests every subset from both ends: more distinct tests.
    std::size_t first = 0, all = 0;
    causal::pc_options keep;
    keep.keep_all_separating_sets = true;
    keep.orient = false;
    causal::pc(counting{&first}, {.orient = false});
    causal::pc(counting{&all}, keep);
    CHECK(all >= first);
}

TEST_CASE("pc: every rule and priority returns the true CPDAG with a d-separation oracle", "[discovery][pc]") {
    // With exact independences every v-structure is consistent: no priority has anything to resolve,
    // and Meek's rules, whether in rounds or one orientation at a time, complete the CPDAG.
    std::vector<causal::pc_options> settings;
    for (int rule = 0; rule <= 2; ++rule)
        for (int priority = -1; priority <= 4; ++priority)
            if (!(rule == 2 && (priority == 0 || priority == 1))) settings.push_back(causal::pc_options::causal_learn(rule, priority));
    for (auto rule : {causal::collider_rule::max_p, causal::collider_rule::definite_max_p}) {
        causal::pc_options o;
        o.colliders = rule;
        settings.push_back(o);
    }
    for (std::uint64_t seed = 1; seed <= 15; ++seed) {
        const auto sem = causal::simulate_linear_sem({.variables = 6 + seed % 5, .expected_degree = 1.0 + static_cast<double>(seed % 4), .samples = 1, .seed = seed});
        const causal::d_separation_oracle oracle(sem.dag);
        for (std::size_t k = 0; k < settings.size(); ++k) {
            INFO("seed " << seed << ", setting " << k);
            const auto r = causal::pc(oracle, settings[k]);
            CHECK(r.graph == sem.cpdag);
            CHECK(r.conflicts == 0);
        }
    }
}

}  // namespace causalrec_test_causal_pc
