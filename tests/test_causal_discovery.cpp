// Causal discovery: Fisher's z against NumPy/SciPy, d-separation and CPDAGs by hand, PC with a
// d-separation oracle equal to the true CPDAG on random DAGs (Meek 1995: the CPDAG is what any
// correct constraint-based method returns), PC-stable's order independence, PC on simulated linear
// Gaussian data against the truth, graph comparison by hand, errors.
#include <causalrec/causal/discovery.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_causal_discovery {

namespace cr = causalrec;
namespace causal = causalrec::causal;
using causal::causal_graph;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// The "sprinkler" DAG: cloudy 0 -> sprinkler 1, cloudy -> rain 2, sprinkler -> wet 3, rain -> wet,
// wet -> slippery 4.
causal_graph sprinkler() {
    causal_graph g(5);
    g.add_directed(0, 1), g.add_directed(0, 2), g.add_directed(1, 3), g.add_directed(2, 3), g.add_directed(3, 4);
    return g;
}

bool dsep(const causal_graph& g, std::size_t i, std::size_t j, std::vector<std::size_t> s) { return causal::d_separated(g, i, j, s); }

// Four columns from closed-form sequences, so that NumPy computes exactly the same data.
cr::matrix<double> formula_data() {
    const std::size_t n = 50;
    auto x = cr::matrix<double>::from_shape({n, 4});
    for (std::size_t r = 0; r < n; ++r) {
        const double t = static_cast<double>(r);
        x(r, 0) = std::sin(0.3 * t + 1.0);
        x(r, 1) = 0.8 * x(r, 0) + std::cos(1.1 * t);
        x(r, 2) = 0.5 * x(r, 1) - 0.4 * x(r, 0) + std::sin(2.3 * t + 0.5);
        x(r, 3) = 0.6 * x(r, 0) + 0.3 * std::cos(0.7 * t + 2.0);
    }
    return x;
}

}  // namespace

TEST_CASE("discovery: Fisher z partial correlations and p-values equal NumPy/SciPy", "[discovery]") {
    // Reference: numpy 1.24 (np.corrcoef, np.linalg.inv of the correlation submatrix; the same value from
    // regression residuals), scipy 1.10 (p = 2 * norm.sf(|atanh(r)| * sqrt(n - |S| - 3))).
    struct reference {
        std::size_t i, j;
        std::vector<std::size_t> s;
        double r, p;
    };
    const reference refs[] = {
        {0, 1, {}, 0.6313459246122366, 3.4287275832337674e-07},
        {1, 2, {}, 0.3826517008356183, 0.005710748820946823},
        {2, 3, {0}, -0.00917754355837582, 0.9503662327793572},
        {1, 3, {0}, -0.013960154228338455, 0.9245622334896872},
        {2, 3, {0, 1}, -0.002870773887042983, 0.9846354567120461},
        {0, 2, {1, 3}, -0.17156441766754535, 0.2450792333922266},
    };
    const causal::fisher_z_test test(formula_data());
    REQUIRE(test.variables() == 4);
    REQUIRE(test.samples() == 50);
    for (const auto& ref : refs) {
        CHECK_THAT(test.partial_correlation(ref.i, ref.j, ref.s), WithinAbs(ref.r, 1e-12));
        CHECK_THAT(test.partial_correlation(ref.j, ref.i, ref.s), WithinAbs(ref.r, 1e-12));
        CHECK_THAT(test.p_value(ref.i, ref.j, ref.s), WithinRel(ref.p, 1e-9));
    }
    // float data gives the same test up to float rounding of the data.
    const cr::matrix<float> xf = formula_data();
    CHECK_THAT(causal::fisher_z_test(xf).p_value(0, 2, std::vector<std::size_t>{1, 3}), WithinRel(0.2450792333922266, 1e-5));
}

