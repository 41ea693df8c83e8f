#include <causalrec/optim/optim.hpp>
#include <causalrec/rec/rec.hpp>
#include <causalrec/train/callbacks.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <set>
#include <vector>

#include "catch.hpp"
#include "temp_files.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_rec_models {

namespace cr = causalrec;
namespace data = causalrec::data;
namespace rec = causalrec::rec;
using Catch::Approx;

namespace {

std::vector<std::size_t> all_items(std::size_t n) {
    std::vector<std::size_t> v(n);
    std::iota(v.begin(), v.end(), std::size_t{0});
    return v;
}

/// The word counts of the TF-IDF reference (5 items x 6 terms; item 4 has no words).
const std::vector<std::vector<double>> counts = {{3, 0, 1, 0, 0, 2},
                                                 {0, 2, 0, 0, 1, 0},
                                                 {1, 1, 1, 0, 0, 0},
                                                 {0, 0, 1, 4, 0, 1},
                                                 {0, 0, 0, 0, 0, 0}};

data::csr_matrix to_csr(const std::vector<std::vector<double>>& rows) {
    data::csr_matrix m;
    m.cols = rows.empty() ? 0 : rows[0].size();
    for (const auto& r : rows) {
        for (std::size_t c = 0; c < r.size(); ++c)
            if (r[c] != 0) {
                m.indices.push_back(c);
                m.values.push_back(r[c]);
            }
        m.row_ptr.push_back(m.indices.size());
    }
    return m;
}

cr::matrix<double> to_dense(const std::vector<std::vector<double>>& rows) {
    auto m = cr::make_matrix<double>(rows.size(), rows[0].size());
    for (std::size_t r = 0; r < rows.size(); ++r)
        for (std::size_t c = 0; c < rows[r].size(); ++c) m(r, c) = rows[r][c];
    return m;
}

std::vector<std::vector<double>> densify(const data::csr_matrix& m) {
    std::vector<std::vector<double>> out(m.rows(), std::vector<double>(m.cols, 0.0));
    for (std::size_t r = 0; r < m.rows(); ++r)
        for (std::size_t k = 0; k < m.row_indices(r).size(); ++k) out[r][m.row_indices(r)[k]] = m.row_values(r)[k];
    return out;
}

/// A random log with values 1..5 and some repeated (user, item) rows.
data::interactions random_log(std::size_t n_users, std::size_t n_items, std::size_t rows, std::uint64_t seed) {
    cr::rng g(seed);
    data::interaction_columns c{.n_users = n_users, .n_items = n_items};
    for (std::size_t r = 0; r < rows; ++r) {
        c.users.push_back(g.uniform_index(n_users));
        c.items.push_back(g.uniform_index(n_items));
        c.values.push_back(static_cast<double>(1 + g.uniform_index(5)));
    }
    return data::interactions(std::move(c));
}

/// Textbook content-based scores: unit item vectors, profile = (weighted) mean over the user's
/// distinct items (last value of repeated pairs), cosine.
std::vector<std::vector<double>> brute_content_scores(const std::vector<std::vector<double>>& features, const data::interactions& log,
                                                      bool weighted) {
    const std::size_t ni = features.size(), d = features[0].size();
    std::vector<std::vector<double>> unit = features;
    for (auto& r : unit) {
        double n = 0;
        for (double v : r) n += v * v;
        if (n > 0)
            for (double& v : r) v /= std::sqrt(n);
    }
    std::vector<std::vector<double>> value(log.n_users(), std::vector<double>(ni, 0.0));
    std::vector<std::vector<char>> has(log.n_users(), std::vector<char>(ni, 0));
    for (std::size_t r = 0; r < log.size(); ++r) {
        value[log.users()[r]][log.items()[r]] = log.values()[r];
        has[log.users()[r]][log.items()[r]] = 1;
    }
    std::vector<std::vector<double>> scores(log.n_users(), std::vector<double>(ni, 0.0));
    for (std::size_t u = 0; u < log.n_users(); ++u) {
        std::vector<double> p(d, 0.0);
        double total = 0;
        for (std::size_t i = 0; i < ni; ++i) {
            if (!has[u][i]) continue;
            const double w = weighted ? value[u][i] : 1.0;
            for (std::size_t t = 0; t < d; ++t) p[t] += w * unit[i][t];
            total += w;
        }
        double pn = 0;
        for (double& v : p) {
            v /= total > 0 ? total : 1;
            pn += v * v;
        }
        for (std::size_t j = 0; j < ni; ++j) {
            double dot = 0, xn = 0;
            for (std::size_t t = 0; t < d; ++t) dot += p[t] * unit[j][t], xn += unit[j][t] * unit[j][t];
            scores[u][j] = pn > 0 && xn > 0 ? dot / std::sqrt(pn * xn) : 0.0;
        }
    }
    return scores;
}

/// Mean per-user ROC-AUC of held-out items against the items the user never interacted with.
template <class Model>
double mean_auc(const Model& model, const data::interactions& train, const data::interactions& test) {
    const std::size_t ni = train.n_items();
    std::vector<std::set<std::size_t>> tr(train.n_users()), te(train.n_users());
    for (std::size_t r = 0; r < train.size(); ++r) tr[train.users()[r]].insert(train.items()[r]);
    for (std::size_t r = 0; r < test.size(); ++r) te[test.users()[r]].insert(test.items()[r]);
    const auto items = all_items(ni);
    double sum = 0;
    std::size_t users = 0;
    for (std::size_t u = 0; u < train.n_users(); ++u) {
        if (te[u].empty()) continue;
        const auto s = model.score(u, items);
        double wins = 0, pairs = 0;
        for (std::size_t i : te[u])
            for (std::size_t j = 0; j < ni; ++j) {
                if (tr[u].count(j) || te[u].count(j)) continue;
                wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
                pairs += 1;
            }
        sum += wins / pairs;
        ++users;
    }
    return sum / static_cast<double>(users);
}

/// Two user groups (even and odd users), each preferring one of two item clusters (95% of a
/// user's picks), with a Zipf-like popularity (k^-0.5) inside each cluster.
data::interactions planted_log(std::size_t n_users, std::size_t n_items, std::size_t per_user, std::uint64_t seed) {
    cr::rng g(seed);
    const std::size_t half = n_items / 2;
    std::vector<double> weight(half);
    for (std::size_t k = 0; k < half; ++k) weight[k] = 1.0 / std::pow(1.0 + static_cast<double>(k), 0.5);
    const double total = std::accumulate(weight.begin(), weight.end(), 0.0);
    data::interaction_columns c{.n_users = n_users, .n_items = n_items};
    for (std::size_t u = 0; u < n_users; ++u) {
        std::set<std::size_t> chosen;
        while (chosen.size() < per_user) {
            const std::size_t group = u % 2;
            const std::size_t cluster = g.uniform() < 0.95 ? group : 1 - group;
            double x = g.uniform() * total;
            std::size_t k = 0;
            while (k + 1 < half && x >= weight[k]) x -= weight[k++];
            chosen.insert(cluster * half + k);
        }
        for (std::size_t i : chosen) {
            c.users.push_back(u);
            c.items.push_back(i);
        }
    }
    return data::interactions(std::move(c));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// content_based

TEST_CASE("content_based: TF-IDF item vectors equal scikit-learn", "[rec][content]") {
    // scikit-learn 1.2.1, TfidfTransformer() defaults (norm='l2', smooth_idf=True, sublinear_tf=False)
    // fitted on `counts`: idf_ and transform(counts).toarray().
    const std::vector<double> sk_idf = {1.6931471805599454, 1.6931471805599454, 1.4054651081081644,
                                        2.0986122886681096, 2.0986122886681096, 1.6931471805599454};
    const std::vector<std::vector<double>> sk_tfidf = {{0.8108389459860301, 0.0, 0.22435652374920012, 0.0, 0.0, 0.5405592973240201},
                                                       {0.0, 0.8500027502658362, 0.0, 0.0, 0.5267782498741899, 0.0},
                                                       {0.6098184563533858, 0.6098184563533858, 0.5062044059286201, 0.0, 0.0, 0.0},
                                                       {0.0, 0.0, 0.1619560002631533, 0.9673177951270256, 0.0, 0.1951064765950918},
                                                       {0.0, 0.0, 0.0, 0.0, 0.0, 0.0}};
    // scikit-learn 1.2.1, TfidfTransformer(sublinear_tf=True) on `counts`.
    const std::vector<std::vector<double>> sk_sublinear = {{0.7438347648219907, 0.0, 0.294218256263978, 0.0, 0.0, 0.60012120469385},
                                                           {0.0, 0.8068972074523719, 0.0, 0.0, 0.5906918795832256, 0.0},
                                                           {0.6098184563533858, 0.6098184563533858, 0.5062044059286201, 0.0, 0.0, 0.0},
                                                           {0.0, 0.0, 0.2569392790420352, 0.9155175194582765, 0.0, 0.3095317083116422},
                                                           {0.0, 0.0, 0.0, 0.0, 0.0, 0.0}};
    auto check = [](const std::vector<std::vector<double>>& got, const std::vector<std::vector<double>>& want) {
        REQUIRE(got.size() == want.size());
        for (std::size_t r = 0; r < want.size(); ++r)
            for (std::size_t c = 0; c < want[r].size(); ++c) CHECK(got[r][c] == Approx(want[r][c]).margin(1e-14));
    };
    rec::content_based sparse(to_csr(counts), {.tfidf = true});
    REQUIRE(sparse.idf().size() == 6);
    for (std::size_t t = 0; t < 6; ++t) CHECK(sparse.idf()[t] == Approx(sk_idf[t]).margin(1e-14));
    check(densify(sparse.item_vectors()), sk_tfidf);
    rec::content_based dense(to_dense(counts), {.tfidf = true});
    CHECK(densify(dense.item_vectors()) == densify(sparse.item_vectors()));
    check(densify(rec::content_based(to_csr(counts), {.tfidf = true, .sublinear_tf = true}).item_vectors()), sk_sublinear);
    // Without tfidf the vectors are only L2-normalised.
    const auto plain = densify(rec::content_based(to_csr(counts)).item_vectors());
    CHECK(plain[1][1] == Approx(2 / std::sqrt(5.0)).margin(1e-15));
    CHECK(plain[3][3] == Approx(4 / std::sqrt(18.0)).margin(1e-15));
    CHECK(rec::content_based(to_csr(counts)).idf().empty());
}

TEST_CASE("content_based: weighted profile and cosine scores equal scikit-learn", "[rec][content]") {
    // User 0 consumed item 0 (value 1) and item 2 (value 3); user 1 has no items.
    const data::interactions log(data::interaction_columns{.users = {0, 0}, .items = {0, 2}, .values = {1, 3}, .n_users = 2, .n_items = 5});
    rec::content_based model(to_csr(counts), {.tfidf = true, .weight_by_value = true});
    model.fit(log);
    // scikit-learn 1.2.1: p = (T[0] * 1 + T[2] * 3) / 4 with T = TfidfTransformer().fit_transform(counts);
    // cosine_similarity(p, T) and cosine_similarity(p, transform([[0, 1, 0, 2, 0, 0]])).
    const std::vector<double> sk_cosine = {0.7644391554284911, 0.4209246112473428, 0.9766363603006794, 0.10495789866184048, 0.0};
    const auto s = model.score(0, all_items(5));
    for (std::size_t j = 0; j < 5; ++j) CHECK(s[j] == Approx(sk_cosine[j]).margin(1e-14));
    const std::vector<double> new_item = {0, 1, 0, 2, 0, 0};
    CHECK(model.score_new_item(0, new_item) == Approx(0.1852581134121152).margin(1e-14));
    // The profile itself: the weighted mean of the two TF-IDF rows.
    const auto p = densify(model.profiles());
    const auto t = densify(model.item_vectors());
    for (std::size_t c = 0; c < 6; ++c) CHECK(p[0][c] == Approx((t[0][c] + 3 * t[2][c]) / 4).margin(1e-15));
    // recommend: best first without the seen items 0 and 2.
    const auto top = model.recommend(0, 5, true);
    REQUIRE(top.size() == 3);
    CHECK(top[0].item == 1);
    CHECK(top[1].item == 3);
    CHECK(top[2].item == 4);
    CHECK(top[2].score == 0.0);
    CHECK(model.recommend(0, 1, false)[0].item == 2);
}

TEST_CASE("content_based: scores equal a brute-force profile and cosine", "[rec][content]") {
    cr::rng g(3);
    const std::size_t ni = 17, d = 5;
    std::vector<std::vector<double>> features(ni, std::vector<double>(d));
    for (auto& r : features)
        for (double& v : r) v = g.uniform() < 0.3 ? 0.0 : g.normal();  // signed, some zeros
    features[4].assign(d, 0.0);                                       // an item without features
    const auto log = random_log(9, ni, 60, 5);
    for (bool weighted : {false, true}) {
        rec::content_based model(to_dense(features), {.weight_by_value = weighted});
        model.fit(log);
        const auto expected = brute_content_scores(features, log, weighted);
        for (std::size_t u = 0; u < log.n_users(); ++u) {
            const auto s = model.score(u, all_items(ni));
            for (std::size_t j = 0; j < ni; ++j) CHECK(s[j] == Approx(expected[u][j]).margin(1e-12));
            // recommend = brute-force top 6 of the unseen items.
            std::vector<rec::scored_item> ref;
            const auto seen = log.by_user().row_indices(u);
            for (std::size_t j = 0; j < ni; ++j)
                if (!std::binary_search(seen.begin(), seen.end(), j)) ref.push_back({j, expected[u][j]});
            std::stable_sort(ref.begin(), ref.end(), [](auto a, auto b) { return a.score > b.score; });
            const auto top = model.recommend(u, 6, true);
            REQUIRE(top.size() == std::min<std::size_t>(6, ref.size()));
            for (std::size_t k = 0; k < top.size(); ++k) CHECK(top[k].score == Approx(ref[k].score).margin(1e-12));
            // An item's own features scored as a new item give its score.
            for (std::size_t j : {std::size_t{0}, std::size_t{7}})
                CHECK(model.score_new_item(u, features[j]) == Approx(s[j]).margin(1e-12));
        }
    }
}

TEST_CASE("content_based: cold-start users and items", "[rec][content]") {
    const data::interactions log(data::interaction_columns{.users = {0, 0, 1, 2}, .items = {0, 1, 3, 2}, .n_users = 4, .n_items = 5});
    rec::content_based model(to_csr(counts), {.tfidf = true});
    model.fit(log);
    // User 3 has no training items, user 9 is beyond the training range.
    for (std::size_t u : {std::size_t{3}, std::size_t{9}}) {
        CHECK_FALSE(model.covers(u));
        CHECK(model.score(u, all_items(5)) == std::vector<double>(5, 0.0));
        CHECK(model.recommend(u, 3, true).empty());
        CHECK(model.score_new_item(u, counts[0]) == 0.0);
    }
    CHECK(model.covers(0));
    CHECK(model.covers(2));
    // A new user who consumed items 0 and 1 gets user 0's recommendations (no refit).
    const std::vector<std::size_t> given = {1, 0};
    CHECK(model.recommend_from_items(given, {}, 5) == model.recommend(0, 5, true));
    CHECK(model.recommend_from_items({}, {}, 5).empty());
    // A new item given sparsely (repeated indices add up) or densely scores the same.
    const std::vector<std::size_t> terms = {3, 1, 3};
    const std::vector<double> values = {1, 1, 1};
    const std::vector<double> dense = {0, 1, 0, 2, 0, 0};
    CHECK(model.score_new_item(1, terms, values) == Approx(model.score_new_item(1, dense)).margin(1e-15));
    CHECK(model.score_new_item(1, dense) > 0.85);  // user 1 consumed item 3, mostly term 3
    // Weights matter only with weight_by_value.
    rec::content_based weighted(to_csr(counts), {.tfidf = true, .weight_by_value = true});
    weighted.fit(log);
    const std::vector<double> w = {5, 1};
    CHECK(weighted.recommend_from_items(given, w, 5) != weighted.recommend_from_items(given, {}, 5));
}

TEST_CASE("content_based: errors name the model and the fault", "[rec][content]") {
    const data::interactions log(data::interaction_columns{.users = {0, 1}, .items = {0, 3}, .values = {2, -1}, .n_items = 5});
    rec::content_based model(to_csr(counts));
    const std::vector<std::size_t> items = {0, 1};
    CHECK_THROWS_AS(model.score(0, items), cr::not_fitted_error);
    CHECK_THROWS_AS(model.recommend(0, 2, true), cr::not_fitted_error);
    CHECK_THROWS_AS(model.recommend_from_items(items, {}, 2), cr::not_fitted_error);
    CHECK_THROWS_AS(model.to_file(), cr::not_fitted_error);
    const data::interactions wrong(data::interaction_columns{.users = {0}, .items = {0}, .n_items = 4});
    CHECK_THROWS_AS(model.fit(wrong), cr::shape_error);
    CHECK_THROWS_WITH(model.fit(wrong), Catch::Contains("content_based") && Catch::Contains("4 items"));
    model.fit(log);
    const std::vector<std::size_t> bad = {0, 5};
    CHECK_THROWS_AS(model.score(0, bad), cr::argument_error);
    CHECK_THROWS_AS(model.recommend_from_items(bad, {}, 2), cr::argument_error);
    CHECK_THROWS_AS(model.recommend_from_items(items, std::vector<double>{1}, 2), cr::shape_error);
    CHECK_THROWS_AS(model.score_new_item(0, std::vector<double>{1, 2}), cr::shape_error);
    const std::vector<std::size_t> terms = {6};
    const std::vector<double> one = {1};
    CHECK_THROWS_AS(model.score_new_item(0, terms, one), cr::argument_error);
    // Negative values cannot weight a profile.
    rec::content_based weighted(to_csr(counts), {.weight_by_value = true});
    CHECK_THROWS_WITH(weighted.fit(log), Catch::Contains("weight_by_value") && Catch::Contains("-1"));
    // Bad options and features.
    CHECK_THROWS_WITH(rec::content_based(to_csr(counts), {.sublinear_tf = true}), Catch::Contains("content_based: sublinear_tf"));
    auto nan = counts;
    nan[2][1] = std::nan("");
    CHECK_THROWS_AS(rec::content_based(to_dense(nan)), cr::argument_error);
    auto negative = counts;
    negative[1][4] = -1;
    CHECK_NOTHROW(rec::content_based(to_dense(negative)));
    CHECK_THROWS_WITH(rec::content_based(to_dense(negative), {.tfidf = true}), Catch::Contains("feature (1, 4)") && Catch::Contains("-1"));
    auto broken = to_csr(counts);
    broken.indices[0] = 9;
    CHECK_THROWS_AS(rec::content_based(broken), cr::shape_error);
    broken = to_csr(counts);
    std::swap(broken.indices[0], broken.indices[1]);
    CHECK_THROWS_AS(rec::content_based(broken), cr::shape_error);
    broken = to_csr(counts);
    broken.row_ptr[1] = 100;
    CHECK_THROWS_WITH(rec::content_based(broken), Catch::Contains("row_ptr decreases at row 1"));
    CHECK_THROWS_AS(rec::content_based(cr::make_matrix<double>(3, 0)), cr::shape_error);
}

TEST_CASE("content_based: profiles do not depend on the thread count", "[rec][content]") {
    cr::rng g(11);
    std::vector<std::vector<double>> features(40, std::vector<double>(8));
    for (auto& r : features)
        for (double& v : r) v = static_cast<double>(g.uniform_index(3));
    const auto log = random_log(50, 40, 400, 12);
    const int saved = cr::num_threads();
    cr::set_num_threads(1);
    rec::content_based one(to_dense(features), {.tfidf = true, .weight_by_value = true});
    one.fit(log);
    cr::set_num_threads(3);
    rec::content_based three(to_dense(features), {.tfidf = true, .weight_by_value = true});
    three.fit(log);
    const auto users = all_items(50);
    const auto lists = rec::recommend_many(three, users, 5);
    cr::set_num_threads(saved);
    CHECK(one.profiles().values == three.profiles().values);
    CHECK(one.profiles().indices == three.profiles().indices);
    for (std::size_t u = 0; u < 50; ++u) {
        CHECK(one.score(u, all_items(40)) == three.score(u, all_items(40)));
        CHECK(lists[u] == one.recommend(u, 5, true));
    }
}

// ---------------------------------------------------------------------------------------------
// bpr

TEST_CASE("bpr: scores equal the dot product of the exposed factors", "[rec][bpr]") {
    const auto log = random_log(20, 15, 120, 21);
    for (bool bias : {true, false}) {
        rec::bpr model({.factors = 6, .epochs = 5, .item_bias = bias, .seed = 4});
        model.fit(log);
        const auto& p = model.user_factors();
        const auto& q = model.item_factors();
        const auto& b = model.item_bias();
        REQUIRE(p.size() == 20 * 6);
        REQUIRE(q.size() == 15 * 6);
        REQUIRE(b.size() == 15);
        if (!bias) CHECK(std::all_of(b.begin(), b.end(), [](float x) { return x == 0.0f; }));
        for (std::size_t u = 0; u < 20; ++u) {
            const auto s = model.score(u, all_items(15));
            std::vector<double> ref(15);
            for (std::size_t i = 0; i < 15; ++i) {
                // rec::factor_model's order: the bias, then the products, in double.
                double score = double(b[i]);
                for (std::size_t k = 0; k < 6; ++k) score += double(p[u * 6 + k]) * double(q[i * 6 + k]);
                ref[i] = score;
                CHECK(s[i] == ref[i]);
            }
            const auto top = model.recommend(u, 15, false);
            REQUIRE(top.size() == 15);
            for (std::size_t k = 0; k < 15; ++k) CHECK(top[k].score == ref[top[k].item]);
            for (std::size_t k = 1; k < 15; ++k) CHECK(top[k - 1].score >= top[k].score);
        }
    }
}

TEST_CASE("bpr: one SGD step replays by hand and follows the BPR-Opt gradient", "[rec][bpr]") {
    // One user, two items, one positive (item 0): one epoch is exactly one triple (0, 0, 1).
    const data::interactions log(data::interaction_columns{.users = {0}, .items = {0}, .n_items = 2});
    const rec::bpr_options o{.factors = 4, .epochs = 0, .learning_rate = 0.05, .l2 = 0.1,
                             .bias_l2 = 0.2, .init_std = 0.5, .seed = 8};
    rec::bpr before(o);
    before.fit(log);
    auto o1 = o;
    o1.epochs = 1;
    rec::bpr after(o1);
    after.fit(log);
    // theta = (p_0, q_0, q_1, b_0, b_1) in double.
    auto params = [](const rec::bpr& m) {
        std::vector<double> t;
        for (std::size_t k = 0; k < 4; ++k) t.push_back(m.user_factors()[k]);
        for (std::size_t i = 0; i < 2; ++i)
            for (std::size_t k = 0; k < 4; ++k) t.push_back(m.item_factors()[i * 4 + k]);
        t.push_back(m.item_bias()[0]);
        t.push_back(m.item_bias()[1]);
        return t;
    };
    // BPR-Opt of the triple: ln sigma(x_uij) - reg/2 |theta_factors|^2 - bias_reg/2 |b|^2.
    auto objective = [&](const std::vector<double>& t) {
        double x = t[12] - t[13], reg = 0;
        for (std::size_t k = 0; k < 4; ++k) x += t[k] * (t[4 + k] - t[8 + k]);
        for (std::size_t k = 0; k < 12; ++k) reg += t[k] * t[k];
        return -std::log1p(std::exp(-x)) - o.l2 / 2 * reg - o.bias_l2 / 2 * (t[12] * t[12] + t[13] * t[13]);
    };
    const auto t0 = params(before), t1 = params(after);
    CHECK(t0[12] == 0.0);
    CHECK(t0[13] == 0.0);
    // Exact replay of LearnBPR's update from the initial parameters.
    double x = t0[12] - t0[13];
    for (std::size_t k = 0; k < 4; ++k) x += t0[k] * (t0[4 + k] - t0[8 + k]);
    const double g = 1 / (1 + std::exp(x)), lr = o.learning_rate, reg = o.l2, breg = o.bias_l2;
    for (std::size_t k = 0; k < 4; ++k) {
        CHECK(t1[k] == Approx(t0[k] + lr * (g * (t0[4 + k] - t0[8 + k]) - reg * t0[k])).margin(1e-6));
        CHECK(t1[4 + k] == Approx(t0[4 + k] + lr * (g * t0[k] - reg * t0[4 + k])).margin(1e-6));
        CHECK(t1[8 + k] == Approx(t0[8 + k] + lr * (-g * t0[k] - reg * t0[8 + k])).margin(1e-6));
    }
    CHECK(t1[12] == Approx(t0[12] + lr * (g - breg * t0[12])).margin(1e-7));
    CHECK(t1[13] == Approx(t0[13] + lr * (-g - breg * t0[13])).margin(1e-7));
    // The step is lr times the finite-difference gradient of BPR-Opt, and increases it.
    for (std::size_t k = 0; k < t0.size(); ++k) {
        auto up = t0, down = t0;
        const double h = 1e-6;
        up[k] += h;
        down[k] -= h;
        const double grad = (objective(up) - objective(down)) / (2 * h);
        CHECK((t1[k] - t0[k]) / lr == Approx(grad).margin(2e-5));
    }
    CHECK(objective(t1) > objective(t0));
    // The user's only item is the positive: the triple always uses j = 1.
    CHECK(after.recommend(0, 2, true).size() == 1);
    CHECK(after.recommend(0, 2, true)[0].item == 1);
}

TEST_CASE("bpr: learns two planted user groups and beats popularity", "[rec][bpr]") {
    // 200 users x 15 items of 60; 3 held out per user. Ranking by the true pick probabilities gives a
    // mean AUC of 0.843 on this split, popularity 0.600; BPR reaches 0.827-0.835 for seeds 1-6.
    const auto log = planted_log(200, 60, 15, 31);
    const auto split = data::leave_k_out(log, {.k = 3, .seed = 5});
    rec::bpr model({.factors = 8, .epochs = 30, .learning_rate = 0.05, .l2 = 0.05, .seed = 1});
    model.fit(split.train);
    rec::popularity popular;
    popular.fit(split.train);
    const double auc_bpr = mean_auc(model, split.train, split.test);
    const double auc_pop = mean_auc(popular, split.train, split.test);
    INFO("AUC bpr " << auc_bpr << ", popularity " << auc_pop);
    CHECK(auc_bpr > 0.8);
    CHECK(auc_bpr > auc_pop + 0.15);
    // The learnt factors separate the groups: a user's items of its own cluster outscore the others.
    const auto s0 = model.score(0, all_items(60));
    CHECK(std::accumulate(s0.begin(), s0.begin() + 30, 0.0) > std::accumulate(s0.begin() + 30, s0.end(), 0.0));
    const auto s1 = model.score(1, all_items(60));
    CHECK(std::accumulate(s1.begin() + 30, s1.end(), 0.0) > std::accumulate(s1.begin(), s1.begin() + 30, 0.0));
}

TEST_CASE("bpr: any optimizer on batches of triples through fit, with History and callbacks", "[rec][bpr]") {
    const auto log = planted_log(200, 60, 15, 31);
    const auto split = data::leave_k_out(log, {.k = 3, .seed = 5});
    rec::bpr model({.factors = 8, .epochs = 30, .l2 = 0.05, .seed = 1});
    std::size_t epochs_seen = 0;
    const auto h = model.fit(split.train, cr::optim::adam<float>({.learning_rate = 0.02}), 16,
                             cr::train::on_epoch_end([&](auto&) { ++epochs_seen; }));
    CHECK(epochs_seen == 30);
    REQUIRE(h.loss.size() == 30);
    CHECK(h.loss.front() == Approx(std::log(2.0)).margin(0.02));  // x_uij near 0 at the start: -ln sigma(0)
    CHECK(h.loss.back() < 0.6 * h.loss.front());
    CHECK(mean_auc(model, split.train, split.test) > 0.8);
    // LearnBPR's History: the mean -ln sigma(x_uij) of each epoch's triples.
    rec::bpr plain({.factors = 8, .epochs = 3, .seed = 1});
    const auto h2 = plain.fit(split.train);
    CHECK(h2.loss.size() == 3);
    CHECK(h2.learning_rate == std::vector<double>{0.05, 0.05, 0.05});
    CHECK_THROWS_WITH(plain.fit(split.train, cr::optim::sgd<float>(), 0), Catch::Contains("batch_size must be >= 1"));
}

TEST_CASE("bpr: deterministic for a seed and independent of the thread count", "[rec][bpr]") {
    const auto log = random_log(30, 25, 200, 41);
    const int saved = cr::num_threads();
    cr::set_num_threads(1);
    rec::bpr a({.factors = 5, .epochs = 4, .seed = 9});
    a.fit(log);
    cr::set_num_threads(3);
    rec::bpr b({.factors = 5, .epochs = 4, .seed = 9});
    b.fit(log);
    cr::set_num_threads(saved);
    CHECK(std::ranges::equal(a.user_factors(), b.user_factors()));
    CHECK(std::ranges::equal(a.item_factors(), b.item_factors()));
    CHECK(std::ranges::equal(a.item_bias(), b.item_bias()));
    rec::bpr c({.factors = 5, .epochs = 4, .seed = 10});
    c.fit(log);
    CHECK_FALSE(std::ranges::equal(a.item_factors(), c.item_factors()));
}

TEST_CASE("bpr: users without history score the item bias and are not covered", "[rec][bpr]") {
    // User 1 has no item; user 2 has every item (no negative to sample: its pairs form no triple).
    const data::interactions log(
        data::interaction_columns{.users = {0, 0, 2, 2, 2, 2}, .items = {0, 1, 0, 1, 2, 3}, .n_users = 3, .n_items = 4});
    rec::bpr model({.factors = 3, .epochs = 20, .seed = 2});
    model.fit(log);
    CHECK(model.covers(0));
    CHECK(model.covers(2));
    CHECK_FALSE(model.covers(1));
    CHECK_FALSE(model.covers(7));
    for (std::size_t k = 0; k < 3; ++k) CHECK(model.user_factors()[1 * 3 + k] == 0.0f);
    for (std::size_t u : {std::size_t{1}, std::size_t{7}}) {
        const auto s = model.score(u, all_items(4));
        for (std::size_t i = 0; i < 4; ++i) CHECK(s[i] == double(model.item_bias()[i]));
    }
    CHECK(model.recommend(2, 4, true).empty());
    CHECK(model.recommend(0, 4, true).size() == 2);
    // An empty log is refused, as by every recommender (it used to train nothing and score zeros).
    rec::bpr empty({.factors = 2});
    CHECK_THROWS_AS(empty.fit(data::interactions(data::interaction_columns{.n_users = 2, .n_items = 3})), cr::argument_error);
    CHECK_FALSE(empty.is_fitted());
}

TEST_CASE("bpr: errors and option checks", "[rec][bpr]") {
    rec::bpr model({.factors = 2, .epochs = 1});
    const std::vector<std::size_t> items = {0, 1};
    CHECK_THROWS_AS(model.score(0, items), cr::not_fitted_error);
    CHECK_THROWS_AS(model.recommend(0, 1, true), cr::not_fitted_error);
    CHECK_THROWS_AS(model.user_factors(), cr::not_fitted_error);
    CHECK_THROWS_AS(model.to_file(), cr::not_fitted_error);
    model.fit(random_log(4, 3, 6, 1));
    const std::vector<std::size_t> bad = {3};
    CHECK_THROWS_WITH(model.score(0, bad), Catch::Contains("bpr: item index 3"));
    CHECK_THROWS_WITH(rec::bpr({.factors = 0}), Catch::Contains("bpr: factors"));
    CHECK_THROWS_WITH(rec::bpr({.learning_rate = 0}), Catch::Contains("bpr: learning_rate") && Catch::Contains("got 0"));
    CHECK_THROWS_WITH(rec::bpr({.learning_rate = std::nan("")}), Catch::Contains("got nan"));
    CHECK_THROWS_WITH(rec::bpr({.l2 = -1}), Catch::Contains("bpr: l2") && Catch::Contains("-1"));
    CHECK_THROWS_WITH(rec::bpr({.bias_l2 = -0.5}), Catch::Contains("bpr: bias_l2") && Catch::Contains("-0.5"));
    CHECK_THROWS_WITH(rec::bpr({.init_std = -2}), Catch::Contains("bpr: init_std"));
    // A learning rate far too high diverges: numeric_error, not silent NaN scores.
    rec::bpr wild({.factors = 4, .epochs = 50, .learning_rate = 1e6, .init_std = 10});
    CHECK_THROWS_AS(wild.fit(random_log(20, 10, 80, 2)), cr::numeric_error);
}

// ---------------------------------------------------------------------------------------------
// persistence

TEST_CASE("content_based and bpr: save and load give identical scores and id maps", "[rec][persistence]") {
    const char* text =
        "user,item,rating\n"
        "ann,matrix,5\n" "ann,alien,4\n" "ann,heat,1\n"
        "bob,matrix,4\n" "bob,up,2\n"
        "cat,up,5\n" "cat,heat,4\n" "dan,alien,5\n";
    const auto log = data::read_interactions_text(text, {.value = "rating"});
    REQUIRE(log.n_items() == 4);
    const std::vector<std::vector<double>> words = {{2, 0, 1, 0, 1}, {1, 1, 0, 0, 0}, {0, 3, 0, 1, 0}, {0, 0, 2, 1, 1}};
    rec::content_based content(to_csr(words), {.tfidf = true, .sublinear_tf = true, .weight_by_value = true});
    content.fit(log);
    rec::bpr factors({.factors = 4, .epochs = 10, .item_bias = true, .seed = 3});
    factors.fit(log);
    const auto content_path = causalrec_test::temp_path("content.safetensors");
    const auto bpr_path = causalrec_test::temp_path("bpr.safetensors");
    rec::save_recommender(content, content_path);
    rec::save_recommender(factors, bpr_path);
    const auto content2 = rec::load_recommender<rec::content_based>(content_path);
    const auto factors2 = rec::load_recommender<rec::bpr>(bpr_path);
    const auto items = all_items(4);
    for (std::size_t u = 0; u < 5; ++u) {
        CHECK(content2.score(u, items) == content.score(u, items));
        CHECK(content2.recommend(u, 3, true) == content.recommend(u, 3, true));
        CHECK(content2.covers(u) == content.covers(u));
        CHECK(factors2.score(u, items) == factors.score(u, items));
        CHECK(factors2.recommend(u, 3, true) == factors.recommend(u, 3, true));
        CHECK(factors2.covers(u) == factors.covers(u));
    }
    const std::vector<double> new_item = {0, 1, 1, 0, 2};
    CHECK(content2.score_new_item(0, new_item) == content.score_new_item(0, new_item));
    CHECK(content2.idf() == content.idf());
    CHECK(content2.options().sublinear_tf);
    CHECK(content2.user_ids() == log.user_ids());
    CHECK(content2.item_ids() == log.item_ids());
    CHECK(factors2.user_ids() == log.user_ids());
    CHECK(factors2.item_ids().id_of(1) == "alien");
    CHECK(factors2.options().seed == 3);
    CHECK(std::ranges::equal(factors2.user_factors(), factors.user_factors()));
    // Saving the loaded model again gives the same bytes.
    CHECK(content2.to_file().to_bytes() == content.to_file().to_bytes());
    CHECK(factors2.to_file().to_bytes() == factors.to_file().to_bytes());
    // A file of the other model, or not a recommender file at all, is a format_error.
    CHECK_THROWS_AS(rec::load_recommender<rec::bpr>(content_path), cr::format_error);
    CHECK_THROWS_WITH(rec::load_recommender<rec::content_based>(bpr_path), Catch::Contains("'bpr' recommender, not a 'content_based'"));
    cr::io::tensor_file plain;
    plain.add<float>("w", std::vector<float>{1, 2}, {2});
    CHECK_THROWS_AS(rec::content_based::from_file(plain), cr::format_error);
    // A factor tensor of the wrong shape is a format_error.
    auto f = factors.to_file();
    f.erase("item_bias");
    f.add<float>("item_bias", std::vector<float>{1, 2, 3}, {3});
    CHECK_THROWS_AS(rec::bpr::from_file(f), cr::format_error);
    auto g = content.to_file();
    g.metadata["options"] = R"({"tfidf": true, "sublinear_tf": true})";
    CHECK_THROWS_WITH(rec::content_based::from_file(g), Catch::Contains("weight_by_value"));
    g.metadata["options"] = R"({"tfidf": false, "sublinear_tf": true, "weight_by_value": true})";
    CHECK_THROWS_WITH(rec::content_based::from_file(g), Catch::Contains("sublinear_tf"));
    auto h = content.to_file();
    h.erase("content.items.values");
    h.add<double>("content.items.values", std::vector<double>{1.0}, {1});
    CHECK_THROWS_AS(rec::content_based::from_file(h), cr::format_error);
}

}  // namespace causalrec_test_rec_models
