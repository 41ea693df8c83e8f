#include <causalrec/data/data.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "temp_files.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_data {

namespace cr = causalrec;
namespace data = causalrec::data;

namespace {

using causalrec_test::temp_path;


/// Runs `f` and returns the parse_error it throws (fails the test if it throws nothing else).
template <class F>
cr::parse_error catch_parse_error(F&& f) {
    try {
        f();
    } catch (const cr::parse_error& e) {
        return e;
    }
    FAIL("expected a causalrec::parse_error");
    return cr::parse_error("", 0, 0, "");
}

/// Writes `text` to the temporary file `name` byte for byte and returns its path.
std::string write_temp(const std::string& name, const std::string& text) {
    const auto path = temp_path(name).string();
    std::ofstream out(path, std::ios::binary);
    out << text;
    return path;
}

/// Equal, or both NaN.
bool same_value(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

/// Requires that the shards of `text`, in order, give the rows of the whole read (features, labels,
/// weights, treatment, ids) for 1, 2, 3, 4, 7 and 50 shards, read from memory and from a file, with
/// the default chunk and with 64-byte chunks. Returns how many shards read no row.
std::size_t require_shards_concatenate(const std::string& text, data::csv_options options, const std::string& name) {
    const auto whole = data::read_csv_text<double>(text, options, name);
    const auto path = write_temp(name, text);
    std::size_t empty_shards = 0;
    for (std::size_t chunk : {std::size_t{64}, options.chunk_bytes})
        for (bool from_file : {false, true})
            for (std::size_t shards : {1, 2, 3, 4, 7, 50}) {
                std::size_t row = 0;
                for (std::size_t k = 0; k < shards; ++k) {
                    INFO("shard " << k << " of " << shards << (from_file ? ", file" : ", text") << ", chunk " << chunk);
                    data::csv_options o = options;
                    o.chunk_bytes = chunk;
                    o.shard = {.shard = k, .shards = shards};
                    const auto part = from_file ? data::read_csv<double>(path, o) : data::read_csv_text<double>(text, o, name);
                    REQUIRE(part.feature_names() == whole.feature_names());
                    REQUIRE(part.has_labels() == whole.has_labels());
                    REQUIRE(part.has_weights() == whole.has_weights());
                    REQUIRE(part.has_treatment() == whole.has_treatment());
                    empty_shards += part.rows() == 0;
                    for (std::size_t i = 0; i < part.rows(); ++i, ++row) {
                        REQUIRE(row < whole.rows());
                        for (std::size_t j = 0; j < whole.cols(); ++j)
                            REQUIRE(same_value(part.features()(i, j), whole.features()(row, j)));
                        if (whole.has_labels()) REQUIRE(part.labels()(i) == whole.labels()(row));
                        if (whole.has_weights()) REQUIRE(part.weights()(i) == whole.weights()(row));
                        if (whole.has_treatment()) REQUIRE(part.treatment()(i) == whole.treatment()(row));
                        if (!whole.ids().empty()) REQUIRE(part.ids()[i] == whole.ids()[row]);
                    }
                }
                REQUIRE(row == whole.rows());
            }
    return empty_shards;
}

}  // namespace

TEST_CASE("read_csv: numeric and categorical columns, missing values, schema roles", "[data][csv]") {
    const std::string text =
        "id,age,color,income,w,t,label\n"
        "a,34,red,1200.5,1,0,1\n"
        "b,NA,blue,,2,1,0\n"
        "c,51,,NaN,0.5,1,1\n"
        "d,28,red,null,1,0,0\n";
    const auto ds = data::read_csv_text<double>(text, {.label = "label", .weight = "w", .treatment = "t", .id = "id"});
    REQUIRE(ds.rows() == 4);
    REQUIRE(ds.cols() == 3);
    REQUIRE(ds.feature_names() == std::vector<std::string>{"age", "color", "income"});
    REQUIRE(ds.columns()[0].kind == data::column_kind::numeric);
    REQUIRE(ds.columns()[1].kind == data::column_kind::categorical);
    REQUIRE(ds.columns()[1].categories == std::vector<std::string>{"blue", "red"});  // sorted
    const auto& X = ds.features();
    CHECK(X(0, 0) == 34.0);
    CHECK(std::isnan(X(1, 0)));
    CHECK(X(0, 1) == 1.0);  // red
    CHECK(X(1, 1) == 0.0);  // blue
    CHECK(std::isnan(X(2, 1)));
    CHECK(X(0, 2) == 1200.5);
    CHECK(std::isnan(X(1, 2)));
    CHECK(std::isnan(X(2, 2)));
    CHECK(std::isnan(X(3, 2)));
    CHECK(ds.labels()(0) == 1.0);
    CHECK(ds.labels()(3) == 0.0);
    CHECK(ds.weights()(2) == 0.5);
    CHECK(ds.treatment()(1) == 1.0);
    CHECK(ds.ids() == std::vector<std::string>{"a", "b", "c", "d"});
    CHECK(ds.categorical_columns() == std::vector<std::size_t>{1});
    CHECK(ds.numeric_columns() == std::vector<std::size_t>{0, 2});
}

TEST_CASE("read_csv: RFC 4180 quoting, CRLF, BOM, blank lines, delimiter", "[data][csv]") {
    const std::string text =
        "\xEF\xBB\xBF"
        "name;\"val;ue\";y\r\n"
        "\"Smith; John\";\"1.5\";1\r\n"
        "\r\n"
        "\"say \"\"hi\"\"\";2.5;0\r\n"
        "\"two\nlines\";-3e2;1";  // no final line break
    const auto ds = data::read_csv_text<float>(text, {.delimiter = ';', .label = "y"});
    REQUIRE(ds.rows() == 3);
    REQUIRE(ds.feature_names() == std::vector<std::string>{"name", "val;ue"});
    REQUIRE(ds.columns()[0].categories == std::vector<std::string>{"Smith; John", "say \"hi\"", "two\nlines"});
    CHECK(ds.features()(0, 1) == 1.5f);
    CHECK(ds.features()(2, 1) == -300.0f);
    CHECK(ds.features()(1, 0) == 1.0f);
    CHECK(ds.labels()(2) == 1.0f);
}

TEST_CASE("read_csv: ignore, forced categorical and text labels", "[data][csv]") {
    const std::string text = "zip,junk,score,outcome\n10115,x,1,yes\n80331,y,2,no\n10115,z,3,yes\n";
    const auto ds = data::read_csv_text<float>(text, {.label = "outcome", .ignore = {"junk"}, .categorical = {"zip"}});
    REQUIRE(ds.feature_names() == std::vector<std::string>{"zip", "score"});
    REQUIRE(ds.columns()[0].kind == data::column_kind::categorical);
    REQUIRE(ds.columns()[0].categories == std::vector<std::string>{"10115", "80331"});
    REQUIRE(ds.label_classes() == std::vector<std::string>{"no", "yes"});
    CHECK(ds.labels()(0) == 1.0f);
    CHECK(ds.labels()(1) == 0.0f);
}

TEST_CASE("read_csv: errors name the file, line and column", "[data][csv][errors]") {
    SECTION("ragged row") {
        auto e = catch_parse_error([] { data::read_csv_text<float>("a,b,c\n1,2,3\n4,5\n", {}, "f.csv"); });
        CHECK(e.file() == "f.csv");
        CHECK(e.line() == 3);
        CHECK(e.column() == 3);
        CHECK(std::string(e.what()).find("expected 3 fields") != std::string::npos);
        auto e2 = catch_parse_error([] { data::read_csv_text<float>("a,b\n1,2,3\n", {}, "f.csv"); });
        CHECK(e2.line() == 2);
        CHECK(e2.column() == 3);
    }
    SECTION("unparsable number after the type-inference rows") {
        auto e = catch_parse_error([] {
            data::read_csv_text<float>("a,b\n1,2\n3,4\n5,x7\n", {.type_inference_rows = 2}, "g.csv");
        });
        CHECK(e.line() == 4);
        CHECK(e.column() == 2);
        CHECK(e.column_name() == "b");
        CHECK(std::string(e.what()).find("'x7'") != std::string::npos);
    }
    SECTION("unparsable number in a column declared numeric") {
        auto e = catch_parse_error([] { data::read_csv_text<float>("a,b\n1,oops\n", {.numeric = {"b"}}, "h.csv"); });
        CHECK(e.line() == 2);
        CHECK(e.column() == 2);
    }
    SECTION("missing label column") {
        auto e = catch_parse_error([] { data::read_csv_text<float>("a,b\n1,2\n", {.label = "target"}, "m.csv"); });
        CHECK(e.line() == 1);
        CHECK(std::string(e.what()).find("label column 'target' is not in the header") != std::string::npos);
        CHECK(std::string(e.what()).find("a, b") != std::string::npos);
    }
    SECTION("missing label value") {
        auto e = catch_parse_error([] { data::read_csv_text<float>("a,y\n1,0\n2,\n", {.label = "y"}, "m.csv"); });
        CHECK(e.line() == 3);
        CHECK(e.column() == 2);
        CHECK(std::string(e.what()).find("missing label") != std::string::npos);
    }
    SECTION("empty file, blank-only file, header without rows") {
        CHECK(catch_parse_error([] { data::read_csv_text<float>("", {}, "e.csv"); }).line() == 1);
        CHECK(catch_parse_error([] { data::read_csv_text<float>("\n\n\r\n", {}, "e.csv"); }).file() == "e.csv");
        CHECK(std::string(catch_parse_error([] { data::read_csv_text<float>("a,b\n", {}, "e.csv"); }).what())
                  .find("not followed by any data row") != std::string::npos);
    }
    SECTION("unterminated quote and garbage after a closing quote") {
        auto e = catch_parse_error([] { data::read_csv_text<float>("a,b\n1,\"abc\n", {}, "q.csv"); });
        CHECK(e.line() == 2);
        CHECK(e.column() == 2);
        auto e2 = catch_parse_error([] { data::read_csv_text<float>("a,b\n\"x\"y,1\n", {}, "q.csv"); });
        CHECK(e2.line() == 2);
        CHECK(e2.column() == 1);
    }
    SECTION("duplicate header names") {
        auto e = catch_parse_error([] { data::read_csv_text<float>("a,b,a\n1,2,3\n", {}, "d.csv"); });
        CHECK(e.column() == 3);
    }
    SECTION("file that does not exist") {
        auto e = catch_parse_error([] { data::read_csv<float>("/nonexistent/dir/x.csv"); });
        CHECK(e.file() == "/nonexistent/dir/x.csv");
        CHECK(std::string(e.what()).find("cannot open") != std::string::npos);
    }
    SECTION("a column given two roles") {
        REQUIRE_THROWS_AS(data::read_csv_text<float>("a,b\n1,2\n", {.label = "a", .weight = "a"}), cr::argument_error);
    }
}

TEST_CASE("read_csv: the chunk size does not change the result", "[data][csv]") {
    // Records straddle chunk boundaries at every position: quotes, doubled quotes, CRLF and embedded
    // line breaks must all survive a refill in the middle.
    cr::rng r(3);
    std::string text = "k,x,s,y\r\n";
    for (int i = 0; i < 300; ++i) {
        text += std::to_string(i) + "," + std::to_string(r.normal()) + ",";
        switch (i % 4) {
            case 0: text += "\"q,\"\"uote\"\"\""; break;
            case 1: text += "\"multi\nline\""; break;
            case 2: text += "plain"; break;
            default: text += ""; break;
        }
        text.append(",").append(std::to_string(i % 2)).append(i % 3 == 0 ? "\r\n" : "\n");
    }
    const auto big = data::read_csv_text<double>(text, {.label = "y"});
    for (std::size_t chunk : {64, 65, 97, 128, 1000}) {
        const auto small = data::read_csv_text<double>(text, {.label = "y", .chunk_bytes = chunk});
        REQUIRE(small.rows() == 300);
        REQUIRE(small.columns()[2].categories == big.columns()[2].categories);
        for (std::size_t i = 0; i < 300; ++i)
            for (std::size_t j = 0; j < 3; ++j) {
                const double a = big.features()(i, j), b = small.features()(i, j);
                REQUIRE(((std::isnan(a) && std::isnan(b)) || a == b));
            }
        REQUIRE(small.labels() == big.labels());
    }
    REQUIRE(big.columns()[2].categories == std::vector<std::string>{"multi\nline", "plain", "q,\"uote\""});
}

TEST_CASE("read_csv: a line number after embedded line breaks is the physical line", "[data][csv][errors]") {
    auto e = catch_parse_error([] { data::read_csv_text<float>("a,b\n\"x\ny\",1\n\"z\",2,3\n", {}, "l.csv"); });
    CHECK(e.line() == 4);
    // Blank lines before a record with a character after a closing quote count once.
    CHECK(catch_parse_error([] { data::read_csv_text<float>("a,b\n1,2\n\n\r\n\"x\"y,3\n", {}, "l.csv"); }).line() == 5);
}

TEST_CASE("read_csv: the shards of a file concatenate to the whole-file read, row for row", "[data][csv][shard]") {
    const data::csv_options options{.label = "y", .weight = "w", .treatment = "t", .id = "id"};
    SECTION("plain numeric file") {
        std::string text = "id,x1,x2,w,t,y\n";
        for (int i = 0; i < 200; ++i)
            text += "r" + std::to_string(i) + "," + std::to_string(i * 0.25 - 7) + "," + (i % 9 == 0 ? "" : std::to_string(i % 13)) +
                    "," + std::to_string(1 + i % 3) + "," + std::to_string(i % 2) + "," + std::to_string((i * 7) % 5) + "\n";
        require_shards_concatenate(text, options, "shard_plain.csv");
    }
    SECTION("quoted ids with line breaks, delimiters and doubled quotes across the shard boundaries") {
        // Each quoted id spans several lines and most of its record, so boundaries fall inside quoted
        // fields after a line break, where "the next line" is not the next record.
        std::string text = "id,x,w,t,y\n";
        std::vector<std::pair<std::size_t, std::size_t>> quoted;  // [opening quote, closing quote]
        for (int i = 0; i < 40; ++i) {
            quoted.emplace_back(text.size(), 0);
            text += "\"row " + std::to_string(i) + ", first line\n\"\"quoted\"\", second line\r\nthird, line\n" +
                    std::string(static_cast<std::size_t>(60 + 7 * i), 'z') + "\"";
            quoted.back().second = text.size() - 1;
            text += "," + std::to_string(i) + ".5,1,0," + std::to_string(i % 3) + "\n";
        }
        for (std::size_t shards : {2, 3, 4, 7, 50}) {
            std::size_t inside = 0;  // boundaries inside a quoted field, after a line break in it
            for (std::size_t k = 1; k < shards; ++k) {
                const auto at = data::detail::shard_offset(text.size(), k, shards);
                for (const auto& [open, close] : quoted)
                    inside += open < at && at <= close && text.find('\n', open) < at;
            }
            INFO(shards << " shards");
            REQUIRE(inside >= 1);
        }
        require_shards_concatenate(text, options, "shard_quoted.csv");
    }
    SECTION("CRLF line endings, a byte-order mark, blank lines and quoted fields") {
        std::string text = "\xEF\xBB\xBF\"id\",x,w,t,y\r\n";
        for (int i = 0; i < 60; ++i) {
            if (i % 11 == 0) text += "\r\n";
            text += (i % 4 == 0 ? "\"a\r\nb\"\"" + std::to_string(i) + "\"" : "p" + std::to_string(i)) + "," +
                    std::to_string(i) + ",2,1," + std::to_string(i % 2) + "\r\n";
        }
        require_shards_concatenate(text, options, "shard_crlf.csv");
    }
    SECTION("no line break after the last record") {
        std::string text = "id,x,w,t,y\n";
        for (int i = 0; i < 30; ++i) text += "\"q\n" + std::to_string(i) + "\"," + std::to_string(i) + ",1,0,1\n";
        text += "last,99,1,0,\"0\"";
        require_shards_concatenate(text, options, "shard_no_final_break.csv");
    }
    SECTION("more shards than rows: the shards without a record read 0 rows with the columns") {
        const std::string text = "id,x,w,t,y\na,1,1,0,1\nb,2,1,1,0\nc,3,2,0,1\n";
        CHECK(require_shards_concatenate(text, options, "shard_few_rows.csv") > 0);
        const auto empty = data::read_csv_text<float>(text, {.label = "y", .id = "id", .shard = {.shard = 0, .shards = 50}});
        CHECK(empty.rows() == 0);
        CHECK(empty.feature_names() == std::vector<std::string>{"x", "w", "t"});
        CHECK(empty.has_labels());
        CHECK(empty.labels().size() == 0);
        // A file without data rows is the whole-file read's error in every shard.
        CHECK(std::string(catch_parse_error([] {
                              data::read_csv_text<float>("a,b\n", {.shard = {.shard = 1, .shards = 2}}, "e.csv");
                          }).what())
                  .find("not followed by any data row") != std::string::npos);
    }
}

TEST_CASE("read_csv: a parse error in a shard names the line of the whole-file read", "[data][csv][shard][errors]") {
    // Quoted fields with line breaks and CRLF endings before the bad value: the shard counts the
    // lines of the bytes before it.
    std::string text = "id,x,y\r\n";
    for (int i = 0; i < 80; ++i)
        text += (i % 3 == 0 ? "\"two\r\nlines\"" : "k" + std::to_string(i)) + "," + (i == 71 ? "7x" : std::to_string(i)) + ",1\r\n";
    const auto path = write_temp("shard_error.csv", text);
    const data::csv_options options{.label = "y", .id = "id", .type_inference_rows = 5};
    const auto whole = catch_parse_error([&] { data::read_csv<float>(path, options); });
    REQUIRE(whole.line() == 1 + 71 + 24 + 1);  // after the header and 71 records, 24 of which span two lines
    for (std::size_t shards : {2, 3, 7}) {
        std::size_t failed = 0;
        for (std::size_t k = 0; k < shards; ++k) {
            data::csv_options o = options;
            o.shard = {.shard = k, .shards = shards};
            try {
                data::read_csv<float>(path, o);
            } catch (const cr::parse_error& e) {
                ++failed;
                CHECK(k == shards - 1);  // the record lies in the last part of the file
                CHECK(e.line() == whole.line());
                CHECK(e.column() == whole.column());
                CHECK(e.reason() == whole.reason());
            }
        }
        CHECK(failed == 1);
    }
    // Quoting the reader cannot follow, before a shard: that shard raises the whole-file read's error.
    const std::string bad = "a,b\n1,2\n\"x\"y,3\n" + std::string(200, '#') + ",4\n5,6\n";
    const auto whole_bad = catch_parse_error([&] { data::read_csv_text<float>(bad, {.type_inference_rows = 1}); });
    REQUIRE(whole_bad.line() == 3);
    const auto last = catch_parse_error([&] {
        data::read_csv_text<float>(bad, {.type_inference_rows = 1, .shard = {.shard = 1, .shards = 2}});
    });
    CHECK(last.line() == whole_bad.line());
    CHECK(last.column() == whole_bad.column());
    CHECK(last.reason() == whole_bad.reason());
}

TEST_CASE("read_csv: every shard infers the column types of the whole file", "[data][csv][shard]") {
    SECTION("a column numeric in the first rows stays numeric in a shard whose rows hold text") {
        std::string text = "x,c,y\n";
        for (int i = 0; i < 40; ++i) text += std::to_string(i) + "," + (i < 20 ? std::to_string(i) : "t" + std::to_string(i)) + ",1\n";
        const data::csv_options options{.label = "y", .type_inference_rows = 10};
        const auto whole = catch_parse_error([&] { data::read_csv_text<float>(text, options); });
        CHECK(whole.line() == 22);
        // Both halves raise parse_error, the first at the whole-file read's line; the second half,
        // whose rows alone would look categorical, raises it at its own first row.
        std::size_t first_line = 0;
        for (std::size_t k = 0; k < 2; ++k) {
            const auto e = catch_parse_error([&] {
                data::csv_options o = options;
                o.shard = {.shard = k, .shards = 2};
                data::read_csv_text<float>(text, o);
            });
            CHECK(e.column_name() == "c");
            CHECK(e.reason().find("looked numeric in the first rows") != std::string::npos);
            if (k == 0) first_line = e.line();
            else CHECK(e.line() > first_line);
        }
        CHECK(first_line == whole.line());
        // The first shard's rows are numeric and are read as such.
        data::csv_options first = options;
        first.shard = {.shard = 0, .shards = 4};
        CHECK(data::read_csv_text<float>(text, first).columns()[1].kind == data::column_kind::numeric);
    }
    SECTION("a column categorical in the file is refused in every shard, even one whose rows look numeric") {
        std::string text = "x,c,y\n0,red,1\n";
        for (int i = 1; i < 40; ++i) text += std::to_string(i) + "," + std::to_string(i) + ",0\n";
        REQUIRE(data::read_csv_text<float>(text, {.label = "y"}).columns()[1].kind == data::column_kind::categorical);
        for (std::size_t k = 0; k < 3; ++k)
            CHECK_THROWS_WITH(data::read_csv_text<float>(text, {.label = "y", .shard = {.shard = k, .shards = 3}}, "c.csv"),
                              Catch::Matchers::StartsWith("causalrec::data::read_csv: categorical column 'c' of 'c.csv' cannot be "
                                                          "read in shards: its codes would differ between shards"));
        CHECK_THROWS_AS(data::read_csv_text<float>(text, {.label = "y", .categorical = {"x"}, .shard = {.shard = 0, .shards = 2}}),
                        cr::argument_error);
        // Ignored, a text id, and numeric label, weight and treatment columns read in shards.
        CHECK(data::read_csv_text<float>(text, {.label = "y", .id = "c", .shard = {.shard = 1, .shards = 2}}).ids().size() > 0);
        CHECK(data::read_csv_text<float>(text, {.label = "y", .ignore = {"c"}, .shard = {.shard = 1, .shards = 2}}).cols() == 1);
    }
    SECTION("a text label is refused in shards") {
        CHECK_THROWS_WITH(data::read_csv_text<float>("x,y\n1,yes\n2,no\n", {.label = "y", .shard = {.shard = 0, .shards = 2}}),
                          Catch::Matchers::Contains("label column 'y' of '<text>' holds text classes and cannot be read in shards"));
    }
}

TEST_CASE("read_csv: a shard spec outside its range is an argument_error naming the values", "[data][csv][shard][errors]") {
    const std::string text = "x,y\n1,2\n";
    CHECK_THROWS_AS(data::read_csv_text<float>(text, {.shard = {.shard = 0, .shards = 0}}), cr::argument_error);
    CHECK_THROWS_WITH(data::read_csv_text<float>(text, {.shard = {.shard = 0, .shards = 0}}),
                      Catch::Matchers::StartsWith("causalrec::data::read_csv: shard_spec{.shard = 0, .shards = 0}: the number of shards must be at least 1"));
    CHECK_THROWS_WITH(data::read_csv<float>("/nonexistent/x.csv", {.shard = {.shard = 3, .shards = 3}}),
                      Catch::Matchers::StartsWith("causalrec::data::read_csv: shard_spec{.shard = 3, .shards = 3}: the shard index must be below the number of shards"));
    CHECK_THROWS_AS(data::read_csv_text<float>(text, {.shard = {.shard = 1, .shards = 1}}), cr::argument_error);
    // The byte offsets are floor(k * size / shards), without overflow for large files.
    CHECK(data::detail::shard_offset(10, 1, 3) == 3);
    CHECK(data::detail::shard_offset(10, 2, 3) == 6);
    CHECK(data::detail::shard_offset(10, 3, 3) == 10);
    const std::uint64_t huge = std::uint64_t{1} << 62;
    CHECK(data::detail::shard_offset(huge, 5, 7) == huge / 7 * 5 + (huge % 7) * 5 / 7);
}

TEST_CASE("write_csv and read_csv round-trip the synthetic data exactly", "[data][csv][synthetic]") {
    const auto gen = data::make_classification<float>({.rows = 500, .seed = 11});
    const auto path = temp_path("roundtrip.csv").string();
    data::write_csv(gen.data, path);
    const auto back = data::read_csv<float>(path, {.label = "label"});
    REQUIRE(back.rows() == gen.data.rows());
    REQUIRE(back.feature_names() == gen.data.feature_names());
    for (std::size_t j = 0; j < back.cols(); ++j) {
        REQUIRE(back.columns()[j].kind == gen.data.columns()[j].kind);
        REQUIRE(back.columns()[j].categories == gen.data.columns()[j].categories);
    }
    for (std::size_t i = 0; i < back.rows(); ++i)
        for (std::size_t j = 0; j < back.cols(); ++j) {
            const float a = gen.data.features()(i, j), b = back.features()(i, j);
            REQUIRE(((std::isnan(a) && std::isnan(b)) || a == b));
        }
    REQUIRE(back.labels() == gen.data.labels());
}

TEST_CASE("write_csv quotes fields that need it", "[data][csv]") {
    cr::matrix<double> X = {{0.0}, {1.0}};
    data::dataset<double> ds(X, cr::vector<double>{1.0, 0.0}, {"pet, kind"});
    ds.set_columns({{"pet, kind", data::column_kind::categorical, {"cat \"tom\"", "dog"}}});
    const auto path = temp_path("quoted.csv").string();
    data::write_csv(ds, path);
    std::ifstream f(path);
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    REQUIRE(all == "\"pet, kind\",label\n\"cat \"\"tom\"\"\",1\ndog,0\n");
}

TEST_CASE("make_classification follows its documented model", "[data][synthetic]") {
    const auto gen = data::make_classification<double>({.rows = 20000, .missing_fraction = 0.1, .seed = 5});
    const auto& X = gen.data.features();
    REQUIRE(X.shape()[0] == 20000);
    REQUIRE(X.shape()[1] == 10);
    std::size_t missing = 0;
    for (double v : X) missing += std::isnan(v);
    CHECK(static_cast<double>(missing) / static_cast<double>(X.size()) == Catch::Approx(0.1).margin(0.005));
    // Labels are Bernoulli(true probability): their means agree.
    double py = 0, pt = 0;
    for (std::size_t i = 0; i < 20000; ++i) py += gen.data.labels()(i), pt += gen.true_probability(i);
    CHECK(py / 20000 == Catch::Approx(pt / 20000).margin(0.01));
    // Numeric column j has the documented mean and standard deviation (ignoring NaN).
    for (std::size_t j : {0u, 7u}) {
        double s = 0, s2 = 0;
        std::size_t k = 0;
        for (std::size_t i = 0; i < 20000; ++i)
            if (!std::isnan(X(i, j))) s += X(i, j), s2 += X(i, j) * X(i, j), ++k;
        const double mean = s / double(k), sd = std::sqrt(s2 / double(k) - mean * mean);
        CHECK(mean == Catch::Approx(gen.means[j]).margin(0.05 * gen.stddevs[j]));
        CHECK(sd == Catch::Approx(gen.stddevs[j]).epsilon(0.03));
    }
    CHECK(gen.stddevs.front() == Catch::Approx(0.5));
    CHECK(gen.stddevs.back() == Catch::Approx(50.0));
    CHECK(gen.coefficients[7] == 0.0);  // the last quarter of numeric columns is irrelevant
    CHECK(gen.coefficients[0] != 0.0);
    // Same seed, same data; another seed, other data.
    const auto again = data::make_classification<double>({.rows = 20000, .missing_fraction = 0.1, .seed = 5});
    REQUIRE(std::equal(X.begin(), X.end(), again.data.features().begin(),
                       [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }));
    REQUIRE_THROWS_AS(data::make_classification<float>({.rows = 0}), cr::argument_error);
}

TEST_CASE("dataset checks shapes and subsets rows", "[data][dataset]") {
    cr::matrix<float> X = {{1, 2}, {3, 4}, {5, 6}};
    REQUIRE_THROWS_AS(data::dataset<float>(X, cr::vector<float>{1, 0}), cr::shape_error);
    REQUIRE_THROWS_AS(data::dataset<float>(X, {}, {"only_one"}), cr::shape_error);
    data::dataset<float> ds(X, cr::vector<float>{1, 0, 1});
    REQUIRE_THROWS_AS(ds.weights(), cr::argument_error);
    REQUIRE_THROWS_AS(ds.set_weights(cr::vector<float>{1}), cr::shape_error);
    ds.set_weights(cr::vector<float>{0.5f, 1.0f, 2.0f});
    const std::vector<std::size_t> rows{2, 0, 2};
    const auto sub = ds.subset(rows);
    REQUIRE(sub.rows() == 3);
    CHECK(sub.features()(0, 1) == 6.0f);
    CHECK(sub.features()(1, 0) == 1.0f);
    CHECK(sub.weights()(0) == 2.0f);
    CHECK(sub.labels()(1) == 1.0f);
    const std::vector<std::size_t> bad{3};
    REQUIRE_THROWS_AS(ds.subset(bad), cr::shape_error);
    REQUIRE(ds.column_index("x1") == 1);
    REQUIRE_THROWS_AS(ds.column_index("nope"), cr::argument_error);
}

TEST_CASE("train_test_split: sizes, disjointness, stratification, determinism", "[data][split]") {
    const auto gen = data::make_classification<float>({.rows = 1001, .seed = 2});
    auto [train, test] = data::train_test_split(gen.data, {.test_fraction = 0.2, .seed = 42});
    CHECK(test.rows() == 201);  // ceil(0.2 * 1001), as scikit-learn
    CHECK(train.rows() == 800);
    const auto idx = data::train_test_split_indices<float>(1001, {.test_fraction = 0.2, .seed = 42});
    std::set<std::size_t> all(idx.train.begin(), idx.train.end());
    for (auto i : idx.test) REQUIRE(all.insert(i).second);
    REQUIRE(all.size() == 1001);
    const auto idx2 = data::train_test_split_indices<float>(1001, {.test_fraction = 0.2, .seed = 42});
    REQUIRE(idx.test == idx2.test);
    const auto idx3 = data::train_test_split_indices<float>(1001, {.test_fraction = 0.2, .seed = 43});
    REQUIRE(idx.test != idx3.test);

    const auto strat = data::train_test_split_indices<float>(1001, {.test_fraction = 0.3, .seed = 1, .stratify = true},
                                                            &gen.data.labels());
    double pos_all = 0, pos_test = 0;
    for (std::size_t i = 0; i < 1001; ++i) pos_all += gen.data.labels()(i);
    for (auto i : strat.test) pos_test += gen.data.labels()(i);
    REQUIRE(strat.test.size() == 301);
    CHECK(std::abs(pos_test / 301.0 - pos_all / 1001.0) < 1.0 / 301.0 + 1e-12);

    const auto ordered = data::train_test_split_indices<float>(10, {.test_fraction = 0.3, .shuffle = false});
    CHECK(ordered.test == std::vector<std::size_t>{7, 8, 9});
    REQUIRE_THROWS_AS(data::train_test_split(gen.data, {.test_fraction = 1.5}), cr::argument_error);
    REQUIRE_THROWS_AS(data::train_test_split(gen.data, {.test_fraction = 0.0}), cr::argument_error);
    data::dataset<float> unlabeled(cr::matrix<float>({4, 1}));
    REQUIRE_THROWS_AS(data::train_test_split(unlabeled, {.stratify = true}), cr::argument_error);
}

TEST_CASE("k_fold: every row is held out exactly once", "[data][split]") {
    const auto folds = data::k_fold<float>(23, {.folds = 5, .seed = 9});
    REQUIRE(folds.size() == 5);
    std::vector<int> held(23, 0);
    for (std::size_t f = 0; f < 5; ++f) {
        CHECK(folds[f].test.size() == (f < 3 ? 5u : 4u));  // 23 = 5+5+5+4+4, as scikit-learn's KFold
        CHECK(folds[f].train.size() + folds[f].test.size() == 23);
        for (auto i : folds[f].test) held[i]++;
    }
    for (int h : held) REQUIRE(h == 1);
    cr::vector<float> y = xt::zeros<float>({100});
    for (std::size_t i = 0; i < 20; ++i) y(i) = 1;
    const auto strat = data::k_fold<float>(100, {.folds = 4, .seed = 1, .stratify = true}, &y);
    for (const auto& f : strat) {
        double pos = 0;
        for (auto i : f.test) pos += y(i);
        CHECK(pos == 5.0);
        CHECK(f.test.size() == 25);
    }
    REQUIRE_THROWS_AS(data::k_fold<float>(10, {.folds = 1}), cr::argument_error);
    REQUIRE_THROWS_AS(data::k_fold<float>(3, {.folds = 4}), cr::argument_error);
}

TEST_CASE("batch_iterator: each epoch visits every row once and reuses its buffers", "[data][batches]") {
    const std::size_t n = 103;
    cr::matrix<float> X({n, 3});
    cr::matrix<float> y({n, 1});
    auto w = cr::make_vector<float>(n);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < 3; ++j) X(i, j) = static_cast<float>(i * 10 + j);
        y(i, 0) = static_cast<float>(i);
        w(i) = static_cast<float>(2 * i);
    }
    data::batch_iterator<float> it(X, y, w, {.batch_size = 10, .seed = 4});
    REQUIRE(it.batches_per_epoch() == 11);
    std::vector<std::size_t> first_order;
    const float* full_buffer = nullptr;
    for (std::size_t epoch = 0; epoch < 3; ++epoch) {
        std::vector<int> seen(n, 0);
        std::vector<std::size_t> order;
        std::size_t batches = 0;
        for (it.start_epoch(epoch); it.next(); ++batches) {
            const auto& xb = it.features();
            if (batches == 0) {
                if (epoch == 0) full_buffer = xb.data();
                REQUIRE(xb.data() == full_buffer);  // the same buffer, epoch after epoch
            }
            for (std::size_t r = 0; r < xb.shape()[0]; ++r) {
                const auto i = static_cast<std::size_t>(it.targets()(r, 0));
                REQUIRE(it.indices()[r] == i);
                REQUIRE(xb(r, 2) == static_cast<float>(i * 10 + 2));
                REQUIRE(it.weights()(r) == static_cast<float>(2 * i));
                seen[i]++;
                order.push_back(i);
            }
        }
        CHECK(batches == 11);
        for (int s : seen) REQUIRE(s == 1);
        if (epoch == 0) first_order = order;
        else REQUIRE(order != first_order);  // reshuffled
    }
    // The order of an epoch depends only on (seed, epoch).
    data::batch_iterator<float> again(X, y, {.batch_size = 10, .seed = 4});
    again.start_epoch(0);
    std::vector<std::size_t> order;
    while (again.next())
        for (auto i : again.indices()) order.push_back(i);
    REQUIRE(order == first_order);

    data::batch_iterator<float> dropping(X, y, {.batch_size = 10, .shuffle = false, .drop_last = true});
    dropping.start_epoch(0);
    std::size_t count = 0;
    while (dropping.next()) {
        REQUIRE(dropping.features().shape()[0] == 10);
        REQUIRE(dropping.indices()[0] == count * 10);
        ++count;
    }
    REQUIRE(count == 10);
    cr::matrix<float> y_bad({n - 1, 1});
    REQUIRE_THROWS_AS(data::batch_iterator<float>(X, y_bad), cr::shape_error);
    REQUIRE_THROWS_AS(data::batch_iterator<float>(X, y, {.batch_size = 0}), cr::argument_error);
}

