// Attributions (explain/): exact Shapley values of Captum's test model against its published values
// (enumeration), Integrated Gradients of the same model as an nn::sequential (completeness within the
// reported delta, every rule), KernelSHAP against shap's linear test and against exact values,
// efficiency, gradient x input, partial dependence and ICE against scikit-learn, permutation importance, errors.
#include <causalrec/explain/explain.hpp>
#include <causalrec/metrics/metrics.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/train/adversarial.hpp>

#include <cmath>
#include <numeric>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_explain {

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

namespace {

// f(x) = x0^2 + 2 x0 x1 - x2 on 60 rows built from formulas (the data of the scikit-learn reference run).
struct interaction_model {
    cr::vector<double> predict(const cr::matrix<double>& x) const {
        cr::vector<double> out = cr::make_vector<double>(x.shape()[0]);
        for (std::size_t r = 0; r < x.shape()[0]; ++r) out(r) = x(r, 0) * x(r, 0) + 2.0 * x(r, 0) * x(r, 1) - x(r, 2);
        return out;
    }
};

cr::matrix<double> interaction_data() {
    auto X = cr::make_matrix<double>(60, 3);
    for (std::size_t i = 0; i < 60; ++i) {
        const double d = static_cast<double>(i);
        X(i, 0) = std::sin(d * 0.7) * 3.0;
        X(i, 1) = static_cast<double>(i % 7) - 3.0;
        X(i, 2) = std::cos(d * 1.3) + d / 50.0;
    }
    return X;
}

}  // namespace

TEST_CASE("explain: partial dependence and ICE equal scikit-learn's partial_dependence", "[explain]") {
    // scikit-learn 1.2.1, sklearn.inspection.partial_dependence(est, X, [0], kind="both", grid_resolution=20)
    // with est.predict = the model above.
    const auto X = interaction_data();
    const auto pd = explain::partial_dependence(interaction_model{}, X, 0, {.grid_resolution = 20});
    REQUIRE(pd.grid.size() == 20);
    CHECK_THAT(pd.grid[0], WithinAbs(-2.922170117943592, 1e-12));
    CHECK_THAT(pd.grid[1], WithinAbs(-2.6114441154759325, 1e-12));
    CHECK_THAT(pd.grid[10], WithinAbs(0.18508990673300252, 1e-12));
    CHECK_THAT(pd.grid[19], WithinAbs(2.981623928941938, 1e-12));
    CHECK_THAT(pd.average[0], WithinAbs(8.512396315963844, 1e-12));
    CHECK_THAT(pd.average[1], WithinAbs(6.7308132855217195, 1e-12));
    CHECK_THAT(pd.average[10], WithinAbs(-0.613875613599511, 1e-12));
    CHECK_THAT(pd.average[19], WithinAbs(7.682640562023429, 1e-12));
    REQUIRE(pd.individual.size() == 60);
    CHECK_THAT(pd.individual[5][0], WithinAbs(-4.226189899299925, 1e-12));
    CHECK_THAT(pd.individual[5][19], WithinAbs(19.739989343678886, 1e-12));
    // The average is the mean of the ICE curves.
    for (std::size_t g = 0; g < 20; ++g) {
        double mean = 0.0;
        for (const auto& curve : pd.individual) mean += curve[g];
        CHECK_THAT(pd.average[g], WithinAbs(mean / 60.0, 1e-12));
    }
    // Fewer distinct values than the resolution: the grid is the values (scikit-learn: -3..3, averages below).
    const auto pd1 = explain::partial_dependence(interaction_model{}, X, 1, {.grid_resolution = 20});
    REQUIRE(pd1.grid == std::vector<double>{-3, -2, -1, 0, 1, 2, 3});
    const double expected1[] = {3.080470678749587, 3.3180605957928355, 3.555650512836084, 3.7932404298793316,
                                4.03083034692258,  4.26842026396583,   4.506010181009078};
    for (std::size_t g = 0; g < 7; ++g) CHECK_THAT(pd1.average[g], WithinAbs(expected1[g], 1e-12));
    // A sample of ICE rows, an explicit grid, the chart (ICE lines unnamed: one legend entry).
    const auto few = explain::partial_dependence(interaction_model{}, X, 0, {.grid = {0.0, 1.0}, .ice_rows = 5, .seed = 3});
    CHECK(few.rows.size() == 5);
    CHECK(std::is_sorted(few.rows.begin(), few.rows.end()));
    CHECK_THAT(few.individual[2][1] - few.individual[2][0], WithinAbs(1.0 + 2.0 * X(few.rows[2], 1), 1e-12));
    const std::string svg = explain::partial_dependence_svg(pd, "x0", 10);
    CHECK(svg.find("partial dependence</text>") != std::string::npos);
    std::size_t lines = 0;
    for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++lines;
    CHECK(lines == 11);
    CHECK(svg.find("<g class=\"legend\">") != std::string::npos);
    const std::string legend = svg.substr(svg.find("<g class=\"legend\">"));
    std::size_t legend_entries = 0;
    for (std::size_t at = legend.find("<text"); at != std::string::npos; at = legend.find("<text", at + 1)) ++legend_entries;
    CHECK(legend_entries == 1);
    CHECK_THROWS_AS(explain::partial_dependence(interaction_model{}, X, 3), cr::argument_error);
    CHECK_THROWS_AS(explain::partial_dependence(interaction_model{}, X, 0, {.lower_percentile = 0.9, .upper_percentile = 0.1}),
                    cr::argument_error);
}

