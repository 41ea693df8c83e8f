#include <causalrec/rec/rec.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <vector>

#include "catch.hpp"
#include "temp_files.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_rec {

namespace cr = causalrec;
namespace data = causalrec::data;
namespace rec = causalrec::rec;

namespace {

/// A random log: values 1..5, timestamps 0..99, some repeated (user, item) rows.
data::interactions random_log(std::size_t n_users, std::size_t n_items, std::size_t rows, std::uint64_t seed) {
    cr::rng g(seed);
    data::interaction_columns c{.n_users = n_users, .n_items = n_items};
    for (std::size_t r = 0; r < rows; ++r) {
        c.users.push_back(g.uniform_index(n_users));
        c.items.push_back(g.uniform_index(n_items));
        c.values.push_back(static_cast<double>(1 + g.uniform_index(5)));
        c.timestamps.push_back(static_cast<double>(g.uniform_index(100)));
    }
    return data::interactions(std::move(c));
}

/// Dense ratings with a presence mask, keeping the last value of repeated pairs (brute force).
struct dense {
    std::size_t rows = 0, cols = 0;
    std::vector<std::vector<double>> r;
    std::vector<std::vector<char>> has;
};

dense dense_by_user(const data::interactions& log) {
    dense d{log.n_users(), log.n_items(), {}, {}};
    d.r.assign(d.rows, std::vector<double>(d.cols, 0.0));
    d.has.assign(d.rows, std::vector<char>(d.cols, 0));
    for (std::size_t k = 0; k < log.size(); ++k) {
        d.r[log.users()[k]][log.items()[k]] = log.values()[k];
        d.has[log.users()[k]][log.items()[k]] = 1;
    }
    return d;
}

dense transpose(const dense& d) {
    dense t{d.cols, d.rows, {}, {}};
    t.r.assign(t.rows, std::vector<double>(t.cols, 0.0));
    t.has.assign(t.rows, std::vector<char>(t.cols, 0));
    for (std::size_t a = 0; a < d.rows; ++a)
        for (std::size_t b = 0; b < d.cols; ++b) {
            t.r[b][a] = d.r[a][b];
            t.has[b][a] = d.has[a][b];
        }
    return t;
}

/// Textbook similarity between rows a and b of `d` (the entities), following the documented
/// definitions, with the sums taken in ascending column order.
double similarity(const dense& d, std::size_t a, std::size_t b, const rec::knn_options& o) {
    double na = 0, nb = 0, sum_a = 0, sum_b = 0, sq_a = 0, sq_b = 0;
    for (std::size_t c = 0; c < d.cols; ++c) {
        if (d.has[a][c]) na += 1, sum_a += d.r[a][c], sq_a += d.r[a][c] * d.r[a][c];
        if (d.has[b][c]) nb += 1, sum_b += d.r[b][c], sq_b += d.r[b][c] * d.r[b][c];
    }
    const double mean_a = na > 0 ? sum_a / na : 0, mean_b = nb > 0 ? sum_b / nb : 0;
    double common = 0, dot = 0, va = 0, vb = 0, cdot = 0;
    for (std::size_t c = 0; c < d.cols; ++c) {
        if (!(d.has[a][c] && d.has[b][c])) continue;
        common += 1;
        dot += d.r[a][c] * d.r[b][c];
        const double x = d.r[a][c] - mean_a, y = d.r[b][c] - mean_b;
        cdot += x * y;
        va += x * x;
        vb += y * y;
    }
    if (common == 0) return 0;
    double s = 0;
    switch (o.measure) {
        case rec::similarity::cosine: s = dot / (std::sqrt(sq_a) * std::sqrt(sq_b)); break;
        case rec::similarity::jaccard: s = common / (na + nb - common); break;
        case rec::similarity::pearson: s = std::sqrt(va * vb) > 0 ? cdot / std::sqrt(va * vb) : 0; break;
    }
    if (o.shrinkage > 0) s *= common / (common + o.shrinkage);
    return s;
}

/// Brute-force top-N neighbour weights W[a][b] (0 when b is not among a's kept neighbours).
std::vector<std::vector<double>> brute_neighbours(const dense& d, const rec::knn_options& o) {
    std::vector<std::vector<double>> w(d.rows, std::vector<double>(d.rows, 0.0));
    for (std::size_t a = 0; a < d.rows; ++a) {
        std::vector<std::pair<double, std::size_t>> cand;
        for (std::size_t b = 0; b < d.rows; ++b) {
            if (b == a) continue;
            const double s = similarity(d, a, b, o);
            if (s != 0) cand.push_back({s, b});
        }
        std::sort(cand.begin(), cand.end(), [](auto x, auto y) { return x.first > y.first || (x.first == y.first && x.second < y.second); });
        if (o.neighbours > 0 && cand.size() > o.neighbours) cand.resize(o.neighbours);
        for (auto [s, b] : cand) w[a][b] = s;
    }
    return w;
}

std::vector<std::size_t> all_items(std::size_t n) {
    std::vector<std::size_t> v(n);
    std::iota(v.begin(), v.end(), std::size_t{0});
    return v;
}

/// Checks that `got` is the best-first top-k of `expected` among the allowed items.
void check_top_k(const std::vector<rec::scored_item>& got, const std::vector<double>& expected,
                 const std::vector<char>& allowed, std::size_t k) {
    std::vector<rec::scored_item> ref;
    for (std::size_t i = 0; i < expected.size(); ++i)
        if (allowed[i]) ref.push_back({i, expected[i]});
    std::sort(ref.begin(), ref.end(), [](auto x, auto y) { return x.score > y.score || (x.score == y.score && x.item < y.item); });
    if (ref.size() > k) ref.resize(k);
    REQUIRE(got.size() == ref.size());
    for (std::size_t j = 0; j < ref.size(); ++j) {
        CHECK(got[j].score == Approx(ref[j].score).margin(1e-12));
        // Items must agree except between scores tied up to rounding.
        if (j + 1 < ref.size() && std::abs(ref[j].score - ref[j + 1].score) > 1e-9 &&
            (j == 0 || std::abs(ref[j].score - ref[j - 1].score) > 1e-9))
            CHECK(got[j].item == ref[j].item);
    }
    for (std::size_t j = 1; j < got.size(); ++j)
        CHECK((got[j - 1].score > got[j].score || (got[j - 1].score == got[j].score && got[j - 1].item < got[j].item)));
}

}  // namespace

