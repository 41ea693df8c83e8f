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
inline void check_propensity_clip(double clip, const char* fn) {
    if (!(clip >= 0.0 && clip <= 1.0)) throw argument_error(causalrec::error_message("causal", fn, "clip must be in [0, 1], got ", clip));
}

/// Propensities of the rows of `log` from a per-pair function, with a clip from below.
template <class F>
std::vector<double> propensities_per_row(const data::interactions& log, double clip, F&& f) {
    std::vector<double> out(log.size());
    for (std::size_t r = 0; r < log.size(); ++r) out[r] = std::clamp(f(r), std::max(clip, 1e-12), 1.0);
    return out;
}

/// A copy of `log` with its propensities column replaced by `p`.
inline data::interactions with_propensities(const data::interactions& log, std::vector<double> p) {
    auto c = log.columns();
    c.propensities = std::move(p);
    return data::interactions(std::move(c));
}

}  // namespace detail

/// The log with its propensities column replaced (one per row, each in (0, 1]); raises shape_error
/// for a length mismatch and argument_error for a value outside (0, 1].
inline data::interactions with_propensities(const data::interactions& log, std::vector<double> propensities) {
    if (propensities.size() != log.size())
        throw shape_error(causalrec::cat("causalrec::causal::with_propensities: ", propensities.size(), " propensities for a log of ", log.size(), " rows"));
    return detail::with_propensities(log, std::move(propensities));
}

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
    explicit popularity_propensity(popularity_propensity_options o = {}) : o_(o) {
        if (!(o_.power > 0.0 && std::isfinite(o_.power)))
            throw argument_error(causalrec::cat("causalrec::causal::popularity_propensity: power must be finite and > 0, got ", o_.power));
        detail::check_propensity_clip(o_.clip, "popularity_propensity");
    }

    /// Counts the distinct pairs of `log` per user and item; raises argument_error for an empty log.
    void fit(const data::interactions& log) {
        if (log.empty()) throw argument_error("causalrec::causal::popularity_propensity::fit: the log is empty");
        const auto& by_user = log.by_user();
        nu_.assign(log.n_users(), 0.0);
        ni_.assign(log.n_items(), 0.0);
        n_obs_ = static_cast<double>(by_user.nnz());
        for (std::size_t u = 0; u < by_user.rows(); ++u)
            for (std::size_t i : by_user.row_indices(u)) nu_[u] += 1.0, ni_[i] += 1.0;
        scale_ = 1.0;
        if (o_.normalize) {
            double total = 0.0;
            for (std::size_t u = 0; u < nu_.size(); ++u)
                for (std::size_t i = 0; i < ni_.size(); ++i) total += unscaled(u, i);
            scale_ = total > 0.0 ? n_obs_ / total : 1.0;
        }
        fitted_ = true;
    }

    /// P(O_ui = 1), clipped to [clip, 1]; raises not_fitted_error before fit and argument_error for
    /// a user or item out of range.
    double propensity(std::size_t user, std::size_t item) const {
        if (!fitted_) throw not_fitted_error("causalrec::causal::popularity_propensity: propensity called before fit");
        if (user >= nu_.size() || item >= ni_.size())
            throw argument_error(causalrec::cat("causalrec::causal::popularity_propensity: pair (", user, ", ", item, ") is out of range (", nu_.size(),
                                                        " users, ", ni_.size(), " items)"));
        return std::clamp(scale_ * unscaled(user, item), std::max(o_.clip, 1e-12), 1.0);
    }

    /// The propensity of every row of `log`.
    std::vector<double> propensities(const data::interactions& log) const {
        return detail::propensities_per_row(log, o_.clip, [&](std::size_t r) { return propensity(log.users()[r], log.items()[r]); });
    }

    /// The n_users x n_items matrix of propensities.
    matrix<double> matrix_of() const {
        if (!fitted_) throw not_fitted_error("causalrec::causal::popularity_propensity: matrix_of called before fit");
        matrix<double> m = matrix<double>::from_shape({nu_.size(), ni_.size()});
        for (std::size_t u = 0; u < nu_.size(); ++u)
            for (std::size_t i = 0; i < ni_.size(); ++i) m(u, i) = propensity(u, i);
        return m;
    }

