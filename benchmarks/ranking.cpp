// Ranking-metric evaluation speed, the protocol of ../shared/bench/ranking_eval.py: NDCG@10 and Recall@10
// for 10,000 users x 5,000 items from a precomputed dense float score matrix S = U V^T (rank 64), with
// 100 distinct excluded ("train") items per user and 1 + Poisson(9) (at most 50) relevant ("test") items,
// disjoint from the train items. One thread. The peer timing (NumPy: mask, argpartition, sort the 10,
// metrics) comes from benchmarks/peers/ranking_peer.py, which runs this program in the same session.
// Sizes can be changed with CAUSALREC_RANKING_USERS / CAUSALREC_RANKING_ITEMS; with CAUSALREC_RANKING_DATA
// (a directory of .npy files written by the peer script) the program reads the peer's very data instead.
#include <benchmark/benchmark.h>

#include <causalrec/core/rng.hpp>
#include <causalrec/core/tensor.hpp>
#include <causalrec/core/threads.hpp>
#include <causalrec/metrics/ranking.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/npy.hpp"

namespace {

namespace cr = causalrec;
namespace m = causalrec::metrics;

std::size_t env_size(const char* name, std::size_t fallback) {
    const char* v = std::getenv(name);
    return v != nullptr ? static_cast<std::size_t>(std::stoull(v)) : fallback;
}

/// The benchmark's data: score matrix and CSR train / test lists.
struct ranking_case {
    cr::matrix<float> scores;
    std::vector<std::size_t> train_offsets{0}, train_items, test_offsets{0}, test_items;
};

/// Knuth's Poisson sampler (fine for a small mean).
std::size_t poisson(cr::rng& g, double mean) {
    const double limit = std::exp(-mean);
    std::size_t n = 0;
    double p = g.uniform();
    while (p > limit) {
        ++n;
        p *= g.uniform();
    }
    return n;
}

/// The case a peer script wrote to `dir`: scores.npy (float32, users x items) and the CSR lists
/// train_offsets.npy, train_items.npy, test_offsets.npy, test_items.npy (int64).
ranking_case read_case(const std::string& dir) {
    namespace b = causalrec_bench;
    const auto scores = b::read_npy<float>(dir + "/scores.npy");
    if (scores.shape.size() != 2) throw std::runtime_error(dir + "/scores.npy: expected a matrix");
    ranking_case r;
    r.scores = cr::make_matrix<float>(scores.shape[0], scores.shape[1]);
    std::copy(scores.values.begin(), scores.values.end(), r.scores.data());
    const auto as_sizes = [&](const char* name) {
        const auto v = b::read_npy<std::int64_t>(dir + "/" + name).values;
        return std::vector<std::size_t>(v.begin(), v.end());
    };
    r.train_offsets = as_sizes("train_offsets.npy");
    r.train_items = as_sizes("train_items.npy");
    r.test_offsets = as_sizes("test_offsets.npy");
    r.test_items = as_sizes("test_items.npy");
    return r;
}

const ranking_case& data() {
    static const ranking_case c = [] {
        if (const char* dir = std::getenv("CAUSALREC_RANKING_DATA"); dir != nullptr) return read_case(dir);
        const std::size_t users = env_size("CAUSALREC_RANKING_USERS", 10'000);
        const std::size_t items = env_size("CAUSALREC_RANKING_ITEMS", 5'000);
        const std::size_t rank = 64, n_train = 100;
        cr::rng g(0);
        std::vector<float> U(users * rank), V(items * rank);
        for (float& x : U) x = static_cast<float>(g.normal());
        for (float& x : V) x = static_cast<float>(g.normal());
        ranking_case r;
        r.scores = cr::make_matrix<float>(users, items);
        for (std::size_t u = 0; u < users; ++u) {
            const float* a = U.data() + u * rank;
            for (std::size_t i = 0; i < items; ++i) {
                const float* b = V.data() + i * rank;
                float s = 0.0f;
                for (std::size_t d = 0; d < rank; ++d) s += a[d] * b[d];
                r.scores(u, i) = s;
            }
        }
        std::vector<std::size_t> perm(items);
        for (std::size_t i = 0; i < items; ++i) perm[i] = i;
        for (std::size_t u = 0; u < users; ++u) {
            const std::size_t n_test = std::min<std::size_t>(1 + poisson(g, 9.0), 50);
            const std::size_t take = std::min(items, n_train + n_test);
            for (std::size_t j = 0; j < take; ++j) {  // partial Fisher-Yates: distinct items
                const std::size_t pick = j + static_cast<std::size_t>(g.uniform_index(items - j));
                std::swap(perm[j], perm[pick]);
            }
            r.train_items.insert(r.train_items.end(), perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(n_train));
            r.test_items.insert(r.test_items.end(), perm.begin() + static_cast<std::ptrdiff_t>(n_train),
                                perm.begin() + static_cast<std::ptrdiff_t>(take));
            r.train_offsets.push_back(r.train_items.size());
            r.test_offsets.push_back(r.test_items.size());
        }
        return r;
    }();
    return c;
}

void BM_evaluate_ranking(benchmark::State& state) {
    cr::set_num_threads(1);
    const ranking_case& c = data();
    const m::sparse_rows train{c.train_offsets, c.train_items}, test{c.test_offsets, c.test_items};
    m::ranking_result r;
    for (auto _ : state) {
        r = m::evaluate_ranking(c.scores, train, test,
                                {.k = 10, .metrics = m::ranking_metric::ndcg | m::ranking_metric::recall, .threads = 1});
        // Not DoNotOptimize(r.mean.ndcg): with g++ 12 its "+m,r" constraint on a double member left
        // garbage in r.mean.ndcg (checked); a pointer is safe.
        benchmark::DoNotOptimize(r.top_k.data());
    }
    state.counters["ndcg"] = r.mean.ndcg;
    state.counters["recall"] = r.mean.recall;
    state.counters["users"] = static_cast<double>(c.scores.shape()[0]);
}

}  // namespace

BENCHMARK(BM_evaluate_ranking)->Name("evaluate_ranking<float>/ndcg10+recall10")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

BENCHMARK_MAIN();
