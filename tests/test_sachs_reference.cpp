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
//  - with the study's nine conditions as context variables (Joint Causal Inference), DirectLiNGAM
//    beats the reference run on both counts (SHD below 22, more than 5 consensus edges in the right
//    direction); the rows' layout is checked by two inhibitors' signatures; every learner on the 853
//    rows of the first condition alone stays below SHD 22.
#include <causalrec/causal/discovery.hpp>
#include <causalrec/data/data.hpp>
#include <causalrec/preprocess/scalers.hpp>

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

/// A learner's graph, named for the table.
struct learned_graph {
    const char* method;
    causal::causal_graph graph;
};

/// The table of docs/causal.md: edges, SHD and edges in the right direction against both consensus graphs.
std::string comparison_table(const sachs_data& s, const std::vector<learned_graph>& rows) {
    std::string table = "method | edges | SHD vs 18-edge consensus | right direction (18) | SHD vs 17-arc bnlearn\n";
    for (const auto& r : rows) {
        char line[200];
        std::snprintf(line, sizeof line, "%s | %zu | %zu | %zu | %zu\n", r.method, r.graph.edge_count(), causal::compare_graphs(r.graph, s.consensus18).shd,
                      right_direction(r.graph, s.consensus18), causal::compare_graphs(r.graph, s.bnlearn17).shd);
        table += line;
    }
    return table;
}

/// x with each column centred and scaled to unit (population) standard deviation.
cr::matrix<double> standardize_columns(const cr::matrix<double>& x) { return causalrec::preprocess::standard_scaler().fit_transform(x); }

}  // namespace

