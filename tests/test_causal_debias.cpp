// Propensity models, debiased learning and off-policy evaluation (causal/exposure.hpp,
// causal/debias.hpp, causal/offpolicy.hpp): hand computations, finite-difference gradient checks,
// unbiasedness over many simulated MNAR logs and bandit logs, and errors on bad input.
#include <causalrec/causal/debias.hpp>
#include <causalrec/causal/exposure.hpp>
#include <causalrec/data/dense.hpp>
#include <causalrec/causal/offpolicy.hpp>
#include <causalrec/loss/loss.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "catch.hpp"
#include "sample_statistics.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_causal_debias {

namespace c = causalrec::causal;
namespace d = causalrec::data;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

using causalrec_test::mean_sd;
using causalrec_test::summarize;

// A small MNAR world: ratings 1..5, fixed predictions, observation probability rising with the rating.
struct mnar_world {
    std::size_t nu = 40, ni = 30;
    causalrec::matrix<double> rating, prediction, propensity;
    double true_mse = 0.0;

    explicit mnar_world(std::uint64_t seed) {
        causalrec::rng engine(seed);
        rating = causalrec::matrix<double>::from_shape({nu, ni});
        prediction = causalrec::matrix<double>::from_shape({nu, ni});
        propensity = causalrec::matrix<double>::from_shape({nu, ni});
        for (std::size_t u = 0; u < nu; ++u)
            for (std::size_t i = 0; i < ni; ++i) {
                rating(u, i) = 1.0 + static_cast<double>(engine.uniform_index(5));
                prediction(u, i) = 3.0 + 0.5 * engine.normal();
                propensity(u, i) = 0.04 * rating(u, i) * rating(u, i) / 5.0 + 0.02;
                const double e = prediction(u, i) - rating(u, i);
                true_mse += e * e;
            }
        true_mse /= static_cast<double>(nu * ni);
    }

    d::interactions sample(causalrec::rng& engine) const {
        d::interaction_columns cols;
        cols.n_users = nu;
        cols.n_items = ni;
        for (std::size_t u = 0; u < nu; ++u)
            for (std::size_t i = 0; i < ni; ++i)
                if (engine.bernoulli(propensity(u, i))) {
                    cols.users.push_back(u);
                    cols.items.push_back(i);
                    cols.values.push_back(rating(u, i));
                    cols.propensities.push_back(propensity(u, i));
                }
        return d::interactions(std::move(cols));
    }
};

}  // namespace

TEST_CASE("debias: ips_weights by hand with clipping and self-normalisation", "[debias]") {
    const std::vector<double> p{0.5, 0.25, 1.0};
    const auto w = c::ips_weights(p);
    CHECK_THAT(w[0], WithinAbs(2.0, 1e-15));
    CHECK_THAT(w[1], WithinAbs(4.0, 1e-15));
    CHECK_THAT(w[2], WithinAbs(1.0, 1e-15));
    const auto s = c::ips_weights(p, {.self_normalize = true});
    CHECK_THAT(s[0], WithinAbs(6.0 / 7.0, 1e-15));
    CHECK_THAT(s[1], WithinAbs(12.0 / 7.0, 1e-15));
    const auto k = c::ips_weights(p, {.clip = 0.5});
    CHECK_THAT(k[1], WithinAbs(2.0, 1e-15));
    CHECK_THROWS_AS(c::ips_weights(std::vector<double>{0.5, 0.0}), causalrec::argument_error);
    CHECK_THROWS_AS(c::ips_weights(std::vector<double>{1.5}), causalrec::argument_error);
    CHECK_THROWS_AS(c::ips_weights(p, {.clip = 2.0}), causalrec::argument_error);
    const d::interactions no_p({0}, {0}, {1.0});
    CHECK_THROWS_AS(c::ips_weights(no_p), causalrec::argument_error);
}

TEST_CASE("debias: doubly robust pseudo-targets by hand and errors", "[debias]") {
    d::interactions log(d::interaction_columns{.users = {0}, .items = {1}, .values = {4.0}, .propensities = {0.5}, .n_users = 2, .n_items = 2});
    causalrec::matrix<double> imputed = {{3.0, 3.0}, {3.0, 3.0}};
    const auto t = c::doubly_robust_targets(log, imputed);
    CHECK_THAT(t(0, 1), WithinAbs(5.0, 1e-15));
    CHECK_THAT(t(0, 0), WithinAbs(3.0, 1e-15));
    CHECK_THAT(t(1, 1), WithinAbs(3.0, 1e-15));
    causalrec::matrix<double> wrong = {{3.0, 3.0, 3.0}};
    CHECK_THROWS_AS(c::doubly_robust_targets(log, wrong), causalrec::shape_error);
    const d::interactions no_p({0}, {1}, {4.0});
    CHECK_THROWS_AS(c::doubly_robust_targets(no_p, imputed), causalrec::argument_error);
}