TEST_CASE("popularity: counts, sums and time decay equal brute force", "[rec]") {
    const auto log = random_log(12, 9, 80, 1);
    for (bool sum : {false, true}) {
        for (double half_life : {0.0, 25.0}) {
            rec::popularity model({.sum_values = sum, .half_life = half_life});
            model.fit(log);
            std::vector<double> expected(9, 0.0);
            const double t_last = *std::max_element(log.timestamps().begin(), log.timestamps().end());
            for (std::size_t r = 0; r < log.size(); ++r) {
                double w = sum ? log.values()[r] : 1.0;
                if (half_life > 0) w *= std::pow(0.5, (t_last - log.timestamps()[r]) / half_life);
                expected[log.items()[r]] += w;
            }
            const auto items = all_items(9);
            const auto got = model.score(3, items);
            for (std::size_t i = 0; i < 9; ++i) CHECK(got[i] == Approx(expected[i]).epsilon(1e-12));
            // Every user, also a new one (index 100), gets the same scores.
            CHECK(model.score(100, items) == got);
            const auto d = dense_by_user(log);
            for (std::size_t u : {0u, 5u, 11u}) {
                std::vector<char> allowed(9, 1);
                for (std::size_t i = 0; i < 9; ++i) allowed[i] = !d.has[u][i];
                check_top_k(model.recommend(u, 4, true), got, allowed, 4);
                check_top_k(model.recommend(u, 4, false), got, std::vector<char>(9, 1), 4);
            }
            CHECK(model.recommend(100, 20, true).size() == 9);
        }
    }
}

