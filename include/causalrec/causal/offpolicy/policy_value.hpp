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

#include "../../core/compiler.hpp"
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
matrix<double> deterministic_policy(std::span<const std::size_t> actions, std::size_t n_actions);

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
void raise_stochastic_target(const matrix<double>& target, std::size_t j, const char* fn);

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
round_terms checked_round_terms(const bandit_log& log, const matrix<double>& target, const policy_value_options& options,
                                       std::span<const ope_estimator> estimators, const char* fn);

/// Per-round term buffers of policy_value_of_terms, reused from one estimator to the next.
struct estimate_scratch {
    std::vector<double> a{}, b{}, d{};  ///< the terms of mean(d) + sum(a) / sum(b)
};

/// The estimate of one estimator over the rounds `*rows` of a log (all rounds for nullptr) from their terms (checked_round_terms): per-round terms, then the ratio or
/// mean-plus-ratio estimate, with the weight diagnostics of those rounds.
ope_estimate policy_value_of_terms(const bandit_log& log, const round_terms& t, const std::vector<std::size_t>* rows,
                                          ope_estimator est, const policy_value_options& options, const char* fn,
                                          estimate_scratch& scratch);

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
ope_estimate estimate_policy_value(const bandit_log& log, const matrix<double>& target, const policy_value_options& options = {});

/// Estimates the policy value with several estimators at once (`options.estimator` is ignored):
/// element i is what estimate_policy_value with estimator `estimators[i]` returns, bit for bit, but
/// the log, the target and the reward model are checked and read once for all of them (the weights
/// and DM_j are shared), which is what makes an evaluation report over a large log cheap. Raises
/// what estimate_policy_value raises for any of the estimators (e.g. argument_error when one needs
/// a reward model and none is given).
std::vector<ope_estimate> estimate_policy_values(const bandit_log& log, const matrix<double>& target,
                                                        std::span<const ope_estimator> estimators, const policy_value_options& options = {});

/// Estimates a slate log's policy value slot by slot: element k is estimate_policy_value over the
/// rounds at position k alone (their rows of `target` and of the reward model), for k = 0 .. the
/// largest position. This is the Open Bandit Pipeline's independence assumption made explicit: the
/// reward of an item in a slot depends on the item and the slot, not on the other items shown, so
/// each slot is a bandit problem of its own (estimate_policy_value over the whole log is then the
/// average reward per slot). Raises argument_error for a log without positions or a position with
/// no rounds, and what estimate_policy_value raises.
std::vector<ope_estimate> estimate_policy_value_by_position(const bandit_log& log, const matrix<double>& target,
                                                                   const policy_value_options& options = {});

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/policy_value.hpp"
#endif
