// Approximate retrieval (rec/ann.hpp, hnswlib): recall against brute force on clustered vectors, the
// cosine metric, exclusions, errors, and a factor model served through item_index /
// recommend_approximate against its own exact recommend().
#include <causalrec/data/interaction_splits.hpp>
#include <causalrec/rec/als.hpp>
#include <causalrec/rec/evaluate.hpp>
#include <causalrec/rec/ann.hpp>
#include <causalrec/rec/neural/two_tower.hpp>
#include <causalrec/rec/sequential/sasrec.hpp>
#include <causalrec/rec/simulator.hpp>
#include <causalrec/data/sequences.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "catch.hpp"

namespace cr = causalrec;
namespace rec = causalrec::rec;

namespace {

/// n vectors of dim values around `clusters` random centres (unit-variance centres, spread 0.3).
std::vector<float> clustered(std::size_t n, std::size_t dim, std::size_t clusters, unsigned seed) {
    std::mt19937 g(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> centres(clusters * dim);
    for (auto& c : centres) c = normal(g);
    std::vector<float> v(n * dim);
    std::uniform_int_distribution<std::size_t> pick(0, clusters - 1);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = pick(g);
        for (std::size_t j = 0; j < dim; ++j) v[i * dim + j] = centres[c * dim + j] + 0.3f * normal(g);
    }
    return v;
}

/// The exact top k by inner product (ties to the lower index), optionally by cosine.
std::vector<std::size_t> brute_force(const std::vector<float>& v, std::size_t dim, std::span<const float> q, std::size_t k, bool cosine) {
    const std::size_t n = v.size() / dim;
    std::vector<std::pair<double, std::size_t>> s(n);
    for (std::size_t i = 0; i < n; ++i) {
        double dot = 0.0, norm = 0.0;
        for (std::size_t j = 0; j < dim; ++j) {
            dot += static_cast<double>(v[i * dim + j]) * q[j];
            norm += static_cast<double>(v[i * dim + j]) * v[i * dim + j];
        }
        s[i] = {cosine ? dot / std::sqrt(norm) : dot, i};
    }
    std::partial_sort(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(k), s.end(),
                      [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    std::vector<std::size_t> out(k);
    for (std::size_t j = 0; j < k; ++j) out[j] = s[j].second;
    return out;
}

double overlap(const std::vector<rec::scored_item>& found, const std::vector<std::size_t>& truth) {
    std::size_t hits = 0;
    for (const auto& f : found) hits += std::find(truth.begin(), truth.end(), f.item) != truth.end();
    return static_cast<double>(hits) / static_cast<double>(truth.size());
}

}  // namespace

TEST_CASE("ann_index: recall@10 against brute force on clustered vectors, inner product and cosine", "[rec][ann]") {
    const std::size_t n = 5000, dim = 32, k = 10;
    const auto items = clustered(n, dim, 40, 1);
    const auto queries = clustered(200, dim, 40, 2);
    for (const auto metric : {rec::ann_metric::inner_product, rec::ann_metric::cosine}) {
        const rec::ann_index index(items, dim, {.metric = metric, .ef_search = 200});
        CHECK(index.size() == n);
        CHECK(index.dim() == dim);
        double recall = 0.0;
        for (std::size_t q = 0; q < 200; ++q) {
            const std::span<const float> query(queries.data() + q * dim, dim);
            const auto found = index.search(query, k);
            REQUIRE(found.size() == k);
            for (std::size_t j = 1; j < k; ++j) CHECK(found[j - 1].score >= found[j].score);  // best first
            recall += overlap(found, brute_force(items, dim, query, k, metric == rec::ann_metric::cosine));
        }
        recall /= 200.0;
        INFO("metric " << (metric == rec::ann_metric::cosine ? "cosine" : "inner product") << ": recall@10 " << recall);
        CHECK(recall >= 0.95);
    }
}

TEST_CASE("ann_index: scores are inner products, exclusions are left out, errors", "[rec][ann][errors]") {
    const std::vector<float> items = {1, 0, 0, 1, 0.5f, 0.5f, -1, 0};  // four 2-d items
    const rec::ann_index index(items, 2);
    const std::vector<float> q = {2, 1};
    const auto all = index.search(q, 4);
    REQUIRE(all.size() == 4);
    CHECK(all[0].item == 0);  // <(2,1),(1,0)> = 2
    CHECK(all[0].score == Catch::Approx(2.0));
    CHECK(all[1].item == 2);  // 1.5
    CHECK(all[2].item == 1);  // 1
    CHECK(all[3].item == 3);  // -2
    CHECK(all[3].score == Catch::Approx(-2.0));
    const std::vector<std::size_t> skip = {2, 0};
    const auto some = index.search(q, 2, skip);
    REQUIRE(some.size() == 2);
    CHECK(some[0].item == 1);
    CHECK(some[1].item == 3);
    CHECK(index.search(q, 0).empty());
    CHECK(index.search(q, 10).size() == 4);
    CHECK_THROWS_AS(index.search(std::vector<float>{1, 2, 3}, 2), cr::argument_error);
    CHECK_THROWS_AS(rec::ann_index(std::vector<float>{1, 2, 3}, 2), cr::argument_error);
    CHECK_THROWS_AS(rec::ann_index(std::vector<float>{}, 2), cr::argument_error);
    CHECK_THROWS_AS(rec::ann_index(std::vector<float>{1, std::nanf("")}, 2), cr::argument_error);
    CHECK_THROWS_AS(rec::ann_index(items, 2, {.links = 1}), cr::argument_error);
}

TEST_CASE("item_index and recommend_approximate: an ALS model's top 10 as its exact recommend gives it", "[rec][ann]") {
    const auto sim = rec::simulate_interactions({.users = 300, .items = 2000, .mean_interactions = 30, .seed = 5});
    rec::als model({.factors = 16, .epochs = 5});
    model.fit(sim.log);
    const auto index = rec::item_index(model.model(), {.ef_search = 200});
    CHECK(index.dim() == 17);
    double agree = 0.0;
    std::size_t users = 0;
    for (std::size_t u = 0; u < 300; u += 3, ++users) {
        const auto exact = model.recommend(u, 10);
        const auto approx = rec::recommend_approximate(model.model(), index, u, 10);
        REQUIRE(approx.size() == exact.size());
        std::vector<std::size_t> truth;
        for (const auto& e : exact) truth.push_back(e.item);
        agree += overlap(approx, truth);
        // Exact scores of the found items, and never a seen item.
        for (const auto& a : approx) {
            CHECK(a.score == Catch::Approx(model.model().raw(u, a.item)).epsilon(1e-12));
            const auto seen = model.model().log.seen.of(u);
            CHECK(std::find(seen.begin(), seen.end(), a.item) == seen.end());
        }
    }
    agree /= static_cast<double>(users);
    INFO("top-10 overlap with exact recommend: " << agree);
    CHECK(agree >= 0.97);
    CHECK(rec::recommend_approximate(model.model(), index, 10'000, 10).empty());  // unknown user
    rec::als other({.factors = 8, .epochs = 1});
    other.fit(sim.log);
    CHECK_THROWS_AS(rec::recommend_approximate(other.model(), index, 0, 10), cr::argument_error);
}

TEST_CASE("ann_index over SASRec's item vectors, queried with a history's state, finds its exact top 10", "[rec][ann][sasrec]") {
    const auto data = causalrec::data::simulate_markov_sequences({.users = 300, .items = 400, .min_length = 5, .max_length = 20, .seed = 3});
    rec::sasrec model({.max_length = 10, .hidden = 16, .blocks = 1, .heads = 1, .dropout = 0.0, .epochs = 2, .seed = 1});
    model.fit(data.all);
    const auto vectors = model.item_vectors();
    REQUIRE(vectors.size() == 400 * 16);
    const rec::ann_index index(vectors, 16, {.ef_search = 200});
    double agree = 0.0;
    for (std::size_t u = 0; u < 50; ++u) {
        const auto history = data.all.of(u);
        const auto exact = model.recommend_from_history(history, 10, false);
        const auto found = index.search(model.history_state(history), 10);
        std::vector<std::size_t> truth;
        for (const auto& e : exact) truth.push_back(e.item);
        agree += overlap(found, truth);
        const std::vector<std::size_t> first = {found[0].item};
        CHECK(found[0].score == Catch::Approx(model.score_history(history, first)[0]).epsilon(1e-5));
    }
    CHECK(agree / 50.0 >= 0.97);
    const std::vector<std::uint32_t> bad = {400};
    CHECK_THROWS_AS(model.history_state(bad), cr::argument_error);
}

namespace {

/// Ranks by an approximate top-k list: the listed items first, in their order, everything else after
/// (a Recommender for evaluate_recommender, whose top-K metrics then measure the approximate lists).
struct approximate_lists {
    const rec::als* model;
    const rec::ann_index* index;
    std::size_t k;
    void fit(const cr::data::interactions&) {}
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const {
        const auto found = rec::recommend_approximate(model->model(), *index, user, k);
        std::vector<double> s(items.size(), -1.0);
        for (std::size_t j = 0; j < items.size(); ++j)
            for (std::size_t r = 0; r < found.size(); ++r)
                if (found[r].item == items[j]) s[j] = static_cast<double>(k - r);
        return s;
    }
    std::vector<rec::scored_item> recommend(std::size_t user, std::size_t n, bool) const {
        return rec::recommend_approximate(model->model(), *index, user, n);
    }
};

}  // namespace

TEST_CASE("recommend_approximate: the ALS model of examples/recommend keeps its NDCG@10 within 1 %", "[rec][ann]") {
    // examples/recommend's data and ALS (simulated 2,000 users x 1,000 items, 80/20 split, implicit CG ALS).
    const auto sim = rec::simulate_interactions({});
    const auto split = causalrec::data::random_split(sim.log, {.test_fraction = 0.2, .seed = 7});
    rec::als model({.factors = 16, .epochs = 10, .l2 = 10.0, .feedback = rec::als_feedback::implicit, .alpha = 1.0,
                    .solver = rec::als_solver::conjugate_gradient});
    model.fit(split.train);
    const auto index = rec::item_index(model.model());  // default ef_search
    const rec::recommender_eval_options o{.k = 10, .metrics = cr::metrics::ranking_metric::ndcg | cr::metrics::ranking_metric::recall};
    const auto exact = rec::evaluate_recommender(model, split.train, split.test, o);
    const auto approx = rec::evaluate_recommender(approximate_lists{&model, &index, 10}, split.train, split.test, o);
    INFO("NDCG@10 exact " << exact.ranking.mean.ndcg << ", approximate " << approx.ranking.mean.ndcg << "; recall@10 "
                          << exact.ranking.mean.recall << " vs " << approx.ranking.mean.recall);
    CHECK(approx.ranking.mean.ndcg >= 0.99 * exact.ranking.mean.ndcg);
    CHECK(approx.ranking.mean.ndcg <= 1.01 * exact.ranking.mean.ndcg);
}

TEST_CASE("ann_index over two-tower item vectors, queried with a user vector, finds the model's top 10", "[rec][ann][two_tower]") {
    const auto sim = rec::simulate_interactions({.users = 200, .items = 600, .mean_interactions = 20, .seed = 7});
    rec::two_tower model({.embedding_dim = 16, .tower_layers = {16}, .epochs = 2, .seed = 1});
    model.fit(sim.log);
    const auto& items = model.item_vectors();
    const auto& users = model.user_vectors();
    const std::size_t d = items.shape()[1];
    const rec::ann_index index(std::span<const float>(items.data(), items.size()), d, {.ef_search = 200});
    double agree = 0.0;
    for (std::size_t u = 0; u < 50; ++u) {
        const auto exact = model.recommend(u, 10, false);
        const auto found = index.search(std::span<const float>(users.data() + u * d, d), 10);
        std::vector<std::size_t> truth;
        for (const auto& e : exact) truth.push_back(e.item);
        agree += overlap(found, truth);
    }
    INFO("top-10 agreement " << agree / 50.0);
    CHECK(agree / 50.0 >= 0.97);
}
