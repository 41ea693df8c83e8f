// Tests of the neural effect estimators (causal/neural.hpp) and the causal metrics (metrics/causal.hpp):
// gradients of the custom loss and of the two-head network against central finite differences in
// double, the IPM terms against hand computations and a NumPy reference, TARNet on a synthetic
// heterogeneous effect, DragonNet's propensity head, determinism and errors on bad input.
#include <causalrec/causal/neural.hpp>
#include <causalrec/metrics/causal.hpp>
#include <causalrec/metrics/classification.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_causal_neural {

namespace cc = causalrec::causal;
namespace cd = causalrec::causal::detail;
namespace cm = causalrec::metrics;
using causalrec::make_matrix;
using causalrec::make_vector;
using causalrec::matrix;
using causalrec::vector;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// A confounded synthetic data set with a known heterogeneous effect tau(x) = 1 + 2 x1:
// x ~ N(0, I_5), P(t = 1 | x) = sigmoid(1.5 x0 - x2), mu0 = x0 + 0.5 x2^2, y = mu0 + t tau + 0.3 e.
struct synthetic {
    matrix<double> x = make_matrix<double>(0, 0);
    vector<double> t = make_vector<double>(0), y = make_vector<double>(0), tau = make_vector<double>(0);
};

synthetic make_data(std::size_t n, std::uint64_t seed) {
    causalrec::rng engine(seed);
    synthetic d;
    d.x = make_matrix<double>(n, 5);
    d.t = make_vector<double>(n);
    d.y = make_vector<double>(n);
    d.tau = make_vector<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < 5; ++j) d.x(i, j) = engine.normal();
        const double p = 1.0 / (1.0 + std::exp(-(1.5 * d.x(i, 0) - d.x(i, 2))));
        d.t(i) = engine.uniform() < p ? 1.0 : 0.0;
        d.tau(i) = 1.0 + 2.0 * d.x(i, 1);
        const double mu0 = d.x(i, 0) + 0.5 * d.x(i, 2) * d.x(i, 2);
        d.y(i) = mu0 + d.t(i) * d.tau(i) + 0.3 * engine.normal();
    }
    return d;
}

// A random batch of a layout: network heads [mu0, mu1, (logit, epsilon)], a representation Phi
// (5 columns, the representation size of small_config), outcomes and treatments.
struct random_batch {
    matrix<double> heads, phi;
    std::vector<double> y, t;
    random_batch(const cd::effect_layout& layout, std::size_t n, std::uint64_t seed) {
        causalrec::rng engine(seed);
        heads = make_matrix<double>(n, layout.width);
        phi = make_matrix<double>(n, 5);
        for (auto& v : heads) v = engine.normal();
        for (auto& v : phi) v = engine.normal();
        for (std::size_t i = 0; i < n; ++i) {
            y.push_back(engine.normal());
            t.push_back(i % 3 == 0 ? 1.0 : 0.0);
            if (layout.propensity) heads(i, 3) = 0.4;  // epsilon is one value shared by every row
        }
    }
};

// Central finite differences of the loss w.r.t. every head output and every element of Phi; compares
// with the analytic gradients.
void check_loss_gradient(const cd::effect_config& c, std::size_t n) {
    const cd::effect_layout layout = cd::make_layout(c);
    const cd::effect_loss loss(c, layout);
    random_batch b(layout, n, 7);
    const std::span<const double> y(b.y), t(b.t);
    matrix<double> grad = make_matrix<double>(n, layout.width), phi_grad = make_matrix<double>(n, 5);
    std::fill(phi_grad.begin(), phi_grad.end(), 0.0);
    const double value = loss.value_and_gradient(b.heads, b.phi, y, t, grad, phi_grad);
    REQUIRE_THAT(value, WithinRel(loss.value(b.heads, b.phi, y, t), 1e-12));
    const double h = 1e-6;
    for (auto* part : {&b.heads, &b.phi}) {
        const matrix<double>& analytic = part == &b.heads ? grad : phi_grad;
        for (std::size_t k = 0; k < part->size(); ++k) {
            const double keep = part->data()[k];
            part->data()[k] = keep + h;
            const double up = loss.value(b.heads, b.phi, y, t);
            part->data()[k] = keep - h;
            const double down = loss.value(b.heads, b.phi, y, t);
            part->data()[k] = keep;
            INFO((part == &b.heads ? "head output " : "representation element ") << k);
            REQUIRE_THAT(analytic.data()[k], WithinAbs((up - down) / (2 * h), 1e-7));
        }
    }
}

