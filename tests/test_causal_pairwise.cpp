// Cause-effect pairs (causal/discovery/pairwise.hpp): the HSIC statistic and its gamma p-value
// against NumPy/SciPy, the permutation p-value against the exact permutation distribution, ANM-HSIC
// on simulated additive-noise pairs, IGCI and RECI by hand, errors.
#include <causalrec/causal/discovery.hpp>
#include <causalrec/core/rng.hpp>

#include <cmath>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_causal_pairwise {

namespace cr = causalrec;
namespace causal = causalrec::causal;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

TEST_CASE("hsic: statistic, gamma p-value and permutation p-value against their references", "[discovery][pairwise]") {
    // NumPy/SciPy 1.10.1 (median-heuristic Gaussian kernels, Gretton's hsicTestGamma formulas;
    // scipy.stats.gamma.sf), and the exact permutation p-value over all 8! = 40,320 permutations.
    const std::vector<double> x = {0.3, -1.2, 0.8, 2.1, -0.4, 1.5, -2.0, 0.1};
    const std::vector<double> y = {0.5, 1.1, -0.2, 3.9, 0.3, 2.0, 4.1, 0.0};
    const auto g = causal::hsic_test(x, y);
    CHECK_THAT(g.statistic, WithinRel(0.4842315824732046, 1e-12));
    CHECK_THAT(g.p_value, WithinRel(0.026186273134693856, 1e-9));
    const auto p = causal::hsic_test(x, y, {.method = causal::hsic_method::permutation, .permutations = 20000, .seed = 3});
    CHECK(p.statistic == g.statistic);
    CHECK_THAT(p.p_value, WithinAbs(0.09600694444444445, 0.007));  // 3 standard errors of 20,000 draws
    // Independent samples: a large p-value; y a function of x: a tiny one.
    cr::rng r(9);
    std::vector<double> a(300), b(300), c(300);
    for (std::size_t i = 0; i < 300; ++i) a[i] = r.normal(), b[i] = r.normal(), c[i] = a[i] * a[i] + 0.1 * r.normal();
    CHECK(causal::hsic_test(a, b).p_value > 0.05);
    CHECK(causal::hsic_test(a, c).p_value < 1e-6);  // uncorrelated (y = x^2) but dependent
}

TEST_CASE("anm: additive-noise models find the direction of at least 90 of 100 simulated pairs", "[discovery][pairwise]") {
    // y = f(x) + uniform noise, f cubic, tanh or sine-plus-square with random coefficients, x uniform
    // on [-2, 2], 200 points, each pair shown in a seeded random order.
    cr::rng g(7);
    int anm = 0, igci = 0, reci = 0;
    for (int pair = 0; pair < 100; ++pair) {
        const std::size_t n = 200;
        std::vector<double> x(n), y(n);
        const double a = g.uniform(0.5, 2.0) * (g.bernoulli(0.5) ? 1.0 : -1.0), b = g.uniform(0.2, 1.0);
        for (std::size_t i = 0; i < n; ++i) {
            x[i] = g.uniform(-2.0, 2.0);
            const double v = x[i];
            const double f = pair % 3 == 0 ? a * v + b * v * v * v : pair % 3 == 1 ? a * std::tanh(2.0 * v) + b * v : a * std::sin(v) + b * v * v;
            y[i] = f + 0.3 * (2.0 * g.uniform() - 1.0);
        }
        const bool swap = g.bernoulli(0.5);
        const auto& u = swap ? y : x;
        const auto& v = swap ? x : y;
        const auto want = swap ? causal::pair_direction::y_causes_x : causal::pair_direction::x_causes_y;
        anm += causal::anm_direction(u, v).direction == want;
        igci += causal::igci_direction(u, v).direction == want;
        reci += causal::reci_direction(u, v).direction == want;
    }
    INFO("right directions of 100: ANM-HSIC " << anm << ", IGCI " << igci << ", RECI " << reci);
    CHECK(anm >= 90);
}

TEST_CASE("igci and reci by hand", "[discovery][pairwise]") {
    // IGCI's slope estimator on x = (0, 1, 2, 4), y = (0, 1, 4, 16) scaled to [0, 1]:
    // x' = (0, .25, .5, 1), y' = (0, 1/16, 1/4, 1); C(X->Y) = mean log(dy/dx) = mean log(0.25, 0.75, 1.5),
    // C(Y->X) = -C(X->Y) here (same consecutive pairs).
    const std::vector<double> x = {0.0, 1.0, 2.0, 4.0}, y = {0.0, 1.0, 4.0, 16.0};
    const auto i = causal::igci_direction(x, y);
    const double c = (std::log(0.25) + std::log(0.75) + std::log(1.5)) / 3.0;
    CHECK_THAT(i.score_xy, WithinAbs(c, 1e-14));
    CHECK_THAT(i.score_yx, WithinAbs(-c, 1e-14));
    CHECK(i.direction == causal::pair_direction::x_causes_y);  // c < 0
    // RECI with degree 1: the mean squared error of a straight-line fit on the [0, 1]-scaled data.
    // x' = (0, .25, .5, 1), y' = (0, 1/16, 1/4, 1): least squares y' = -0.1 + 0.95 x'... computed below.
    const auto r = causal::reci_direction(x, y, 1);
    const double xs[] = {0.0, 0.25, 0.5, 1.0}, ys[] = {0.0, 1.0 / 16.0, 0.25, 1.0};
    double mx = 0, my = 0;
    for (int k = 0; k < 4; ++k) mx += xs[k] / 4.0, my += ys[k] / 4.0;
    double sxy = 0, sxx = 0;
    for (int k = 0; k < 4; ++k) sxy += (xs[k] - mx) * (ys[k] - my), sxx += (xs[k] - mx) * (xs[k] - mx);
    const double slope = sxy / sxx, intercept = my - slope * mx;
    double mse = 0;
    for (int k = 0; k < 4; ++k) mse += (ys[k] - intercept - slope * xs[k]) * (ys[k] - intercept - slope * xs[k]) / 4.0;
    CHECK_THAT(r.score_xy, WithinAbs(mse, 1e-9));
}

TEST_CASE("pairwise direction methods: errors on bad input", "[discovery][pairwise][errors]") {
    const std::vector<double> a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, b = {1, 2, 3};
    CHECK_THROWS_AS(causal::hsic_test(a, b), cr::argument_error);
    CHECK_THROWS_AS(causal::hsic_test(b, b), cr::argument_error);  // fewer than 6
    CHECK_THROWS_AS(causal::hsic_test(a, a, {.method = causal::hsic_method::permutation, .permutations = 0}), cr::argument_error);
    CHECK_THROWS_AS(causal::anm_direction(a, a, {.max_samples = 5}), cr::argument_error);
    CHECK_THROWS_WITH(causal::anm_direction(b, b), Catch::Contains("anm_direction: needs at least 10 values, got 3"));
    const std::vector<double> constant(11, 2.0);
    CHECK_THROWS_AS(causal::igci_direction(a, constant), cr::argument_error);
    CHECK_THROWS_AS(causal::reci_direction(a, constant), cr::argument_error);
    CHECK_THROWS_AS(causal::reci_direction(a, a, 0), cr::argument_error);
    std::vector<double> bad = a;
    bad[3] = std::nan("");
    CHECK_THROWS_AS(causal::igci_direction(a, bad), cr::numeric_error);
    CHECK_THROWS_WITH(causal::hsic_test(bad, a), Catch::Contains("hsic_test: value 3 is not finite"));
}

}  // namespace causalrec_test_causal_pairwise
