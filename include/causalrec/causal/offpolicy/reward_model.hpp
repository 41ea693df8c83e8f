#pragma once
/// @file
/// The reward model of the model-based off-policy estimators (DM, DR, SNDR, Switch-DR, DRos): any of
/// the library's regressors or classifiers fitted on logged bandit feedback, with K-fold
/// cross-fitting so that no round's prediction comes from a model that saw that round, as the Open
/// Bandit Pipeline's RegressionModel.fit_predict does (its `n_folds`; one model per slot of a slate).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../concepts.hpp"
#include "policy_value.hpp"

namespace causalrec::causal {

/// Options of fit_predict_reward_model.
struct reward_model_options {
    /// Cross-fitting folds K >= 1: the rounds are dealt into K seeded folds, and every round's
    /// predictions come from a model fitted on the other K - 1 folds. K = 1 fits one model on every
    /// round and predicts the same rounds (in-sample; the Open Bandit Pipeline's default).
    std::size_t folds = 1;
    std::uint64_t seed = 0;     ///< seed of the fold assignment
    bool per_position = true;   ///< slate logs: one model per slot, each fitted and cross-fitted on its slot's rounds alone
    std::size_t predict_batch_rounds = 2048;  ///< rounds whose (round, action) rows are predicted at once (bounds memory), >= 1
};

namespace detail {

/// The feature row of (context row j, action a): the context, then the action's features.
inline void reward_features(const matrix<double>& contexts, std::size_t j, const matrix<double>* action_features, std::size_t n_actions,
                            std::size_t a, double* out) {
    const std::size_t d = contexts.shape()[1];
    std::copy_n(contexts.data() + j * d, d, out);
    if (action_features) {
        const std::size_t m = action_features->shape()[1];
        std::copy_n(action_features->data() + a * m, m, out + d);
    } else {
        std::fill_n(out + d, n_actions, 0.0);
        out[d + a] = 1.0;
    }
}

}  // namespace detail

/// Fits the reward model r_hat(x, a) of logged bandit feedback and predicts it for every round and
/// every action: the rounds x n_actions matrix the model-based estimators take as
/// `policy_value_options::reward_model`. The features of (round j, action a) are row j of `contexts`
/// followed by row a of `action_features` (the one-hot encoding of a when it is null, as the Open
/// Bandit Pipeline's default action context); a fresh copy of `prototype` is fitted on the logged
/// (features of round j and its action, reward) pairs, a Classifier through predict_proba (rewards
/// must then be 0/1), a Regressor through predict. With options.folds = K > 1 every round is predicted
/// by the model fitted without its fold (cross-fitting, which keeps DR's correction term from
/// reusing the model's own fit); a slate log gets one model per slot (options.per_position). Raises
/// shape_error when `contexts` or `action_features` do not match the log or n_actions, and
/// argument_error for an empty log, n_actions 0, an action out of range, folds 0, more folds than a
/// slot has rounds, or predict_batch_rounds 0; what the model's fit raises passes through.
template <OutcomeModel Model>
matrix<double> fit_predict_reward_model(const Model& prototype, const bandit_log& log, const matrix<double>& contexts,
                                        std::size_t n_actions, const matrix<double>* action_features = nullptr,
                                        const reward_model_options& options = {}) {
    constexpr const char* fn = "fit_predict_reward_model";
    const std::size_t n = log.actions.size();
    if (n == 0) throw argument_error(causalrec::error_message("causal", fn, "the log has no rounds"));
    if (n_actions == 0) throw argument_error(causalrec::error_message("causal", fn, "n_actions must be at least 1"));
    if (log.rewards.size() != n) throw shape_error(causalrec::error_message("causal", fn, n, " actions and ", log.rewards.size(), " rewards"));
    if (!log.positions.empty() && log.positions.size() != n)
        throw shape_error(causalrec::error_message("causal", fn, n, " actions and ", log.positions.size(), " positions; give a position for every round or none"));
    if (contexts.shape()[0] != n)
        throw shape_error(causalrec::error_message("causal", fn, "contexts have ", contexts.shape()[0], " rows for ", n, " rounds"));
    if (action_features && action_features->shape()[0] != n_actions)
        throw shape_error(causalrec::error_message("causal", fn, "action_features have ", action_features->shape()[0], " rows for ", n_actions, " actions"));
    if (options.folds == 0) throw argument_error(causalrec::error_message("causal", fn, "folds must be at least 1"));
    if (options.predict_batch_rounds == 0) throw argument_error(causalrec::error_message("causal", fn, "predict_batch_rounds must be at least 1"));
    for (std::size_t j = 0; j < n; ++j)
        if (log.actions[j] >= n_actions)
            throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": action ", log.actions[j], " is not below ", n_actions));

    // The groups fitted separately (one per slot, or all rounds), and each group's folds.
    std::vector<std::vector<std::size_t>> groups;
    if (options.per_position && !log.positions.empty()) {
        groups.resize(*std::max_element(log.positions.begin(), log.positions.end()) + 1);
        for (std::size_t j = 0; j < n; ++j) groups[log.positions[j]].push_back(j);
    } else {
        groups.emplace_back(n);
        std::iota(groups[0].begin(), groups[0].end(), std::size_t{0});
    }
    const std::size_t width = contexts.shape()[1] + (action_features ? action_features->shape()[1] : n_actions);
    matrix<double> out = matrix<double>::from_shape({n, n_actions});
    rng engine(options.seed);
    for (std::size_t g = 0; g < groups.size(); ++g) {
        std::vector<std::size_t> rows = groups[g];
        if (rows.empty()) continue;
        if (options.folds > rows.size())
            throw argument_error(causalrec::error_message("causal", fn, options.folds, " folds for ", rows.size(), " rounds",
                                                          groups.size() > 1 ? causalrec::cat(" at position ", g) : std::string{}));
        std::vector<std::size_t> fold(rows.size(), 0);
        if (options.folds > 1) {
            std::vector<std::size_t> order(rows.size());
            std::iota(order.begin(), order.end(), std::size_t{0});
            engine.shuffle(std::span<std::size_t>(order));
            for (std::size_t i = 0; i < order.size(); ++i) fold[order[i]] = i % options.folds;
        }
        for (std::size_t k = 0; k < options.folds; ++k) {
            std::vector<std::size_t> train, held;
            for (std::size_t i = 0; i < rows.size(); ++i) {
                const bool in_fold = fold[i] == k;
                if (options.folds == 1 || !in_fold) train.push_back(rows[i]);
                if (options.folds == 1 || in_fold) held.push_back(rows[i]);
            }
            matrix<double> x = matrix<double>::from_shape({train.size(), width});
            vector<double> y = make_vector<double>(train.size());
            for (std::size_t i = 0; i < train.size(); ++i) {
                const std::size_t j = train[i];
                detail::reward_features(contexts, j, action_features, n_actions, log.actions[j], x.data() + i * width);
                y(i) = log.rewards[j];
            }
            Model model = prototype;
            model.fit(x, y);
            for (std::size_t begin = 0; begin < held.size(); begin += options.predict_batch_rounds) {
                const std::size_t count = std::min(options.predict_batch_rounds, held.size() - begin);
                matrix<double> q = matrix<double>::from_shape({count * n_actions, width});
                for (std::size_t i = 0; i < count; ++i)
                    for (std::size_t a = 0; a < n_actions; ++a)
                        detail::reward_features(contexts, held[begin + i], action_features, n_actions, a, q.data() + (i * n_actions + a) * width);
                const vector<double> p = detail::predict_outcome(model, q);
                for (std::size_t i = 0; i < count; ++i)
                    std::copy_n(p.data() + i * n_actions, n_actions, out.data() + held[begin + i] * n_actions);
            }
        }
    }
    return out;
}

}  // namespace causalrec::causal
