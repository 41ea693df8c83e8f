// Attributions (explain/): exact Shapley values of Captum's test model against its published values
// (enumeration), Integrated Gradients of the same model as an nn::sequential (completeness within the
// reported delta, every rule), KernelSHAP against shap's linear test and against exact values,
// efficiency, gradient x input, errors.
#include <causalrec/explain/explain.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/train/adversarial.hpp>

#include <cmath>
#include <numeric>
#include <vector>

#include "catch.hpp"

namespace cr = causalrec;
namespace explain = causalrec::explain;
namespace nn = causalrec::nn;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// Captum's test model (tests/attr/test_shapley.py, BasicModel_MultiLayer-like): f(x) = sum_j ReLU(sum x + b_j) - 1, b = (-10, 1, 1, 1).
struct captum_model {
    cr::vector<double> predict(const cr::matrix<double>& x) const {
        cr::vector<double> out = cr::make_vector<double>(x.shape()[0]);
        for (std::size_t r = 0; r < x.shape()[0]; ++r) {
            const double s = x(r, 0) + x(r, 1) + x(r, 2);
            out(r) = std::max(s - 10.0, 0.0) + 3.0 * std::max(s + 1.0, 0.0) - 1.0;
        }
        return out;
    }
};

// The same model as a network: dense(3, 4) with unit weights and biases b, ReLU, dense(4, 1) with unit weights and bias -1.
auto captum_network() {
    auto net = nn::sequential(nn::dense<double>(3, 4), nn::relu<double>{}, nn::dense<double>(4, 1));
    auto params = net.parameters();
    const double b[] = {-10.0, 1.0, 1.0, 1.0};
    for (double& v : params[0].value) v = 1.0;
    for (std::size_t j = 0; j < 4; ++j) params[1].value[j] = b[j];
    for (double& v : params[2].value) v = 1.0;
    params[3].value[0] = -1.0;
    cr::train::enable_input_gradient(net);
    return net;
}

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

}  // namespace

TEST_CASE("explain: exact Shapley values of Captum's test model", "[explain]") {
    const cr::matrix<double> baseline = xt::zeros<double>({std::size_t{1}, std::size_t{3}});
    const std::vector<double> x1{20.0, 50.0, 30.0}, x2{2.0, 10.0, 3.0};
    const auto a = explain::exact_shapley(captum_model{}, std::span<const double>(x1), baseline);
    // Captum's expected values (76.6667, 196.6667, 116.6667) are 230/3, 590/3, 350/3 by enumeration.
    CHECK_THAT(a.values[0], WithinAbs(230.0 / 3.0, 1e-9));
    CHECK_THAT(a.values[1], WithinAbs(590.0 / 3.0, 1e-9));
    CHECK_THAT(a.values[2], WithinAbs(350.0 / 3.0, 1e-9));
    CHECK_THAT(sum(a.values), WithinAbs(a.prediction - a.base_value, 1e-9));  // efficiency: 392 - 2
    CHECK(a.prediction == 392.0);
    CHECK(a.base_value == 2.0);
    const auto b = explain::exact_shapley(captum_model{}, std::span<const double>(x2), baseline);
    CHECK_THAT(b.values[0], WithinAbs(7.0, 1e-9));
    CHECK_THAT(b.values[1], WithinAbs(32.5, 1e-9));
    CHECK_THAT(b.values[2], WithinAbs(10.5, 1e-9));
    CHECK(a.evaluations == 8);
}

TEST_CASE("explain: integrated gradients of the same model as a network add up to f(x) - f(0)", "[explain]") {
    auto net = captum_network();
    const std::vector<double> x{20.0, 50.0, 30.0}, zero{0.0, 0.0, 0.0};
    for (auto rule : {explain::integration_rule::gauss_legendre, explain::integration_rule::riemann_left, explain::integration_rule::riemann_right,
                      explain::integration_rule::riemann_middle, explain::integration_rule::riemann_trapezoid}) {
        INFO("rule " << static_cast<int>(rule));
        const auto ig = explain::integrated_gradients(net, std::span<const double>(x), std::span<const double>(zero), {.steps = 50, .rule = rule});
        CHECK(ig.prediction == 392.0);
        CHECK(ig.baseline_prediction == 2.0);
        // Completeness: sum = f(x) - f(0) = 390 up to the reported delta.
        CHECK_THAT(sum(ig.values) - ig.convergence_delta, WithinAbs(390.0, 1e-9));
        CHECK(std::abs(ig.convergence_delta) < 2.0);
        // Every feature enters f through sum x alike: attributions proportional to x.
        CHECK_THAT(ig.values[1] / ig.values[0], WithinRel(2.5, 1e-12));
    }
    // The kink of ReLU(s - 10) lies at alpha = 0.1; more Gauss-Legendre steps shrink the delta.
    const auto coarse = explain::integrated_gradients(net, std::span<const double>(x), std::span<const double>(zero), {.steps = 50});
    const auto fine = explain::integrated_gradients(net, std::span<const double>(x), std::span<const double>(zero), {.steps = 400});
    INFO("delta with 50 steps " << coarse.convergence_delta << ", with 400 " << fine.convergence_delta);
    CHECK(std::abs(fine.convergence_delta) < 0.1);
    CHECK(std::abs(fine.convergence_delta) < 0.5 * std::abs(coarse.convergence_delta));  // measured 0.179 -> 0.050
    // Gradient x input at x: df/dx_i = 4 for every i (all four units active).
    const auto gxi = explain::gradient_times_input(net, std::span<const double>(x));
    CHECK_THAT(gxi[0], WithinAbs(80.0, 1e-12));
    CHECK_THAT(gxi[1], WithinAbs(200.0, 1e-12));
    CHECK_THAT(gxi[2], WithinAbs(120.0, 1e-12));
}