TEST_CASE("debias: DR cross-entropy on pseudo-targets equals the DR objective and its gradient matches finite differences",
          "[debias]") {
    // Pairs: 4, the first two observed with labels 1 and 0 and propensities 0.4 and 0.8; imputed labels m.
    const double y[] = {1.0, 0.0}, p[] = {0.4, 0.8};
    const double m[] = {0.7, 0.2, 0.6, 0.1};
    causalrec::matrix<double> z = {{0.3}, {-1.2}, {2.0}, {-0.4}};
    causalrec::matrix<double> t = causalrec::matrix<double>::from_shape({4, 1});
    for (std::size_t j = 0; j < 4; ++j) t(j, 0) = m[j] + (j < 2 ? (y[j] - m[j]) / p[j] : 0.0);
    auto bce = [](double zz, double yy) { return std::max(zz, 0.0) - zz * yy + std::log1p(std::exp(-std::abs(zz))); };
    auto dr_objective = [&](const causalrec::matrix<double>& zz) {
        double s = 0.0;
        for (std::size_t j = 0; j < 4; ++j) {
            s += bce(zz(j, 0), m[j]);
            if (j < 2) s += (bce(zz(j, 0), y[j]) - bce(zz(j, 0), m[j])) / p[j];
        }
        return s / 4.0;
    };
    const causalrec::loss::binary_cross_entropy_with_logits loss({.check_target_range = false});
    CHECK_NOTHROW(loss.validate_targets(t));  // DR pseudo-targets leave [0, 1]
    causalrec::matrix<double> grad;
    const double v = loss.value_and_gradient(z, t, {}, grad);
    CHECK_THAT(v, WithinAbs(dr_objective(z), 1e-12));
    for (std::size_t j = 0; j < 4; ++j) {
        auto zp = z, zm = z;
        zp(j, 0) += 1e-6;
        zm(j, 0) -= 1e-6;
        CHECK_THAT(grad(j, 0), WithinAbs((dr_objective(zp) - dr_objective(zm)) / 2e-6, 1e-7));
    }
}

TEST_CASE("debias: MF objectives match finite differences sparse and dense", "[debias]") {
    const c::detail::mf_layout L{3, 4, 2};
    causalrec::rng engine(5);
    auto x = L.init(0.5, 0.2, engine);
    for (std::size_t j = L.bu(); j < L.size(); ++j) x[j] = 0.3 * engine.normal();
    std::vector<c::detail::mf_entry> entries{{0, 1, 4.0, 2.0}, {1, 3, 1.0, 0.5}, {2, 0, 3.0, 1.5}, {2, 2, 5.0, 1.0}};
    std::vector<double> t(12);
    for (auto& v : t) v = engine.uniform(0.0, 1.0);
    for (auto loss : {c::rating_loss::squared, c::rating_loss::logistic}) {
        std::vector<double> g(x.size()), scratch(x.size()), z, dd;
        for (auto& e : entries) e.target = loss == c::rating_loss::squared ? e.target : (e.target > 3.0 ? 1.0 : 0.0);
        c::detail::mf_objective(L, entries, 5.0, loss, 0.01, x, g);
        std::vector<double> gd(x.size());
        c::detail::mf_dense_objective(L, t, loss, 0.02, x, gd, z, dd);
        for (std::size_t j = 0; j < x.size(); ++j) {
            auto xp = x, xm = x;
            xp[j] += 1e-6;
            xm[j] -= 1e-6;
            const double fd = (c::detail::mf_objective(L, entries, 5.0, loss, 0.01, xp, scratch) -
                               c::detail::mf_objective(L, entries, 5.0, loss, 0.01, xm, scratch)) / 2e-6;
            CHECK_THAT(g[j], WithinAbs(fd, 1e-6));
            const double fdd = (c::detail::mf_dense_objective(L, t, loss, 0.02, xp, scratch, z, dd) -
                                c::detail::mf_dense_objective(L, t, loss, 0.02, xm, scratch, z, dd)) / 2e-6;
            CHECK_THAT(gd[j], WithinAbs(fdd, 1e-6));
        }
    }
}

