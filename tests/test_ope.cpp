// Off-policy evaluation of bandit policies (causal/offpolicy/policy_value.hpp) and the Open Bandit
// Dataset readers (data/obd.hpp): every estimator computed by hand on a tiny log, replay on a
// deterministic policy, the weight diagnostics, per-position estimates, a simulation with a known
// policy value, and errors on bad input (estimators and readers).
#include <causalrec/causal/linear.hpp>
#include <causalrec/causal/offpolicy.hpp>
#include <causalrec/core/rng.hpp>
#include <causalrec/data/obd.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "catch.hpp"
#include "sample_statistics.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_ope {

namespace c = causalrec::causal;
namespace d = causalrec::data;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

// The tiny log of the hand computations: two actions, three rounds.
//   round  action  reward  propensity  target       reward model    w = target(a) / propensity
//   0      0       1       0.5         (0.2, 0.8)   (0.5, 0.5)      0.4
//   1      1       0       0.25        (0.5, 0.5)   (0.2, 0.6)      2
//   2      1       1       0.25        (0.0, 1.0)   (0.3, 0.7)      4
// DM_j = sum_a target(j, a) r_hat(j, a) = 0.5, 0.1 + 0.3 = 0.4, 0.7; residuals r - r_hat(j, a_j) = 0.5, -0.6, 0.3.
struct tiny {
    c::bandit_log log{.actions = {0, 1, 1}, .rewards = {1.0, 0.0, 1.0}, .propensities = {0.5, 0.25, 0.25}};
    causalrec::matrix<double> target = {{0.2, 0.8}, {0.5, 0.5}, {0.0, 1.0}};
    causalrec::matrix<double> rhat = {{0.5, 0.5}, {0.2, 0.6}, {0.3, 0.7}};

    c::ope_estimate run(c::ope_estimator e, c::policy_value_options o = {}) const {
        o.estimator = e;
        o.reward_model = &rhat;
        return c::estimate_policy_value(log, target, o);
    }
};

// Standard error of the mean of per-round terms: sqrt(sum (t - mean)^2 / (n (n - 1))).
double se_of_mean(const std::vector<double>& t) {
    const double n = static_cast<double>(t.size());
    const double m = std::accumulate(t.begin(), t.end(), 0.0) / n;
    double ss = 0.0;
    for (double x : t) ss += (x - m) * (x - m);
    return std::sqrt(ss / (n * (n - 1.0)));
}

using causalrec_test::mean_sd;
using causalrec_test::summarize;

}  // namespace

TEST_CASE("ope: DM DR SNDR Switch-DR DRos by hand on a tiny log", "[ope]") {
    const tiny t;
    // DM = (0.5 + 0.4 + 0.7) / 3; its terms are the units of the standard error.
    const auto dm = t.run(c::ope_estimator::dm);
    CHECK_THAT(dm.value, WithinAbs(1.6 / 3.0, 1e-15));
    CHECK_THAT(dm.std_error, WithinAbs(se_of_mean({0.5, 0.4, 0.7}), 1e-15));
    CHECK(dm.units == 3);
    // DR terms DM_j + w res: 0.5 + 0.4 * 0.5 = 0.7, 0.4 + 2 * (-0.6) = -0.8, 0.7 + 4 * 0.3 = 1.9; mean 0.6.
    const auto dr = t.run(c::ope_estimator::dr);
    CHECK_THAT(dr.value, WithinAbs(0.6, 1e-15));
    CHECK_THAT(dr.std_error, WithinAbs(se_of_mean({0.7, -0.8, 1.9}), 1e-15));
    // SNDR = mean DM + sum w res / sum w = 1.6 / 3 + (0.2 - 1.2 + 1.2) / 6.4 = 0.533333 + 0.03125.
    const auto sndr = t.run(c::ope_estimator::sndr);
    CHECK_THAT(sndr.value, WithinAbs(1.6 / 3.0 + 0.2 / 6.4, 1e-15));
    // Its delta-method unit terms (a_j - V b_j + mean_b (DM_j - mean DM)) / mean_b with a = w res,
    // b = w, V = 0.03125, mean_b = 6.4 / 3.
    {
        const double a[] = {0.2, -1.2, 1.2}, b[] = {0.4, 2.0, 4.0}, dmj[] = {0.5, 0.4, 0.7};
        const double v = 0.2 / 6.4, mb = 6.4 / 3.0, md = 1.6 / 3.0;
        double ss = 0.0;
        for (int j = 0; j < 3; ++j) {
            const double r = a[j] - v * b[j] + mb * (dmj[j] - md);
            ss += r * r;
        }
        CHECK_THAT(sndr.std_error, WithinAbs(std::sqrt(ss / 6.0) / mb, 1e-14));
    }
    // Switch-DR, tau = 3: DR where w <= 3 (rounds 0 and 1), DM where w = 4 > 3: terms 0.7, -0.8, 0.7.
    const auto sw = t.run(c::ope_estimator::switch_dr, {.tau = 3.0});
    CHECK_THAT(sw.value, WithinAbs(0.6 / 3.0, 1e-15));
    CHECK_THAT(sw.std_error, WithinAbs(se_of_mean({0.7, -0.8, 0.7}), 1e-15));
    CHECK_THAT(t.run(c::ope_estimator::switch_dr).value, WithinAbs(dr.value, 1e-15));                  // tau = inf: DR
    CHECK_THAT(t.run(c::ope_estimator::switch_dr, {.tau = 0.0}).value, WithinAbs(dm.value, 1e-15));    // tau = 0: DM
    CHECK_THAT(t.run(c::ope_estimator::switch_dr, {.tau = 4.0}).value, WithinAbs(dr.value, 1e-15));    // w <= tau includes w = tau
    // DRos, lambda = 4: w_hat = 4 w / (w^2 + 4) = 1.6 / 4.16, 8 / 8 = 1, 16 / 20 = 0.8;
    // terms 0.5 + (1.6 / 4.16) 0.5, 0.4 - 0.6 = -0.2, 0.7 + 0.8 * 0.3 = 0.94.
    const auto dros = t.run(c::ope_estimator::dros, {.lambda = 4.0});
    CHECK_THAT(dros.value, WithinAbs((0.5 + 1.6 / 4.16 * 0.5 - 0.2 + 0.94) / 3.0, 1e-15));
    CHECK_THAT(dros.std_error, WithinAbs(se_of_mean({0.5 + 1.6 / 4.16 * 0.5, -0.2, 0.94}), 1e-15));
    CHECK_THAT(t.run(c::ope_estimator::dros).value, WithinAbs(dm.value, 1e-15));  // lambda = 0 (the default): DM
    CHECK_THAT(t.run(c::ope_estimator::dros, {.lambda = std::numeric_limits<double>::infinity()}).value, WithinAbs(dr.value, 1e-15));
    // The estimators the module had keep their values: IPS = (0.4 + 0 + 4) / 3, SNIPS = 4.4 / 6.4.
    CHECK_THAT(t.run(c::ope_estimator::ips).value, WithinAbs(4.4 / 3.0, 1e-15));
    CHECK_THAT(t.run(c::ope_estimator::snips).value, WithinAbs(4.4 / 6.4, 1e-15));
    CHECK_THAT(t.run(c::ope_estimator::naive).value, WithinAbs(2.0 / 3.0, 1e-15));
    // Normal interval: value -+ z_0.975 se.
    CHECK_THAT(sndr.ci_high - sndr.value, WithinAbs(1.959963984540054 * sndr.std_error, 1e-9));
    CHECK(c::to_string(c::ope_estimator::switch_dr) == "switch_dr");
    CHECK(c::to_string(c::ope_estimator::dros) == "dros");
    CHECK(c::to_string(c::ope_estimator::replay) == "replay");
}

