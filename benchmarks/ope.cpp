// Off-policy evaluation speed, one thread: every policy-value estimator over 1,000,000 logged rounds
// with 80 actions (the Open Bandit Dataset's item count): a uniformly random logging policy, a
// stochastic target (softmax of random scores) for naive, IPW, SNIPW, DM, DR, SNDR, Switch-DR and
// DRos in one estimate_policy_values call, and its greedy version for replay; each estimate with its
// standard error and normal interval, inputs checked. The protocol of benchmarks/peers/ope_peer.py,
// which runs the same estimators in NumPy in the same session.
//   ope/all_estimators     counter rounds_per_second (logged rounds evaluated by all nine, per second)
#include <benchmark/benchmark.h>

#include <causalrec/causal/offpolicy.hpp>
#include <causalrec/core/rng.hpp>

#include <cmath>
#include <cstddef>
#include <vector>

namespace {

namespace cr = causalrec;
namespace c = causalrec::causal;

constexpr std::size_t rounds = 1'000'000, actions = 80;

struct logged {
    c::bandit_log log;
    cr::matrix<double> target, greedy, reward_model;
};

const logged& data() {
    static const logged s = [] {
        logged out;
        out.target = cr::matrix<double>::from_shape({rounds, actions});
        out.greedy = xt::zeros<double>({rounds, actions});
        out.reward_model = cr::matrix<double>::from_shape({rounds, actions});
        cr::rng g(1);
        out.log.actions.reserve(rounds);
        for (std::size_t j = 0; j < rounds; ++j) {
            double* q = out.target.data() + j * actions;
            double total = 0.0;
            std::size_t best = 0;
            for (std::size_t a = 0; a < actions; ++a) {
                q[a] = std::exp(g.normal());
                total += q[a];
                if (q[a] > q[best]) best = a;
                out.reward_model(j, a) = 0.01 * g.uniform();
            }
            for (std::size_t a = 0; a < actions; ++a) q[a] /= total;
            out.greedy(j, best) = 1.0;
            out.log.actions.push_back(g.uniform_index(actions));
            out.log.propensities.push_back(1.0 / static_cast<double>(actions));
            out.log.rewards.push_back(g.bernoulli(0.005) ? 1.0 : 0.0);
        }
        return out;
    }();
    return s;
}

void BM_all_estimators(benchmark::State& state) {
    const auto& d = data();
    const c::ope_estimator stochastic[] = {c::ope_estimator::naive, c::ope_estimator::ips,       c::ope_estimator::snips,
                                           c::ope_estimator::dm,    c::ope_estimator::dr,        c::ope_estimator::sndr,
                                           c::ope_estimator::switch_dr, c::ope_estimator::dros};
    const c::policy_value_options options{.reward_model = &d.reward_model, .tau = 100.0, .lambda = 100.0};
    for (auto _ : state) {
        auto estimates = c::estimate_policy_values(d.log, d.target, stochastic, options);
        const auto replay = c::estimate_policy_value(d.log, d.greedy, {.estimator = c::ope_estimator::replay});
        benchmark::DoNotOptimize(estimates.data());
        benchmark::DoNotOptimize(replay.value);
    }
    state.counters["rounds_per_second"] = benchmark::Counter(static_cast<double>(rounds * state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_all_estimators)->Name("ope/all_estimators")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

BENCHMARK_MAIN();