TEST_CASE("explain: permutation importance", "[explain]") {
    const auto X = interaction_data();
    // y from the model itself: baseline MSE 0; the importance of a shuffled column is the MSE it causes.
    std::vector<double> y(60);
    const auto truth = interaction_model{}.predict(X);
    std::copy(truth.begin(), truth.end(), y.begin());
    const auto imp = explain::permutation_importance(interaction_model{}, X, std::span<const double>(y), cr::metrics::mse{},
                                                     {.repeats = 4, .seed = 11});
    CHECK(imp.metric == "mse");
    CHECK(imp.baseline == 0.0);
    // The same shuffles by hand: one engine, feature-major, a permutation per repeat.
    cr::rng engine(11);
    for (std::size_t j = 0; j < 3; ++j) {
        double mean = 0.0;
        for (std::size_t r = 0; r < 4; ++r) {
            const auto order = engine.permutation(60);
            auto shuffled = X;
            for (std::size_t i = 0; i < 60; ++i) shuffled(i, j) = X(order[i], j);
            const auto p = interaction_model{}.predict(shuffled);
            double mse = 0.0;
            for (std::size_t i = 0; i < 60; ++i) mse += (p(i) - y[i]) * (p(i) - y[i]) / 60.0;
            CHECK_THAT(imp.repeats[j][r], WithinRel(mse, 1e-12));
            mean += mse / 4.0;
        }
        CHECK_THAT(imp.mean[j], WithinRel(mean, 1e-12));
        CHECK(imp.stddev[j] > 0.0);
    }
    // x0 carries most of f's variation, x2 the least.
    CHECK(imp.mean[0] > imp.mean[1]);
    CHECK(imp.mean[1] > imp.mean[2]);
    // A column the model ignores is exactly unimportant; with a greater-is-better metric the sign flips to
    // "baseline - shuffled" so that needed features stay positive.
    auto wide = cr::make_matrix<double>(60, 4);
    for (std::size_t i = 0; i < 60; ++i) {
        for (std::size_t j = 0; j < 3; ++j) wide(i, j) = X(i, j);
        wide(i, 3) = static_cast<double>(i);
    }
    struct ignores_last {
        cr::vector<double> predict(const cr::matrix<double>& x) const {
            cr::vector<double> out = cr::make_vector<double>(x.shape()[0]);
            for (std::size_t r = 0; r < x.shape()[0]; ++r) out(r) = x(r, 0) > 0.0 ? 0.9 : 0.1;
            return out;
        }
    };
    std::vector<double> labels(60);
    for (std::size_t i = 0; i < 60; ++i) labels[i] = X(i, 0) > 0.0 ? 1.0 : 0.0;
    const auto acc = explain::permutation_importance(ignores_last{}, wide, std::span<const double>(labels), cr::metrics::accuracy{},
                                                     {.repeats = 3});
    CHECK(acc.baseline == 1.0);
    CHECK(acc.mean[0] > 0.3);
    for (std::size_t j = 1; j < 4; ++j) CHECK(acc.mean[j] == 0.0);
    CHECK_THROWS_AS(explain::permutation_importance(interaction_model{}, X, std::span<const double>(y.data(), 59), cr::metrics::mse{}),
                    cr::shape_error);
    CHECK_THROWS_AS(explain::permutation_importance(interaction_model{}, X, std::span<const double>(y), cr::metrics::mse{}, {.repeats = 0}),
                    cr::argument_error);
}