TEST_CASE("ope: replay on a deterministic policy", "[ope]") {
    const tiny t;
    // The policy takes 0, 1, 0: it agrees with the log in rounds 0 (reward 1) and 1 (reward 0).
    const auto policy = c::deterministic_policy(std::vector<std::size_t>{0, 1, 0}, 2);
    const auto replay = c::estimate_policy_value(t.log, policy, {.estimator = c::ope_estimator::replay});
    CHECK_THAT(replay.value, WithinAbs(0.5, 1e-15));
    // Ratio sum a / sum b with a = (1, 0, 0), b = (1, 1, 0): residuals a - 0.5 b = 0.5, -0.5, 0;
    // se = sqrt(0.5 / (3 * 2)) / (2 / 3).
    CHECK_THAT(replay.std_error, WithinAbs(std::sqrt(0.5 / 6.0) / (2.0 / 3.0), 1e-15));
    CHECK(replay.units == 3);
    // A bootstrap interval: reproducible, around the value.
    const auto b1 = c::estimate_policy_value(t.log, policy, {.estimator = c::ope_estimator::replay, .ope = {.bootstrap = 100, .seed = 3}});
    const auto b2 = c::estimate_policy_value(t.log, policy, {.estimator = c::ope_estimator::replay, .ope = {.bootstrap = 100, .seed = 3}});
    CHECK(b1.ci_low == b2.ci_low);
    CHECK(b1.ci_high == b2.ci_high);
    CHECK(b1.ci_low <= 0.5);
    CHECK(b1.ci_high >= 0.5);
    // Replay needs a deterministic target, and at least one round where it takes the logged action.
    CHECK_THROWS_AS(c::estimate_policy_value(t.log, t.target, {.estimator = c::ope_estimator::replay}), causalrec::argument_error);
    const auto never = c::deterministic_policy(std::vector<std::size_t>{1, 0, 0}, 2);
    CHECK_THROWS_AS(c::estimate_policy_value(t.log, never, {.estimator = c::ope_estimator::replay}), causalrec::argument_error);
    // On a uniformly random log, replay of a deterministic policy is unbiased: its value is the
    // mean reward of the matching rounds, the same as IPS's numerator over its matches here.
    c::bandit_log uniform{.actions = {0, 1, 0, 1}, .rewards = {1.0, 1.0, 0.0, 0.0}, .propensities = {0.5, 0.5, 0.5, 0.5}};
    const auto always0 = c::deterministic_policy(std::vector<std::size_t>{0, 0, 0, 0}, 2);
    CHECK_THAT(c::estimate_policy_value(uniform, always0, {.estimator = c::ope_estimator::replay}).value, WithinAbs(0.5, 1e-15));
    CHECK_THAT(c::estimate_policy_value(uniform, always0, {.estimator = c::ope_estimator::snips}).value, WithinAbs(0.5, 1e-15));
}