TEST_CASE("sachs: NOTEARS linear reproduces the reference run, and every learner against both consensus graphs", "[discovery][shared-data]") {
    const auto s = read_sachs();
    REQUIRE(s.values.shape()[0] == 7466);
    REQUIRE(s.values.shape()[1] == 11);
    CHECK(s.consensus18.edge_count() == 18);
    CHECK(s.bnlearn17.edge_count() == 17);
    const auto standardized = standardize_columns(s.values);
    const auto notears_raw = causal::notears_linear(s.values);
    const auto notears_std = causal::notears_linear(standardized);
    const auto pc_causal_learn = causal::pc(s.values, causal::pc_options::causal_learn()).graph;
    const std::vector<learned_graph> rows = {{"empty graph", causal::causal_graph(11)},
                             {"NOTEARS linear, centred (reference settings)", notears_raw.graph()},
                             {"NOTEARS linear, standardised", notears_std.graph()},
                             {"PC, Fisher z, alpha 0.01, conservative", causal::pc(s.values, {.alpha = 0.01}).graph},
                             {"PC, causal-learn's defaults (Fisher z, alpha 0.05, uc_rule 0, uc_priority 2)", pc_causal_learn},
                             {"DirectLiNGAM, adaptive lasso (BIC)", causal::direct_lingam(s.values).graph()},
                             {"GES, Gaussian BIC", causal::ges(s.values).cpdag},
                             {"NOTEARS nonlinear (MLP), standardised, authors' defaults", causal::notears_nonlinear(standardized).graph()}};
    WARN(comparison_table(s, rows));
    // The closest to the reference of the settings on the pooled rows in docs/causal.md (2026-12-05,
    // g++ 12): the same SHD with more consensus edges in the right direction (22 and 10 against 22 and 5).
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

TEST_CASE("sachs: the nine conditions as context variables, and the observational rows alone", "[discovery][shared-data]") {
    // The 7,466 rows are the study's nine condition files one after the other (anti-CD3/CD28 alone,
    // + ICAM-2, + an Akt inhibitor, + G06976, + psitectorigenin, + U0126, + LY294002, PMA, beta2cAMP),
    // 853, 902, 911, 723, 810, 799, 848, 913 and 707 rows (Sachs et al. 2005, supplementary files).
    // The inhibitors' signatures check the layout: psitectorigenin (a PIP2 inhibitor, the fifth block)
    // lowers log PIP2 by about 3, U0126 (a MEK inhibitor, the sixth) lowers log Erk (p44/42) by about 1.5.
    const auto s = read_sachs();
    const std::vector<std::size_t> sizes = {853, 902, 911, 723, 810, 799, 848, 913, 707};
    const auto condition = causal::conditions_from_block_sizes(sizes);
    REQUIRE(condition.size() == s.values.shape()[0]);
    auto mean_log = [&](std::size_t block, std::size_t column) {
        double sum = 0.0;
        std::size_t count = 0;
        for (std::size_t r = 0; r < condition.size(); ++r)
            if (condition[r] == block) sum += std::log(s.values(r, column)), ++count;
        return sum / static_cast<double>(count);
    };
    CHECK(mean_log(4, 3) < mean_log(0, 3) - 2.0);  // PIP2 under psitectorigenin
    CHECK(mean_log(5, 5) < mean_log(0, 5) - 1.0);  // p44/42 under U0126

    // Joint Causal Inference: eight context variables (the conditions after the first) in tier 0, the
    // proteins in tier 1, all rows; settings written down before the run (docs/causal.md).
    cr::matrix<double> logs = s.values;
    for (auto& v : logs) v = std::log(v);
    const auto raw = causal::with_condition_contexts(s.values, condition);
    const auto logged = causal::with_condition_contexts(logs, condition);
    REQUIRE(raw.contexts == 8);
    auto pc_options = causal::pc_options::causal_learn();
    pc_options.knowledge = &raw.knowledge;
    const auto lingam = raw.system_graph(causal::direct_lingam(raw.values, {.knowledge = &raw.knowledge}).graph());
    const std::vector<learned_graph> contexts = {
        {"PC, causal-learn's defaults, + contexts", raw.system_graph(causal::pc(raw.values, pc_options).graph)},
        {"PC, causal-learn's defaults, log values + contexts", logged.system_graph(causal::pc(logged.values, pc_options).graph)},
        {"GES, Gaussian BIC, + contexts", raw.system_graph(causal::ges(raw.values, 1.0, &raw.knowledge).cpdag)},
        {"GES, Gaussian BIC, log values + contexts", logged.system_graph(causal::ges(logged.values, 1.0, &logged.knowledge).cpdag)},
        {"DirectLiNGAM, + contexts", lingam}};
    WARN(comparison_table(s, contexts));
    // The one setting that beats the reference run (SHD 22, 5 edges in the consensus direction) on both
    // counts: measured 16 edges, SHD 16, 8 in the right direction (2026-12-05, g++ 12).
    CHECK(causal::compare_graphs(lingam, s.consensus18).shd < 22);
    CHECK(right_direction(lingam, s.consensus18) > 5);
    CHECK(lingam.is_dag());

    // The 853 rows of the first condition alone (no inhibitor, no activator), as observational studies of
    // this data use them: sparser graphs (SHD 17-19, measured) with at most 4 consensus edges in the
    // right direction.
    const std::size_t n0 = sizes[0];
    cr::matrix<double> first = cr::matrix<double>::from_shape({n0, 11}), first_logs = first;
    for (std::size_t r = 0; r < n0; ++r)
        for (std::size_t c = 0; c < 11; ++c) first(r, c) = s.values(r, c), first_logs(r, c) = logs(r, c);
    const std::vector<learned_graph> observational = {
        {"PC, causal-learn's defaults, first condition", causal::pc(first, causal::pc_options::causal_learn()).graph},
        {"PC, causal-learn's defaults, log values, first condition", causal::pc(first_logs, causal::pc_options::causal_learn()).graph},
        {"PC, Fisher z, alpha 0.01, conservative, first condition", causal::pc(first, {.alpha = 0.01}).graph},
        {"GES, Gaussian BIC, first condition", causal::ges(first).cpdag},
        {"GES, Gaussian BIC, log values, first condition", causal::ges(first_logs).cpdag},
        {"DirectLiNGAM, first condition", causal::direct_lingam(first).graph()},
        {"NOTEARS linear, centred, first condition", causal::notears_linear(first).graph()},
        {"NOTEARS linear, centred log values, first condition", causal::notears_linear(first_logs).graph()},
        {"NOTEARS nonlinear (MLP), standardised, authors' defaults, first condition", causal::notears_nonlinear(standardize_columns(first)).graph()}};
    WARN(comparison_table(s, observational));
    for (const auto& r : observational) CHECK(causal::compare_graphs(r.graph, s.consensus18).shd < 22);
}

}  // namespace causalrec_test_sachs_reference