TEST_CASE("discovery: the G-test of categorical data equals SciPy", "[discovery]") {
    // Reference: scipy 1.10, chi2_contingency(table, correction=False, lambda_="log-likelihood") per
    // configuration of the conditioning set (levels absent from a configuration dropped), G and the
    // degrees of freedom summed, p = chi2.sf(G, dof).
    const std::size_t n = 120;
    auto x = cr::matrix<double>::from_shape({n, 3});
    for (std::size_t r = 0; r < n; ++r) {
        const std::size_t a = (r * 7 + 3) % 3;
        const std::size_t b = (a + ((r * 5) / 7) % 3 / 2 + (r % 5 == 0 ? 1 : 0)) % 2;
        const std::size_t c = (b * 2 + ((r * 11) / 13) % 2 + (r % 7 == 0 ? 1 : 0)) % 3;
        x(r, 0) = static_cast<double>(a), x(r, 1) = static_cast<double>(b), x(r, 2) = static_cast<double>(c);
    }
    struct reference {
        std::size_t i, j;
        std::vector<std::size_t> s;
        double g;
        std::size_t dof;
        double p;
    };
    const reference refs[] = {
        {0, 1, {}, 2.097898481486599, 2, 0.35030564269024556},
        {0, 2, {}, 3.947208941713172, 4, 0.41319748543620927},
        {1, 2, {}, 31.485411625994537, 2, 1.4555587360791578e-07},
        {0, 2, {1}, 5.554002912998021, 8, 0.6970498611545135},
        {1, 2, {0}, 33.09220559727938, 6, 1.0066038259183978e-05},
        {0, 1, {2}, 3.7046924527714484, 6, 0.7165666610719092},
    };
    const causal::g_square_test test(x);
    for (const auto& ref : refs) {
        const auto [g, dof] = test.statistic(ref.i, ref.j, ref.s);
        CHECK_THAT(g, WithinRel(ref.g, 1e-10));
        CHECK(dof == ref.dof);
        CHECK_THAT(test.p_value(ref.i, ref.j, ref.s), WithinRel(ref.p, 1e-9));
    }
    // The chi-square tail itself (scipy.stats.chi2.sf) on both branches of the incomplete gamma.
    CHECK_THAT(causal::detail::gamma_q(0.5, 0.25), WithinRel(0.47950012218695337, 1e-12));
    CHECK_THAT(causal::detail::gamma_q(0.5, 1.5), WithinRel(0.08326451666355042, 1e-12));
    CHECK_THAT(causal::detail::gamma_q(1.5, 25.0), WithinRel(7.989179244951495e-11, 1e-10));
    CHECK_THAT(causal::detail::gamma_q(75.0, 100.0), WithinRel(0.003973185970821635, 1e-10));
    CHECK_THAT(causal::detail::gamma_q(75.0, 70.0), WithinRel(0.709520073477558, 1e-10));
    CHECK(causal::detail::gamma_q(20.0, 0.0005) == 1.0);
    // A column that never varies leaves no degrees of freedom: p = 1.
    auto constant = x;
    for (std::size_t r = 0; r < n; ++r) constant(r, 1) = 0.0;
    CHECK(causal::g_square_test(constant).p_value(0, 1, std::vector<std::size_t>{}) == 1.0);
    auto fractional = x;
    fractional(3, 2) = 0.5;
    CHECK_THROWS_AS(causal::g_square_test(fractional), cr::argument_error);
    fractional(3, 2) = -1.0;
    CHECK_THROWS_AS(causal::g_square_test(fractional), cr::argument_error);
}

TEST_CASE("discovery: PC with the G-test recovers a categorical collider and chain", "[discovery]") {
    // Binary x0 and x1 raise the chance of binary x2 (0.1 + 0.4 x0 + 0.4 x1); x2 drives three-level x3:
    // 0 -> 2 <- 1, 2 -> 3.
    cr::rng engine(17);
    const std::size_t n = 4000;
    auto x = cr::matrix<double>::from_shape({n, 4});
    for (std::size_t r = 0; r < n; ++r) {
        const double a = engine.bernoulli(0.5), b = engine.bernoulli(0.4);
        const double c = engine.bernoulli(0.1 + 0.4 * a + 0.4 * b);
        const double d = c > 0.0 ? static_cast<double>(engine.uniform_index(2) + 1) : static_cast<double>(engine.bernoulli(0.15));
        x(r, 0) = a, x(r, 1) = b, x(r, 2) = c, x(r, 3) = d;
    }
    causal_graph expected(4);
    expected.add_directed(0, 2), expected.add_directed(1, 2), expected.add_directed(2, 3);
    CHECK(causal::pc(causal::g_square_test(x), {.alpha = 0.01}).graph == expected);
}

