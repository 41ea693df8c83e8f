// Causal effect estimation: linear base learners against scikit-learn 1.2.1, the nn_estimator adapter,
// propensity diagnostics, ATE/ATT estimators on synthetic data with a known effect, meta-learners,
// uplift metrics against a NumPy re-implementation of CausalML's formulas and a hand computation,
// and errors on bad input. Reference values: tests/support/causal_reference.py.
#include <causalrec/causal/causal.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_causal_effects {

namespace cr = causalrec;
namespace c = causalrec::causal;
namespace m = causalrec::metrics;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

/// The deterministic 40-row data of causal_reference.py: synthetic().
struct toy {
    cr::matrix<double> x = cr::make_matrix<double>(40, 3);
    cr::vector<double> y = cr::make_vector<double>(40), t = cr::make_vector<double>(40), w = cr::make_vector<double>(40);
    toy() {
        for (std::size_t r = 0; r < 40; ++r) {
            const auto i = static_cast<double>(r);
            x(r, 0) = std::sin(i);
            x(r, 1) = std::cos(3 * i);
            x(r, 2) = static_cast<double>(r % 5) / 4.0;
            y(r) = 1.0 + 2.0 * x(r, 0) - x(r, 1) + 0.5 * x(r, 2) + 0.3 * std::sin(7 * i);
            t(r) = (std::sin(2 * i) + 0.5 * x(r, 0)) > 0 ? 1.0 : 0.0;
            w(r) = 1.0 + static_cast<double>(r % 3);
        }
    }
};

/// Confounded data with a known constant effect tau: x0 drives both treatment and outcome.
struct confounded {
    cr::matrix<double> x;
    cr::vector<double> t, y;
};

confounded make_confounded(std::size_t n, double tau, std::uint64_t seed) {
    cr::rng g(seed);
    confounded d{cr::make_matrix<double>(n, 2), cr::make_vector<double>(n), cr::make_vector<double>(n)};
    for (std::size_t i = 0; i < n; ++i) {
        d.x(i, 0) = g.normal();
        d.x(i, 1) = g.normal();
        d.t(i) = g.bernoulli(1.0 / (1.0 + std::exp(-1.2 * d.x(i, 0)))) ? 1.0 : 0.0;
        d.y(i) = tau * d.t(i) + 2.0 * d.x(i, 0) + d.x(i, 1) + g.normal();
    }
    return d;
}

std::span<const double> sp(const std::vector<double>& v) { return std::span<const double>(v); }

}  // namespace

TEST_CASE("linear: OLS and weighted ridge equal scikit-learn") {
    const toy d;
    c::linear_regression ols;
    ols.fit(d.x, d.y);
    // scikit-learn 1.2.1 LinearRegression().fit(x, y)
    CHECK_THAT(ols.coef()(0), WithinAbs(1.9755112438617246, 1e-10));
    CHECK_THAT(ols.coef()(1), WithinAbs(-1.0039306924141576, 1e-10));
    CHECK_THAT(ols.coef()(2), WithinAbs(0.5204711005459025, 1e-10));
    CHECK_THAT(ols.intercept(), WithinAbs(1.0111744903279374, 1e-10));
    c::linear_regression ridge({.alpha = 2.5});
    ridge.fit(d.x, d.y, d.w);
    // scikit-learn 1.2.1 Ridge(alpha=2.5).fit(x, y, sample_weight=w)
    CHECK_THAT(ridge.coef()(0), WithinAbs(1.8840069939895188, 1e-10));
    CHECK_THAT(ridge.coef()(1), WithinAbs(-0.9349828500700147, 1e-10));
    CHECK_THAT(ridge.coef()(2), WithinAbs(0.4087924103384004, 1e-10));
    CHECK_THAT(ridge.intercept(), WithinAbs(1.0704272618045518, 1e-10));
    const auto p = ols.predict(d.x);
    CHECK_THAT(p(0), WithinAbs(ols.intercept() + ols.coef()(1), 1e-12));  // row 0 is (0, 1, 0)
}