private:
    double unscaled(std::size_t u, std::size_t i) const noexcept {
        double base = 0.0;
        switch (o_.kind) {
            case popularity_kind::item: base = ni_[i] / static_cast<double>(nu_.size()); break;
            case popularity_kind::user: base = nu_[u] / static_cast<double>(ni_.size()); break;
            case popularity_kind::product: base = nu_[u] * ni_[i] / n_obs_; break;
        }
        return std::pow(base, o_.power);
    }

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
    explicit naive_bayes_propensity(naive_bayes_propensity_options o = {}) : o_(o) {
        if (!(o_.smoothing >= 0.0 && std::isfinite(o_.smoothing)))
            throw argument_error(causalrec::cat("causalrec::causal::naive_bayes_propensity: smoothing must be finite and >= 0, got ", o_.smoothing));
        detail::check_propensity_clip(o_.clip, "naive_bayes_propensity");
    }

    /// Fits from the observed log (its values, n_users and n_items) and the values of an MCAR
    /// sample. Raises argument_error when either is empty, or when a value of the observed log never
    /// occurs in the MCAR sample (P(r) = 0; add smoothing).
    void fit(const data::interactions& observed, std::span<const double> mcar_values) {
        if (observed.empty()) throw argument_error("causalrec::causal::naive_bayes_propensity::fit: the observed log is empty");
        if (mcar_values.empty()) throw argument_error("causalrec::causal::naive_bayes_propensity::fit: the MCAR sample is empty");
        std::map<double, double> obs, mcar;
        for (double v : observed.values()) obs[v] += 1.0;
        for (double v : mcar_values) {
            if (!std::isfinite(v)) throw argument_error("causalrec::causal::naive_bayes_propensity::fit: the MCAR sample holds a non-finite value");
            mcar[v] += 1.0;
        }
        for (auto& [v, c] : obs) mcar.try_emplace(v, 0.0);
        for (auto& [v, c] : mcar) obs.try_emplace(v, 0.0);
        const double n_obs = static_cast<double>(observed.size()), n_mcar = static_cast<double>(mcar_values.size());
        const double levels = static_cast<double>(obs.size());
        p_observed_ = n_obs / (static_cast<double>(observed.n_users()) * static_cast<double>(observed.n_items()));
        table_.clear();
        for (const auto& [v, c] : obs) {
            const double p_r_given_o = (c + o_.smoothing) / (n_obs + o_.smoothing * levels);
            const double p_r = (mcar[v] + o_.smoothing) / (n_mcar + o_.smoothing * levels);
            if (!(p_r > 0.0)) {
                if (c == 0.0) continue;
                throw argument_error(causalrec::cat("causalrec::causal::naive_bayes_propensity::fit: value ", v,
                                                            " occurs in the observed log but not in the MCAR sample (use smoothing > 0)"));
            }
            table_[v] = p_r_given_o * p_observed_ / p_r;
        }
        fitted_ = true;
    }

    /// P(O = 1 | r = value), clipped to [clip, 1]; raises not_fitted_error before fit and
    /// argument_error for a value seen in neither sample.
    double propensity(double value) const {
        if (!fitted_) throw not_fitted_error("causalrec::causal::naive_bayes_propensity: propensity called before fit");
        const auto it = table_.find(value);
        if (it == table_.end())
            throw argument_error(causalrec::cat("causalrec::causal::naive_bayes_propensity: value ", value, " was in neither sample"));
        return std::clamp(it->second, std::max(o_.clip, 1e-12), 1.0);
    }

    /// The propensity of every row of `log` (by its value).
    std::vector<double> propensities(const data::interactions& log) const {
        return detail::propensities_per_row(log, o_.clip, [&](std::size_t r) { return propensity(log.values()[r]); });
    }

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

/// Options of logistic_propensity.
struct logistic_propensity_options {
    double l2 = 1e-4;              ///< L2 penalty per pair on the weights (not the intercept), >= 0
    std::size_t max_iterations = 200;  ///< L-BFGS iterations
    double clip = 1e-3;            ///< lower clip of the propensities, in [0, 1]
};

/// Exposure propensities by logistic regression of O_ui on [user features of u, item features of
/// i] over all n_users x n_items pairs (observed = 1), fitted by L-BFGS on the mean cross-entropy
/// plus l2 |w|^2 (Schnabel et al. 2016 fit Coat's propensities this way).
class logistic_propensity {
public:
    /// A model with the given options; raises argument_error for a negative l2, zero iterations or a bad clip.
    explicit logistic_propensity(logistic_propensity_options o = {}) : o_(o) {
        if (!(o_.l2 >= 0.0 && std::isfinite(o_.l2)))
            throw argument_error(causalrec::cat("causalrec::causal::logistic_propensity: l2 must be finite and >= 0, got ", o_.l2));
        if (o_.max_iterations == 0) throw argument_error("causalrec::causal::logistic_propensity: max_iterations must be >= 1");
        detail::check_propensity_clip(o_.clip, "logistic_propensity");
    }

