#pragma once
/// @file
/// Debiased (off-policy) evaluation from logged, missing-not-at-random feedback: naive, IPS, SNIPS
/// and doubly robust estimates of a rating predictor's MSE / MAE (Schnabel et al., ICML 2016, §3),
/// of a ranking's DCG@k and recall@k, and of the value of a stochastic or deterministic policy from
/// logged bandit feedback (Dudík et al. 2011). Every estimate carries a standard error (delta method
/// over independent units: users, or logged rounds) and a confidence interval, normal or by a
/// seeded percentile bootstrap over the same units.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string_view>
#include <vector>

#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../data/interactions.hpp"
#include "detail/common.hpp"

namespace causalrec::causal {

/// Which estimator an off-policy evaluation uses.
enum class ope_estimator : std::uint8_t {
    naive,  ///< the plain average over what was logged (biased under MNAR)
    ips,    ///< inverse propensity scoring (unbiased with correct propensities)
    snips,  ///< self-normalised IPS (ratio of weighted sums; lower variance, consistent)
    dr,     ///< doubly robust: a model's imputation corrected by the IPS-weighted residuals
};

/// Options shared by the off-policy estimates.
struct ope_options {
    std::size_t bootstrap = 0;  ///< bootstrap resamples of the units for a percentile interval (0 = normal interval from the standard error)
    double confidence = 0.95;   ///< confidence level of the interval, in (0, 1)
    std::uint64_t seed = 42;    ///< bootstrap seed
    double clip = 0.0;          ///< propensities below are raised to it, in [0, 1]
};

/// An estimate with its uncertainty.
struct ope_estimate {
    double value = 0.0;      ///< the point estimate
    double std_error = 0.0;  ///< standard error (delta method over the units); NaN for one unit (undefined)
    double ci_low = 0.0;     ///< lower end of the confidence interval
    double ci_high = 0.0;    ///< upper end of the confidence interval
    std::size_t units = 0;   ///< independent units the estimate averages over (users or rounds)
};

/// The name of an estimator ("naive", "ips", "snips", "dr").
inline std::string_view to_string(ope_estimator e) noexcept {
    switch (e) {
        case ope_estimator::naive: return "naive";
        case ope_estimator::ips: return "ips";
        case ope_estimator::snips: return "snips";
        case ope_estimator::dr: return "dr";
    }
    return "?";
}

namespace detail {

/// Checks the shared options; `fn` names the caller.
inline void check_ope_options(const ope_options& o, const char* fn) {
    if (!(o.confidence > 0.0 && o.confidence < 1.0))
        throw argument_error(causalrec::error_message("causal", fn, "confidence must be in (0, 1), got ", o.confidence));
    if (!(o.clip >= 0.0 && o.clip <= 1.0)) throw argument_error(causalrec::error_message("causal", fn, "clip must be in [0, 1], got ", o.clip));
}

/// The estimate sum(a) / sum(b) over units, its delta-method standard error and its interval.
inline ope_estimate ratio_estimate(const std::vector<double>& a, const std::vector<double>& b, const ope_options& o, const char* fn) {
    const std::size_t n = a.size();
    if (n == 0) throw argument_error(causalrec::error_message("causal", fn, "nothing to average over"));
    const double sa = std::accumulate(a.begin(), a.end(), 0.0), sb = std::accumulate(b.begin(), b.end(), 0.0);
    if (!(sb > 0.0)) throw argument_error(causalrec::error_message("causal", fn, "the normalising sum is ", sb, "; the estimate is undefined"));
    ope_estimate out;
    out.units = n;
    out.value = sa / sb;
    if (n > 1) {
        double ss = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
            const double r = a[j] - out.value * b[j];
            ss += r * r;
        }
        const double mean_b = sb / static_cast<double>(n);
        out.std_error = std::sqrt(ss / (static_cast<double>(n) * static_cast<double>(n - 1))) / mean_b;
    } else {
        // One unit has no variance estimate: the uncertainty is undefined, not zero (also for the
        // bootstrap, whose resamples would all repeat that unit).
        out.std_error = out.ci_low = out.ci_high = std::numeric_limits<double>::quiet_NaN();
        return out;
    }
    const double alpha = 1.0 - o.confidence;
    if (o.bootstrap == 0) {
        const double z = normal_quantile(1.0 - alpha / 2.0);
        out.ci_low = out.value - z * out.std_error;
        out.ci_high = out.value + z * out.std_error;
        return out;
    }
    rng engine(o.seed);
    std::vector<double> draws;
    draws.reserve(o.bootstrap);
    for (std::size_t s = 0; s < o.bootstrap; ++s) {
        double ra = 0.0, rb = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
            const std::size_t k = static_cast<std::size_t>(engine.uniform_index(n));
            ra += a[k], rb += b[k];
        }
        if (rb > 0.0) draws.push_back(ra / rb);
    }
    if (draws.empty()) throw argument_error(causalrec::error_message("causal", fn, "every bootstrap resample had a zero normalising sum"));
    std::sort(draws.begin(), draws.end());
    auto quantile = [&](double q) {
        const double pos = q * static_cast<double>(draws.size() - 1);
        const auto lo = static_cast<std::size_t>(std::floor(pos));
        const std::size_t hi = std::min(lo + 1, draws.size() - 1);
        return draws[lo] + (pos - static_cast<double>(lo)) * (draws[hi] - draws[lo]);
    };
    out.ci_low = quantile(alpha / 2.0);
    out.ci_high = quantile(1.0 - alpha / 2.0);
    return out;
}