TEST_CASE("discovery: d-separation by hand on the sprinkler DAG", "[discovery]") {
    const auto g = sprinkler();
    CHECK_FALSE(dsep(g, 1, 2, {}));      // common cause cloudy
    CHECK(dsep(g, 1, 2, {0}));           // blocked by cloudy
    CHECK_FALSE(dsep(g, 1, 2, {0, 3}));  // conditioning on the collider wet opens the path
    CHECK_FALSE(dsep(g, 1, 2, {0, 4}));  // ... and so does its descendant slippery
    CHECK(dsep(g, 0, 4, {3}));
    CHECK_FALSE(dsep(g, 0, 4, {}));
    CHECK(dsep(g, 0, 3, {1, 2}));
    CHECK_FALSE(dsep(g, 0, 3, {1}));
    CHECK(dsep(g, 1, 4, {3}));
    const causal::d_separation_oracle oracle(g);
    CHECK(oracle.variables() == 5);
    CHECK(oracle.p_value(1, 2, std::vector<std::size_t>{0}) == 1.0);
    CHECK(oracle.p_value(1, 2, std::vector<std::size_t>{}) == 0.0);
}

TEST_CASE("discovery: CPDAGs by hand", "[discovery]") {
    // Sprinkler: cloudy's edges are reversible, the collider at wet and wet -> slippery (Meek R1) are not.
    causal_graph expected(5);
    expected.add_undirected(0, 1), expected.add_undirected(0, 2);
    expected.add_directed(1, 3), expected.add_directed(2, 3), expected.add_directed(3, 4);
    CHECK(causal::cpdag_of(sprinkler()) == expected);
    // A chain is fully reversible; a collider is not.
    causal_graph chain(3), collider(3);
    chain.add_directed(0, 1), chain.add_directed(1, 2);
    collider.add_directed(0, 2), collider.add_directed(1, 2);
    const auto chain_cpdag = causal::cpdag_of(chain);
    CHECK(chain_cpdag.undirected(0, 1));
    CHECK(chain_cpdag.undirected(1, 2));
    CHECK(causal::cpdag_of(collider) == collider);
}

TEST_CASE("discovery: Meek rules R2 and R3 by hand", "[discovery]") {
    // R2: 0 -> 1 -> 2 and 0 -- 2 gives 0 -> 2.
    causal_graph r2(3);
    r2.add_directed(0, 1), r2.add_directed(1, 2), r2.add_undirected(0, 2);
    CHECK(causal::apply_meek_rules(r2) == 1);
    CHECK(r2.directed(0, 2));
    // R3: 0 -- 1, 0 -- 2, 0 -- 3, 2 -> 1 <- 3, 2 and 3 not adjacent gives 0 -> 1 only.
    causal_graph r3(4);
    r3.add_undirected(0, 1), r3.add_undirected(0, 2), r3.add_undirected(0, 3);
    r3.add_directed(2, 1), r3.add_directed(3, 1);
    CHECK(causal::apply_meek_rules(r3) == 1);
    CHECK(r3.directed(0, 1));
    CHECK(r3.undirected(0, 2));
    CHECK(r3.undirected(0, 3));
    // Nothing applies to a lone undirected edge.
    causal_graph lone(2);
    lone.add_undirected(0, 1);
    CHECK(causal::apply_meek_rules(lone) == 0);
}