TEST_CASE("popularity: partial_fit on later batches equals a fit on all of them", "[rec][online]") {
    const auto log = random_log(12, 9, 120, 2);
    // The first 70 rows, then the rest in two batches; the later batches cover users and items the
    // first part may lack (the counts n_users / n_items stay those of the whole log).
    auto rows = [&](std::size_t from, std::size_t to) {
        std::vector<std::size_t> r;
        for (std::size_t j = from; j < to; ++j) r.push_back(j);
        return log.subset(r);
    };
    for (bool sum : {false, true}) {
        for (double half_life : {0.0, 25.0}) {
            rec::popularity whole({.sum_values = sum, .half_life = half_life}), online({.sum_values = sum, .half_life = half_life});
            whole.fit(log);
            online.partial_fit(rows(0, 70));  // fits when not fitted yet
            online.partial_fit(rows(70, 100));
            online.partial_fit(rows(100, 120));
            const auto items = all_items(9);
            const auto expected = whole.score(0, items), got = online.score(0, items);
            for (std::size_t i = 0; i < 9; ++i) CHECK(got[i] == Approx(expected[i]).epsilon(1e-12));
            for (std::size_t u = 0; u < 12; ++u) CHECK(online.recommend(u, 9, true) == whole.recommend(u, 9, true));
        }
    }
    rec::popularity model;
    model.fit(log);
    const auto smaller = random_log(5, 9, 20, 3);  // fewer users than the model
    CHECK_THROWS_AS(model.partial_fit(smaller), cr::argument_error);
}

TEST_CASE("knn update: recomputing the rows a batch can change equals a fit on the whole log", "[rec][online]") {
    // A sparse log: 80 users, 60 items, 160 rows; the last 4 rows are the batch.
    const auto whole_log = random_log(80, 60, 160, 5);
    auto first = [&](std::size_t to, bool own_counts) {
        data::interaction_columns c;
        if (!own_counts) c.n_users = 80, c.n_items = 60;
        for (std::size_t j = 0; j < to; ++j) {
            c.users.push_back(whole_log.users()[j]);
            c.items.push_back(whole_log.items()[j]);
            c.values.push_back(whole_log.values()[j]);
        }
        return data::interactions(std::move(c));
    };
    std::vector<std::size_t> tail = {156, 157, 158, 159};
    const auto batch = whole_log.subset(tail);
    auto same = [](const data::csr_matrix& a, const data::csr_matrix& b) {
        return a.cols == b.cols && a.row_ptr == b.row_ptr && a.indices == b.indices && a.values == b.values;
    };
    for (auto measure : {rec::similarity::cosine, rec::similarity::jaccard, rec::similarity::pearson}) {
        INFO("measure " << static_cast<int>(measure));
        for (bool own_counts : {false, true}) {  // own counts: the first part may lack some users and items
            const rec::knn_options o{.measure = measure, .shrinkage = 2.0, .neighbours = 5};
            rec::item_knn reference(o), online(o);
            rec::user_knn user_reference(o), user_online(o);
            reference.fit(whole_log);
            user_reference.fit(whole_log);
            const auto part = first(156, own_counts);
            online.fit(part);
            user_online.fit(part);
            online.update(whole_log, batch);
            user_online.update(whole_log, batch);
            CHECK(same(online.neighbours(), reference.neighbours()));
            CHECK(same(user_online.neighbours(), user_reference.neighbours()));
            CHECK(online.last_update_rows() < 60);  // not every item
            CHECK(online.last_update_rows() >= 1);
            for (std::size_t u = 0; u < 80; u += 7) {
                CHECK(online.recommend(u, 10, true) == reference.recommend(u, 10, true));
                CHECK(user_online.recommend(u, 10, true) == user_reference.recommend(u, 10, true));
            }
        }
    }
    rec::item_knn unfitted;
    unfitted.update(whole_log, batch);  // fits when not fitted yet
    rec::item_knn full;
    full.fit(whole_log);
    CHECK(same(unfitted.neighbours(), full.neighbours()));
    CHECK_THROWS_AS(full.update(random_log(10, 60, 20, 1), batch), cr::shape_error);  // fewer users than the model
    rec::item_knn small;
    small.fit(first(20, true));
    CHECK_THROWS_AS(small.update(first(30, true), whole_log), cr::argument_error);  // a batch with more users than the log
}

TEST_CASE("popularity: ties broken by the lower item index, errors", "[rec]") {
    rec::popularity model;
    const std::vector<std::size_t> item0{0};
    CHECK_THROWS_AS(model.score(0, item0), cr::not_fitted_error);
    CHECK_THROWS_AS(model.recommend(0, 3, true), cr::not_fitted_error);
    model.fit(data::interactions({0, 1, 2, 0}, {3, 1, 3, 1}, {}));
    const auto top = model.recommend(5, 4, true);
    REQUIRE(top.size() == 4);
    CHECK(top[0] == rec::scored_item{1, 2.0});
    CHECK(top[1] == rec::scored_item{3, 2.0});
    CHECK(top[2] == rec::scored_item{0, 0.0});
    CHECK(top[3] == rec::scored_item{2, 0.0});
    const std::vector<std::size_t> bad{1, 4};
    CHECK_THROWS_AS(model.score(0, bad), cr::argument_error);
    CHECK_THROWS_AS(rec::popularity({.half_life = -1.0}), cr::argument_error);
    rec::popularity decayed({.half_life = 10.0});
    CHECK_THROWS_AS(decayed.fit(data::interactions({0}, {0})), cr::argument_error);
}

