#pragma once
/// @file
/// The value of a target policy from logged bandit feedback (off-policy evaluation): naive, IPS,
/// SNIPS, DM, DR, SNDR, Switch-DR, DRos and replay, as the Open Bandit Pipeline defines them
/// (Saito et al. 2021), with importance-weight diagnostics, and per-position estimates of slate logs.
/// Logged rounds are the units of the standard error and of the bootstrap.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "../../core/message.hpp"
#include "../../core/error.hpp"
#include "../../core/tensor.hpp"
#include "common.hpp"

namespace causalrec::causal {

/// Logged bandit feedback: in round j the logging policy took `actions[j]` with probability
/// `propensities[j]` and observed `rewards[j]`. In a slate log (Open Bandit Dataset: three slots)
/// every row is one (impression, slot) round, `positions[j]` its slot, and `propensities[j]` the
/// marginal probability of that action in that slot.
struct bandit_log {
    std::vector<std::size_t> actions{};    ///< action taken in each round
    std::vector<double> rewards{};         ///< reward observed in each round
    std::vector<double> propensities{};    ///< logging probability of the taken action, in (0, 1]
    std::vector<std::size_t> positions{};  ///< slot of each round in a slate, 0-based (empty: a single-slot log)
};

/// Options of estimate_policy_value.
struct policy_value_options {
    ope_estimator estimator = ope_estimator::ips;   ///< which estimator (every ope_estimator)
    const matrix<double>* reward_model = nullptr;   ///< DM, DR, SNDR, Switch-DR, DRos: predicted reward of every (round, action), rounds x actions
    ope_options ope{};                              ///< bootstrap, confidence, seed, clip (a propensity floor)
    /// Importance weights above are lowered to it, after ope.clip's propensity floor (the Open Bandit
    /// Pipeline's `lambda_` of IPW and DR), > 0; infinity: no cap.
    double max_weight = std::numeric_limits<double>::infinity();
    /// Switch-DR: rounds whose weight is at most tau get DR, the others DM; >= 0 (the Open Bandit
    /// Pipeline's default, infinity, is DR; 0 is DM).
    double tau = std::numeric_limits<double>::infinity();
    /// DRos: the shrinkage lambda >= 0 of w_hat = lambda w / (w^2 + lambda) (the Open Bandit Pipeline's
    /// default, 0, is DM; infinity is DR).
    double lambda = 0.0;
};

/// The rounds x n_actions probability matrix of a deterministic policy that takes `actions[j]` in round j;
/// raises argument_error for an action >= n_actions.
inline matrix<double> deterministic_policy(std::span<const std::size_t> actions, std::size_t n_actions) {
    matrix<double> m = xt::zeros<double>({actions.size(), n_actions});
    for (std::size_t j = 0; j < actions.size(); ++j) {
        if (actions[j] >= n_actions)
            throw argument_error(causalrec::cat("causalrec::causal::deterministic_policy: action ", actions[j], " in round ", j, " is not below ", n_actions));
        m(j, actions[j]) = 1.0;
    }
    return m;
}

namespace detail {

/// True for the estimators that need a reward model.
inline bool needs_reward_model(ope_estimator e) noexcept {
    return e == ope_estimator::dr || e == ope_estimator::dm || e == ope_estimator::sndr || e == ope_estimator::switch_dr ||
           e == ope_estimator::dros;
}

/// Checks a bandit log, a target policy and the options of a policy-value estimate; `fn` names the caller.
inline void check_policy_value_inputs(const bandit_log& log, const matrix<double>& target, const policy_value_options& options,
                                      const char* fn) {
    check_ope_options(options.ope, fn);
    const std::size_t n = log.actions.size();
    if (n == 0) throw argument_error(causalrec::error_message("causal", fn, "the log has no rounds"));
    if (log.rewards.size() != n || log.propensities.size() != n)
        throw shape_error(causalrec::error_message("causal", fn, n, " actions, ", log.rewards.size(), " rewards and ", log.propensities.size(),
                                                   " propensities; they must be equally many"));
    if (!log.positions.empty() && log.positions.size() != n)
        throw shape_error(causalrec::error_message("causal", fn, n, " actions and ", log.positions.size(),
                                                   " positions; give a position for every round or none"));
    if (target.shape()[0] != n)
        throw shape_error(causalrec::error_message("causal", fn, "the target policy has ", target.shape()[0], " rows for ", n, " rounds"));
    const std::size_t n_actions = target.shape()[1];
    const auto est = options.estimator;
    if (!(options.max_weight > 0.0)) throw argument_error(causalrec::error_message("causal", fn, "max_weight must be > 0, got ", options.max_weight));
    if (!(options.tau >= 0.0)) throw argument_error(causalrec::error_message("causal", fn, "tau must be >= 0, got ", options.tau));
    if (!(options.lambda >= 0.0)) throw argument_error(causalrec::error_message("causal", fn, "lambda must be >= 0, got ", options.lambda));
    if (needs_reward_model(est)) {
        if (!options.reward_model)
            throw argument_error(causalrec::error_message("causal", fn, "the ", to_string(est), " estimator needs a reward_model"));
        if (options.reward_model->shape()[0] != n || options.reward_model->shape()[1] != n_actions)
            throw shape_error(causalrec::error_message("causal", fn, "the reward model has shape (", options.reward_model->shape()[0], ", ",
                                                       options.reward_model->shape()[1], "), expected (", n, ", ", n_actions, ")"));
    }
    for (std::size_t j = 0; j < n; ++j) {
        const double p = log.propensities[j];
        if (!(p > 0.0 && p <= 1.0))
            throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": propensity ", p, " is outside (0, 1]"));
        if (log.actions[j] >= n_actions)
            throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": action ", log.actions[j], " is not below ", n_actions));
        if (!std::isfinite(log.rewards[j])) throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": the reward is not finite"));
        double total = 0.0;
        for (std::size_t k = 0; k < n_actions; ++k) {
            const double q = target(j, k);
            if (!(q >= 0.0 && q <= 1.0))
                throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": target probability ", q, " of action ", k,
                                                              " is outside [0, 1]"));
            total += q;
            if (est == ope_estimator::replay && q != 0.0 && q != 1.0)
                throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": target probability ", q, " of action ", k,
                                                              "; the replay estimator needs a deterministic target policy (probabilities 0 or 1)"));
            if (needs_reward_model(est) && !std::isfinite((*options.reward_model)(j, k)))
                throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": the reward model's prediction for action ", k,
                                                              " is not finite"));
        }
        if (std::abs(total - 1.0) > 1e-6)
            throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": target probabilities sum to ", total, ", not 1"));
    }
}