TEST_CASE("exposure: naive Bayes propensities by hand", "[exposure]") {
    // 2 users x 5 items, 3 observed ratings {1, 1, 2}: P(O) = 0.3. MCAR sample {1, 2, 2, 2}.
    d::interactions log(d::interaction_columns{.users = {0, 0, 1}, .items = {0, 3, 4}, .values = {1.0, 1.0, 2.0}, .n_users = 2, .n_items = 5});
    c::naive_bayes_propensity nb;
    nb.fit(log, std::vector<double>{1.0, 2.0, 2.0, 2.0});
    CHECK_THAT(nb.observed_rate(), WithinAbs(0.3, 1e-15));
    CHECK_THAT(nb.propensity(1.0), WithinAbs((2.0 / 3.0) * 0.3 / 0.25, 1e-12));   // 0.8
    CHECK_THAT(nb.propensity(2.0), WithinAbs((1.0 / 3.0) * 0.3 / 0.75, 1e-12));   // 0.1333
    const auto p = nb.propensities(log);
    CHECK_THAT(p[2], WithinAbs(0.4 / 3.0, 1e-12));
    CHECK_THROWS_AS(nb.propensity(5.0), causalrec::argument_error);
    c::naive_bayes_propensity missing;
    CHECK_THROWS_AS(missing.fit(log, std::vector<double>{2.0, 2.0}), causalrec::argument_error);  // value 1 absent from MCAR
    CHECK_THROWS_AS(missing.fit(log, std::vector<double>{}), causalrec::argument_error);
    CHECK_THROWS_AS(missing.propensity(1.0), causalrec::not_fitted_error);
    c::naive_bayes_propensity smooth({.smoothing = 1.0});
    smooth.fit(log, std::vector<double>{2.0, 2.0});
    CHECK_THAT(smooth.propensity(1.0), WithinAbs((3.0 / 5.0) * 0.3 / (1.0 / 4.0), 1e-12));
}

TEST_CASE("exposure: popularity propensities by hand and with_propensities", "[exposure]") {
    d::interactions log(d::interaction_columns{.users = {0, 1, 1, 2}, .items = {0, 0, 1, 0}, .n_users = 4, .n_items = 2});
    c::popularity_propensity item({.kind = c::popularity_kind::item, .normalize = false});
    item.fit(log);
    CHECK_THAT(item.propensity(3, 0), WithinAbs(3.0 / 4.0, 1e-15));
    CHECK_THAT(item.propensity(0, 1), WithinAbs(1.0 / 4.0, 1e-15));
    c::popularity_propensity prod({.kind = c::popularity_kind::product});
    prod.fit(log);
    const auto m = prod.matrix_of();
    // n_u n_i / n_obs sums to n_obs already (scale 1); (1, 0) is clipped to 1, user 3 to the lower clip.
    CHECK_THAT(m(0, 0), WithinAbs(0.75, 1e-12));
    CHECK_THAT(m(0, 1), WithinAbs(0.25, 1e-12));
    CHECK_THAT(m(1, 0), WithinAbs(1.0, 1e-12));
    CHECK_THAT(m(3, 0), WithinAbs(1e-3, 1e-15));
    const auto with = c::with_propensities(log, item.propensities(log));
    REQUIRE(with.has_propensities());
    CHECK_THAT(with.propensities()[0], WithinAbs(0.75, 1e-15));
    CHECK_THROWS_AS(c::with_propensities(log, {0.5}), causalrec::shape_error);
    CHECK_THROWS_AS(item.propensity(9, 0), causalrec::argument_error);
}

