#pragma once
/// @file
/// The value of a target policy from logged bandit feedback (off-policy evaluation): naive, IPS,
/// SNIPS, DM, DR, SNDR, Switch-DR, DRos and replay, as the Open Bandit Pipeline defines them
/// (Saito et al. 2021), with importance-weight diagnostics, and per-position estimates of slate logs.
/// Logged rounds are the units of the standard error and of the bootstrap.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

/// What every estimator reads of a logged round, computed once for a log and a target policy.
struct round_terms {
    std::vector<double> raw{};       ///< importance weight target / propensity before clipping
    std::vector<double> w{};         ///< the weight after ope.clip and max_weight
    std::vector<double> direct{};    ///< DM_j = sum_a target(j, a) r_hat(j, a) (empty without a reward model)
    std::vector<double> residual{};  ///< r_j - r_hat(j, a_j) (empty without a reward model)
    std::vector<unsigned char> match{};  ///< the target takes the logged action with probability 1 (replay)
};

/// The first (action, probability) of row j of the target that is not 0 or 1; raises argument_error
/// naming it (replay needs a deterministic target).
inline void raise_stochastic_target(const matrix<double>& target, std::size_t j, const char* fn) {
    for (std::size_t k = 0; k < target.shape()[1]; ++k) {
        const double q = target(j, k);
        if (q != 0.0 && q != 1.0)
            throw argument_error(causalrec::error_message("causal", fn, "round ", j, ": target probability ", q, " of action ", k,
                                                          "; the replay estimator needs a deterministic target policy (probabilities 0 or 1)"));
    }
}

/// What one pass over a target row (and the reward model's row) finds: the probabilities' sum and
/// DM_j = sum q r_hat (each as four interleaved partial sums, lane k mod 4, added (0 + 1) + (2 + 3)),
/// and whether some q is outside [0, 1] or NaN, some q is neither 0 nor 1, some prediction is not
/// finite. With t = q (1 - q), computed as q - q q: q is in [0, 1] exactly when t >= 0, so the sum of
/// t - |t| (= 2t for negative t, exactly; NaN for NaN) is 0 exactly when every q is in range; the sum
/// of t is then 0 exactly when every q is 0 or 1; the sum of r_hat - r_hat is NaN exactly when a
/// prediction is not finite. The pass runs at memory speed: two-lane vectors where the compiler
/// offers them (GCC and Clang vector extensions), the same lanes in the same order in plain code
/// elsewhere, so both give the same bits.
struct row_summary {
    double total = 0.0;         ///< sum of the row's probabilities
    double direct = 0.0;        ///< sum of probability times prediction
    bool out_of_range = false;  ///< some probability is outside [0, 1] or NaN
    bool stochastic = false;    ///< some probability is neither 0 nor 1 (meaningful when none is out of range)
    bool not_finite = false;    ///< some prediction is NaN or infinite
};

