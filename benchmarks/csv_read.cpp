// CSV reading speed on the peer file of ../shared/bench/pandas_csv.py: 560,000 rows of 16 floats
// written with 6 decimals plus an integer label (~86 MB). The file is taken from
// $CAUSALREC_CSV_BENCH_FILE, else /tmp/num100.csv; when missing it is written here in the same format.
// The peer timing (pandas.read_csv) comes from benchmarks/peers/csv_peer.sh, run in the same session.
#include <benchmark/benchmark.h>

#include <causalrec/data/csv.hpp>
#include <causalrec/core/rng.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

std::string bench_file() {
    const char* env = std::getenv("CAUSALREC_CSV_BENCH_FILE");
    std::string path = env ? env : "/tmp/num100.csv";
    if (!std::filesystem::exists(path)) {
        std::FILE* f = std::fopen(path.c_str(), "w");
        if (f == nullptr) throw std::runtime_error("cannot write " + path);
        std::fputs("x0,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,label\n", f);
        causalrec::rng r(0);
        for (int i = 0; i < 560000; ++i) {
            for (int j = 0; j < 16; ++j) std::fprintf(f, "%.6f,", static_cast<float>(r.normal()));
            std::fprintf(f, "%d\n", r.bernoulli(0.5) ? 1 : 0);
        }
        std::fclose(f);
    }
    return path;
}

template <class T>
void BM_read_csv(benchmark::State& state) {
    const std::string path = bench_file();
    const auto bytes = static_cast<std::int64_t>(std::filesystem::file_size(path));
    for (auto _ : state) {
        auto ds = causalrec::data::read_csv<T>(path, {.label = "label"});
        benchmark::DoNotOptimize(ds.features().data());
    }
    state.SetBytesProcessed(state.iterations() * bytes);
}

}  // namespace

BENCHMARK(BM_read_csv<float>)->Name("read_csv<float>/num100")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();
BENCHMARK(BM_read_csv<double>)->Name("read_csv<double>/num100")->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

BENCHMARK_MAIN();
