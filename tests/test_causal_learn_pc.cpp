// Conformance with causal-learn's PC on its own test suite, read from
// $CAUSALREC_SHARED_DIR/data/causal-learn-pc (causal-learn's tests/TestPC.py and tests/TestData; see
// its SOURCE.md; never copied into the repository). With pc_options::causal_learn(uc_rule,
// uc_priority) and the matching test, causalrec's PC returns causal-learn's output matrix element by
// element:
//  - data_linear_10 (10,000 x 20, Fisher z, alpha 0.05) under all seven uc_rule / uc_priority settings
//    of TestPC.py (the z p-value formed as causal-learn forms it, normal_tail::one_minus_cdf: maxP
//    compares p-values that causal-learn rounds to 0);
//  - data_discrete_10 with Pearson's chi-square and with the G-test (uc_rule 0, uc_priority -1);
//  - the 13 bnlearn networks (10,000 samples each) with chi-square;
//  - the 5-variable simulated case, whose CPDAG TestPC.py states in code.
#include <causalrec/causal/discovery.hpp>
#include <causalrec/data/dense.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_causal_learn_pc {

namespace cr = causalrec;
namespace causal = causalrec::causal;

namespace {

std::string suite_path(const std::string& file) {
    const char* dir = std::getenv("CAUSALREC_SHARED_DIR");
    REQUIRE(dir != nullptr);
    return std::string(dir) + "/data/causal-learn-pc/TestData/" + file;
}

// One of causal-learn's saved output matrices (whitespace-separated numbers, n x n).
std::vector<int> expected_marks(const std::string& file) {
    const auto m = cr::data::read_ascii_matrix(suite_path(file));
    REQUIRE(m.shape()[0] == m.shape()[1]);
    return std::vector<int>(m.begin(), m.end());
}

// Checks the result against causal-learn's matrix, reporting the differing marks.
void check_equal(const causal::pc_result& result, const std::string& expected_file) {
    const auto got = result.graph.to_endpoint_matrix();
    const auto want = expected_marks(expected_file);
    REQUIRE(got.size() == want.size());
    const std::size_t n = result.graph.size();
    std::size_t differing = 0, skeleton = 0;
    for (std::size_t k = 0; k < want.size(); ++k) {
        differing += got[k] != want[k];
        skeleton += (got[k] != 0) != (want[k] != 0);
    }
    INFO(expected_file << ": " << differing << " marks differ (" << skeleton << " in the skeleton) over " << n << " variables");
    CHECK(differing == 0);
}

}  // namespace

TEST_CASE("causal-learn PC suite: data_linear_10 under every uc_rule and uc_priority", "[discovery][pc][shared-data]") {
    const auto data = cr::data::read_ascii_matrix(suite_path("data_linear_10.txt"), 1);
    REQUIRE(data.shape()[0] == 10000);
    REQUIRE(data.shape()[1] == 20);
    const causal::fisher_z_test test(data, causal::normal_tail::one_minus_cdf);
    const int settings[][2] = {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, -1}, {2, -1}};
    for (const auto& [rule, priority] : settings) {
        const std::string file = "benchmark_returned_results/linear_10_pc_fisherz_0.05_stable_" + std::to_string(rule) + "_" + std::to_string(priority) + ".txt";
        check_equal(causal::pc(test, causal::pc_options::causal_learn(rule, priority)), file);
    }
    // The accurate tail changes only what maxP decides between p-values causal-learn rounds to 0.
    const causal::fisher_z_test accurate(data);
    check_equal(causal::pc(accurate, causal::pc_options::causal_learn(0, 2)), "benchmark_returned_results/linear_10_pc_fisherz_0.05_stable_0_2.txt");
}

TEST_CASE("causal-learn PC suite: data_discrete_10 with chi-square and G-square", "[discovery][pc][shared-data]") {
    const auto data = cr::data::read_ascii_matrix(suite_path("data_discrete_10.txt"), 1);
    check_equal(causal::pc(causal::chi_square_test(data), causal::pc_options::causal_learn(0, -1)),
                "benchmark_returned_results/discrete_10_pc_chisq_0.05_stable_0_-1.txt");
    check_equal(causal::pc(causal::g_square_test(data), causal::pc_options::causal_learn(0, -1)),
                "benchmark_returned_results/discrete_10_pc_gsq_0.05_stable_0_-1.txt");
}

TEST_CASE("causal-learn PC suite: 13 bnlearn networks with chi-square", "[discovery][pc][shared-data]") {
    const char* networks[] = {"asia", "cancer", "earthquake", "sachs", "survey", "alarm", "barley",
                              "child", "insurance", "water", "hailfinder", "hepar2", "win95pts"};
    for (const char* net : networks) {
        const std::string name = net;
        const auto data = cr::data::read_ascii_matrix(suite_path("bnlearn_discrete_10000/data/" + name + ".txt"), 1);
        REQUIRE(data.shape()[0] == 10000);
        check_equal(causal::pc(causal::chi_square_test(data), causal::pc_options::causal_learn(0, -1)),
                    "bnlearn_discrete_10000/benchmark_returned_results/" + name + "_pc_chisq_0.05_stable_0_-1.txt");
    }
}

TEST_CASE("causal-learn PC suite: the 5-variable linear Gaussian case", "[discovery][pc][shared-data]") {
    // TestPC.py: true DAG 0->1, 0->3, 1->2, 1->3, 2->3, 2->4, 3->4; expected CPDAG with 0 -> 3, 1 -> 3,
    // 2 -> 3, 2 -> 4, 3 -> 4 directed and 0 - 1, 1 - 2 undirected (pc(data, 0.05, fisherz), defaults
    // uc_rule 0, uc_priority 2).
    const auto data = cr::data::read_ascii_matrix(suite_path("test_pc_simulated_linear_gaussian_data.txt"), 1);
    causal::causal_graph expected(5);
    expected.add_directed(0, 3), expected.add_directed(1, 3), expected.add_directed(2, 3), expected.add_directed(2, 4), expected.add_directed(3, 4);
    expected.add_undirected(0, 1), expected.add_undirected(1, 2);
    CHECK(causal::pc(causal::fisher_z_test(data), causal::pc_options::causal_learn()).graph == expected);
    // causalrec's own defaults (conservative rule, conflicts left undirected) agree here.
    CHECK(causal::pc(causal::fisher_z_test(data)).graph == expected);
}

}  // namespace causalrec_test_causal_learn_pc
