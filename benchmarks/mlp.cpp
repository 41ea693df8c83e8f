// The seed model (32 -> Dense 128 relu -> Dense 64 relu -> Dense 1 sigmoid, BCE, Adam 1e-3) on
// 200,000 synthetic rows, one thread: training samples/s at batch 32, 256 and 1024, and predict
// samples/s on 1,000,000 rows. The protocol follows ../shared/bench/torch_mlp.py (1 warm-up epoch,
// then timed epochs); benchmarks/peers/torch_mlp_peer.py runs PyTorch on the same job in the same
// run and prints the ratios. Heap allocations per training step (after the first epoch) are counted.
// train_dp: the same training under DP-SGD (privacy::dp_sgd), compared with train at the same batch.
#include <benchmark/benchmark.h>

#include "support/bench_data.hpp"

#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/privacy/privacy.hpp>
#include <causalrec/train/train.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>

namespace {

std::atomic<std::size_t> allocations{0};

}  // namespace

// Counts every heap allocation of the program (the benchmark reports the count per training step).
// g++ sees the replacement pair as malloc/free behind new/delete and warns about a mismatch that
// is not one (the whole program uses this pair).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

namespace cr = causalrec;
using causalrec_bench::data;
using causalrec_bench::features;

auto seed_model() {
    namespace nn = cr::nn;
    auto model = nn::sequential(nn::dense<float>(features, 128), nn::relu{}, nn::dense<float>(128, 64), nn::relu{},
                                nn::dense<float>(64, 1), nn::sigmoid{});
    model.initialize(42);
    return model;
}

void BM_train(benchmark::State& state) {
    cr::set_num_threads(1);
    const auto batch = static_cast<std::size_t>(state.range(0));
    const auto& d = data(200000);
    auto model = seed_model();
    cr::optim::adam<float> opt({.learning_rate = 1e-3});
    const cr::loss::binary_cross_entropy bce;
    std::size_t epoch = 0;
    double last_loss = 0.0;
    // Allocations from the 2nd to the last full-size step of an epoch (each epoch is one fit call, so
    // the first and the last, smaller batch allocate their buffers; tests/test_alloc.cpp checks that a
    // multi-epoch fit allocates nothing per step after its first epoch).
    std::size_t counted_steps = 0, counted_allocs = 0, at_second_step = 0;
    auto count = cr::train::on_batch_end([&](auto& ctx) {
        if (ctx.batch == 1) at_second_step = allocations.load();
        if (ctx.batch + 2 == ctx.batches_per_epoch && ctx.batch > 1) {
            counted_allocs += allocations.load() - at_second_step;
            counted_steps += ctx.batch - 1;
        }
    });
    auto one_epoch = [&] {
        const auto h = cr::train::fit(model, bce, opt, d.x, d.y, {.epochs = 1, .batch_size = batch, .seed = epoch++, .verbose = 0},
                                      count);
        last_loss = h.loss.back();
    };
    one_epoch();  // warm-up
    counted_steps = counted_allocs = 0;
    for (auto _ : state) one_epoch();
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * d.x.shape()[0]));
    state.counters["loss"] = last_loss;
    state.counters["allocs_per_step"] =
        counted_steps ? static_cast<double>(counted_allocs) / static_cast<double>(counted_steps) : 0.0;
}

// DP-SGD training of the same model (privacy::dp_sgd around the same Adam): Poisson batches of the
// same expected size, per-sample clipping (ghost norms, one extra weight-gradient product per layer) and
// Gaussian noise on every parameter each step. The ratio to BM_train at the same batch is its cost.
void BM_train_dp(benchmark::State& state) {
    cr::set_num_threads(1);
    const auto batch = static_cast<std::size_t>(state.range(0));
    const auto& d = data(200000);
    auto model = seed_model();
    cr::privacy::dp_sgd dp(cr::optim::adam<float>({.learning_rate = 1e-3}), {.noise_multiplier = 1.0, .max_grad_norm = 1.0, .delta = 1e-6});
    const cr::loss::binary_cross_entropy bce;
    std::size_t epoch = 0;
    double last_loss = 0.0;
    auto one_epoch = [&] {
        const auto h = cr::train::fit(model, bce, dp, d.x, d.y, {.epochs = 1, .batch_size = batch, .seed = epoch++, .verbose = 0});
        last_loss = h.loss.back();
    };
    one_epoch();  // warm-up
    for (auto _ : state) one_epoch();
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * d.x.shape()[0]));
    state.counters["loss"] = last_loss;
    state.counters["epsilon"] = dp.epsilon();
}

void BM_predict(benchmark::State& state) {
    cr::set_num_threads(1);
    const auto& d = data(200000);
    static const cr::matrix<float> big = [&] {
        auto x = cr::make_matrix<float>(1000000, features);
        for (std::size_t i = 0; i < 1000000; ++i) std::copy_n(&d.x(i % 200000, 0), features, &x(i, 0));
        return x;
    }();
    auto model = seed_model();
    (void)cr::train::predict(model, big);  // warm-up
    for (auto _ : state) {
        auto p = cr::train::predict(model, big);  // default: 512-row passes
        benchmark::DoNotOptimize(p.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * big.shape()[0]));
}

}  // namespace

BENCHMARK(BM_train)->Name("train/seed_mlp/batch")->Arg(32)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_train_dp)->Name("train_dp/seed_mlp/batch")->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_predict)->Name("predict/seed_mlp/1M_rows")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

BENCHMARK_MAIN();
