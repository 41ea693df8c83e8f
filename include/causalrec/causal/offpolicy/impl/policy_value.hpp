#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/offpolicy/policy_value.hpp (the policy-value estimators): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../policy_value.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE matrix<double> deterministic_policy(std::span<const std::size_t> actions, std::size_t n_actions) {
    matrix<double> m = xt::zeros<double>({actions.size(), n_actions});
    for (std::size_t j = 0; j < actions.size(); ++j) {
        if (actions[j] >= n_actions)
            throw argument_error(causalrec::cat("causalrec::causal::deterministic_policy: action ", actions[j], " in round ", j, " is not below ", n_actions));
        m(j, actions[j]) = 1.0;
    }
    return m;
}

CAUSALREC_INLINE ope_estimate estimate_policy_value(const bandit_log& log, const matrix<double>& target, const policy_value_options& options) {
    constexpr const char* fn = "estimate_policy_value";
    const ope_estimator est[] = {options.estimator};
    const auto terms = detail::checked_round_terms(log, target, options, est, fn);
    detail::estimate_scratch scratch;
    return detail::policy_value_of_terms(log, terms, nullptr, options.estimator, options, fn, scratch);
}

CAUSALREC_INLINE std::vector<ope_estimate> estimate_policy_values(const bandit_log& log, const matrix<double>& target,
                                                        std::span<const ope_estimator> estimators, const policy_value_options& options) {
    constexpr const char* fn = "estimate_policy_values";
    const auto terms = detail::checked_round_terms(log, target, options, estimators, fn);
    std::vector<ope_estimate> out;
    out.reserve(estimators.size());
    detail::estimate_scratch scratch;
    for (const auto est : estimators) out.push_back(detail::policy_value_of_terms(log, terms, nullptr, est, options, fn, scratch));
    return out;
}

CAUSALREC_INLINE std::vector<ope_estimate> estimate_policy_value_by_position(const bandit_log& log, const matrix<double>& target,
                                                                   const policy_value_options& options) {
    constexpr const char* fn = "estimate_policy_value_by_position";
    const ope_estimator est[] = {options.estimator};
    const auto terms = detail::checked_round_terms(log, target, options, est, fn);
    if (log.positions.empty()) throw argument_error(causalrec::error_message("causal", fn, "the log has no positions"));
    const std::size_t n_positions = *std::max_element(log.positions.begin(), log.positions.end()) + 1;
    std::vector<std::vector<std::size_t>> rounds(n_positions);
    for (std::size_t j = 0; j < log.positions.size(); ++j) rounds[log.positions[j]].push_back(j);
    std::vector<ope_estimate> out;
    out.reserve(n_positions);
    detail::estimate_scratch scratch;
    for (std::size_t k = 0; k < n_positions; ++k) {
        if (rounds[k].empty())
            throw argument_error(causalrec::error_message("causal", fn, "position ", k, " has no rounds (positions run from 0 to ", n_positions - 1, ")"));
        out.push_back(detail::policy_value_of_terms(log, terms, &rounds[k], options.estimator, options, fn, scratch));
    }
    return out;
}

}  // namespace causalrec::causal

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE void raise_stochastic_target(const matrix<double>& target, std::size_t j, const char* fn) {
    for (std::size_t k = 0; k < target.shape()[1]; ++k) {
        const double q = target(j, k);
        if (q != 0.0 && q != 1.0)
            throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": target probability ", q, " of action ", k,
                                                          "; the replay estimator needs a deterministic target policy (probabilities 0 or 1)"));
    }
}

