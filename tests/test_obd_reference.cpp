// Off-policy evaluation on the Open Bandit Dataset (Saito et al., NeurIPS 2021 Datasets and
// Benchmarks; the 10,000-row samples the Open Bandit Pipeline ships), read from
// $CAUSALREC_SHARED_DIR/data/obd (see its SOURCE.md; the data is never copied into the repository):
//  - the four campaign logs and their item contexts are read whole;
//  - the uniform-random policy's value estimated from the Bernoulli Thompson sampling (bts) log by
//    IPW and SNIPW, and the largest importance weight, agree with the figures of SOURCE.md;
//  - every estimator's relative error against the random log's click rate (the on-policy value of
//    the uniform-random policy) is printed as a table, with 30-resample bootstrap intervals.
#include <causalrec/causal/offpolicy.hpp>
#include <causalrec/data/obd.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_obd_reference {

namespace c = causalrec::causal;
namespace d = causalrec::data;

namespace {

std::string obd_dir() {
    const char* dir = std::getenv("CAUSALREC_SHARED_DIR");
    REQUIRE(dir != nullptr);
    return std::string(dir) + "/data/obd/";
}

std::string log_path(const std::string& policy, const std::string& campaign) {
    return obd_dir() + policy + "/" + campaign + "/" + campaign + ".csv";
}

// SOURCE.md, "Facts computed here": the IPW and SNIPW estimates of the uniform-random policy on the
// bts log (printed to 4 significant digits, i.e. 6 decimals) and the largest weight (1/n_items) /
// propensity_score (178.3 to one decimal; 21,739 to the unit).
struct campaign {
    const char* name;
    std::size_t n_items;
    double ipw, snipw;              // as printed
    double max_weight, max_weight_half_unit;  // as printed, and half its last printed digit
};
const campaign campaigns[] = {{"men", 34, 0.003009, 0.003189, 178.3, 0.05}, {"women", 46, 0.007438, 0.002373, 21739.0, 0.5}};

c::bandit_log as_bandit_log(const d::obd_log& log) {
    return {.actions = log.actions, .rewards = log.rewards, .propensities = log.propensities, .positions = log.positions};
}

causalrec::matrix<double> uniform_policy(std::size_t rounds, std::size_t n_items) {
    causalrec::matrix<double> m = causalrec::matrix<double>::from_shape({rounds, n_items});
    m.fill(1.0 / static_cast<double>(n_items));
    return m;
}

double mean(const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}

}  // namespace

TEST_CASE("obd reference: the four campaign logs and item contexts read", "[obd][shared-data]") {
    for (const auto& cp : campaigns) {
        const auto context = d::read_obd_item_context(obd_dir() + "random/" + cp.name + "/item_context.csv");
        CHECK(context.n_items() == cp.n_items);
        CHECK(context.feature_names.front() == "item_feature_0");
        CHECK(context.categorical_features == std::vector<std::string>{"item_feature_1", "item_feature_2", "item_feature_3"});
        for (const char* policy : {"random", "bts"}) {
            INFO(policy << "/" << cp.name);
            const auto log = d::read_obd(log_path(policy, cp.name));
            REQUIRE(log.size() == 10000);
            CHECK(log.n_items == cp.n_items);
            CHECK(*std::max_element(log.actions.begin(), log.actions.end()) + 1 == cp.n_items);  // the two ways to count items agree
            CHECK(log.n_positions == 3);
            CHECK(log.affinity.shape()[0] == 10000);
            CHECK(log.affinity.shape()[1] == cp.n_items);
            CHECK(log.timestamps.size() == 10000);
            // November 2019 (1572566400 = 2019-11-01 00:00 UTC, 1575158400 = 2019-12-01).
            CHECK(*std::min_element(log.timestamps.begin(), log.timestamps.end()) >= 1572566400.0);
            CHECK(*std::max_element(log.timestamps.begin(), log.timestamps.end()) < 1575158400.0);
            REQUIRE(log.user_feature_categories.size() == 4);
            // One-hot: each row has one category of each of the four features.
            for (std::size_t i = 0; i < log.size(); i += 997) {
                double row = 0.0;
                for (std::size_t k = 0; k < log.user_features.shape()[1]; ++k) row += log.user_features(i, k);
                CHECK(row == 4.0);
            }
            if (std::string(policy) == "random")
                for (double p : log.propensities) REQUIRE(std::abs(p - 1.0 / static_cast<double>(cp.n_items)) < 1e-15);
        }
    }
}

