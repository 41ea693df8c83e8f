#pragma once
/// @file
/// Linear base learners in double precision: ridge / ordinary least squares regression (closed
/// form, intercept not penalised, as scikit-learn's Ridge and LinearRegression) and L2-regularised
/// logistic regression fitted by Newton's method / IRLS (the objective of scikit-learn's
/// LogisticRegression). Both take optional sample weights and satisfy the Regressor and Classifier
/// concepts, so the meta-learners and ATE estimators can use them as base learners.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/linalg.hpp"
#include "../core/math.hpp"
#include "../core/tensor.hpp"
#include "detail/common.hpp"

namespace causalrec::causal {

namespace detail {

/// Weighted column means and scales of X (scale 1 for a constant column), the standardisation the
/// linear solvers work in; without an intercept the columns are scaled but not centred.
struct column_scaling {
    std::vector<double> mean{};   ///< per-column (weighted) mean, 0 without intercept
    std::vector<double> scale{};  ///< per-column scale (weighted root mean square around the mean)
    std::vector<bool> active{};   ///< false for a column with no variation (its coefficient is 0)
};

column_scaling scale_columns(const matrix<double>& x, const double* w, bool center);

/// b + x_i.coef for every row of x.
vector<double> linear_scores(const matrix<double>& x, const vector<double>& coef, double intercept);

using causalrec::sigmoid;
using causalrec::softplus;

void check_fit_inputs(const char* fn, const matrix<double>& x, const vector<double>& y,
                             const vector<double>* w);

}  // namespace detail

/// Options of linear_regression.
struct linear_regression_options {
    double alpha{0.0};         ///< L2 penalty on the coefficients (scikit-learn Ridge's alpha); 0 = ordinary least squares
    bool fit_intercept{true};  ///< fit an (unpenalised) intercept
};

/// Ridge / OLS regression in closed form: minimises sum_i w_i (y_i - b - x_i.beta)^2 + alpha |beta|^2.
/// Equals scikit-learn 1.2's Ridge(alpha) (LinearRegression for alpha = 0) on full-rank data; a
/// constant column gets coefficient 0; collinear columns with alpha = 0 raise numeric_error.
class linear_regression {
public:
    /// An unfitted model with the given options.
    explicit linear_regression(linear_regression_options options = {});

    /// Fits to rows X and targets y.
    void fit(const matrix<double>& x, const vector<double>& y);
    /// Fits with per-row sample weights.
    void fit(const matrix<double>& x, const vector<double>& y, const vector<double>& sample_weight) {
        fit_impl(x, y, &sample_weight);
    }

    /// Predictions b + x_i.beta for every row.
    vector<double> predict(const matrix<double>& x) const;

    /// The coefficients (one per column of X).
    const vector<double>& coef() const { return coef_; }
    /// The intercept (0 without fit_intercept).
    double intercept() const noexcept { return intercept_; }
    /// Whether fit has been called.
    bool is_fitted() const noexcept { return fitted_; }

private:
    void check_predict(const matrix<double>& x) const;

    void fit_impl(const matrix<double>& x, const vector<double>& y, const vector<double>* w);

    linear_regression_options options_;
    vector<double> coef_ = make_vector<double>(0);
    double intercept_ = 0.0;
    bool fitted_ = false;
};

/// Options of logistic_regression.
struct logistic_regression_options {
    double C{1.0};              ///< inverse L2 strength as scikit-learn's C: the penalty is |beta|^2 / (2 C); infinity = none
    bool fit_intercept{true};   ///< fit an (unpenalised) intercept
    double tol{1e-10};          ///< stop when the largest Newton step (in standardised coordinates) is below tol
    std::size_t max_iterations{100};  ///< most Newton iterations
};

/// L2-regularised logistic regression by Newton's method (IRLS) with step halving: minimises
/// sum_i w_i [log(1 + exp(z_i)) - y_i z_i] + |beta|^2 / (2 C), z_i = b + x_i.beta, the objective of
/// scikit-learn 1.2's LogisticRegression(C) (penalty=None for C = infinity). Solved in standardised
/// coordinates, so unscaled features (incomes next to indicators) converge as well.
class logistic_regression {
public:
    /// An unfitted model with the given options.
    explicit logistic_regression(logistic_regression_options options = {});

    /// Fits to rows X and 0/1 labels y.
    void fit(const matrix<double>& x, const vector<double>& y);
    /// Fits with per-row sample weights.
    void fit(const matrix<double>& x, const vector<double>& y, const vector<double>& sample_weight) {
        fit_impl(x, y, &sample_weight);
    }

    /// The linear score b + x_i.beta of every row.
    vector<double> decision_function(const matrix<double>& x) const;

    /// P(y = 1 | x) for every row.
    vector<double> predict_proba(const matrix<double>& x) const;

    /// The predicted class (1 when P(y = 1) > 0.5) of every row.
    vector<double> predict(const matrix<double>& x) const;

    /// The coefficients (one per column of X).
    const vector<double>& coef() const { return coef_; }
    /// The intercept (0 without fit_intercept).
    double intercept() const noexcept { return intercept_; }
    /// Newton iterations of the last fit.
    std::size_t n_iter() const noexcept { return n_iter_; }
    /// Whether the last fit met the tolerance within max_iterations (false e.g. for separable data without penalty).
    bool converged() const noexcept { return converged_; }

private:
    void fit_impl(const matrix<double>& x, const vector<double>& y, const vector<double>* w);

    logistic_regression_options options_;
    vector<double> coef_ = make_vector<double>(0);
    double intercept_ = 0.0;
    std::size_t n_iter_ = 0;
    bool converged_ = false;
    bool fitted_ = false;
};

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/linear.hpp"
#endif