// Loss of the network output plus the L2 term (l2 / 2) sum w^2 that backward adds as a gradient.
double network_objective(cd::effect_network<double>& net, const cd::effect_loss& loss, const matrix<double>& x,
                         const random_batch& b, double l2) {
    const matrix<double>& heads = net.forward(x);
    double value = loss.value(heads, net.representation(), std::span<const double>(b.y), std::span<const double>(b.t));
    for (const auto& p : net.parameters())
        if (p.name == "weight")
            for (double w : p.value) value += 0.5 * l2 * w * w;
    return value;
}

// Back-propagated parameter gradients of the whole network (heads and representation penalty)
// against central finite differences.
void check_network_gradient(const cd::effect_config& c) {
    const std::size_t n = 12, inputs = 4;
    causalrec::rng engine(11);
    matrix<double> x = make_matrix<double>(n, inputs);
    for (auto& v : x) v = engine.normal();
    cd::effect_network<double> net(inputs, c);
    const cd::effect_layout layout = net.layout();
    const cd::effect_loss loss(c, layout);
    const random_batch b(layout, n, 5);
    if (layout.propensity) {
        auto params = net.parameters();
        params.back().value[0] = 0.3;  // a non-zero epsilon
    }
    matrix<double> grad = make_matrix<double>(n, layout.width), phi_grad = make_matrix<double>(0, 0);
    const matrix<double>& heads = net.forward(x);
    (void)loss.value_and_gradient(heads, net.representation(), std::span<const double>(b.y), std::span<const double>(b.t), grad,
                                  phi_grad);
    net.backward(grad, loss.uses_representation() ? &phi_grad : nullptr);
    auto params = net.parameters();
    std::vector<std::vector<double>> analytic;
    for (const auto& p : params) analytic.emplace_back(p.grad.begin(), p.grad.end());
    const double h = 1e-6;
    std::size_t checked = 0;
    for (std::size_t k = 0; k < params.size(); ++k) {
        // Every element of small tensors, every 7th of the larger ones.
        const std::size_t step = params[k].size() > 40 ? 7 : 1;
        for (std::size_t e = 0; e < params[k].size(); e += step) {
            const double keep = params[k].value[e];
            params[k].value[e] = keep + h;
            const double up = network_objective(net, loss, x, b, c.l2);
            params[k].value[e] = keep - h;
            const double down = network_objective(net, loss, x, b, c.l2);
            params[k].value[e] = keep;
            INFO("parameter " << k << " (" << params[k].name << ") element " << e);
            REQUIRE_THAT(analytic[k][e], WithinAbs((up - down) / (2 * h), 1e-6));
            ++checked;
        }
    }
    REQUIRE(checked > 50);
}

cd::effect_config small_config(cd::effect_model model) {
    cd::effect_config c;
    c.model = model;
    c.representation = {6, 5};
    c.head = {4};
    c.activation = cc::hidden_activation::elu;
    c.epochs = 1;
    c.batch_size = 8;
    c.learning_rate = 1e-3;
    c.l2 = 0.01;
    c.seed = 3;
    c.alpha = 0.7;
    c.beta = 0.9;
    c.targeted = model == cd::effect_model::dragonnet;
    return c;
}

}  // namespace

