// Approximate retrieval against brute force, one thread: 200,000 clustered 64-d item vectors (1,000
// centres, spread 0.3), 1,000 queries drawn the same way, top 10 by inner product.
//   ann/brute_force/per_query    each query scores every item (one sgemv) and keeps its top 10
//   ann/brute_force/batched      all queries at once: blocked GEMMs of 1,000 queries x 4,096 items
//                                with a running top 10 (the serving of a batch of requests)
//   ann/hnsw/ef:E                rec::ann_index search at candidate list E (recall@10 against the
//                                exact lists as a counter); ann/hnsw/build is the index build
// Counters: queries_per_second and recall_at_10. Sizes: CAUSALREC_ANN_ITEMS, CAUSALREC_ANN_QUERIES.
#include <benchmark/benchmark.h>

#include <causalrec/core/blas.hpp>
#include <causalrec/core/rng.hpp>
#include <causalrec/core/threads.hpp>
#include <causalrec/rec/ann.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "support/bench_data.hpp"

namespace {

namespace cr = causalrec;
constexpr std::size_t dim = 64, top = 10;

struct workload {
    std::size_t n = 0, queries = 0;
    std::vector<float> items, query;
    std::vector<std::vector<std::size_t>> truth;  // exact top 10 per query
};

/// Rows around `centres` shared random centres.
std::vector<float> clustered(std::size_t rows, const std::vector<float>& centres, cr::rng& g) {
    const std::size_t clusters = centres.size() / dim;
    std::vector<float> v(rows * dim);
    for (std::size_t i = 0; i < rows; ++i) {
        const std::size_t c = g.uniform_index(clusters);
        for (std::size_t j = 0; j < dim; ++j) v[i * dim + j] = centres[c * dim + j] + static_cast<float>(0.3 * g.normal());
    }
    return v;
}

/// The top `top` of one score row (ties to the lower index).
std::vector<std::size_t> top_of(const float* scores, std::size_t n) {
    std::vector<std::size_t> idx(n);
    for (std::size_t i = 0; i < n; ++i) idx[i] = i;
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(top), idx.end(),
                      [&](std::size_t a, std::size_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; });
    idx.resize(top);
    return idx;
}

const workload& data() {
    static const workload w = [] {
        workload out;
        out.n = causalrec_bench::env_size("CAUSALREC_ANN_ITEMS", 200'000);
        out.queries = causalrec_bench::env_size("CAUSALREC_ANN_QUERIES", 1'000);
        cr::rng g(7);
        std::vector<float> centres(1000 * dim);
        for (auto& c : centres) c = static_cast<float>(g.normal());
        out.items = clustered(out.n, centres, g);
        out.query = clustered(out.queries, centres, g);
        std::vector<float> scores(out.n);
        for (std::size_t q = 0; q < out.queries; ++q) {
            cr::blas::scores_of_all_rows(out.n, dim, out.items.data(), out.query.data() + q * dim, scores.data());
            out.truth.push_back(top_of(scores.data(), out.n));
        }
        return out;
    }();
    return w;
}

void BM_brute_force_per_query(benchmark::State& state) {
    cr::set_num_threads(1);
    const auto& w = data();
    std::vector<float> scores(w.n);
    for (auto _ : state)
        for (std::size_t q = 0; q < w.queries; ++q) {
            cr::blas::scores_of_all_rows(w.n, dim, w.items.data(), w.query.data() + q * dim, scores.data());
            benchmark::DoNotOptimize(top_of(scores.data(), w.n));
        }
    state.counters["queries_per_second"] = benchmark::Counter(static_cast<double>(w.queries * state.iterations()), benchmark::Counter::kIsRate);
    state.counters["recall_at_10"] = 1.0;
}

void BM_brute_force_batched(benchmark::State& state) {
    cr::set_num_threads(1);
    const auto& w = data();
    constexpr std::size_t block = 4096;
    std::vector<float> scores(w.queries * block);
    std::vector<std::vector<std::pair<float, std::size_t>>> best(w.queries);
    for (auto _ : state) {
        for (auto& b : best) b.clear();
        for (std::size_t start = 0; start < w.n; start += block) {
            const std::size_t m = std::min(block, w.n - start);
            cr::blas::gemm<float>(false, true, w.queries, m, dim, 1.0f, w.query.data(), dim, w.items.data() + start * dim, dim, 0.0f,
                                  scores.data(), m);
            for (std::size_t q = 0; q < w.queries; ++q) {
                auto& b = best[q];
                const float* s = scores.data() + q * m;
                for (std::size_t i = 0; i < m; ++i) {
                    if (b.size() == top && s[i] <= b.front().first) continue;
                    const auto worse = [](const auto& x, const auto& y) { return x.first > y.first; };  // min-heap
                    b.emplace_back(s[i], start + i);
                    std::push_heap(b.begin(), b.end(), worse);
                    if (b.size() > top) {
                        std::pop_heap(b.begin(), b.end(), worse);
                        b.pop_back();
                    }
                }
            }
        }
        benchmark::DoNotOptimize(best.data());
    }
    state.counters["queries_per_second"] = benchmark::Counter(static_cast<double>(w.queries * state.iterations()), benchmark::Counter::kIsRate);
}

const cr::rec::ann_index& index() {
    static const cr::rec::ann_index built(data().items, dim);
    return built;
}

void BM_hnsw_build(benchmark::State& state) {
    cr::set_num_threads(1);
    const auto& w = data();
    for (auto _ : state) {
        cr::rec::ann_index built(w.items, dim);
        benchmark::DoNotOptimize(built.size());
    }
    state.counters["items"] = static_cast<double>(w.n);
}

void BM_hnsw_search(benchmark::State& state) {
    cr::set_num_threads(1);
    const auto& w = data();
    auto& idx = const_cast<cr::rec::ann_index&>(index());
    idx.set_ef_search(static_cast<std::size_t>(state.range(0)));
    double hits = 0.0;
    for (auto _ : state) {
        hits = 0.0;
        for (std::size_t q = 0; q < w.queries; ++q) {
            const auto found = idx.search(std::span<const float>(w.query.data() + q * dim, dim), top);
            for (const auto& f : found) hits += std::find(w.truth[q].begin(), w.truth[q].end(), f.item) != w.truth[q].end();
        }
    }
    state.counters["queries_per_second"] = benchmark::Counter(static_cast<double>(w.queries * state.iterations()), benchmark::Counter::kIsRate);
    state.counters["recall_at_10"] = hits / static_cast<double>(w.queries * top);
}

}  // namespace

BENCHMARK(BM_brute_force_per_query)->Name("ann/brute_force/per_query")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_brute_force_batched)->Name("ann/brute_force/batched")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_hnsw_search)->Name("ann/hnsw")->ArgName("ef")->Arg(50)->Arg(100)->Arg(200)->Unit(benchmark::kMillisecond)->MinTime(1.0)->UseRealTime();
BENCHMARK(BM_hnsw_build)->Name("ann/hnsw/build")->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

BENCHMARK_MAIN();