TEST_CASE("number parsing: the decimal fast path equals std::from_chars bit for bit", "[data][csv]") {
    cr::rng r(17);
    auto check = [](const std::string& text) {
        float f_fast = 0, f_ref = 0;
        double d_fast = 0, d_ref = 0;
        REQUIRE(data::detail::parse_number(text, f_fast));
        REQUIRE(data::detail::parse_number(text, d_fast));
        std::from_chars(text.data(), text.data() + text.size(), f_ref);
        std::from_chars(text.data(), text.data() + text.size(), d_ref);
        INFO(text);
        REQUIRE(std::memcmp(&f_fast, &f_ref, sizeof f_fast) == 0);
        REQUIRE(std::memcmp(&d_fast, &d_ref, sizeof d_fast) == 0);
    };
    char buf[64];
    for (int i = 0; i < 20000; ++i) {
        const double v = r.normal() * std::pow(10.0, static_cast<double>(r.uniform_index(12)) - 4.0);
        const int precision = static_cast<int>(r.uniform_index(12));
        std::snprintf(buf, sizeof buf, "%.*f", precision, v);
        check(buf);
    }
    for (const char* s : {"0", "-0.0", "5.", "00012.5000", "16777216", "16777217", "9007199254740993",
                          "123456789012345678", "1234567890123456789012", "0.1", "0.3", "-2.325031",
                          "1e5", "-1.5E-3", "3.4028234e38", "12345678.9", "0.00000000001"})
        check(s);
    float f = 0;
    for (const char* bad : {"", "-", ".", "1.2.3", "1,5", "abc", "0x10", "--1", "1e", " "})
        CHECK_FALSE(data::detail::parse_number(std::string_view(bad), f));
    CHECK(data::detail::parse_number(std::string_view(" +2.5 "), f));
    CHECK(f == 2.5f);
}