TEST_CASE("causal metrics: sqrt PEHE and ATE error by hand") {
    const std::vector<double> truth{1.0, 2.0, 3.0, 4.0};
    const std::vector<double> est{1.5, 1.0, 3.0, 6.0};
    // squared errors 0.25, 1, 0, 4 -> mean 1.3125
    REQUIRE_THAT(cm::pehe(truth, est), WithinAbs(1.3125, 1e-15));
    REQUIRE_THAT(cm::sqrt_pehe(truth, est), WithinAbs(std::sqrt(1.3125), 1e-15));
    // means 2.5 and 2.875
    REQUIRE_THAT(cm::ate_error(truth, est), WithinAbs(0.375, 1e-15));
    REQUIRE_THAT(cm::ate_error(4.0, 3.8), WithinAbs(0.2, 1e-15));
    REQUIRE_THROWS_AS(cm::sqrt_pehe(truth, std::vector<double>{1.0}), causalrec::shape_error);
    REQUIRE_THROWS_AS(cm::sqrt_pehe(std::vector<double>{}, std::vector<double>{}), causalrec::argument_error);
    REQUIRE_THROWS_AS(cm::ate_error(truth, std::vector<double>{1.0, NAN, 1.0, 1.0}), causalrec::numeric_error);
    REQUIRE_THROWS_AS(cm::ate_error(NAN, 1.0), causalrec::numeric_error);
}

TEST_CASE("causal metrics: policy risk by hand") {
    // Randomized data: rows with policy == treatment count.
    const std::vector<double> policy{1, 1, 0, 0, 1, 0};
    const std::vector<double> t{1, 0, 0, 1, 1, 0};
    const std::vector<double> y{0.8, 0.1, 0.3, 0.9, 0.6, 0.5};
    // P(pi = 1) = 0.5; treated-and-pi rows 0, 4 -> mean 0.7; control-and-not-pi rows 2, 5 -> mean 0.4.
    REQUIRE_THAT(cm::policy_risk(policy, t, y), WithinAbs(1.0 - (0.5 * 0.7 + 0.5 * 0.4), 1e-15));
    // No row where the policy treats and the unit was treated: that term is 0 (CFRNet's convention).
    const std::vector<double> never{0, 0, 0, 0, 0, 0};
    REQUIRE_THAT(cm::policy_risk(never, t, y), WithinAbs(1.0 - (0.3 + 0.1 + 0.5) / 3.0, 1e-15));
    // Known potential outcomes.
    const std::vector<double> y0{0.2, 0.4, 0.6}, y1{0.5, 0.3, 0.9}, pi{1, 0, 1};
    REQUIRE_THAT(cm::policy_risk_potential_outcomes(pi, y0, y1), WithinAbs(1.0 - (0.5 + 0.4 + 0.9) / 3.0, 1e-15));
    REQUIRE_THROWS_AS(cm::policy_risk(std::vector<double>{1, 2, 0, 0, 1, 0}, t, y), causalrec::argument_error);
    REQUIRE_THROWS_AS(cm::policy_risk(policy, std::vector<double>{1, 0}, y), causalrec::shape_error);
}

TEST_CASE("causal neural: loss gradients match finite differences") {
    SECTION("tarnet factual loss") { check_loss_gradient(small_config(cd::effect_model::tarnet), 9); }
    SECTION("cfr with linear MMD") { check_loss_gradient(small_config(cd::effect_model::cfr), 9); }
    SECTION("dragonnet with targeted regularisation") { check_loss_gradient(small_config(cd::effect_model::dragonnet), 9); }
    SECTION("dragonnet without targeted regularisation") {
        auto c = small_config(cd::effect_model::dragonnet);
        c.targeted = false;
        check_loss_gradient(c, 9);
    }
}

TEST_CASE("causal neural: network gradients match finite differences") {
    SECTION("tarnet elu") { check_network_gradient(small_config(cd::effect_model::tarnet)); }
    SECTION("cfr linear MMD with normalised representation") {
        auto c = small_config(cd::effect_model::cfr);
        c.normalize = true;
        check_network_gradient(c);
    }
    SECTION("dragonnet") { check_network_gradient(small_config(cd::effect_model::dragonnet)); }
}

