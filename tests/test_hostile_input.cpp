// Hostile input, table-driven: every recommender goes through the same list of bad inputs and must
// answer with a typed causalrec::error or the documented result — never a crash, an out-of-bounds
// read (run under scripts/test.sh --sanitize) or a std:: exception leaking out.
#include <causalrec/causal/ate.hpp>
#include <causalrec/causal/linear.hpp>
#include <causalrec/causal/meta_learners.hpp>
#include <causalrec/causal/neural.hpp>
#include <causalrec/causal/debias/mf.hpp>
#include <causalrec/causal/discovery.hpp>
#include <causalrec/causal/offpolicy.hpp>
#include <causalrec/metrics/uplift.hpp>
#include <causalrec/core/memory.hpp>
#include <causalrec/data/csv.hpp>
#include <causalrec/io/safetensors.hpp>
#include <causalrec/preprocess/preprocess.hpp>
#include <causalrec/rec/rec.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_hostile_input {

namespace cr = causalrec;
namespace data = causalrec::data;
namespace rec = causalrec::rec;

namespace {

/// 12 users x 9 items, every user with 4 distinct items (values 1..5).
data::interactions small_log() {
    data::interaction_columns c{.n_users = 12, .n_items = 9};
    for (std::size_t u = 0; u < 12; ++u)
        for (std::size_t k = 0; k < 4; ++k) {
            c.users.push_back(u);
            c.items.push_back((u + 2 * k) % 9);
            c.values.push_back(static_cast<double>(1 + (u + k) % 5));
        }
    return data::interactions(std::move(c));
}

/// Three features for each of small_log's 9 items (every row non-zero).
cr::matrix<double> item_features() {
    cr::matrix<double> f = cr::make_matrix<double>(9, 3);
    for (std::size_t i = 0; i < 9; ++i) {
        f(i, 0) = 1.0;
        f(i, 1) = static_cast<double>(i % 3);
        f(i, 2) = static_cast<double>(i / 3);
    }
    return f;
}

/// The user indices a careless caller passes: one past the training range, a large index, SIZE_MAX
/// (a common "not found" sentinel, or -1 cast), and SIZE_MAX - 1.
const std::vector<std::size_t> unknown_users{12, 1'000'000'000, std::numeric_limits<std::size_t>::max(),
                                             std::numeric_limits<std::size_t>::max() - 1};

/// Runs `model` (fitted) through the unknown users: covers is false (true for a model documented to
/// serve everyone, such as a chain ending in popularity); score, recommend and
/// recommend_many either answer (the documented cold-start result: a full list of finite scores)
/// or raise a causalrec::error.
template <class Model>
void check_unknown_users(const Model& model, const std::string& name, bool serves_everyone = false) {
    const std::vector<std::size_t> items{0, 3, 8};
    for (const std::size_t user : unknown_users) {
        INFO(name << ", user " << user);
        if constexpr (requires { model.covers(user); }) CHECK(model.covers(user) == serves_everyone);
        try {
            const auto s = model.score(user, items);
            CHECK(s.size() == items.size());
            for (const double v : s) CHECK(std::isfinite(v));
        } catch (const cr::error&) {
        }
        try {
            const auto top = model.recommend(user, 3, true);
            CHECK(top.size() <= 3);
            for (const auto& x : top) CHECK(x.item < 9);
        } catch (const cr::error&) {
        }
        try {
            const std::vector<std::size_t> many{user, 0};
            const auto lists = rec::recommend_many(model, many, 2);
            CHECK(lists.size() == 2);
        } catch (const cr::error&) {
        }
    }
}

/// Fitting an empty log raises argument_error (one behaviour for every recommender).
template <class Model>
void check_empty_log(Model model, const std::string& name) {
    INFO(name);
    const data::interactions empty(data::interaction_columns{.n_users = 0, .n_items = 0});
    CHECK_THROWS_AS(model.fit(empty), cr::argument_error);
}

}  // namespace