TEST_CASE("item_knn: scores equal a brute-force neighbourhood for each similarity", "[rec]") {
    const auto log = random_log(30, 20, 160, 2);
    const auto d = dense_by_user(log);
    const auto by_item = transpose(d);
    for (auto measure : {rec::similarity::cosine, rec::similarity::jaccard, rec::similarity::pearson}) {
        for (double shrink : {0.0, 5.0}) {
            for (std::size_t n : {std::size_t{0}, std::size_t{4}}) {
                const rec::knn_options o{.measure = measure, .shrinkage = shrink, .neighbours = n};
                rec::item_knn model(o);
                model.fit(log);
                const auto w = brute_neighbours(by_item, o);
                const auto& got_w = model.neighbours();
                for (std::size_t i = 0; i < 20; ++i) {
                    std::vector<double> row(20, 0.0);
                    for (std::size_t q = 0; q < got_w.row_indices(i).size(); ++q)
                        row[got_w.row_indices(i)[q]] = got_w.row_values(i)[q];
                    for (std::size_t j = 0; j < 20; ++j) CHECK(row[j] == Approx(w[i][j]).margin(1e-12));
                }
                const auto items = all_items(20);
                for (std::size_t u = 0; u < 30; u += 3) {
                    std::vector<double> expected(20, 0.0);
                    std::vector<char> reached(20, 0);
                    for (std::size_t i = 0; i < 20; ++i)
                        if (d.has[u][i])
                            for (std::size_t j = 0; j < 20; ++j)
                                if (w[i][j] != 0) expected[j] += w[i][j], reached[j] = 1;
                    const auto got = model.score(u, items);
                    for (std::size_t j = 0; j < 20; ++j) CHECK(got[j] == Approx(expected[j]).margin(1e-12));
                    std::vector<char> allowed = reached;
                    for (std::size_t j = 0; j < 20; ++j) allowed[j] = reached[j] && !d.has[u][j];
                    const auto top = model.recommend(u, 5, true);
                    check_top_k(top, expected, allowed, 5);
                    for (const auto& s : top) CHECK_FALSE(d.has[u][s.item]);
                }
            }
        }
    }
}

TEST_CASE("user_knn: scores equal a brute-force neighbourhood for each similarity", "[rec]") {
    const auto log = random_log(25, 18, 150, 4);
    const auto d = dense_by_user(log);
    for (auto measure : {rec::similarity::cosine, rec::similarity::jaccard, rec::similarity::pearson}) {
        for (double shrink : {0.0, 3.0}) {
            for (std::size_t n : {std::size_t{0}, std::size_t{5}}) {
                const rec::knn_options o{.measure = measure, .shrinkage = shrink, .neighbours = n};
                rec::user_knn model(o);
                model.fit(log);
                const auto w = brute_neighbours(d, o);
                const auto items = all_items(18);
                for (std::size_t u = 0; u < 25; u += 2) {
                    std::vector<double> expected(18, 0.0);
                    std::vector<char> reached(18, 0);
                    for (std::size_t v = 0; v < 25; ++v)
                        if (w[u][v] != 0)
                            for (std::size_t j = 0; j < 18; ++j)
                                if (d.has[v][j]) expected[j] += w[u][v], reached[j] = 1;
                    const auto got = model.score(u, items);
                    for (std::size_t j = 0; j < 18; ++j) CHECK(got[j] == Approx(expected[j]).margin(1e-12));
                    std::vector<char> allowed(18, 0);
                    for (std::size_t j = 0; j < 18; ++j) allowed[j] = reached[j] && !d.has[u][j];
                    check_top_k(model.recommend(u, 6, true), expected, allowed, 6);
                    check_top_k(model.recommend(u, 6, false), expected, reached, 6);
                }
            }
        }
    }
}