/// The row_summary of q[0 .. n) and, with a model, m[0 .. n).
template <bool Model>
inline row_summary summarize_row(const double* q, const double* m, std::size_t n) noexcept {
    double total[4] = {0.0, 0.0, 0.0, 0.0}, direct[4] = {0.0, 0.0, 0.0, 0.0}, spread = 0.0, negative = 0.0, finite = 0.0;
    std::size_t k = 0;
#if defined(__GNUC__) || defined(__clang__)
    using v2d = double __attribute__((vector_size(16)));
    using v2u = std::uint64_t __attribute__((vector_size(16)));
    const v2d zero = {0.0, 0.0};
    const v2u magnitude = {0x7fffffffffffffffULL, 0x7fffffffffffffffULL};
    v2d t01 = zero, t23 = zero, d01 = zero, d23 = zero, s = zero, neg = zero, f = zero;
    for (; k + 4 <= n; k += 4) {
        v2d x0, x1;
        std::memcpy(&x0, q + k, sizeof x0);
        std::memcpy(&x1, q + k + 2, sizeof x1);
        t01 += x0;
        t23 += x1;
        const v2d u0 = x0 - x0 * x0, u1 = x1 - x1 * x1;
        s += u0 + u1;
        neg += (u0 - reinterpret_cast<v2d>(reinterpret_cast<v2u>(u0) & magnitude)) +
               (u1 - reinterpret_cast<v2d>(reinterpret_cast<v2u>(u1) & magnitude));
        if constexpr (Model) {
            v2d m0, m1;
            std::memcpy(&m0, m + k, sizeof m0);
            std::memcpy(&m1, m + k + 2, sizeof m1);
            d01 += x0 * m0;
            d23 += x1 * m1;
            f += (m0 - m0) + (m1 - m1);
        }
    }
    total[0] = t01[0], total[1] = t01[1], total[2] = t23[0], total[3] = t23[1];
    direct[0] = d01[0], direct[1] = d01[1], direct[2] = d23[0], direct[3] = d23[1];
    spread = s[0] + s[1];
    negative = neg[0] + neg[1];
    finite = f[0] + f[1];
#endif
    for (std::size_t rest = n - k; rest > 0; --rest, ++k) {
        const std::size_t lane = k & 3u;
        const double v = q[k], u = v - v * v;
        total[lane] += v;
        spread += u;
        negative += u - std::abs(u);
        if constexpr (Model) {
            direct[lane] += v * m[k];
            finite += m[k] - m[k];
        }
    }
    row_summary out;
    out.total = (total[0] + total[1]) + (total[2] + total[3]);
    out.direct = (direct[0] + direct[1]) + (direct[2] + direct[3]);
    out.out_of_range = negative != 0.0;
    out.stochastic = spread != 0.0;
    out.not_finite = finite != 0.0;
    return out;
}

/// Checks a bandit log, a target policy and the options of policy-value estimates with the given
/// estimators, and computes every round's terms in the same single pass over the target and the
/// reward model (a row with a bad entry is re-read to name it); `fn` names the caller.
inline round_terms checked_round_terms(const bandit_log& log, const matrix<double>& target, const policy_value_options& options,
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

/// Per-round term buffers of policy_value_of_terms, reused from one estimator to the next.
struct estimate_scratch {
    std::vector<double> a{}, b{}, d{};  ///< the terms of mean(d) + sum(a) / sum(b)
};

/// The estimate of one estimator over the rounds `*rows` of a log (all rounds for nullptr) from their terms (checked_round_terms): per-round terms, then the ratio or
/// mean-plus-ratio estimate, with the weight diagnostics of those rounds.
inline ope_estimate policy_value_of_terms(const bandit_log& log, const round_terms& t, const std::vector<std::size_t>* rows,
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
    const ope_estimator est[] = {options.estimator};
    const auto terms = detail::checked_round_terms(log, target, options, est, fn);
    detail::estimate_scratch scratch;
    return detail::policy_value_of_terms(log, terms, nullptr, options.estimator, options, fn, scratch);
}

/// Estimates the policy value with several estimators at once (`options.estimator` is ignored):
/// element i is what estimate_policy_value with estimator `estimators[i]` returns, bit for bit, but
/// the log, the target and the reward model are checked and read once for all of them (the weights
/// and DM_j are shared), which is what makes an evaluation report over a large log cheap. Raises
/// what estimate_policy_value raises for any of the estimators (e.g. argument_error when one needs
/// a reward model and none is given).
inline std::vector<ope_estimate> estimate_policy_values(const bandit_log& log, const matrix<double>& target,
                                                        std::span<const ope_estimator> estimators, const policy_value_options& options = {}) {
    constexpr const char* fn = "estimate_policy_values";
    const auto terms = detail::checked_round_terms(log, target, options, estimators, fn);
    std::vector<ope_estimate> out;
    out.reserve(estimators.size());
    detail::estimate_scratch scratch;
    for (const auto est : estimators) out.push_back(detail::policy_value_of_terms(log, terms, nullptr, est, options, fn, scratch));
    return out;
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
