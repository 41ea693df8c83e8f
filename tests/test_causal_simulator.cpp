// The causal simulator: its propensities are the true exposure probabilities (IPS on many logs is
// unbiased for the true mean relevance, the naive click rate is not, SNIPS varies less than IPS),
// the randomised slice and the campaign estimate the truth, and results are deterministic.
#include <causalrec/causal/linear.hpp>
#include <causalrec/causal/meta_learners.hpp>
#include <causalrec/causal/offpolicy.hpp>
#include <causalrec/causal/simulator.hpp>
#include <causalrec/metrics/uplift.hpp>

#include <cmath>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_causal_simulator {

namespace cr = causalrec;
namespace causal = causalrec::causal;

namespace {

struct moments {
    double mean = 0.0, var = 0.0;
};

moments of(const std::vector<double>& v) {
    moments m;
    for (double x : v) m.mean += x;
    m.mean /= static_cast<double>(v.size());
    for (double x : v) m.var += (x - m.mean) * (x - m.mean);
    m.var /= static_cast<double>(v.size() - 1);
    return m;
}

}  // namespace

TEST_CASE("simulate_causal: IPS on 200 logged datasets is unbiased for the truth, naive is not, SNIPS varies less",
          "[causal][simulator]") {
    // Two quantities over all user-item pairs: the mean relevance (click rate if everything were
    // shown) and the MSE of a constant click prediction c (as Schnabel et al. estimate a model's
    // error), E[(y - c)^2] = rho (1 - c)^2 + (1 - rho) c^2 per pair.
    const auto sim = causal::simulate_causal({.users = 300, .items = 100, .mean_exposures = 10, .seed = 5});
    const double c = 0.7, truth = sim.mean_relevance();  // c: about the logged click rate, as a naive model predicts
    double mse_truth = 0.0;
    for (double rho : sim.relevance) mse_truth += rho * (1 - c) * (1 - c) + (1 - rho) * c * c;
    const double pairs = static_cast<double>(sim.n_users * sim.n_items);
    mse_truth /= pairs;
    std::vector<double> naive, ips, mse_naive, mse_ips, mse_snips;
    for (std::uint64_t s = 0; s < 200; ++s) {
        const auto log = causal::draw_logged_feedback(sim, 1000 + s);
        double clicks = 0.0, weighted = 0.0, weights = 0.0, err = 0.0, werr = 0.0;
        for (std::size_t r = 0; r < log.size(); ++r) {
            const double y = log.values()[r], w = 1.0 / log.propensities()[r], d = (y - c) * (y - c);
            clicks += y;
            weighted += y * w;
            weights += w;
            err += d;
            werr += d * w;
        }
        naive.push_back(clicks / static_cast<double>(log.size()));
        ips.push_back(weighted / pairs);
        mse_naive.push_back(err / static_cast<double>(log.size()));
        mse_ips.push_back(werr / pairs);
        mse_snips.push_back(werr / weights);
    }
    const auto n = of(naive), i = of(ips), mn = of(mse_naive), mi = of(mse_ips), ms = of(mse_snips);
    INFO("relevance: truth " << truth << ", naive " << n.mean << ", IPS " << i.mean << "; MSE of " << c << ": truth "
                             << mse_truth << ", naive " << mn.mean << ", IPS " << mi.mean << ", SNIPS " << ms.mean);
    REQUIRE(std::abs(i.mean - truth) < 3.0 * std::sqrt(i.var / 200.0));
    REQUIRE(std::abs(n.mean - truth) > 20.0 * std::sqrt(n.var / 200.0));  // the logged click rate is far off
    REQUIRE(std::abs(mi.mean - mse_truth) < 3.0 * std::sqrt(mi.var / 200.0));
    REQUIRE(std::abs(mn.mean - mse_truth) > 20.0 * std::sqrt(mn.var / 200.0));
    REQUIRE(ms.var < 0.5 * mi.var);  // self-normalisation removes most of the weights' variance
    REQUIRE(std::abs(ms.mean - mse_truth) < 0.05 * mse_truth);
}