TEST_CASE("hostile input: every recommender handles unknown and sentinel user indices", "[hostile][rec]") {
    const auto log = small_log();
    rec::popularity popularity;
    popularity.fit(log);
    check_unknown_users(popularity, "popularity");
    rec::item_knn item_knn;
    item_knn.fit(log);
    check_unknown_users(item_knn, "item_knn");
    rec::user_knn user_knn;
    user_knn.fit(log);
    check_unknown_users(user_knn, "user_knn");
    rec::matrix_factorization mf({.factors = 3, .epochs = 2});
    mf.fit(log);
    check_unknown_users(mf, "matrix_factorization");
    rec::als als({.factors = 3, .epochs = 2});
    als.fit(log);
    check_unknown_users(als, "als");
    rec::bpr bpr({.factors = 3, .epochs = 2});
    bpr.fit(log);
    check_unknown_users(bpr, "bpr");
    rec::neumf neumf({.gmf_dim = 2, .mlp_dim = 2, .mlp_layers = {4}, .epochs = 1, .batch_size = 8});
    neumf.fit(log);
    check_unknown_users(neumf, "neumf");
    rec::two_tower two_tower({.embedding_dim = 2, .tower_layers = {3}, .epochs = 1, .batch_size = 8});
    two_tower.fit(log);
    check_unknown_users(two_tower, "two_tower");
    cr::causal::debiased_mf naive({.method = cr::causal::debias_method::naive, .factors = 2, .epochs = 2});
    naive.fit(log);
    check_unknown_users(naive, "debiased_mf");
    rec::content_based content(item_features());
    content.fit(log);
    check_unknown_users(content, "content_based");
    rec::fallback_chain chain(rec::content_based(item_features()), rec::popularity{});
    chain.fit(log);
    check_unknown_users(chain, "fallback_chain", true);
    // The chain serves an unknown user from popularity, the last model: a full list, never an error.
    for (const std::size_t user : unknown_users) CHECK(chain.recommend(user, 3).size() == 3);
}

TEST_CASE("hostile input: every recommender refuses an empty log", "[hostile][rec]") {
    check_empty_log(rec::popularity{}, "popularity");
    check_empty_log(rec::item_knn{}, "item_knn");
    check_empty_log(rec::user_knn{}, "user_knn");
    check_empty_log(rec::matrix_factorization({.factors = 2, .epochs = 1}), "matrix_factorization");
    check_empty_log(rec::als({.factors = 2, .epochs = 1}), "als");
    check_empty_log(rec::bpr({.factors = 2, .epochs = 1}), "bpr");
    check_empty_log(rec::neumf({.gmf_dim = 2, .mlp_dim = 0, .epochs = 1}), "neumf");
    check_empty_log(rec::two_tower({.embedding_dim = 2, .tower_layers = {2}, .epochs = 1}), "two_tower");
    check_empty_log(cr::causal::debiased_mf({.method = cr::causal::debias_method::naive, .factors = 2}), "debiased_mf");
    check_empty_log(rec::content_based(item_features()), "content_based");
    check_empty_log(rec::fallback_chain(rec::content_based(item_features()), rec::popularity{}), "fallback_chain");
}

TEST_CASE("hostile input: clipping does not hide invalid propensities", "[hostile][causal]") {
    // Defect: with clip_eps set, propensities 1.2 and -0.3 were clipped into range instead of raising
    // the "outside [0, 1]" error raised without clipping. Validate first, then clip; trimming too.
    const cr::vector<double> t = {1, 0, 1, 0}, y = {1, 2, 3, 4};
    const cr::vector<double> e_nan = {0.5, std::nan(""), 0.5, 0.5};
    CHECK_THROWS_WITH(cr::causal::ipw_from_propensity(t, y, e_nan, {.clip_eps = 0.05}), Catch::Contains("non-finite"));
    for (const double bad : {1.2, -0.3}) {
        INFO("propensity " << bad);
        const cr::vector<double> e = {0.5, bad, 0.5, 0.5};
        CHECK_THROWS_WITH(cr::causal::ipw_from_propensity(t, y, e), Catch::Contains("outside [0, 1]"));
        CHECK_THROWS_WITH(cr::causal::ipw_from_propensity(t, y, e, {.clip_eps = 0.05}), Catch::Contains("outside [0, 1]"));
        CHECK_THROWS_WITH(cr::causal::ipw_from_propensity(t, y, e, {.trim = cr::causal::trimming::common_support}),
                          Catch::Contains("outside [0, 1]"));
    }
}