TEST_CASE("discovery: PC with a d-separation oracle returns the true CPDAG", "[discovery]") {
    const auto sprinkler_result = causal::pc(causal::d_separation_oracle(sprinkler()));
    CHECK(sprinkler_result.graph == causal::cpdag_of(sprinkler()));
    CHECK(sprinkler_result.conflicts == 0);
    CHECK(sprinkler_result.separating_set(1, 2) == std::vector<std::size_t>{0});
    CHECK(sprinkler_result.separating_set(0, 4) == std::vector<std::size_t>{3});
    // Random DAGs of several densities: the oracle makes PC exact (Spirtes et al. 2000, Meek 1995).
    std::size_t checked = 0, with_arrows = 0;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        const auto sem = causal::simulate_linear_sem(
            {.variables = 6 + seed % 5, .expected_degree = 1.0 + static_cast<double>(seed % 4), .samples = 1, .seed = seed});
        INFO("seed " << seed);
        for (auto rule : {causal::collider_rule::separating_set, causal::collider_rule::majority, causal::collider_rule::conservative}) {
            const auto result = causal::pc(causal::d_separation_oracle(sem.dag), {.colliders = rule});
            CHECK(result.graph == sem.cpdag);
            CHECK(result.conflicts == 0);
            CHECK(result.ambiguous_triples == 0);
            CHECK(causal::compare_graphs(result.graph, sem.cpdag).shd == 0);
        }
        ++checked;
        const auto edges = sem.cpdag.edges();
        with_arrows += std::any_of(edges.begin(), edges.end(), [](const causal::graph_edge& e) { return e.directed; });
    }
    CHECK(checked == 40);
    CHECK(with_arrows >= 30);  // the check covers orientation, not only skeletons (36 of the 40 CPDAGs)
    // Without orientation PC returns the skeleton.
    const auto skeleton = causal::pc(causal::d_separation_oracle(sprinkler()), {.orient = false}).graph;
    CHECK(skeleton.edge_count() == 5);
    for (const auto& e : skeleton.edges()) CHECK_FALSE(e.directed);
    // A conditioning-set limit of 0 keeps every marginally dependent pair.
    const auto marginal = causal::pc(causal::d_separation_oracle(sprinkler()), {.max_condition_size = 0, .orient = false});
    CHECK(marginal.graph.edge_count() == 10);  // in the sprinkler DAG every pair is marginally dependent
    CHECK(marginal.max_condition_size_used == 0);
}

