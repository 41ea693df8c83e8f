// Online bandit speed, one thread: LinUCB with 80 actions and 20 context features, one iteration =
// 10,000 rounds of choose + update on pre-drawn contexts and clicks (the protocol of
// benchmarks/peers/bandit_peer.py, which runs the same loop in NumPy in the same session).
//   bandit/lin_ucb/choose_update     counter rounds_per_second
//   bandit/linear_thompson/choose_update (probability_draws 0)
#include <benchmark/benchmark.h>

#include <causalrec/bandit/bandit.hpp>
#include <causalrec/core/rng.hpp>

#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

namespace {

namespace cr = causalrec;
namespace bandit = causalrec::bandit;

constexpr std::size_t actions = 80, features = 20, rounds = 10000;

struct stream {
    std::vector<double> contexts;  // rounds x features
    std::vector<double> clicks;    // rounds x actions: the click each action would get
};

const stream& data() {
    static const stream s = [] {
        stream out{std::vector<double>(rounds * features), std::vector<double>(rounds * actions)};
        cr::rng g(1);
        std::vector<double> theta(actions * features);
        for (auto& t : theta) t = 0.3 * g.normal();
        for (std::size_t t = 0; t < rounds; ++t) {
            for (std::size_t i = 0; i < features; ++i) out.contexts[t * features + i] = g.normal() / 4.0;
            for (std::size_t a = 0; a < actions; ++a) {
                double z = 0.0;
                for (std::size_t i = 0; i < features; ++i) z += theta[a * features + i] * out.contexts[t * features + i];
                out.clicks[t * actions + a] = g.bernoulli(1.0 / (1.0 + std::exp(-z))) ? 1.0 : 0.0;
            }
        }
        return out;
    }();
    return s;
}

template <class P>
void run(benchmark::State& state, P make()) {
    const auto& d = data();
    for (auto _ : state) {
        P policy = make();
        for (std::size_t t = 0; t < rounds; ++t) {
            const std::span<const double> x(d.contexts.data() + t * features, features);
            const auto c = policy.choose(x, {});
            policy.update(x, c.action, d.clicks[t * actions + c.action]);
        }
        benchmark::DoNotOptimize(policy.arms().vector.data());
    }
    state.counters["rounds_per_second"] = benchmark::Counter(static_cast<double>(rounds * state.iterations()), benchmark::Counter::kIsRate);
}

void BM_lin_ucb(benchmark::State& state) {
    run<bandit::lin_ucb>(state, [] { return bandit::lin_ucb(actions, features, {.alpha = 1.0}); });
}

void BM_linear_thompson(benchmark::State& state) {
    run<bandit::linear_thompson>(state, [] { return bandit::linear_thompson(actions, features, {.probability_draws = 0}); });
}

}  // namespace

BENCHMARK(BM_lin_ucb)->Name("bandit/lin_ucb/choose_update")->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();
BENCHMARK(BM_linear_thompson)->Name("bandit/linear_thompson/choose_update")->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();

BENCHMARK_MAIN();
