#pragma once
/// @file
/// The concepts of the causal module: what a type must offer to be used as a base learner of the
/// meta-learners (Regressor, Classifier), as a treatment-effect estimator (EffectEstimator) and as a
/// conditional independence test for causal discovery (IndependenceTest).
/// Any plain type with these members qualifies; no base class is needed.

#include <concepts>
#include <cstddef>
#include <span>

#include "../core/tensor.hpp"

namespace causalrec::causal {

/// A regression model of rows of X: `fit(X, y)` then `predict(X)` -> one value per row.
template <class R, class T>
concept Regressor = std::floating_point<T> && requires(R& model, const R& fitted, const matrix<T>& x, const vector<T>& y) {
    model.fit(x, y);
    { fitted.predict(x) } -> std::convertible_to<vector<T>>;
};

/// A probabilistic classifier of a 0/1 target: `fit(X, y)` then `predict_proba(X)` -> P(y = 1) per row.
template <class C, class T>
concept Classifier = std::floating_point<T> && requires(C& model, const C& fitted, const matrix<T>& x, const vector<T>& y) {
    model.fit(x, y);
    { fitted.predict_proba(x) } -> std::convertible_to<vector<T>>;
};

/// A model of the outcome: a Regressor, or a Classifier of a 0/1 outcome (its predict_proba is used).
template <class M>
concept OutcomeModel = Regressor<M, double> || Classifier<M, double>;

namespace detail {

/// The outcome prediction of a model: predict_proba for a Classifier, predict otherwise.
template <class M>
vector<double> predict_outcome(const M& model, const matrix<double>& x) {
    if constexpr (Classifier<M, double>)
        return vector<double>(model.predict_proba(x));
    else
        return vector<double>(model.predict(x));
}

}  // namespace detail

/// A treatment-effect estimator: `fit(X, treatment, outcome)` with a 0/1 treatment, then
/// `effect(X)` -> the estimated conditional average treatment effect (CATE) of each row and
/// `ate()` -> the estimated average treatment effect over the fitted sample.
template <class E, class T>
concept EffectEstimator = std::floating_point<T> &&
                          requires(E& model, const E& fitted, const matrix<T>& x, const vector<T>& t, const vector<T>& y) {
                              model.fit(x, t, y);
                              { fitted.effect(x) } -> std::convertible_to<vector<T>>;
                              { fitted.ate() } -> std::convertible_to<double>;
                          };

/// A conditional independence test for PC: `variables()` and `p_value(i, j, S)`, the p-value of the
/// hypothesis "x_i and x_j are independent given x_S" (large means independent; symmetric in i, j).
template <class T>
concept IndependenceTest = requires(const T& test, std::size_t i, std::span<const std::size_t> s) {
    { test.variables() } -> std::convertible_to<std::size_t>;
    { test.p_value(i, i, s) } -> std::convertible_to<double>;
};

}  // namespace causalrec::causal
