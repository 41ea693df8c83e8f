// IHDP checks of the neural effect estimators on replications 1-6 of $CAUSALREC_SHARED_DIR/data/ihdp
// (Hill 2011; the CSVs of Shi et al.'s DragonNet repository, same simulations as CFRNet's
// ihdp_npci_1-100, see SOURCE.md there). The full 40-replication table comes from the ihdp_neural
// tool (tests/tools/ihdp_neural.cpp; numbers in docs/causal.md). Protocol as the tool: TARNet and CFR
// are trained on CFRNet's 672 training rows (their validation part chosen inside fit) and scored by
// out-of-sample sqrt(PEHE) on the 75 test rows; DragonNet is fitted on all 747 rows and scored by
// the ATE error. Estimator defaults throughout, except the second GANITE check (settings chosen on the
// training rows' validation part, docs/causal.md); no test row is used for any choice.
// Published (1000 replications): TARNet 0.95, CFR-Wass 0.76 out-of-sample sqrt(PEHE) (Shalit et al.
// 2017, Table 1); DragonNet + t-reg ATE error 0.20 (Shi et al. 2019, Table 1, IHDP, all rows);
// GANITE 2.4 (Yoon et al. 2018, Table 2, out-of-sample), scored here like TARNet.
#include <causalrec/causal/neural.hpp>
#include <causalrec/core/threads.hpp>
#include <causalrec/metrics/causal.hpp>

#include <algorithm>
#include <vector>

#include "catch.hpp"
#include "ihdp.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_ihdp_neural {

namespace cc = causalrec::causal;
namespace cm = causalrec::metrics;

namespace {

const std::vector<int> replications{1, 2, 3, 4, 5, 6};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double mean(const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}

// Out-of-sample sqrt(PEHE) of `Model` (default options, or a copy of `prototype`) on each replication
// (of `reps`).
// The networks' matrices are small (batches of 64-100 rows, 200 units): one OpenBLAS thread is the
// fastest and keeps the run time steady on a shared machine.
void single_thread() { causalrec::set_num_threads(1); }

template <class Model>
std::vector<double> out_of_sample_pehe(const Model& prototype = Model{}, const std::vector<int>& reps = replications) {
    single_thread();
    const auto tests = ihdp::test_rows();
    std::vector<double> out;
    for (int r : reps) {
        const auto rep = ihdp::read(r);
        const auto [train, test] = ihdp::split(rep, tests.at(r));
        REQUIRE(train.t.size() == 672);
        REQUIRE(test.t.size() == 75);
        Model model = prototype;
        model.fit(train.x, train.t, train.y);
        const causalrec::vector<double> tau = test.mu1 - test.mu0;
        out.push_back(cm::sqrt_pehe(tau, model.effect(test.x)));
        UNSCOPED_INFO("replication " << r << ": sqrt(PEHE) " << out.back());
    }
    return out;
}

}  // namespace

TEST_CASE("ihdp neural: TARNet out-of-sample sqrt PEHE") {
    const auto pehe = out_of_sample_pehe<cc::tarnet<double>>();
    INFO("median " << median(pehe) << ", mean " << mean(pehe));
    // Measured (g++ 12, replications 1-6): median 0.349, mean 0.392. The 40-replication run
    // (docs/causal.md) has median 0.645; its bar is median <= 1.0.
    CHECK(median(pehe) <= 0.6);
    CHECK(mean(pehe) <= 0.7);
}

TEST_CASE("ihdp neural: CFR out-of-sample sqrt PEHE") {
    const auto pehe = out_of_sample_pehe<cc::cfr<double>>();
    INFO("median " << median(pehe) << ", mean " << mean(pehe));
    // Measured (g++ 12, replications 1-6): median 0.433, mean 0.461. The 40-replication run has
    // median 0.697; its bar is median <= 0.9.
    CHECK(median(pehe) <= 0.7);
    CHECK(mean(pehe) <= 0.8);
}

TEST_CASE("ihdp neural: GANITE out-of-sample sqrt PEHE") {
    const auto pehe = out_of_sample_pehe<cc::ganite<double>>();
    INFO("median " << median(pehe) << ", mean " << mean(pehe));
    // Measured (g++ 12, replications 1-6): median 1.31, mean 1.33. The 40-replication run has mean
    // 3.65 and median 1.86, above the bar of mean 2.4 (the paper's figure) and median 1.5: see
    // docs/causal.md. This guards against regressions only.
    CHECK(median(pehe) <= 1.6);
    CHECK(mean(pehe) <= 1.6);
}

TEST_CASE("ihdp neural: GANITE with the settings chosen on validation rows (100 units, l2 0.1, 1000 passes)") {
    // Chosen on the held-out factual loss of the training rows of replications 1-10, never the test
    // rows (docs/causal.md); about 20 s per fit, so two replications here.
    const auto pehe = out_of_sample_pehe(cc::ganite<double>(ihdp::ganite_selected_options()), {1, 2});
    INFO("mean " << mean(pehe));
    // Measured (g++ 12): 1.00 and 0.83 (the defaults above: 1.29 and 1.54 there). The 40-replication
    // run has median 1.05 and mean 2.69 (bars 1.5 and 2.4).
    CHECK(mean(pehe) <= 1.1);
}

TEST_CASE("ihdp neural: DragonNet ATE error on all rows") {
    single_thread();
    std::vector<double> errors;
    for (int r : replications) {
        const auto rep = ihdp::read(r);
        REQUIRE(rep.t.size() == 747);
        cc::dragonnet<double> model;
        model.fit(rep.x, rep.t, rep.y);
        const causalrec::vector<double> tau = rep.mu1 - rep.mu0;
        double true_ate = 0.0;
        for (double v : tau) true_ate += v;
        true_ate /= static_cast<double>(tau.size());
        errors.push_back(cm::ate_error(true_ate, model.ate()));
        UNSCOPED_INFO("replication " << r << ": ATE error " << errors.back());
    }
    INFO("mean ATE error " << mean(errors));
    // Measured (g++ 12, replications 1-6): mean 0.148. The 40-replication run has mean 0.181; its
    // bar is mean <= 0.25 (Shi et al. publish 0.20 over 1000 replications).
    CHECK(mean(errors) <= 0.25);
}

}  // namespace causalrec_test_ihdp_neural