TEST_CASE("recode_categories: a second file's categories coded as the first's", "[data][csv]") {
    // Each file numbers its categories by its own sorted names: Berlin 0, Paris 1, Rome 2 in train,
    // Oslo 0, Paris 1 in the new file, whose Oslo would read as train's Berlin. Its labels are all
    // "yes": class 0 there, class 1 in train.
    const auto train = data::read_csv_text<double>("city,x,label\nParis,1,yes\nBerlin,2,no\nRome,3,yes\n", {.label = "label"});
    const auto fresh = data::read_csv_text<double>("city,x,label\nOslo,1,yes\nParis,2,yes\n,3,yes\n", {.label = "label"});
    REQUIRE(fresh.features()(0, 0) == 0.0);  // Oslo, as read
    const auto coded = data::recode_categories(fresh, train);
    CHECK(coded.features()(0, 0) == 3.0);  // Oslo: after train's three categories
    CHECK(coded.features()(1, 0) == 1.0);  // Paris: train's code
    CHECK(std::isnan(coded.features()(2, 0)));  // missing stays missing
    CHECK(coded.features()(1, 1) == 2.0);  // numeric columns untouched
    CHECK(coded.columns()[0].categories == std::vector<std::string>{"Berlin", "Paris", "Rome", "Oslo"});
    CHECK(coded.labels()(0) == 1.0);
    CHECK(coded.label_classes() == std::vector<std::string>{"no", "yes"});
    // Recoding train against itself changes nothing.
    const bool unchanged = data::recode_categories(train, train).features() == train.features();
    CHECK(unchanged);
    // Columns that do not correspond are errors.
    const auto other = data::read_csv_text<double>("town,x,label\nOslo,1,yes\n", {.label = "label"});
    CHECK_THROWS_WITH(data::recode_categories(other, train), Catch::Contains("column 0 is 'town' in data but 'city' in the reference"));
    const auto numeric = data::read_csv_text<double>("city,x,label\n1,1,yes\n", {.label = "label"});
    CHECK_THROWS_WITH(data::recode_categories(numeric, train), Catch::Contains("'city' is numeric in data but categorical in the reference"));
    const auto narrow = data::read_csv_text<double>("city,label\nOslo,yes\n", {.label = "label"});
    CHECK_THROWS_AS(data::recode_categories(narrow, train), cr::shape_error);
}

TEST_CASE("data: error messages start with causalrec::data::<function>", "[data][messages]") {
    CHECK_THROWS_WITH(data::make_classification<float>({.rows = 0}), Catch::Matchers::StartsWith("causalrec::data::make_classification: "));
}

}  // namespace causalrec_test_data