TEST_CASE("causal neural: linear MMD equals the hand computation") {
    // Phi rows (treated: 0, 2; control: 1, 3, 4); means (-0.2, 0.2) and (0.6333.., -0.0333..).
    const std::vector<double> phi{0.1, -0.4, 1.2, 0.3, -0.5, 0.8, 0.7, 0.7, 0.0, -1.1};
    const std::vector<double> t{1, 0, 1, 0, 0};
    const double mt0 = (0.1 - 0.5) / 2, mt1 = (-0.4 + 0.8) / 2;
    const double mc0 = (1.2 + 0.7 + 0.0) / 3, mc1 = (0.3 + 0.7 - 1.1) / 3;
    const double expected = (mt0 - mc0) * (mt0 - mc0) + (mt1 - mc1) * (mt1 - mc1);
    REQUIRE_THAT(cd::linear_mmd(phi.data(), 5, 2, 2, 0, t.data(), 1, static_cast<double*>(nullptr), 1.0),
                 WithinAbs(expected, 1e-15));
    // NumPy: ((Xt.mean(0) - Xc.mean(0)) ** 2).sum() = 0.7488888888888887 (/usr/bin/python3, numpy 1.24).
    REQUIRE_THAT(expected, WithinAbs(0.7488888888888887, 1e-15));
    // The same value through the loss of a cfr model (its IPM term on the representation).
    cd::effect_config c = small_config(cd::effect_model::cfr);
    c.representation = {2};
    const cd::effect_layout layout = cd::make_layout(c);
    REQUIRE(layout.representation_size == 2);
    matrix<double> rep = make_matrix<double>(5, 2);
    std::copy(phi.begin(), phi.end(), rep.begin());
    REQUIRE_THAT(cd::effect_loss(c, layout).ipm(rep, std::span<const double>(t)), WithinAbs(expected, 1e-15));
}

TEST_CASE("causal neural: Sinkhorn Wasserstein matches a NumPy reference") {
    // Reference: the same algorithm in NumPy (/usr/bin/python3, numpy 1.24): M = pairwise Euclidean
    // distances treated x control, K = exp(-(10 / mean M) M), u = a; 10 x (v = b / K^T u; u = a / K v);
    // v = b / K^T u; P = u K v; value = sum P M; gradient sum_j P_ij (phi_i - phi_j) / M_ij.
    const std::vector<double> phi{0.1, -0.4, 1.2, 0.3, -0.5, 0.8, 0.7, 0.7, 0.0, -1.1};
    const std::vector<double> t{1, 0, 1, 0, 0};
    std::vector<double> grad(10, 0.0);
    const double value = cd::sinkhorn_wasserstein(phi.data(), 5, 2, 2, 0, t.data(), 1, 10.0, 10, grad.data(), 1.0);
    REQUIRE_THAT(value, WithinAbs(1.152737125484681, 1e-12));
    const std::vector<double> expected{-0.0947006527771185, 0.23463632395208472,  0.30082874339092663,  0.04015627182647413,
                                       -0.4878695078626254, 0.07593680599357353,  0.32845864084236326,  -0.020770690299443843,
                                       -0.04671722359354602, -0.3299587114726885};
    for (std::size_t k = 0; k < 10; ++k) REQUIRE_THAT(grad[k], WithinAbs(expected[k], 1e-12));
    // An arm without rows: no penalty.
    const std::vector<double> all_control{0, 0, 0, 0, 0};
    REQUIRE(cd::sinkhorn_wasserstein(phi.data(), 5, 2, 2, 0, all_control.data(), 1, 10.0, 10, static_cast<double*>(nullptr),
                                     1.0) == 0.0);
}