TEST_CASE("hostile input: an arm of one row has an undefined standard error, not a zero-width interval",
          "[hostile][causal]") {
    // Defect: one treated and one control row gave a standard error of 0 and a zero-width interval.
    const cr::vector<double> t = {1, 0}, y = {3, 1};
    const auto r = cr::causal::difference_in_means(t, y);
    CHECK(r.estimate == 2.0);
    CHECK(std::isnan(r.std_error));
    CHECK(std::isnan(r.ci_low));
    CHECK(std::isnan(r.ci_high));
    CHECK_THAT(r.note, Catch::Contains("standard error undefined") && Catch::Contains("1 row"));
    CHECK_THAT(r.to_string(), Catch::Contains("standard error undefined"));
    // The bootstrap would resample the same row: also undefined.
    const cr::vector<double> t3 = {1, 0, 0}, y3 = {3, 1, 2};
    const auto b = cr::causal::difference_in_means(t3, y3, {.bootstrap = 50});
    CHECK(std::isnan(b.ci_low));
    CHECK(std::isnan(b.std_error));
    // Two rows per arm: defined (by hand: m1 = 4, m0 = 1.5, s1^2 = 2, s0^2 = 0.5, se = sqrt(2/2 + 0.5/2)).
    const cr::vector<double> t4 = {1, 1, 0, 0}, y4 = {3, 5, 1, 2};
    const auto d = cr::causal::difference_in_means(t4, y4);
    CHECK(d.note.empty());
    CHECK(d.std_error == Approx(std::sqrt(1.25)));
    // Sibling: an off-policy estimate over one round.
    const cr::causal::bandit_log one{.actions = {0}, .rewards = {1.0}, .propensities = {0.5}};
    cr::matrix<double> target = cr::matrix<double>::from_shape({1, 2});
    target(0, 0) = 1.0;
    target(0, 1) = 0.0;
    const auto v = cr::causal::estimate_policy_value(one, target);
    CHECK(v.value == 2.0);
    CHECK(std::isnan(v.std_error));
    CHECK(std::isnan(v.ci_low));
}

TEST_CASE("hostile input: tied scores are one step of every uplift metric, whatever the row order",
          "[hostile][metrics]") {
    // Defect: with all-equal scores, Qini was +0.26 or -0.26 and uplift@10% 0.80 or 0.00 depending only
    // on the row order. Now a tie group moves the curve as one step.
    std::vector<double> t, y;
    for (int i = 0; i < 40; ++i) {
        t.push_back(i % 2);
        y.push_back((i % 2 == 1 && i % 3 != 0) || i % 7 == 0 ? 1.0 : 0.0);
    }
    const std::vector<double> flat(40, 0.5);
    // All tied: the Qini curve is the straight random-targeting line, so the coefficient is 0, and
    // uplift@10% is the overall difference in means.
    const double overall = [&] {
        double st = 0, nt = 0, sc = 0, nc = 0;
        for (std::size_t i = 0; i < t.size(); ++i) (t[i] == 1 ? st : sc) += y[i], (t[i] == 1 ? nt : nc) += 1;
        return st / nt - sc / nc;
    }();
    CHECK(cr::metrics::qini_score(flat, t, y) == Approx(0.0).margin(1e-12));
    CHECK(cr::metrics::uplift_at_k(flat, t, y, 0.1) == Approx(overall));
    // Reordering the rows (here: reversing them) changes nothing, with ties and partial ties.
    std::vector<double> partial(40);
    for (int i = 0; i < 40; ++i) partial[i] = (i % 5) * 0.2;  // five tie groups of 8, each with both arms
    auto reversed = [](std::vector<double> v) { return std::vector<double>(v.rbegin(), v.rend()); };
    for (const auto& s : {flat, partial}) {
        CHECK(cr::metrics::qini_score(s, t, y) == Approx(cr::metrics::qini_score(reversed(s), reversed(t), reversed(y))));
        CHECK(cr::metrics::auuc_score(s, t, y) == Approx(cr::metrics::auuc_score(reversed(s), reversed(t), reversed(y))));
        CHECK(cr::metrics::uplift_at_k(s, t, y, 0.1) ==
              Approx(cr::metrics::uplift_at_k(reversed(s), reversed(t), reversed(y), 0.1)));
        const auto a = cr::metrics::qini_curve(s, t, y), b = cr::metrics::qini_curve(reversed(s), reversed(t), reversed(y));
        for (std::size_t i = 0; i < a.value.size(); ++i) CHECK(a.value[i] == Approx(b.value[i]).margin(1e-12));
    }
}