TEST_CASE("exposure: logistic propensities recover feature effects and are calibrated", "[exposure]") {
    const std::size_t nu = 60, ni = 50;
    causalrec::matrix<double> uf = xt::zeros<double>({nu, std::size_t{2}}), itf = xt::zeros<double>({ni, std::size_t{2}});
    for (std::size_t u = 0; u < nu; ++u) uf(u, u % 2) = 1.0;
    for (std::size_t i = 0; i < ni; ++i) itf(i, i % 2) = 1.0;
    causalrec::rng engine(11);
    d::interaction_columns cols;
    cols.n_users = nu, cols.n_items = ni;
    for (std::size_t u = 0; u < nu; ++u)
        for (std::size_t i = 0; i < ni; ++i) {
            const double z = -2.0 + (u % 2 ? 1.0 : 0.0) + (i % 2 ? 0.5 : -0.5);
            if (engine.bernoulli(1.0 / (1.0 + std::exp(-z)))) cols.users.push_back(u), cols.items.push_back(i);
        }
    const d::interactions log(std::move(cols));
    c::logistic_exposure model({.l2 = 0.0, .clip = 0.0});
    model.fit(log, uf, itf);
    const double odd_even = std::log(model.propensity(1, 0) / (1 - model.propensity(1, 0))) -
                            std::log(model.propensity(0, 0) / (1 - model.propensity(0, 0)));
    CHECK_THAT(odd_even, WithinAbs(1.0, 0.3));
    const auto table = c::exposure_calibration(model.matrix_of(), log, {.bins = 4});
    std::size_t total = 0;
    for (const auto& b : table) total += b.count;
    CHECK(total == nu * ni);
    CHECK(c::expected_calibration_error(table) < 0.03);
    CHECK_THROWS_AS(model.fit(log, uf, causalrec::matrix<double>(xt::zeros<double>({std::size_t{3}, std::size_t{2}}))), causalrec::shape_error);
    CHECK_THROWS_AS(c::reliability_table(std::vector<double>{0.5, 1.5}, std::vector<double>{1.0, 0.0}), causalrec::argument_error);
    CHECK_THROWS_AS(c::reliability_table(std::vector<double>{0.5}, std::vector<double>{1.0, 0.0}), causalrec::shape_error);
}

