#pragma once
/// @file
/// Meta-learners of the conditional average treatment effect tau(x) = E[Y(1) - Y(0) | x], built from
/// any base learners of the library (linear_regression, logistic_regression, nn_estimator, a user's
/// own Regressor/Classifier): the S-learner, the T-learner, the X-learner (Künzel, Sekhon, Bickel &
/// Yu 2019) and the DR-learner (Kennedy 2020). Each satisfies EffectEstimator<E, double>:
/// fit(X, t, y), effect(X), ate(). Outcome models may be Classifiers of a 0/1 outcome (their
/// predict_proba is used), so uplift on a binary response works with logistic regression.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "ate.hpp"
#include "concepts.hpp"
#include "detail/common.hpp"
#include "linear.hpp"

namespace causalrec::causal {

namespace detail {

inline void check_meta_inputs(const char* fn, const matrix<double>& x, const vector<double>& t, const vector<double>& y) {
    check_length(fn, "treatment", t.size(), x.shape()[0]);
    check_length(fn, "outcome", y.size(), x.shape()[0]);
    check_treatment(fn, t);
    require_finite(fn, "X", x);
    require_finite(fn, "outcome", y);
}

inline double mean_of(const vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}

}  // namespace detail

/// S-learner: one outcome model on [X, t]; tau(x) = mu(x, 1) - mu(x, 0).
template <OutcomeModel M>
class s_learner {
public:
    /// A learner around an unfitted outcome model.
    explicit s_learner(M model = M{}) : model_(std::move(model)) {}

    /// Fits the outcome model on X with the treatment appended as a last column.
    void fit(const matrix<double>& x, const vector<double>& t, const vector<double>& y) {
        detail::check_meta_inputs("s_learner::fit", x, t, y);
        model_.fit(detail::with_column(x, t), y);
        features_ = x.shape()[1];
        ate_ = detail::mean_of(effect(x));
        fitted_ = true;
    }

    /// tau(x) of every row.
    vector<double> effect(const matrix<double>& x) const {
        if (features_ == 0) throw not_fitted_error("causalrec::causal::s_learner: effect called before fit");
        if (x.shape()[1] != features_)
            throw shape_error(detail::cat("causalrec::causal::s_learner: X has ", x.shape()[1], " columns, fitted on ", features_));
        return detail::predict_outcome(model_, detail::with_column(x, 1.0)) -
               detail::predict_outcome(model_, detail::with_column(x, 0.0));
    }

    /// Mean tau over the fitted rows.
    double ate() const {
        if (!fitted_) throw not_fitted_error("causalrec::causal::s_learner: ate called before fit");
        return ate_;
    }

    /// The fitted outcome model.
    const M& model() const noexcept { return model_; }

private:
    M model_;
    std::size_t features_ = 0;
    double ate_ = 0.0;
    bool fitted_ = false;
};

/// T-learner: one outcome model per arm; tau(x) = mu1(x) - mu0(x).
template <OutcomeModel M>
class t_learner {
public:
    /// A learner whose two arm models are copies of `model`.
    explicit t_learner(M model = M{}) : mu0_(model), mu1_(std::move(model)) {}

    /// Fits mu0 on the control rows and mu1 on the treated rows.
    void fit(const matrix<double>& x, const vector<double>& t, const vector<double>& y) {
        detail::check_meta_inputs("t_learner::fit", x, t, y);
        const auto c = detail::arm_rows(t, 0.0), tr = detail::arm_rows(t, 1.0);
        mu0_.fit(detail::take_rows(x, c), detail::take(y, c));
        mu1_.fit(detail::take_rows(x, tr), detail::take(y, tr));
        features_ = x.shape()[1];
        ate_ = detail::mean_of(effect(x));
    }

    /// tau(x) = mu1(x) - mu0(x) of every row.
    vector<double> effect(const matrix<double>& x) const {
        if (features_ == 0) throw not_fitted_error("causalrec::causal::t_learner: effect called before fit");
        return detail::predict_outcome(mu1_, x) - detail::predict_outcome(mu0_, x);
    }

    /// Mean tau over the fitted rows.
    double ate() const {
        if (features_ == 0) throw not_fitted_error("causalrec::causal::t_learner: ate called before fit");
        return ate_;
    }

    /// The control-arm outcome model.
    const M& control_model() const noexcept { return mu0_; }
    /// The treated-arm outcome model.
    const M& treated_model() const noexcept { return mu1_; }

private:
    M mu0_, mu1_;
    std::size_t features_ = 0;
    double ate_ = 0.0;
};

/// X-learner (Künzel et al. 2019): arm outcome models mu0, mu1; imputed effects D1 = y - mu0(x) on the
/// treated and D0 = mu1(x) - y on the controls, each regressed on X (tau1, tau0); then
/// tau(x) = g(x) tau0(x) + (1 - g(x)) tau1(x) with g the propensity.
template <OutcomeModel M, class R = linear_regression, class C = logistic_regression>
    requires Regressor<R, double> && Classifier<C, double>
class x_learner {
public:
    /// A learner from an outcome model, an effect Regressor and a propensity Classifier (all unfitted).
    explicit x_learner(M outcome = M{}, R effect_model = R{}, C propensity = C{})
        : mu0_(outcome), mu1_(std::move(outcome)), tau0_(effect_model), tau1_(std::move(effect_model)),
          propensity_(std::move(propensity)) {}