TEST_CASE("hostile input: PC and Fisher's z are invariant to rescaling a column by 1e200", "[hostile][discovery]") {
    // Defect: scaling one column by 1e200 overflowed the correlation sums; its correlations became 0
    // and the learned graph changed silently.
    const auto sem = cr::causal::simulate_linear_sem({.variables = 6, .expected_degree = 2.0, .samples = 500, .seed = 3});
    auto scaled = sem.data;
    auto tiny = sem.data;
    for (std::size_t r = 0; r < scaled.shape()[0]; ++r) {
        scaled(r, 2) *= 1e200;
        tiny(r, 4) *= 1e-200;
    }
    const cr::causal::fisher_z_test plain(sem.data), big(scaled), small(tiny);
    for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t j = 0; j < 6; ++j) {
            CHECK(big.correlation(i, j) == Approx(plain.correlation(i, j)).margin(1e-12));
            CHECK(small.correlation(i, j) == Approx(plain.correlation(i, j)).margin(1e-12));
        }
    CHECK(cr::causal::pc(scaled, {.alpha = 0.01}).graph == cr::causal::pc(sem.data, {.alpha = 0.01}).graph);
}

TEST_CASE("hostile input: the G-test takes any integer category codes, not only small ones", "[hostile][discovery]") {
    // Defect: the count table was sized by the largest raw code; codes near 2^29 with 64 strata
    // wrapped the size and the counting wrote out of bounds. Codes are now renumbered per column and
    // only occurring cells are counted: the statistic depends on the grouping alone.
    cr::rng engine(5);
    const std::size_t n = 600;
    auto small_codes = cr::matrix<double>::from_shape({n, 8});
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < 8; ++c) small_codes(r, c) = static_cast<double>(engine.uniform_index(c < 2 ? 3 : 2));
    auto huge_codes = small_codes;
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t c = 0; c < 8; ++c) huge_codes(r, c) = 536870000.0 + 1000.0 * small_codes(r, c) + static_cast<double>(c);
    const cr::causal::g_square_test a(small_codes), b(huge_codes);
    const std::vector<std::size_t> six{2, 3, 4, 5, 6, 7};  // 2^6 = 64 strata
    const auto [ga, da] = a.statistic(0, 1, six);
    const auto [gb, db] = b.statistic(0, 1, six);
    CHECK(ga == gb);
    CHECK(da == db);
    CHECK(a.p_value(0, 1, six) == b.p_value(0, 1, six));
    auto too_big = small_codes;
    too_big(0, 0) = 1e300;
    CHECK_THROWS_AS(cr::causal::g_square_test(too_big), cr::argument_error);
}

TEST_CASE("hostile input: raw ids used as dense indices are refused with the memory they would need",
          "[hostile][data]") {
    // Defect: ids like 1e12 users or 3e9 items were taken as dense indices and the first fit died in
    // std::bad_alloc. The log now refuses an index space whose per-index arrays exceed half the
    // machine's memory, naming the largest index and the memory.
    const double memory = cr::physical_memory_bytes();
    REQUIRE(memory > 0.0);
    const auto huge_user = static_cast<std::size_t>(1e12);
    try {
        const data::interactions log(data::interaction_columns{.users = {0, huge_user}, .items = {0, 1}});
        FAIL("accepted a log of 1e12 users");
    } catch (const cr::argument_error& e) {
        CHECK_THAT(e.what(), Catch::Contains("user indices reach 1000000000000") && Catch::Contains("TiB") &&
                                 Catch::Contains("id_map"));
    }
    // Items: an index space of 1.5 times the machine's memory in 8-byte entries.
    const auto huge_item = static_cast<std::size_t>(memory / 8.0 * 1.5);
    CHECK_THROWS_WITH(data::interactions(data::interaction_columns{.users = {0}, .items = {huge_item}}),
                      Catch::Contains("item indices reach"));
    // Large but affordable index spaces (2^25 items) stay accepted.
    CHECK_NOTHROW(data::interactions(data::interaction_columns{.users = {0, 1}, .items = {0, std::size_t{1} << 25}}));
    CHECK(cr::format_bytes(512) == "512 B");
    CHECK(cr::format_bytes(3.0 * 1024 * 1024 * 1024) == "3.0 GiB");
}