    /// Fits on the distinct pairs of `log` with user features (n_users x du) and item features
    /// (n_items x di); raises shape_error when the feature rows do not match the log's counts and
    /// argument_error for an empty log.
    void fit(const data::interactions& log, const matrix<double>& user_features, const matrix<double>& item_features) {
        if (log.empty()) throw argument_error("causalrec::causal::logistic_propensity::fit: the log is empty");
        if (user_features.shape()[0] != log.n_users())
            throw shape_error(causalrec::cat("causalrec::causal::logistic_propensity::fit: user features have ", user_features.shape()[0],
                                                     " rows, the log has ", log.n_users(), " users"));
        if (item_features.shape()[0] != log.n_items())
            throw shape_error(causalrec::cat("causalrec::causal::logistic_propensity::fit: item features have ", item_features.shape()[0],
                                                     " rows, the log has ", log.n_items(), " items"));
        uf_ = user_features;
        if_ = item_features;
        const std::size_t nu = log.n_users(), ni = log.n_items(), du = uf_.shape()[1], di = if_.shape()[1];
        std::vector<char> o(nu * ni, 0);
        for (std::size_t r = 0; r < log.size(); ++r) o[log.users()[r] * ni + log.items()[r]] = 1;
        w_.assign(1 + du + di, 0.0);
        double rate = 0.0;
        for (char c : o) rate += c;
        rate /= static_cast<double>(o.size());
        w_[0] = std::log(rate / (1.0 - std::min(rate, 1.0 - 1e-9)));
        const double inv_n = 1.0 / static_cast<double>(o.size());
        std::vector<double> user_part(nu), item_part(ni), user_g(nu), item_g(ni);
        auto f = [&](std::span<const double> w, std::span<double> g) {
            std::fill(g.begin(), g.end(), 0.0);
            for (std::size_t u = 0; u < nu; ++u) {
                double s = 0.0;
                for (std::size_t j = 0; j < du; ++j) s += uf_(u, j) * w[1 + j];
                user_part[u] = s, user_g[u] = 0.0;
            }
            for (std::size_t i = 0; i < ni; ++i) {
                double s = 0.0;
                for (std::size_t j = 0; j < di; ++j) s += if_(i, j) * w[1 + du + j];
                item_part[i] = s, item_g[i] = 0.0;
            }
            double total = 0.0;
            for (std::size_t u = 0; u < nu; ++u)
                for (std::size_t i = 0; i < ni; ++i) {
                    const double z = w[0] + user_part[u] + item_part[i], y = o[u * ni + i];
                    total += causalrec::bce_from_logits(z, y);
                    const double d = causalrec::sigmoid_minus(z, y) * inv_n;
                    g[0] += d, user_g[u] += d, item_g[i] += d;
                }
            for (std::size_t u = 0; u < nu; ++u)
                for (std::size_t j = 0; j < du; ++j) g[1 + j] += user_g[u] * uf_(u, j);
            for (std::size_t i = 0; i < ni; ++i)
                for (std::size_t j = 0; j < di; ++j) g[1 + du + j] += item_g[i] * if_(i, j);
            double pen = 0.0;
            for (std::size_t j = 1; j < w.size(); ++j) pen += w[j] * w[j], g[j] += 2.0 * o_.l2 * w[j];
            return total * inv_n + o_.l2 * pen;
        };
        train::function_objective<double, decltype(f)> objective(w_, f, "logistic_propensity");
        train::fit(objective,
                   optim::lbfgs<double>({.max_iterations = o_.max_iterations, .max_evaluations = 25 * o_.max_iterations,
                                         .gradient_tolerance = 1e-7, .change_tolerance = 0.0}),
                   {.epochs = 1, .verbose = 0});
        fitted_ = true;
    }

    /// P(O_ui = 1), clipped to [clip, 1]; raises not_fitted_error before fit and argument_error out of range.
    double propensity(std::size_t user, std::size_t item) const {
        if (!fitted_) throw not_fitted_error("causalrec::causal::logistic_propensity: propensity called before fit");
        if (user >= uf_.shape()[0] || item >= if_.shape()[0])
            throw argument_error(causalrec::cat("causalrec::causal::logistic_propensity: pair (", user, ", ", item, ") is out of range"));
        const std::size_t du = uf_.shape()[1], di = if_.shape()[1];
        double z = w_[0];
        for (std::size_t j = 0; j < du; ++j) z += uf_(user, j) * w_[1 + j];
        for (std::size_t j = 0; j < di; ++j) z += if_(item, j) * w_[1 + du + j];
        return std::clamp(causalrec::sigmoid(z), std::max(o_.clip, 1e-12), 1.0);
    }

    /// The propensity of every row of `log`.
    std::vector<double> propensities(const data::interactions& log) const {
        return detail::propensities_per_row(log, o_.clip, [&](std::size_t r) { return propensity(log.users()[r], log.items()[r]); });
    }

