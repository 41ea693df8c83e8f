// Background knowledge and discovery feeding inference (causal/discovery/knowledge.hpp,
// adjustment.hpp): tiers orient what observational data leave open, forbidden edges stay out of PC's
// and NOTEARS's graphs, and on a confounded simulation the effect estimated with the learned graph's
// adjustment set is within 2 standard errors of the truth, while a graph without the confounder's
// edge gives an estimate that is not.
#include <causalrec/causal/discovery.hpp>
#include <causalrec/core/rng.hpp>

#include <cmath>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_causal_adjustment {

namespace cr = causalrec;
namespace causal = causalrec::causal;
using Catch::Matchers::WithinAbs;

namespace {

// Columns z1, z2, w, t, y: z1 and z2 confound t and y, w is noise; t = 1[0.8 z1 - 0.6 z2 + e > 0],
// y = 2 t + z1 + 0.8 z2 + 0.5 e'. The true average effect is 2.
cr::matrix<double> confounded(std::size_t n, std::uint64_t seed) {
    cr::rng g(seed);
    cr::matrix<double> x = cr::matrix<double>::from_shape({n, 5});
    for (std::size_t r = 0; r < n; ++r) {
        const double z1 = g.normal(), z2 = g.normal(), w = g.normal();
        const double t = 0.8 * z1 - 0.6 * z2 + g.normal() > 0.0 ? 1.0 : 0.0;
        x(r, 0) = z1, x(r, 1) = z2, x(r, 2) = w, x(r, 3) = t;
        x(r, 4) = 2.0 * t + z1 + 0.8 * z2 + 0.5 * g.normal();
    }
    return x;
}

}  // namespace

TEST_CASE("adjustment: the learned graph's adjustment set recovers the effect, a graph without the confounder does not", "[discovery][adjustment]") {
    // Ten simulated data sets of 4,000 rows. Tiers: the covariates, then the treatment, then the outcome
    // ("treatment precedes outcome"). A 95 % interval covers the truth in about 9.5 of 10.
    const causal::background_knowledge tiers{.tiers = {0, 0, 0, 1, 2}};
    std::size_t covered = 0, biased_covered = 0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        const auto data = confounded(4000, seed);
        const auto learned = causal::pc(data, {.alpha = 0.01, .knowledge = &tiers}).graph;
        CHECK(learned.directed(0, 3));
        CHECK(learned.directed(1, 3));
        CHECK(learned.directed(3, 4));
        CHECK(!learned.adjacent(2, 3));
        const auto adjusted = causal::estimate_effect_from_graph(data, learned, 3, 4);
        CHECK(adjusted.adjustment == std::vector<std::size_t>{0, 1});
        covered += std::abs(adjusted.effect.estimate - 2.0) < 2.0 * adjusted.effect.std_error;
        // A graph missing the edge z1 -> t: z1 is left out of the adjustment and confounds the estimate
        // (about 3.0 instead of 2).
        auto missing = learned;
        missing.remove_edge(0, 3);
        const auto biased = causal::estimate_effect_from_graph(data, missing, 3, 4);
        CHECK(biased.adjustment == std::vector<std::size_t>{1});
        biased_covered += std::abs(biased.effect.estimate - 2.0) < 2.0 * biased.effect.std_error;
    }
    INFO("within 2 standard errors of the true effect: learned graph " << covered << " of 10, without the confounder " << biased_covered << " of 10");
    CHECK(covered >= 8);
    CHECK(biased_covered == 0);
    // Without tiers the treatment-outcome edge may stay undirected, and the set is refused.
    const auto data = confounded(4000, 1);
    const auto learned = causal::pc(data, {.alpha = 0.01, .knowledge = &tiers}).graph;
    causal::causal_graph open = learned;
    open.add_undirected(3, 4);
    CHECK_THROWS_WITH(causal::adjustment_set(open, 3, 4), Catch::Contains("undirected"));
    CHECK_THROWS_AS(causal::adjustment_set(learned, 3, 3), cr::argument_error);
    causal::causal_graph reversed(5);
    reversed.add_directed(4, 3);
    CHECK_THROWS_WITH(causal::adjustment_set(reversed, 3, 4), Catch::Contains("the outcome is a parent of the treatment"));
    CHECK_THROWS_AS(causal::estimate_effect_from_graph(data, causal::causal_graph(4), 3, 2), cr::shape_error);
}

