// Scaling over MPI processes, one thread per process: run the same program on 1 and on 2 (or more)
// ranks and compare the times (benchmarks/peers/scaling.py does both and prints the ratios):
//   distributed/seed_mlp/epoch/batch1024   one epoch of data-parallel training of the seed model on the
//                                          200,000 rows of bench_mlp, global batch 1,024 (replicated
//                                          rows: each rank computes its 1,024 / P rows of every step)
//   distributed/als/explicit/cholesky/epoch one alternation of fit_als on the 1,000,000 ratings of
//                                          bench_rec_factor (64 factors, each rank holding its block of
//                                          rows), measured as (fit with 4 alternations - fit with 1) / 3
//                                          so that routing the ratings and building the CSR views are
//                                          left out, as bench_rec_factor leaves them out
// A time is the slowest rank's; rank 0 reports. Counters: bytes each rank sends per step (MLP) or
// receives per alternation (ALS), and the rank count.
//   mpiexec -n 2 build/.../benchmarks/bench_distributed --benchmark_format=json
#include <benchmark/benchmark.h>

#include <causalrec/core/threads.hpp>
#include <causalrec/distributed/distributed.hpp>
#include <causalrec/loss/loss.hpp>
#include <causalrec/nn/nn.hpp>
#include <causalrec/optim/optim.hpp>
#include <causalrec/rec/als.hpp>
#include <causalrec/train/train.hpp>

#include <chrono>
#include <cstddef>
#include <vector>

#include "support/bench_data.hpp"

namespace {

namespace cr = causalrec;
namespace dist = causalrec::distributed;

/// Wall time of `work` on the slowest rank (every rank starts together).
template <class F>
double slowest_rank_seconds(const dist::communicator& comm, F&& work) {
    comm.barrier();
    const auto start = std::chrono::steady_clock::now();
    work();
    const double mine = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return comm.max(mine);
}

void BM_seed_mlp_epoch(benchmark::State& state) {
    cr::set_num_threads(1);
    const dist::communicator comm;
    const auto& d = causalrec_bench::data(200000);
    namespace nn = cr::nn;
    auto model = nn::sequential(nn::dense<float>(causalrec_bench::features, 128), nn::relu{}, nn::dense<float>(128, 64), nn::relu{},
                                nn::dense<float>(64, 1), nn::sigmoid{});
    model.initialize(42);
    cr::optim::adam<float> opt({.learning_rate = 1e-3});
    std::size_t epoch = 0;
    auto one_epoch = [&] {
        dist::fit(comm, model, cr::loss::binary_cross_entropy{}, opt, d.x, d.y, {.epochs = 1, .batch_size = 1024, .seed = epoch++, .verbose = 0});
    };
    one_epoch();  // warm-up
    for (auto _ : state) state.SetIterationTime(slowest_rank_seconds(comm, one_epoch));
    std::size_t parameters = 0;
    for (const auto& p : model.parameters()) parameters += p.size();
    state.counters["samples_per_second"] = benchmark::Counter(200000.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["bytes_per_step"] = static_cast<double>((parameters + 4) * sizeof(float));
    state.counters["ranks"] = comm.size();
}

void BM_als_epoch(benchmark::State& state) {
    cr::set_num_threads(1);
    const dist::communicator comm;
    const auto& log = causalrec_bench::ratings();
    const auto p = static_cast<std::size_t>(comm.size()), r = static_cast<std::size_t>(comm.rank());
    std::vector<std::size_t> rows;
    for (std::size_t j = log.size() * r / p; j < log.size() * (r + 1) / p; ++j) rows.push_back(j);
    const auto mine = log.subset(rows);
    auto fit = [&](std::size_t epochs) {
        cr::rec::als model({.factors = 64, .epochs = epochs, .l2 = 0.05});
        dist::fit_als(comm, model, mine);
        benchmark::DoNotOptimize(model.item_factors().data());
    };
    fit(1);  // warm-up
    for (auto _ : state) {
        const double one = slowest_rank_seconds(comm, [&] { fit(1); });
        const double four = slowest_rank_seconds(comm, [&] { fit(4); });
        state.SetIterationTime((four - one) / 3.0);
    }
    const double k = 64.0, others = static_cast<double>(p - 1) / static_cast<double>(p);
    state.counters["bytes_received_per_epoch"] = static_cast<double>(log.n_users() + log.n_items()) * k * sizeof(float) * others;
    state.counters["ranks"] = comm.size();
}

// Fixed iteration counts: every rank must run the same number of collective iterations.
BENCHMARK(BM_seed_mlp_epoch)->Name("distributed/seed_mlp/epoch/batch1024")->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_als_epoch)->Name("distributed/als/explicit/cholesky/epoch")->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);

/// Prints nothing: the reporter of ranks other than 0.
class silent_reporter : public benchmark::BenchmarkReporter {
public:
    bool ReportContext(const Context&) override { return true; }
    void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace

int main(int argc, char** argv) {
    dist::environment env(argc, argv);
    benchmark::Initialize(&argc, argv);
    const dist::communicator comm;
    if (comm.is_root()) {
        benchmark::RunSpecifiedBenchmarks();
    } else {
        silent_reporter quiet;
        benchmark::RunSpecifiedBenchmarks(&quiet);
    }
    benchmark::Shutdown();
    return 0;
}