TEST_CASE("knn: duplicate policy, new users, errors, deterministic ties", "[rec]") {
    // Items 1 and 2 are each seen with item 0 by one user: equal similarities, tie -> lower index.
    const data::interactions log({0, 0, 1, 1, 2}, {0, 1, 0, 2, 0});
    rec::item_knn model({.measure = rec::similarity::jaccard});
    const std::vector<std::size_t> item0{0};
    CHECK_THROWS_AS(model.score(0, item0), cr::not_fitted_error);
    CHECK_THROWS_AS(model.recommend(0, 1, true), cr::not_fitted_error);
    model.fit(log);
    const auto top = model.recommend(2, 2, true);
    REQUIRE(top.size() == 2);
    CHECK(top[0].item == 1);
    CHECK(top[1].item == 2);
    CHECK(top[0].score == top[1].score);
    // A user beyond the training range has no history: zero scores, empty list.
    const auto all = all_items(3);
    CHECK(model.score(9, all) == std::vector<double>{0, 0, 0});
    CHECK(model.recommend(9, 3, true).empty());
    const std::vector<std::size_t> bad{3};
    CHECK_THROWS_AS(model.score(0, bad), cr::argument_error);
    CHECK_THROWS_AS(rec::item_knn({.shrinkage = -1.0}), cr::argument_error);

    // Repeated (user, item) rows follow the log's duplicate policy: (0, 0) is rated 1 then 3.
    for (auto policy : {data::duplicate_policy::keep_last, data::duplicate_policy::sum}) {
        const data::interactions dup(data::interaction_columns{.users = {0, 0, 0, 1, 1}, .items = {0, 0, 1, 0, 1},
                                                               .values = {1, 3, 2, 1, 1}, .duplicates = policy});
        rec::item_knn cosine({.measure = rec::similarity::cosine});
        cosine.fit(dup);
        const double r00 = policy == data::duplicate_policy::sum ? 4.0 : 3.0;
        const double expected = (r00 * 2.0 + 1.0) / (std::sqrt(r00 * r00 + 1.0) * std::sqrt(5.0));
        REQUIRE(cosine.neighbours().row_values(0).size() == 1);
        CHECK(cosine.neighbours().row_values(0)[0] == Approx(expected).epsilon(1e-14));
    }

    rec::user_knn users({.measure = rec::similarity::cosine});
    CHECK_THROWS_AS(users.recommend(0, 1, true), cr::not_fitted_error);
    users.fit(log);
    CHECK(users.recommend(7, 3, true).empty());
    CHECK_THROWS_AS(users.score(0, bad), cr::argument_error);
}

TEST_CASE("recommend_many: equals recommend per user, independent of the thread count", "[rec]") {
    const auto log = random_log(40, 30, 300, 8);
    rec::item_knn model({.measure = rec::similarity::cosine, .shrinkage = 2.0, .neighbours = 10});
    model.fit(log);
    std::vector<std::size_t> users(45);
    std::iota(users.begin(), users.end(), std::size_t{0});  // includes 5 new users
    const int saved = cr::num_threads();
    cr::set_num_threads(1);
    const auto one = rec::recommend_many(model, users, 7);
    cr::set_num_threads(3);
    const auto three = rec::recommend_many(model, users, 7);
    rec::item_knn again({.measure = rec::similarity::cosine, .shrinkage = 2.0, .neighbours = 10});
    again.fit(log);  // fit with 3 threads gives the same neighbours
    const auto refit = rec::recommend_many(again, users, 7);
    cr::set_num_threads(saved);
    CHECK(one == three);
    CHECK(one == refit);
    for (std::size_t u = 0; u < users.size(); ++u) CHECK(one[u] == model.recommend(u, 7, true));
    rec::popularity pop;
    pop.fit(log);
    const auto p = rec::recommend_many(pop, users, 3, false);
    CHECK(p[0] == p[44]);
}