TEST_CASE("hostile input: CSV numbers beyond the value type's range are numbers, not categories", "[hostile][data]") {
    // Defect: 1e-50 or 1e39 as float (1e400 / 1e-400 as double) silently turned a whole column, or the
    // label, into a categorical column; after the first 1,000 rows a misleading "cannot parse".
    // Underflow: the nearest subnormal or zero, the column stays numeric.
    const auto tiny = data::read_csv_text<float>("x,y\n1e-50,1\n2.5,0\n1e-40,1\n", {.label = "y"});
    REQUIRE(tiny.columns()[0].categories.empty());
    CHECK(tiny.features()(0, 0) == 0.0f);
    CHECK(tiny.features()(2, 0) > 0.0f);
    CHECK(tiny.features()(2, 0) < std::numeric_limits<float>::min());  // subnormal
    const auto tiny_d = data::read_csv_text<double>("x\n1e-400\n-1e-400\n3\n");
    CHECK(tiny_d.features()(0, 0) == 0.0);
    CHECK(std::signbit(tiny_d.features()(1, 0)));
    // Overflow: a parse_error naming the file, row and column, or +-inf when asked for.
    try {
        (void)data::read_csv_text<float>("x,y\n1.5,1\n1e39,0\n", {.label = "y"}, "big.csv");
        FAIL("1e39 read as a float");
    } catch (const cr::parse_error& e) {
        CHECK(e.line() == 3);
        CHECK(e.column() == 1);
        CHECK_THAT(e.what(), Catch::Contains("big.csv") && Catch::Contains("outside the range of float"));
    }
    CHECK_THROWS_WITH(data::read_csv_text<float>("x,y\n1.5,1\n2,1e39\n", {.label = "y"}), Catch::Contains("outside the range"));
    CHECK_THROWS_WITH(data::read_csv_text<double>("x\n1e400\n"), Catch::Contains("outside the range of double"));
    const auto inf = data::read_csv_text<double>("x\n-1e400\n2\n", {.overflow_to_infinity = true});
    CHECK(inf.features()(0, 0) == -std::numeric_limits<double>::infinity());
    // After the type-inference rows: the same error, not "cannot parse".
    std::string text = "x\n";
    for (int r = 0; r < 1500; ++r) text += std::to_string(r) + "\n";
    text += "1e39\n";
    CHECK_THROWS_WITH(data::read_csv_text<float>(text), Catch::Contains("outside the range of float") && !Catch::Contains("cannot parse"));
}

TEST_CASE("hostile input: a directory or a read error is an error, never an empty or partial table", "[hostile][data]") {
    // Defect: a directory path gave "file is empty"; an I/O error in the middle of a file returned
    // 529 of 1,000 rows and no error (ferror was never checked).
    const std::string dir = std::filesystem::temp_directory_path().string();
    CHECK_THROWS_WITH(data::read_csv<float>(dir), Catch::Contains("is a directory"));
    CHECK_THROWS_WITH(data::read_interactions(dir), Catch::Contains("is a directory"));
    CHECK_THROWS_WITH(cr::io::load_safetensors(dir), Catch::Contains("is a directory"));
#if defined(__GLIBC__)
    // A stream that fails with EIO after 4,000 bytes of a 1,000-row file.
    struct failing {
        std::string text;
        std::size_t pos = 0;
        static ssize_t read(void* self, char* buf, std::size_t size) {
            auto* f = static_cast<failing*>(self);
            if (f->pos >= 4000) {
                errno = EIO;
                return -1;
            }
            const std::size_t n = std::min({size, f->text.size() - f->pos, 4000 - f->pos});
            std::memcpy(buf, f->text.data() + f->pos, n);
            f->pos += n;
            return static_cast<ssize_t>(n);
        }
    };
    failing source;
    source.text = "a,b\n";
    for (int r = 0; r < 1000; ++r) source.text += std::to_string(r) + "," + std::to_string(2 * r) + "\n";
    cookie_io_functions_t io{};
    io.read = &failing::read;
    std::FILE* stream = fopencookie(&source, "r", io);
    REQUIRE(stream != nullptr);
    cr::data::detail::file_source file{stream, "flaky.csv"};
    try {
        const auto table = cr::data::detail::csv_reader<float, cr::data::detail::file_source>(file, {.chunk_bytes = 1024}, "flaky.csv").read();
        FAIL("returned " << table.rows() << " rows after a read error");
    } catch (const cr::error& e) {
        CHECK_THAT(e.what(), Catch::Contains("flaky.csv") && Catch::Contains("failed at byte 4000") &&
                                 Catch::Contains("Input/output error"));
    }
    std::fclose(stream);
#endif
}

