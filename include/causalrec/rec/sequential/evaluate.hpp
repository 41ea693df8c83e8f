#pragma once
/// @file
/// Evaluation of next-item models on a leave-one-out split, under the two protocols in use:
/// - sampled (the SASRec protocol): the target is ranked against 100 items drawn uniformly, with
///   replacement, from the items outside the user's training sequence (and other than the target);
///   at most 10,000 users;
/// - full: the target is ranked against every item except those of the input history.
/// Hit rate and NDCG at k (1 / log2(rank + 2) for a target ranked `rank` < k, 0-based). The sampled
/// protocol's figures are several times higher than the full ranking's: 100 random items are far
/// easier to beat than the whole catalogue. Always report which one a figure is.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../../core/rng.hpp"
#include "../../data/sequences.hpp"

namespace causalrec::rec {

/// Which candidates the target is ranked against.
enum class next_item_protocol : std::uint8_t {
    sampled,  ///< the target and `negatives` uniform draws among the items outside the training sequence (Kang & McAuley 2018)
    full,     ///< every item but those of the input history (the target always stays)
};

/// The protocol's name, for tables: "sampled-100" style names are built by the caller.
inline std::string_view to_string(next_item_protocol p) noexcept { return p == next_item_protocol::sampled ? "sampled" : "full"; }

/// Options of evaluate_next_item.
struct next_item_evaluation_options {
    next_item_protocol protocol = next_item_protocol::sampled;  ///< candidates
    std::size_t k = 10;              ///< cut-off of HR@k and NDCG@k (>= 1)
    std::size_t negatives = 100;     ///< sampled protocol: items drawn besides the target (>= 1)
    std::size_t max_users = 10000;   ///< users evaluated: a seeded sample when more qualify; 0 = all
    bool validation = false;         ///< rank the validation item after the training sequence (model selection),
                                     ///< instead of the test item after training + validation
    std::uint64_t seed = 42;         ///< user sample and sampled candidates
};

/// HR@k and NDCG@k averaged over the evaluated users.
struct next_item_metrics {
    double hit_rate = 0.0;   ///< share of users whose target ranks in the top k
    double ndcg = 0.0;       ///< mean NDCG@k
    std::size_t users = 0;   ///< users evaluated
};

/// A model that scores candidate items after a history: score_history(history, items) -> one score
/// per item (higher = more likely next).
template <class M>
concept NextItemScorer = requires(const M& model, std::span<const std::uint32_t> history, std::span<const std::size_t> items) {
    { model.score_history(history, items) } -> std::convertible_to<std::vector<double>>;
};

/// A next-item scorer that also reads who the history belongs to (Caser's user embedding):
/// score_user_history(user, history, items); evaluate_next_item prefers it.
template <class M>
concept UserAwareNextItemScorer = requires(const M& model, std::size_t user, std::span<const std::uint32_t> history,
                                           std::span<const std::size_t> items) {
    { model.score_user_history(user, history, items) } -> std::convertible_to<std::vector<double>>;
};

/// Evaluates `model` on the users of `split` with held-out items (and a non-empty training sequence)
/// under the chosen protocol (scored for the user when the model is a UserAwareNextItemScorer). A
/// candidate scoring equal to the target counts as ranked above it.
/// Raises argument_error for k or negatives of 0, or when no user qualifies.
template <NextItemScorer Model>
next_item_metrics evaluate_next_item(const Model& model, const data::sequence_split& split, const next_item_evaluation_options& o = {}) {
    if (o.k == 0) throw argument_error("causalrec::rec::evaluate_next_item: k must be >= 1");
    if (o.protocol == next_item_protocol::sampled && o.negatives == 0)
        throw argument_error("causalrec::rec::evaluate_next_item: negatives must be >= 1");
    const auto& train = split.train;
    const std::size_t n_items = train.n_items();
    std::vector<std::size_t> users;
    for (std::size_t u = 0; u < train.n_users(); ++u)
        if (split.evaluated(u) && train.length(u) > 0) users.push_back(u);
    if (users.empty()) throw argument_error("causalrec::rec::evaluate_next_item: no user has held-out items and a training sequence");
    rng engine(o.seed);
    if (o.max_users != 0 && users.size() > o.max_users) {  // a seeded sample, kept in user order
        engine.shuffle(std::span<std::size_t>(users));
        users.resize(o.max_users);
        std::sort(users.begin(), users.end());
    }
    std::vector<std::uint32_t> history;
    std::vector<std::size_t> candidates;
    std::vector<char> in_train(n_items, 0), excluded(n_items, 0);
    next_item_metrics m;
    for (const std::size_t u : users) {
        const auto seq = train.of(u);
        history.assign(seq.begin(), seq.end());
        std::uint32_t target = split.validation[u];
        if (!o.validation) {
            history.push_back(split.validation[u]);
            target = split.test[u];
        }
        candidates.clear();
        candidates.push_back(target);
        if (o.protocol == next_item_protocol::sampled) {
            std::size_t marked = 0;
            for (const auto i : seq) marked += in_train[i] == 0, in_train[i] = 1;
            marked += in_train[target] == 0;
            in_train[target] = 1;  // the authors' code may draw the target itself (0.4 % of users on Video); not here
            if (marked == n_items)
                throw argument_error(causalrec::cat("causalrec::rec::evaluate_next_item: user ", u,
                                                    " has every item in the training sequence or as target; no negative can be drawn"));
            for (std::size_t n = 0; n < o.negatives; ++n) {
                std::size_t item = 0;
                do item = static_cast<std::size_t>(engine.uniform_index(n_items));
                while (in_train[item]);
                candidates.push_back(item);
            }
            for (const auto i : seq) in_train[i] = 0;
            in_train[target] = 0;
        } else {
            for (const auto i : history) excluded[i] = 1;
            excluded[target] = 0;
            for (std::size_t i = 0; i < n_items; ++i)
                if (!excluded[i] && i != target) candidates.push_back(i);
            for (const auto i : history) excluded[i] = 0;
        }
        std::vector<double> scores;
        if constexpr (UserAwareNextItemScorer<Model>) scores = model.score_user_history(u, history, candidates);
        else scores = model.score_history(history, candidates);
        std::size_t rank = 0;
        for (std::size_t c = 1; c < scores.size(); ++c)
            if (scores[c] >= scores[0]) ++rank;
        if (rank < o.k) {
            m.hit_rate += 1.0;
            m.ndcg += 1.0 / std::log2(static_cast<double>(rank) + 2.0);
        }
        ++m.users;
    }
    m.hit_rate /= static_cast<double>(m.users);
    m.ndcg /= static_cast<double>(m.users);
    return m;
}

/// Training-set popularity as a next-item scorer (the same scores whatever the history): the baseline
/// every next-item table reports.
class popularity_scorer {
public:
    /// Counts every item occurrence in `train`.
    explicit popularity_scorer(const data::sequences& train);

    /// The training counts of `items`; raises argument_error for an index out of range.
    std::vector<double> score_history(std::span<const std::uint32_t>, std::span<const std::size_t> items) const;

private:
    std::vector<double> counts_;
};

/// The true next-item probabilities of simulated Markov data as a scorer: the best any model can do.
class markov_oracle {
public:
    /// An oracle for `data` (kept by reference: it must outlive the oracle).
    explicit markov_oracle(const data::markov_sequence_data& data) : data_(&data) {}

    /// P(item | the history's last item) for each of `items`; raises argument_error for an empty history.
    std::vector<double> score_history(std::span<const std::uint32_t> history, std::span<const std::size_t> items) const;

private:
    const data::markov_sequence_data* data_;
};

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/evaluate.hpp"
#endif
