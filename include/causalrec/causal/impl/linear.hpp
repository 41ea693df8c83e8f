#pragma once
/// @file
/// Definitions of the non-template member functions declared in causal/linear.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../linear.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE linear_regression::linear_regression(linear_regression_options options) : options_(options) {
    if (!(options.alpha >= 0.0) || !std::isfinite(options.alpha))
        throw argument_error(detail::cat("causalrec::causal::linear_regression: alpha must be finite and >= 0, got ", options.alpha));
}

CAUSALREC_INLINE void linear_regression::fit(const matrix<double>& x, const vector<double>& y) { fit_impl(x, y, nullptr); }

CAUSALREC_INLINE auto linear_regression::predict(const matrix<double>& x) const -> vector<double> {
    check_predict(x);
    return detail::linear_scores(x, coef_, intercept_);
}

CAUSALREC_INLINE void linear_regression::check_predict(const matrix<double>& x) const {
    if (!fitted_) throw not_fitted_error("causalrec::causal::linear_regression: predict called before fit");
    if (x.shape()[1] != coef_.size())
        throw shape_error(detail::cat("causalrec::causal::linear_regression: X has ", x.shape()[1], " columns, the model was fitted on ",
                                      coef_.size()));
}

CAUSALREC_INLINE void linear_regression::fit_impl(const matrix<double>& x, const vector<double>& y, const vector<double>* w) {
    detail::check_fit_inputs("linear_regression::fit", x, y, w);
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    const double* wp = w ? w->data() : nullptr;
    const auto s = detail::scale_columns(x, wp, options_.fit_intercept);
    double wsum = 0.0, ymean = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        wsum += wp ? wp[i] : 1.0;
        ymean += (wp ? wp[i] : 1.0) * y(i);
    }
    ymean = options_.fit_intercept ? ymean / wsum : 0.0;
    std::vector<std::size_t> cols;
    for (std::size_t j = 0; j < d; ++j)
        if (s.active[j]) cols.push_back(j);
    const std::size_t m = cols.size();
    std::vector<double> a(m * m, 0.0), b(m, 0.0), z(m);
    for (std::size_t i = 0; i < n; ++i) {
        const double wi = wp ? wp[i] : 1.0;
        if (wi == 0.0) continue;
        for (std::size_t k = 0; k < m; ++k) z[k] = (x(i, cols[k]) - s.mean[cols[k]]) / s.scale[cols[k]];
        const double r = y(i) - ymean;
        for (std::size_t k = 0; k < m; ++k) {
            const double wz = wi * z[k];
            b[k] += wz * r;
            for (std::size_t l = 0; l <= k; ++l) a[k * m + l] += wz * z[l];
        }
    }
    for (std::size_t k = 0; k < m; ++k) {
        for (std::size_t l = 0; l < k; ++l) a[l * m + k] = a[k * m + l];
        a[k * m + k] += options_.alpha / (s.scale[cols[k]] * s.scale[cols[k]]);
    }
    if (m > 0 && !linalg::cholesky_solve(m, a.data(), b.data(), 1e-13))
        throw numeric_error("causalrec::causal::linear_regression::fit: X'X is singular (collinear columns or fewer rows than columns); "
                            "use alpha > 0");
    coef_ = xt::zeros<double>({d});
    intercept_ = ymean;
    for (std::size_t k = 0; k < m; ++k) {
        coef_(cols[k]) = b[k] / s.scale[cols[k]];
        intercept_ -= s.mean[cols[k]] * coef_(cols[k]);
    }
    fitted_ = true;
}

CAUSALREC_INLINE logistic_regression::logistic_regression(logistic_regression_options options) : options_(options) {
    if (!(options.C > 0.0)) throw argument_error(detail::cat("causalrec::causal::logistic_regression: C must be > 0, got ", options.C));
    if (!(options.tol > 0.0)) throw argument_error(detail::cat("causalrec::causal::logistic_regression: tol must be > 0, got ", options.tol));
    if (options.max_iterations == 0) throw argument_error("causalrec::causal::logistic_regression: max_iterations must be at least 1");
}

CAUSALREC_INLINE void logistic_regression::fit(const matrix<double>& x, const vector<double>& y) { fit_impl(x, y, nullptr); }