TEST_CASE("causal neural: TARNet recovers a heterogeneous effect") {
    const synthetic train = make_data(800, 1), test = make_data(400, 2);
    cc::tarnet<double> model({.representation_layers = {32, 32},
                              .head_layers = {16},
                              .epochs = 150,
                              .batch_size = 64,
                              .learning_rate = 3e-3,
                              .patience = 20,
                              .seed = 4});
    model.fit(train.x, train.t, train.y);
    const vector<double> tau_hat = model.effect(test.x);
    const double pehe = cm::sqrt_pehe(test.tau, tau_hat);
    // A constant effect (the true mean of tau on the test rows) has sqrt(PEHE) = sd(tau) ~ 2.
    double mean = 0.0;
    for (double v : test.tau) mean += v;
    mean /= static_cast<double>(test.tau.size());
    vector<double> constant = make_vector<double>(test.tau.size());
    for (auto& v : constant) v = mean;
    const double constant_pehe = cm::sqrt_pehe(test.tau, constant);
    INFO("TARNet sqrt(PEHE) " << pehe << ", constant effect " << constant_pehe << ", best epoch " << model.best_epoch());
    REQUIRE(constant_pehe > 1.5);
    REQUIRE(pehe < 0.4 * constant_pehe);
    const auto [mu0, mu1] = model.predict_outcomes(test.x);
    for (std::size_t i = 0; i < tau_hat.size(); ++i) REQUIRE_THAT(mu1(i) - mu0(i), WithinAbs(tau_hat(i), 1e-9));
    REQUIRE(std::isfinite(model.ate()));
    REQUIRE(model.history().metrics.at("val_factual_loss").size() == model.history().epochs());
}

TEST_CASE("causal neural: CFR trains with both IPMs") {
    const synthetic train = make_data(300, 5), test = make_data(200, 6);
    for (cc::ipm_metric ipm : {cc::ipm_metric::linear_mmd, cc::ipm_metric::wasserstein}) {
        cc::cfr<double> model({.representation_layers = {16, 16},
                               .head_layers = {8},
                               .epochs = 40,
                               .batch_size = 64,
                               .learning_rate = 3e-3,
                               .patience = 10,
                               .seed = 2,
                               .alpha = 0.5,
                               .ipm = ipm,
                               .normalize_representation = ipm == cc::ipm_metric::wasserstein});
        model.fit(train.x, train.t, train.y);
        const double pehe = cm::sqrt_pehe(test.tau, model.effect(test.x));
        INFO("ipm " << static_cast<int>(ipm) << " sqrt(PEHE) " << pehe);
        REQUIRE(pehe < 1.5);  // the constant effect scores ~2
    }
}

TEST_CASE("causal neural: DragonNet propensity head learns the assignment") {
    const synthetic train = make_data(600, 8);
    cc::dragonnet<double> model({.representation_layers = {32, 32},
                                 .head_layers = {16},
                                 .epochs = 60,
                                 .batch_size = 64,
                                 .learning_rate = 3e-3,
                                 .patience = 15,
                                 .seed = 1});
    model.fit(train.x, train.t, train.y);
    const vector<double> g = model.propensity(train.x);
    const double auc = cm::roc_auc_score(train.t, g);
    INFO("propensity AUC " << auc << ", epsilon " << model.epsilon());
    REQUIRE(auc > 0.7);
    for (double v : g) REQUIRE((v > 0.0 && v < 1.0));
    double true_ate = 0.0;
    for (double v : train.tau) true_ate += v;
    true_ate /= static_cast<double>(train.tau.size());
    REQUIRE(cm::ate_error(true_ate, model.ate()) < 0.5);
    REQUIRE(std::isfinite(model.epsilon()));
}

