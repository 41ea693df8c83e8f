#pragma once
/// @file
/// Average treatment effects (ATE, and ATT = the effect on the treated) from observational or
/// experimental data: difference in means, regression adjustment, inverse probability weighting
/// (Horvitz-Thompson and normalised/Hajek) and AIPW / doubly robust estimation with K-fold
/// cross-fitting. Options select propensity trimming (common support, Crump et al. 2009) and
/// clipping, and a seeded percentile bootstrap. Every estimator returns an effect_estimate with the
/// estimate, an influence-function standard error, a confidence interval and the rows used.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "concepts.hpp"
#include "detail/common.hpp"
#include "propensity.hpp"

namespace causalrec::causal {

/// Which rows to drop by their propensity before estimating.
enum class trimming {
    none,            ///< keep every row
    common_support,  ///< keep rows whose propensity lies inside the overlap of the treated and control ranges
    crump,           ///< keep rows with propensity in [alpha, 1 - alpha] (Crump, Hotz, Imbens & Mitnik 2009)
};

/// Normalisation of inverse probability weights.
enum class ipw_weighting {
    horvitz_thompson,  ///< weights divided by n (unbiased, high variance)
    hajek,             ///< weights normalised to sum to one within each arm (self-normalised)
};

/// Options shared by the ATE estimators.
struct effect_options {
    estimand target{estimand::ate};                ///< ATE or ATT
    trimming trim{trimming::none};                 ///< trimming rule (needs a propensity model)
    double trim_alpha{0.1};                        ///< crump: the threshold alpha; <= 0 computes Crump et al.'s optimal alpha
    double clip_eps{0.0};                          ///< clip propensities to [clip_eps, 1 - clip_eps] after trimming; 0 = off
    ipw_weighting weighting{ipw_weighting::hajek}; ///< ipw and aipw: Horvitz-Thompson or Hajek (self-normalised)
    std::size_t folds{5};                          ///< aipw: cross-fitting folds (1 = nuisances fitted and used in-sample)
    std::size_t repeats{1};                        ///< aipw: cross-fitting repetitions with different fold seeds; the estimate is
                                                   ///< their median, the standard error sqrt(median(se^2 + (est - median)^2)) (DoubleML)
    std::size_t bootstrap{0};                      ///< bootstrap resamples B (0 = normal-approximation interval only)
    double confidence{0.95};                       ///< level of the confidence interval
    std::uint64_t seed{0};                         ///< seed of the folds and of the bootstrap
};

/// The result of an ATE / ATT estimator.
struct effect_estimate {
    std::string method{};                  ///< estimator name ("aipw", "ipw-hajek", ...)
    estimand target{estimand::ate};        ///< ATE or ATT
    double estimate{0.0};                  ///< the point estimate
    double std_error{0.0};                 ///< influence-function (sandwich) standard error, nuisances taken as fixed
    double ci_low{0.0};                    ///< lower end of the confidence interval (bootstrap percentile when B > 0)
    double ci_high{0.0};                   ///< upper end of the confidence interval
    double confidence{0.95};               ///< level of the interval
    std::size_t n_used{0};                 ///< rows used after trimming
    std::size_t n_treated{0};              ///< treated rows used
    std::size_t n_control{0};              ///< control rows used
    std::size_t n_trimmed{0};              ///< rows dropped by trimming
    double trim_alpha{0.0};                ///< the alpha used by crump trimming (0 otherwise)
    std::size_t bootstrap_samples{0};      ///< B
    double bootstrap_std_error{std::numeric_limits<double>::quiet_NaN()};  ///< sd of the bootstrap estimates (NaN without bootstrap)
    std::string note{};                    ///< why the uncertainty is undefined (empty when it is defined)