TEST_CASE("ope: bootstrap of the self-normalised DR is reproducible", "[ope]") {
    const tiny t;
    const c::policy_value_options o{.estimator = c::ope_estimator::sndr, .reward_model = &t.rhat, .ope = {.bootstrap = 300, .seed = 11}};
    const auto b1 = c::estimate_policy_value(t.log, t.target, o);
    const auto b2 = c::estimate_policy_value(t.log, t.target, o);
    CHECK(b1.value == b2.value);
    CHECK(b1.ci_low == b2.ci_low);
    CHECK(b1.ci_high == b2.ci_high);
    CHECK(b1.ci_low <= b1.value);
    CHECK(b1.ci_high >= b1.value);
    CHECK(b1.ci_low < b1.ci_high);
}

TEST_CASE("ope: weight diagnostics with a propensity floor and a weight cap", "[ope]") {
    const tiny t;
    // Unclipped weights 0.4, 2, 4: ESS = 6.4^2 / (0.16 + 4 + 16).
    const auto plain = t.run(c::ope_estimator::ips);
    CHECK(plain.weights.clipped == 0);
    CHECK_THAT(plain.weights.max_weight, WithinAbs(4.0, 1e-15));
    CHECK_THAT(plain.weights.effective_sample_size, WithinAbs(6.4 * 6.4 / 20.16, 1e-12));
    // Propensity floor 0.3: rounds 1 and 2 get w = 0.5 / 0.3 and 1 / 0.3; the largest weight before
    // clipping stays 4; ESS = (0.4 + 5 / 3)^2... over the clipped weights.
    const auto floor = t.run(c::ope_estimator::ips, {.ope = {.clip = 0.3}});
    const double w1 = 0.5 / 0.3, w2 = 1.0 / 0.3;
    CHECK(floor.weights.clipped == 2);
    CHECK_THAT(floor.weights.max_weight, WithinAbs(4.0, 1e-15));
    CHECK_THAT(floor.weights.effective_sample_size, WithinAbs((0.4 + w1 + w2) * (0.4 + w1 + w2) / (0.16 + w1 * w1 + w2 * w2), 1e-12));
    CHECK_THAT(floor.value, WithinAbs((0.4 + w2) / 3.0, 1e-15));
    // Weight cap 3: only round 2 (w = 4) is lowered; IPS = (0.4 + 0 + 3) / 3.
    const auto cap = t.run(c::ope_estimator::ips, {.max_weight = 3.0});
    CHECK(cap.weights.clipped == 1);
    CHECK_THAT(cap.value, WithinAbs(3.4 / 3.0, 1e-15));
    // The cap applies to the DR family too: DR terms 0.7, -0.8, 0.7 + 3 * 0.3.
    CHECK_THAT(t.run(c::ope_estimator::dr, {.max_weight = 3.0}).value, WithinAbs((0.7 - 0.8 + 1.6) / 3.0, 1e-15));
    // A round whose logged action the target never takes has weight 0 and is never "clipped".
    c::bandit_log zero{.actions = {0}, .rewards = {1.0}, .propensities = {0.01}};
    causalrec::matrix<double> other = {{0.0, 1.0}};
    const auto z = c::estimate_policy_value(zero, other, {.ope = {.clip = 0.5}});
    CHECK(z.weights.clipped == 0);
    CHECK(z.weights.effective_sample_size == 0.0);
}

TEST_CASE("ope: per-position estimates of a slate log", "[ope]") {
    tiny t;
    t.log.positions = {0, 1, 0};
    // Position 0: rounds 0 and 2, IPS = (0.4 * 1 + 4 * 1) / 2; position 1: round 1 alone (IPS 0, se undefined).
    const auto by = c::estimate_policy_value_by_position(t.log, t.target);
    REQUIRE(by.size() == 2);
    CHECK_THAT(by[0].value, WithinAbs(2.2, 1e-15));
    CHECK(by[0].units == 2);
    CHECK_THAT(by[1].value, WithinAbs(0.0, 1e-15));
    CHECK(std::isnan(by[1].std_error));
    // The reward model's rows follow their rounds: DR at position 0 = (0.7 + 1.9) / 2.
    const auto dr = c::estimate_policy_value_by_position(t.log, t.target, {.estimator = c::ope_estimator::dr, .reward_model = &t.rhat});
    CHECK_THAT(dr[0].value, WithinAbs(1.3, 1e-15));
    CHECK_THAT(dr[1].value, WithinAbs(-0.8, 1e-15));
    // Over the whole log the positions change nothing: the average reward per slot.
    CHECK_THAT(c::estimate_policy_value(t.log, t.target).value, WithinAbs(4.4 / 3.0, 1e-15));
    // Errors: no positions, a position without rounds, positions of the wrong length.
    tiny u;
    CHECK_THROWS_AS(c::estimate_policy_value_by_position(u.log, u.target), causalrec::argument_error);
    u.log.positions = {0, 2, 0};
    CHECK_THROWS_AS(c::estimate_policy_value_by_position(u.log, u.target), causalrec::argument_error);
    u.log.positions = {0, 1};
    CHECK_THROWS_AS(c::estimate_policy_value(u.log, u.target), causalrec::shape_error);
}