TEST_CASE("discovery: PC on linear Gaussian data recovers the truth and does not depend on the column order",
          "[discovery]") {
    const causal::collider_rule rules[] = {causal::collider_rule::separating_set, causal::collider_rule::majority,
                                           causal::collider_rule::conservative};
    const char* rule_names[] = {"separating set", "majority", "conservative"};
    const std::size_t seeds = 10;
    double shd[3] = {}, f1[3] = {}, arrow_precision[3] = {}, arrow_recall[3] = {};
    std::size_t same_graph_reversed[3] = {};
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
        const auto sem = causal::simulate_linear_sem({.variables = 15, .expected_degree = 3.0, .samples = 1000, .seed = seed});
        // The same data with the columns in reverse order.
        const std::size_t d = sem.data.shape()[1];
        auto reversed = cr::matrix<double>::from_shape(sem.data.shape());
        for (std::size_t r = 0; r < sem.data.shape()[0]; ++r)
            for (std::size_t j = 0; j < d; ++j) reversed(r, j) = sem.data(r, d - 1 - j);
        // PC-stable's skeleton is the same graph, relabelled.
        const auto skeleton = causal::pc(sem.data, {.alpha = 0.01, .orient = false}).graph;
        const auto other = causal::pc(reversed, {.alpha = 0.01, .orient = false}).graph;
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t j = 0; j < d; ++j)
                if (i != j) CHECK(skeleton.adjacent(i, j) == other.adjacent(d - 1 - i, d - 1 - j));
        for (std::size_t m = 0; m < 3; ++m) {
            const auto g = causal::pc(sem.data, {.alpha = 0.01, .colliders = rules[m]}).graph;
            const auto c = causal::compare_graphs(g, sem.cpdag);
            shd[m] += static_cast<double>(c.shd), f1[m] += c.skeleton_f1;
            arrow_precision[m] += c.arrowhead_precision, arrow_recall[m] += c.arrowhead_recall;
            // The whole CPDAG, relabelled, from the reversed columns.
            const auto g_reversed = causal::pc(reversed, {.alpha = 0.01, .colliders = rules[m]}).graph;
            causal::causal_graph back(d);
            for (const auto& e : g_reversed.edges()) {
                if (e.directed) back.add_directed(d - 1 - e.from, d - 1 - e.to);
                else back.add_undirected(d - 1 - e.from, d - 1 - e.to);
            }
            same_graph_reversed[m] += back == g;
        }
    }
    std::cout << "PC (Fisher z, alpha 0.01) on 15-variable linear Gaussian SEMs (expected degree 3), 1000 samples, 10 seeds:\n"
              << "collider rule   | SHD | skeleton F1 | arrowhead precision | arrowhead recall | same CPDAG with reversed columns\n";
    for (std::size_t m = 0; m < 3; ++m) {
        shd[m] /= seeds, f1[m] /= seeds, arrow_precision[m] /= seeds, arrow_recall[m] /= seeds;
        std::cout << rule_names[m] << " | " << shd[m] << " | " << f1[m] << " | " << arrow_precision[m] << " | " << arrow_recall[m] << " | "
                  << same_graph_reversed[m] << " of " << seeds << "\n";
    }
    // Measured: skeleton F1 0.89 for every rule (the skeleton does not depend on it); SHD 11.5 with
    // the separating-set rule, 6.7 majority, 6.2 conservative; arrowhead precision 0.81 / 0.90 / 0.92.
    // An unoriented or randomly oriented result fails these (arrowhead precision about 0.5, and the
    // complete graph's skeleton F1 about 0.35).
    for (std::size_t m = 0; m < 3; ++m) {
        INFO(rule_names[m]);
        CHECK(f1[m] >= 0.85);
        CHECK(arrow_precision[m] >= 0.7);
    }
    // The majority and conservative rules decide each triple from all its separating sets: fewer
    // orientation errors, and the whole result does not depend on the column order (Colombo &
    // Maathuis 2014); the separating-set rule's does.
    for (std::size_t m = 1; m < 3; ++m) {
        INFO(rule_names[m]);
        CHECK(shd[m] <= 0.8 * shd[0]);
        CHECK(arrow_precision[m] >= 0.85);
        CHECK(same_graph_reversed[m] == seeds);
    }
    // With few samples, edges go missing but a true edge is rarely added.
    const auto sem = causal::simulate_linear_sem({.variables = 10, .expected_degree = 2.0, .samples = 60, .seed = 3});
    const auto small = causal::compare_graphs(causal::pc(sem.data).graph, sem.cpdag);
    CHECK(small.skeleton_precision >= 0.8);
}

TEST_CASE("discovery: simulate_linear_sem draws the equations it reports", "[discovery]") {
    const auto sem = causal::simulate_linear_sem({.variables = 6, .expected_degree = 2.5, .samples = 20000, .seed = 9});
    REQUIRE(sem.dag.is_dag());
    REQUIRE(sem.data.shape()[0] == 20000);
    std::size_t edges = 0;
    for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t j = 0; j < 6; ++j) {
            CHECK((sem.weights(i, j) != 0.0) == (i != j && sem.dag.directed(i, j)));
            if (sem.weights(i, j) != 0.0) {
                CHECK(std::abs(sem.weights(i, j)) >= 0.5);
                CHECK(std::abs(sem.weights(i, j)) <= 1.5);
                ++edges;
            }
        }
    CHECK(edges == sem.dag.edge_count());
    CHECK(edges >= 3);
    // The residual of each variable after its parents' contribution is the unit-variance noise.
    for (std::size_t j = 0; j < 6; ++j) {
        double mean = 0.0, sq = 0.0;
        for (std::size_t r = 0; r < 20000; ++r) {
            double e = sem.data(r, j);
            for (std::size_t i = 0; i < 6; ++i) e -= sem.weights(i, j) * sem.data(r, i);
            mean += e, sq += e * e;
        }
        mean /= 20000.0;
        CHECK(std::abs(mean) < 0.03);
        CHECK_THAT(sq / 20000.0 - mean * mean, WithinAbs(1.0, 0.04));
    }
    // Deterministic for a seed.
    const bool same = causal::simulate_linear_sem({.samples = 5, .seed = 4}).data == causal::simulate_linear_sem({.samples = 5, .seed = 4}).data;
    CHECK(same);
}