TEST_CASE("linear: logistic regression equals scikit-learn with and without weights") {
    const toy d;
    c::logistic_regression lr({.C = 0.5});
    lr.fit(d.x, d.t);
    CHECK(lr.converged());
    // scikit-learn 1.2.1 LogisticRegression(C=0.5, solver="newton-cg", tol=1e-12).fit(x, t)
    CHECK_THAT(lr.coef()(0), WithinAbs(0.4779152756008561, 1e-7));
    CHECK_THAT(lr.coef()(1), WithinAbs(-0.14524575512817245, 1e-7));
    CHECK_THAT(lr.coef()(2), WithinAbs(0.40752590668479943, 1e-7));
    CHECK_THAT(lr.intercept(), WithinAbs(-0.21712767953191736, 1e-7));
    c::logistic_regression lw({.C = 2.0});
    lw.fit(d.x, d.t, d.w);
    // scikit-learn 1.2.1 LogisticRegression(C=2, solver="newton-cg", tol=1e-12).fit(x, t, sample_weight=w)
    CHECK_THAT(lw.coef()(0), WithinAbs(0.547874998470907, 1e-7));
    CHECK_THAT(lw.coef()(1), WithinAbs(-0.16860366362043702, 1e-7));
    CHECK_THAT(lw.coef()(2), WithinAbs(0.9873894742765222, 1e-7));
    CHECK_THAT(lw.intercept(), WithinAbs(-0.033887192493046, 1e-7));
    const auto p = lr.predict_proba(d.x);
    CHECK_THAT(p(3), WithinAbs(1.0 / (1.0 + std::exp(-lr.decision_function(d.x)(3))), 1e-15));
}

TEST_CASE("linear: bad input raises clear errors") {
    const toy d;
    c::linear_regression ols;
    CHECK_THROWS_AS(ols.predict(d.x), cr::not_fitted_error);
    CHECK_THROWS_AS(ols.fit(d.x, cr::vector<double>(xt::zeros<double>({3}))), cr::shape_error);
    cr::matrix<double> collinear = cr::make_matrix<double>(40, 2);
    for (std::size_t i = 0; i < 40; ++i) collinear(i, 0) = collinear(i, 1) = d.x(i, 0);
    CHECK_THROWS_WITH(ols.fit(collinear, d.y), Contains("singular"));
    c::linear_regression ridge({.alpha = 1.0});
    ridge.fit(collinear, d.y);  // ridge resolves collinearity: equal coefficients
    CHECK_THAT(ridge.coef()(0), WithinAbs(ridge.coef()(1), 1e-12));
    c::logistic_regression lr;
    CHECK_THROWS_AS(lr.fit(d.x, d.y), cr::argument_error);  // y not 0/1
    CHECK_THROWS_AS(c::linear_regression({.alpha = -1.0}), cr::argument_error);
}

TEST_CASE("estimator: a sequential model is a Regressor and a Classifier") {
    namespace nn = causalrec::nn;
    const auto d = make_confounded(600, 1.0, 3);
    auto net = nn::sequential(nn::dense<double>(2, 8, {.seed = 1}), nn::relu<double>{}, nn::dense<double>(8, 1, {.seed = 2}));
    c::nn_estimator reg(net, cr::loss::mse{}, cr::optim::adam<double>({.learning_rate = 1e-2}),
                        {.fit = {.epochs = 40, .batch_size = 32, .validation_split = 0.2, .verbose = 0},
                         .early_stopping_patience = 5});
    static_assert(c::Regressor<decltype(reg), double>);
    static_assert(c::Classifier<decltype(reg), double>);
    CHECK_THROWS_AS(reg.predict(d.x), cr::not_fitted_error);
    reg.fit(d.x, d.y);
    const auto p = reg.predict(d.x);
    double mse = 0.0, var = 0.0, mean = c::detail::mean(std::span<const double>(d.y.data(), d.y.size()));
    for (std::size_t i = 0; i < p.size(); ++i) {
        mse += (p(i) - d.y(i)) * (p(i) - d.y(i));
        var += (d.y(i) - mean) * (d.y(i) - mean);
    }
    CHECK(mse < 0.6 * var);  // learns most of the signal
    c::nn_estimator copy = reg;  // fit restarts from the initial weights: same data, same result
    copy.fit(d.x, d.y);
    CHECK_THAT(copy.predict(d.x)(0), WithinAbs(p(0), 1e-12));
    // As a T-learner base learner.
    c::t_learner learner(reg);
    learner.fit(d.x, d.t, d.y);
    CHECK_THAT(learner.ate(), WithinAbs(1.0, 0.5));
}