TEST_CASE("causal neural: same seed gives identical results") {
    const synthetic d = make_data(200, 3);
    const cc::dragonnet_options o{.representation_layers = {8}, .head_layers = {4}, .epochs = 5, .batch_size = 32, .seed = 9};
    cc::dragonnet<double> a(o), b(o);
    a.fit(d.x, d.t, d.y);
    b.fit(d.x, d.t, d.y);
    REQUIRE((a.effect(d.x) == b.effect(d.x)));
    REQUIRE(a.ate() == b.ate());
    const cc::dragonnet<double> copy = a;  // a fitted estimator copies with its weights
    REQUIRE((copy.effect(d.x) == a.effect(d.x)));
    REQUIRE((copy.propensity(d.x) == a.propensity(d.x)));
    cc::cfr<double> c1({.representation_layers = {8}, .head_layers = {4}, .epochs = 5, .seed = 9});
    cc::cfr<double> c2({.representation_layers = {8}, .head_layers = {4}, .epochs = 5, .seed = 9});
    c1.fit(d.x, d.t, d.y);
    c2.fit(d.x, d.t, d.y);
    REQUIRE((c1.effect(d.x) == c2.effect(d.x)));
    cc::cfr<double> c3({.representation_layers = {8}, .head_layers = {4}, .epochs = 5, .seed = 10});
    c3.fit(d.x, d.t, d.y);
    REQUIRE_FALSE((c1.effect(d.x) == c3.effect(d.x)));
}

TEST_CASE("causal neural: bad input raises clear errors") {
    const synthetic d = make_data(50, 3);
    cc::tarnet<double> model({.representation_layers = {4}, .head_layers = {}, .epochs = 2});
    REQUIRE_THROWS_AS(model.effect(d.x), causalrec::not_fitted_error);
    REQUIRE_THROWS_AS(model.ate(), causalrec::not_fitted_error);
    REQUIRE_THROWS_AS(model.fit(d.x, make_vector<double>(3), d.y), causalrec::shape_error);
    vector<double> bad_t = d.t;
    bad_t(4) = 2.0;
    REQUIRE_THROWS_WITH(model.fit(d.x, bad_t, d.y), Catch::Contains("tarnet.fit: treatment 4 = 2 is not 0 or 1"));
    vector<double> bad_y = d.y;
    bad_y(7) = NAN;
    REQUIRE_THROWS_AS(model.fit(d.x, d.t, bad_y), causalrec::numeric_error);
    vector<double> all_treated = d.t;
    for (auto& v : all_treated) v = 1.0;
    REQUIRE_THROWS_WITH(model.fit(d.x, all_treated, d.y), Catch::Contains("at least 2 treated and 2 control"));
    REQUIRE_FALSE(model.is_fitted());
    model.fit(d.x, d.t, d.y);
    REQUIRE(model.is_fitted());
    REQUIRE_THROWS_WITH(model.effect(make_matrix<double>(3, 2)), Catch::Contains("tarnet.effect: X has 2 columns"));
    REQUIRE_THROWS_WITH(cc::cfr<double>({.learning_rate = -1.0}), Catch::Contains("cfr: learning_rate must be"));
    REQUIRE_THROWS_WITH(cc::tarnet<double>({.representation_layers = {}}), Catch::Contains("representation_layers must not be empty"));
    REQUIRE_THROWS_WITH(cc::dragonnet<double>({.head_layers = {3, 0}}), Catch::Contains("dragonnet: head_layers[1] is 0"));
    REQUIRE_THROWS_WITH(cc::cfr<double>({.validation_split = 1.0}), Catch::Contains("validation_split must be in [0, 1)"));
    REQUIRE_THROWS_WITH(cc::cfr<double>({.alpha = -0.5}), Catch::Contains("cfr: alpha must be"));
}

TEST_CASE("causal neural: float networks train too") {
    const synthetic d = make_data(200, 4);
    matrix<float> x = make_matrix<float>(200, 5);
    vector<float> t = make_vector<float>(200), y = make_vector<float>(200);
    for (std::size_t i = 0; i < 200; ++i) {
        for (std::size_t j = 0; j < 5; ++j) x(i, j) = static_cast<float>(d.x(i, j));
        t(i) = static_cast<float>(d.t(i));
        y(i) = static_cast<float>(d.y(i));
    }
    cc::tarnet<float> model({.representation_layers = {8}, .head_layers = {4}, .epochs = 5});
    model.fit(x, t, y);
    REQUIRE(model.effect(x).size() == 200);
    static_assert(cc::EffectEstimator<cc::tarnet<float>, float>);
}

}  // namespace causalrec_test_causal_neural