TEST_CASE("hostile input: scalers stay exact on huge finite values and refuse impossible saved states", "[hostile][preprocess]") {
    namespace pp = causalrec::preprocess;
    // Defect: +-1e200 or 1e308 made standard_scaler output NaN and min_max_scaler all zeros.
    cr::matrix<double> x = cr::make_matrix<double>(4, 2);
    const double col0[4] = {1e200, -1e200, 3e200, -3e200}, col1[4] = {1e308, -1e308, 5e307, 0.0};
    for (std::size_t r = 0; r < 4; ++r) x(r, 0) = col0[r], x(r, 1) = col1[r];
    pp::standard_scaler standard;
    const auto z = standard.fit(x).transform(x);
    // Column 0: mean 0, population sd sqrt((1 + 1 + 9 + 9) / 4) e200 = sqrt(5) e200.
    CHECK(standard.mean()[0] == Approx(0.0).margin(1e185));
    CHECK(standard.scale()[0] == Approx(std::sqrt(5.0) * 1e200));
    for (std::size_t r = 0; r < 4; ++r) {
        CHECK(z(r, 0) == Approx(col0[r] / (std::sqrt(5.0) * 1e200)));
        CHECK(std::isfinite(z(r, 1)));
    }
    double sum = 0.0, squares = 0.0;
    for (std::size_t r = 0; r < 4; ++r) sum += z(r, 1), squares += z(r, 1) * z(r, 1);
    CHECK(sum == Approx(0.0).margin(1e-12));
    CHECK(squares / 4 == Approx(1.0));
    pp::min_max_scaler minmax;
    const auto mm = minmax.fit(cr::matrix<double>(xt::view(x, xt::all(), xt::range(0, 1)))).transform(
        cr::matrix<double>(xt::view(x, xt::all(), xt::range(0, 1))));
    CHECK(mm(0, 0) == Approx(4.0 / 6.0));  // (1e200 + 3e200) / 6e200
    CHECK(mm(3, 0) == 0.0);
    CHECK(mm(2, 0) == Approx(1.0));
    // A range beyond the double range (1e308 - -1e308) cannot be scaled linearly: numeric_error naming the column.
    CHECK_THROWS_WITH(pp::min_max_scaler{}.fit(x), Catch::Contains("column 1") && Catch::Contains("beyond the double range"));
    // Defect: a saved scale of 0 or -1 was accepted and transform returned +-inf, NaN or flipped signs.
    auto state = standard.to_json();
    state["state"]["scale"][0] = 0.0;
    CHECK_THROWS_AS(pp::standard_scaler::from_json(state), cr::format_error);
    state["state"]["scale"][0] = -1.0;
    CHECK_THROWS_WITH(pp::standard_scaler::from_json(state), Catch::Contains("scale[0]"));
    auto mm_state = pp::min_max_scaler{}.fit(cr::matrix<double>{{1.0}, {3.0}}).to_json();
    auto flipped = mm_state;
    flipped["state"]["scale"][0] = -0.5;
    CHECK_THROWS_AS(pp::min_max_scaler::from_json(flipped), cr::format_error);
    auto swapped = mm_state;
    swapped["state"]["data_min"][0] = 5.0;
    CHECK_THROWS_WITH(pp::min_max_scaler::from_json(swapped), Catch::Contains("data_min[0]"));
    CHECK_NOTHROW(pp::min_max_scaler::from_json(mm_state));
}