TEST_CASE("propensity: calibration table effective sample size and clipping") {
    const auto d = make_confounded(4000, 1.0, 5);
    auto model = c::logistic_propensity();
    model.fit(d.x, d.t);
    const auto p = model.predict(d.x);
    const auto table = c::calibration(p, d.t, 10);
    CHECK(table.bins.size() == 10);
    std::size_t total = 0;
    for (const auto& b : table.bins) total += b.count;
    CHECK(total == 4000);
    CHECK(table.expected_calibration_error < 0.03);  // a well-specified model is calibrated
    CHECK_THAT(table.to_string(), Contains("ECE"));
    const auto w = c::ipw_weights(d.t, p);
    const double ess = c::effective_sample_size(w);
    CHECK(ess > 100.0);
    CHECK(ess < 4000.0);
    cr::vector<double> equal = xt::ones<double>({50});
    CHECK_THAT(c::effective_sample_size(equal), WithinAbs(50.0, 1e-12));
    // Hand case: two bins.
    const cr::vector<double> pp = {0.1, 0.2, 0.7, 0.9}, tt = {0.0, 1.0, 1.0, 1.0};
    const auto small = c::calibration(pp, tt, 2);
    CHECK(small.bins[0].count == 2);
    CHECK_THAT(small.bins[0].mean_predicted, WithinAbs(0.15, 1e-12));
    CHECK_THAT(small.bins[0].observed_rate, WithinAbs(0.5, 1e-12));
    CHECK_THAT(small.expected_calibration_error, WithinAbs(0.5 * 0.35 + 0.5 * 0.2, 1e-12));
    const auto clipped = c::clip_propensity(pp, 0.15);
    CHECK(clipped(0) == 0.15);
    CHECK(clipped(3) == 0.85);
    auto mlp = c::mlp_propensity(2, {.epochs = 10, .seed = 3});
    mlp.fit(d.x, d.t);
    CHECK(c::calibration(mlp.predict(d.x), d.t).expected_calibration_error < 0.06);
}

TEST_CASE("ate: difference in means by hand") {
    const cr::vector<double> t = {1, 1, 1, 0, 0}, y = {3, 5, 7, 1, 2};
    const auto r = c::difference_in_means(t, y);
    CHECK_THAT(r.estimate, WithinAbs(5.0 - 1.5, 1e-12));
    // Welch: var1 = 4, var0 = 0.5; se = sqrt(4/3 + 0.5/2)
    CHECK_THAT(r.std_error, WithinAbs(std::sqrt(4.0 / 3.0 + 0.25), 1e-12));
    CHECK_THAT(r.ci_high - r.estimate, WithinAbs(1.959963984540054 * r.std_error, 1e-9));
    CHECK(r.n_treated == 3);
    CHECK(r.n_control == 2);
    // IPW from given propensities by hand: Horvitz-Thompson ATE = mean(t y / e - (1 - t) y / (1 - e)).
    const cr::vector<double> e = {0.5, 0.5, 0.25, 0.5, 0.75};
    const auto ht = c::ipw_from_propensity(t, y, e, {.weighting = c::ipw_weighting::horvitz_thompson});
    CHECK_THAT(ht.estimate, WithinAbs((6.0 + 10.0 + 28.0 - 2.0 - 8.0) / 5.0, 1e-12));
    const auto hj = c::ipw_from_propensity(t, y, e);
    CHECK_THAT(hj.estimate, WithinAbs((6.0 + 10.0 + 28.0) / (2 + 2 + 4.0) - (2.0 + 8.0) / (2.0 + 4.0), 1e-12));
}