    /// The n_users x n_items matrix of propensities.
    matrix<double> matrix_of() const {
        if (!fitted_) throw not_fitted_error("causalrec::causal::logistic_propensity: matrix_of called before fit");
        matrix<double> m = matrix<double>::from_shape({uf_.shape()[0], if_.shape()[0]});
        for (std::size_t u = 0; u < m.shape()[0]; ++u)
            for (std::size_t i = 0; i < m.shape()[1]; ++i) m(u, i) = propensity(u, i);
        return m;
    }

    /// Intercept, user-feature weights, item-feature weights.
    const std::vector<double>& coefficients() const noexcept { return w_; }

private:
    logistic_propensity_options o_;
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
inline std::vector<reliability_bin> reliability_table(std::span<const double> predicted, std::span<const double> exposed,
                                                      const reliability_options& options = {}) {
    if (predicted.size() != exposed.size())
        throw shape_error(causalrec::cat("causalrec::causal::reliability_table: ", predicted.size(), " predictions but ", exposed.size(), " outcomes"));
    if (predicted.empty()) throw argument_error("causalrec::causal::reliability_table: no pairs");
    if (options.bins == 0) throw argument_error("causalrec::causal::reliability_table: bins must be >= 1");
    for (std::size_t k = 0; k < predicted.size(); ++k)
        if (!(predicted[k] >= 0.0 && predicted[k] <= 1.0))
            throw argument_error(causalrec::cat("causalrec::causal::reliability_table: prediction ", predicted[k], " at position ", k, " is outside [0, 1]"));
    const std::size_t n = predicted.size(), b = options.bins;
    std::vector<std::size_t> order(n);
    for (std::size_t k = 0; k < n; ++k) order[k] = k;
    std::vector<reliability_bin> out(b);
    std::vector<std::size_t> bin_of(n);
    if (options.quantile_bins) {
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t c) { return predicted[a] < predicted[c]; });
        for (std::size_t r = 0; r < n; ++r) bin_of[order[r]] = std::min(b - 1, r * b / n);
    } else {
        for (std::size_t k = 0; k < n; ++k)
            bin_of[k] = std::min(b - 1, static_cast<std::size_t>(predicted[k] * static_cast<double>(b)));
        for (std::size_t j = 0; j < b; ++j)
            out[j].lower = static_cast<double>(j) / static_cast<double>(b), out[j].upper = static_cast<double>(j + 1) / static_cast<double>(b);
    }
    std::vector<double> lo(b, 1.0), hi(b, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        auto& bin = out[bin_of[k]];
        ++bin.count;
        bin.mean_predicted += predicted[k];
        bin.observed_rate += exposed[k] != 0.0 ? 1.0 : 0.0;
        lo[bin_of[k]] = std::min(lo[bin_of[k]], predicted[k]);
        hi[bin_of[k]] = std::max(hi[bin_of[k]], predicted[k]);
    }
    for (std::size_t j = 0; j < b; ++j) {
        if (out[j].count) {
            out[j].mean_predicted /= static_cast<double>(out[j].count);
            out[j].observed_rate /= static_cast<double>(out[j].count);
        }
        if (options.quantile_bins) out[j].lower = out[j].count ? lo[j] : 0.0, out[j].upper = out[j].count ? hi[j] : 0.0;
    }
    return out;
}

/// The reliability table of a propensity matrix (n_users x n_items) against the exposure pattern
/// of `log` (a pair is exposed when it appears in the log). Raises shape_error on a count mismatch.
inline std::vector<reliability_bin> exposure_calibration(const matrix<double>& propensities, const data::interactions& log,
                                                         const reliability_options& options = {}) {
    if (propensities.shape()[0] != log.n_users() || propensities.shape()[1] != log.n_items())
        throw shape_error(causalrec::cat("causalrec::causal::exposure_calibration: propensities have shape (", propensities.shape()[0], ", ",
                                                 propensities.shape()[1], "), the log has ", log.n_users(), " users and ", log.n_items(),
                                                 " items"));
    std::vector<double> exposed(propensities.size(), 0.0);
    for (std::size_t r = 0; r < log.size(); ++r) exposed[log.users()[r] * log.n_items() + log.items()[r]] = 1.0;
    return reliability_table(std::span<const double>(propensities.data(), propensities.size()), exposed, options);
}

/// Expected calibration error of a reliability table: sum over bins of count |mean_predicted - observed_rate| / total.
inline double expected_calibration_error(const std::vector<reliability_bin>& table) {
    double total = 0.0, n = 0.0;
    for (const auto& b : table) total += static_cast<double>(b.count) * std::abs(b.mean_predicted - b.observed_rate), n += static_cast<double>(b.count);
    return n > 0.0 ? total / n : 0.0;
}

}  // namespace causalrec::causal