/// The estimate of a checked log (check_policy_value_inputs): per-round terms, then the ratio or
/// mean-plus-ratio estimate over the rounds, with the weight diagnostics.
inline ope_estimate policy_value_of_checked(const bandit_log& log, const matrix<double>& target, const policy_value_options& options,
                                            const char* fn) {
    const std::size_t n = log.actions.size(), n_actions = target.shape()[1];
    const auto est = options.estimator;
    const matrix<double>* m = options.reward_model;
    std::vector<double> a(n), b(n, 1.0), d;
    if (est == ope_estimator::sndr) d.resize(n);
    weight_diagnostics diag;
    double sum_w = 0.0, sum_w2 = 0.0;
    std::size_t matched = 0;
    for (std::size_t j = 0; j < n; ++j) {
        const std::size_t action = log.actions[j];
        const double p = log.propensities[j], q = target(j, action), r = log.rewards[j];
        const double raw = q / p;
        double w = q / std::max(p, options.ope.clip);
        if (w > options.max_weight) w = options.max_weight;
        diag.max_weight = std::max(diag.max_weight, raw);
        if (w < raw) ++diag.clipped;
        sum_w += w;
        sum_w2 += w * w;
        double direct = 0.0, residual = 0.0;
        if (m) {
            for (std::size_t k = 0; k < n_actions; ++k) direct += target(j, k) * (*m)(j, k);
            residual = r - (*m)(j, action);
        }
        switch (est) {
            case ope_estimator::naive: a[j] = r; break;
            case ope_estimator::ips: a[j] = w * r; break;
            case ope_estimator::snips: a[j] = w * r, b[j] = w; break;
            case ope_estimator::dr: a[j] = direct + w * residual; break;
            case ope_estimator::dm: a[j] = direct; break;
            case ope_estimator::sndr: d[j] = direct, a[j] = w * residual, b[j] = w; break;
            case ope_estimator::switch_dr: a[j] = direct + (w <= options.tau ? w * residual : 0.0); break;
            case ope_estimator::dros: {
                double shrunk = w;  // lambda = infinity: DR
                if (options.lambda == 0.0) {
                    shrunk = 0.0;  // DM (also for w = 0, where the formula reads 0 / 0)
                } else if (std::isfinite(options.lambda)) {
                    shrunk = options.lambda * w / (w * w + options.lambda);
                }
                a[j] = direct + shrunk * residual;
                break;
            }
            case ope_estimator::replay: {
                const bool match = q == 1.0;
                matched += match;
                a[j] = match ? r : 0.0;
                b[j] = match ? 1.0 : 0.0;
                break;
            }
        }
    }
    if (est == ope_estimator::replay && matched == 0)
        throw argument_error(causalrec::error_message("causal", fn, "the target policy takes the logged action in none of the ", n,
                                                      " rounds; replay has nothing to average"));
    ope_estimate out = mean_plus_ratio_estimate(d, a, b, options.ope, fn);
    diag.effective_sample_size = sum_w2 > 0.0 ? sum_w * sum_w / sum_w2 : 0.0;
    out.weights = diag;
    return out;
}

}  // namespace detail