TEST_CASE("ope: policy-value estimators reject bad input", "[ope]") {
    const tiny t;
    for (auto e : {c::ope_estimator::dm, c::ope_estimator::sndr, c::ope_estimator::switch_dr, c::ope_estimator::dros}) {
        CHECK_THROWS_AS(c::estimate_policy_value(t.log, t.target, {.estimator = e}), causalrec::argument_error);
        causalrec::matrix<double> wrong = {{0.5, 0.5}, {0.5, 0.5}};
        CHECK_THROWS_AS(c::estimate_policy_value(t.log, t.target, {.estimator = e, .reward_model = &wrong}), causalrec::shape_error);
    }
    causalrec::matrix<double> nan_model = t.rhat;
    nan_model(1, 0) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(c::estimate_policy_value(t.log, t.target, {.estimator = c::ope_estimator::dm, .reward_model = &nan_model}),
                    causalrec::argument_error);
    CHECK_THROWS_AS(t.run(c::ope_estimator::switch_dr, {.tau = -1.0}), causalrec::argument_error);
    CHECK_THROWS_AS(t.run(c::ope_estimator::dros, {.lambda = std::numeric_limits<double>::quiet_NaN()}), causalrec::argument_error);
    CHECK_THROWS_AS(t.run(c::ope_estimator::ips, {.max_weight = 0.0}), causalrec::argument_error);
    // Messages name the function and the round.
    c::bandit_log bad = t.log;
    bad.propensities[2] = 1.5;
    CHECK_THROWS_WITH(c::estimate_policy_value(bad, t.target),
                      Catch::Contains("causalrec::causal::estimate_policy_value: round 2: propensity 1.5 is outside (0, 1]"));
    // The policy-value estimators are not offered for rating errors and rankings.
    d::interactions log(d::interaction_columns{.users = {0, 1}, .items = {0, 1}, .values = {1.0, 2.0}, .propensities = {0.5, 0.5}});
    causalrec::matrix<double> pred = {{1.0, 1.0}, {1.0, 1.0}};
    CHECK_THROWS_AS(c::estimate_rating_error(pred, log, {.estimator = c::ope_estimator::dm}), causalrec::argument_error);
    CHECK_THROWS_AS(c::estimate_ranking_value(pred, log, {.estimator = c::ope_estimator::sndr}), causalrec::argument_error);
}

TEST_CASE("ope: estimate_policy_values equals one call per estimator bit for bit", "[ope]") {
    // A random log of 500 rounds, 6 actions, a stochastic target and its greedy (deterministic) version.
    causalrec::rng g(11);
    const std::size_t n = 500, k = 6;
    c::bandit_log log;
    causalrec::matrix<double> target = causalrec::matrix<double>::from_shape({n, k}), greedy = xt::zeros<double>({n, k}),
                              rhat = causalrec::matrix<double>::from_shape({n, k});
    for (std::size_t j = 0; j < n; ++j) {
        double total = 0.0;
        for (std::size_t a = 0; a < k; ++a) total += target(j, a) = 0.05 + g.uniform();
        std::size_t best = 0;
        for (std::size_t a = 0; a < k; ++a) {
            target(j, a) /= total;
            rhat(j, a) = g.uniform();
            if (target(j, a) > target(j, best)) best = a;
        }
        greedy(j, best) = 1.0;
        log.actions.push_back(g.uniform_index(k));
        log.propensities.push_back(1.0 / static_cast<double>(k));
        log.rewards.push_back(g.bernoulli(0.3) ? 1.0 : 0.0);
        log.positions.push_back(j % 3);
    }
    const std::vector<c::ope_estimator> all = {c::ope_estimator::naive, c::ope_estimator::ips,  c::ope_estimator::snips,
                                               c::ope_estimator::dm,    c::ope_estimator::dr,   c::ope_estimator::sndr,
                                               c::ope_estimator::switch_dr, c::ope_estimator::dros, c::ope_estimator::replay};
    for (const auto* policy : {&greedy, &target}) {
        std::vector<c::ope_estimator> ests = all;
        if (policy == &target) ests.pop_back();  // replay needs the deterministic one
        const c::policy_value_options o{.reward_model = &rhat, .ope = {.bootstrap = 50, .seed = 5, .clip = 0.2}, .max_weight = 5.0,
                                        .tau = 4.0, .lambda = 2.0};
        const auto many = c::estimate_policy_values(log, *policy, ests, o);
        REQUIRE(many.size() == ests.size());
        for (std::size_t i = 0; i < ests.size(); ++i) {
            c::policy_value_options one = o;
            one.estimator = ests[i];
            const auto single = c::estimate_policy_value(log, *policy, one);
            INFO(c::to_string(ests[i]));
            CHECK(many[i].value == single.value);
            CHECK(many[i].std_error == single.std_error);
            CHECK(many[i].ci_low == single.ci_low);
            CHECK(many[i].ci_high == single.ci_high);
            CHECK(many[i].weights.clipped == single.weights.clipped);
            CHECK(many[i].weights.effective_sample_size == single.weights.effective_sample_size);
        }
        // Per position, the same rounds' estimates: position 1 alone equals the log cut to its rounds.
        c::policy_value_options ips = o;
        ips.estimator = c::ope_estimator::dr;
        const auto by_position = c::estimate_policy_value_by_position(log, *policy, ips);
        REQUIRE(by_position.size() == 3);
        c::bandit_log part;
        std::vector<std::size_t> rows;
        for (std::size_t j = 1; j < n; j += 3) rows.push_back(j);
        causalrec::matrix<double> pt = causalrec::matrix<double>::from_shape({rows.size(), k}), pm = pt;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            part.actions.push_back(log.actions[rows[i]]);
            part.rewards.push_back(log.rewards[rows[i]]);
            part.propensities.push_back(log.propensities[rows[i]]);
            for (std::size_t a = 0; a < k; ++a) pt(i, a) = (*policy)(rows[i], a), pm(i, a) = rhat(rows[i], a);
        }
        ips.reward_model = &pm;
        const auto cut = c::estimate_policy_value(part, pt, ips);
        CHECK(by_position[1].value == cut.value);
        CHECK(by_position[1].std_error == cut.std_error);
        CHECK(by_position[1].units == rows.size());
    }
    // The checks are those of every estimator asked for: replay rejects the stochastic target, DM a
    // missing model, naming the first stochastic entry.
    CHECK_THROWS_WITH(c::estimate_policy_values(log, target, all, {.reward_model = &rhat}),
                      Catch::Contains("causalrec::causal::estimate_policy_values: round 0: target probability") &&
                          Catch::Contains("of action 0; the replay estimator needs a deterministic target policy"));
    const c::ope_estimator dm_only[] = {c::ope_estimator::ips, c::ope_estimator::dm};
    CHECK_THROWS_WITH(c::estimate_policy_values(log, target, dm_only), Catch::Contains("the dm estimator needs a reward_model"));
    CHECK(c::estimate_policy_values(log, target, std::span<const c::ope_estimator>{}).empty());
}

