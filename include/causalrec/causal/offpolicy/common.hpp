#pragma once
/// @file
/// What the off-policy estimates share: the estimator names, the options, the estimate with its
/// standard error, interval and importance-weight diagnostics, and the delta-method and bootstrap
/// machinery over independent units (users or logged rounds).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string_view>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/message.hpp"
#include "../../core/error.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../../data/interactions.hpp"
#include "../detail/common.hpp"

namespace causalrec::causal {

/// Which estimator an off-policy evaluation uses. The first four serve every estimate of the
/// module; the others are policy-value estimators (estimate_policy_value), as the Open Bandit
/// Pipeline defines them (Saito et al. 2021).
enum class ope_estimator : std::uint8_t {
    naive,      ///< the plain average over what was logged (biased under MNAR)
    ips,        ///< inverse propensity scoring (unbiased with correct propensities)
    snips,      ///< self-normalised IPS (ratio of weighted sums; lower variance, consistent)
    dr,         ///< doubly robust: a model's imputation corrected by the IPS-weighted residuals
    dm,         ///< direct method: the reward model's value of the target policy (policy value only)
    sndr,       ///< self-normalised DR: the DR correction divided by the mean weight (policy value only)
    switch_dr,  ///< Switch-DR (Wang et al. 2017): DR on rounds whose weight is at most tau, DM on the others (policy value only)
    dros,       ///< DR with optimistic shrinkage (Su et al. 2020): weights lambda w / (w^2 + lambda) (policy value only)
    replay,     ///< replay (Li et al. 2011): mean reward where a deterministic target took the logged action (policy value only)
};

/// Options shared by the off-policy estimates.
struct ope_options {
    std::size_t bootstrap = 0;  ///< bootstrap resamples of the units for a percentile interval (0 = normal interval from the standard error)
    double confidence = 0.95;   ///< confidence level of the interval, in (0, 1)
    std::uint64_t seed = 42;    ///< bootstrap seed
    double clip = 0.0;          ///< propensities below are raised to it, in [0, 1]
};

/// How the importance weights of an estimate behaved (filled by estimate_policy_value; zero elsewhere).
struct weight_diagnostics {
    std::size_t clipped = 0;             ///< rounds whose weight clipping (ope_options::clip, policy_value_options::max_weight) lowered
    double max_weight = 0.0;             ///< the largest importance weight target / propensity, before clipping
    double effective_sample_size = 0.0;  ///< (sum w)^2 / sum w^2 over the weights used (after clipping); 0 when every weight is 0
};

/// An estimate with its uncertainty.
struct ope_estimate {
    double value = 0.0;      ///< the point estimate
    double std_error = 0.0;  ///< standard error (delta method over the units); NaN for one unit (undefined)
    double ci_low = 0.0;     ///< lower end of the confidence interval
    double ci_high = 0.0;    ///< upper end of the confidence interval
    std::size_t units = 0;   ///< independent units the estimate averages over (users or rounds)
    weight_diagnostics weights{};  ///< importance-weight diagnostics (policy value estimates)
};

/// The name of an estimator ("naive", "ips", "snips", "dr", "dm", "sndr", "switch_dr", "dros", "replay").
inline std::string_view to_string(ope_estimator e) noexcept {
    switch (e) {
        case ope_estimator::naive: return "naive";
        case ope_estimator::ips: return "ips";
        case ope_estimator::snips: return "snips";
        case ope_estimator::dr: return "dr";
        case ope_estimator::dm: return "dm";
        case ope_estimator::sndr: return "sndr";
        case ope_estimator::switch_dr: return "switch_dr";
        case ope_estimator::dros: return "dros";
        case ope_estimator::replay: return "replay";
    }
    return "?";
}

namespace detail {

/// Checks the shared options; `fn` names the caller.
void check_ope_options(const ope_options& o, const char* fn);

/// Raises argument_error unless `e` is one of the estimators every estimate offers (naive, IPS, SNIPS, DR).
void require_general_estimator(ope_estimator e, const char* fn);

/// The estimate mean(d) + sum(a) / sum(b) over units (d empty: the ratio alone), its delta-method
/// standard error (the linearised unit terms (d_j - mean d) + (a_j - V b_j) / mean b, V = sum a / sum b)
/// and its normal or percentile-bootstrap interval (units resampled with replacement, the ratio
/// recomputed in every resample; resamples whose sum of b is not positive are left out).
ope_estimate mean_plus_ratio_estimate(std::span<const double> d, const std::vector<double>& a, const std::vector<double>& b,
                                             const ope_options& o, const char* fn);

/// The estimate sum(a) / sum(b) over units, its delta-method standard error and its interval.
ope_estimate ratio_estimate(const std::vector<double>& a, const std::vector<double>& b, const ope_options& o, const char* fn);

/// Checks that a log has propensities when the estimator needs them, and that a matrix is n_users x n_items.
void check_log_and_matrix(const data::interactions& log, const matrix<double>& m, const char* what, bool need_propensities,
                                 const char* fn);

}  // namespace detail

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/common.hpp"
#endif
