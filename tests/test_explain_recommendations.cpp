// Explanations of recommendations (explain/recommendations.hpp): the shares add up to the model's own
// score (item-kNN: its score; ALS: the fold-in user's score, for explicit and implicit feedback;
// content-based: the cosine), and each share is its definition checked by hand.
#include <causalrec/explain/recommendations.hpp>

#include <cmath>
#include <numeric>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_explain_recommendations {

namespace cr = causalrec;
namespace data = causalrec::data;
namespace rec = causalrec::rec;
namespace explain = causalrec::explain;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

/// A random log: each of 40 users rates 6 of 30 items with 1..5.
data::interactions random_log(std::uint64_t seed) {
    cr::rng engine(seed);
    data::interaction_columns c{.n_users = 40, .n_items = 30};
    for (std::size_t u = 0; u < 40; ++u) {
        const auto order = engine.permutation(30);
        for (std::size_t q = 0; q < 6; ++q) {
            c.users.push_back(u);
            c.items.push_back(order[q]);
            c.values.push_back(static_cast<double>(1 + engine.uniform_index(5)));
        }
    }
    return data::interactions(std::move(c));
}

double total(const std::vector<explain::history_share>& shares) {
    double s = 0.0;
    for (const auto& x : shares) s += x.share;
    return s;
}

}  // namespace

TEST_CASE("explain: item-kNN shares are the neighbour weights and add up to the score", "[explain][rec]") {
    const auto log = random_log(1);
    rec::item_knn knn({.neighbours = 10});
    knn.fit(log);
    for (std::size_t user : {0, 7, 21}) {
        const auto top = knn.recommend(user, 3);
        REQUIRE(!top.empty());
        const auto scores = knn.scores(user);
        for (const auto& r : top) {
            const auto e = explain::explain_recommendation(knn, user, r.item);
            CHECK(e.history.size() == knn.seen(user).size());
            CHECK_THAT(e.score, WithinAbs(scores[r.item], 1e-12));
            CHECK_THAT(total(e.history), WithinAbs(scores[r.item], 1e-12));
            CHECK(std::abs(e.history.front().share) >= std::abs(e.history.back().share));
            // Each share by hand: w(i, item) from the neighbour lists.
            for (const auto& s : e.history) {
                double w = 0.0;
                const auto js = knn.neighbours().row_indices(s.item);
                for (std::size_t q = 0; q < js.size(); ++q)
                    if (js[q] == r.item) w = knn.neighbours().row_values(s.item)[q];
                CHECK(s.share == w);
            }
        }
    }
    CHECK_THROWS_AS(explain::explain_recommendation(knn, 0, 30), cr::argument_error);
}

TEST_CASE("explain: ALS shares add up to the fold-in user's score (explicit and implicit)", "[explain][rec]") {
    const auto log = random_log(2);
    for (const auto feedback : {rec::als_feedback::explicit_ratings, rec::als_feedback::implicit}) {
        rec::als als({.factors = 5, .epochs = 6, .l2 = 0.1, .feedback = feedback, .alpha = 2.0});
        als.fit(log);
        const std::vector<std::size_t> items{3, 8, 11, 20};
        const std::vector<double> values{5.0, 1.0, 4.0, 2.0};
        const auto p = als.fold_in(items, values);
        const auto& m = als.model();
        for (std::size_t item : {0, 8, 17, 29}) {
            const auto e = explain::explain_recommendation(als, items, values, item);
            double expected = feedback == rec::als_feedback::implicit ? 0.0 : als.global_mean();
            for (std::size_t f = 0; f < m.factors; ++f)
                expected += static_cast<double>(p[f]) * static_cast<double>(m.item_factors[item * m.factors + f]);
            // fold_in solves in float: agreement to float precision.
            CHECK_THAT(e.score, WithinAbs(expected, 2e-5 * (1.0 + std::abs(expected))));
            CHECK_THAT(total(e.history) + e.base, WithinAbs(e.score, 1e-12));
            CHECK(e.history.size() == 4);
        }
    }
    rec::als als({.factors = 3, .epochs = 2});
    als.fit(log);
    const std::vector<double> two{1.0, 2.0};
    CHECK_THROWS_AS(explain::explain_recommendation(als, std::vector<std::size_t>{1, 1}, two, 0), cr::argument_error);
    CHECK_THROWS_AS(explain::explain_recommendation(als, std::vector<std::size_t>{1}, two, 0), cr::argument_error);
    CHECK_THROWS_AS(explain::explain_recommendation(als, std::vector<std::size_t>{1, 2}, two, 30), cr::argument_error);
}