TEST_CASE("ope: fit_predict_reward_model fits in-sample, cross-fits leave-one-out, per slot, with a classifier", "[ope]") {
    // 24 rounds, 3 actions, 2 context features; reward = 0.5 x0 - x1 + (0.3, 0, -0.2)[a] + noise.
    causalrec::rng g(3);
    const std::size_t n = 24, k = 3;
    c::bandit_log log;
    causalrec::matrix<double> ctx = causalrec::matrix<double>::from_shape({n, 2});
    const double effect[] = {0.3, 0.0, -0.2};
    for (std::size_t j = 0; j < n; ++j) {
        ctx(j, 0) = g.normal(), ctx(j, 1) = g.normal();
        const std::size_t a = j % k;
        log.actions.push_back(a);
        log.propensities.push_back(1.0 / 3.0);
        log.rewards.push_back(0.5 * ctx(j, 0) - ctx(j, 1) + effect[a] + 0.1 * g.normal());
        log.positions.push_back(j % 2);
    }
    // The design row of (j, a): context, then one-hot a.
    auto row = [&](std::size_t j, std::size_t a) {
        std::vector<double> r = {ctx(j, 0), ctx(j, 1), 0.0, 0.0, 0.0};
        r[2 + a] = 1.0;
        return r;
    };
    auto design = [&](const std::vector<std::size_t>& rows, bool logged, std::size_t a) {
        causalrec::matrix<double> x = causalrec::matrix<double>::from_shape({rows.size(), 5});
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto r = row(rows[i], logged ? log.actions[rows[i]] : a);
            std::copy(r.begin(), r.end(), x.data() + i * 5);
        }
        return x;
    };
    auto rewards_of = [&](const std::vector<std::size_t>& rows) {
        causalrec::vector<double> y = causalrec::make_vector<double>(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) y(i) = log.rewards[rows[i]];
        return y;
    };
    // Without an intercept: the action's one-hot is the intercept (with both, the design is collinear).
    const c::linear_regression ols({.fit_intercept = false});
    std::vector<std::size_t> every(n);
    std::iota(every.begin(), every.end(), std::size_t{0});
    // folds 1, one model: equals OLS fitted on the logged rows and predicting every (round, action).
    {
        const auto m = c::fit_predict_reward_model(ols, log, ctx, k, nullptr, {.per_position = false});
        REQUIRE(m.shape()[0] == n);
        REQUIRE(m.shape()[1] == k);
        c::linear_regression ref({.fit_intercept = false});
        ref.fit(design(every, true, 0), rewards_of(every));
        for (std::size_t a = 0; a < k; ++a) {
            const auto p = ref.predict(design(every, false, a));
            for (std::size_t j = 0; j < n; ++j) CHECK_THAT(m(j, a), WithinAbs(p(j), 1e-12));
        }
        // The fitted action effects are those of the simulation (0.3, 0, -0.2) up to the noise.
        CHECK_THAT(m(0, 0) - m(0, 2), WithinAbs(0.5, 0.15));
    }
    // folds = n: every fold is one round, so round j is predicted by the model fitted on the others,
    // whatever the shuffle.
    {
        const auto m = c::fit_predict_reward_model(ols, log, ctx, k, nullptr, {.folds = n, .seed = 9, .per_position = false});
        for (std::size_t j : {std::size_t{0}, std::size_t{7}, std::size_t{23}}) {
            std::vector<std::size_t> others;
            for (std::size_t i = 0; i < n; ++i)
                if (i != j) others.push_back(i);
            c::linear_regression ref({.fit_intercept = false});
            ref.fit(design(others, true, 0), rewards_of(others));
            for (std::size_t a = 0; a < k; ++a) CHECK_THAT(m(j, a), WithinAbs(ref.predict(design({j}, false, a))(0), 1e-12));
        }
        // Cross-fitted predictions differ from the in-sample ones.
        const auto in_sample = c::fit_predict_reward_model(ols, log, ctx, k, nullptr, {.per_position = false});
        CHECK(std::abs(m(0, 0) - in_sample(0, 0)) > 1e-6);
    }
    // Per slot: the rounds of position 1 are predicted by a model of position 1's rounds alone.
    {
        const auto m = c::fit_predict_reward_model(ols, log, ctx, k);
        std::vector<std::size_t> odd;
        for (std::size_t j = 1; j < n; j += 2) odd.push_back(j);
        c::linear_regression ref({.fit_intercept = false});
        ref.fit(design(odd, true, 0), rewards_of(odd));
        const auto p = ref.predict(design(odd, false, 1));
        for (std::size_t i = 0; i < odd.size(); ++i) CHECK_THAT(m(odd[i], 1), WithinAbs(p(i), 1e-12));
    }
    // Action features instead of the one-hot: a 3 x 1 feature column; a classifier on 0/1 rewards.
    {
        c::bandit_log clicks = log;
        for (std::size_t j = 0; j < n; ++j) clicks.rewards[j] = log.rewards[j] > 0.0 ? 1.0 : 0.0;
        const causalrec::matrix<double> af = {{1.0}, {0.0}, {-1.0}};
        const c::logistic_regression logit;
        const auto m = c::fit_predict_reward_model(logit, clicks, ctx, k, &af, {.folds = 3, .per_position = false});
        for (double v : m) CHECK((v > 0.0 && v < 1.0));
        // Same seed, same folds, same predictions.
        CHECK(m == c::fit_predict_reward_model(logit, clicks, ctx, k, &af, {.folds = 3, .per_position = false}));
    }
    // Errors.
    CHECK_THROWS_AS(c::fit_predict_reward_model(ols, log, ctx, 2), causalrec::argument_error);  // action 2 not below 2
    CHECK_THROWS_AS(c::fit_predict_reward_model(ols, log, causalrec::matrix<double>::from_shape({3, 2}), k), causalrec::shape_error);
    const causalrec::matrix<double> wrong_af = {{1.0}, {2.0}};
    CHECK_THROWS_AS(c::fit_predict_reward_model(ols, log, ctx, k, &wrong_af), causalrec::shape_error);
    CHECK_THROWS_AS(c::fit_predict_reward_model(ols, log, ctx, k, nullptr, {.folds = 0}), causalrec::argument_error);
    CHECK_THROWS_WITH(c::fit_predict_reward_model(ols, log, ctx, k, nullptr, {.folds = 13}),
                      Catch::Contains("fit_predict_reward_model: 13 folds for 12 rounds at position 0"));
    CHECK_THROWS_AS(c::fit_predict_reward_model(ols, c::bandit_log{}, causalrec::matrix<double>::from_shape({0, 2}), k), causalrec::argument_error);
}

