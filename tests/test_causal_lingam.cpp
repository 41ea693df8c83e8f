// DirectLiNGAM (causal/discovery/lingam.hpp): the lingam package's own test case (order, the two
// coefficients, the pruned non-edges), the causal order on simulated 20-variable graphs with uniform
// noise, total effects by hand, the entropy approximation against its closed form, errors.
#include <causalrec/causal/discovery.hpp>
#include <causalrec/core/rng.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_causal_lingam {

namespace cr = causalrec;
namespace causal = causalrec::causal;
using Catch::Matchers::WithinAbs;

namespace {

/// Position of each variable in an order.
std::vector<std::size_t> positions(const std::vector<std::size_t>& order) {
    std::vector<std::size_t> at(order.size());
    for (std::size_t k = 0; k < order.size(); ++k) at[order[k]] = k;
    return at;
}

}  // namespace

TEST_CASE("lingam: the lingam package's test case: order, coefficients 2 and 4, pruned non-edges", "[discovery][lingam]") {
    // lingam/tests/test_direct_lingam.py: x0 ~ U(0,1), x1 = 2 x0 + U, x2 ~ U, x3 = 4 x1 + U, n = 1000.
    cr::rng g(0);
    const std::size_t n = 1000;
    cr::matrix<double> x = cr::matrix<double>::from_shape({n, 4});
    for (std::size_t r = 0; r < n; ++r) {
        x(r, 0) = g.uniform();
        x(r, 1) = 2.0 * x(r, 0) + g.uniform();
        x(r, 2) = g.uniform();
        x(r, 3) = 4.0 * x(r, 1) + g.uniform();
    }
    const auto result = causal::direct_lingam(x);
    const auto at = positions(result.causal_order);
    CHECK(at[0] < at[1]);
    CHECK(at[1] < at[3]);
    CHECK_THAT(result.weights(0, 1), WithinAbs(2.0, 0.1));
    CHECK_THAT(result.weights(1, 3), WithinAbs(4.0, 0.1));
    double others = 0.0;
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j)
            if (!((i == 0 && j == 1) || (i == 1 && j == 3))) others += std::abs(result.weights(i, j));
    CHECK(others < 0.1);  // the package checks the plain sum; the absolute sum is stricter
    // The graph and the total effects: x0 reaches x3 through x1 with 2 * 4.
    const auto graph = result.graph();
    CHECK(graph.directed(0, 1));
    CHECK(graph.directed(1, 3));
    CHECK(graph.edge_count() == 2);
    const auto total = result.total_effects();
    CHECK_THAT(total(0, 3), WithinAbs(result.weights(0, 1) * result.weights(1, 3), 1e-12));
    CHECK(total(3, 0) == 0.0);
    // Without pruning: OLS on every predecessor; a threshold removes the small ones.
    const auto ols = causal::direct_lingam(x, {.pruning = causal::lingam_pruning::threshold, .threshold = 0.0});
    const auto cut = causal::direct_lingam(x, {.pruning = causal::lingam_pruning::threshold, .threshold = 0.2});
    CHECK(ols.causal_order == result.causal_order);
    CHECK(ols.graph().edge_count() > 2);
    CHECK(cut.graph() == graph);
}

TEST_CASE("lingam: the causal order of simulated 20-variable graphs with uniform noise, 10 of 10 seeds", "[discovery][lingam]") {
    std::size_t consistent = 0, edges = 0, shd = 0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        const auto sem = causal::simulate_linear_sem(
            {.variables = 20, .expected_degree = 2.0, .samples = 1000, .seed = seed, .noise = causal::sem_noise::uniform});
        const auto result = causal::direct_lingam(sem.data);
        const auto at = positions(result.causal_order);
        bool ok = true;
        for (const auto& e : sem.dag.edges()) ok = ok && at[e.from] < at[e.to];
        consistent += ok;
        edges += sem.dag.edge_count();
        shd += causal::compare_graphs(result.graph(), sem.dag).shd;
    }
    INFO("orders consistent with the true DAG: " << consistent << " of 10; true edges " << edges << "; mean SHD " << static_cast<double>(shd) / 10.0);
    CHECK(consistent == 10);
    CHECK(shd <= 10 * 3);
}

TEST_CASE("lingam: Hyvarinen's entropy approximation and the residual by hand", "[discovery][lingam]") {
    // A standard normal sample: E log cosh u = 0.37457 (gamma) and E u exp(-u^2/2) = 0 in the limit,
    // so the approximation tends to the normal entropy (1 + log 2 pi) / 2.
    cr::rng g(3);
    std::vector<double> u(200000);
    for (double& v : u) v = g.normal();
    CHECK_THAT(causal::detail::lingam_entropy(u), WithinAbs((1.0 + std::log(2.0 * std::numbers::pi)) / 2.0, 2e-3));
    // A uniform variable on +-sqrt 3 has less entropy (log 2 sqrt 3 = 1.2425 < 1.4189).
    for (double& v : u) v = (2.0 * g.uniform() - 1.0) * std::sqrt(3.0);
    CHECK(causal::detail::lingam_entropy(u) < 1.40);
    // residual: x_i - cov(x_i, x_j) (ddof 1) / var(x_j) (ddof 0) x_j. x_i = (1, 2, 3), x_j = (1, 0, 2):
    // cov = ((-1)(0) + (0)(-1) + (1)(1)) / 2 = 0.5, var = (0 + 1 + 1) / 3 = 2/3, slope 0.75.
    const std::vector<double> xi = {1.0, 2.0, 3.0}, xj = {1.0, 0.0, 2.0};
    std::vector<double> r(3);
    causal::detail::lingam_residual(xi, xj, r);
    CHECK_THAT(r[0], WithinAbs(0.25, 1e-15));
    CHECK_THAT(r[1], WithinAbs(2.0, 1e-15));
    CHECK_THAT(r[2], WithinAbs(1.5, 1e-15));
}

TEST_CASE("lingam: errors on bad input", "[discovery][lingam][errors]") {
    cr::matrix<double> one = cr::matrix<double>::from_shape({10, 1});
    CHECK_THROWS_AS(causal::direct_lingam(one), cr::argument_error);
    cr::matrix<double> few = cr::matrix<double>::from_shape({4, 3});
    CHECK_THROWS_AS(causal::direct_lingam(few), cr::argument_error);
    cr::rng g(1);
    cr::matrix<double> x = cr::matrix<double>::from_shape({50, 3});
    for (auto& v : x) v = g.uniform();
    for (std::size_t r = 0; r < 50; ++r) x(r, 2) = 1.0;
    CHECK_THROWS_WITH(causal::direct_lingam(x), Catch::Contains("direct_lingam: column 2 is constant"));
    x(3, 2) = std::nan("");
    CHECK_THROWS_WITH(causal::direct_lingam(x), Catch::Contains("direct_lingam: X has a non-finite value (nan) at row 3, column 2"));
    CHECK_THROWS_AS(causal::direct_lingam(x), cr::numeric_error);
    x(3, 2) = 2.0;
    CHECK_THROWS_AS(causal::direct_lingam(x, {.lasso_path = 1}), cr::argument_error);
    CHECK_THROWS_AS(causal::direct_lingam(x, {.pruning = causal::lingam_pruning::threshold, .threshold = -1.0}), cr::argument_error);
}

}  // namespace causalrec_test_causal_lingam
