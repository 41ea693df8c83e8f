#pragma once
/// @file
/// Propensity models for recommendation exposure P(O_ui = 1): popularity-based (user, item or their
/// product), naive Bayes on the rating value with a small missing-completely-at-random sample
/// (Schnabel et al., ICML 2016, §5.2), and logistic regression on user and item features; clipping
/// and self-normalisation of the weights; a reliability table for calibration; and readers for
/// dense rating matrices (Coat's .ascii files).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/math.hpp"
#include "../core/tensor.hpp"
#include "../data/interactions.hpp"
#include "debias.hpp"
#include "../optim/lbfgs.hpp"
#include "../train/function_objective.hpp"
#include "../train/loop.hpp"

namespace causalrec::causal {

namespace detail {

/// Raises argument_error unless 0 <= clip <= 1.
void check_propensity_clip(double clip, const char* fn);

/// Propensities of the rows of `log` from a per-pair function, with a clip from below.
template <class F>
std::vector<double> propensities_per_row(const data::interactions& log, double clip, F&& f) {
    std::vector<double> out(log.size());
    for (std::size_t r = 0; r < log.size(); ++r) out[r] = std::clamp(f(r), std::max(clip, 1e-12), 1.0);
    return out;
}

/// A copy of `log` with its propensities column replaced by `p`.
data::interactions with_propensities(const data::interactions& log, std::vector<double> p);

}  // namespace detail

/// The log with its propensities column replaced (one per row, each in (0, 1]); raises shape_error
/// for a length mismatch and argument_error for a value outside (0, 1].
data::interactions with_propensities(const data::interactions& log, std::vector<double> propensities);

// ---------------------------------------------------------------------------------------------
// Popularity
// ---------------------------------------------------------------------------------------------

/// Which counts a popularity propensity uses.
enum class popularity_kind : std::uint8_t {
    item,     ///< P(O_ui) = n_i / n_users (share of users who interacted with item i)
    user,     ///< P(O_ui) = n_u / n_items (share of items user u interacted with)
    product,  ///< P(O_ui) = n_u n_i / n_observed (independence of user activity and item popularity)
};

/// Options of popularity_propensity.
struct popularity_propensity_options {
    popularity_kind kind = popularity_kind::item;  ///< which counts
    double power = 1.0;                            ///< propensities are (count-based estimate)^power, > 0 (Yang et al. 2018 use 0.5)
    double clip = 1e-3;                            ///< lower clip of the propensities, in [0, 1]
    bool normalize = true;                         ///< rescale so the propensities sum to the number of observed pairs over all n_users x n_items pairs (before clipping to 1)
};

/// Popularity-based exposure propensities from the distinct (user, item) pairs of a log.
class popularity_propensity {
public:
    /// A model with the given options; raises argument_error for power <= 0 or a clip outside [0, 1].
    explicit popularity_propensity(popularity_propensity_options o = {});

    /// Counts the distinct pairs of `log` per user and item; raises argument_error for an empty log.
    void fit(const data::interactions& log);

    /// P(O_ui = 1), clipped to [clip, 1]; raises not_fitted_error before fit and argument_error for
    /// a user or item out of range.
    double propensity(std::size_t user, std::size_t item) const;

    /// The propensity of every row of `log`.
    std::vector<double> propensities(const data::interactions& log) const;

    /// The n_users x n_items matrix of propensities.
    matrix<double> matrix_of() const;

private:
    double unscaled(std::size_t u, std::size_t i) const noexcept;

    popularity_propensity_options o_;
    std::vector<double> nu_, ni_;
    double n_obs_ = 0.0, scale_ = 1.0;
    bool fitted_ = false;
};

// ---------------------------------------------------------------------------------------------
// Naive Bayes with an MCAR sample
// ---------------------------------------------------------------------------------------------

/// Options of naive_bayes_propensity.
struct naive_bayes_propensity_options {
    double smoothing = 0.0;  ///< Laplace pseudo-count added to every value's count in both samples (>= 0)
    double clip = 0.0;       ///< lower clip of the propensities, in [0, 1]
};

/// Naive Bayes propensities that depend on the rating value only (Schnabel et al. 2016, §5.2):
/// P(O = 1 | r) = P(r | O = 1) P(O = 1) / P(r), with P(r | O = 1) from the observed (MNAR) log,
/// P(O = 1) = observed pairs / (n_users n_items), and P(r) from a small uniformly random (MCAR)
/// sample of ratings. Values are matched exactly (use discrete ratings or labels).
class naive_bayes_propensity {
public:
    /// A model with the given options; raises argument_error for a negative smoothing or a bad clip.
    explicit naive_bayes_propensity(naive_bayes_propensity_options o = {});

