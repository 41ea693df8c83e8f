// Greedy equivalence search (causal/discovery/ges.hpp): the oracle score (the true covariance) returns
// the true CPDAG on simulated 20-variable graphs, small graphs by hand (a collider, a chain), the BIC
// by hand, the PDAG completion, the BDeu score against SciPy's gammaln and GES with it on categorical
// data from a known network, errors (too few rows, a constant column, a non-finite value).
#include <causalrec/causal/discovery.hpp>
#include <causalrec/core/rng.hpp>

#include <cmath>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_causal_ges {

namespace cr = causalrec;
namespace causal = causalrec::causal;
using Catch::Matchers::WithinRel;

namespace {

/// The covariance of x = W^T x + e with unit noise: A A^T, A = (I - W^T)^-1 = sum_k (W^T)^k.
cr::matrix<double> sem_covariance(const cr::matrix<double>& w) {
    const std::size_t d = w.shape()[0];
    cr::matrix<double> a = xt::eye<double>(d), power = xt::eye<double>(d);
    for (std::size_t k = 1; k < d; ++k) {
        cr::matrix<double> next = xt::zeros<double>({d, d});
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t m = 0; m < d; ++m)
                for (std::size_t j = 0; j < d; ++j) next(i, j) += power(i, m) * w(j, m);
        power = next;
        a += power;
    }
    cr::matrix<double> sigma = xt::zeros<double>({d, d});
    for (std::size_t i = 0; i < d; ++i)
        for (std::size_t j = 0; j < d; ++j)
            for (std::size_t m = 0; m < d; ++m) sigma(i, j) += a(i, m) * a(j, m);
    return sigma;
}

}  // namespace

TEST_CASE("ges: with the oracle score it returns the true CPDAG of at least 8 of 10 simulated graphs", "[discovery][ges]") {
    // simulate_linear_sem: 20 variables, expected degree 2 (about 20 edges); the oracle is the BIC of the
    // true covariance with a nominal n of 10^6. From the 1,000 sampled rows, the SHD is reported.
    std::size_t exact = 0, shd_data = 0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        const auto sem = causal::simulate_linear_sem({.variables = 20, .expected_degree = 2.0, .samples = 1000, .seed = seed});
        const auto oracle = causal::ges(causal::gaussian_bic(sem_covariance(sem.weights), 1e6, 1.0));
        exact += oracle.cpdag == sem.cpdag;
        shd_data += causal::compare_graphs(causal::ges(sem.data).cpdag, sem.cpdag).shd;
    }
    INFO("oracle: the true CPDAG in " << exact << " of 10; from data, mean SHD " << static_cast<double>(shd_data) / 10.0);
    CHECK(exact >= 8);
    CHECK(shd_data <= 10 * 8);
}

TEST_CASE("ges: too few rows, a constant column or a non-finite value raise errors named ges", "[discovery][ges][errors]") {
    // With fewer rows than variables + 2 a variable regressed on all the others can be fitted exactly:
    // the residual variance is 0 and every added edge looked like a gain. Before this check, 6 rows
    // of this 10-variable graph (7 edges) gave 28 edges, SHD 29; 3 rows gave 17 edges.
    const auto sem = causal::simulate_linear_sem({.variables = 10, .expected_degree = 2.0, .samples = 12, .seed = 1});
    cr::matrix<double> six = xt::view(sem.data, xt::range(0, 6), xt::all());
    CHECK_THROWS_AS(causal::ges(six), cr::argument_error);
    CHECK_THROWS_WITH(causal::ges(six), Catch::Contains("causalrec::causal::ges: needs at least variables + 2 = 12 rows, got 6"));
    CHECK_THROWS_WITH(causal::gaussian_bic(six), Catch::Contains("causalrec::causal::gaussian_bic: needs at least variables + 2 = 12 rows"));
    CHECK_NOTHROW(causal::ges(sem.data));  // exactly variables + 2 rows
    auto constant = sem.data;
    for (std::size_t r = 0; r < 12; ++r) constant(r, 4) = 1.5;
    CHECK_THROWS_WITH(causal::ges(constant), Catch::Contains("causalrec::causal::ges: column 4 is constant"));
    auto bad = sem.data;
    bad(2, 3) = std::nan("");
    CHECK_THROWS_AS(causal::ges(bad), cr::numeric_error);
    CHECK_THROWS_WITH(causal::ges(bad), Catch::Contains("causalrec::causal::ges: X has a non-finite value (nan) at row 2, column 3"));
}

TEST_CASE("ges: a collider keeps its arrows, a chain stays undirected", "[discovery][ges]") {
    // Collider 0 -> 2 <- 1 (weights 1, -1): the CPDAG is the DAG itself.
    cr::matrix<double> w = xt::zeros<double>({3, 3});
    w(0, 2) = 1.0, w(1, 2) = -1.0;
    const auto collider = causal::ges(causal::gaussian_bic(sem_covariance(w), 1e6, 1.0));
    CHECK(collider.cpdag.directed(0, 2));
    CHECK(collider.cpdag.directed(1, 2));
    CHECK(collider.cpdag.edge_count() == 2);
    // Chain 0 -> 1 -> 2: its class is 0 -- 1 -- 2.
    cr::matrix<double> c = xt::zeros<double>({3, 3});
    c(0, 1) = 0.8, c(1, 2) = 0.8;
    const auto chain = causal::ges(causal::gaussian_bic(sem_covariance(c), 1e6, 1.0));
    CHECK(chain.cpdag.undirected(0, 1));
    CHECK(chain.cpdag.undirected(1, 2));
    CHECK(chain.cpdag.edge_count() == 2);
}

