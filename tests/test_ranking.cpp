// Tests of the ranking metrics (metrics/ranking.hpp). Reference values: scikit-learn 1.2.1 ndcg_score on
// the cases of shared/bench/ref/ranking_case.json, as recorded in shared/bench/ref/expected_metrics.json
// (copied below with the call that produced them); the rest is worked out by hand (arithmetic in the
// comments) or checked against a plain full-sort implementation written in this file.
#include <causalrec/core/rng.hpp>
#include <causalrec/metrics/metrics.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

#include "catch.hpp"

// Each test file has a namespace of its own: the test programs compile their files as one unit.
namespace causalrec_test_ranking {

namespace cr = causalrec;
namespace m = causalrec::metrics;
using Catch::Matchers::Contains;
using Catch::Matchers::WithinAbs;

namespace {

// ranking_case.json "graded": 5 queries x 8 items, graded relevance 0..3; queries 0, 1 and 3 have tied scores.
const std::vector<std::vector<double>> graded_true{{0, 3, 0, 3, 1, 2, 2, 1}, {3, 2, 0, 0, 0, 2, 2, 1},
                                                   {0, 3, 3, 2, 2, 2, 1, 2}, {3, 0, 0, 3, 2, 3, 1, 3},
                                                   {2, 1, 3, 0, 3, 1, 2, 3}};
const std::vector<std::vector<double>> graded_score{{0.44, 0.97, 0.24, 0.95, 0.46, 0.5, 0.18, 0.44},
                                                    {0.24, 0.95, 0.24, 0.23, 0.8, 0.24, 0.05, 0.6},
                                                    {0.68, 0.62, 0.42, 0.8, 0.51, 0.91, 0.11, 0.96},
                                                    {0.5, 0.5, 0.5, 0.5, 0.35, 0.37, 0.9, 0.61},
                                                    {0.08, 0.39, 0.52, 0.78, 0.23, 0.49, 0.2, 0.67}};

struct sk_case {
    std::size_t k;                  // 0 = k=None (all)
    bool ignore_ties;               // sklearn's ignore_ties
    std::vector<double> per_query;  // sklearn.metrics.ndcg_score([y_true[q]], [y_score[q]], k=k, ignore_ties=...)
};
// expected_metrics.json "ndcg_graded" (scikit-learn 1.2.1, numpy 1.24.2).
const std::vector<sk_case> sk_graded{
    {1, false, {1.0, 0.6666666666666666, 0.6666666666666666, 0.3333333333333333, 0.0}},
    {1, true, {1.0, 0.6666666666666666, 0.6666666666666666, 0.3333333333333333, 0.0}},
    {3, false, {0.9999999999999999, 0.4751172083949179, 0.72323297484191, 0.5698278344791398, 0.5307212739772434}},
    {3, true, {1.0, 0.4751172083949179, 0.72323297484191, 0.687147515984829, 0.5307212739772436}},
    {5, false, {0.9126028031666152, 0.5933195270310591, 0.7203144823183854, 0.5756421560565864, 0.5244641690487021}},
    {5, true, {0.9396895604925504, 0.516331694668713, 0.7203144823183854, 0.5193328026723153, 0.5244641690487021}},
    {0, false, {0.977154571373039, 0.7814295255895343, 0.8689816316883129, 0.7980190496067813, 0.754415912369148}},
    {0, true, {0.9791983750886909, 0.7773968610688397, 0.8689816316883129, 0.8046008418194495, 0.754415912369148}},
};

// ranking_case.json "binary_topk": 4 users x 20 items, binary relevance, k = 10.
const std::vector<std::vector<double>> bin_true{
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0},
    {0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {1, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1},
    {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0}};
const std::vector<std::vector<double>> bin_score{
    {0.3201, 0.531, 0.4814, 0.5558, 0.7419, 0.9528, 0.5186, 0.2333, 0.3946, 0.6054,
     0.7791, 0.0348, 0.3697, 0.01, 0.1713, 0.9776, 0.3573, 0.1216, 0.2953, 0.407},
    {0.593, 0.6551, 0.2581, 0.072, 0.99, 0.9032, 0.1092, 0.1589, 0.2085, 0.8039,
     0.2829, 0.7171, 0.3449, 0.9652, 0.7543, 0.7047, 0.8659, 0.5682, 0.2209, 0.4318},
    {0.9156, 0.3077, 0.6923, 0.8163, 0.0472, 0.2705, 0.2457, 0.7915, 0.6178, 0.0596,
     0.1341, 0.0968, 0.469, 0.6303, 0.4938, 0.5062, 0.8535, 0.6799, 0.3822, 0.4194},
    {0.9404, 0.5806, 0.4442, 0.3325, 0.6675, 0.8411, 0.8908, 0.7295, 0.8784, 0.0224,
     0.1961, 0.928, 0.6427, 0.7667, 0.1837, 0.1465, 0.8287, 0.5434, 0.4566, 0.0844}};
// expected_metrics.json "binary_topk": sklearn ndcg_score(y_true, y_score, k=10) per user, and numpy's
// hits / |rel|, hits / min(|rel|, 10), hits / 10 per user.
const std::vector<double> bin_ndcg{0.0, 0.23463936301137828, 0.4381081808305046, 0.22780443506675807};
const double bin_ndcg_mean = 0.22513799472716023;
const std::vector<double> bin_recall{0.0, 0.3333333333333333, 0.3333333333333333, 0.4};
const std::vector<double> bin_recall_capped{0.0, 0.3333333333333333, 0.4, 0.4};
const std::vector<double> bin_precision{0.0, 0.1, 0.4, 0.2};

using lists = std::vector<std::vector<std::size_t>>;

// Sparse rows built from per-user item lists.
struct rows_owner {
    std::vector<std::size_t> offsets{0}, items;
    explicit rows_owner(const lists& per_user) {
        for (const auto& l : per_user) {
            items.insert(items.end(), l.begin(), l.end());
            offsets.push_back(items.size());
        }
    }
    m::sparse_rows view() const { return {offsets, items}; }
};

cr::matrix<double> to_matrix(const std::vector<std::vector<double>>& rows) {
    auto s = cr::make_matrix<double>(rows.size(), rows[0].size());
    for (std::size_t u = 0; u < rows.size(); ++u)
        for (std::size_t i = 0; i < rows[u].size(); ++i) s(u, i) = rows[u][i];
    return s;
}

}  // namespace

TEST_CASE("NDCG@K equals scikit-learn ndcg_score on the graded reference case, both tie modes", "[ranking]") {
    for (const sk_case& c : sk_graded) {
        const m::tie_break ties = c.ignore_ties ? m::tie_break::index_descending : m::tie_break::average;
        double sum = 0.0;
        for (std::size_t q = 0; q < 5; ++q) {
            INFO("k = " << c.k << ", ignore_ties = " << c.ignore_ties << ", query " << q);
            const double v = m::ndcg_at_k(graded_true[q], graded_score[q], {.k = c.k, .ties = ties});
            CHECK_THAT(v, WithinAbs(c.per_query[q], 1e-12));
            sum += v;
        }
        CHECK_THAT(sum / 5, WithinAbs(std::accumulate(c.per_query.begin(), c.per_query.end(), 0.0) / 5, 1e-12));
    }
    // Without ties (query 2, 4) every mode agrees; with ties ascending index differs from sklearn's
    // ignore_ties=True at k = 5 (query 1: 0.5824871830688827 vs 0.516331694668713, computed with numpy).
    CHECK_THAT(m::ndcg_at_k(graded_true[1], graded_score[1], {.k = 5}), WithinAbs(0.5824871830688827, 1e-12));
}

TEST_CASE("binary top-10 case: NDCG, recall, capped recall and precision equal scikit-learn / numpy", "[ranking]") {
    for (std::size_t u = 0; u < 4; ++u) {
        INFO("user " << u);
        for (const m::tie_break t : {m::tie_break::average, m::tie_break::index_ascending}) {
            CHECK_THAT(m::ndcg_at_k(bin_true[u], bin_score[u], {.k = 10, .ties = t}), WithinAbs(bin_ndcg[u], 1e-12));
        }
        CHECK_THAT(m::recall_at_k(bin_true[u], bin_score[u], {.k = 10}), WithinAbs(bin_recall[u], 1e-15));
        CHECK_THAT(m::recall_at_k(bin_true[u], bin_score[u], {.k = 10, .recall_capped = true}),
                   WithinAbs(bin_recall_capped[u], 1e-15));
        CHECK_THAT(m::precision_at_k(bin_true[u], bin_score[u], {.k = 10}), WithinAbs(bin_precision[u], 1e-15));
    }
    // The same through evaluate_ranking (relevant items as sparse rows, nothing excluded).
    std::vector<std::vector<std::size_t>> rel(4);
    for (std::size_t u = 0; u < 4; ++u)
        for (std::size_t i = 0; i < 20; ++i)
            if (bin_true[u][i] > 0) rel[u].push_back(i);
    const rows_owner r(rel);
    const auto s = to_matrix(bin_score);
    for (const m::tie_break t : {m::tie_break::average, m::tie_break::index_ascending}) {
        const auto res = m::evaluate_ranking(s, {}, r.view(),
                                             {.k = 10, .metrics = m::ranking_metric::all, .ties = t, .per_user = true});
        CHECK_THAT(res.mean.ndcg, WithinAbs(bin_ndcg_mean, 1e-12));
        CHECK(res.users_evaluated == 4);
        for (std::size_t u = 0; u < 4; ++u) {
            CHECK_THAT(res.per_user[u].ndcg, WithinAbs(bin_ndcg[u], 1e-12));
            CHECK_THAT(res.per_user[u].recall, WithinAbs(bin_recall[u], 1e-15));
            CHECK_THAT(res.per_user[u].precision, WithinAbs(bin_precision[u], 1e-15));
        }
    }
}

TEST_CASE("per-user metrics on a hand-computed case", "[ranking]") {
    // scores 0.9 0.8 0.7 0.6 0.5 for items 0..4; relevant items 1 and 3; K = 3 -> top 0, 1, 2, one hit at rank 2.
    const std::vector<double> s{0.9, 0.8, 0.7, 0.6, 0.5};
    const std::vector<int> y{0, 1, 0, 1, 0};
    const double d2 = 1.0 / std::log2(3.0);
    CHECK(m::precision_at_k(y, s, {.k = 3}) == 1.0 / 3.0);
    CHECK(m::recall_at_k(y, s, {.k = 3}) == 0.5);                          // 1 / |rel| = 1/2
    CHECK(m::recall_at_k(y, s, {.k = 1, .recall_capped = true}) == 0.0);  // no hit in the top 1
    CHECK_THAT(m::ndcg_at_k(y, s, {.k = 3}), WithinAbs(d2 / (1.0 + d2), 1e-15));  // DCG 1/log2 3, IDCG 1 + 1/log2 3
    CHECK(m::average_precision_at_k(y, s, {.k = 3}) == 0.25);  // (1/2) / min(2, 3)
    // All ranks: AP = (1/2 + 2/4) / 2 = 0.5
    CHECK(m::average_precision_at_k(y, s) == 0.5);
    CHECK(m::reciprocal_rank(y, s) == 0.5);
    CHECK(m::reciprocal_rank(y, s, {.k = 1}) == 0.0);                        // cut at K = 1
    CHECK(m::reciprocal_rank(y, s, {.k = 1, .mrr_cutoff = false}) == 0.5);  // whole ranking
    CHECK(m::hit_rate_at_k(y, s, {.k = 1}) == 0.0);
    CHECK(m::hit_rate_at_k(y, s, {.k = 2}) == 1.0);
    // AUC: item 1 (0.8) beats 2 and 4, item 3 (0.6) beats 4: 3 of 6 pairs.
    CHECK(m::user_auc(y, s) == 0.5);
    // A tied relevant/non-relevant pair counts 1/2: pairs (0,1) 1/2, (0,3) 1, (2,1) 1, (2,3) 1 -> 3.5 / 4.
    CHECK(m::user_auc(std::vector<int>{1, 0, 1, 0}, std::vector<double>{0.5, 0.5, 0.9, 0.1}) == 0.875);
    // Graded NDCG by hand: gains 3, 0, 1 ranked by scores 0.1 0.9 0.5 -> order items 1, 2, 0.
    // DCG@2 = 0 + 1/log2 3; IDCG@2 = 3 + 1/log2 3.
    CHECK_THAT(m::ndcg_at_k(std::vector<double>{3, 0, 1}, std::vector<double>{0.1, 0.9, 0.5}, {.k = 2}),
               WithinAbs(d2 / (3.0 + d2), 1e-15));
}

TEST_CASE("ties: ascending and descending index order, and averaging", "[ranking]") {
    // Items 0 and 1 tie at the top; only item 1 is relevant. K = 1.
    const std::vector<double> s{0.5, 0.5, 0.1};
    const std::vector<int> y{0, 1, 0};
    CHECK(m::ndcg_at_k(y, s, {.k = 1}) == 0.0);                                        // item 0 first
    CHECK(m::ndcg_at_k(y, s, {.k = 1, .ties = m::tie_break::index_descending}) == 1.0);  // item 1 first
    CHECK(m::ndcg_at_k(y, s, {.k = 1, .ties = m::tie_break::average}) == 0.5);           // mean gain 1/2 at rank 1
    CHECK(m::precision_at_k(y, s, {.k = 1, .ties = m::tie_break::index_descending}) == 1.0);
    // Pessimistic: among equal scores the relevant item ranks last, whatever its index.
    CHECK(m::precision_at_k(y, s, {.k = 1, .ties = m::tie_break::pessimistic}) == 0.0);
    CHECK(m::precision_at_k(y, s, {.k = 2, .ties = m::tie_break::pessimistic}) == 0.5);  // item 1 second
    CHECK_THAT(m::ndcg_at_k(y, s, {.k = 2, .ties = m::tie_break::pessimistic}), WithinAbs(1.0 / std::log2(3.0), 1e-15));
    const std::vector<int> first{1, 0, 0};  // relevant item 0 ties with item 1: ranked after it
    CHECK(m::precision_at_k(first, s, {.k = 1}) == 1.0);
    CHECK(m::precision_at_k(first, s, {.k = 1, .ties = m::tie_break::pessimistic}) == 0.0);
    // Untied scores rank the same under every rule.
    const std::vector<double> distinct{0.2, 0.9, 0.5};
    CHECK(m::ndcg_at_k(first, distinct, {.k = 3, .ties = m::tie_break::pessimistic}) == m::ndcg_at_k(first, distinct, {.k = 3}));
}

TEST_CASE("users with no relevant item: skip, zero or one", "[ranking]") {
    const std::vector<double> s{0.3, 0.2, 0.1};
    const std::vector<int> none{0, 0, 0};
    CHECK_THROWS_WITH(m::ndcg_at_k(none, s, {.k = 2}), Contains("no relevant item"));
    CHECK(m::ndcg_at_k(none, s, {.k = 2, .no_relevant = m::no_relevant_policy::one}) == 1.0);
    CHECK(m::recall_at_k(none, s, {.k = 2, .no_relevant = m::no_relevant_policy::zero}) == 0.0);

    // evaluate_ranking: user 1 has no relevant item.
    const auto sc = to_matrix({{0.3, 0.2, 0.1}, {0.3, 0.2, 0.1}});
    const rows_owner rel(lists{{0}, {}});
    const auto skip = m::evaluate_ranking(sc, {}, rel.view(), {.k = 1, .per_user = true});
    CHECK(skip.users_evaluated == 1);
    CHECK(skip.users_skipped == 1);
    CHECK(skip.mean.ndcg == 1.0);
    CHECK(std::isnan(skip.per_user[1].ndcg));
    CHECK(skip.top_k(1, 0) == 0);  // the skipped user still has a top-K list
    const auto one = m::evaluate_ranking(sc, {}, rel.view(), {.k = 1, .no_relevant = m::no_relevant_policy::one});
    CHECK(one.users_evaluated == 2);
    CHECK(one.mean.ndcg == 1.0);
    CHECK(one.mean.recall == 1.0);
    const auto zero = m::evaluate_ranking(sc, {}, rel.view(), {.k = 1, .no_relevant = m::no_relevant_policy::zero});
    CHECK(zero.mean.ndcg == 0.5);
}

TEST_CASE("exclusion removes training items from the ranking", "[ranking]") {
    // Items 0 and 1 score highest but are excluded; relevant item 3 then ranks first.
    const auto sc = to_matrix({{0.9, 0.8, 0.1, 0.5, 0.4}});
    const rows_owner ex(lists{{0, 1}});
    const rows_owner rel(lists{{3}});
    const auto r = m::evaluate_ranking(sc, ex.view(), rel.view(), {.k = 2, .metrics = m::ranking_metric::all});
    CHECK(r.top_k(0, 0) == 3);
    CHECK(r.top_k(0, 1) == 4);
    CHECK(r.mean.ndcg == 1.0);
    CHECK(r.mean.mrr == 1.0);
    CHECK(r.mean.auc == 1.0);  // candidates 2, 3, 4: item 3 beats 2 and 4
    // Fewer candidates than K: the list is padded with no_item, precision still divides by K.
    const auto r4 = m::evaluate_ranking(sc, ex.view(), rel.view(), {.k = 4, .metrics = m::ranking_metric::precision});
    CHECK(r4.top_k(0, 3) == m::no_item);
    CHECK(r4.mean.precision == 0.25);
}

namespace {

// Plain reference: full sort of the candidates, metrics written from their definitions.
m::ranking_values reference(const std::vector<double>& row, const std::vector<std::size_t>& ex,
                            const std::vector<std::size_t>& rel, std::size_t k, m::tie_break ties, bool capped,
                            bool cutoff, std::vector<std::size_t>& top) {
    std::vector<std::size_t> cand;
    for (std::size_t i = 0; i < row.size(); ++i)
        if (std::find(ex.begin(), ex.end(), i) == ex.end()) cand.push_back(i);
    const bool desc = ties == m::tie_break::index_descending;
    std::sort(cand.begin(), cand.end(), [&](std::size_t a, std::size_t b) {
        if (row[a] != row[b]) return row[a] > row[b];
        return desc ? a > b : a < b;
    });
    auto is_rel = [&](std::size_t i) { return std::find(rel.begin(), rel.end(), i) != rel.end(); };
    const double R = static_cast<double>(rel.size()), K = static_cast<double>(k);
    const std::size_t len = std::min(k, cand.size());
    top.assign(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(len));
    double hits = 0, dcg = 0, ap = 0, rr = 0, idcg = 0;
    for (std::size_t r = 0; r < len; ++r) {
        const double d = 1.0 / std::log2(r + 2.0);
        if (is_rel(cand[r])) {
            hits += 1;
            dcg += d;
            ap += hits / (r + 1.0);
            if (rr == 0) rr = 1.0 / (r + 1.0);
        }
    }
    for (std::size_t r = 0; r < std::min<std::size_t>(rel.size(), k); ++r) idcg += 1.0 / std::log2(r + 2.0);
    if (ties == m::tie_break::average) {  // sklearn _tie_averaged_dcg over the whole ranking
        dcg = 0;
        for (std::size_t a = 0; a < cand.size();) {
            std::size_t b = a;
            double g = 0;
            while (b < cand.size() && row[cand[b]] == row[cand[a]]) g += is_rel(cand[b]) ? 1 : 0, ++b;
            double d = 0;
            for (std::size_t r = a; r < b && r < k; ++r) d += 1.0 / std::log2(r + 2.0);
            dcg += g / static_cast<double>(b - a) * d;
            a = b;
        }
    }
    if (!cutoff && rr == 0) {
        for (std::size_t r = 0; r < cand.size(); ++r)
            if (is_rel(cand[r])) {
                rr = 1.0 / (r + 1.0);
                break;
            }
    }
    double pairs = 0, good = 0;
    for (std::size_t a : cand)
        for (std::size_t b : cand)
            if (is_rel(a) && !is_rel(b)) {
                pairs += 1;
                good += row[a] > row[b] ? 1.0 : row[a] == row[b] ? 0.5 : 0.0;
            }
    m::ranking_values v;
    v.precision = hits / K;
    v.recall = hits / (capped ? std::min(R, K) : R);
    v.ndcg = dcg / idcg;
    v.map = ap / std::min(R, K);
    v.mrr = rr;
    v.hit_rate = hits > 0 ? 1 : 0;
    v.auc = pairs > 0 ? good / pairs : std::numeric_limits<double>::quiet_NaN();
    return v;
}

void check_same(double a, double b) {
    if (std::isnan(b)) {
        CHECK(std::isnan(a));
    } else {
        CHECK_THAT(a, WithinAbs(b, 1e-12));
    }
}

}  // namespace

TEST_CASE("evaluate_ranking equals a full-sort implementation on random data, for any thread count", "[ranking]") {
    cr::rng g(11);
    const std::size_t users = 61, items = 37;
    cr::matrix<float> s = cr::make_matrix<float>(users, items);
    for (auto& v : s) v = static_cast<float>(std::floor(g.uniform() * 12.0) / 12.0);  // many ties
    std::vector<std::vector<std::size_t>> ex(users), rel(users);
    for (std::size_t u = 0; u < users; ++u) {
        const auto perm = g.permutation(items);
        const std::size_t ne = g.uniform_index(10), nr = u % 9 == 4 ? 0 : 1 + g.uniform_index(8);
        ex[u].assign(perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(ne));
        rel[u].assign(perm.begin() + static_cast<std::ptrdiff_t>(ne),
                      perm.begin() + static_cast<std::ptrdiff_t>(ne + nr));
    }
    ex[3].clear();
    for (std::size_t i = 0; i < items - 2; ++i)
        if (std::find(rel[3].begin(), rel[3].end(), i) == rel[3].end()) ex[3].push_back(i);  // < K candidates
    const rows_owner exr(ex), relr(rel);
    for (const m::tie_break ties : {m::tie_break::index_ascending, m::tie_break::index_descending, m::tie_break::average}) {
        for (const std::size_t k : {std::size_t{1}, std::size_t{5}, std::size_t{10}, std::size_t{40}}) {
            for (const bool capped : {false, true}) {
                const bool cutoff = !capped;
                const m::ranking_eval_options o{.k = k, .metrics = m::ranking_metric::all, .ties = ties,
                                                .recall_capped = capped, .mrr_cutoff = cutoff, .per_user = true,
                                                .threads = 1};
                const auto base = m::evaluate_ranking(s, exr.view(), relr.view(), o);
                double sum_ndcg = 0;
                std::size_t evaluated = 0;
                for (std::size_t u = 0; u < users; ++u) {
                    INFO("ties " << static_cast<int>(ties) << " k " << k << " user " << u);
                    if (rel[u].empty()) {
                        CHECK(std::isnan(base.per_user[u].ndcg));
                        continue;
                    }
                    std::vector<double> row(items);
                    for (std::size_t i = 0; i < items; ++i) row[i] = s(u, i);
                    std::vector<std::size_t> top;
                    const auto want = reference(row, ex[u], rel[u], k, ties, capped, cutoff, top);
                    const auto& got = base.per_user[u];
                    check_same(got.precision, want.precision);
                    check_same(got.recall, want.recall);
                    check_same(got.ndcg, want.ndcg);
                    check_same(got.map, want.map);
                    check_same(got.mrr, want.mrr);
                    check_same(got.hit_rate, want.hit_rate);
                    check_same(got.auc, want.auc);
                    if (ties != m::tie_break::average) {
                        for (std::size_t r = 0; r < k; ++r)
                            CHECK(base.top_k(u, r) == (r < top.size() ? top[r] : m::no_item));
                    }
                    sum_ndcg += got.ndcg;
                    ++evaluated;
                }
                CHECK(base.users_evaluated == evaluated);
                CHECK_THAT(base.mean.ndcg, WithinAbs(sum_ndcg / static_cast<double>(evaluated), 1e-12));
                for (const int t : {2, 3, 7, 64}) {
                    auto ot = o;
                    ot.threads = t;
                    const auto r = m::evaluate_ranking(s, exr.view(), relr.view(), ot);
                    CHECK(r.top_k == base.top_k);
                    CHECK(r.mean.ndcg == base.mean.ndcg);  // bit-identical
                    CHECK(r.mean.recall == base.mean.recall);
                    CHECK(r.mean.map == base.mean.map);
                    CHECK(r.mean.mrr == base.mean.mrr);
                    CHECK(r.mean.auc == base.mean.auc);
                    CHECK(r.users_evaluated == base.users_evaluated);
                }
            }
        }
    }
    // No excluded item is ever recommended.
    const auto r = m::evaluate_ranking(s, exr.view(), relr.view(), {.k = 10});
    for (std::size_t u = 0; u < users; ++u)
        for (std::size_t j = 0; j < 10; ++j)
            CHECK(std::find(ex[u].begin(), ex[u].end(), r.top_k(u, j)) == ex[u].end());
}

TEST_CASE("catalogue metrics: coverage, novelty, Gini of exposure (hand-computed)", "[ranking]") {
    cr::matrix<std::size_t> top = {{0, 1}, {0, 2}, {0, 1}};
    // Items 0, 1, 2 of 5 are recommended.
    CHECK(m::catalog_coverage(top, 5) == 0.6);
    // Exposures sorted: 0 0 1 2 3; sum (2j - n - 1) x_j = 0*1 + 2*2 + 4*3 = 16; G = 16 / (5 * 6).
    CHECK_THAT(m::gini_index(top, 5), WithinAbs(16.0 / 30.0, 1e-15));
    cr::matrix<std::size_t> even = {{0, 1}, {2, 3}};
    CHECK(m::gini_index(even, 4) == 0.0);
    // Counts 10 5 0 1 1 over 20 users: item 0 -> -log2(1/2) = 1 (3 slots), item 1 -> 2 (2 slots),
    // item 2 (count 0, taken as 1) -> log2 20 (1 slot).
    const std::vector<int> counts{10, 5, 0, 1, 1};
    CHECK_THAT(m::novelty(top, counts, 20), WithinAbs((3.0 + 4.0 + std::log2(20.0)) / 6.0, 1e-15));
    cr::matrix<std::size_t> bad = {{0, 7}};
    CHECK_THROWS_AS(m::catalog_coverage(bad, 5), cr::argument_error);
    CHECK_THROWS_WITH(m::gini_index(bad, 5), Contains("= 7 is out of range"));
}

TEST_CASE("errors name what is wrong", "[ranking]") {
    const auto sc = to_matrix({{0.3, 0.2, 0.1}, {0.3, 0.2, 0.1}});
    const rows_owner rel(lists{{0}, {1}});
    CHECK_THROWS_AS(m::evaluate_ranking(sc, {}, rel.view(), {.k = 0}), cr::argument_error);
    CHECK_THROWS_WITH(m::evaluate_ranking(sc, {}, rel.view(), {.k = 0}), Contains("k must be >= 1"));
    const rows_owner three(lists{{0}, {1}, {2}});
    CHECK_THROWS_AS(m::evaluate_ranking(sc, {}, three.view()), cr::shape_error);
    CHECK_THROWS_WITH(m::evaluate_ranking(sc, {}, three.view()),
                      Contains("relevant.offsets has 4 entries; the score matrix has 2 users"));
    const rows_owner out(lists{{0}, {3}});
    CHECK_THROWS_AS(m::evaluate_ranking(sc, {}, out.view()), cr::argument_error);
    CHECK_THROWS_WITH(m::evaluate_ranking(sc, {}, out.view()), Contains("relevant.items[1] = 3 (user 1) is out of range"));
    const rows_owner ex_out(lists{{9}, {}});
    CHECK_THROWS_WITH(m::evaluate_ranking(sc, ex_out.view(), rel.view()), Contains("exclude.items[0] = 9"));
    CHECK_THROWS_WITH(m::evaluate_ranking(sc, {}, m::sparse_rows{}), Contains("relevant.offsets has 0 entries"));
    const rows_owner dup(lists{{0, 0}, {1}});
    CHECK_THROWS_WITH(m::evaluate_ranking(sc, {}, dup.view()), Contains("listed twice for user 0"));
    auto nan = sc;
    nan(1, 2) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(m::evaluate_ranking(nan, {}, rel.view(), {.threads = 2}), cr::numeric_error);
    CHECK_THROWS_WITH(m::evaluate_ranking(nan, {}, rel.view()), Contains("scores(1, 2) is nan"));
    // A NaN far behind the best score: the blocks of 16 scores below the top-K threshold are skipped
    // whole, and a NaN must still be seen.
    cr::matrix<float> wide = cr::make_matrix<float>(1, 48);
    for (std::size_t i = 0; i < 48; ++i) wide(0, i) = 1.0f - 0.01f * static_cast<float>(i);
    wide(0, 20) = std::numeric_limits<float>::quiet_NaN();
    const rows_owner first(lists{{0}});
    CHECK_THROWS_WITH(m::evaluate_ranking(wide, {}, first.view(), {.k = 1}), Contains("scores(0, 20) is nan"));
    CHECK_THROWS_AS(m::ndcg_at_k(std::vector<double>{1, 0}, std::vector<double>{0.1}), cr::shape_error);
    CHECK_THROWS_WITH(m::ndcg_at_k(std::vector<double>{1, -1}, std::vector<double>{0.1, 0.2}),
                      Contains("y_true[1] = -1 is not a relevance"));
    CHECK_THROWS_AS(m::user_auc(std::vector<int>{1, 1}, std::vector<double>{0.1, 0.2}), cr::argument_error);
}

}  // namespace causalrec_test_ranking