/// Estimates the expected reward of a target policy, given as its action probabilities in every
/// logged round (`target`, rounds x actions, rows summing to 1; in a slate log, row j is the
/// target's distribution for round j's slot), from logged bandit feedback. With w_j = target(j, a_j)
/// / propensity_j (clipped by ope.clip and max_weight), r_hat the reward model and
/// DM_j = sum_a target(j, a) r_hat(j, a), the estimates are (means over the n rounds):
/// naive = mean r (the logging policy's value); IPS = mean w r; SNIPS = sum w r / sum w;
/// DM = mean DM_j; DR = mean DM_j + w (r - r_hat(j, a_j)); SNDR = mean DM_j + sum w (r - r_hat) / sum w;
/// Switch-DR = mean DM_j + [w <= tau] w (r - r_hat); DRos = mean DM_j + lambda w / (w^2 + lambda)
/// (r - r_hat); replay = mean r over the rounds where a deterministic target takes the logged action
/// (unbiased when the logging policy is uniform). Rounds are the units of the standard error and the
/// bootstrap; the estimate's `weights` reports clipping and the effective sample size. Raises
/// shape_error for lengths or shapes that differ, argument_error for a propensity outside (0, 1],
/// an action out of range, a target row that is not a probability distribution, a reward model
/// missing where the estimator needs one, replay with a stochastic target or without a matching
/// round, or options out of range.
inline ope_estimate estimate_policy_value(const bandit_log& log, const matrix<double>& target, const policy_value_options& options = {}) {
    constexpr const char* fn = "estimate_policy_value";
    detail::check_policy_value_inputs(log, target, options, fn);
    return detail::policy_value_of_checked(log, target, options, fn);
}

/// Estimates a slate log's policy value slot by slot: element k is estimate_policy_value over the
/// rounds at position k alone (their rows of `target` and of the reward model), for k = 0 .. the
/// largest position. This is the Open Bandit Pipeline's independence assumption made explicit: the
/// reward of an item in a slot depends on the item and the slot, not on the other items shown, so
/// each slot is a bandit problem of its own (estimate_policy_value over the whole log is then the
/// average reward per slot). Raises argument_error for a log without positions or a position with
/// no rounds, and what estimate_policy_value raises.
inline std::vector<ope_estimate> estimate_policy_value_by_position(const bandit_log& log, const matrix<double>& target,
                                                                   const policy_value_options& options = {}) {
    constexpr const char* fn = "estimate_policy_value_by_position";
    detail::check_policy_value_inputs(log, target, options, fn);
    if (log.positions.empty()) throw argument_error(causalrec::error_message("causal", fn, "the log has no positions"));
    const std::size_t n_positions = *std::max_element(log.positions.begin(), log.positions.end()) + 1;
    std::vector<std::vector<std::size_t>> rounds(n_positions);
    for (std::size_t j = 0; j < log.positions.size(); ++j) rounds[log.positions[j]].push_back(j);
    const std::size_t n_actions = target.shape()[1];
    std::vector<ope_estimate> out;
    out.reserve(n_positions);
    for (std::size_t k = 0; k < n_positions; ++k) {
        const auto& rows = rounds[k];
        if (rows.empty())
            throw argument_error(causalrec::error_message("causal", fn, "position ", k, " has no rounds (positions run from 0 to ", n_positions - 1, ")"));
        bandit_log part;
        matrix<double> part_target = matrix<double>::from_shape({rows.size(), n_actions});
        matrix<double> part_model;
        if (options.reward_model) part_model = matrix<double>::from_shape({rows.size(), n_actions});
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const std::size_t j = rows[i];
            part.actions.push_back(log.actions[j]);
            part.rewards.push_back(log.rewards[j]);
            part.propensities.push_back(log.propensities[j]);
            part.positions.push_back(k);
            for (std::size_t a = 0; a < n_actions; ++a) {
                part_target(i, a) = target(j, a);
                if (options.reward_model) part_model(i, a) = (*options.reward_model)(j, a);
            }
        }
        policy_value_options part_options = options;
        if (options.reward_model) part_options.reward_model = &part_model;
        out.push_back(detail::policy_value_of_checked(part, part_target, part_options, fn));
    }
    return out;
}

}  // namespace causalrec::causal