TEST_CASE("background knowledge: forbidden edges stay out of PC and NOTEARS, required ones stay in PC", "[discovery][adjustment]") {
    // A chain 0 -> 1 -> 2 (linear Gaussian): PC alone leaves 0 -- 1 -- 2; requiring 0 -> 1 orients both by Meek's rule 1.
    cr::rng g(5);
    cr::matrix<double> x = cr::matrix<double>::from_shape({3000, 3});
    for (std::size_t r = 0; r < 3000; ++r) {
        x(r, 0) = g.normal();
        x(r, 1) = 0.9 * x(r, 0) + g.normal();
        x(r, 2) = -0.8 * x(r, 1) + g.normal();
    }
    const auto plain = causal::pc(x, {.alpha = 0.01}).graph;
    CHECK(plain.undirected(0, 1));
    CHECK(plain.undirected(1, 2));
    const causal::background_knowledge required{.required = {{0, 1}}};
    const auto oriented = causal::pc(x, {.alpha = 0.01, .knowledge = &required}).graph;
    CHECK(oriented.directed(0, 1));
    CHECK(oriented.directed(1, 2));
    // Forbidding 1 -> 2 and 2 -> 1 removes the edge in PC; in NOTEARS the forbidden direction's weight stays 0.
    const causal::background_knowledge no_12{.forbidden = {{1, 2}, {2, 1}}};
    CHECK(!causal::pc(x, {.alpha = 0.01, .knowledge = &no_12}).graph.adjacent(1, 2));
    const causal::background_knowledge tiers{.tiers = {2, 1, 0}};  // the reverse order: only 2 -> 1 -> 0 allowed
    const auto nt = causal::notears_linear(x, {.knowledge = &tiers});
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j)
            if (tiers.tiers[i] > tiers.tiers[j]) CHECK(nt.raw_weights(i, j) == 0.0);
    CHECK(nt.graph().directed(2, 1));
    CHECK_THROWS_AS(causal::notears_linear(x, {.knowledge = &required}), cr::argument_error);
    // Inconsistent knowledge is refused.
    const causal::background_knowledge contradictory{.required = {{0, 1}}, .forbidden = {{0, 1}}};
    CHECK_THROWS_WITH(causal::pc(x, {.knowledge = &contradictory}), Catch::Contains("both required and forbidden"));
    const causal::background_knowledge short_tiers{.tiers = {0, 1}};
    CHECK_THROWS_AS(causal::pc(x, {.knowledge = &short_tiers}), cr::argument_error);
}

TEST_CASE("background knowledge: GES and DirectLiNGAM follow required edges, forbidden edges and tiers", "[discovery][adjustment]") {
    // The chain 0 -> 1 -> 2 again: GES alone returns its class 0 -- 1 -- 2; tiers (0 first) orient
    // it; a required edge (2 -> 1, the other member of the class) orients the rest by Meek's rules;
    // a forbidden pair never enters.
    cr::rng g(5);
    const std::size_t n = 3000;
    cr::matrix<double> x = cr::matrix<double>::from_shape({n, 3});
    for (std::size_t r = 0; r < n; ++r) {
        x(r, 0) = g.normal();
        x(r, 1) = 0.9 * x(r, 0) + g.normal();
        x(r, 2) = -0.8 * x(r, 1) + g.normal();
    }
    const auto plain = causal::ges(x).cpdag;
    CHECK(plain.undirected(0, 1));
    CHECK(plain.undirected(1, 2));
    CHECK(plain.edge_count() == 2);
    const causal::background_knowledge tiers{.tiers = {0, 1, 2}};
    const auto tiered = causal::ges(x, 1.0, &tiers).cpdag;
    CHECK(tiered.directed(0, 1));
    CHECK(tiered.directed(1, 2));
    const causal::background_knowledge backwards{.required = {{2, 1}}};
    const auto reversed = causal::ges(x, 1.0, &backwards).cpdag;
    CHECK(reversed.directed(2, 1));
    CHECK(reversed.directed(1, 0));  // Meek's rule 1: 2 -> 1 -- 0 with 2, 0 not adjacent
    const causal::background_knowledge no_12{.forbidden = {{1, 2}, {2, 1}}};
    CHECK_FALSE(causal::ges(x, 1.0, &no_12).cpdag.adjacent(1, 2));
    // A required edge the data do not support stays in the graph.
    const causal::background_knowledge extra{.required = {{0, 2}}};
    CHECK(causal::ges(x, 1.0, &extra).cpdag.directed(0, 2));
    const causal::background_knowledge cycle{.required = {{0, 1}, {1, 2}, {2, 0}}};
    CHECK_THROWS_AS(causal::ges(x, 1.0, &cycle), cr::argument_error);

    // DirectLiNGAM on the lingam package's test case (x0 -> x1 -> x3, x2 alone; uniform noise): the data
    // put x1 before x3; tiers that put x3 first force the order, and the forbidden direction gets no
    // coefficient; a required edge keeps its coefficient through the pruning.
    cr::rng u(0);
    cr::matrix<double> y = cr::matrix<double>::from_shape({1000, 4});
    for (std::size_t r = 0; r < 1000; ++r) {
        y(r, 0) = u.uniform();
        y(r, 1) = 2.0 * y(r, 0) + u.uniform();
        y(r, 2) = u.uniform();
        y(r, 3) = 4.0 * y(r, 1) + u.uniform();
    }
    const causal::background_knowledge x3_first{.tiers = {1, 1, 1, 0}};
    const auto forced = causal::direct_lingam(y, {.knowledge = &x3_first});
    CHECK(forced.causal_order.front() == 3);
    for (std::size_t i = 0; i < 3; ++i) CHECK(forced.weights(i, 3) == 0.0);
    const causal::background_knowledge keep_21{.required = {{2, 1}}};
    const auto kept = causal::direct_lingam(y, {.knowledge = &keep_21});
    CHECK(kept.weights(2, 1) != 0.0);
    CHECK_THAT(kept.weights(0, 1), WithinAbs(2.0, 0.1));
    const causal::background_knowledge no_01{.forbidden = {{0, 1}}};
    CHECK(causal::direct_lingam(y, {.knowledge = &no_01}).weights(0, 1) == 0.0);
    CHECK_THROWS_AS(causal::direct_lingam(y, {.knowledge = &cycle}), cr::argument_error);
}