TEST_CASE("exposure: ascii matrices and dense logs", "[exposure]") {
    const auto dir = std::filesystem::temp_directory_path() / "causalrec_debias_test";
    std::filesystem::create_directories(dir);
    const auto good = (dir / "good.ascii").string(), bad = (dir / "bad.ascii").string(), ragged = (dir / "ragged.ascii").string();
    std::ofstream(good) << "0 4 0\n5 0 1\n";
    std::ofstream(bad) << "0 4 x\n";
    std::ofstream(ragged) << "0 4 0\n5 0\n";
    const auto m = causalrec::data::read_ascii_matrix(good);
    REQUIRE(m.shape()[0] == 2);
    REQUIRE(m.shape()[1] == 3);
    causalrec::matrix<double> p = {{0.1, 0.2, 0.3}, {0.4, 0.5, 0.6}};
    const auto log = causalrec::data::interactions_from_dense(m, {.propensities = &p});
    REQUIRE(log.size() == 3);
    CHECK(log.n_users() == 2);
    CHECK(log.n_items() == 3);
    CHECK(log.items()[0] == 1);
    CHECK_THAT(log.propensities()[1], WithinAbs(0.4, 1e-15));
    CHECK_THROWS_AS(causalrec::data::read_ascii_matrix(bad), causalrec::parse_error);
    CHECK_THROWS_AS(causalrec::data::read_ascii_matrix(ragged), causalrec::parse_error);
    // A header line of names is skipped on request (NumPy's loadtxt skiprows), refused otherwise.
    const auto headed = (dir / "headed.ascii").string();
    std::ofstream(headed) << "X1\tX2\n1.5\t2\n3\t-4\n";
    CHECK_THROWS_AS(causalrec::data::read_ascii_matrix(headed), causalrec::parse_error);
    const auto body = causalrec::data::read_ascii_matrix(headed, 1);
    REQUIRE(body.shape()[0] == 2);
    CHECK(body(1, 1) == -4.0);
    CHECK_THROWS_AS(causalrec::data::read_ascii_matrix((dir / "missing.ascii").string()), causalrec::parse_error);
    causalrec::matrix<double> small = {{0.5}};
    CHECK_THROWS_AS(causalrec::data::interactions_from_dense(m, {.propensities = &small}), causalrec::shape_error);
    causalrec::matrix<double> zero = {{0.1, 0.0, 0.3}, {0.4, 0.5, 0.6}};
    CHECK_THROWS_AS(causalrec::data::interactions_from_dense(m, {.propensities = &zero}), causalrec::argument_error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("offpolicy: rating error estimators by hand", "[offpolicy]") {
    // 2 users x 2 items; logged (0,0) r=4 p=0.5 and (1,1) r=2 p=0.25; predictions 3 everywhere.
    d::interactions log(d::interaction_columns{.users = {0, 1}, .items = {0, 1}, .values = {4.0, 2.0}, .propensities = {0.5, 0.25}});
    causalrec::matrix<double> pred = {{3.0, 3.0}, {3.0, 3.5}};
    // errors: (0,0): 1; (1,1): 2.25
    const auto naive = c::estimate_rating_error(pred, log, {.estimator = c::ope_estimator::naive});
    CHECK_THAT(naive.value, WithinAbs((1.0 + 2.25) / 2.0, 1e-15));
    const auto ips = c::estimate_rating_error(pred, log, {.estimator = c::ope_estimator::ips});
    CHECK_THAT(ips.value, WithinAbs((1.0 / 0.5 + 2.25 / 0.25) / 4.0, 1e-15));
    const auto snips = c::estimate_rating_error(pred, log, {.estimator = c::ope_estimator::snips});
    CHECK_THAT(snips.value, WithinAbs((2.0 + 9.0) / (2.0 + 4.0), 1e-15));
    const auto mae = c::estimate_rating_error(pred, log, {.estimator = c::ope_estimator::ips, .error = c::rating_error::absolute});
    CHECK_THAT(mae.value, WithinAbs((1.0 / 0.5 + 1.5 / 0.25) / 4.0, 1e-15));
    causalrec::matrix<double> imputed = {{0.5, 1.0}, {1.0, 2.0}};
    const auto dr = c::estimate_rating_error(pred, log, {.estimator = c::ope_estimator::dr, .imputed_errors = &imputed});
    CHECK_THAT(dr.value, WithinAbs((0.5 + 1.0 + 1.0 + 2.0 + (1.0 - 0.5) / 0.5 + (2.25 - 2.0) / 0.25) / 4.0, 1e-15));
    // Standard error over users: IPS unit values 2/2 = 1 and 9/2 = 4.5 -> sd / sqrt(2).
    CHECK_THAT(ips.std_error, WithinAbs(std::sqrt(((1.0 - 2.75) * (1.0 - 2.75) + (4.5 - 2.75) * (4.5 - 2.75)) / 1.0) / std::sqrt(2.0), 1e-12));
    CHECK_THAT(ips.ci_high - ips.value, WithinAbs(1.959963984540054 * ips.std_error, 1e-9));
    CHECK_THROWS_AS(c::estimate_rating_error(pred, log, {.estimator = c::ope_estimator::dr}), causalrec::argument_error);
    causalrec::matrix<double> wrong = {{3.0}};
    CHECK_THROWS_AS(c::estimate_rating_error(wrong, log), causalrec::shape_error);
    const d::interactions no_p(d::interaction_columns{.users = {0}, .items = {0}, .values = {4.0}, .n_users = 2, .n_items = 2});
    CHECK_THROWS_AS(c::estimate_rating_error(pred, no_p), causalrec::argument_error);
    CHECK_NOTHROW(c::estimate_rating_error(pred, no_p, {.estimator = c::ope_estimator::naive}));
    CHECK_THROWS_AS(c::estimate_rating_error(pred, log, {.ope = {.confidence = 1.5}}), causalrec::argument_error);
}

TEST_CASE("offpolicy: IPS and DR rating error are unbiased over simulated MNAR logs and naive is not", "[offpolicy]") {
    const mnar_world world(3);
    causalrec::rng engine(99);
    causalrec::matrix<double> imputed = causalrec::matrix<double>::from_shape({world.nu, world.ni});
    for (std::size_t u = 0; u < world.nu; ++u)
        for (std::size_t i = 0; i < world.ni; ++i) imputed(u, i) = 1.0;  // a deliberately wrong imputation
    std::vector<double> naive, ips, snips, dr;
    const std::size_t sims = 400;
    for (std::size_t s = 0; s < sims; ++s) {
        const auto log = world.sample(engine);
        naive.push_back(c::estimate_rating_error(world.prediction, log, {.estimator = c::ope_estimator::naive}).value);
        ips.push_back(c::estimate_rating_error(world.prediction, log, {.estimator = c::ope_estimator::ips}).value);
        snips.push_back(c::estimate_rating_error(world.prediction, log, {.estimator = c::ope_estimator::snips}).value);
        dr.push_back(c::estimate_rating_error(world.prediction, log, {.estimator = c::ope_estimator::dr, .imputed_errors = &imputed}).value);
    }
    const auto n = summarize(naive), i = summarize(ips), sn = summarize(snips), r = summarize(dr);
    const double root = std::sqrt(static_cast<double>(sims));
    CHECK(std::abs(i.mean - world.true_mse) < 3.0 * i.sd / root);
    CHECK(std::abs(r.mean - world.true_mse) < 3.0 * r.sd / root);
    CHECK(std::abs(n.mean - world.true_mse) > 3.0 * n.sd / root);
    CHECK(sn.sd < i.sd);
}

TEST_CASE("offpolicy: ranking DCG and recall by hand", "[offpolicy]") {
    // 1 user, 3 items, scores rank items 2, 0, 1. Logged: item 0 rel 1 p 0.5; item 1 rel 1 p 0.25.
    d::interactions log(d::interaction_columns{.users = {0, 0}, .items = {0, 1}, .values = {1.0, 1.0}, .propensities = {0.5, 0.25}, .n_users = 1, .n_items = 3});
    causalrec::matrix<double> scores = {{0.5, 0.1, 0.9}};
    const auto dcg = c::estimate_ranking_value(scores, log, {.metric = c::ranking_value::dcg, .k = 2});
    CHECK_THAT(dcg.value, WithinAbs(2.0 / std::log2(3.0), 1e-12));
    const auto dcg3 = c::estimate_ranking_value(scores, log, {.metric = c::ranking_value::dcg, .k = 3});
    CHECK_THAT(dcg3.value, WithinAbs(2.0 / std::log2(3.0) + 4.0 / 2.0, 1e-12));
    const auto sn = c::estimate_ranking_value(scores, log, {.metric = c::ranking_value::dcg, .k = 2, .estimator = c::ope_estimator::snips});
    CHECK_THAT(sn.value, WithinAbs(3.0 * (2.0 / std::log2(3.0)) / 6.0, 1e-12));
    const auto rec = c::estimate_ranking_value(scores, log, {.metric = c::ranking_value::recall, .k = 2});
    CHECK_THAT(rec.value, WithinAbs(2.0 / 6.0, 1e-12));
    const auto naive_rec = c::estimate_ranking_value(scores, log, {.metric = c::ranking_value::recall, .k = 2, .estimator = c::ope_estimator::naive});
    CHECK_THAT(naive_rec.value, WithinAbs(0.5, 1e-12));
    CHECK_THROWS_AS(c::estimate_ranking_value(scores, log, {.k = 0}), causalrec::argument_error);
    CHECK_THROWS_AS(c::estimate_ranking_value(scores, log, {.estimator = c::ope_estimator::dr}), causalrec::argument_error);
}

TEST_CASE("offpolicy: policy value by hand and bootstrap reproducible", "[offpolicy]") {
    c::bandit_log log{.actions = {0, 1, 1}, .rewards = {1.0, 0.0, 1.0}, .propensities = {0.5, 0.25, 0.25}};
    causalrec::matrix<double> target = {{0.2, 0.8}, {0.5, 0.5}, {0.0, 1.0}};
    // w = 0.4, 2, 4
    const auto ips = c::estimate_policy_value(log, target);
    CHECK_THAT(ips.value, WithinAbs((0.4 * 1.0 + 0.0 + 4.0 * 1.0) / 3.0, 1e-15));
    const auto snips = c::estimate_policy_value(log, target, {.estimator = c::ope_estimator::snips});
    CHECK_THAT(snips.value, WithinAbs(4.4 / 6.4, 1e-15));
    causalrec::matrix<double> rhat = {{0.5, 0.5}, {0.2, 0.6}, {0.3, 0.7}};
    const auto dr = c::estimate_policy_value(log, target, {.estimator = c::ope_estimator::dr, .reward_model = &rhat});
    const double d0 = 0.2 * 0.5 + 0.8 * 0.5 + 0.4 * (1.0 - 0.5);
    const double d1 = 0.5 * 0.2 + 0.5 * 0.6 + 2.0 * (0.0 - 0.6);
    const double d2 = 0.7 + 4.0 * (1.0 - 0.7);
    CHECK_THAT(dr.value, WithinAbs((d0 + d1 + d2) / 3.0, 1e-15));
    const auto det = c::deterministic_policy(std::vector<std::size_t>{1, 1, 0}, 2);
    const auto dv = c::estimate_policy_value(log, det);
    CHECK_THAT(dv.value, WithinAbs((0.0 + 0.0 * 4.0 + 0.0) / 3.0, 1e-15));
    const auto b1 = c::estimate_policy_value(log, target, {.ope = {.bootstrap = 200, .seed = 7}});
    const auto b2 = c::estimate_policy_value(log, target, {.ope = {.bootstrap = 200, .seed = 7}});
    CHECK(b1.ci_low == b2.ci_low);
    CHECK(b1.ci_high == b2.ci_high);
    CHECK(b1.ci_low <= b1.value);
    CHECK(b1.ci_high >= b1.value);
    c::bandit_log bad = log;
    bad.propensities[1] = 0.0;
    CHECK_THROWS_AS(c::estimate_policy_value(bad, target), causalrec::argument_error);
    bad.propensities[1] = 1.2;
    CHECK_THROWS_AS(c::estimate_policy_value(bad, target), causalrec::argument_error);
    c::bandit_log short_log = log;
    short_log.rewards.pop_back();
    CHECK_THROWS_AS(c::estimate_policy_value(short_log, target), causalrec::shape_error);
    causalrec::matrix<double> not_prob = {{0.2, 0.2}, {0.5, 0.5}, {0.0, 1.0}};
    CHECK_THROWS_AS(c::estimate_policy_value(log, not_prob), causalrec::argument_error);
    CHECK_THROWS_AS(c::estimate_policy_value(log, target, {.estimator = c::ope_estimator::dr}), causalrec::argument_error);
    CHECK_THROWS_AS(c::deterministic_policy(std::vector<std::size_t>{2}, 2), causalrec::argument_error);
}

TEST_CASE("offpolicy: IPS SNIPS DR policy value unbiased over simulated bandit logs", "[offpolicy]") {
    const double mu[] = {0.2, 0.5, 0.8};
    const double logging[] = {0.6, 0.3, 0.1};
    const double target_p[] = {0.1, 0.2, 0.7};
    const double truth = 0.1 * 0.2 + 0.2 * 0.5 + 0.7 * 0.8;
    const std::size_t rounds = 200, sims = 400;
    causalrec::rng engine(2024);
    causalrec::matrix<double> target = causalrec::matrix<double>::from_shape({rounds, std::size_t{3}});
    causalrec::matrix<double> rhat = causalrec::matrix<double>::from_shape({rounds, std::size_t{3}});
    for (std::size_t j = 0; j < rounds; ++j)
        for (std::size_t a = 0; a < 3; ++a) target(j, a) = target_p[a], rhat(j, a) = 0.5;  // a wrong reward model
    std::vector<double> naive, ips, snips, dr;
    for (std::size_t s = 0; s < sims; ++s) {
        c::bandit_log log;
        for (std::size_t j = 0; j < rounds; ++j) {
            const double u = engine.uniform();
            const std::size_t a = u < 0.6 ? 0 : u < 0.9 ? 1 : 2;
            log.actions.push_back(a);
            log.propensities.push_back(logging[a]);
            log.rewards.push_back(engine.bernoulli(mu[a]) ? 1.0 : 0.0);
        }
        naive.push_back(c::estimate_policy_value(log, target, {.estimator = c::ope_estimator::naive}).value);
        ips.push_back(c::estimate_policy_value(log, target).value);
        snips.push_back(c::estimate_policy_value(log, target, {.estimator = c::ope_estimator::snips}).value);
        dr.push_back(c::estimate_policy_value(log, target, {.estimator = c::ope_estimator::dr, .reward_model = &rhat}).value);
    }
    const auto n = summarize(naive), i = summarize(ips), sn = summarize(snips), r = summarize(dr);
    const double root = std::sqrt(static_cast<double>(sims));
    CHECK(std::abs(i.mean - truth) < 3.0 * i.sd / root);
    CHECK(std::abs(r.mean - truth) < 3.0 * r.sd / root);
    CHECK(std::abs(n.mean - truth) > 3.0 * n.sd / root);
    CHECK(sn.sd < i.sd);
}

TEST_CASE("debias: debiased_mf fits saves loads and rejects bad input", "[debias]") {
    const mnar_world world(8);
    causalrec::rng engine(1);
    const auto log = world.sample(engine);
    static_assert(causalrec::rec::Recommender<c::debiased_mf>);
    for (auto method : {c::debias_method::naive, c::debias_method::ips, c::debias_method::snips, c::debias_method::dr,
                        c::debias_method::dr_jl}) {
        c::debiased_mf model({.method = method, .factors = 3, .l2 = 1e-3, .solver = method == c::debias_method::dr_jl ? c::mf_solver::adam : c::mf_solver::lbfgs,
                              .epochs = 60, .learning_rate = 0.05, .min_prediction = 1.0, .max_prediction = 5.0});
        model.fit(log);
        const auto copy = c::debiased_mf::from_file(model.to_file());
        CHECK(copy.predict(3, 4) == model.predict(3, 4));
        CHECK(copy.options().method == method);
        const auto rec = model.recommend(0, 5, true);
        REQUIRE(rec.size() == 5);
        CHECK(model.predict(2, 2) >= 1.0);
        CHECK(model.predict(2, 2) <= 5.0);
    }
    const d::interactions no_p({0, 1}, {0, 1}, {4.0, 2.0});
    c::debiased_mf ips({.method = c::debias_method::ips});
    CHECK_THROWS_AS(ips.fit(no_p), causalrec::argument_error);
    c::debiased_mf naive({.method = c::debias_method::naive, .epochs = 5});
    CHECK_NOTHROW(naive.fit(no_p));
    c::debiased_mf logistic({.method = c::debias_method::naive, .loss = c::rating_loss::logistic});
    CHECK_THROWS_AS(logistic.fit(no_p), causalrec::argument_error);  // labels must be in [0, 1]
    CHECK_THROWS_AS(c::debiased_mf({.factors = 0}), causalrec::argument_error);
    CHECK_THROWS_AS(c::debiased_mf({.propensity_clip = 2.0}), causalrec::argument_error);
    c::debiased_mf unfitted;
    CHECK_THROWS_AS(unfitted.predict(0, 0), causalrec::not_fitted_error);
    CHECK_THROWS_AS(naive.predict(0, 9), causalrec::argument_error);
    CHECK_THROWS_AS(c::debiased_mf::from_file(causalrec::io::tensor_file{}), causalrec::format_error);
}

TEST_CASE("debias: MF-IPS and MF-DR beat MF-Naive on a simulated MNAR log", "[debias]") {
    // Low-rank truth, observation probability rising with the rating.
    const std::size_t nu = 80, ni = 60;
    causalrec::rng engine(21);
    std::vector<double> a(nu), b(ni);
    for (auto& v : a) v = engine.normal();
    for (auto& v : b) v = engine.normal();
    causalrec::matrix<double> truth = causalrec::matrix<double>::from_shape({nu, ni});
    d::interaction_columns cols;
    cols.n_users = nu, cols.n_items = ni;
    for (std::size_t u = 0; u < nu; ++u)
        for (std::size_t i = 0; i < ni; ++i) {
            truth(u, i) = std::clamp(3.0 + 0.8 * a[u] * b[i] + 0.5 * b[i], 1.0, 5.0);
            const double p = 0.02 + 0.25 * (truth(u, i) - 1.0) / 4.0;
            if (engine.bernoulli(p)) {
                cols.users.push_back(u), cols.items.push_back(i), cols.propensities.push_back(p);
                cols.values.push_back(truth(u, i) + 0.3 * engine.normal());
            }
        }
    const d::interactions log(std::move(cols));
    auto full_mse = [&](const c::debiased_mf& m) {
        const auto p = m.predict_all();
        double s = 0.0;
        for (std::size_t u = 0; u < nu; ++u)
            for (std::size_t i = 0; i < ni; ++i) s += (p(u, i) - truth(u, i)) * (p(u, i) - truth(u, i));
        return s / static_cast<double>(nu * ni);
    };
    const c::debiased_mf_options o{.factors = 2, .l2 = 1e-3, .epochs = 200, .min_prediction = 1.0, .max_prediction = 5.0};
    auto naive = c::mf_naive(o);
    auto snips = c::mf_snips(o);
    auto dr = c::mf_dr(o);
    naive.fit(log);
    snips.fit(log);
    dr.fit(log);
    const double n = full_mse(naive), s = full_mse(snips), r = full_mse(dr);
    INFO("naive " << n << " snips " << s << " dr " << r);
    CHECK(s < n);
    CHECK(r < n);
}

}  // namespace causalrec_test_causal_debias