TEST_CASE("ate: IPW and AIPW remove confounding that biases the difference in means") {
    const double tau = 1.5;
    const auto d = make_confounded(4000, tau, 21);
    const auto naive = c::difference_in_means(d.t, d.y);
    CHECK(std::abs(naive.estimate - tau) > 8.0 * naive.std_error);  // confounded
    const c::logistic_regression prop;
    const auto ipw = c::ipw(d.x, d.t, d.y, prop);
    const auto ipw_ht = c::ipw(d.x, d.t, d.y, prop, {.weighting = c::ipw_weighting::horvitz_thompson});
    const auto aipw = c::aipw(d.x, d.t, d.y, c::linear_regression{}, prop, {.folds = 5, .bootstrap = 30, .seed = 2});
    const auto ra = c::regression_adjustment(d.x, d.t, d.y, c::linear_regression{});
    const auto att = c::aipw(d.x, d.t, d.y, c::linear_regression{}, prop, {.target = c::estimand::att});
    INFO(naive << "\n" << ipw << "\n" << ipw_ht << "\n" << aipw << "\n" << ra << "\n" << att);
    CHECK(std::abs(ipw.estimate - tau) < 3.0 * ipw.std_error);
    CHECK(std::abs(ipw_ht.estimate - tau) < 3.0 * ipw_ht.std_error);
    CHECK(std::abs(aipw.estimate - tau) < 3.0 * aipw.std_error);
    CHECK(std::abs(ra.estimate - tau) < 3.0 * ra.std_error);
    CHECK(std::abs(att.estimate - tau) < 3.0 * att.std_error);
    CHECK(aipw.std_error < ipw.std_error);  // the outcome model removes variance
    CHECK(aipw.bootstrap_samples == 30);
    CHECK(aipw.ci_low < tau);
    CHECK(aipw.ci_high > tau);
    CHECK_THAT(aipw.bootstrap_std_error, WithinRel(aipw.std_error, 0.5));
    // Trimming rules drop rows and keep the estimate near the truth.
    const auto cs = c::aipw(d.x, d.t, d.y, c::linear_regression{}, prop, {.trim = c::trimming::common_support});
    const auto crump = c::aipw(d.x, d.t, d.y, c::linear_regression{}, prop, {.trim = c::trimming::crump, .trim_alpha = 0.0});
    CHECK(cs.n_used + cs.n_trimmed == 4000);
    CHECK(crump.n_trimmed > 0);
    CHECK(crump.trim_alpha > 0.0);
    CHECK(crump.trim_alpha < 0.5);
    CHECK(std::abs(crump.estimate - tau) < 3.0 * crump.std_error);
    // Same seed, same result.
    const auto again = c::aipw(d.x, d.t, d.y, c::linear_regression{}, prop, {.folds = 5, .bootstrap = 30, .seed = 2});
    CHECK(again.estimate == aipw.estimate);
    CHECK(again.ci_low == aipw.ci_low);
}

TEST_CASE("ate: Crump optimal alpha by hand") {
    // All propensities 0.5: g = 4 everywhere, max g <= 2 E[g]: no trimming.
    CHECK(c::crump_alpha(cr::vector<double>{0.5, 0.5, 0.5}) == 0.0);
    // g = {4, 4, 4, 100} (e = 0.5 x3 and e with e(1 - e) = 0.01): gamma = 2 mean(4, 4, 4) = 8 < 100.
    const double e4 = 0.5 - std::sqrt(0.25 - 0.01);
    const double alpha = c::crump_alpha(cr::vector<double>{0.5, 0.5, 0.5, e4});
    CHECK_THAT(alpha, WithinAbs(0.5 - std::sqrt(0.25 - 1.0 / 8.0), 1e-12));
}