TEST_CASE("explain: content-based shares are the shared features' cosine terms", "[explain][rec]") {
    // 4 items x 5 features; user 0 consumed items 0 and 1, user 1 item 3.
    data::csr_matrix features;
    features.cols = 5;
    const std::vector<std::vector<double>> rows = {{1, 0, 2, 0, 0}, {0, 1, 1, 0, 0}, {1, 1, 0, 0, 1}, {0, 0, 0, 3, 1}};
    for (const auto& r : rows) {
        for (std::size_t c = 0; c < 5; ++c)
            if (r[c] != 0.0) {
                features.indices.push_back(c);
                features.values.push_back(r[c]);
            }
        features.row_ptr.push_back(features.indices.size());
    }
    rec::content_based model(features);
    model.fit(data::interactions(data::interaction_columns{.users = {0, 0, 1}, .items = {0, 1, 3}, .values = {1, 1, 1}, .n_users = 2, .n_items = 4}));
    const std::vector<std::size_t> item2{2};
    const double score = model.score(0, item2).front();
    const auto e = explain::explain_recommendation(model, 0, 2);
    CHECK_THAT(e.score, WithinAbs(score, 1e-12));
    // By hand: x0 = (1,0,2,0,0)/sqrt5, x1 = (0,1,1,0,0)/sqrt2, p = (x0 + x1) / 2, x2 = (1,1,0,0,1)/sqrt3:
    // features 0 and 1 are shared with item 2, feature 2 is not in item 2, feature 4 not in the profile.
    const double a = 1.0 / std::sqrt(5.0), b = 1.0 / std::sqrt(2.0);
    const double p0 = a / 2, p1 = b / 2, p2 = (2 * a + b) / 2;
    const double norm = std::sqrt(p0 * p0 + p1 * p1 + p2 * p2);
    REQUIRE(e.features.size() == 2);
    CHECK(e.features[0].feature == 1);  // b / 2 > a / 2: feature 1 first
    CHECK_THAT(e.features[0].share, WithinRel(p1 / std::sqrt(3.0) / norm, 1e-12));
    CHECK_THAT(e.features[1].share, WithinRel(p0 / std::sqrt(3.0) / norm, 1e-12));
    CHECK_THAT(e.features[0].share + e.features[1].share, WithinAbs(score, 1e-12));
    // Item 3 shares nothing with user 0's profile.
    CHECK(explain::explain_recommendation(model, 0, 3).features.empty());
    CHECK(explain::explain_recommendation(model, 0, 3).score == 0.0);
}

TEST_CASE("explain: SASRec shares are integrated gradients over the history positions", "[explain][rec]") {
    // A small chain: item i is followed by i + 1 (mod 12); 300 users.
    std::vector<std::vector<std::uint32_t>> per_user;
    cr::rng engine(3);
    for (std::size_t u = 0; u < 300; ++u) {
        std::vector<std::uint32_t> s;
        auto item = static_cast<std::uint32_t>(engine.uniform_index(12));
        for (std::size_t t = 0; t < 8; ++t) s.push_back(item), item = (item + 1) % 12;
        per_user.push_back(s);
    }
    const data::sequences seqs(per_user, 12);
    rec::sasrec model({.max_length = 6, .hidden = 16, .blocks = 1, .dropout = 0.0, .learning_rate = 5e-3, .epochs = 10, .seed = 2});
    model.fit(seqs);
    const std::vector<std::uint32_t> history{3, 4, 5, 6, 7, 8, 9};  // 7 items: the model reads the last 6
    const auto a = model.explain_history(history, 10);
    CHECK(a.positions == std::vector<std::size_t>{1, 2, 3, 4, 5, 6});
    CHECK(a.items == std::vector<std::uint32_t>{4, 5, 6, 7, 8, 9});
    const auto e = explain::explain_recommendation(model, history, 10);
    CHECK(e.history.size() == 6);
    CHECK_THAT(e.score, WithinAbs(a.score, 1e-12));
    CHECK_THAT(total(e.history) + e.base - e.score, WithinAbs(a.convergence_delta, 1e-9));
    CHECK(std::abs(a.convergence_delta) <= 0.02 * std::abs(a.score - a.baseline_score) + 1e-3);
    CHECK_THROWS_AS(model.explain_history(std::span<const std::uint32_t>{}, 1), cr::argument_error);
    CHECK_THROWS_AS(model.explain_history(history, 12), cr::argument_error);
    CHECK_THROWS_AS(model.explain_history(history, 1, 0), cr::argument_error);
}

}  // namespace causalrec_test_explain_recommendations