TEST_CASE("obd reference: IPW and SNIPW of the uniform-random policy on the bts log match SOURCE.md", "[obd][shared-data]") {
    for (const auto& cp : campaigns) {
        INFO(cp.name);
        const auto bts = d::read_obd(log_path("bts", cp.name), {.affinity = false});
        const auto random = d::read_obd(log_path("random", cp.name), {.affinity = false});
        const auto target = uniform_policy(bts.size(), cp.n_items);
        const auto log = as_bandit_log(bts);
        const auto ipw = c::estimate_policy_value(log, target, {.estimator = c::ope_estimator::ips});
        const auto snipw = c::estimate_policy_value(log, target, {.estimator = c::ope_estimator::snips});
        const double ctr = mean(random.rewards);
        char line[256];
        std::snprintf(line, sizeof line, "%s: IPW %.9f, SNIPW %.9f, largest weight %.4f, ESS %.1f of %zu rounds; random-log CTR %.6f", cp.name,
                      ipw.value, snipw.value, ipw.weights.max_weight, ipw.weights.effective_sample_size, bts.size(), ctr);
        WARN(line);
        // SOURCE.md prints 6 decimals: ours must round to the printed figure.
        CHECK(std::abs(ipw.value - cp.ipw) <= 0.5e-6);
        CHECK(std::abs(snipw.value - cp.snipw) <= 0.5e-6);
        CHECK(std::abs(ipw.weights.max_weight - cp.max_weight) <= cp.max_weight_half_unit);
        CHECK(ipw.weights.clipped == 0);
        // The random log's CTR, 0.0046 in SOURCE.md; IPS of the uniform policy on it is that CTR (every weight 1).
        CHECK(std::abs(ctr - 0.0046) <= 0.5e-4);
        const auto on_policy = c::estimate_policy_value(as_bandit_log(random), uniform_policy(random.size(), cp.n_items));
        CHECK(std::abs(on_policy.value - ctr) < 1e-12);
        CHECK(std::abs(on_policy.weights.effective_sample_size - 10000.0) < 1e-6);
    }
}

TEST_CASE("obd reference: every estimator against the random log's CTR", "[obd][shared-data]") {
    // Reward model: the click rate of each (item, position) in the bts log itself (in-sample, no
    // context), the overall bts click rate for a pair never shown. Switch-DR at tau = 100, DRos at
    // lambda = 100; bootstrap intervals over 30 resamples of the rounds.
    constexpr double tau = 100.0, lambda = 100.0;
    for (const auto& cp : campaigns) {
        const auto bts = d::read_obd(log_path("bts", cp.name), {.affinity = false});
        const auto random = d::read_obd(log_path("random", cp.name), {.affinity = false});
        const double truth = mean(random.rewards);
        const std::size_t n = bts.size(), n_items = cp.n_items, n_positions = bts.n_positions;
        std::vector<double> shows(n_items * n_positions, 0.0), clicks(n_items * n_positions, 0.0);
        for (std::size_t j = 0; j < n; ++j) {
            shows[bts.actions[j] * n_positions + bts.positions[j]] += 1.0;
            clicks[bts.actions[j] * n_positions + bts.positions[j]] += bts.rewards[j];
        }
        const double overall = mean(bts.rewards);
        causalrec::matrix<double> rhat = causalrec::matrix<double>::from_shape({n, n_items});
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t a = 0; a < n_items; ++a) {
                const std::size_t cell = a * n_positions + bts.positions[j];
                rhat(j, a) = shows[cell] > 0.0 ? clicks[cell] / shows[cell] : overall;
            }
        const auto target = uniform_policy(n, n_items);
        const auto log = as_bandit_log(bts);
        struct row {
            c::ope_estimator estimator;
            const char* label;
        };
        const row rows[] = {{c::ope_estimator::naive, "naive (bts CTR)"}, {c::ope_estimator::ips, "IPW"},
                            {c::ope_estimator::snips, "SNIPW"},           {c::ope_estimator::dm, "DM"},
                            {c::ope_estimator::dr, "DR"},                 {c::ope_estimator::sndr, "SNDR"},
                            {c::ope_estimator::switch_dr, "Switch-DR (tau 100)"}, {c::ope_estimator::dros, "DRos (lambda 100)"}};
        std::string table = causalrec::cat(cp.name, ": random-log CTR ", truth,
                                           "\n  estimator              value     95% bootstrap interval   relative error\n");
        double rel_ips = 0.0, rel_snips = 0.0;
        for (const auto& r : rows) {
            const auto e = c::estimate_policy_value(log, target, {.estimator = r.estimator, .reward_model = &rhat, .ope = {.bootstrap = 30, .seed = 1},
                                                                  .tau = tau, .lambda = lambda});
            const double rel = std::abs(e.value - truth) / truth;
            if (r.estimator == c::ope_estimator::ips) rel_ips = rel;
            if (r.estimator == c::ope_estimator::snips) rel_snips = rel;
            char line[160];
            std::snprintf(line, sizeof line, "  %-20s %9.6f  [%9.6f, %9.6f]      %6.1f %%\n", r.label, e.value, e.ci_low, e.ci_high, 100.0 * rel);
            table += line;
            CHECK(std::isfinite(e.value));
            CHECK(e.ci_low <= e.ci_high);
        }
        table += "  replay: not applicable (the uniform-random policy is not deterministic)";
        WARN(table);
        // SOURCE.md: "The women campaign shows how heavy-tailed weights break plain IPW".
        if (std::string(cp.name) == "women") CHECK(rel_snips < rel_ips);
        // The slots one by one (the independence assumption): their IPW estimates average to the whole log's.
        const auto by = c::estimate_policy_value_by_position(log, target);
        REQUIRE(by.size() == 3);
        double pooled = 0.0;
        for (const auto& e : by) pooled += e.value * static_cast<double>(e.units);
        CHECK(std::abs(pooled / static_cast<double>(n) - c::estimate_policy_value(log, target).value) < 1e-12);
    }
}

}  // namespace causalrec_test_obd_reference