    /// One line: "method ATE = estimate (se ...) [ci_low, ci_high] n = ...".
    std::string to_string() const {
        std::ostringstream out;
        out << std::fixed << std::setprecision(4) << method << ' ' << (target == estimand::ate ? "ATE" : "ATT") << " = "
            << estimate << " (se " << std_error;
        if (bootstrap_samples > 0) out << ", bootstrap se " << bootstrap_std_error;
        out << ") " << std::setprecision(0) << confidence * 100 << std::setprecision(4) << "% CI [" << ci_low << ", "
            << ci_high << "]" << (bootstrap_samples > 0 ? " percentile" : " normal") << ", n = " << n_used << " ("
            << n_treated << " treated, " << n_control << " control, " << n_trimmed << " trimmed)";
        if (!note.empty()) out << "; " << note;
        return out.str();
    }
};

/// Prints an effect_estimate (its to_string()).
inline std::ostream& operator<<(std::ostream& out, const effect_estimate& e) { return out << e.to_string(); }

/// Crump, Hotz, Imbens & Mitnik (2009)'s optimal trimming threshold alpha for propensities e: with
/// g = 1 / (e (1 - e)), 0 when max g <= 2 E[g], otherwise alpha = 1/2 - sqrt(1/4 - 1/gamma) where
/// gamma solves gamma = 2 E[g | g <= gamma].
double crump_alpha(const vector<double>& e);

namespace detail {

/// Nuisance predictions of every row: propensity e (may be empty) and outcome means mu0, mu1 (may be empty).
struct nuisances {
    vector<double> e = make_vector<double>(0);
    vector<double> mu0 = make_vector<double>(0);
    vector<double> mu1 = make_vector<double>(0);
};

/// Which estimating formula to apply to the nuisances.
enum class formula { regression, ipw_ht, ipw_hajek, aipw, aipw_hajek, difference };

struct point {
    double estimate = 0.0, std_error = 0.0, alpha = 0.0;
    std::size_t used = 0, treated = 0, control = 0, trimmed = 0;
};

void check_effect_options(const char* fn, const effect_options& o);

void check_inputs(const char* fn, const matrix<double>* x, const vector<double>& t, const vector<double>& y);

/// Applies trimming and clipping, then the formula, on the rows kept.
point evaluate(const char* fn, formula f, const vector<double>& t, const vector<double>& y, const nuisances& nu,
                      const effect_options& o);

/// Fits an outcome model per arm on the given rows and predicts mu0, mu1 for `predict_rows` of x.
template <class M>
void fit_outcomes(const char* fn, const M& prototype, const matrix<double>& x, const vector<double>& t, const vector<double>& y,
                  std::span<const std::size_t> train_rows, std::span<const std::size_t> predict_rows, nuisances& nu,
                  bool need_mu1) {
    std::vector<std::size_t> arm[2];
    for (std::size_t i : train_rows) arm[t(i) == 1.0 ? 1 : 0].push_back(i);
    const matrix<double> xp = take_rows(x, predict_rows);
    for (int a = need_mu1 ? 1 : 0; a >= 0; --a) {
        if (arm[a].empty()) throw argument_error(causalrec::error_message("causal", fn, "outcome model: a cross-fitting fold has no rows of one arm; use fewer folds"));
        M model = prototype;
        model.fit(take_rows(x, arm[a]), take(y, arm[a]));
        const vector<double> p = predict_outcome(model, xp);
        vector<double>& mu = a == 1 ? nu.mu1 : nu.mu0;
        for (std::size_t k = 0; k < predict_rows.size(); ++k) mu(predict_rows[k]) = p(k);
    }
}

/// Fits the propensity model on the given rows and predicts e for `predict_rows`.
template <class C>
void fit_propensity(const char* fn, const C& prototype, const matrix<double>& x, const vector<double>& t,
                    std::span<const std::size_t> train_rows, std::span<const std::size_t> predict_rows, nuisances& nu) {
    C model = prototype;
    model.fit(take_rows(x, train_rows), take(t, train_rows));
    const vector<double> p = model.predict_proba(take_rows(x, predict_rows));
    for (std::size_t k = 0; k < predict_rows.size(); ++k) nu.e(predict_rows[k]) = p(k);
    require_finite(fn, "a propensity", nu.e);
}

/// Runs `once(x, t, y)` on the data, then on B stratified bootstrap resamples; fills the result.
template <class Once>
effect_estimate with_bootstrap(const char* method, const matrix<double>* x, const vector<double>& t,
                               const vector<double>& y, const effect_options& o, Once&& once) {
    const point p = once(x, t, y);
    effect_estimate r;
    r.method = method;
    r.target = o.target;
    r.estimate = p.estimate;
    r.std_error = p.std_error;
    r.confidence = o.confidence;
    r.n_used = p.used;
    r.n_treated = p.treated;
    r.n_control = p.control;
    r.n_trimmed = p.trimmed;
    r.trim_alpha = p.alpha;
    const double z = normal_quantile(0.5 + o.confidence / 2.0);
    r.ci_low = p.estimate - z * p.std_error;
    r.ci_high = p.estimate + z * p.std_error;
    // An arm with one row has no variance estimate: report the uncertainty as undefined (NaN, with a
    // note), never as a zero-width interval — also for the bootstrap, whose resamples repeat that row.
    if (p.treated < 2 || p.control < 2) {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        r.std_error = r.ci_low = r.ci_high = nan;
        r.note = cat("standard error undefined: the ", p.treated < 2 ? "treated" : "control", " arm has ",
                     p.treated < 2 ? p.treated : p.control, " row (at least 2 per arm are needed)");
        if (o.bootstrap > 0) r.bootstrap_samples = o.bootstrap;
        return r;
    }
    if (o.bootstrap == 0) return r;
    rng engine(o.seed ^ 0xb00757a9ULL);
    const std::vector<std::size_t> arms[2] = {arm_rows(t, 0.0), arm_rows(t, 1.0)};
    std::vector<double> estimates;
    estimates.reserve(o.bootstrap);
    std::vector<std::size_t> idx(t.size());
    for (std::size_t b = 0; b < o.bootstrap; ++b) {
        std::size_t k = 0;
        for (const auto& arm : arms)  // resample within each arm: arm sizes stay as observed
            for (std::size_t j = 0; j < arm.size(); ++j) idx[k++] = arm[engine.uniform_index(arm.size())];
        const vector<double> tb = take(t, idx), yb = take(y, idx);
        if (x) {
            const matrix<double> xb = take_rows(*x, idx);
            estimates.push_back(once(&xb, tb, yb).estimate);
        } else {
            estimates.push_back(once(nullptr, tb, yb).estimate);
        }
    }
    r.bootstrap_samples = o.bootstrap;
    r.bootstrap_std_error = std::sqrt(variance(estimates));
    const double a = 1.0 - o.confidence;
    r.ci_low = quantile(estimates, a / 2.0);
    r.ci_high = quantile(estimates, 1.0 - a / 2.0);
    return r;
}

std::vector<std::size_t> all_rows(std::size_t n);

}  // namespace detail

/// Difference in mean outcomes, treated minus control (the ATE of a randomised experiment; the same
/// number for ATT). Standard error sqrt(s1^2/n1 + s0^2/n0) (Welch). Trimming is not available.
effect_estimate difference_in_means(const vector<double>& t, const vector<double>& y, const effect_options& options = {});

/// Regression adjustment: one outcome model per arm fitted on all rows; ATE = mean(mu1(x) - mu0(x)),
/// ATT = mean over the treated of y - mu0(x). The standard error uses the arm shares as propensities
/// (exact for a randomised treatment; under confounding, ask for the bootstrap).
template <OutcomeModel M>
effect_estimate regression_adjustment(const matrix<double>& x, const vector<double>& t, const vector<double>& y,
                                      const M& outcome_model, const effect_options& options = {}) {
    const char* fn = "regression_adjustment";
    detail::check_effect_options(fn, options);
    detail::check_inputs(fn, &x, t, y);
    if (options.trim != trimming::none) throw argument_error("causalrec::causal::regression_adjustment: trimming needs a propensity model");
    return detail::with_bootstrap("regression-adjustment", &x, t, y, options,
                                  [&](const matrix<double>* xb, const vector<double>& tb, const vector<double>& yb) {
                                      detail::nuisances nu;
                                      nu.mu0 = make_vector<double>(tb.size());
                                      nu.mu1 = make_vector<double>(tb.size());
                                      const auto rows = detail::all_rows(tb.size());
                                      detail::fit_outcomes(fn, outcome_model, *xb, tb, yb, rows, rows, nu, true);
                                      return detail::evaluate(fn, detail::formula::regression, tb, yb, nu, options);
                                  });
}

/// IPW from given propensities e (Horvitz-Thompson or Hajek per options.weighting), after trimming
/// and clipping. ATE weights t/e and (1-t)/(1-e); ATT weights 1 and e/(1-e).
effect_estimate ipw_from_propensity(const vector<double>& t, const vector<double>& y, const vector<double>& e,
                                           const effect_options& options = {});

/// IPW with a propensity model (any Classifier) fitted on all rows; see ipw_from_propensity.
template <class C>
    requires Classifier<C, double>
effect_estimate ipw(const matrix<double>& x, const vector<double>& t, const vector<double>& y, const C& propensity_model,
                    const effect_options& options = {}) {
    const char* fn = "ipw";
    detail::check_effect_options(fn, options);
    detail::check_inputs(fn, &x, t, y);
    const auto f = options.weighting == ipw_weighting::hajek ? detail::formula::ipw_hajek : detail::formula::ipw_ht;
    return detail::with_bootstrap(options.weighting == ipw_weighting::hajek ? "ipw-hajek" : "ipw-horvitz-thompson", &x, t, y,
                                  options, [&](const matrix<double>* xb, const vector<double>& tb, const vector<double>& yb) {
                                      detail::nuisances nu;
                                      nu.e = make_vector<double>(tb.size());
                                      const auto rows = detail::all_rows(tb.size());
                                      detail::fit_propensity(fn, propensity_model, *xb, tb, rows, rows, nu);
                                      return detail::evaluate(fn, f, tb, yb, nu, options);
                                  });
}

/// AIPW (doubly robust) with K-fold cross-fitting (options.folds, stratified by treatment, seeded):
/// the propensity and per-arm outcome models are fitted on K-1 folds and predict the held-out fold.
/// ATE = mean of mu1 - mu0 + t (y - mu1)/e - (1-t)(y - mu0)/(1-e); ATT = [sum t (y - mu0) -
/// sum (1-t) e/(1-e) (y - mu0)] / n1 with weighting = horvitz_thompson. With hajek (the default) the
/// weighted residual terms are self-normalised within each arm (ATT = mean_treated(y - mu0) -
/// sum_controls w (y - mu0) / sum_controls w, w = e/(1-e)), which is far less sensitive to a few
/// propensities near 1. Trimming and clipping act on the cross-fitted propensities.
template <OutcomeModel M, class C>
    requires Classifier<C, double>
effect_estimate aipw(const matrix<double>& x, const vector<double>& t, const vector<double>& y, const M& outcome_model,
                     const C& propensity_model, const effect_options& options = {}) {
    const char* fn = "aipw";
    detail::check_effect_options(fn, options);
    detail::check_inputs(fn, &x, t, y);
    if (options.folds == 0) throw argument_error("causalrec::causal::aipw: folds must be at least 1");
    if (options.repeats == 0) throw argument_error("causalrec::causal::aipw: repeats must be at least 1");
    return detail::with_bootstrap(
        options.weighting == ipw_weighting::hajek ? "aipw-normalised" : "aipw", &x, t, y, options,
        [&](const matrix<double>* xb, const vector<double>& tb, const vector<double>& yb) {
            const std::size_t n = tb.size();
            const std::size_t repeats = options.folds == 1 ? 1 : options.repeats;
            std::vector<detail::point> points;
            for (std::size_t rep = 0; rep < repeats; ++rep) {
                detail::nuisances nu;
                nu.e = make_vector<double>(n);
                nu.mu0 = make_vector<double>(n);
                nu.mu1 = make_vector<double>(n);
                const bool need_mu1 = options.target == estimand::ate;
                if (options.folds == 1) {
                    const auto rows = detail::all_rows(n);
                    detail::fit_propensity(fn, propensity_model, *xb, tb, rows, rows, nu);
                    detail::fit_outcomes(fn, outcome_model, *xb, tb, yb, rows, rows, nu, need_mu1);
                } else {
                    const auto fold = detail::stratified_folds(tb, options.folds, options.seed + 7919 * rep);
                    for (std::size_t k = 0; k < options.folds; ++k) {
                        std::vector<std::size_t> train, held;
                        for (std::size_t i = 0; i < n; ++i) (fold[i] == k ? held : train).push_back(i);
                        if (held.empty()) continue;
                        detail::fit_propensity(fn, propensity_model, *xb, tb, train, held, nu);
                        detail::fit_outcomes(fn, outcome_model, *xb, tb, yb, train, held, nu, need_mu1);
                    }
                }
                points.push_back(detail::evaluate(fn,
                                                  options.weighting == ipw_weighting::hajek ? detail::formula::aipw_hajek
                                                                                            : detail::formula::aipw,
                                                  tb, yb, nu, options));
            }
            if (points.size() == 1) return points[0];
            std::vector<double> est, var;
            for (const auto& p : points) est.push_back(p.estimate);
            detail::point out = points[0];
            out.estimate = detail::quantile(est, 0.5);
            for (const auto& p : points)
                var.push_back(p.std_error * p.std_error + (p.estimate - out.estimate) * (p.estimate - out.estimate));
            out.std_error = std::sqrt(detail::quantile(var, 0.5));
            return out;
        });
}

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/ate.hpp"
#endif