TEST_CASE("ope: IPS SNIPS DR unbiased over simulated contextual bandit logs and DM biased with a wrong model", "[ope]") {
    // Four equally likely contexts, three actions; known click probabilities mu, logging policy pi_b
    // and target policy pi_e. True value: sum_x (1/4) sum_a pi_e(x, a) mu(x, a).
    constexpr std::size_t n_contexts = 4, n_actions = 3, rounds = 300, sims = 200;
    const double mu[n_contexts][n_actions] = {{0.1, 0.5, 0.3}, {0.6, 0.2, 0.4}, {0.3, 0.3, 0.8}, {0.9, 0.1, 0.2}};
    const double pi_b[n_contexts][n_actions] = {{0.6, 0.2, 0.2}, {0.2, 0.5, 0.3}, {0.5, 0.4, 0.1}, {0.3, 0.3, 0.4}};
    const double pi_e[n_contexts][n_actions] = {{0.1, 0.8, 0.1}, {0.7, 0.1, 0.2}, {0.1, 0.1, 0.8}, {0.8, 0.1, 0.1}};
    double truth = 0.0;
    for (std::size_t x = 0; x < n_contexts; ++x)
        for (std::size_t a = 0; a < n_actions; ++a) truth += 0.25 * pi_e[x][a] * mu[x][a];
    // A misspecified reward model: it ignores the context (the mean of mu over contexts per action).
    double context_free[n_actions] = {};
    for (std::size_t a = 0; a < n_actions; ++a)
        for (std::size_t x = 0; x < n_contexts; ++x) context_free[a] += 0.25 * mu[x][a];
    causalrec::rng engine(7);
    causalrec::matrix<double> target = causalrec::matrix<double>::from_shape({rounds, n_actions});
    causalrec::matrix<double> rhat = causalrec::matrix<double>::from_shape({rounds, n_actions});
    std::vector<double> ips, snips, dr, dm, sndr, sw, dros;
    std::size_t covered = 0;
    for (std::size_t s = 0; s < sims; ++s) {
        c::bandit_log log;
        for (std::size_t j = 0; j < rounds; ++j) {
            const auto x = static_cast<std::size_t>(engine.uniform_index(n_contexts));
            const double u = engine.uniform();
            std::size_t a = 0;
            double cum = pi_b[x][0];
            while (a + 1 < n_actions && u >= cum) cum += pi_b[x][++a];
            log.actions.push_back(a);
            log.propensities.push_back(pi_b[x][a]);
            log.rewards.push_back(engine.bernoulli(mu[x][a]) ? 1.0 : 0.0);
            for (std::size_t k = 0; k < n_actions; ++k) target(j, k) = pi_e[x][k], rhat(j, k) = context_free[k];
        }
        const auto est = [&](c::ope_estimator e, c::policy_value_options o = {}) {
            o.estimator = e;
            o.reward_model = &rhat;
            return c::estimate_policy_value(log, target, o);
        };
        const auto i = est(c::ope_estimator::ips);
        covered += i.ci_low <= truth && truth <= i.ci_high;
        ips.push_back(i.value);
        snips.push_back(est(c::ope_estimator::snips).value);
        dr.push_back(est(c::ope_estimator::dr).value);
        dm.push_back(est(c::ope_estimator::dm).value);
        sndr.push_back(est(c::ope_estimator::sndr).value);
        sw.push_back(est(c::ope_estimator::switch_dr, {.tau = 2.0}).value);
        dros.push_back(est(c::ope_estimator::dros, {.lambda = 5.0}).value);
    }
    const double root = std::sqrt(static_cast<double>(sims));
    const auto i = summarize(ips), sn = summarize(snips), r = summarize(dr), m = summarize(dm), nd = summarize(sndr), w = summarize(sw),
               o = summarize(dros);
    INFO("true value " << truth);
    INFO("IPS  mean " << i.mean << " sd " << i.sd << "; normal 95% interval covered the truth in " << covered << " of " << sims << " logs");
    INFO("SNIPS mean " << sn.mean << " sd " << sn.sd);
    INFO("DR   mean " << r.mean << " sd " << r.sd);
    INFO("DM   bias " << m.mean - truth << " (context-free reward model), sd " << m.sd);
    INFO("SNDR mean " << nd.mean << ", Switch-DR (tau 2) mean " << w.mean << ", DRos (lambda 5) mean " << o.mean);
    CHECK(std::abs(i.mean - truth) < 3.0 * i.sd / root);
    CHECK(std::abs(sn.mean - truth) < 3.0 * sn.sd / root);
    CHECK(std::abs(r.mean - truth) < 3.0 * r.sd / root);
    CHECK(std::abs(m.mean - truth) > 3.0 * m.sd / root);  // the wrong model's bias shows
    CHECK(r.sd < i.sd);                                    // the model still lowers the variance
    CHECK(covered >= sims * 88 / 100);
}

