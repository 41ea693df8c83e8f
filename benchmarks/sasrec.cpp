// SASRec speed on the SASRec authors' Video sequences (the leave-one-out training part), with the
// authors' default architecture: training sequences per second over one epoch, and scoring every item
// for every user's history (full ranking) with the top 10 per user. benchmarks/peers/sasrec_peer.py
// runs PyTorch on the same file, users and settings and compares.
//
//   CAUSALREC_SASREC_DATA=../shared/data/sasrec-video/Video.txt  (default)
//   CAUSALREC_SASREC_USERS=8192   the first N users only (0 = all; default 8192)
#include <causalrec/data/sequences.hpp>
#include <causalrec/rec/sequential/sasrec.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

namespace d = causalrec::data;
namespace r = causalrec::rec;

namespace {

// The training sequences of the first CAUSALREC_SASREC_USERS users of the leave-one-out split.
const d::sequences& training() {
    static const d::sequences train = [] {
        const char* path = std::getenv("CAUSALREC_SASREC_DATA");
        const auto all = d::read_sequences(path ? path : "../shared/data/sasrec-video/Video.txt");
        const auto split = d::leave_one_out(all);
        const char* users = std::getenv("CAUSALREC_SASREC_USERS");
        std::size_t n = users ? std::stoul(users) : 8192;
        if (n == 0 || n > split.train.n_users()) n = split.train.n_users();
        std::vector<std::vector<std::uint32_t>> per_user(n);
        for (std::size_t u = 0; u < n; ++u) per_user[u].assign(split.train.of(u).begin(), split.train.of(u).end());
        return d::sequences(per_user, all.n_items());
    }();
    return train;
}

std::size_t trainable_users(const d::sequences& s) {
    std::size_t n = 0;
    for (std::size_t u = 0; u < s.n_users(); ++u) n += s.length(u) >= 2;
    return n;
}

void BM_sasrec_train_epoch(benchmark::State& state) {
    const auto& train = training();
    for (auto _ : state) {
        r::sasrec model({.epochs = 1, .seed = 1});
        model.fit(train);
        benchmark::DoNotOptimize(model.n_items());
    }
    state.counters["sequences_per_second"] =
        benchmark::Counter(static_cast<double>(trainable_users(train)) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_sasrec_full_ranking(benchmark::State& state) {
    const auto& train = training();
    r::sasrec model({.epochs = 1, .seed = 1});
    model.fit(train);
    std::vector<std::span<const std::uint32_t>> histories;
    for (std::size_t u = 0; u < train.n_users(); ++u) histories.push_back(train.of(u));
    for (auto _ : state) {
        for (std::size_t start = 0; start < histories.size(); start += 256) {
            const std::size_t b = std::min<std::size_t>(256, histories.size() - start);
            const auto top = model.top_items(std::span(histories).subspan(start, b), 10);
            benchmark::DoNotOptimize(top.data());
        }
    }
    state.counters["users_per_second"] =
        benchmark::Counter(static_cast<double>(train.n_users()) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_sasrec_train_epoch)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_sasrec_full_ranking)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

BENCHMARK_MAIN();