TEST_CASE("discovery: graph comparison, DOT output and the graph type by hand", "[discovery]") {
    causal_graph truth(3), estimate(3);
    truth.add_directed(0, 1), truth.add_directed(1, 2);
    estimate.add_directed(0, 1), estimate.add_directed(2, 1), estimate.add_undirected(0, 2);
    const auto c = causal::compare_graphs(estimate, truth);
    CHECK(c.true_edges == 2);
    CHECK(c.estimated_edges == 3);
    CHECK(c.shd == 2);  // 1 -> 2 reversed, 0 -- 2 extra
    CHECK_THAT(c.skeleton_precision, WithinAbs(2.0 / 3.0, 1e-15));
    CHECK(c.skeleton_recall == 1.0);
    CHECK_THAT(c.skeleton_f1, WithinAbs(0.8, 1e-15));
    CHECK(c.arrowhead_precision == 0.5);  // heads at 1 (from 0: right) and 1 (from 2: wrong)
    CHECK(c.arrowhead_recall == 0.5);     // true heads at 1 (found) and 2 (missed)
    CHECK(causal::compare_graphs(truth, truth).shd == 0);

    CHECK(estimate.to_dot(std::vector<std::string>{"a", "b", "c"}) ==
          "digraph causal_graph {\n  \"a\";\n  \"b\";\n  \"c\";\n  \"a\" -> \"b\";\n  \"a\" -> \"c\" [dir=none];\n  \"c\" -> \"b\";\n}\n");
    CHECK(estimate.to_dot({"a", "b", "c"}) == estimate.to_dot(std::vector<std::string>{"a", "b", "c"}));
    CHECK(truth.parents(2) == std::vector<std::size_t>{1});
    CHECK(estimate.neighbours(0) == std::vector<std::size_t>{1, 2});
    CHECK(truth.topological_order() == std::vector<std::size_t>{0, 1, 2});
    causal_graph cycle(3);
    cycle.add_directed(0, 1), cycle.add_directed(1, 2), cycle.add_directed(2, 0);
    CHECK_FALSE(cycle.is_dag());
    CHECK_FALSE(estimate.is_dag());
    CHECK(truth.is_dag());
    estimate.remove_edge(0, 2);
    CHECK_FALSE(estimate.adjacent(2, 0));
}

TEST_CASE("discovery: collinear data, few rows and the alpha boundary do not stop PC", "[discovery]") {
    // Column 3 duplicates column 1 (scaled): given x3, x1 has no variation left, so it is independent
    // of anything (r = 0), and conditioning on both 1 and 3 is conditioning on 1.
    auto x = formula_data();
    for (std::size_t r = 0; r < 50; ++r) x(r, 3) = 2.0 * x(r, 1);
    const causal::fisher_z_test test(x);
    CHECK(test.partial_correlation(0, 1, std::vector<std::size_t>{3}) == 0.0);
    CHECK(test.p_value(0, 1, std::vector<std::size_t>{3}) == 1.0);
    CHECK_THAT(test.partial_correlation(0, 2, std::vector<std::size_t>{1, 3}),
               WithinAbs(test.partial_correlation(0, 2, std::vector<std::size_t>{1}), 1e-12));
    CHECK_NOTHROW(causal::pc(x));
    // Nearly collinear: x2 = x0 + x1 + 1e-6 noise.
    cr::rng engine(3);
    auto near = cr::matrix<double>::from_shape({200, 3});
    for (std::size_t r = 0; r < 200; ++r) {
        near(r, 0) = engine.normal(), near(r, 1) = engine.normal();
        near(r, 2) = near(r, 0) + near(r, 1) + 1e-6 * engine.normal();
    }
    const auto collider = causal::pc(near).graph;  // 0 -> 2 <- 1
    CHECK(collider.directed(0, 2));
    CHECK(collider.directed(1, 2));
    CHECK_FALSE(collider.adjacent(0, 1));
    // Five rows allow conditioning sets of one variable (n - |S| - 3 >= 1): PC stops there.
    auto five = cr::matrix<double>::from_shape({5, 4});
    for (std::size_t r = 0; r < 5; ++r)
        for (std::size_t c = 0; c < 4; ++c) five(r, c) = std::sin(1.7 * static_cast<double>(r * 4 + c)) + (c > 0 ? five(r, 0) : 0.0);
    CHECK(causal::fisher_z_test(five).max_condition_size() == 1);
    const auto small = causal::pc(five, {.alpha = 0.5});
    CHECK(small.max_condition_size_used <= 1);
    // A p-value equal to alpha counts as independent (as pcalg): every edge goes.
    struct always_alpha {
        std::size_t variables() const { return 3; }
        double p_value(std::size_t, std::size_t, std::span<const std::size_t>) const { return 0.05; }
    };
    CHECK(causal::pc(always_alpha{}, {.alpha = 0.05}).graph.edge_count() == 0);
    CHECK(causal::pc(always_alpha{}, {.alpha = 0.06}).graph.edge_count() == 3);
}