TEST_CASE("ate: bad input raises argument shape and numeric errors") {
    const auto d = make_confounded(200, 1.0, 1);
    const c::logistic_regression prop;
    cr::vector<double> bad_t = d.t;
    bad_t(7) = 2.0;
    CHECK_THROWS_WITH(c::difference_in_means(bad_t, d.y), Contains("treatment must be 0 or 1") && Contains("row 7"));
    CHECK_THROWS_AS(c::ipw(d.x, bad_t, d.y, prop), cr::argument_error);
    cr::vector<double> all_treated = xt::ones<double>({200});
    CHECK_THROWS_WITH(c::aipw(d.x, all_treated, d.y, c::linear_regression{}, prop), Contains("control arm is empty"));
    const cr::vector<double> short_y = xt::zeros<double>({10});
    CHECK_THROWS_AS(c::aipw(d.x, d.t, short_y, c::linear_regression{}, prop), cr::shape_error);
    const cr::vector<double> t = {1, 0, 1, 0}, y = {1, 2, 3, 4}, e = {1.0, 0.5, 0.5, 0.5};
    // e = 1 for a treated row is fine for the treated weight 1/e; e = 1 for a control is not.
    const cr::vector<double> e_bad = {0.5, 1.0, 0.5, 0.5};
    CHECK_THROWS_AS(c::ipw_from_propensity(t, y, e_bad), cr::numeric_error);
    const cr::vector<double> e_zero = {0.0, 0.5, 0.5, 0.5};
    CHECK_THROWS_WITH(c::ipw_from_propensity(t, y, e_zero), Contains("infinite inverse weight"));
    CHECK_NOTHROW(c::ipw_from_propensity(t, y, e_zero, {.clip_eps = 0.01}));
    CHECK_NOTHROW(c::ipw_from_propensity(t, y, e));
    CHECK_THROWS_AS(c::difference_in_means(t, y, {.confidence = 1.5}), cr::argument_error);
    CHECK_THROWS_AS(c::regression_adjustment(d.x, d.t, d.y, c::linear_regression{}, {.trim = c::trimming::crump}),
                    cr::argument_error);
    CHECK_THROWS_AS(c::ipw_weights(t, e_bad), cr::numeric_error);
}