TEST_CASE("ges: the Gaussian BIC by hand and the PDAG completion", "[discovery][ges]") {
    // Covariance [[2, 1], [1, 2]], n 100: local(1, {}) = -50 log 2; local(1, {0}) = -50 log(2 - 1/2) - log(100)/2.
    const cr::matrix<double> sigma = {{2.0, 1.0}, {1.0, 2.0}};
    const causal::gaussian_bic bic(sigma, 100.0, 1.0);
    const std::vector<std::size_t> none, zero = {0};
    CHECK_THAT(bic.local(1, none), WithinRel(-50.0 * std::log(2.0), 1e-14));
    CHECK_THAT(bic.local(1, zero), WithinRel(-50.0 * std::log(1.5) - 0.5 * std::log(100.0), 1e-14));
    // Completion returns the CPDAG of a DAG consistent with the PDAG: 0 -> 1 -- 2 extends to the chain
    // 0 -> 1 -> 2, whose class is 0 -- 1 -- 2.
    causal::causal_graph g(3);
    g.add_directed(0, 1), g.add_undirected(1, 2);
    REQUIRE(causal::detail::complete_to_cpdag(g));
    CHECK(g.undirected(0, 1));
    CHECK(g.undirected(1, 2));
    // A v-structure stays: 0 -> 2 <- 1.
    causal::causal_graph v(3);
    v.add_directed(0, 2), v.add_directed(1, 2);
    REQUIRE(causal::detail::complete_to_cpdag(v));
    CHECK(v.directed(0, 2));
    CHECK(v.directed(1, 2));
    // Errors.
    CHECK_THROWS_AS(causal::gaussian_bic(cr::matrix<double>::from_shape({1, 3})), cr::argument_error);
    CHECK_THROWS_AS(causal::gaussian_bic(sigma, 100.0, 0.0), cr::argument_error);
    CHECK_THROWS_AS(causal::gaussian_bic(sigma, 1.0, 1.0), cr::argument_error);
}

TEST_CASE("ges: the BDeu score equals the formula computed with SciPy, and GES with it recovers a categorical network", "[discovery][ges]") {
    // Ten rows of three categorical columns; reference: the BDeu sum with scipy.special.gammaln.
    const cr::matrix<double> data = {{0, 1, 2}, {1, 1, 0}, {0, 0, 2}, {1, 1, 2}, {0, 1, 0}, {1, 0, 1}, {1, 1, 2}, {0, 0, 0}, {1, 1, 1}, {0, 1, 2}};
    const causal::bdeu_score ten(data, 10.0), one(data, 1.0);
    const std::vector<std::size_t> none, p0 = {0}, p01 = {0, 1}, p2 = {2};
    CHECK_THAT(ten.local(2, none), WithinRel(-11.340917365428052, 1e-13));
    CHECK_THAT(ten.local(2, p0), WithinRel(-11.470819184459927, 1e-13));
    CHECK_THAT(ten.local(2, p01), WithinRel(-12.382655565984699, 1e-13));
    CHECK_THAT(one.local(0, p2), WithinRel(-9.501119683842544, 1e-13));
    CHECK(ten.states(2) == 3);
    // The sprinkler network (cloudy -> sprinkler, cloudy -> rain, sprinkler -> wet <- rain), 5,000 rows:
    // its CPDAG keeps the collider at wet and leaves the cloudy edges undirected.
    cr::rng g(4);
    cr::matrix<double> rows = cr::matrix<double>::from_shape({5000, 4});
    for (std::size_t r = 0; r < 5000; ++r) {
        const bool cloudy = g.bernoulli(0.5);
        const bool sprinkler = g.bernoulli(cloudy ? 0.1 : 0.5);
        const bool rain = g.bernoulli(cloudy ? 0.8 : 0.2);
        const bool wet = g.bernoulli(sprinkler && rain ? 0.99 : sprinkler || rain ? 0.9 : 0.05);
        rows(r, 0) = cloudy, rows(r, 1) = sprinkler, rows(r, 2) = rain, rows(r, 3) = wet;
    }
    const auto found = causal::ges(causal::bdeu_score(rows));
    CHECK(found.cpdag.directed(1, 3));
    CHECK(found.cpdag.directed(2, 3));
    CHECK(found.cpdag.undirected(0, 1));
    CHECK(found.cpdag.undirected(0, 2));
    CHECK(found.cpdag.edge_count() == 4);
    cr::matrix<double> bad = data;
    bad(3, 1) = 0.5;
    CHECK_THROWS_AS(causal::bdeu_score(bad), cr::argument_error);
    CHECK_THROWS_AS(causal::bdeu_score(data, 0.0), cr::argument_error);
}

}  // namespace causalrec_test_causal_ges
