#include <causalrec/data/id_map_json.hpp>
#include <causalrec/data/interaction_stream.hpp>
#include <causalrec/data/interactions.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "temp_files.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_interactions {

namespace cr = causalrec;
namespace data = causalrec::data;

namespace {

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

/// A random log with repeated pairs; row r has weight r (so rows can be recognised after a split)
/// and timestamp drawn at random.
data::interactions random_log(std::size_t n_users, std::size_t n_items, std::size_t rows, std::uint64_t seed,
                              data::duplicate_policy policy = data::duplicate_policy::keep_last) {
    cr::rng g(seed);
    data::interaction_columns c;
    for (std::size_t r = 0; r < rows; ++r) {
        c.users.push_back(g.uniform_index(n_users));
        c.items.push_back(g.uniform_index(n_items));
        c.values.push_back(static_cast<double>(1 + g.uniform_index(5)));
        c.timestamps.push_back(static_cast<double>(g.uniform_index(1000)));
        c.weights.push_back(static_cast<double>(r));
    }
    c.n_users = n_users;
    c.n_items = n_items;
    c.duplicates = policy;
    return data::interactions(std::move(c));
}

/// The original row numbers of a split part (stored in the weights).
std::vector<std::size_t> row_ids(const data::interactions& part) {
    std::vector<std::size_t> ids;
    for (double w : part.weights()) ids.push_back(static_cast<std::size_t>(w));
    return ids;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

}  // namespace

TEST_CASE("interactions: built from vectors, counts, default values, validation", "[interactions]") {
    const data::interactions log({0, 2, 1}, {3, 0, 3});
    CHECK(log.size() == 3);
    CHECK(log.n_users() == 3);
    CHECK(log.n_items() == 4);
    CHECK(std::vector<double>(log.values().begin(), log.values().end()) == std::vector<double>{1, 1, 1});
    CHECK_FALSE(log.has_timestamps());
    CHECK(log.user_ids().empty());

    const data::interactions sized(data::interaction_columns{.users = {0}, .items = {0}, .n_users = 5, .n_items = 7});
    CHECK(sized.n_users() == 5);
    CHECK(sized.n_items() == 7);

    CHECK_THROWS_AS(data::interactions({0, 1}, {0}), cr::shape_error);
    CHECK_THROWS_AS(data::interactions({0, 1}, {0, 1}, {1.0}), cr::shape_error);
    CHECK_THROWS_AS(data::interactions(data::interaction_columns{.users = {3}, .items = {0}, .n_users = 2}), cr::shape_error);
    CHECK_THROWS_AS(data::interactions({0}, {0}, {std::nan("")}), cr::argument_error);
    CHECK_THROWS_AS(data::interactions(data::interaction_columns{.users = {0}, .items = {0}, .propensities = {0.0}}),
                    cr::argument_error);
}

TEST_CASE("interactions: CSR views match a brute-force map, duplicates keep the last or sum", "[interactions]") {
    for (auto policy : {data::duplicate_policy::keep_last, data::duplicate_policy::sum}) {
        const auto log = random_log(13, 11, 300, 7, policy);  // ~2 rows per pair: many duplicates
        std::map<std::pair<std::size_t, std::size_t>, double> expected;
        for (std::size_t r = 0; r < log.size(); ++r) {
            const auto key = std::make_pair(log.users()[r], log.items()[r]);
            if (policy == data::duplicate_policy::sum) expected[key] += log.values()[r];
            else expected[key] = log.values()[r];
        }
        const auto& bu = log.by_user();
        REQUIRE(bu.rows() == 13);
        REQUIRE(bu.cols == 11);
        REQUIRE(bu.nnz() == expected.size());
        std::map<std::pair<std::size_t, std::size_t>, double> got_u, got_i;
        for (std::size_t u = 0; u < bu.rows(); ++u) {
            const auto idx = bu.row_indices(u);
            CHECK(std::is_sorted(idx.begin(), idx.end()));
            for (std::size_t k = 0; k < idx.size(); ++k) got_u[{u, idx[k]}] = bu.row_values(u)[k];
        }
        const auto& bi = log.by_item();
        REQUIRE(bi.rows() == 11);
        REQUIRE(bi.nnz() == expected.size());
        for (std::size_t i = 0; i < bi.rows(); ++i) {
            const auto idx = bi.row_indices(i);
            CHECK(std::is_sorted(idx.begin(), idx.end()));
            for (std::size_t k = 0; k < idx.size(); ++k) got_i[{idx[k], i}] = bi.row_values(i)[k];
        }
        CHECK(got_u == expected);
        CHECK(got_i == expected);
        CHECK(&log.by_user() == &bu);  // cached
        const data::interactions copy = log;
        CHECK(&copy.by_user() == &bu);  // copies share the cache
    }
    // The rule on a hand-made case: (0, 1) is rated 2 then 5.
    const data::interactions last({0, 0, 1}, {1, 1, 0}, {2.0, 5.0, 1.0});
    CHECK(last.by_user().row_values(0)[0] == 5.0);
    const data::interactions summed(data::interaction_columns{.users = {0, 0, 1}, .items = {1, 1, 0}, .values = {2, 5, 1},
                                                              .duplicates = data::duplicate_policy::sum});
    CHECK(summed.by_user().row_values(0)[0] == 7.0);
}

TEST_CASE("read_interactions: ids remapped in order of first appearance, optional columns", "[interactions]") {
    const std::string text =
        "ts;user;item;rating;w;p\n"
        "10;alice;i9;4;1;0.5\n"
        "11;bob;i3;2;2;1\n"
        "\"12\";alice;\"i3\";5;0.5;0.25\n"
        "13;carol;42;1.5;1;0.1\n";
    const auto log = data::read_interactions_text(text, {.value = "rating", .timestamp = "ts", .weight = "w",
                                                         .propensity = "p", .delimiter = ';'});
    REQUIRE(log.size() == 4);
    CHECK(log.n_users() == 3);
    CHECK(log.n_items() == 3);
    CHECK(log.user_ids().ids() == std::vector<std::string>{"alice", "bob", "carol"});
    CHECK(log.item_ids().ids() == std::vector<std::string>{"i9", "i3", "42"});
    CHECK(std::vector<std::size_t>(log.users().begin(), log.users().end()) == std::vector<std::size_t>{0, 1, 0, 2});
    CHECK(std::vector<std::size_t>(log.items().begin(), log.items().end()) == std::vector<std::size_t>{0, 1, 1, 2});
    CHECK(std::vector<double>(log.values().begin(), log.values().end()) == std::vector<double>{4, 2, 5, 1.5});
    CHECK(std::vector<double>(log.timestamps().begin(), log.timestamps().end()) == std::vector<double>{10, 11, 12, 13});
    CHECK(log.weights()[2] == 0.5);
    CHECK(log.propensities()[3] == 0.1);
    CHECK(log.user_ids().index_of("carol") == 2);
    CHECK(log.item_ids().id_of(2) == "42");

    // Integer ids, no header: columns named by position; values default to 1.
    const auto plain = data::read_interactions_text("7,100\n3,100\n7,5\n", {.user = "1", .item = "2", .header = false});
    CHECK(plain.user_ids().ids() == std::vector<std::string>{"7", "3"});
    CHECK(plain.item_ids().ids() == std::vector<std::string>{"100", "5"});
    CHECK(plain.values()[2] == 1.0);
    const auto named = data::read_interactions_text("7,100,1\n", {.user = "u", .item = "i", .value = "v", .header = false,
                                                                  .column_names = {"u", "i", "v"}});
    CHECK(named.size() == 1);
    // A header without rows is an empty log.
    CHECK(data::read_interactions_text("user,item\n").empty());
}

TEST_CASE("interactions::merged: one row per pair, by the duplicate policy, in the order of each pair's last row", "[interactions]") {
    // (0, 1) three times, (1, 0) twice, (0, 2) once; timestamps 1..6.
    const data::interaction_columns c{.users = {0, 1, 0, 0, 1, 0}, .items = {1, 0, 1, 2, 0, 1}, .values = {1, 2, 3, 4, 5, 6},
                                      .timestamps = {1, 2, 3, 4, 5, 6}};
    const auto last = data::interactions(c).merged();
    REQUIRE(last.size() == 3);
    // Last rows: (0, 2) at 3, (1, 0) at 4, (0, 1) at 5 (0-based), in that order.
    CHECK(std::vector<std::size_t>(last.users().begin(), last.users().end()) == std::vector<std::size_t>{0, 1, 0});
    CHECK(std::vector<std::size_t>(last.items().begin(), last.items().end()) == std::vector<std::size_t>{2, 0, 1});
    CHECK(std::vector<double>(last.values().begin(), last.values().end()) == std::vector<double>{4, 5, 6});
    CHECK(std::vector<double>(last.timestamps().begin(), last.timestamps().end()) == std::vector<double>{4, 5, 6});
    auto summed_columns = c;
    summed_columns.duplicates = data::duplicate_policy::sum;
    const data::interactions summed_log(summed_columns);
    const auto summed = summed_log.merged();
    CHECK(std::vector<double>(summed.values().begin(), summed.values().end()) == std::vector<double>{4, 7, 10});
    // The same views as the raw log, and nothing left to merge.
    CHECK(summed.by_user().values == summed_log.by_user().values);
    CHECK(summed.merged().size() == 3);
    CHECK(data::interactions().merged().empty());
}

TEST_CASE("read_interactions: malformed rows raise parse_error with file, line and column", "[interactions]") {
    auto e = catch_parse_error([] { data::read_interactions_text("user,item,v\na,b,1\nc,d,x\n", {.value = "v"}, "log.csv"); });
    CHECK(e.file() == "log.csv");
    CHECK(e.line() == 3);
    CHECK(e.column() == 3);
    CHECK(e.column_name() == "v");

    e = catch_parse_error([] { data::read_interactions_text("user,item\na,b\nc\n"); });
    CHECK(e.line() == 3);
    CHECK(e.column() == 2);

    // A repeated header name (which "item" column?) is an error, as in read_csv.
    e = catch_parse_error([] { data::read_interactions_text("user,item,item\na,b,c\n"); });
    CHECK(e.line() == 1);
    CHECK(e.column() == 3);
    CHECK(e.column_name() == "item");

    e = catch_parse_error([] { data::read_interactions_text("user,item\na,b\n,d\n"); });
    CHECK(e.line() == 3);
    CHECK(e.column() == 1);

    e = catch_parse_error([] { data::read_interactions_text("uid,item\na,b\n"); });
    CHECK(e.line() == 1);
    CHECK(std::string(e.what()).find("uid") != std::string::npos);

    e = catch_parse_error([] { data::read_interactions_text("user,item,p\na,b,1.5\n", {.propensity = "p"}); });
    CHECK(e.line() == 2);
    CHECK(e.column() == 3);

    e = catch_parse_error([] { data::read_interactions_text("user,item,t\na,b,inf\n", {.timestamp = "t"}); });
    CHECK(e.column() == 3);

    e = catch_parse_error([] { data::read_interactions_text(""); });
    CHECK(e.line() == 1);

    CHECK_THROWS_AS(data::read_interactions("/nonexistent/interactions.csv"), cr::parse_error);
}

namespace {

/// Requires that the shards of a log file, in order, give the rows of the whole read: the same ids
/// (each shard with its own id maps) and values, and with the whole read's id maps the same indices.
void require_log_shards_concatenate(const std::string& path, const data::interaction_csv_options& options) {
    const auto whole = data::read_interactions(path, options);
    REQUIRE(whole.size() > 0);
    for (std::size_t shards : {1, 2, 3, 4, 7, 50}) {
        std::size_t row = 0;
        for (std::size_t k = 0; k < shards; ++k) {
            INFO("shard " << k << " of " << shards);
            data::interaction_csv_options o = options;
            o.shard = {.shard = k, .shards = shards};
            const auto part = data::read_interactions(path, o);
            const auto mapped = data::read_interactions(path, whole.user_ids(), whole.item_ids(), o);
            REQUIRE(mapped.size() == part.size());
            REQUIRE(mapped.n_users() == whole.n_users());
            REQUIRE(mapped.n_items() == whole.n_items());
            REQUIRE(mapped.user_ids() == whole.user_ids());
            REQUIRE(part.has_timestamps() == whole.has_timestamps());
            for (std::size_t i = 0; i < part.size(); ++i, ++row) {
                REQUIRE(row < whole.size());
                REQUIRE(part.user_ids().id_of(part.users()[i]) == whole.user_ids().id_of(whole.users()[row]));
                REQUIRE(part.item_ids().id_of(part.items()[i]) == whole.item_ids().id_of(whole.items()[row]));
                REQUIRE(mapped.users()[i] == whole.users()[row]);
                REQUIRE(mapped.items()[i] == whole.items()[row]);
                REQUIRE(part.values()[i] == whole.values()[row]);
                if (whole.has_timestamps()) REQUIRE(part.timestamps()[i] == whole.timestamps()[row]);
            }
        }
        REQUIRE(row == whole.size());
    }
}

}  // namespace

TEST_CASE("read_interactions: the shards of a file concatenate to the whole read, indices global with given id maps",
          "[interactions][shard]") {
    // Quoted ids with line breaks, delimiters and doubled quotes, CRLF endings, no final line break.
    std::string text = "user,item,rating,ts\r\n";
    for (int r = 0; r < 120; ++r) {
        const std::string user = "u" + std::to_string(r % 17);
        text += (r % 5 == 0 ? "\"" + user + ",\r\nsecond \"\"line\"\"\"" : user) + ",\"item\n" + std::to_string(r % 23) + "\"," +
                std::to_string(r % 5 + 1) + "," + std::to_string(1000 + r);
        if (r + 1 < 120) text += "\r\n";
    }
    const auto path = causalrec_test::temp_path("shard_log.csv").string();
    write_file(path, text);
    require_log_shards_concatenate(path, {.value = "rating", .timestamp = "ts"});

    // Without a header the data region is the whole file.
    const auto plain = causalrec_test::temp_path("shard_log_plain.csv").string();
    std::string rows;
    for (int r = 0; r < 50; ++r) rows += std::to_string(r % 7) + "," + std::to_string(r % 11) + "\n";
    write_file(plain, rows);
    require_log_shards_concatenate(plain, {.user = "1", .item = "2", .header = false});

    // Each shard numbers the ids it reads in its own order of first appearance.
    const auto second = data::read_interactions_text("user,item\na,x\nb,y\nc,z\nb,x\n", {.shard = {.shard = 1, .shards = 2}});
    REQUIRE(second.size() == 3);  // the 26 bytes cut at 13: the records from "b,y" on
    CHECK(second.user_ids().ids() == std::vector<std::string>{"b", "c"});
    CHECK(std::vector<std::size_t>(second.users().begin(), second.users().end()) == std::vector<std::size_t>{0, 1, 0});
}

TEST_CASE("read_interactions: a shard spec outside its range is an argument_error", "[interactions][shard]") {
    CHECK_THROWS_WITH(data::read_interactions_text("user,item\na,b\n", {.shard = {.shard = 0, .shards = 0}}),
                      Catch::Matchers::StartsWith("causalrec::data::read_interactions: shard_spec{.shard = 0, .shards = 0}: "));
    CHECK_THROWS_WITH(data::read_interactions("/nonexistent/log.csv", {.shard = {.shard = 2, .shards = 2}}),
                      Catch::Matchers::StartsWith("causalrec::data::read_interactions: shard_spec{.shard = 2, .shards = 2}: "));
    const auto path = causalrec_test::temp_path("shard_pair.csv").string();
    write_file(path, "user,item\na,b\n");
    CHECK_THROWS_AS(data::read_train_test(path, path, {.shard = {.shard = 0, .shards = 2}}), cr::argument_error);
}

TEST_CASE("id_map: JSON round trip, save and load, bad JSON", "[interactions]") {
    const auto log = data::read_interactions_text("user,item\nu1,b\nu0,a\nu1,a\n");
    const auto j = data::id_map_to_json(log.user_ids());
    CHECK(j == nlohmann::json::array({"u1", "u0"}));
    CHECK(data::id_map_from_json(nlohmann::json::parse(j.dump())) == log.user_ids());
    const auto path = causalrec_test::temp_path("items.json").string();
    data::save_id_map(log.item_ids(), path);
    const auto loaded = data::load_id_map(path);
    CHECK(loaded == log.item_ids());
    CHECK(loaded.index_of("a") == 1);
    CHECK_FALSE(loaded.find("zzz").has_value());

    CHECK_THROWS_AS(data::id_map_from_json(nlohmann::json{{"a", 1}}), cr::format_error);
    CHECK_THROWS_AS(data::id_map_from_json(nlohmann::json::array({"a", 1})), cr::format_error);
    CHECK_THROWS_WITH(data::id_map_from_json(nlohmann::json::array({"a", "b", "a"})),
                      Catch::Matchers::Contains("element 2 repeats id 'a'"));
    CHECK_THROWS_AS(data::id_map({"x", "x"}), cr::argument_error);
    CHECK_THROWS_AS(loaded.id_of(5), cr::argument_error);
    CHECK_THROWS_AS(loaded.index_of("zzz"), cr::argument_error);
    write_file(causalrec_test::temp_path("bad.json").string(), "[\"a\",");
    CHECK_THROWS_AS(data::load_id_map(causalrec_test::temp_path("bad.json").string()), cr::format_error);
}

TEST_CASE("read_train_test: the test file is mapped through the training ids, unknown ids error or drop", "[interactions]") {
    const auto train_path = causalrec_test::temp_path("train.csv").string();
    const auto test_path = causalrec_test::temp_path("test.csv").string();
    write_file(train_path, "user,item,r\nu1,a,5\nu2,b,3\nu1,c,1\n");
    write_file(test_path, "user,item,r\nu2,c,4\nu9,a,2\nu1,zz,1\nu1,b,2\n");
    const auto both = data::read_train_test(train_path, test_path, {.value = "r", .unknown_ids = data::unknown_id_policy::drop});
    CHECK(both.dropped == 2);
    REQUIRE(both.test.size() == 2);
    CHECK(both.test.n_users() == both.train.n_users());
    CHECK(both.test.n_items() == both.train.n_items());
    CHECK(both.test.user_ids() == both.train.user_ids());
    CHECK(both.test.users()[0] == 1);  // u2
    CHECK(both.test.items()[0] == 2);  // c
    CHECK(both.test.values()[1] == 2.0);

    const auto e = catch_parse_error([&] { data::read_train_test(train_path, test_path, {.value = "r"}); });
    CHECK(e.file() == test_path);
    CHECK(e.line() == 3);
    CHECK(e.column() == 1);
    CHECK(std::string(e.what()).find("u9") != std::string::npos);
}

TEST_CASE("random_split: disjoint, sizes, deterministic", "[interactions]") {
    const auto log = random_log(20, 15, 200, 3);
    const auto s = data::random_split(log, {.test_fraction = 0.25, .seed = 9});
    CHECK(s.test.size() == 50);
    CHECK(s.train.size() == 150);
    CHECK(s.train.n_users() == 20);
    CHECK(s.test.n_items() == 15);
    auto a = row_ids(s.train), b = row_ids(s.test);
    CHECK(std::is_sorted(a.begin(), a.end()));  // log order kept
    std::set<std::size_t> all(a.begin(), a.end());
    all.insert(b.begin(), b.end());
    CHECK(all.size() == 200);
    const auto again = data::random_split(log, {.test_fraction = 0.25, .seed = 9});
    CHECK(row_ids(again.test) == b);
    CHECK(row_ids(data::random_split(log, {.test_fraction = 0.25, .seed = 10}).test) != b);
    CHECK_THROWS_AS(data::random_split(log, {.test_fraction = 1.5}), cr::argument_error);
}

TEST_CASE("leave_k_out: k test rows per user with at least k+1, random or latest", "[interactions]") {
    const auto log = random_log(25, 10, 120, 5);
    std::vector<std::size_t> per_user(25, 0);
    for (auto u : log.users()) ++per_user[u];
    for (auto order : {data::leave_out_order::random, data::leave_out_order::latest}) {
        for (std::size_t k : {1u, 3u}) {
            const auto s = data::leave_k_out(log, {.k = k, .order = order, .seed = 1});
            std::vector<std::size_t> test_count(25, 0);
            for (auto u : s.test.users()) ++test_count[u];
            for (std::size_t u = 0; u < 25; ++u) CHECK(test_count[u] == (per_user[u] >= k + 1 ? k : 0));
            CHECK(s.train.size() + s.test.size() == log.size());
            std::set<std::size_t> all;
            for (auto r : row_ids(s.train)) all.insert(r);
            for (auto r : row_ids(s.test)) all.insert(r);
            CHECK(all.size() == log.size());
            if (order == data::leave_out_order::latest) {
                // Every held-out row is at least as late as every training row of its user.
                for (std::size_t t = 0; t < s.test.size(); ++t)
                    for (std::size_t r = 0; r < s.train.size(); ++r)
                        if (s.train.users()[r] == s.test.users()[t]) CHECK(s.train.timestamps()[r] <= s.test.timestamps()[t]);
            }
        }
    }
    CHECK_THROWS_AS(data::leave_k_out(log, {.k = 0}), cr::argument_error);
    CHECK_THROWS_AS(data::leave_k_out(data::interactions({0, 0}, {0, 1}), {.order = data::leave_out_order::latest}),
                    cr::argument_error);
}

TEST_CASE("temporal_split: by cutoff and by fraction of the time span", "[interactions]") {
    const auto log = random_log(10, 10, 100, 11);
    const auto s = data::temporal_split(log, {.cutoff = 500.0});
    for (double t : s.train.timestamps()) CHECK(t < 500.0);
    for (double t : s.test.timestamps()) CHECK(t >= 500.0);
    CHECK(s.train.size() + s.test.size() == 100);
    const auto ts = log.timestamps();
    const auto [lo, hi] = std::minmax_element(ts.begin(), ts.end());
    const auto f = data::temporal_split(log, {.test_fraction = 0.3});
    const double cutoff = *hi - 0.3 * (*hi - *lo);
    for (double t : f.train.timestamps()) CHECK(t < cutoff);
    for (double t : f.test.timestamps()) CHECK(t >= cutoff);
    CHECK(f.train.size() + f.test.size() == 100);
    CHECK(data::temporal_split(log, {.test_fraction = 0.0}).test.empty());
    CHECK_THROWS_AS(data::temporal_split(data::interactions({0}, {0})), cr::argument_error);
}

TEST_CASE("interaction_stream: complete records appended since the last call, ids kept across batches", "[data][online]") {
    const auto path = causalrec_test::temp_path("stream.csv");
    data::interaction_stream stream(path.string(), {.user = "user", .item = "item", .value = "rating"});
    CHECK(stream.next().empty());  // the file does not exist yet
    auto append = [&](const std::string& text) {
        std::ofstream out(path, std::ios::app | std::ios::binary);
        out << text;
    };
    append("user,item,rating\nu1,i1,4\nu2,i2,5\n");
    const auto first = stream.next();
    REQUIRE(first.size() == 2);
    CHECK(first.n_users() == 2);
    CHECK(first.user_ids().id_of(first.users()[1]) == "u2");
    CHECK(first.values()[1] == 5.0);
    // A record without its line break waits for the next call; a quoted field may hold a line break.
    append("u3,i1,3\nu1,\"i3\nnew\",2\nu2,i2");
    const auto second = stream.next();
    REQUIRE(second.size() == 2);
    CHECK(second.users()[0] == 2);  // u3: a new user, appended
    CHECK(second.user_ids().id_of(second.users()[1]) == "u1");
    CHECK(second.users()[1] == 0);  // u1 keeps its index
    CHECK(second.item_ids().id_of(second.items()[1]) == "i3\nnew");
    CHECK(second.n_items() == 3);
    append(",1\n");
    const auto third = stream.next();
    REQUIRE(third.size() == 1);
    CHECK(third.users()[0] == 1);
    CHECK(third.items()[0] == 1);
    CHECK(third.values()[0] == 1.0);
    CHECK(stream.next().empty());
    // max_rows: at most that many records per call, the rest later.
    append("u4,i4,1\nu5,i5,2\nu6,i6,3\n");
    CHECK(stream.next(2).size() == 2);
    CHECK(stream.next(2).size() == 1);
    CHECK(stream.users().size() == 6);
    // A malformed record names the file.
    append("u7,i7,notanumber\n");
    CHECK_THROWS_AS(stream.next(), cr::parse_error);
}

}  // namespace causalrec_test_interactions