TEST_CASE("meta-learners: S T X and DR recover a heterogeneous effect") {
    // tau(x) = 1 + x1; outcome confounded through x0.
    cr::rng g(9);
    const std::size_t n = 4000;
    cr::matrix<double> x = cr::make_matrix<double>(n, 2);
    cr::vector<double> t = cr::make_vector<double>(n), y = cr::make_vector<double>(n), tau = cr::make_vector<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
        x(i, 0) = g.normal();
        x(i, 1) = g.normal();
        t(i) = g.bernoulli(1.0 / (1.0 + std::exp(-x(i, 0)))) ? 1.0 : 0.0;
        tau(i) = 1.0 + x(i, 1);
        y(i) = x(i, 0) + tau(i) * t(i) + 0.5 * g.normal();
    }
    static_assert(c::EffectEstimator<c::s_learner<c::linear_regression>, double>);
    static_assert(c::EffectEstimator<c::t_learner<c::linear_regression>, double>);
    static_assert(c::EffectEstimator<c::x_learner<c::linear_regression>, double>);
    static_assert(c::EffectEstimator<c::dr_learner<c::linear_regression>, double>);
    auto pehe = [&](const cr::vector<double>& est) {
        double s = 0.0;
        for (std::size_t i = 0; i < n; ++i) s += (est(i) - tau(i)) * (est(i) - tau(i));
        return std::sqrt(s / static_cast<double>(n));
    };
    c::t_learner<c::linear_regression> tl;
    c::x_learner<c::linear_regression> xl;
    c::dr_learner<c::linear_regression> dr(c::linear_regression{}, c::linear_regression{}, c::logistic_regression{},
                                           {.folds = 3, .seed = 1});
    c::s_learner<c::linear_regression> sl;
    tl.fit(x, t, y);
    xl.fit(x, t, y);
    dr.fit(x, t, y);
    sl.fit(x, t, y);
    CHECK(pehe(tl.effect(x)) < 0.1);
    CHECK(pehe(xl.effect(x)) < 0.1);
    CHECK(pehe(dr.effect(x)) < 0.15);
    CHECK_THAT(tl.ate(), WithinAbs(c::detail::mean(std::span<const double>(tau.data(), n)), 0.1));
    CHECK_THAT(dr.ate(), WithinAbs(1.0, 0.1));
    CHECK_THAT(sl.ate(), WithinAbs(1.0, 0.1));  // a linear S-learner only sees the average effect
    CHECK(pehe(sl.effect(x)) > 0.5);
    CHECK_THROWS_AS(c::t_learner<c::linear_regression>{}.effect(x), cr::not_fitted_error);
    // Classifiers as outcome models of a binary outcome (the uplift set-up).
    cr::vector<double> yb = cr::make_vector<double>(n);
    for (std::size_t i = 0; i < n; ++i) yb(i) = g.bernoulli(1.0 / (1.0 + std::exp(-(x(i, 0) + t(i) * x(i, 1))))) ? 1.0 : 0.0;
    c::t_learner<c::logistic_regression> tlb;
    tlb.fit(x, t, yb);
    const auto eff = tlb.effect(x);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(std::abs(eff(i)) <= 1.0);
    const auto top = c::rank_by_uplift(eff, 10);
    REQUIRE(top.size() == 10);
    for (std::size_t k = 1; k < top.size(); ++k) CHECK(eff(top[k - 1]) >= eff(top[k]));
    CHECK(m::qini_score(eff, t, yb) > 0.05);
}

TEST_CASE("uplift: Qini and AUUC equal the NumPy re-implementation of CausalML") {
    std::vector<double> s(40), t(40), y(40);
    for (int i = 0; i < 40; ++i) {
        t[static_cast<std::size_t>(i)] = (std::sin(2.0 * i) + 0.5 * std::sin(1.0 * i)) > 0 ? 1 : 0;
        s[static_cast<std::size_t>(i)] = std::round(std::sin(5.0 * i) * 10) / 10;  // ties
        y[static_cast<std::size_t>(i)] =
            (std::cos(1.0 * i) + 0.8 * t[static_cast<std::size_t>(i)] * (s[static_cast<std::size_t>(i)] + 0.3)) > 0.2 ? 1 : 0;
    }
    // tests/support/causal_reference.py: qini_score / auuc_score (CausalML formulas in NumPy). With
    // distinct scores (ties broken by a small row-dependent offset) the values are CausalML's exactly.
    std::vector<double> d(40);
    for (int i = 0; i < 40; ++i) d[static_cast<std::size_t>(i)] = s[static_cast<std::size_t>(i)] + 1e-3 * std::sin(11.0 * i);
    CHECK_THAT(m::qini_score(sp(d), sp(t), sp(y)), WithinAbs(0.7288568776194315, 1e-12));
    CHECK_THAT(m::qini_score(sp(d), sp(t), sp(y), false), WithinAbs(2.1865706328582943, 1e-12));
    CHECK_THAT(m::auuc_score(sp(d), sp(t), sp(y)), WithinAbs(1.0739603782555724, 1e-12));
    // With the ties, a tie group is one step of the curve (group_ties=True in the script); CausalML
    // itself does not group ties (stable sort: 0.6993643242142449, 2.098092972642735, 1.0526554911432773).
    CHECK_THAT(m::qini_score(sp(s), sp(t), sp(y)), WithinAbs(0.7163014352935443, 1e-12));
    CHECK_THAT(m::qini_score(sp(s), sp(t), sp(y), false), WithinAbs(2.1489043058806336, 1e-12));
    CHECK_THAT(m::auuc_score(sp(s), sp(t), sp(y)), WithinAbs(1.0611614473522655, 1e-12));
}