TEST_CASE("contexts: a condition that shifts one variable orients the edge observational data leave open", "[discovery][contexts]") {
    // Two linear Gaussian variables; 1,500 rows observed, 1,500 rows with x shifted by +2 (a soft
    // intervention on x). Observational data alone cannot orient x -- y (both directions are Markov
    // equivalent). With the condition as a context c in the first tier, c -> x:
    //  - truth x -> y: c is independent of y given x, no collider, and Meek's first rule turns
    //    c -> x -- y into x -> y;
    //  - truth y -> x: c and y are independent, x is a collider, c -> x <- y.
    cr::rng g(11);
    const std::size_t n = 3000;
    const auto condition = causal::conditions_from_block_sizes(std::vector<std::size_t>{1500, 1500});
    REQUIRE(condition.size() == n);
    CHECK(condition[1499] == 0);
    CHECK(condition[1500] == 1);
    cr::matrix<double> x_causes_y = cr::matrix<double>::from_shape({n, 2}), y_causes_x = x_causes_y;
    for (std::size_t r = 0; r < n; ++r) {
        const double shift = condition[r] == 1 ? 2.0 : 0.0;
        x_causes_y(r, 0) = g.normal() + shift;
        x_causes_y(r, 1) = 0.8 * x_causes_y(r, 0) + g.normal();
        y_causes_x(r, 1) = g.normal();
        y_causes_x(r, 0) = 0.8 * y_causes_x(r, 1) + g.normal() + shift;
    }
    CHECK(causal::pc(x_causes_y, {.alpha = 0.01}).graph.undirected(0, 1));

    const auto forward = causal::with_condition_contexts(x_causes_y, condition);
    REQUIRE(forward.contexts == 1);
    REQUIRE(forward.values.shape()[1] == 3);
    CHECK(forward.values(0, 0) == 0.0);
    CHECK(forward.values(n - 1, 0) == 1.0);
    CHECK(forward.values(7, 2) == x_causes_y(7, 1));
    CHECK(forward.knowledge.tiers == std::vector<std::size_t>{0, 1, 1});
    const auto learned = causal::pc(forward.values, {.alpha = 0.01, .knowledge = &forward.knowledge}).graph;
    CHECK(learned.directed(0, 1));
    CHECK(!learned.adjacent(0, 2));
    CHECK(forward.system_graph(learned).directed(0, 1));
    CHECK(forward.targets(learned, 0) == std::vector<std::size_t>{0});
    CHECK(forward.system_graph(causal::ges(forward.values, 1.0, &forward.knowledge).cpdag).directed(0, 1));

    const auto backward = causal::with_condition_contexts(y_causes_x, condition);
    const auto collider = causal::pc(backward.values, {.alpha = 0.01, .knowledge = &backward.knowledge}).graph;
    CHECK(backward.system_graph(collider).directed(1, 0));
    CHECK(backward.targets(collider, 0) == std::vector<std::size_t>{0});
    CHECK(backward.system_graph(causal::ges(backward.values, 1.0, &backward.knowledge).cpdag).directed(1, 0));

    // Three conditions give two context columns; labels must cover 0..k-1 and match the rows.
    const auto three = causal::with_condition_contexts(x_causes_y, causal::conditions_from_block_sizes(std::vector<std::size_t>{1000, 1000, 1000}));
    CHECK(three.contexts == 2);
    CHECK(three.values(999, 0) + three.values(999, 1) == 0.0);
    CHECK((three.values(1000, 0) == 1.0 && three.values(1000, 1) == 0.0));
    CHECK((three.values(2000, 0) == 0.0 && three.values(2000, 1) == 1.0));
    CHECK_THROWS_AS(causal::with_condition_contexts(x_causes_y, std::vector<std::size_t>(n - 1, 0)), cr::argument_error);
    CHECK_THROWS_AS(causal::with_condition_contexts(x_causes_y, std::vector<std::size_t>(n, 0)), cr::argument_error);
    std::vector<std::size_t> gap(n, 0);
    gap.back() = 2;
    CHECK_THROWS_AS(causal::with_condition_contexts(x_causes_y, gap), cr::argument_error);
    auto huge = condition;  // labels 0 and 1, and one label whose + 1 wraps to 0
    huge.back() = static_cast<std::size_t>(-1);
    CHECK_THROWS_AS(causal::with_condition_contexts(x_causes_y, huge), cr::argument_error);
    CHECK_THROWS_AS(forward.system_graph(causal::causal_graph(2)), cr::argument_error);
    CHECK_THROWS_AS(forward.targets(learned, 1), cr::argument_error);
}

}  // namespace causalrec_test_causal_adjustment
