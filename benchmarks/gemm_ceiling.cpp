// What this core can do for the seed model, one thread: the FMA peak of a register-only loop (the
// widest vectors the build targets), and the rate of the BLAS single-precision GEMM on exactly the
// shapes one forward and one backward pass of the seed model (32 -> 128 -> 64 -> 1) multiply at
// batch 32, 256, 512 and 1024. The GEMM figures give the ceiling a dense layer can reach through
// this BLAS; docs/benchmarks.md compares the seed model's training and predict rates with it.
//
//   bench_gemm_ceiling --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <causalrec/core/blas.hpp>
#include <causalrec/core/tensor.hpp>
#include <causalrec/core/rng.hpp>

#include <array>
#include <cstddef>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

namespace cr = causalrec;

// Each function runs `iterations` rounds of 12 independent fused multiply-adds on full vector
// registers (enough chains to cover the FMA latency on every pipe) and returns a value that depends
// on all of them, so that the loop is kept (rounded floating-point chains cannot be folded).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CAUSALREC_FMA_ROUNDS(V, SET, FMA, LANE0)                          \
    V acc[12];                                                            \
    for (int k = 0; k < 12; ++k) acc[k] = SET(0.01f * static_cast<float>(k)); \
    const V scale = SET(0.999999f), shift = SET(1e-7f);                   \
    for (long i = 0; i < iterations; ++i) {                               \
        for (V & a : acc) a = FMA(a, scale, shift);                       \
    }                                                                     \
    float sum = 0.0f;                                                     \
    for (const V& a : acc) sum += LANE0(a);                               \
    return sum;

[[gnu::target("avx512f")]] float fma_rounds_avx512(long iterations) {
    CAUSALREC_FMA_ROUNDS(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_cvtss_f32)
}
[[gnu::target("avx2,fma")]] float fma_rounds_avx2(long iterations) {
    CAUSALREC_FMA_ROUNDS(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_cvtss_f32)
}
#undef CAUSALREC_FMA_ROUNDS
#endif

/// The scalar fallback of the rounds above.
float fma_rounds_scalar(long iterations) {
    float acc[12];
    for (int k = 0; k < 12; ++k) acc[k] = 0.01f * static_cast<float>(k);
    for (long i = 0; i < iterations; ++i) {
        for (float& a : acc) a = a * 0.999999f + 1e-7f;
    }
    float sum = 0.0f;
    for (const float a : acc) sum += a;
    return sum;
}

/// The widest FMA this CPU has: its single-precision lanes and a function running the rounds.
struct fma_kind {
    double lanes;
    float (*rounds)(long);
};
fma_kind widest_fma() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (__builtin_cpu_supports("avx512f")) return {16.0, fma_rounds_avx512};
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {8.0, fma_rounds_avx2};
#endif
    return {1.0, fma_rounds_scalar};
}

void BM_fma_peak(benchmark::State& state) {
    constexpr long rounds = 1 << 20;
    const fma_kind kind = widest_fma();
    for (auto _ : state) benchmark::DoNotOptimize(kind.rounds(rounds));
    state.SetLabel(kind.lanes == 16.0 ? "avx512f" : kind.lanes == 8.0 ? "avx2+fma" : "scalar");
    const double flops = static_cast<double>(rounds) * 12.0 * kind.lanes * 2.0;
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

/// C (m x n) = A (m x k) B (k x n), row-major, with the transposes a layer's pass needs.
void BM_sgemm(benchmark::State& state) {
    const auto m = static_cast<std::size_t>(state.range(0)), n = static_cast<std::size_t>(state.range(1)),
               k = static_cast<std::size_t>(state.range(2));
    const bool trans_a = state.range(3) != 0, trans_b = state.range(4) != 0;
    cr::rng engine(1);
    cr::matrix<float> a = cr::make_matrix<float>(trans_a ? k : m, trans_a ? m : k);
    cr::matrix<float> b = cr::make_matrix<float>(trans_b ? n : k, trans_b ? k : n);
    cr::matrix<float> c = cr::make_matrix<float>(m, n);
    for (auto& v : a) v = static_cast<float>(engine.normal());
    for (auto& v : b) v = static_cast<float>(engine.normal());
    for (auto _ : state) {
        cr::blas::gemm(trans_a, trans_b, m, n, k, 1.0f, a.data(), a.shape()[1], b.data(), b.shape()[1], 0.0f, c.data(), n);
        benchmark::DoNotOptimize(c.data());
    }
    state.counters["GFLOP/s"] =
        benchmark::Counter(2.0 * static_cast<double>(m * n * k) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

/// The seed model's multiplications at one batch size: forward X W (three layers), then per layer
/// the weight gradient X^T dY and the input gradient dY W^T (not for the first layer).
void seed_shapes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"m", "n", "k", "tA", "tB"});
    for (const long batch : {32L, 256L, 512L, 1024L}) {
        const std::array<std::array<long, 2>, 3> layers{{{32, 128}, {128, 64}, {64, 1}}};
        for (const auto& [in, out] : layers) {
            b->Args({batch, out, in, 0, 0});  // forward: (batch x in) (in x out)
            b->Args({in, out, batch, 1, 0});  // weight gradient: (in x batch) (batch x out)
            if (in != 32) b->Args({batch, in, out, 0, 1});  // input gradient: (batch x out) (out x in)^T
        }
    }
}

}  // namespace

BENCHMARK(BM_fma_peak)->Name("fma_peak/fp32");
BENCHMARK(BM_sgemm)->Name("sgemm/seed_mlp")->Apply(seed_shapes);

BENCHMARK_MAIN();