    /// Fits from the observed log (its values, n_users and n_items) and the values of an MCAR
    /// sample. Raises argument_error when either is empty, or when a value of the observed log never
    /// occurs in the MCAR sample (P(r) = 0; add smoothing).
    void fit(const data::interactions& observed, std::span<const double> mcar_values);

    /// P(O = 1 | r = value), clipped to [clip, 1]; raises not_fitted_error before fit and
    /// argument_error for a value seen in neither sample.
    double propensity(double value) const;

    /// The propensity of every row of `log` (by its value).
    std::vector<double> propensities(const data::interactions& log) const;

    /// P(O = 1): observed pairs over all pairs.
    double observed_rate() const noexcept { return p_observed_; }
    /// The fitted table value -> P(O = 1 | value), unclipped.
    const std::map<double, double>& table() const noexcept { return table_; }

private:
    naive_bayes_propensity_options o_;
    std::map<double, double> table_;
    double p_observed_ = 0.0;
    bool fitted_ = false;
};

// ---------------------------------------------------------------------------------------------
// Logistic regression on user and item features
// ---------------------------------------------------------------------------------------------

/// Options of logistic_exposure.
struct logistic_exposure_options {
    double l2 = 1e-4;              ///< L2 penalty per pair on the weights (not the intercept), >= 0
    std::size_t max_iterations = 200;  ///< L-BFGS iterations
    double clip = 1e-3;            ///< lower clip of the propensities, in [0, 1]
};

/// Exposure propensities by logistic regression of O_ui on [user features of u, item features of
/// i] over all n_users x n_items pairs (observed = 1), fitted by L-BFGS on the mean cross-entropy
/// plus l2 |w|^2 (Schnabel et al. 2016 fit Coat's propensities this way).
class logistic_exposure {
public:
    /// A model with the given options; raises argument_error for a negative l2, zero iterations or a bad clip.
    explicit logistic_exposure(logistic_exposure_options o = {});

    /// Fits on the distinct pairs of `log` with user features (n_users x du) and item features
    /// (n_items x di); raises shape_error when the feature rows do not match the log's counts and
    /// argument_error for an empty log.
    void fit(const data::interactions& log, const matrix<double>& user_features, const matrix<double>& item_features);

    /// P(O_ui = 1), clipped to [clip, 1]; raises not_fitted_error before fit and argument_error out of range.
    double propensity(std::size_t user, std::size_t item) const;

    /// The propensity of every row of `log`.
    std::vector<double> propensities(const data::interactions& log) const;

    /// The n_users x n_items matrix of propensities.
    matrix<double> matrix_of() const;

    /// Intercept, user-feature weights, item-feature weights.
    const std::vector<double>& coefficients() const noexcept { return w_; }

private:
    logistic_exposure_options o_;
    matrix<double> uf_, if_;
    std::vector<double> w_;
    bool fitted_ = false;
};

// ---------------------------------------------------------------------------------------------
// Calibration
// ---------------------------------------------------------------------------------------------

/// One bin of a reliability table.
struct reliability_bin {
    double lower = 0.0;           ///< bin's lower edge of predicted propensity
    double upper = 0.0;           ///< bin's upper edge
    std::size_t count = 0;        ///< pairs in the bin
    double mean_predicted = 0.0;  ///< mean predicted propensity of its pairs (0 when empty)
    double observed_rate = 0.0;   ///< share of its pairs that were observed (0 when empty)
};

/// Options of reliability_table.
struct reliability_options {
    std::size_t bins = 10;        ///< number of bins (>= 1)
    bool quantile_bins = true;    ///< equal-count bins by predicted value (else equal-width on [0, 1])
};

/// A reliability table of predicted propensities against observed exposure (0/1) of the same
/// pairs: bins of predicted value with the mean prediction and the observed rate of each. Raises
/// shape_error for lengths that differ, argument_error for no pairs, zero bins or a prediction
/// outside [0, 1].
std::vector<reliability_bin> reliability_table(std::span<const double> predicted, std::span<const double> exposed,
                                                      const reliability_options& options = {});

/// The reliability table of a propensity matrix (n_users x n_items) against the exposure pattern
/// of `log` (a pair is exposed when it appears in the log). Raises shape_error on a count mismatch.
std::vector<reliability_bin> exposure_calibration(const matrix<double>& propensities, const data::interactions& log,
                                                         const reliability_options& options = {});

/// Expected calibration error of a reliability table: sum over bins of count |mean_predicted - observed_rate| / total.
double expected_calibration_error(const std::vector<reliability_bin>& table);

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/exposure.hpp"
#endif
