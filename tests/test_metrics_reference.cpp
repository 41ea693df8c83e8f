// Checks the metrics module against scikit-learn 1.2.1 on the shared 1,000-row reference file
// $CAUSALREC_SHARED_DIR/bench/ref/binary_scores.csv ("label,score"; 315 positives, 12 scores exactly 0.5,
// 937 distinct scores). Expected values are copied from ../shared/bench/ref/expected_metrics.json,
// scikit-learn 1.2.1 (written by ../shared/bench/ref/metrics_ref.py). The test fails when the variable
// is unset or the file cannot be read.
#include <causalrec/metrics/metrics.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_metrics_reference {

namespace m = causalrec::metrics;
using Catch::Matchers::WithinAbs;

namespace {

constexpr double tol = 1e-9;

struct labelled_scores {
    std::vector<int> label;
    std::vector<double> score;
};

// A tiny reader for the two-column file; any malformed line fails the test.
labelled_scores read_reference() {
    const char* dir = std::getenv("CAUSALREC_SHARED_DIR");
    REQUIRE(dir != nullptr);
    std::string path(dir);
    path.append("/bench/ref/binary_scores.csv");
    INFO("reading " << path);
    std::ifstream in(path);
    REQUIRE(in.good());
    std::string line;
    REQUIRE(std::getline(in, line));
    REQUIRE(line.rfind("label,score", 0) == 0);
    labelled_scores data;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        INFO("line: " << line);
        std::istringstream fields(line);
        int label = -1;
        char comma = 0;
        double score = -1.0;
        REQUIRE(static_cast<bool>(fields >> label >> comma >> score));
        REQUIRE(comma == ',');
        REQUIRE((fields >> std::ws).eof());
        data.label.push_back(label);
        data.score.push_back(score);
    }
    REQUIRE(data.label.size() == 1000);
    return data;
}

}  // namespace

TEST_CASE("reference file: counts as recorded by the reference script", "[metrics][shared-data]") {
    const auto d = read_reference();
    // expected_metrics.json "inputs": rows 1000, positives 315, scores_equal_0.5 12
    int positives = 0, at_half = 0;
    for (std::size_t i = 0; i < d.label.size(); ++i) {
        positives += d.label[i];
        at_half += d.score[i] == 0.5 ? 1 : 0;
    }
    CHECK(positives == 315);
    CHECK(at_half == 12);
}

TEST_CASE("reference: thresholded metrics with score >= 0.5 (block threshold_ge)", "[metrics][shared-data]") {
    const auto d = read_reference();
    // ../shared/bench/ref/expected_metrics.json, scikit-learn 1.2.1, "threshold_ge"
    CHECK(m::confusion_matrix(d.label, d.score) == m::binary_confusion{.tn = 560, .fp = 125, .fn = 53, .tp = 262});
    CHECK_THAT(m::accuracy_score(d.label, d.score), WithinAbs(0.822, tol));
    CHECK_THAT(m::precision_score(d.label, d.score), WithinAbs(0.6770025839793282, tol));
    CHECK_THAT(m::recall_score(d.label, d.score), WithinAbs(0.8317460317460318, tol));
    CHECK_THAT(m::f1_score(d.label, d.score), WithinAbs(0.7464387464387464, tol));
}

TEST_CASE("reference: thresholded metrics with score > 0.5 (block threshold_gt)", "[metrics][shared-data]") {
    const auto d = read_reference();
    const m::classification_options gt{.threshold = 0.5, .rule = m::threshold_rule::greater};
    // ../shared/bench/ref/expected_metrics.json, scikit-learn 1.2.1, "threshold_gt"
    CHECK(m::confusion_matrix(d.label, d.score, gt) == m::binary_confusion{.tn = 567, .fp = 118, .fn = 58, .tp = 257});
    CHECK_THAT(m::accuracy_score(d.label, d.score, gt), WithinAbs(0.824, tol));
    CHECK_THAT(m::precision_score(d.label, d.score, gt), WithinAbs(0.6853333333333333, tol));
    CHECK_THAT(m::recall_score(d.label, d.score, gt), WithinAbs(0.8158730158730159, tol));
    CHECK_THAT(m::f1_score(d.label, d.score, gt), WithinAbs(0.744927536231884, tol));
}

TEST_CASE("reference: score-based metrics (block score_based)", "[metrics][shared-data]") {
    const auto d = read_reference();
    // ../shared/bench/ref/expected_metrics.json, scikit-learn 1.2.1, "score_based"
    CHECK_THAT(m::roc_auc_score(d.label, d.score), WithinAbs(0.9072714633298574, tol));
    CHECK_THAT(m::log_loss(d.label, d.score), WithinAbs(0.4019477668126265, tol));
    CHECK_THAT(m::average_precision_score(d.label, d.score), WithinAbs(0.8373119557480129, tol));
    CHECK_THAT(m::brier_score(d.label, d.score), WithinAbs(0.12655839483, tol));
    // The report carries the same numbers.
    const auto r = m::classification_report(d.label, d.score);
    CHECK_THAT(r.classes[1].f1, WithinAbs(0.7464387464387464, tol));
    CHECK_THAT(r.accuracy, WithinAbs(0.822, tol));
    REQUIRE(r.roc_auc.has_value());
    CHECK_THAT(*r.roc_auc, WithinAbs(0.9072714633298574, tol));
}

}  // namespace causalrec_test_metrics_reference