namespace {

/// Runs a preprocessor through the hostile inputs: fitting 0 rows or infinities raises; one row and
/// huge finite values give finite output where the input is finite (or a numeric_error); transform
/// before fit and with the wrong width raise. Never a crash, a std:: exception or silent NaN.
template <class P>
void check_preprocessor(P prototype, const std::string& name) {
    INFO(name);
    const auto finite_where_input_finite = [](const cr::matrix<double>& in, const cr::matrix<double>& out) {
        REQUIRE(out.shape()[0] == in.shape()[0]);
        for (std::size_t r = 0; r < in.shape()[0]; ++r) {
            bool row_finite = true;
            for (std::size_t c = 0; c < in.shape()[1]; ++c) row_finite = row_finite && std::isfinite(in(r, c));
            if (!row_finite) continue;
            for (std::size_t c = 0; c < out.shape()[1]; ++c) CHECK(std::isfinite(out(r, c)));
        }
    };
    CHECK_THROWS_AS(P(prototype).transform(cr::matrix<double>{{1.0, 2.0}}), cr::not_fitted_error);
    CHECK_THROWS_AS(P(prototype).fit(cr::make_matrix<double>(0, 2)), cr::shape_error);
    CHECK_THROWS_AS(P(prototype).fit(cr::matrix<double>{{1.0, HUGE_VAL}, {2.0, 3.0}}), cr::error);
    CHECK_THROWS_AS(P(prototype).fit(cr::matrix<double>{{1.0, -HUGE_VAL}, {2.0, 3.0}}), cr::error);
    const cr::matrix<double> one{{1.0, 2.0}};
    P single(prototype);
    finite_where_input_finite(one, single.fit(one).transform(one));
    CHECK_THROWS_AS(single.transform(cr::matrix<double>{{1.0, 2.0, 3.0}}), cr::shape_error);
    const cr::matrix<double> huge{{1e300, 1.0}, {-1e300, 2.0}, {5e299, 1.0}, {2.0, std::nan("")}};
    try {
        P big(prototype);
        finite_where_input_finite(huge, big.fit(huge).transform(huge));
    } catch (const cr::numeric_error&) {
    }
}

}  // namespace

TEST_CASE("hostile input: every preprocessor handles empty, one-row, infinite and huge input", "[hostile][preprocess]") {
    namespace pp = causalrec::preprocess;
    check_preprocessor(pp::standard_scaler{}, "standard_scaler");
    check_preprocessor(pp::min_max_scaler{}, "min_max_scaler");
    check_preprocessor(pp::simple_imputer{}, "simple_imputer");
    check_preprocessor(pp::one_hot_encoder{}, "one_hot_encoder");
    check_preprocessor(pp::ordinal_encoder{}, "ordinal_encoder");
    check_preprocessor(pp::pipeline(pp::simple_imputer{}, pp::standard_scaler{}), "pipeline");
    check_preprocessor(pp::column_transformer(pp::on(pp::min_max_scaler{}, {0}), pp::on(pp::simple_imputer{}, {1})),
                       "column_transformer");
}

TEST_CASE("hostile input: every ATE estimator handles empty, NaN, infinite, one-row and huge input", "[hostile][causal]") {
    namespace c = causalrec::causal;
    // 8 rows, x with two columns, balanced treatment.
    const cr::matrix<double> x{{0.1, 1.0}, {0.4, 0.0}, {0.3, 1.0}, {0.9, 0.0}, {0.5, 1.0}, {0.2, 0.0}, {0.8, 1.0}, {0.6, 0.0}};
    const cr::vector<double> t{1, 0, 1, 0, 1, 0, 1, 0}, y{2.0, 1.0, 2.5, 0.5, 3.0, 1.5, 2.0, 1.0};
    const c::linear_regression outcome;
    const c::logistic_regression propensity;
    using estimator = std::function<c::effect_estimate(const cr::matrix<double>&, const cr::vector<double>&, const cr::vector<double>&)>;
    const std::vector<std::pair<std::string, estimator>> estimators{
        {"difference_in_means", [](const auto&, const auto& tt, const auto& yy) { return c::difference_in_means(tt, yy); }},
        {"regression_adjustment", [&](const auto& xx, const auto& tt, const auto& yy) { return c::regression_adjustment(xx, tt, yy, outcome); }},
        {"ipw", [&](const auto& xx, const auto& tt, const auto& yy) { return c::ipw(xx, tt, yy, propensity); }},
        {"aipw", [&](const auto& xx, const auto& tt, const auto& yy) { return c::aipw(xx, tt, yy, outcome, propensity); }},
    };
    for (const auto& [name, estimate] : estimators) {
        INFO(name);
        const auto ok = estimate(x, t, y);
        CHECK(std::isfinite(ok.estimate));
        CHECK(std::isfinite(ok.std_error));
        CHECK_THROWS_AS(estimate(cr::make_matrix<double>(0, 2), cr::make_vector<double>(0), cr::make_vector<double>(0)), cr::error);
        auto y_nan = y;
        y_nan(3) = std::nan("");
        CHECK_THROWS_AS(estimate(x, t, y_nan), cr::error);
        auto y_inf = y;
        y_inf(2) = HUGE_VAL;
        CHECK_THROWS_AS(estimate(x, t, y_inf), cr::error);
        // Huge finite outcomes: a finite estimate, or a numeric_error; never NaN presented as valid.
        auto y_huge = y;
        for (std::size_t i = 0; i < y_huge.size(); ++i) y_huge(i) *= 1e150;
        try {
            const auto h = estimate(x, t, y_huge);
            CHECK(std::isfinite(h.estimate));
        } catch (const cr::numeric_error&) {
        }
    }
}