TEST_CASE("explain: KernelSHAP on shap's linear test and against exact Shapley values", "[explain]") {
    // shap (tests/explainers/test_kernel.py): f = x0 + 2 x1 on three features, a 200-row N(0, 1)
    // background; the attributions are (x - mean(background)) * (1, 2, 0).
    cr::rng g(0);
    cr::matrix<double> background = cr::matrix<double>::from_shape({200, 3});
    for (double& v : background) v = g.normal();
    auto linear = [](const cr::matrix<double>& x) {
        cr::vector<double> out = cr::make_vector<double>(x.shape()[0]);
        for (std::size_t r = 0; r < x.shape()[0]; ++r) out(r) = x(r, 0) + 2.0 * x(r, 1);
        return out;
    };
    const std::vector<double> x{1.5, -0.7, 2.0};
    const auto k = explain::kernel_shap(linear, std::span<const double>(x), background);
    const double coef[] = {1.0, 2.0, 0.0};
    for (std::size_t f = 0; f < 3; ++f) {
        double mean = 0.0;
        for (std::size_t r = 0; r < 200; ++r) mean += background(r, f) / 200.0;
        CHECK_THAT(k.values[f], WithinAbs((x[f] - mean) * coef[f], 1e-3));
    }
    CHECK_THAT(sum(k.values), WithinAbs(k.prediction - k.base_value, 1e-12));
    // A nonlinear model of 10 features: with every coalition (1022 <= samples) KernelSHAP is exact;
    // with 600 sampled coalitions it is close, and efficiency holds exactly either way.
    auto bumpy = [](const cr::matrix<double>& x) {
        cr::vector<double> out = cr::make_vector<double>(x.shape()[0]);
        for (std::size_t r = 0; r < x.shape()[0]; ++r) {
            double s = 0.0;
            for (std::size_t f = 0; f < 10; ++f) s += (f + 1.0) * 0.1 * x(r, f);
            out(r) = std::tanh(s) + x(r, 0) * x(r, 1) + 0.5 * x(r, 3) * x(r, 3);
        }
        return out;
    };
    cr::matrix<double> bg = cr::matrix<double>::from_shape({20, 10});
    for (double& v : bg) v = g.normal();
    std::vector<double> z(10);
    for (double& v : z) v = g.normal();
    const auto exact = explain::exact_shapley(bumpy, std::span<const double>(z), bg);
    const auto all = explain::kernel_shap(bumpy, std::span<const double>(z), bg, {.samples = 2048});
    for (std::size_t f = 0; f < 10; ++f) CHECK_THAT(all.values[f], WithinAbs(exact.values[f], 1e-8));
    const auto sampled = explain::kernel_shap(bumpy, std::span<const double>(z), bg, {.samples = 600, .seed = 3});
    double worst = 0.0, scale = 0.0;
    for (std::size_t f = 0; f < 10; ++f) worst = std::max(worst, std::abs(sampled.values[f] - exact.values[f])), scale = std::max(scale, std::abs(exact.values[f]));
    INFO("largest error of 600 sampled coalitions " << worst << " (largest attribution " << scale << ")");
    CHECK(worst < 0.1 * scale);
    CHECK_THAT(sum(sampled.values), WithinAbs(sampled.prediction - sampled.base_value, 1e-9));
}

TEST_CASE("explain: errors", "[explain][errors]") {
    const cr::matrix<double> baseline = xt::zeros<double>({std::size_t{1}, std::size_t{3}});
    const std::vector<double> two{1.0, 2.0};
    CHECK_THROWS_AS(explain::exact_shapley(captum_model{}, std::span<const double>(two), baseline), cr::shape_error);
    CHECK_THROWS_AS(explain::exact_shapley(captum_model{}, std::span<const double>(two), cr::matrix<double>::from_shape({0, 2})), cr::argument_error);
    const std::vector<double> many(21, 0.0);
    CHECK_THROWS_AS(explain::exact_shapley(captum_model{}, std::span<const double>(many), cr::matrix<double>::from_shape({1, 21})), cr::argument_error);
    auto wrong_length = [](const cr::matrix<double>&) { return cr::make_vector<double>(1); };
    const std::vector<double> three{1.0, 2.0, 3.0};
    CHECK_THROWS_AS(explain::kernel_shap(wrong_length, std::span<const double>(three), cr::matrix<double>(xt::zeros<double>({std::size_t{4}, std::size_t{3}}))),
                    cr::shape_error);
    auto net = nn::sequential(nn::dense<double>(3, 2));  // two outputs
    CHECK_THROWS_AS(explain::integrated_gradients(net, std::span<const double>(three), std::span<const double>(three)), cr::shape_error);
    auto no_input_gradient = nn::sequential(nn::dense<double>(3, 1));  // the first layer skips its input gradient by default
    CHECK_THROWS_AS(explain::gradient_times_input(no_input_gradient, std::span<const double>(three)), cr::shape_error);
}
