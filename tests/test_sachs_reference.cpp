// Causal discovery on the Sachs et al. (2005) protein-signalling data, read from
// $CAUSALREC_SHARED_DIR/data/sachs (see its SOURCE.md; never copied into the repository):
//  - NOTEARS linear on the centred values reproduces the reference run of SOURCE.md (the authors'
//    code, lambda1 0.1, threshold 0.3: 20 edges, SHD 22 against the 18-edge consensus, 17 against the
//    17-arc bnlearn network) within +-2 edges and +-2 SHD; on standardised columns (6 edges, SHD 18 /
//    16) likewise;
//  - PC with causal-learn's defaults stays at its measured SHD 22 (+-2) with at least 8 consensus
//    edges in the right direction;
//  - every learner's graph (PC, DirectLiNGAM, GES, NOTEARS linear and nonlinear) is printed against both consensus graphs: edges, SHD, and the edges found
//    in the consensus direction (an empty graph already has SHD 18, so SHD alone says little).
#include <causalrec/causal/discovery.hpp>
#include <causalrec/data/data.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_sachs_reference {

namespace cr = causalrec;
namespace causal = causalrec::causal;

namespace {

std::string sachs_path(const std::string& file) {
    const char* dir = std::getenv("CAUSALREC_SHARED_DIR");
    REQUIRE(dir != nullptr);
    return std::string(dir) + "/data/sachs/" + file;
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, ',')) {
        if (field.size() >= 2 && field.front() == '"') field = field.substr(1, field.size() - 2);
        out.push_back(field);
    }
    return out;
}

struct sachs_data {
    cr::matrix<double> values;
    std::vector<std::string> names;
    causal::causal_graph consensus18, bnlearn17;
};

sachs_data read_sachs() {
    sachs_data s;
    const auto table = causalrec::data::read_csv<double>(sachs_path("cyto_full_data.csv"));
    s.values = table.features();
    s.names = table.feature_names();
    const std::size_t d = s.names.size();
    std::map<std::string, std::size_t> index;
    for (std::size_t c = 0; c < d; ++c) index[s.names[c]] = c;
    auto graph = [&](const char* file) {
        causal::causal_graph g(d);
        std::ifstream t(sachs_path(file));
        std::string l;
        std::getline(t, l);
        while (std::getline(t, l)) {
            const auto e = split(l);
            g.add_directed(index.at(e[0]), index.at(e[1]));
        }
        return g;
    };
    s.consensus18 = graph("consensus_18_edges.csv");
    s.bnlearn17 = graph("bnlearn_17_edges.csv");
    return s;
}

/// Edges of g that the consensus has in the same direction.
std::size_t right_direction(const causal::causal_graph& g, const causal::causal_graph& truth) {
    std::size_t k = 0;
    for (const auto& e : g.edges()) k += e.directed && truth.directed(e.from, e.to);
    return k;
}

}  // namespace

TEST_CASE("sachs: NOTEARS linear reproduces the reference run, and every learner against both consensus graphs", "[discovery][shared-data]") {
    const auto s = read_sachs();
    REQUIRE(s.values.shape()[0] == 7466);
    REQUIRE(s.values.shape()[1] == 11);
    CHECK(s.consensus18.edge_count() == 18);
    CHECK(s.bnlearn17.edge_count() == 17);
    cr::matrix<double> standardized = s.values;
    for (std::size_t c = 0; c < 11; ++c) {
        double m = 0.0, v = 0.0;
        for (std::size_t r = 0; r < 7466; ++r) m += s.values(r, c);
        m /= 7466.0;
        for (std::size_t r = 0; r < 7466; ++r) v += (s.values(r, c) - m) * (s.values(r, c) - m);
        const double sd = std::sqrt(v / 7466.0);
        for (std::size_t r = 0; r < 7466; ++r) standardized(r, c) = (s.values(r, c) - m) / sd;
    }
    struct row {
        const char* method;
        causal::causal_graph graph;
    };
    const auto notears_raw = causal::notears_linear(s.values);
    const auto notears_std = causal::notears_linear(standardized);
    const auto pc_causal_learn = causal::pc(s.values, causal::pc_options::causal_learn()).graph;
    std::vector<row> rows = {{"empty graph", causal::causal_graph(11)},
                             {"NOTEARS linear, centred (reference settings)", notears_raw.graph()},
                             {"NOTEARS linear, standardised", notears_std.graph()},
                             {"PC, Fisher z, alpha 0.01, conservative", causal::pc(s.values, {.alpha = 0.01}).graph},
                             {"PC, causal-learn's defaults (Fisher z, alpha 0.05, uc_rule 0, uc_priority 2)", pc_causal_learn},
                             {"DirectLiNGAM, adaptive lasso (BIC)", causal::direct_lingam(s.values).graph()},
                             {"GES, Gaussian BIC", causal::ges(s.values).cpdag},
                             {"NOTEARS nonlinear (MLP), standardised, authors' defaults", causal::notears_nonlinear(standardized).graph()}};
    std::string table = "method | edges | SHD vs 18-edge consensus | right direction (18) | SHD vs 17-arc bnlearn\n";
    for (const auto& r : rows) {
        char line[200];
        std::snprintf(line, sizeof line, "%s | %zu | %zu | %zu | %zu\n", r.method, r.graph.edge_count(), causal::compare_graphs(r.graph, s.consensus18).shd,
                      right_direction(r.graph, s.consensus18), causal::compare_graphs(r.graph, s.bnlearn17).shd);
        table += line;
    }
    WARN(table);
    // The closest to the reference of all settings in docs/causal.md (2026-12-05, g++ 12): the same SHD
    // with more consensus edges in the right direction (22 and 10 against 22 and 5).
    CHECK(std::abs(static_cast<long>(causal::compare_graphs(pc_causal_learn, s.consensus18).shd) - 22) <= 2);
    CHECK(right_direction(pc_causal_learn, s.consensus18) >= 8);
    // SOURCE.md's reference figures, +-2.
    const auto raw_edges = static_cast<long>(notears_raw.graph().edge_count());
    const auto raw_shd = static_cast<long>(causal::compare_graphs(notears_raw.graph(), s.consensus18).shd);
    CHECK(std::abs(raw_edges - 20) <= 2);
    CHECK(std::abs(raw_shd - 22) <= 2);
    CHECK(std::abs(static_cast<long>(causal::compare_graphs(notears_raw.graph(), s.bnlearn17).shd) - 17) <= 2);
    CHECK(std::abs(static_cast<long>(notears_std.graph().edge_count()) - 6) <= 2);
    CHECK(std::abs(static_cast<long>(causal::compare_graphs(notears_std.graph(), s.consensus18).shd) - 18) <= 2);
    CHECK(notears_raw.graph().is_dag());
}

}  // namespace causalrec_test_sachs_reference