namespace {

/// Runs an EffectEstimator through the hostile inputs: empty, NaN and infinite outcomes, infinite
/// covariates raise a causalrec::error; huge finite outcomes give finite effects or a numeric_error.
template <class E>
void check_effect_estimator(const E& prototype, const std::string& name) {
    INFO(name);
    cr::rng g(3);
    const std::size_t n = 60;
    cr::matrix<double> x = cr::make_matrix<double>(n, 2);
    cr::vector<double> t = cr::make_vector<double>(n), y = cr::make_vector<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
        x(i, 0) = g.normal();
        x(i, 1) = g.normal();
        t(i) = static_cast<double>(i % 2);
        y(i) = 1.0 + x(i, 0) + t(i) * (1.0 + 0.5 * x(i, 1)) + 0.1 * g.normal();
    }
    {
        E ok = prototype;
        ok.fit(x, t, y);
        CHECK(std::isfinite(ok.ate()));
    }
    CHECK_THROWS_AS(E(prototype).fit(cr::make_matrix<double>(0, 2), cr::make_vector<double>(0), cr::make_vector<double>(0)), cr::error);
    auto y_nan = y;
    y_nan(5) = std::nan("");
    CHECK_THROWS_AS(E(prototype).fit(x, t, y_nan), cr::error);
    auto y_inf = y;
    y_inf(4) = -HUGE_VAL;
    CHECK_THROWS_AS(E(prototype).fit(x, t, y_inf), cr::error);
    auto x_inf = x;
    x_inf(7, 1) = HUGE_VAL;
    CHECK_THROWS_AS(E(prototype).fit(x_inf, t, y), cr::error);
    auto y_huge = y;
    for (std::size_t i = 0; i < n; ++i) y_huge(i) *= 1e150;
    try {
        E big = prototype;
        big.fit(x, t, y_huge);
        CHECK(std::isfinite(big.ate()));
    } catch (const cr::numeric_error&) {
    }
}

}  // namespace

TEST_CASE("hostile input: meta-learners and neural effect models handle empty, NaN, infinite and huge input",
          "[hostile][causal]") {
    namespace c = causalrec::causal;
    check_effect_estimator(c::s_learner<c::linear_regression>{}, "s_learner");
    check_effect_estimator(c::t_learner<c::linear_regression>{}, "t_learner");
    check_effect_estimator(c::x_learner<c::linear_regression>{}, "x_learner");
    check_effect_estimator(c::dr_learner<c::linear_regression>(c::linear_regression{}, c::linear_regression{},
                                                               c::logistic_regression{}, {.folds = 2, .seed = 1}),
                           "dr_learner");
    check_effect_estimator(c::tarnet<double>({.representation_layers = {4}, .head_layers = {}, .epochs = 2, .batch_size = 16}), "tarnet");
    check_effect_estimator(c::cfr<double>({.representation_layers = {4}, .head_layers = {}, .epochs = 2, .batch_size = 16}), "cfr");
    check_effect_estimator(c::dragonnet<double>({.representation_layers = {4}, .head_layers = {}, .epochs = 2, .batch_size = 16}), "dragonnet");
}

}  // namespace causalrec_test_hostile_input