TEST_CASE("simulate_causal: the randomised slice and the campaign estimate the truth", "[causal][simulator]") {
    const auto sim = causal::simulate_causal({.seed = 9});
    // Random slice: uniform exposure, so its click rate estimates the mean relevance.
    const auto& slice = sim.random_log;
    REQUIRE(slice.size() > 1000);
    double clicks = 0.0;
    for (double v : slice.values()) clicks += v;
    const double rate = clicks / static_cast<double>(slice.size());
    const double se = std::sqrt(rate * (1.0 - rate) / static_cast<double>(slice.size()));
    REQUIRE(std::abs(rate - sim.mean_relevance()) < 4.0 * se);
    for (double p : slice.propensities()) REQUIRE(p == Approx(10.0 / 300.0));
    // Campaign: randomised treatment, so the difference in means estimates the mean true effect.
    const auto& c = sim.campaign;
    const auto tau = c.true_effect();
    double y1 = 0.0, y0 = 0.0, n1 = 0.0, n0 = 0.0, mean_tau = 0.0;
    for (std::size_t r = 0; r < c.outcome.size(); ++r) {
        (c.treatment(r) == 1.0 ? y1 : y0) += c.outcome(r);
        (c.treatment(r) == 1.0 ? n1 : n0) += 1.0;
        mean_tau += tau(r);
        REQUIRE(c.mu1(r) >= c.mu0(r));
        REQUIRE(c.propensity(r) == 0.5);
    }
    mean_tau /= static_cast<double>(c.outcome.size());
    const double dim = y1 / n1 - y0 / n0;
    const double se_dim = std::sqrt(0.25 / n1 + 0.25 / n0);
    INFO("difference in means " << dim << ", true mean effect " << mean_tau);
    REQUIRE(std::abs(dim - mean_tau) < 4.0 * se_dim);
    REQUIRE(std::abs(n1 / (n1 + n0) - 0.5) < 0.05);
    REQUIRE(c.x.shape()[0] == 10000);
    REQUIRE(c.x.shape()[1] == 12);
}

TEST_CASE("simulate_causal: deterministic for a seed, errors", "[causal][simulator]") {
    const auto a = causal::simulate_causal({.users = 50, .items = 40, .seed = 3});
    const auto b = causal::simulate_causal({.users = 50, .items = 40, .seed = 3});
    const auto c = causal::simulate_causal({.users = 50, .items = 40, .seed = 4});
    REQUIRE(std::vector<double>(a.log.values().begin(), a.log.values().end()) ==
            std::vector<double>(b.log.values().begin(), b.log.values().end()));
    REQUIRE((a.campaign.outcome == b.campaign.outcome));
    REQUIRE_FALSE((a.relevance == c.relevance));
    // The exposure policy shows relevant items more: the logged pairs are more relevant than average.
    double logged = 0.0;
    for (std::size_t r = 0; r < a.log.size(); ++r) logged += a.relevance(a.log.users()[r], a.log.items()[r]);
    REQUIRE(logged / static_cast<double>(a.log.size()) > a.mean_relevance() + 0.1);
    REQUIRE_THROWS_AS(causal::simulate_causal({.users = 0}), cr::argument_error);
    REQUIRE_THROWS_AS(causal::simulate_causal({.items = 5, .random_items = 10}), cr::argument_error);
    REQUIRE_THROWS_AS(causal::simulate_causal({.mean_exposures = 0.0}), cr::argument_error);
}