TEST_CASE("discovery: an edge two v-structures orient oppositely stays undirected, whatever the order", "[discovery]") {
    // Skeleton 0 - 1 - 2 - 3 with every non-adjacent pair marginally independent: the triple 0 - 1 - 2
    // asks for 0 -> 1 <- 2, the triple 1 - 2 - 3 for 1 -> 2 <- 3; they disagree on the edge 1 - 2.
    struct conflicting {
        std::size_t variables() const { return 4; }
        double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
            const std::size_t a = std::min(i, j), b = std::max(i, j);
            return s.empty() && b - a >= 2 ? 1.0 : 0.0;
        }
    };
    const auto result = causal::pc(conflicting{}, {.colliders = causal::collider_rule::separating_set});
    CHECK(result.conflicts == 1);
    causal_graph expected(4);
    expected.add_directed(0, 1), expected.add_undirected(1, 2), expected.add_directed(3, 2);
    CHECK(result.graph == expected);  // 0 -> 1 -- 2 <- 3 (symmetric: reversing the variable order gives the same)
    CHECK(result.separating_set(0, 2).empty());
    // Six pairs at level 0; at level 1 each remaining edge is tested from each end that has another
    // neighbour: 1 - 0 given {2}, 1 - 2 given {0}, 2 - 1 given {3}, 2 - 3 given {1}.
    CHECK(result.tests == 10);
    // The conservative rule (the default) re-tests each triple's ends given every subset of their
    // neighbours and reaches the same graph.
    CHECK(causal::pc(conflicting{}).graph == expected);
}

TEST_CASE("discovery: majority and conservative rules by hand: a triple separated both with and without its middle",
          "[discovery]") {
    // Skeleton 0 - 2 - 1; 0 and 1 are independent given {} and given {2}. The separating-set rule
    // takes {} (found first) and orients 0 -> 2 <- 1; the majority rule sees 2 in one of two
    // separating sets (a tie) and the conservative rule sees it in some but not all: both leave the
    // triple ambiguous and the edges undirected.
    struct tie {
        std::size_t variables() const { return 3; }
        double p_value(std::size_t i, std::size_t j, std::span<const std::size_t>) const {
            return std::min(i, j) == 0 && std::max(i, j) == 1 ? 0.5 : 0.0;
        }
    };
    const auto standard = causal::pc(tie{}, {.colliders = causal::collider_rule::separating_set});
    CHECK(standard.graph.directed(0, 2));
    CHECK(standard.graph.directed(1, 2));
    CHECK(standard.ambiguous_triples == 0);
    for (auto rule : {causal::collider_rule::majority, causal::collider_rule::conservative}) {
        const auto r = causal::pc(tie{}, {.colliders = rule});
        CHECK(r.ambiguous_triples == 1);
        CHECK(r.graph.undirected(0, 2));
        CHECK(r.graph.undirected(1, 2));
    }
    // Separated only without the middle: a v-structure for every rule; only with it: for none.
    struct without_middle {
        std::size_t variables() const { return 3; }
        double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
            return std::min(i, j) == 0 && std::max(i, j) == 1 && s.empty() ? 0.5 : 0.0;
        }
    };
    struct with_middle {
        std::size_t variables() const { return 3; }
        double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
            return std::min(i, j) == 0 && std::max(i, j) == 1 && s.size() == 1 ? 0.5 : 0.0;
        }
    };
    for (auto rule : {causal::collider_rule::separating_set, causal::collider_rule::majority, causal::collider_rule::conservative}) {
        const auto collider = causal::pc(without_middle{}, {.colliders = rule}).graph;
        CHECK(collider.directed(0, 2));
        CHECK(collider.directed(1, 2));
        const auto chain = causal::pc(with_middle{}, {.colliders = rule});
        CHECK(chain.graph.undirected(0, 2));
        CHECK(chain.graph.undirected(1, 2));
        CHECK(chain.ambiguous_triples == 0);
    }
}

