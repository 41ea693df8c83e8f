// PC on causal-learn's conformance suite (read from ../shared/data/causal-learn-pc, see its
// SOURCE.md): the 13 bnlearn networks (10,000 samples each) under every collider rule and priority,
// and win95pts (76 variables) with the G-test and causalrec's default options. Bars (absolute, this
// machine, one thread): every network with every setting under 10 s, win95pts with the G-test under 2 s.
//
//   CAUSALREC_PC_SUITE=../shared/data/causal-learn-pc/TestData  (default)
#include <causalrec/causal/discovery.hpp>
#include <causalrec/data/dense.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace causal = causalrec::causal;

namespace {

const causalrec::matrix<double>& network(const std::string& name) {
    static std::map<std::string, causalrec::matrix<double>> cache;
    auto it = cache.find(name);
    if (it == cache.end()) {
        const char* dir = std::getenv("CAUSALREC_PC_SUITE");
        const std::string root = dir ? dir : "../shared/data/causal-learn-pc/TestData";
        it = cache.emplace(name, causalrec::data::read_ascii_matrix(root + "/bnlearn_discrete_10000/data/" + name + ".txt", 1)).first;
    }
    return it->second;
}

// Every setting: causal-learn's seven (uc_rule, uc_priority) pairs of its test suite, and causalrec's
// order-independent default with each of the five collider rules.
std::vector<std::pair<std::string, causal::pc_options>> settings() {
    std::vector<std::pair<std::string, causal::pc_options>> out;
    for (auto [rule, priority] : std::vector<std::pair<int, int>>{{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, -1}, {2, -1}})
        out.emplace_back("causal_learn(" + std::to_string(rule) + "," + std::to_string(priority) + ")", causal::pc_options::causal_learn(rule, priority));
    for (auto rule : {causal::collider_rule::separating_set, causal::collider_rule::majority, causal::collider_rule::conservative,
                      causal::collider_rule::max_p, causal::collider_rule::definite_max_p}) {
        causal::pc_options o;
        o.colliders = rule;
        out.emplace_back("rule " + std::to_string(static_cast<int>(rule)), o);
    }
    return out;
}

// One iteration runs every setting once with the chi-square test; reports the slowest.
void BM_pc_every_setting(benchmark::State& state, const std::string& name) {
    const auto& data = network(name);
    const causal::chi_square_test test(data);
    const auto all = settings();
    double slowest = 0.0;
    for (auto _ : state) {
        for (const auto& [label, options] : all) {
            const auto start = std::chrono::steady_clock::now();
            const auto result = causal::pc(test, options);
            slowest = std::max(slowest, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
            benchmark::DoNotOptimize(result.graph.size());
        }
    }
    state.counters["slowest_setting_s"] = slowest;
    state.counters["variables"] = static_cast<double>(data.shape()[1]);
}

void BM_pc_win95pts_g_square(benchmark::State& state) {
    const causal::g_square_test test(network("win95pts"));
    std::size_t edges = 0;
    for (auto _ : state) edges = causal::pc(test).graph.edge_count();
    state.counters["edges"] = static_cast<double>(edges);
}

}  // namespace

BENCHMARK(BM_pc_win95pts_g_square)->Unit(benchmark::kMillisecond)->Iterations(3);

int main(int argc, char** argv) {
    for (const char* name : {"asia", "cancer", "earthquake", "sachs", "survey", "alarm", "barley", "child", "insurance", "water", "hailfinder", "hepar2", "win95pts"})
        benchmark::RegisterBenchmark(("BM_pc_every_setting/" + std::string(name)).c_str(), BM_pc_every_setting, std::string(name))
            ->Unit(benchmark::kMillisecond)
            ->Iterations(1);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