TEST_CASE("simulate_causal: the library's IPS and DR error estimates are unbiased over 200 logs, naive is not", "[causal][simulator]") {
    // The MSE of a fixed click prediction f over all pairs, estimated from logged feedback by
    // estimate_rating_error. DR uses a deliberately poor imputation (the error of predicting the
    // logged click rate) and stays unbiased because the propensities are right.
    const auto sim = causal::simulate_causal({.users = 200, .items = 80, .mean_exposures = 10, .seed = 21});
    auto f = cr::make_matrix<double>(sim.n_users, sim.n_items);
    for (std::size_t u = 0; u < sim.n_users; ++u)
        for (std::size_t i = 0; i < sim.n_items; ++i) f(u, i) = 0.5 + 0.3 * sim.relevance(u, i);  // too optimistic, as a naive model is
    double truth = 0.0;
    for (std::size_t j = 0; j < f.size(); ++j) {
        const double rho = sim.relevance.data()[j], p = f.data()[j];
        truth += rho * (1 - p) * (1 - p) + (1 - rho) * p * p;
    }
    truth /= static_cast<double>(f.size());
    auto imputed = cr::make_matrix<double>(sim.n_users, sim.n_items);
    for (std::size_t j = 0; j < f.size(); ++j) imputed.data()[j] = 0.7 * (1 - f.data()[j]) * (1 - f.data()[j]) + 0.3 * f.data()[j] * f.data()[j];
    std::vector<double> naive, ips, dr;
    for (std::uint64_t s = 0; s < 200; ++s) {
        const auto log = causal::draw_logged_feedback(sim, 500 + s);
        naive.push_back(causal::estimate_rating_error(f, log, {.estimator = causal::ope_estimator::naive}).value);
        ips.push_back(causal::estimate_rating_error(f, log, {.estimator = causal::ope_estimator::ips}).value);
        dr.push_back(causal::estimate_rating_error(f, log, {.estimator = causal::ope_estimator::dr, .imputed_errors = &imputed}).value);
    }
    const auto n = of(naive), i = of(ips), d = of(dr);
    INFO("truth " << truth << ", naive " << n.mean << ", IPS " << i.mean << ", DR " << d.mean);
    REQUIRE(std::abs(i.mean - truth) < 3.0 * std::sqrt(i.var / 200.0));
    REQUIRE(std::abs(d.mean - truth) < 3.0 * std::sqrt(d.var / 200.0));
    REQUIRE(std::abs(n.mean - truth) > 10.0 * std::sqrt(n.var / 200.0));
}

TEST_CASE("simulate_causal: a T-learner's Qini on the campaign comes close to the true-effect oracle", "[causal][simulator]") {
    const auto sim = causal::simulate_causal({.campaign_items = 30, .seed = 11});  // 30,000 campaign rows
    const auto& c = sim.campaign;
    const std::size_t du = sim.user_features.shape()[1], di = sim.item_features.shape()[1], dims = du + di + du * di;
    const std::size_t n = c.outcome.size(), half = n / 2;
    // Covariates: user and item features and their products (the preferences are user-item interactions).
    auto rows = [&](std::size_t begin, std::size_t end) {
        auto x = cr::make_matrix<double>(end - begin, dims);
        auto t = cr::make_vector<double>(end - begin);
        auto y = cr::make_vector<double>(end - begin);
        for (std::size_t r = begin; r < end; ++r) {
            const double* in = c.x.data() + r * (du + di);
            double* out = x.data() + (r - begin) * dims;
            std::copy_n(in, du + di, out);
            for (std::size_t a = 0; a < du; ++a)
                for (std::size_t b = 0; b < di; ++b) out[du + di + a * di + b] = in[a] * in[du + b];
            t(r - begin) = c.treatment(r);
            y(r - begin) = c.outcome(r);
        }
        return std::tuple{x, t, y};
    };
    const auto [x_fit, t_fit, y_fit] = rows(0, half);
    const auto [x_eval, t_eval, y_eval] = rows(half, n);
    causal::t_learner<causal::logistic_regression> model;
    model.fit(x_fit, t_fit, y_fit);
    const auto est = model.effect(x_eval);
    std::vector<double> scores(est.begin(), est.end()), oracle, random, t(t_eval.begin(), t_eval.end()), y(y_eval.begin(), y_eval.end());
    cr::rng g(1);
    for (std::size_t r = half; r < n; ++r) {
        oracle.push_back(c.mu1(r) - c.mu0(r));
        random.push_back(g.uniform());
    }
    const double q_model = cr::metrics::qini_score(scores, t, y), q_oracle = cr::metrics::qini_score(oracle, t, y),
                 q_random = cr::metrics::qini_score(random, t, y);
    INFO("Qini: T-learner " << q_model << ", oracle " << q_oracle << ", random " << q_random);
    REQUIRE(q_oracle > 0.15);
    REQUIRE(q_model > 0.5 * q_oracle);  // measured 0.147 against the oracle 0.268 (0.55), random 0.027
    REQUIRE(std::abs(q_random) < 0.5 * q_model);
}

}  // namespace causalrec_test_causal_simulator