/// Checks that a log has propensities when the estimator needs them, and that a matrix is n_users x n_items.
inline void check_log_and_matrix(const data::interactions& log, const matrix<double>& m, const char* what, bool need_propensities,
                                 const char* fn) {
    if (log.empty()) throw argument_error(causalrec::error_message("causal", fn, "the log is empty"));
    if (need_propensities && !log.has_propensities())
        throw argument_error(causalrec::error_message("causal", fn, "the estimator needs the log's propensities column, and the log has none"));
    if (m.shape()[0] != log.n_users() || m.shape()[1] != log.n_items())
        throw shape_error(causalrec::error_message("causal", fn, what, " have shape (", m.shape()[0], ", ", m.shape()[1], "), the log has ",
                                                 log.n_users(), " users and ", log.n_items(), " items"));
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Rating prediction error
// ---------------------------------------------------------------------------------------------

/// Which error of a rating predictor is estimated.
enum class rating_error : std::uint8_t {
    squared,   ///< (prediction - rating)^2: MSE
    absolute,  ///< |prediction - rating|: MAE
};

/// Options of estimate_rating_error.
struct rating_error_options {
    ope_estimator estimator = ope_estimator::ips;     ///< which estimator
    rating_error error = rating_error::squared;        ///< MSE or MAE
    const matrix<double>* imputed_errors = nullptr;    ///< DR: the imputed error of every user x item pair (n_users x n_items)
    ope_options ope{};                                 ///< bootstrap, confidence, seed, clip
};

/// Estimates the mean error over all n_users x n_items pairs of `predictions` (n_users x n_items)
/// from the logged ratings of `log` (values, propensities P(O_ui = 1)) — Schnabel et al. 2016, eq.
/// (7)-(10): naive = mean over logged pairs; IPS = sum over logged of err / p over n_users n_items;
/// SNIPS = sum err / p over sum 1 / p; DR = mean over all pairs of imputed error plus, on logged
/// pairs, (err - imputed) / p. Users are the units of the standard error and the bootstrap.
/// Raises argument_error for an empty log, missing propensities (IPS, SNIPS, DR) or imputed errors
/// (DR), shape_error for matrices that are not n_users x n_items.
inline ope_estimate estimate_rating_error(const matrix<double>& predictions, const data::interactions& log,
                                          const rating_error_options& options = {}) {
    constexpr const char* fn = "estimate_rating_error";
    detail::check_ope_options(options.ope, fn);
    const auto est = options.estimator;
    detail::check_log_and_matrix(log, predictions, "predictions", est != ope_estimator::naive, fn);
    if (est == ope_estimator::dr) {
        if (!options.imputed_errors) throw argument_error("causalrec::causal::estimate_rating_error: the DR estimator needs imputed_errors");
        detail::check_log_and_matrix(log, *options.imputed_errors, "imputed errors", true, fn);
    }
    const std::size_t nu = log.n_users(), ni = log.n_items();
    std::vector<double> a(nu, 0.0), b(nu, 0.0);
    for (std::size_t u = 0; u < nu; ++u) {
        if (est == ope_estimator::ips || est == ope_estimator::dr) b[u] = static_cast<double>(ni);
        if (est == ope_estimator::dr)
            for (std::size_t i = 0; i < ni; ++i) a[u] += (*options.imputed_errors)(u, i);
    }
    for (std::size_t r = 0; r < log.size(); ++r) {
        const std::size_t u = log.users()[r], i = log.items()[r];
        const double diff = predictions(u, i) - log.values()[r];
        const double err = options.error == rating_error::squared ? diff * diff : std::abs(diff);
        const double p = est == ope_estimator::naive ? 1.0 : std::max(log.propensities()[r], options.ope.clip);
        switch (est) {
            case ope_estimator::naive: a[u] += err, b[u] += 1.0; break;
            case ope_estimator::ips: a[u] += err / p; break;
            case ope_estimator::snips: a[u] += err / p, b[u] += 1.0 / p; break;
            case ope_estimator::dr: a[u] += (err - (*options.imputed_errors)(u, i)) / p; break;
        }
    }
    return detail::ratio_estimate(a, b, options.ope, fn);
}

// ---------------------------------------------------------------------------------------------
// Ranking value
// ---------------------------------------------------------------------------------------------

/// Which ranking value is estimated.
enum class ranking_value : std::uint8_t {
    dcg,     ///< DCG@k = sum over relevant items ranked within k of rel / log2(1 + rank), per user, averaged over users
    recall,  ///< recall@k = relevant mass within k over relevant mass, per user with relevant logged items
};

/// Options of estimate_ranking_value.
struct ranking_value_options {
    ranking_value metric = ranking_value::dcg;      ///< DCG@k or recall@k
    std::size_t k = 5;                              ///< cut-off (>= 1)
    ope_estimator estimator = ope_estimator::ips;   ///< naive, ips or snips (dr is not offered here)
    ope_options ope{};                              ///< bootstrap, confidence, seed, clip
};

/// Estimates the DCG@k or recall@k of the ranking of all items by `scores` (n_users x n_items;
/// higher first, ties by lower item index) from logged relevance feedback (`log` values >= 0, with
/// propensities), as in Schnabel et al. 2016 §3: IPS DCG = mean over users of sum over logged items
/// of rel c(rank) / p; SNIPS rescales each user's sum by n_items / sum 1 / p over the user's logged
/// items (pooled over users); naive takes p = 1 with the same rescaling. Recall@k is per user the
/// (weighted) relevant mass ranked within k over the relevant mass, averaged over users with
/// relevant logged items. Raises argument_error for k = 0, the DR estimator, a negative value or
/// missing propensities, shape_error for a score matrix of the wrong shape.
inline ope_estimate estimate_ranking_value(const matrix<double>& scores, const data::interactions& log,
                                           const ranking_value_options& options = {}) {
    constexpr const char* fn = "estimate_ranking_value";
    detail::check_ope_options(options.ope, fn);
    if (options.k == 0) throw argument_error("causalrec::causal::estimate_ranking_value: k must be >= 1");
    const auto est = options.estimator;
    if (est == ope_estimator::dr) throw argument_error("causalrec::causal::estimate_ranking_value: the DR estimator is not offered for rankings");
    detail::check_log_and_matrix(log, scores, "scores", est != ope_estimator::naive, fn);
    const std::size_t nu = log.n_users(), ni = log.n_items();
    for (std::size_t r = 0; r < log.size(); ++r)
        if (!(log.values()[r] >= 0.0))
            throw argument_error(causalrec::cat("causalrec::causal::estimate_ranking_value: row ", r, ": relevance ", log.values()[r], " is negative"));
    std::vector<std::vector<std::size_t>> rows_of(nu);
    for (std::size_t r = 0; r < log.size(); ++r) rows_of[log.users()[r]].push_back(r);
    std::vector<double> a, b;
    std::vector<std::size_t> order(ni), rank(ni);
    for (std::size_t u = 0; u < nu; ++u) {
        const auto& rows = rows_of[u];
        if (options.metric == ranking_value::recall) {
            double rel = 0.0;
            for (std::size_t r : rows) rel += log.values()[r];
            if (rows.empty() || !(rel > 0.0)) continue;
        }
        if (!rows.empty()) {
            std::iota(order.begin(), order.end(), std::size_t{0});
            std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return scores(u, x) > scores(u, y); });
            for (std::size_t j = 0; j < ni; ++j) rank[order[j]] = j + 1;
        }
        double gain = 0.0, mass = 0.0, inv_p = 0.0;
        for (std::size_t r : rows) {
            const double p = est == ope_estimator::naive ? 1.0 : std::max(log.propensities()[r], options.ope.clip);
            const std::size_t k = rank[log.items()[r]];
            const double rel = log.values()[r] / p;
            inv_p += 1.0 / p;
            mass += rel;
            if (k <= options.k)
                gain += options.metric == ranking_value::dcg ? rel / std::log2(1.0 + static_cast<double>(k)) : rel;
        }
        if (options.metric == ranking_value::recall) {
            a.push_back(gain / mass);
            b.push_back(1.0);
        } else {
            a.push_back(gain);
            b.push_back(est == ope_estimator::ips ? 1.0 : inv_p / static_cast<double>(ni));
        }
    }
    return detail::ratio_estimate(a, b, options.ope, fn);
}