// ---------------------------------------------------------------------------------------------
// The Open Bandit Dataset readers on small texts
// ---------------------------------------------------------------------------------------------

namespace {

const std::string obd_header =
    ",timestamp,item_id,position,click,propensity_score,user_feature_0,user_feature_1,"
    "user-item_affinity_0,user-item_affinity_1,user-item_affinity_2\n";

}  // namespace

TEST_CASE("obd: read_obd_text reads every column", "[obd]") {
    const std::string text = obd_header +
                             "0,2019-11-24 00:01:03.979311+00:00,2,2,0,0.045525,aa,x,0.0,1.0,0.0\n"
                             "1,2019-11-24 09:00:00+09:00,0,1,1,0.5,bb,x,2.0,0.0,0.5\n"
                             "2,1574553600.5,1,3,0,1,aa,y,0.0,0.0,0.0\n";
    const auto log = d::read_obd_text(text);
    REQUIRE(log.size() == 3);
    CHECK(log.actions == std::vector<std::size_t>{2, 0, 1});
    CHECK(log.positions == std::vector<std::size_t>{1, 0, 2});  // 0-based
    CHECK(log.rewards == std::vector<double>{0.0, 1.0, 0.0});
    CHECK(log.propensities == std::vector<double>{0.045525, 0.5, 1.0});
    // 2019-11-24 00:00 UTC is 1574553600 s after 1970-01-01 (18 224 days); 09:00+09:00 is 00:00 UTC.
    REQUIRE(log.timestamps.size() == 3);
    CHECK_THAT(log.timestamps[0], WithinAbs(1574553600.0 + 63.979311, 1e-6));
    CHECK(log.timestamps[1] == 1574553600.0);
    CHECK(log.timestamps[2] == 1574553600.5);
    CHECK(log.n_items == 3);
    CHECK(log.n_positions == 3);
    // One-hot user features, categories in order of first appearance: feature 0 (aa, bb), feature 1 (x, y).
    REQUIRE(log.user_features.shape()[0] == 3);
    REQUIRE(log.user_features.shape()[1] == 4);
    CHECK(log.user_feature_names == std::vector<std::string>{"user_feature_0=aa", "user_feature_0=bb", "user_feature_1=x", "user_feature_1=y"});
    const causalrec::matrix<double> one_hot = {{1, 0, 1, 0}, {0, 1, 1, 0}, {1, 0, 0, 1}};
    CHECK(log.user_features == one_hot);
    REQUIRE(log.user_feature_categories.size() == 2);
    CHECK(log.user_feature_categories[0].ids() == std::vector<std::string>{"aa", "bb"});
    const causalrec::matrix<double> affinity = {{0.0, 1.0, 0.0}, {2.0, 0.0, 0.5}, {0.0, 0.0, 0.0}};
    CHECK(log.affinity == affinity);
    // Ordinal codes, and no affinity matrix on request.
    const auto ordinal = d::read_obd_text(text, {.encoding = d::category_encoding::ordinal, .affinity = false});
    const causalrec::matrix<double> codes = {{0, 0}, {1, 0}, {0, 1}};
    CHECK(ordinal.user_features == codes);
    CHECK(ordinal.user_feature_names == std::vector<std::string>{"user_feature_0", "user_feature_1"});
    CHECK(ordinal.affinity.size() == 0);
    CHECK(ordinal.n_items == 3);
    // Without affinity columns, n_items is the largest item_id + 1; a header alone is an empty log.
    const auto bare = d::read_obd_text(",item_id,position,click,propensity_score\n0,4,1,0,0.2\n");
    CHECK(bare.n_items == 5);
    CHECK(bare.timestamps.empty());
    CHECK(bare.user_features.shape()[1] == 0);
    CHECK(d::read_obd_text(obd_header).size() == 0);
}