TEST_CASE("discovery: errors on bad input", "[discovery]") {
    causal_graph g(3);
    CHECK_THROWS_AS(g.add_directed(1, 1), cr::argument_error);
    CHECK_THROWS_AS(g.add_directed(0, 3), cr::argument_error);
    CHECK_THROWS_AS(g.to_dot(std::vector<std::string>{"a"}), cr::shape_error);
    CHECK_THROWS_AS(g.to_dot({"a"}), cr::shape_error);  // names written in place
    causal_graph cycle(2);
    cycle.add_undirected(0, 1);
    CHECK_THROWS_AS(causal::cpdag_of(cycle), cr::argument_error);
    CHECK_THROWS_AS(causal::d_separation_oracle(cycle), cr::argument_error);
    CHECK_THROWS_AS(causal::compare_graphs(causal_graph(2), causal_graph(3)), cr::shape_error);

    const auto x = formula_data();
    const causal::fisher_z_test test(x);
    CHECK_THROWS_AS(test.p_value(0, 0, std::vector<std::size_t>{}), cr::argument_error);
    CHECK_THROWS_AS(test.p_value(0, 4, std::vector<std::size_t>{}), cr::argument_error);
    CHECK_THROWS_AS(test.p_value(0, 1, std::vector<std::size_t>{1}), cr::argument_error);
    CHECK_THROWS_AS(causal::fisher_z_test(cr::matrix<double>::from_shape({3, 2})), cr::argument_error);
    auto constant = x;
    for (std::size_t r = 0; r < 50; ++r) constant(r, 2) = 1.0;
    CHECK_THROWS_WITH(causal::fisher_z_test(constant), Catch::Contains("column 2 is constant"));
    auto nan = x;
    nan(7, 1) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(causal::fisher_z_test(nan), cr::numeric_error);
    CHECK_THROWS_AS(causal::pc(x, {.alpha = 0.0}), cr::argument_error);
    CHECK_THROWS_AS(causal::pc(x, {.alpha = 1.0}), cr::argument_error);
    CHECK_THROWS_AS(causal::simulate_linear_sem({.variables = 1}), cr::argument_error);
    CHECK_THROWS_AS(causal::simulate_linear_sem({.min_weight = 2.0, .max_weight = 1.0}), cr::argument_error);
    CHECK_THROWS_AS(causal::simulate_linear_sem({.min_weight = 0.0}), cr::argument_error);
    CHECK_THROWS_AS(test.correlation(0, 4), cr::argument_error);
    CHECK_THROWS_AS(causal::pc(causal::d_separation_oracle(sprinkler())).separating_set(0, 6), cr::argument_error);
    auto nearly_constant = x;
    for (std::size_t r = 0; r < 50; ++r) nearly_constant(r, 0) = 0.1;  // its computed variance is rounding noise, not 0
    CHECK_THROWS_WITH(causal::fisher_z_test(nearly_constant), Catch::Contains("column 0 is constant"));
    CHECK_THROWS_AS(causal::simulate_linear_sem({.noise_std = 0.0}), cr::argument_error);
}

}  // namespace causalrec_test_causal_discovery