// ---------------------------------------------------------------------------------------------
// Policy value from logged bandit feedback
// ---------------------------------------------------------------------------------------------

/// Logged bandit feedback: in round j the logging policy took `actions[j]` with probability
/// `propensities[j]` and observed `rewards[j]`.
struct bandit_log {
    std::vector<std::size_t> actions{};   ///< action taken in each round
    std::vector<double> rewards{};        ///< reward observed in each round
    std::vector<double> propensities{};   ///< logging probability of the taken action, in (0, 1]
};

/// Options of estimate_policy_value.
struct policy_value_options {
    ope_estimator estimator = ope_estimator::ips;   ///< naive (= the logging policy's value), ips, snips or dr
    const matrix<double>* reward_model = nullptr;   ///< DR: predicted reward of every (round, action), rounds x actions
    ope_options ope{};                              ///< bootstrap, confidence, seed, clip
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

/// Estimates the expected reward of a target policy, given as its action probabilities in every
/// logged round (`target`, rounds x actions, rows summing to 1), from logged bandit feedback:
/// IPS = mean of w r with w = target(j, a_j) / propensity_j; SNIPS = sum w r / sum w; DR = mean of
/// sum_a target(j, a) r_hat(j, a) + w (r - r_hat(j, a_j)); naive = mean reward (the logging policy's
/// value). Rounds are the units of the standard error and the bootstrap. Raises shape_error for
/// lengths or shapes that differ, argument_error for a propensity outside (0, 1], an action out of
/// range, a target row that is not a probability distribution, or DR without a reward model.
inline ope_estimate estimate_policy_value(const bandit_log& log, const matrix<double>& target, const policy_value_options& options = {}) {
    constexpr const char* fn = "estimate_policy_value";
    detail::check_ope_options(options.ope, fn);
    const std::size_t n = log.actions.size();
    if (n == 0) throw argument_error("causalrec::causal::estimate_policy_value: the log has no rounds");
    if (log.rewards.size() != n || log.propensities.size() != n)
        throw shape_error(causalrec::cat("causalrec::causal::estimate_policy_value: ", n, " actions, ", log.rewards.size(), " rewards and ",
                                                 log.propensities.size(), " propensities; they must be equally many"));
    if (target.shape()[0] != n)
        throw shape_error(causalrec::cat("causalrec::causal::estimate_policy_value: the target policy has ", target.shape()[0], " rows for ", n, " rounds"));
    const std::size_t n_actions = target.shape()[1];
    const auto est = options.estimator;
    if (est == ope_estimator::dr) {
        if (!options.reward_model) throw argument_error("causalrec::causal::estimate_policy_value: the DR estimator needs a reward_model");
        if (options.reward_model->shape()[0] != n || options.reward_model->shape()[1] != n_actions)
            throw shape_error(causalrec::cat("causalrec::causal::estimate_policy_value: the reward model has shape (", options.reward_model->shape()[0],
                                                     ", ", options.reward_model->shape()[1], "), expected (", n, ", ", n_actions, ")"));
    }
    std::vector<double> a(n), b(n, 1.0);
    for (std::size_t j = 0; j < n; ++j) {
        const double p = log.propensities[j];
        if (!(p > 0.0 && p <= 1.0))
            throw argument_error(causalrec::cat("causalrec::causal::estimate_policy_value: round ", j, ": propensity ", p, " is outside (0, 1]"));
        if (log.actions[j] >= n_actions)
            throw argument_error(causalrec::cat("causalrec::causal::estimate_policy_value: round ", j, ": action ", log.actions[j], " is not below ", n_actions));
        if (!std::isfinite(log.rewards[j]))
            throw argument_error(causalrec::cat("causalrec::causal::estimate_policy_value: round ", j, ": the reward is not finite"));
        double total = 0.0;
        for (std::size_t k = 0; k < n_actions; ++k) {
            const double q = target(j, k);
            if (!(q >= 0.0 && q <= 1.0))
                throw argument_error(causalrec::cat("causalrec::causal::estimate_policy_value: round ", j, ": target probability ", q, " of action ", k,
                                                            " is outside [0, 1]"));
            total += q;
        }
        if (std::abs(total - 1.0) > 1e-6)
            throw argument_error(causalrec::cat("causalrec::causal::estimate_policy_value: round ", j, ": target probabilities sum to ", total, ", not 1"));
        const double w = target(j, log.actions[j]) / std::max(p, options.ope.clip);
        const double r = log.rewards[j];
        switch (est) {
            case ope_estimator::naive: a[j] = r; break;
            case ope_estimator::ips: a[j] = w * r; break;
            case ope_estimator::snips: a[j] = w * r, b[j] = w; break;
            case ope_estimator::dr: {
                const auto& m = *options.reward_model;
                double direct = 0.0;
                for (std::size_t k = 0; k < n_actions; ++k) direct += target(j, k) * m(j, k);
                a[j] = direct + w * (r - m(j, log.actions[j]));
                break;
            }
        }
    }
    return detail::ratio_estimate(a, b, options.ope, fn);
}

}  // namespace causalrec::causal