TEST_CASE("explain: a policy tree finds who benefits and prints it as rules", "[explain][policy]") {
    // Effect +1 where x0 > 0.6 and x1 < 0.3, -0.5 elsewhere; x2 is noise. Greedy CART needs the x1 split
    // first (x0 > 0.6 alone has a mean effect of -0.05): depth 2 recovers the region.
    cr::rng engine(4);
    const std::size_t n = 4000;
    auto X = cr::make_matrix<double>(n, 3);
    std::vector<double> effect(n);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < 3; ++j) X(i, j) = engine.uniform();
        effect[i] = X(i, 0) > 0.6 && X(i, 1) < 0.3 ? 1.0 : -0.5;
    }
    const auto tree = explain::fit_policy_tree(X, std::span<const double>(effect), {.max_depth = 2, .min_samples_leaf = 20}, {"age", "income", "noise"});
    REQUIRE(!tree.nodes.front().leaf);
    CHECK(tree.nodes.front().feature == 1);
    CHECK_THAT(tree.nodes.front().threshold, WithinAbs(0.3, 0.01));
    const auto& left = tree.nodes[tree.nodes.front().left];
    REQUIRE(!left.leaf);
    CHECK(left.feature == 0);
    CHECK_THAT(left.threshold, WithinAbs(0.6, 0.01));
    // The tree treats exactly the region (up to rows between the thresholds and the true edges).
    const auto decisions = tree.decide(X);
    std::size_t wrong = 0;
    double oracle = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        wrong += static_cast<std::size_t>(decisions[i] != (effect[i] > 0.0 ? 1 : 0));
        oracle += std::max(effect[i], 0.0) / static_cast<double>(n);
    }
    // (The root's threshold pools both sides of x0: rows just below x1 = 0.3 may fall on either side.)
    CHECK(wrong <= n / 200);
    CHECK(tree.value >= 0.99 * oracle);
    CHECK(tree.value <= oracle);
    const std::string rules = tree.rules();
    INFO(rules);
    CHECK(rules.find("if income <= 0.29") == 0);
    CHECK(rules.find("and age > 0.59") != std::string::npos);
    CHECK(rules.find("and age > 0.59") < rules.find(": treat (n = "));
    CHECK(rules.find(": treat (n = ") != std::string::npos);
    std::size_t lines = 0;
    for (char c : rules) lines += c == '\n';
    CHECK(lines == 3);  // income > 0.3 stays one leaf: no split there raises the value
    // A cost above every effect: treat nobody, no split.
    const auto none = explain::fit_policy_tree(X, std::span<const double>(effect), {.treatment_cost = 2.0});
    CHECK(none.nodes.size() == 1);
    double mean = 0.0;
    for (double v : effect) mean += v / static_cast<double>(n);
    CHECK_THAT(none.nodes.front().mean_effect, WithinAbs(mean, 1e-12));
    CHECK(none.rules().rfind("always: do not treat (n = 4000, mean effect -0.3", 0) == 0);
    CHECK(none.value == 0.0);
}

