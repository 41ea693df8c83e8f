// Matrix-factorisation training speed on the protocol of ../shared/bench/numpy_als.py and
// ../shared/bench/torch_mf.py: 1,000,000 explicit ratings of 10,000 users x 5,000 items drawn from a
// rank-16 biased model plus noise and clipped to [1, 5] (pairs drawn with replacement), 64 factors,
// one thread. One benchmark iteration is one epoch:
//   als/explicit/...   one alternation (all users, then all items), ratings centred by their mean,
//                      ALS-WR regularisation lambda * n with lambda = 0.05 (the NumPy peer's setting);
//   mf/sgd_per_rating  one pass of per-rating SGD (Funk), reshuffled;
//   mf/sgd_batch1024   one epoch of the library's SGD optimizer on mini-batches of 1,024 ratings
//                      (PyTorch's setting), including the model's initialisation;
//   bpr/epoch          one BPR-MF fit of one epoch on the same log as implicit feedback (1,000,000
//                      sampled triples, plain SGD on one triple per step), including the setup.
// The peers (benchmarks/peers/als_peer.py, benchmarks/peers/mf_peer.py) run this program in the same
// session. Sizes: CAUSALREC_MF_RATINGS / CAUSALREC_MF_USERS / CAUSALREC_MF_ITEMS.
#include <benchmark/benchmark.h>

#include "support/bench_data.hpp"

#include <causalrec/core/rng.hpp>
#include <causalrec/core/threads.hpp>
#include <causalrec/data/interactions.hpp>
#include <causalrec/optim/sgd.hpp>
#include <causalrec/rec/als.hpp>
#include <causalrec/rec/bpr.hpp>
#include <causalrec/rec/mf.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

namespace cr = causalrec;
namespace rec = causalrec::rec;
using causalrec_bench::env_size;
using causalrec_bench::ratings;

double train_rmse_als(const rec::als& m, const cr::data::interactions& log) {
    double s = 0.0;
    const std::size_t k = m.options().factors;
    for (std::size_t r = 0; r < log.size(); ++r) {
        const std::size_t u = log.users()[r], i = log.items()[r];
        double pred = m.global_mean();
        for (std::size_t f = 0; f < k; ++f) pred += double(m.user_factors()[u * k + f]) * m.item_factors()[i * k + f];
        s += (pred - log.values()[r]) * (pred - log.values()[r]);
    }
    return std::sqrt(s / static_cast<double>(log.size()));
}

void run_als(benchmark::State& state, rec::als_options options) {
    cr::set_num_threads(1);
    const auto& log = ratings();
    options.epochs = 1;  // warm-up epoch
    rec::als model(options);
    model.fit(log);
    for (auto _ : state) {
        model.partial_fit(log, 1);
        benchmark::DoNotOptimize(model.item_factors().data());
    }
    state.counters["train_rmse"] = train_rmse_als(model, log);
    state.counters["ratings"] = static_cast<double>(log.size());
}

void BM_als_explicit_cholesky(benchmark::State& state) {
    run_als(state, {.factors = 64, .l2 = 0.05});
}

void BM_als_explicit_cg3(benchmark::State& state) {
    run_als(state, {.factors = 64, .l2 = 0.05, .solver = rec::als_solver::conjugate_gradient, .cg_steps = 3});
}

void BM_mf_sgd_per_rating(benchmark::State& state) {
    cr::set_num_threads(1);
    const auto& log = ratings();
    rec::matrix_factorization model({.factors = 64, .epochs = 1, .learning_rate = 0.005, .l2 = 0.02, .init_std = 0.01});
    model.fit(log);  // warm-up epoch
    for (auto _ : state) {
        model.partial_fit(log, 1);
        benchmark::DoNotOptimize(model.item_factors().data());
    }
    state.counters["train_rmse"] = std::sqrt(model.epoch_losses().back());
}

void BM_mf_sgd_batch1024(benchmark::State& state) {
    cr::set_num_threads(1);
    const auto& log = ratings();
    rec::matrix_factorization model({.factors = 64, .epochs = 1, .l2 = 0.0, .bias_l2 = 0.0, .init_std = 0.01});
    for (auto _ : state) {
        cr::optim::sgd<float> opt({.learning_rate = 5.0});
        model.fit(log, opt, 1024);
        benchmark::DoNotOptimize(model.item_factors().data());
    }
    state.counters["train_rmse"] = std::sqrt(model.epoch_losses().back());
}

void BM_bpr_epoch(benchmark::State& state) {
    cr::set_num_threads(1);
    const auto& log = ratings();
    for (auto _ : state) {
        rec::bpr model({.factors = 64, .epochs = 1, .seed = 3});
        model.fit(log);
        benchmark::DoNotOptimize(model.item_factors().data());
    }
    state.counters["triples"] = static_cast<double>(log.size());
}

}  // namespace

BENCHMARK(BM_als_explicit_cholesky)->Name("als/explicit/cholesky/epoch")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_als_explicit_cg3)->Name("als/explicit/cg3/epoch")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_mf_sgd_per_rating)->Name("mf/sgd_per_rating/epoch")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_bpr_epoch)->Name("bpr/epoch")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_mf_sgd_batch1024)->Name("mf/sgd_batch1024/epoch")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

BENCHMARK_MAIN();