TEST_CASE("evaluate_recommender: items a k-NN model cannot reach earn no hit by their index", "[rec][evaluate]") {
    // Users 0 and 1 have training rows (items 1-3; items 4 and 5 nobody has); user 2 has none and one
    // test item, item 0, which no neighbourhood reaches either. Every unreached item scores 0, so by
    // index item 0 would lead them (the old default: HR@1 = 1 for user 2, HR@2 = 1 for user 0) although
    // recommend() serves it to neither. Ties now rank relevant items last.
    const data::interactions train(data::interaction_columns{.users = {0, 0, 1, 1}, .items = {1, 2, 2, 3}, .n_users = 3, .n_items = 6});
    rec::item_knn knn;
    knn.fit(train);
    REQUIRE(knn.recommend(2, 1, true).empty());
    const data::interactions cold(data::interaction_columns{.users = {2}, .items = {0}, .n_users = 3, .n_items = 6});
    const auto e = rec::evaluate_recommender(knn, train, cold, {.k = 1});
    CHECK(e.ranking.users_evaluated == 1);
    CHECK(e.ranking.mean.hit_rate == 0.0);
    CHECK(e.ranking.mean.ndcg == 0.0);
    CHECK(e.ranking.top_k(0, 0) != 0);
    CHECK(rec::evaluate_recommender(knn, train, cold, {.k = 1, .ties = cr::metrics::tie_break::index_ascending}).ranking.mean.hit_rate == 1.0);
    const data::interactions warm(data::interaction_columns{.users = {0}, .items = {0}, .n_users = 3, .n_items = 6});
    const auto served = knn.recommend(0, 2, true);
    REQUIRE(served.size() == 1);
    CHECK(served[0].item == 3);
    CHECK(rec::evaluate_recommender(knn, train, warm, {.k = 2}).ranking.mean.hit_rate == 0.0);
    // A relevant item the model does rank is found as before.
    const data::interactions reached(data::interaction_columns{.users = {0}, .items = {3}, .n_users = 3, .n_items = 6});
    CHECK(rec::evaluate_recommender(knn, train, reached, {.k = 1}).ranking.mean.hit_rate == 1.0);
}

TEST_CASE("partial_fit and update refuse a batch whose id maps do not extend the model's", "[rec][online]") {
    const auto first = data::read_interactions_text("user,item\nu1,i1\nu2,i2\nu1,i2\n", {});
    // Read on its own, this batch numbers zz and qq 0 and 1: by index they would land on u1 and i1.
    const auto other = data::read_interactions_text("user,item\nzz,qq\nu2,i1\n", {});
    rec::popularity pop;
    pop.fit(first);
    CHECK_THROWS_WITH(pop.partial_fit(other), Catch::Contains("popularity::partial_fit: user 0 is 'zz' in the log but 'u1' in the model"));
    CHECK_THROWS_AS(pop.partial_fit(data::interactions({0, 1}, {0, 1})), cr::argument_error);  // bare indices, no ids
    // Read with the model's maps (new ids would come through data::interaction_stream), rows are taken in.
    const auto known = data::read_interactions_text("user,item\nu2,i1\nu1,i1\n", first.user_ids(), first.item_ids(), {});
    pop.partial_fit(known);
    CHECK(pop.score(0, std::vector<std::size_t>{0, 1}) == std::vector<double>{3, 2});  // i1: u1, u2, u1; i2: u2, u1
    // ALS and k-NN: the whole log in another order of first appearance.
    const auto reordered = data::read_interactions_text("user,item\nu2,i2\nu1,i1\nu1,i2\n", {});
    rec::als als({.factors = 2, .epochs = 2});
    als.fit(first);
    CHECK_THROWS_WITH(als.update(reordered, reordered), Catch::Contains("als::update: user 0 is 'u2' in the log but 'u1' in the model"));
    CHECK_THROWS_AS(als.partial_fit(reordered, 1), cr::argument_error);
    rec::item_knn knn;
    knn.fit(first);
    CHECK_THROWS_AS(knn.update(reordered, reordered), cr::argument_error);
    CHECK_NOTHROW(knn.update(first, first));
    rec::matrix_factorization mf({.factors = 2, .epochs = 1});
    mf.fit(first);
    CHECK_THROWS_AS(mf.partial_fit(reordered, 1), cr::argument_error);
}