CAUSALREC_INLINE round_terms checked_round_terms(const bandit_log& log, const matrix<double>& target, const policy_value_options& options,
                                       std::span<const ope_estimator> estimators, const char* fn) {
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
    if (!(options.max_weight > 0.0)) throw argument_error(causalrec::error_message("causal", fn, "max_weight must be > 0, got ", options.max_weight));
    if (!(options.tau >= 0.0)) throw argument_error(causalrec::error_message("causal", fn, "tau must be >= 0, got ", options.tau));
    if (!(options.lambda >= 0.0)) throw argument_error(causalrec::error_message("causal", fn, "lambda must be >= 0, got ", options.lambda));
    bool model_needed = false, replay = false;
    for (const auto est : estimators) {
        if (needs_reward_model(est)) {
            model_needed = true;
            if (!options.reward_model)
                throw argument_error(causalrec::error_message("causal", fn, "the ", to_string(est), " estimator needs a reward_model"));
        }
        replay = replay || est == ope_estimator::replay;
    }
    if (model_needed && (options.reward_model->shape()[0] != n || options.reward_model->shape()[1] != n_actions))
        throw shape_error(causalrec::error_message("causal", fn, "the reward model has shape (", options.reward_model->shape()[0], ", ",
                                                   options.reward_model->shape()[1], "), expected (", n, ", ", n_actions, ")"));
    const matrix<double>* m = options.reward_model;
    const bool use_model = m != nullptr && m->shape()[0] == n && m->shape()[1] == n_actions;
    round_terms t;
    t.raw.resize(n);
    t.w.resize(n);
    t.match.resize(n);
    if (use_model) t.direct.resize(n), t.residual.resize(n);
    for (std::size_t j = 0; j < n; ++j) {
        const double p = log.propensities[j];
        const std::size_t action = log.actions[j];
        if (!(p > 0.0 && p <= 1.0))
            throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": propensity ", p, " is outside (0, 1]"));
        if (action >= n_actions)
            throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": action ", action, " is not below ", n_actions));
        if (!std::isfinite(log.rewards[j])) throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": the reward is not finite"));
        const double* q_row = target.data() + j * n_actions;
        const row_summary sum = use_model ? summarize_row<true>(q_row, m->data() + j * n_actions, n_actions)
                                          : summarize_row<false>(q_row, nullptr, n_actions);
        const double total = sum.total;
        const bool out_of_range = sum.out_of_range, stochastic = sum.stochastic, finite_bad = sum.not_finite;
        if (out_of_range || (replay && stochastic) || (model_needed && finite_bad)) {
            // Name the first bad entry in the order: probability range, determinism, prediction.
            for (std::size_t k = 0; k < n_actions; ++k) {
                const double q = q_row[k];
                if (!(q >= 0.0 && q <= 1.0))
                    throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": target probability ", q, " of action ", k,
                                                                  " is outside [0, 1]"));
                if (replay && q != 0.0 && q != 1.0) raise_stochastic_target(target, j, fn);
                if (model_needed && !std::isfinite((*m)(j, k)))
                    throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": the reward model's prediction for action ", k,
                                                                  " is not finite"));
            }
        }
        if (std::abs(total - 1.0) > 1e-6)
            throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": target probabilities sum to ", total, ", not 1"));
        const double q = q_row[action];
        t.raw[j] = q / p;
        double w = q / std::max(p, options.ope.clip);
        if (w > options.max_weight) w = options.max_weight;
        t.w[j] = w;
        t.match[j] = q == 1.0;
        if (use_model) {
            t.direct[j] = sum.direct;
            t.residual[j] = log.rewards[j] - (*m)(j, action);
        }
    }
    return t;
}

CAUSALREC_INLINE ope_estimate policy_value_of_terms(const bandit_log& log, const round_terms& t, const std::vector<std::size_t>* rows,
                                          ope_estimator est, const policy_value_options& options, const char* fn,
                                          estimate_scratch& scratch) {
    const std::size_t n = rows ? rows->size() : t.w.size();
    auto& a = scratch.a;
    auto& b = scratch.b;
    auto& d = scratch.d;
    a.assign(n, 0.0);
    b.assign(n, 1.0);
    d.clear();
    if (est == ope_estimator::sndr) d.resize(n);
    weight_diagnostics diag;
    double sum_w = 0.0, sum_w2 = 0.0;
    std::size_t matched = 0;
    const bool model = !t.direct.empty();
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t j = rows ? (*rows)[i] : i;
        const double r = log.rewards[j], raw = t.raw[j], w = t.w[j];
        diag.max_weight = std::max(diag.max_weight, raw);
        if (w < raw) ++diag.clipped;
        sum_w += w;
        sum_w2 += w * w;
        const double direct = model ? t.direct[j] : 0.0, residual = model ? t.residual[j] : 0.0;
        switch (est) {
            case ope_estimator::naive: a[i] = r; break;
            case ope_estimator::ips: a[i] = w * r; break;
            case ope_estimator::snips: a[i] = w * r, b[i] = w; break;
            case ope_estimator::dr: a[i] = direct + w * residual; break;
            case ope_estimator::dm: a[i] = direct; break;
            case ope_estimator::sndr: d[i] = direct, a[i] = w * residual, b[i] = w; break;
            case ope_estimator::switch_dr: a[i] = direct + (w <= options.tau ? w * residual : 0.0); break;
            case ope_estimator::dros: {
                double shrunk = w;  // lambda = infinity: DR
                if (options.lambda == 0.0) {
                    shrunk = 0.0;  // DM (also for w = 0, where the formula reads 0 / 0)
                } else if (std::isfinite(options.lambda)) {
                    shrunk = options.lambda * w / (w * w + options.lambda);
                }
                a[i] = direct + shrunk * residual;
                break;
            }
            case ope_estimator::replay: {
                const bool match = t.match[j] != 0;
                matched += match;
                a[i] = match ? r : 0.0;
                b[i] = match ? 1.0 : 0.0;
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
}  // namespace causalrec::causal