TEST_CASE("explain: a depth-1 policy tree is the best single split (brute force)", "[explain][policy]") {
    cr::rng engine(9);
    const std::size_t n = 60;
    auto X = cr::make_matrix<double>(n, 2);
    std::vector<double> effect(n);
    for (std::size_t i = 0; i < n; ++i) {
        X(i, 0) = engine.normal();
        X(i, 1) = std::round(engine.normal() * 2.0);  // ties
        effect[i] = X(i, 0) + 0.3 * X(i, 1) + engine.normal();
    }
    const auto tree = explain::fit_policy_tree(X, std::span<const double>(effect), {.max_depth = 1, .min_samples_leaf = 5});
    // Every split at every observed value with at least 5 rows a side.
    double best = 0.0;
    for (double v : effect) best += v;
    best = std::max(best, 0.0);
    for (std::size_t j = 0; j < 2; ++j)
        for (std::size_t s = 0; s < n; ++s) {
            double left = 0.0, right = 0.0;
            std::size_t nl = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (X(i, j) <= X(s, j)) left += effect[i], ++nl;
                else right += effect[i];
            }
            if (nl >= 5 && n - nl >= 5) best = std::max(best, std::max(left, 0.0) + std::max(right, 0.0));
        }
    CHECK_THAT(tree.value * static_cast<double>(n), WithinAbs(best, 1e-9));
    CHECK(tree.nodes.size() == 3);
    CHECK_THROWS_AS(explain::fit_policy_tree(X, std::span<const double>(effect), {.max_depth = 4}), cr::argument_error);
    CHECK_THROWS_AS(explain::fit_policy_tree(X, std::span<const double>(effect.data(), 10)), cr::shape_error);
}

TEST_CASE("explain: an effect estimator's CATE explained through effect_predictor", "[explain][policy]") {
    // A fitted estimator whose effect is 2 x0 - x2: exact Shapley values against a background are
    // 2 (x0 - mean x0) and -(x2 - mean x2), and a policy tree splits on x0.
    struct linear_effect {
        cr::vector<double> effect(const cr::matrix<double>& x) const {
            cr::vector<double> out = cr::make_vector<double>(x.shape()[0]);
            for (std::size_t r = 0; r < x.shape()[0]; ++r) out(r) = 2.0 * x(r, 0) - x(r, 2);
            return out;
        }
        double ate() const { return 0.0; }
    } estimator;
    cr::rng engine(5);
    auto background = cr::make_matrix<double>(30, 3);
    for (double& v : background) v = engine.normal();
    const std::vector<double> x{1.0, -2.0, 0.5};
    const auto a = explain::exact_shapley(explain::effect_predictor(estimator), std::span<const double>(x), background);
    double m0 = 0.0, m2 = 0.0;
    for (std::size_t r = 0; r < 30; ++r) m0 += background(r, 0) / 30.0, m2 += background(r, 2) / 30.0;
    CHECK_THAT(a.values[0], WithinAbs(2.0 * (1.0 - m0), 1e-12));
    CHECK_THAT(a.values[1], WithinAbs(0.0, 1e-12));
    CHECK_THAT(a.values[2], WithinAbs(-(0.5 - m2), 1e-12));
    const auto effects = estimator.effect(background);
    const auto tree = explain::fit_policy_tree(background, std::span<const double>(effects.data(), effects.size()),
                                               {.max_depth = 1, .min_samples_leaf = 3});
    CHECK(tree.nodes.front().feature == 0);
}

}  // namespace causalrec_test_explain