TEST_CASE("popularity and knn: save and load keep scores and id maps, wrong files are rejected", "[rec]") {
    const char* text = "user,item,rating,ts\nann,a,5,1\nann,b,3,2\nbob,b,4,3\nbob,c,2,4\ncat,a,1,5\ncat,c,5,6\ndan,d,4,7\n";
    const auto log = data::read_interactions_text(text, {.value = "rating", .timestamp = "ts"});
    const auto path = causalrec_test::temp_path("rec_models.safetensors");
    const std::vector<std::size_t> all{0, 1, 2, 3};

    rec::popularity pop({.sum_values = true, .half_life = 3.0});
    pop.fit(log);
    rec::save_recommender(pop, path);
    const auto pop2 = rec::load_recommender<rec::popularity>(path);
    REQUIRE(pop2.item_scores() == pop.item_scores());
    REQUIRE(pop2.user_ids() == log.user_ids());
    REQUIRE(pop2.item_ids() == log.item_ids());
    for (std::size_t u = 0; u < 4; ++u) REQUIRE((pop2.recommend(u, 3) == pop.recommend(u, 3)));
    REQUIRE_THROWS_AS(rec::load_recommender<rec::item_knn>(path), cr::format_error);

    rec::item_knn items({.measure = rec::similarity::pearson, .shrinkage = 2.0, .neighbours = 2});
    items.fit(log);
    rec::save_recommender(items, path);
    const auto items2 = rec::load_recommender<rec::item_knn>(path);
    REQUIRE(items2.neighbours().values == items.neighbours().values);
    REQUIRE(items2.neighbours().indices == items.neighbours().indices);
    for (std::size_t u = 0; u < 4; ++u) REQUIRE((items2.score(u, all) == items.score(u, all)));
    REQUIRE_THROWS_AS(rec::load_recommender<rec::user_knn>(path), cr::format_error);

    rec::user_knn users({.measure = rec::similarity::jaccard});
    users.fit(log);
    rec::save_recommender(users, path);
    const auto users2 = rec::load_recommender<rec::user_knn>(path);
    for (std::size_t u = 0; u < 4; ++u) REQUIRE((users2.recommend(u, 4) == users.recommend(u, 4)));
    REQUIRE(users2.covers(0));
    REQUIRE_FALSE(users2.covers(4));

    // A truncated file and a file whose seen lists point outside the catalogue are format errors.
    auto file = users.to_file();
    file.metadata["n_items"] = "2";
    REQUIRE_THROWS_AS(rec::user_knn::from_file(std::move(file)), cr::format_error);
    auto other = users.to_file();
    other.metadata["format"] = "something-else";
    REQUIRE_THROWS_AS(rec::user_knn::from_file(std::move(other)), cr::format_error);
}

TEST_CASE("rec: error messages start with causalrec::rec::<function>", "[rec][messages]") {
    CHECK_THROWS_WITH(rec::popularity({.half_life = -1.0}), Catch::Matchers::StartsWith("causalrec::rec::popularity: "));
}

TEST_CASE("top_items and top_k: the k best per row, best first, ties to the lower index, exclusions", "[rec][top_k]") {
    auto scores = cr::make_matrix<float>(2, 6);
    const float v[] = {0.5f, 2.0f, -1.0f, 2.0f, 0.7f, 3.0f, /* row 1 */ 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
    std::copy(std::begin(v), std::end(v), scores.data());
    const auto top = rec::top_items(scores, 3);
    REQUIRE(top.shape()[1] == 3);
    CHECK(std::vector<std::size_t>(top.data(), top.data() + 3) == std::vector<std::size_t>{5, 1, 3});  // 3.0, then the tie 2.0 by index
    CHECK(std::vector<std::size_t>(top.data() + 3, top.data() + 6) == std::vector<std::size_t>{0, 1, 2});  // all tied
    CHECK(rec::top_items(scores, 10).shape()[1] == 6);  // k beyond the catalogue: every item
    CHECK(rec::top_items(scores, 0).shape()[1] == 0);
    // top_k with exclusions (ascending) and a reachability mask; the result equals a full sort's prefix.
    cr::rng engine(5);
    std::vector<double> s(200);
    for (auto& x : s) x = std::floor(engine.normal() * 4.0) / 4.0;  // many ties
    const std::vector<std::size_t> excluded{3, 17, 18, 150};
    std::vector<char> reached(200, 1);
    for (std::size_t i = 0; i < 200; i += 7) reached[i] = 0;
    const auto got = rec::detail::top_k(s, 15, excluded, reached);
    std::vector<rec::scored_item> all;
    for (std::size_t i = 0; i < 200; ++i)
        if (reached[i] && std::find(excluded.begin(), excluded.end(), i) == excluded.end()) all.push_back({i, s[i]});
    std::sort(all.begin(), all.end(), rec::detail::better);
    all.resize(15);
    CHECK(got == all);
}

}  // namespace causalrec_test_rec
