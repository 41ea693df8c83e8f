#pragma once
/// @file
/// Top-K ranking metrics for recommenders: per-user Precision@K, Recall@K, NDCG@K, MAP@K, MRR,
/// HitRate@K and AUC on one user's scores; catalogue metrics (coverage, novelty, Gini of exposure)
/// over all users' top-K lists; and evaluate_ranking, which ranks a dense users x items score
/// matrix (excluding each user's training items), selects every user's top K without sorting the
/// row, and averages the metrics over users on causalrec::num_threads() threads. NDCG follows
/// scikit-learn 1.2's ndcg_score; conventions are listed in docs/metrics.md ("Ranking metrics").

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../core/threads.hpp"
#include "concepts.hpp"
#include "detail/input.hpp"

namespace causalrec::metrics {

/// How items with equal scores are ordered.
enum class tie_break {
    index_ascending,   ///< the lower item index ranks first (fast; the default)
    index_descending,  ///< the higher item index ranks first (scikit-learn's ndcg_score with ignore_ties=True)
    average,  ///< NDCG averages the gains of each tied group (scikit-learn's ignore_ties=False); other metrics use index_ascending
    /// Among equal scores the relevant items rank last, then by ascending index: a tie earns no credit
    /// (Sun et al., "Are we evaluating rigorously?", RecSys 2020). A model that scores the items it
    /// cannot rank alike (0 for a k-NN item no neighbour reaches) then gets no hit from them.
    pessimistic,
};

/// What users (or a single call) with no relevant item get.
enum class no_relevant_policy {
    skip,  ///< left out of the means (a single-user call throws argument_error); the default
    zero,  ///< every metric of that user is 0
    one,   ///< every metric of that user is 1 (as some papers' evaluation code does)
};

/// The metrics evaluate_ranking computes, as bit flags combined with |.
enum class ranking_metric : unsigned {
    none = 0,            ///< nothing (top-K lists only)
    precision = 1u << 0, ///< Precision@K = hits / K
    recall = 1u << 1,    ///< Recall@K = hits / |relevant| (or / min(|relevant|, K) with recall_capped)
    ndcg = 1u << 2,      ///< NDCG@K, linear gain, discount 1 / log2(rank + 1)
    map = 1u << 3,       ///< MAP@K: average precision at K over min(|relevant|, K)
    mrr = 1u << 4,       ///< reciprocal rank of the first relevant item (cut at K unless mrr_cutoff = false)
    hit_rate = 1u << 5,  ///< 1 when at least one relevant item is in the top K
    auc = 1u << 6,       ///< per-user AUC over relevant vs non-relevant candidates, ties 1/2
    all = (1u << 7) - 1, ///< every metric above
};

/// Union of two metric sets.
constexpr ranking_metric operator|(ranking_metric a, ranking_metric b) noexcept {
    return static_cast<ranking_metric>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
/// True when set a contains metric b.
constexpr bool has(ranking_metric a, ranking_metric b) noexcept {
    return (static_cast<unsigned>(a) & static_cast<unsigned>(b)) != 0;
}

/// One value per metric; NaN for a metric that was not computed (or, in a mean, had no user).
struct ranking_values {
    double precision = std::numeric_limits<double>::quiet_NaN();  ///< Precision@K
    double recall = std::numeric_limits<double>::quiet_NaN();     ///< Recall@K
    double ndcg = std::numeric_limits<double>::quiet_NaN();       ///< NDCG@K
    double map = std::numeric_limits<double>::quiet_NaN();        ///< MAP@K (a user's AP@K)
    double mrr = std::numeric_limits<double>::quiet_NaN();        ///< (mean) reciprocal rank
    double hit_rate = std::numeric_limits<double>::quiet_NaN();   ///< HitRate@K
    double auc = std::numeric_limits<double>::quiet_NaN();        ///< AUC
};

/// Options of the single-user metrics (precision_at_k, ndcg_at_k, ...).
struct user_ranking_options {
    std::size_t k = 0;                                         ///< cut-off; 0 means all candidates
    tie_break ties = tie_break::index_ascending;               ///< order of equal scores
    no_relevant_policy no_relevant = no_relevant_policy::skip; ///< skip throws argument_error for such a user
    bool recall_capped = false;  ///< recall_at_k divides by min(|relevant|, K) instead of |relevant|
    bool mrr_cutoff = true;      ///< reciprocal_rank is 0 when the first relevant item is below rank K
};

/// A CSR-like view of per-user item lists: user u's items are items[offsets[u] .. offsets[u + 1]).
/// offsets has users + 1 entries starting at 0 and ending at items.size(); empty offsets mean "no
/// items for any user" (allowed for the exclusion lists only).
struct sparse_rows {
    std::span<const std::size_t> offsets{};  ///< row pointers, users + 1 entries
    std::span<const std::size_t> items{};    ///< item indices, row after row
};

/// Options of evaluate_ranking.
struct ranking_eval_options {
    std::size_t k = 10;                                             ///< cut-off K, >= 1
    ranking_metric metrics = ranking_metric::ndcg | ranking_metric::recall;  ///< which metrics to compute
    tie_break ties = tie_break::index_ascending;                    ///< order of equal scores
    no_relevant_policy no_relevant = no_relevant_policy::skip;      ///< users with no relevant item
    bool recall_capped = false;   ///< Recall@K divides by min(|relevant|, K) instead of |relevant|
    bool mrr_cutoff = true;       ///< MRR counts only a first relevant item within the top K
    bool per_user = false;        ///< fill ranking_result::per_user
    bool keep_top_k = true;       ///< fill ranking_result::top_k (needed by the catalogue metrics)
    int threads = 0;              ///< worker threads; 0 means causalrec::num_threads()
};

/// Marks an empty slot of a top-K list (a user with fewer than K candidate items).
inline constexpr std::size_t no_item = std::numeric_limits<std::size_t>::max();

/// What evaluate_ranking returns.
struct ranking_result {
    std::size_t k = 0;                ///< the cut-off used
    std::size_t users_evaluated = 0;  ///< users in the means
    std::size_t users_skipped = 0;    ///< users with no relevant item left out (no_relevant_policy::skip)
    ranking_values mean{};            ///< means over evaluated users (AUC over users where it is defined)
    std::vector<ranking_values> per_user{};  ///< one entry per user when requested; all NaN for a skipped user
    matrix<std::size_t> top_k{};      ///< users x K item indices, best first; no_item pads short lists
};

namespace detail {

/// An item and its score while selecting a top-K list.
struct scored_item {
    double score;       ///< the score (converted to double)
    std::size_t item;   ///< the item index
};

/// True when a ranks before b under the index tie-break (ascending unless descending is set).
inline bool ranks_before(const scored_item& a, const scored_item& b, bool descending) noexcept {
    if (a.score != b.score) return a.score > b.score;
    return descending ? a.item > b.item : a.item < b.item;
}

/// Per-thread buffers reused across users: the heap of the top K and the AUC pairs.
struct rank_workspace {
    std::vector<scored_item> top;               ///< top-K heap, then the sorted list
    std::vector<std::pair<double, bool>> pairs; ///< candidates for AUC (score, relevant)
};

/// 1 / log2(r + 2) for ranks r = 0 .. k - 1.
std::vector<double> discounts(std::size_t k);

/// The policy's value for every selected metric (zero or one).
inline ranking_values policy_values(ranking_metric which, double v) noexcept {
    ranking_values out;
    if (has(which, ranking_metric::precision)) out.precision = v;
    if (has(which, ranking_metric::recall)) out.recall = v;
    if (has(which, ranking_metric::ndcg)) out.ndcg = v;
    if (has(which, ranking_metric::map)) out.map = v;
    if (has(which, ranking_metric::mrr)) out.mrr = v;
    if (has(which, ranking_metric::hit_rate)) out.hit_rate = v;
    if (has(which, ranking_metric::auc)) out.auc = v;
    return out;
}

/// Settings of rank_one, resolved from either options struct.
struct rank_settings {
    std::size_t k;           ///< cut-off, >= 1
    ranking_metric which;    ///< metrics to compute
    tie_break ties;          ///< order of equal scores
    bool recall_capped;      ///< Recall@K over min(|rel|, K)
    bool mrr_cutoff;         ///< MRR cut at K
};

/// Thrown inside rank_one for a NaN score; the caller turns it into a numeric_error naming the user.
struct nan_score {
    std::size_t item;  ///< the item with a NaN score
};

/// Ranks one user's candidates and computes the selected metrics. row[i] is item i's score,
/// excluded(i) removes item i from the candidates, gain(i) >= 0 is its relevance (0: not relevant),
/// n_relevant the number of items with gain > 0 and idcg the ideal DCG at K. Writes the top list
/// (padded with no_item) to top_out when it is not null.
template <class T, class Excluded, class Gain>
ranking_values rank_one(const T* row, std::size_t n, const Excluded& excluded, const Gain& gain, std::size_t n_relevant,
                        double idcg, const rank_settings& s, std::span<const double> disc, rank_workspace& ws,
                        std::size_t* top_out) {
    const bool descending = s.ties == tie_break::index_descending;
    const bool pessimistic = s.ties == tie_break::pessimistic;
    // a before b: the higher score; among equal scores (pessimistic) the non-relevant item, then the
    // index. As the heap's order it keeps the worst of the kept items at the front.
    auto before = [&](const scored_item& a, const scored_item& b) {
        if (pessimistic && a.score == b.score) {
            const bool relevant_a = gain(a.item) > 0.0, relevant_b = gain(b.item) > 0.0;
            if (relevant_a != relevant_b) return relevant_b;
        }
        return ranks_before(a, b, descending);
    };
    // Per-row partial selection: a K-entry heap; most items fail the first comparison.
    std::vector<scored_item>& top = ws.top;
    top.clear();
    double threshold = -std::numeric_limits<double>::infinity();
    constexpr std::size_t chunk = 16;
    for (std::size_t i = 0; i < n; ++i) {
        if (i % chunk == 0 && top.size() == s.k && i + chunk <= n) {
            // Once the heap is full, skip the next 16 scores at once when all are below the threshold
            // (a score of T, so exact in T; NaN is not below it and is looked at one by one).
            const T below = static_cast<T>(threshold);
            int candidates = 0;
            for (std::size_t j = 0; j < chunk; ++j) candidates |= !(row[i + j] < below) ? 1 : 0;
            if (candidates == 0) {
                i += chunk - 1;
                continue;
            }
        }
        const double v = static_cast<double>(row[i]);
        if (v < threshold) continue;
        if (excluded(i)) continue;
        if (std::isnan(v)) throw nan_score{i};
        const scored_item c{v, i};
        if (top.size() < s.k) {
            top.push_back(c);
            std::push_heap(top.begin(), top.end(), before);
            if (top.size() == s.k) threshold = top.front().score;
        } else if (before(c, top.front())) {
            std::pop_heap(top.begin(), top.end(), before);
            top.back() = c;
            std::push_heap(top.begin(), top.end(), before);
            threshold = top.front().score;
        }
    }
    std::sort_heap(top.begin(), top.end(), before);  // best first
    const std::size_t len = top.size();
    if (top_out != nullptr) {
        for (std::size_t r = 0; r < s.k; ++r) top_out[r] = r < len ? top[r].item : no_item;
    }

    const double kd = static_cast<double>(s.k);
    const double rel = static_cast<double>(n_relevant);
    double hits = 0.0, dcg = 0.0, ap = 0.0, first_rank = 0.0;
    for (std::size_t r = 0; r < len; ++r) {
        const double g = gain(top[r].item);
        if (g > 0.0) {
            hits += 1.0;
            ap += hits / static_cast<double>(r + 1);
            if (first_rank == 0.0) first_rank = static_cast<double>(r + 1);
        }
        dcg += g * disc[r];
    }
    ranking_values out;
    if (has(s.which, ranking_metric::precision)) out.precision = hits / kd;
    if (has(s.which, ranking_metric::recall)) out.recall = hits / (s.recall_capped ? std::min(rel, kd) : rel);
    if (has(s.which, ranking_metric::hit_rate)) out.hit_rate = hits > 0.0 ? 1.0 : 0.0;
    if (has(s.which, ranking_metric::map)) out.map = ap / std::min(rel, kd);
    if (has(s.which, ranking_metric::ndcg)) {
        if (s.ties == tie_break::average && len > 0) {
            // scikit-learn's tie-averaged DCG: each group of equal scores contributes its mean gain times
            // the sum of its discounts within the top K; the last group may extend past rank K.
            dcg = 0.0;
            std::size_t a = 0;
            while (a < len) {
                std::size_t b = a + 1;
                double group_gain = gain(top[a].item);
                while (b < len && top[b].score == top[a].score) group_gain += gain(top[b].item), ++b;
                double group_size = static_cast<double>(b - a);
                if (b == len && len == s.k) {  // ties with candidates outside the list?
                    group_gain = 0.0;
                    group_size = 0.0;
                    for (std::size_t i = 0; i < n; ++i) {
                        if (static_cast<double>(row[i]) == top[a].score && !excluded(i)) {
                            group_gain += gain(i);
                            group_size += 1.0;
                        }
                    }
                }
                double d = 0.0;
                for (std::size_t r = a; r < b; ++r) d += disc[r];
                dcg += group_gain / group_size * d;
                a = b;
            }
        }
        out.ndcg = dcg / idcg;
    }
    if (has(s.which, ranking_metric::mrr)) {
        if (first_rank > 0.0 || s.mrr_cutoff) {
            out.mrr = first_rank > 0.0 ? 1.0 / first_rank : 0.0;
        } else {
            // Rank in the whole ranking: 1 + candidates ranking before the best relevant candidate.
            bool found = false;
            scored_item best{0.0, 0};
            for (std::size_t i = 0; i < n; ++i) {
                if (gain(i) > 0.0 && !excluded(i)) {
                    const scored_item c{static_cast<double>(row[i]), i};
                    if (!found || before(c, best)) best = c, found = true;
                }
            }
            double ahead = 0.0;
            if (found) {
                for (std::size_t i = 0; i < n; ++i) {
                    if (!excluded(i) && before({static_cast<double>(row[i]), i}, best)) ahead += 1.0;
                }
            }
            out.mrr = found ? 1.0 / (ahead + 1.0) : 0.0;
        }
    }
    if (has(s.which, ranking_metric::auc)) {
        // Mann-Whitney: mean rank of relevant candidates among all candidates, ties at their mid-rank.
        auto& pairs = ws.pairs;
        pairs.clear();
        for (std::size_t i = 0; i < n; ++i) {
            if (excluded(i)) continue;
            const double v = static_cast<double>(row[i]);
            if (std::isnan(v)) throw nan_score{i};
            pairs.emplace_back(v, gain(i) > 0.0);
        }
        std::sort(pairs.begin(), pairs.end(),
                  [](const auto& x, const auto& y) { return x.first < y.first; });
        double pos = 0.0, rank_sum = 0.0;
        for (std::size_t a = 0; a < pairs.size();) {
            std::size_t b = a;
            double p = 0.0;
            while (b < pairs.size() && pairs[b].first == pairs[a].first) p += pairs[b].second ? 1.0 : 0.0, ++b;
            rank_sum += p * (static_cast<double>(a + b + 1) / 2.0);  // mid-rank of positions a+1 .. b
            pos += p;
            a = b;
        }
        const double neg = static_cast<double>(pairs.size()) - pos;
        if (pos > 0.0 && neg > 0.0) out.auc = (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg);
    }
    return out;
}

/// Checks a sparse_rows view against the user and item counts; names the view, user and position at fault.
void check_rows(const sparse_rows& rows, std::size_t users, std::size_t n_items, const char* name,
                       bool allow_empty);

/// Mean of one field over the users that have it (not NaN), summed in user order.
template <class F>
double mean_over(const std::vector<ranking_values>& v, F field) {
    double sum = 0.0, count = 0.0;
    for (const ranking_values& x : v) {
        const double f = x.*field;
        if (!std::isnan(f)) sum += f, count += 1.0;
    }
    return count > 0.0 ? sum / count : std::numeric_limits<double>::quiet_NaN();
}

/// Shared body of the single-user metrics: validates, ranks, and returns all values.
template <value_array YT, value_array YS>
ranking_values single_user(const YT& y_true, const YS& y_score, const user_ranking_options& o, ranking_metric which,
                           const char* fn) {
    using causalrec::cat;
    const auto t = as_span(y_true, fn, "y_true");
    const auto s = as_span(y_score, fn, "y_score");
    if (t.size() != s.size()) {
        fail<shape_error>(fn, cat("y_true has ", t.size(), " elements but y_score has ", s.size()));
    }
    if (t.empty()) fail<shape_error>(fn, "y_true and y_score are empty");
    std::vector<double> gains(t.size());
    std::size_t n_rel = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const double g = static_cast<double>(t[i]);
        if (!std::isfinite(g) || g < 0.0) {
            fail<argument_error>(fn, cat("y_true[", i, "] = ", g, " is not a relevance (expected a finite value >= 0)"));
        }
        gains[i] = g;
        n_rel += g > 0.0 ? 1 : 0;
    }
    if (n_rel == 0) {
        if (o.no_relevant == no_relevant_policy::skip) {
            fail<argument_error>(fn, "y_true has no relevant item (every gain is 0), so the metric is undefined; "
                                     "set no_relevant to zero or one to score such a user");
        }
        return policy_values(which, o.no_relevant == no_relevant_policy::one ? 1.0 : 0.0);
    }
    const std::size_t k = o.k == 0 ? t.size() : o.k;
    const std::size_t kk = std::min(k, t.size());
    const std::vector<double> disc = discounts(kk);
    std::vector<double> ideal(gains);
    std::partial_sort(ideal.begin(), ideal.begin() + static_cast<std::ptrdiff_t>(kk), ideal.end(), std::greater<>{});
    double idcg = 0.0;
    for (std::size_t r = 0; r < kk; ++r) idcg += ideal[r] * disc[r];
    rank_workspace ws;
    const rank_settings st{k, which, o.ties, o.recall_capped, o.mrr_cutoff};
    try {
        return rank_one(
            s.data(), s.size(), [](std::size_t) { return false; }, [&](std::size_t i) { return gains[i]; }, n_rel,
            idcg, st, disc, ws, nullptr);
    } catch (const nan_score& e) {
        fail<numeric_error>(fn, cat("y_score[", e.item, "] is nan"));
    }
}

/// A one-user ranking metric as a function object: (y_true, y_score[, options]) -> the metric's value.
struct user_metric {
    const char* name;               ///< the public name, in messages
    ranking_metric which;           ///< the metric computed
    double ranking_values::*value;  ///< its field of ranking_values

    /// The metric of one user's relevances y_true ranked by y_score.
    template <value_array YT, value_array YS>
    double operator()(const YT& y_true, const YS& y_score, const user_ranking_options& options = {}) const {
        const double v = single_user(y_true, y_score, options, which, name).*value;
        if (which == ranking_metric::auc && std::isnan(v))
            fail<argument_error>(name, "every item is relevant: AUC needs a non-relevant item");
        return v;
    }
};

}  // namespace detail

/// Precision@K of one user: relevant items (y_true > 0) among the top K of y_score, over K.
inline constexpr detail::user_metric precision_at_k{"precision_at_k", ranking_metric::precision, &ranking_values::precision};

/// Recall@K of one user: relevant items in the top K over |relevant| (or min(|relevant|, K) if recall_capped).
inline constexpr detail::user_metric recall_at_k{"recall_at_k", ranking_metric::recall, &ranking_values::recall};

/// NDCG@K of one user with graded gains y_true >= 0, as scikit-learn's ndcg_score (ties: options.ties).
inline constexpr detail::user_metric ndcg_at_k{"ndcg_at_k", ranking_metric::ndcg, &ranking_values::ndcg};

/// AP@K of one user: sum of Precision@r at each relevant rank r <= K, over min(|relevant|, K).
inline constexpr detail::user_metric average_precision_at_k{"average_precision_at_k", ranking_metric::map, &ranking_values::map};

/// Reciprocal rank of the first relevant item (0 when it is below K and options.mrr_cutoff is set).
inline constexpr detail::user_metric reciprocal_rank{"reciprocal_rank", ranking_metric::mrr, &ranking_values::mrr};

/// HitRate@K of one user: 1 when a relevant item is in the top K, else 0.
inline constexpr detail::user_metric hit_rate_at_k{"hit_rate_at_k", ranking_metric::hit_rate, &ranking_values::hit_rate};

/// AUC of one user: share of (relevant, non-relevant) pairs ordered correctly by y_score, ties 1/2;
/// raises argument_error when every item is relevant.
inline constexpr detail::user_metric user_auc{"user_auc", ranking_metric::auc, &ranking_values::auc};

/// Ranks each user's items by score (a users x items matrix), leaves out exclude's items, keeps the top
/// K and averages the selected metrics over users, with relevant's items as the relevant set.
template <std::floating_point T>
ranking_result evaluate_ranking(const matrix<T>& scores, const sparse_rows& exclude, const sparse_rows& relevant,
                                const ranking_eval_options& options = {}) {
    using causalrec::cat;
    constexpr const char* fn = "evaluate_ranking";
    if (options.k == 0) detail::fail<argument_error>(fn, "k must be >= 1, got 0");
    if (options.threads < 0) detail::fail<argument_error>(fn, cat("threads must be >= 0, got ", options.threads));
    const std::size_t users = scores.shape()[0], n_items = scores.shape()[1];
    detail::check_rows(exclude, users, n_items, "exclude", true);
    detail::check_rows(relevant, users, n_items, "relevant", false);
    {  // duplicate relevant items would count twice in |relevant|
        std::vector<std::size_t> seen(n_items, no_item);
        for (std::size_t u = 0; u < users; ++u) {
            for (std::size_t j = relevant.offsets[u]; j < relevant.offsets[u + 1]; ++j) {
                const std::size_t i = relevant.items[j];
                if (seen[i] == u) {
                    detail::fail<argument_error>(fn, cat("relevant item ", i, " is listed twice for user ", u));
                }
                seen[i] = u;
            }
        }
    }
    const std::size_t k = options.k;
    ranking_result result;
    result.k = k;
    if (options.keep_top_k) result.top_k = make_matrix<std::size_t>(users, k);
    std::vector<ranking_values> values(users);
    std::vector<unsigned char> skipped(users, 0);
    const std::vector<double> disc = detail::discounts(std::min(k, n_items));
    std::vector<double> ideal(disc.size() + 1, 0.0);  // ideal[m] = DCG of m relevant items on top
    for (std::size_t r = 0; r < disc.size(); ++r) ideal[r + 1] = ideal[r] + disc[r];
    const detail::rank_settings st{k, options.metrics, options.ties, options.recall_capped, options.mrr_cutoff};
    const detail::rank_settings st_list_only{k, ranking_metric::none, options.ties, false, true};
    const double policy_value = options.no_relevant == no_relevant_policy::one ? 1.0 : 0.0;

    std::size_t n_threads = options.threads > 0 ? static_cast<std::size_t>(options.threads)
                                                : static_cast<std::size_t>(num_threads());
    n_threads = std::max<std::size_t>(1, std::min(n_threads, users));
    std::vector<std::exception_ptr> errors(n_threads);
    std::vector<std::size_t> error_user(n_threads, no_item);

    auto work = [&](std::size_t t) {
        const std::size_t begin = users * t / n_threads, end = users * (t + 1) / n_threads;
        detail::rank_workspace ws;
        ws.top.reserve(k);
        std::vector<unsigned char> mask(n_items, 0);  // bit 0: excluded, bit 1: relevant
        std::size_t u = begin;
        try {
            for (; u < end; ++u) {
                const std::size_t rb = relevant.offsets[u], re = relevant.offsets[u + 1];
                const std::size_t n_rel = re - rb;
                if (n_rel == 0) {
                    if (options.no_relevant == no_relevant_policy::skip) {
                        skipped[u] = 1;
                    } else {
                        values[u] = detail::policy_values(options.metrics, policy_value);
                    }
                    // the top-K list is still wanted for the catalogue metrics
                }
                const std::size_t eb = exclude.offsets.empty() ? 0 : exclude.offsets[u];
                const std::size_t ee = exclude.offsets.empty() ? 0 : exclude.offsets[u + 1];
                for (std::size_t j = eb; j < ee; ++j) mask[exclude.items[j]] |= 1;
                for (std::size_t j = rb; j < re; ++j) mask[relevant.items[j]] |= 2;
                const T* row = scores.data() + u * n_items;
                std::size_t* top_out = options.keep_top_k ? result.top_k.data() + u * k : nullptr;
                const double idcg = ideal[std::min(n_rel, disc.size())];
                const ranking_values v = detail::rank_one(
                    row, n_items, [&](std::size_t i) { return (mask[i] & 1) != 0; },
                    [&](std::size_t i) { return (mask[i] & 2) != 0 ? 1.0 : 0.0; }, n_rel, idcg, n_rel > 0 ? st : st_list_only, disc, ws, top_out);
                if (n_rel > 0) values[u] = v;
                for (std::size_t j = eb; j < ee; ++j) mask[exclude.items[j]] = 0;
                for (std::size_t j = rb; j < re; ++j) mask[relevant.items[j]] = 0;
            }
        } catch (const detail::nan_score& e) {
            error_user[t] = u;
            try {
                detail::fail<numeric_error>(fn, cat("scores(", u, ", ", e.item, ") is nan"));
            } catch (...) {
                errors[t] = std::current_exception();
            }
        } catch (...) {
            error_user[t] = u;
            errors[t] = std::current_exception();
        }
    };
    if (n_threads == 1) {
        work(0);
    } else {
        std::vector<std::thread> pool;
        pool.reserve(n_threads - 1);
        for (std::size_t t = 1; t < n_threads; ++t) pool.emplace_back(work, t);
        work(0);
        for (std::thread& th : pool) th.join();
    }
    for (std::size_t t = 0; t < n_threads; ++t) {  // the error of the lowest user, whatever the thread count
        if (errors[t]) std::rethrow_exception(errors[t]);
    }

    std::vector<ranking_values> kept;
    kept.reserve(users);
    for (std::size_t u = 0; u < users; ++u) {
        if (skipped[u]) {
            ++result.users_skipped;
        } else {
            kept.push_back(values[u]);
        }
    }
    result.users_evaluated = kept.size();
    result.mean.precision = detail::mean_over(kept, &ranking_values::precision);
    result.mean.recall = detail::mean_over(kept, &ranking_values::recall);
    result.mean.ndcg = detail::mean_over(kept, &ranking_values::ndcg);
    result.mean.map = detail::mean_over(kept, &ranking_values::map);
    result.mean.mrr = detail::mean_over(kept, &ranking_values::mrr);
    result.mean.hit_rate = detail::mean_over(kept, &ranking_values::hit_rate);
    result.mean.auc = detail::mean_over(kept, &ranking_values::auc);
    if (options.per_user) result.per_user = std::move(values);
    return result;
}

namespace detail {
/// Checks a top-K matrix's entries (item indices below n_items, or no_item).
void check_top(const matrix<std::size_t>& top_k, std::size_t n_items, const char* fn);
}  // namespace detail

/// Catalog coverage: share of the n_items items that appear in at least one top-K list.
double catalog_coverage(const matrix<std::size_t>& top_k, std::size_t n_items);

/// Novelty: mean over recommended slots of -log2(max(count_i, 1) / n_train_users), count_i being item
/// i's training interaction count (users who interacted with it); higher means less popular items.
template <value_array C>
double novelty(const matrix<std::size_t>& top_k, const C& item_counts, std::size_t n_train_users) {
    using causalrec::cat;
    const auto counts = detail::as_span(item_counts, "novelty", "item_counts");
    detail::check_top(top_k, counts.size(), "novelty");
    if (n_train_users == 0) detail::fail<argument_error>("novelty", "n_train_users must be >= 1, got 0");
    double sum = 0.0, slots = 0.0;
    for (const std::size_t i : top_k) {
        if (i == no_item) continue;
        const double c = static_cast<double>(counts[i]);
        if (!(c >= 0.0)) detail::fail<argument_error>("novelty", cat("item_counts[", i, "] = ", c, " is negative"));
        sum += -std::log2(std::max(c, 1.0) / static_cast<double>(n_train_users));
        slots += 1.0;
    }
    if (slots == 0.0) detail::fail<argument_error>("novelty", "top_k holds no item");
    return sum / slots;
}

/// Gini index of exposure: inequality of how often each of the n_items items is recommended (0: all
/// equally often; near 1: a few items take every slot). Items never recommended count as 0 exposures.
double gini_index(const matrix<std::size_t>& top_k, std::size_t n_items);

}  // namespace causalrec::metrics

#if CAUSALREC_HEADER_ONLY
#include "impl/ranking.hpp"
#endif