TEST_CASE("obd: read_obd_text rejects malformed files", "[obd]") {
    const std::string row_head = "0,2019-11-24 00:01:03+00:00,";
    auto with_row = [&](const std::string& rest) { return obd_header + row_head + rest + "\n"; };
    auto fails_with = [&](const std::string& text, const std::string& what) {
        INFO(what);
        CHECK_THROWS_AS(d::read_obd_text(text), causalrec::parse_error);
        CHECK_THROWS_WITH(d::read_obd_text(text), Catch::Contains(what));
    };
    CHECK_NOTHROW(d::read_obd_text(with_row("2,2,0,0.04,aa,x,0,0,0")));
    fails_with(",timestamp,item_id,position,propensity_score\n", "missing column 'click'");
    fails_with(with_row("2,2,0,0,aa,x,0,0,0"), "propensity_score must be in (0, 1], got '0'");
    fails_with(with_row("2,2,0,1.2,aa,x,0,0,0"), "propensity_score must be in (0, 1], got '1.2'");
    fails_with(with_row("2,0,0,0.5,aa,x,0,0,0"), "position must be a whole number >= 1");
    fails_with(with_row("2,1.5,0,0.5,aa,x,0,0,0"), "position must be a whole number >= 1");
    fails_with(with_row("2,top,0,0.5,aa,x,0,0,0"), "cannot parse 'top'");
    fails_with(with_row("3,1,0,0.5,aa,x,0,0,0"), "item_id 3 is not below the 3 user-item_affinity columns");
    fails_with(with_row("-1,1,0,0.5,aa,x,0,0,0"), "item_id must be a whole number >= 0");
    fails_with(with_row("2,1,2,0.5,aa,x,0,0,0"), "click must be 0 or 1");
    fails_with(with_row("2,1,0,0.5,aa,x,0,0"), "expected 11 fields, found 10");
    fails_with(with_row("2,1,0,0.5,aa,x,0,zero,0"), "cannot parse 'zero'");
    fails_with(obd_header + "0,2019-13-24 00:01:03,2,1,0,0.5,aa,x,0,0,0\n", "as a timestamp");
    fails_with(",item_id,position,click,propensity_score,user-item_affinity_0,user-item_affinity_2\n", "user-item_affinity_1");
    fails_with(",item_id,position,click,click,propensity_score\n", "column 'click' appears twice");
    fails_with("", "file is empty");
    // The message names the file, the line and the column.
    CHECK_THROWS_WITH(d::read_obd_text(with_row("2,2,0,0,aa,x,0,0,0"), {}, "men.csv"), Catch::Contains("men.csv:2:6"));
    CHECK_THROWS_AS(d::read_obd("/nonexistent/obd/men.csv"), causalrec::parse_error);
}

TEST_CASE("obd: read_obd_item_context_text orders rows by item and encodes the hashed features", "[obd]") {
    const std::string text =
        ",item_id,item_feature_0,item_feature_1,item_feature_2\n"
        "0,1,-0.5,p,u\n"
        "1,0,0.25,q,u\n"
        "2,2,1.5,p,v\n";
    const auto ctx = d::read_obd_item_context_text(text);
    CHECK(ctx.n_items() == 3);
    CHECK(ctx.feature_names == std::vector<std::string>{"item_feature_0", "item_feature_1=p", "item_feature_1=q", "item_feature_2=u",
                                                        "item_feature_2=v"});
    // Row i is item i: item 0 is the file's second row. Categories in order of first appearance (p, q; u, v).
    const causalrec::matrix<double> expected = {{0.25, 0, 1, 1, 0}, {-0.5, 1, 0, 1, 0}, {1.5, 1, 0, 0, 1}};
    CHECK(ctx.features == expected);
    CHECK(ctx.categorical_features == std::vector<std::string>{"item_feature_1", "item_feature_2"});
    REQUIRE(ctx.categories.size() == 2);
    CHECK(ctx.categories[0].ids() == std::vector<std::string>{"p", "q"});
    const auto ordinal = d::read_obd_item_context_text(text, {.encoding = d::category_encoding::ordinal});
    const causalrec::matrix<double> codes = {{0.25, 1, 0}, {-0.5, 0, 0}, {1.5, 0, 1}};
    CHECK(ordinal.features == codes);
    // Every column categorical when none is declared numeric.
    const auto all_categories = d::read_obd_item_context_text(text, {.encoding = d::category_encoding::ordinal, .numeric_item_features = {}});
    CHECK(all_categories.features.shape()[1] == 3);
    CHECK(all_categories.features(2, 0) == 2.0);  // -0.5, 0.25, 1.5 in order of appearance: item 2 has 1.5, code 2
    // Errors.
    const std::string head = ",item_id,item_feature_0,item_feature_1\n";
    CHECK_THROWS_WITH(d::read_obd_item_context_text(head + "0,0,1,a\n1,0,2,b\n"), Catch::Contains("item_id 0 appears twice"));
    CHECK_THROWS_WITH(d::read_obd_item_context_text(head + "0,0,1,a\n1,2,2,b\n"), Catch::Contains("item_id 2 is not below the 2 items"));
    CHECK_THROWS_WITH(d::read_obd_item_context_text(head + "0,0,x,a\n"), Catch::Contains("cannot parse 'x'"));
    CHECK_THROWS_WITH(d::read_obd_item_context_text(",item_feature_0\n"), Catch::Contains("missing column 'item_id'"));
    CHECK_THROWS_WITH(d::read_obd_item_context_text(head, {.numeric_item_features = {"item_feature_7"}}),
                      Catch::Contains("item_feature_7"));
}

}  // namespace causalrec_test_ope