TEST_CASE("uplift: Qini curve and coefficient by hand") {
    // Scores 4 3 2 1; treatment 1 0 1 0; outcome 1 0 0 1.
    const std::vector<double> s = {4, 3, 2, 1}, t = {1, 0, 1, 0}, y = {1, 0, 0, 1};
    // i=1: no control yet -> NaN, interpolated; i=2: Yt=1 - 0*1/1 = 1; i=3: 1 - 0*2/1 = 1; i=4: 1 - 1*2/2 = 0.
    const auto q = m::qini_curve(sp(s), sp(t), sp(y));
    REQUIRE(q.value.size() == 5);
    CHECK(q.value[0] == 0.0);
    CHECK_THAT(q.value[1], WithinAbs(0.5, 1e-15));
    CHECK(q.value[2] == 1.0);
    CHECK(q.value[3] == 1.0);
    CHECK(q.value[4] == 0.0);
    // Not normalisable (ends at 0); unnormalised score = (0 + .5 + 1 + 1 + 0 - 0) / 5.
    CHECK_THROWS_AS(m::qini_score(sp(s), sp(t), sp(y)), cr::numeric_error);
    CHECK_THAT(m::qini_score(sp(s), sp(t), sp(y), false), WithinAbs(2.5 / 5.0, 1e-15));
    // y = 1 1 0 0: q = 0, (nan), 1 - 1*1/1 = 0, 1 - 1*2/1 = -1, 1 - 1*2/2 = 0 ... ends at 0 again; use y = 1 0 1 0:
    // i=2: 1 - 0 = 1; i=3: 2 - 0 = 2; i=4: 2 - 0 = 2. Normalised: 0 .25 .5 1 1; random: 0 .25 .5 .75 1.
    const std::vector<double> y2 = {1, 0, 1, 0};
    CHECK_THAT(m::qini_score(sp(s), sp(t), sp(y2)), WithinAbs((2.75 - 2.5) / 5.0, 1e-15));
    CHECK_THAT(m::uplift_at_k(sp(s), sp(t), sp(y2), 0.5), WithinAbs(1.0, 1e-15));
    CHECK_THAT(m::uplift_at_k(sp(s), sp(t), sp(y2), 1.0), WithinAbs(1.0, 1e-15));
    CHECK_THROWS_AS(m::uplift_at_k(sp(s), sp(t), sp(y2), 0.25), cr::argument_error);  // top 1 row: no control
    const std::vector<double> t_bad = {1, 2, 0, 0};
    CHECK_THROWS_AS(m::qini_score(sp(s), sp(t_bad), sp(y2)), cr::argument_error);
    const std::vector<double> short_y = {1, 0};
    CHECK_THROWS_AS(m::qini_score(sp(s), sp(t), sp(short_y)), cr::shape_error);
    const std::string svg = m::uplift_chart_svg({{.name = "model", .scores = s}}, sp(t), sp(y2), {.points = 5});
    CHECK_THAT(svg, Contains("<svg"));
    CHECK_THAT(svg, Contains("random"));
}

TEST_CASE("causal: error messages start with causalrec::causal::<function>", "[causal][messages]") {
    CHECK_THROWS_WITH(c::logistic_regression({.C = -1.0}), Catch::Matchers::StartsWith("causalrec::causal::logistic_regression: "));
    // The unfitted model names every entry point that reaches it, not only predict_proba.
    const c::logistic_regression unfitted;
    const cr::matrix<double> x = cr::make_matrix<double>(2, 1);
    CHECK_THROWS_AS(unfitted.predict(x), cr::not_fitted_error);
    CHECK_THROWS_WITH(unfitted.decision_function(x), Catch::Matchers::Contains("decision_function, predict_proba or predict called before fit"));
}

}  // namespace causalrec_test_causal_effects