    /// Fits the three stages.
    void fit(const matrix<double>& x, const vector<double>& t, const vector<double>& y) {
        detail::check_meta_inputs("x_learner::fit", x, t, y);
        const auto c = detail::arm_rows(t, 0.0), tr = detail::arm_rows(t, 1.0);
        const matrix<double> x0 = detail::take_rows(x, c), x1 = detail::take_rows(x, tr);
        const vector<double> y0 = detail::take(y, c), y1 = detail::take(y, tr);
        mu0_.fit(x0, y0);
        mu1_.fit(x1, y1);
        tau1_.fit(x1, vector<double>(y1 - detail::predict_outcome(mu0_, x1)));
        tau0_.fit(x0, vector<double>(detail::predict_outcome(mu1_, x0) - y0));
        propensity_.fit(x, t);
        features_ = x.shape()[1];
        ate_ = detail::mean_of(effect(x));
    }

    /// tau(x) of every row.
    vector<double> effect(const matrix<double>& x) const {
        if (features_ == 0) throw not_fitted_error("causalrec::causal::x_learner: effect called before fit");
        const vector<double> g = propensity_.predict_proba(x);
        return g * vector<double>(tau0_.predict(x)) + (1.0 - g) * vector<double>(tau1_.predict(x));
    }

    /// Mean tau over the fitted rows.
    double ate() const {
        if (features_ == 0) throw not_fitted_error("causalrec::causal::x_learner: ate called before fit");
        return ate_;
    }

private:
    M mu0_, mu1_;
    R tau0_, tau1_;
    C propensity_;
    std::size_t features_ = 0;
    double ate_ = 0.0;
};

/// Options of dr_learner.
struct dr_learner_options {
    std::size_t folds{2};       ///< cross-fitting folds for the nuisances (>= 2)
    double clip_eps{0.01};      ///< clip the cross-fitted propensities to [clip_eps, 1 - clip_eps]
    std::uint64_t seed{0};      ///< seed of the fold assignment
};

/// DR-learner (Kennedy 2020): cross-fitted nuisances mu0, mu1, e; the doubly robust pseudo-outcome
/// phi = mu1 - mu0 + t (y - mu1)/e - (1 - t)(y - mu0)/(1 - e) regressed on X by the final Regressor.
/// ate() is the mean pseudo-outcome (the cross-fitted AIPW estimate).
template <OutcomeModel M, class R = linear_regression, class C = logistic_regression>
    requires Regressor<R, double> && Classifier<C, double>
class dr_learner {
public:
    /// A learner from an outcome model, a final Regressor, a propensity Classifier and options.
    explicit dr_learner(M outcome = M{}, R final_model = R{}, C propensity = C{}, dr_learner_options options = {})
        : outcome_(std::move(outcome)), final_(std::move(final_model)), propensity_(std::move(propensity)), options_(options) {
        if (options.folds < 2) throw argument_error("causalrec::causal::dr_learner: folds must be at least 2");
        if (!(options.clip_eps > 0.0 && options.clip_eps < 0.5))
            throw argument_error(detail::cat("causalrec::causal::dr_learner: clip_eps must be in (0, 0.5), got ", options.clip_eps));
    }

    /// Cross-fits the nuisances, builds the pseudo-outcomes and fits the final model.
    void fit(const matrix<double>& x, const vector<double>& t, const vector<double>& y) {
        detail::check_meta_inputs("dr_learner::fit", x, t, y);
        const std::size_t n = t.size();
        detail::nuisances nu;
        nu.e = make_vector<double>(n);
        nu.mu0 = make_vector<double>(n);
        nu.mu1 = make_vector<double>(n);
        const auto fold = detail::stratified_folds(t, options_.folds, options_.seed);
        for (std::size_t k = 0; k < options_.folds; ++k) {
            std::vector<std::size_t> train, held;
            for (std::size_t i = 0; i < n; ++i) (fold[i] == k ? held : train).push_back(i);
            if (held.empty()) continue;
            detail::fit_propensity("dr_learner::fit", propensity_, x, t, train, held, nu);
            detail::fit_outcomes("dr_learner::fit", outcome_, x, t, y, train, held, nu, true);
        }
        pseudo_ = make_vector<double>(n);
        for (std::size_t i = 0; i < n; ++i) {
            const double e = std::clamp(nu.e(i), options_.clip_eps, 1.0 - options_.clip_eps);
            pseudo_(i) = nu.mu1(i) - nu.mu0(i) +
                         (t(i) == 1.0 ? (y(i) - nu.mu1(i)) / e : -(y(i) - nu.mu0(i)) / (1.0 - e));
        }
        final_.fit(x, pseudo_);
        ate_ = detail::mean_of(pseudo_);
        fitted_ = true;
    }

    /// tau(x) of every row (the final model's prediction).
    vector<double> effect(const matrix<double>& x) const {
        if (!fitted_) throw not_fitted_error("causalrec::causal::dr_learner: effect called before fit");
        return final_.predict(x);
    }

    /// The mean pseudo-outcome over the fitted rows (cross-fitted AIPW ATE).
    double ate() const {
        if (!fitted_) throw not_fitted_error("causalrec::causal::dr_learner: ate called before fit");
        return ate_;
    }

    /// The pseudo-outcomes of the fitted rows.
    const vector<double>& pseudo_outcomes() const noexcept { return pseudo_; }

private:
    M outcome_;
    R final_;
    C propensity_;
    dr_learner_options options_;
    vector<double> pseudo_ = make_vector<double>(0);
    double ate_ = 0.0;
    bool fitted_ = false;
};

}  // namespace causalrec::causal