CAUSALREC_INLINE auto logistic_regression::decision_function(const matrix<double>& x) const -> vector<double> {
    if (!fitted_) throw not_fitted_error("causalrec::causal::logistic_regression: decision_function, predict_proba or predict called before fit");
    if (x.shape()[1] != coef_.size())
        throw shape_error(detail::cat("causalrec::causal::logistic_regression: X has ", x.shape()[1], " columns, the model was fitted on ",
                                      coef_.size()));
    return detail::linear_scores(x, coef_, intercept_);
}

CAUSALREC_INLINE auto logistic_regression::predict_proba(const matrix<double>& x) const -> vector<double> {
    vector<double> z = decision_function(x);
    for (auto& v : z) v = detail::sigmoid(v);
    return z;
}

CAUSALREC_INLINE auto logistic_regression::predict(const matrix<double>& x) const -> vector<double> {
    vector<double> p = predict_proba(x);
    for (auto& v : p) v = v > 0.5 ? 1.0 : 0.0;
    return p;
}

CAUSALREC_INLINE void logistic_regression::fit_impl(const matrix<double>& x, const vector<double>& y, const vector<double>* w) {
    const char* fn = "logistic_regression::fit";
    detail::check_fit_inputs(fn, x, y, w);
    detail::check_binary(fn, "y", y);
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    const double* wp = w ? w->data() : nullptr;
    const bool icpt = options_.fit_intercept;
    const auto s = detail::scale_columns(x, wp, icpt);
    std::vector<std::size_t> cols;
    for (std::size_t j = 0; j < d; ++j)
        if (s.active[j]) cols.push_back(j);
    const std::size_t m = cols.size(), p = m + (icpt ? 1 : 0);  // unknowns: [intercept,] active coefficients
    // Standardised design, row-major, with a leading 1 for the intercept.
    std::vector<double> z(n * p);
    for (std::size_t i = 0; i < n; ++i) {
        double* row = z.data() + i * p;
        if (icpt) row[0] = 1.0;
        for (std::size_t k = 0; k < m; ++k) row[(icpt ? 1 : 0) + k] = (x(i, cols[k]) - s.mean[cols[k]]) / s.scale[cols[k]];
    }
    std::vector<double> pen(p, 0.0);  // diagonal penalty in standardised coordinates
    const double lambda = std::isinf(options_.C) ? 0.0 : 1.0 / options_.C;
    for (std::size_t k = 0; k < m; ++k) pen[(icpt ? 1 : 0) + k] = lambda / (s.scale[cols[k]] * s.scale[cols[k]]);

    std::vector<double> beta(p, 0.0), eta(n, 0.0), grad(p), hess(p * p), trial(p), eta_trial(n);
    auto objective = [&](const std::vector<double>& b, const std::vector<double>& e) {
        double f = 0.0;
        for (std::size_t i = 0; i < n; ++i) f += (wp ? wp[i] : 1.0) * (detail::softplus(e[i]) - y(i) * e[i]);
        for (std::size_t k = 0; k < p; ++k) f += 0.5 * pen[k] * b[k] * b[k];
        return f;
    };
    double f = objective(beta, eta);
    converged_ = false;
    n_iter_ = 0;
    for (std::size_t it = 0; it < options_.max_iterations; ++it) {
        n_iter_ = it + 1;
        std::fill(grad.begin(), grad.end(), 0.0);
        std::fill(hess.begin(), hess.end(), 0.0);
        for (std::size_t i = 0; i < n; ++i) {
            const double wi = wp ? wp[i] : 1.0;
            if (wi == 0.0) continue;
            const double pi = detail::sigmoid(eta[i]);
            const double r = wi * (pi - y(i)), h = wi * pi * (1.0 - pi);
            const double* row = z.data() + i * p;
            for (std::size_t k = 0; k < p; ++k) {
                grad[k] += r * row[k];
                const double hk = h * row[k];
                for (std::size_t l = 0; l <= k; ++l) hess[k * p + l] += hk * row[l];
            }
        }
        for (std::size_t k = 0; k < p; ++k) {
            grad[k] += pen[k] * beta[k];
            for (std::size_t l = 0; l < k; ++l) hess[l * p + k] = hess[k * p + l];
            hess[k * p + k] += pen[k] + 1e-12;  // a whisker of damping keeps saturated fits solvable
        }
        std::vector<double> step = grad;
        if (!linalg::cholesky_solve(p, hess.data(), step.data(), 1e-13))
            throw numeric_error("causalrec::causal::logistic_regression::fit: the Hessian is singular (collinear columns, or a perfectly "
                                "separated class without penalty); use a finite C");
        double t = 1.0, f_new = f;
        for (int half = 0; half < 50; ++half, t *= 0.5) {
            for (std::size_t k = 0; k < p; ++k) trial[k] = beta[k] - t * step[k];
            for (std::size_t i = 0; i < n; ++i) {
                const double* row = z.data() + i * p;
                double v = 0.0;
                for (std::size_t k = 0; k < p; ++k) v += row[k] * trial[k];
                eta_trial[i] = v;
            }
            f_new = objective(trial, eta_trial);
            if (f_new <= f + 1e-12 * std::abs(f)) break;
        }
        double max_step = 0.0;
        for (std::size_t k = 0; k < p; ++k) max_step = std::max(max_step, std::abs(trial[k] - beta[k]));
        beta.swap(trial);
        eta.swap(eta_trial);
        f = f_new;
        if (!std::isfinite(f)) throw numeric_error("causalrec::causal::logistic_regression::fit: the objective became non-finite");
        if (max_step < options_.tol) {
            converged_ = true;
            break;
        }
    }
    coef_ = xt::zeros<double>({d});
    intercept_ = icpt ? beta[0] : 0.0;
    for (std::size_t k = 0; k < m; ++k) {
        coef_(cols[k]) = beta[(icpt ? 1 : 0) + k] / s.scale[cols[k]];
        intercept_ -= s.mean[cols[k]] * coef_(cols[k]);
    }
    fitted_ = true;
}

}  // namespace causalrec::causal
namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE column_scaling scale_columns(const matrix<double>& x, const double* w, bool center) {
    const std::size_t n = x.shape()[0], d = x.shape()[1];
    column_scaling s{std::vector<double>(d, 0.0), std::vector<double>(d, 0.0), std::vector<bool>(d, true)};
    double wsum = 0.0;
    for (std::size_t i = 0; i < n; ++i) wsum += w ? w[i] : 1.0;
    if (center)
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < d; ++j) s.mean[j] += (w ? w[i] : 1.0) * x(i, j);
    for (std::size_t j = 0; j < d; ++j) s.mean[j] /= wsum;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j) {
            const double c = x(i, j) - s.mean[j];
            s.scale[j] += (w ? w[i] : 1.0) * c * c;
        }
    for (std::size_t j = 0; j < d; ++j) {
        s.scale[j] = std::sqrt(s.scale[j] / wsum);
        // A column equal to its mean everywhere (relative to its magnitude) carries no information.
        if (!(s.scale[j] > 1e-12 * std::max(1.0, std::abs(s.mean[j])))) {
            s.active[j] = false;
            s.scale[j] = 1.0;
        }
    }
    return s;
}

CAUSALREC_INLINE vector<double> linear_scores(const matrix<double>& x, const vector<double>& coef, double intercept) {
    vector<double> out = make_vector<double>(x.shape()[0]);
    for (std::size_t i = 0; i < x.shape()[0]; ++i) {
        double v = intercept;
        for (std::size_t j = 0; j < coef.size(); ++j) v += x(i, j) * coef(j);
        out(i) = v;
    }
    return out;
}

CAUSALREC_INLINE void check_fit_inputs(const char* fn, const matrix<double>& x, const vector<double>& y,
                             const vector<double>* w) {
    const std::size_t n = x.shape()[0];
    check_length(fn, "y", y.size(), n);
    if (n == 0) throw argument_error(causalrec::error_message("causal", fn, "no rows"));
    if (x.shape()[1] == 0) throw argument_error(causalrec::error_message("causal", fn, "X has no columns"));
    require_finite(fn, "X", x);
    require_finite(fn, "y", y);
    if (w) check_weights(fn, *w, n);
}

}  // namespace detail
}  // namespace causalrec::causal
