// Regression tests for defects found by the sanitizer build and the fuzzers (docs/hardening.md). Each
// case names the fuzz target that found it. They matter most under scripts/test.sh --sanitize: the
// defects below read freed memory, which a plain Release build may not notice.
#include <causalrec/data/csv.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "catch.hpp"

#if __has_include(<causalrec/data/interactions.hpp>)
#include <causalrec/data/interactions.hpp>
#define CAUSALREC_HAVE_INTERACTIONS 1

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_regressions {
#endif

namespace cr = causalrec;

// fuzz_csv: the CSV tokenizer kept unescaped quoted fields ("a""b") in a std::vector<std::string> and
// returned string_views into them; a second such field in one record grew the vector, which moved the
// short (SSO) strings and left the first view dangling (heap-use-after-free in csv_reader).
TEST_CASE("regression: two fields with doubled quotes in one CSV record", "[regression][csv]") {
    const auto d = cr::data::read_csv_text<float>("a,b\n\"x\"\"1\",\"y\"\"2\"\n");
    REQUIRE(d.rows() == 1);
    REQUIRE(d.columns().size() == 2);
    CHECK(d.columns()[0].categories == std::vector<std::string>{"x\"1"});
    CHECK(d.columns()[1].categories == std::vector<std::string>{"y\"2"});
}

TEST_CASE("regression: many escaped fields per record, header included", "[regression][csv]") {
    std::string text = "\"h\"\"0\"";
    for (int j = 1; j < 9; ++j) text += ",\"h\"\"" + std::to_string(j) + "\"";
    text += "\n";
    for (int r = 0; r < 3; ++r) {
        for (int j = 0; j < 9; ++j) text += (j ? ",\"" : "\"") + std::string("v\"\"") + std::to_string(10 * r + j) + "\"";
        text += "\n";
    }
    const auto d = cr::data::read_csv_text<float>(text);
    REQUIRE(d.rows() == 3);
    REQUIRE(d.columns().size() == 9);
    for (int j = 0; j < 9; ++j) {
        const auto& c = d.columns()[static_cast<std::size_t>(j)];
        CHECK(c.name == "h\"" + std::to_string(j));
        std::vector<std::string> expected;
        for (int r = 0; r < 3; ++r) expected.push_back("v\"" + std::to_string(10 * r + j));
        std::sort(expected.begin(), expected.end());  // categories are sorted by name
        CHECK(c.categories == expected);
    }
}

#ifdef CAUSALREC_HAVE_INTERACTIONS
// fuzz_interactions: the same tokenizer defect, reached through the interaction-log reader.
TEST_CASE("regression: interaction log with two escaped ids in one record", "[regression][interactions]") {
    const auto log = cr::data::read_interactions_text("user,item\n\"u\"\"1\",\"i\"\"1\"\n");
    REQUIRE(log.size() == 1);
    CHECK(log.user_ids().ids() == std::vector<std::string>{"u\"1"});
    CHECK(log.item_ids().ids() == std::vector<std::string>{"i\"1"});
}
#endif

}  // namespace causalrec_test_regressions
