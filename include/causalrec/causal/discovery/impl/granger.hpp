#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/granger.hpp (the VAR fits and the Granger tests): included by
/// that header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../granger.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE granger_result granger_causality(const matrix<double>& x, const granger_options& options) {
    constexpr const char* fn = "granger_causality";
    const std::size_t t_total = x.shape()[0], d = x.shape()[1], max_lag = options.max_lag;
    if (d < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 series, got ", d));
    if (max_lag == 0) throw argument_error(causalrec::error_message("causal", fn, "max_lag must be at least 1"));
    if (!(options.alpha > 0.0 && options.alpha < 1.0)) throw argument_error(causalrec::error_message("causal", fn, "alpha must be in (0, 1), got ", options.alpha));
    if (t_total <= max_lag || t_total - max_lag < 2 + max_lag * d)
        throw argument_error(causalrec::error_message("causal", fn, t_total, " rows are too few for ", max_lag, " lags of ", d, " series (need more than ",
                                                      max_lag + 1 + max_lag * d, ")"));
    causalrec::require_finite(qualified("causal", fn), "X", x);
    const std::size_t n = t_total - max_lag;
    granger_result out;
    out.variables = d, out.observations = n, out.alpha = options.alpha;
    auto column = [&](std::size_t i) {
        std::vector<double> y(n);
        for (std::size_t r = 0; r < n; ++r) y[r] = x(max_lag + r, i);
        return y;
    };
    std::vector<std::vector<double>> ys(d);
    for (std::size_t i = 0; i < d; ++i) ys[i] = column(i);
    // The lag order.
    std::size_t p = max_lag;
    if (options.selection != lag_selection::fixed) {
        double best = std::numeric_limits<double>::infinity();
        for (std::size_t lag = 1; lag <= max_lag; ++lag) {
            // Residuals of every equation, then the MLE residual covariance and its log determinant.
            const auto design = detail::var_design(x, lag, max_lag, d);
            std::vector<std::vector<double>> residuals(d);
            for (std::size_t i = 0; i < d; ++i) residuals[i] = detail::least_squares(design, ys[i], false, fn).residuals;
            std::vector<double> sigma(d * d, 0.0), unused(d, 0.0);
            for (std::size_t a = 0; a < d; ++a)
                for (std::size_t b = a; b < d; ++b) {
                    double s = 0.0;
                    for (std::size_t r = 0; r < n; ++r) s += residuals[a][r] * residuals[b][r];
                    sigma[a * d + b] = sigma[b * d + a] = s / static_cast<double>(n);
                }
            // log det from the Cholesky factor (cholesky_solve leaves U in the upper triangle).
            if (!linalg::cholesky_solve(d, sigma.data(), unused.data()))
                throw numeric_error(causalrec::error_message("causal", fn, "the residual covariance is singular"));
            double log_det = 0.0;
            for (std::size_t j = 0; j < d; ++j) log_det += 2.0 * std::log(sigma[j * d + j]);
            const double k = static_cast<double>(lag * d * d + d), rows = static_cast<double>(n);
            const double value = log_det + (options.selection == lag_selection::bic ? std::log(rows) : 2.0) * k / rows;
            out.criterion.push_back(value);
            if (value < best) best = value, p = lag;
        }
    }
    out.lag = p;
    // The full equations, their coefficients and t-tests; each restricted design (x_j's lags left out) once.
    const auto design = detail::var_design(x, p, max_lag, d);
    std::vector<detail::least_squares_design> restricted;
    for (std::size_t j = 0; j < d; ++j) restricted.push_back(detail::var_design(x, p, max_lag, j));
    const double dof = static_cast<double>(n) - static_cast<double>(design.k);
    out.coefficients.assign(p * d * d, 0.0);
    out.coefficient_p_values.assign(p * d * d, 1.0);
    out.f_statistics = xt::zeros<double>({d, d});
    out.p_values = xt::ones<double>({d, d});
    for (std::size_t i = 0; i < d; ++i) {
        const auto fit = detail::least_squares(design, ys[i], true, fn);
        const double s2 = fit.rss / dof;
        for (std::size_t l = 1; l <= p; ++l)
            for (std::size_t j = 0; j < d; ++j) {
                const std::size_t c = 1 + (l - 1) * d + j, k = (l - 1) * d * d + j * d + i;
                out.coefficients[k] = fit.beta[c];
                out.coefficient_p_values[k] = student_t_two_sided_p(fit.beta[c] / std::sqrt(s2 * fit.inverse_diagonal[c]), dof);
            }
        for (std::size_t j = 0; j < d; ++j) {
            if (j == i) continue;
            const double rss_restricted = detail::least_squares(restricted[j], ys[i], false, fn).rss;
            const double f = ((rss_restricted - fit.rss) / static_cast<double>(p)) / (fit.rss / dof);
            out.f_statistics(j, i) = f;
            out.p_values(j, i) = f_upper_tail(f, static_cast<double>(p), dof);
        }
    }
    return out;
}

}  // namespace causalrec::causal

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE least_squares_fit least_squares(const least_squares_design& design, const std::vector<double>& y, bool inverse, const char* fn) {
    const std::size_t n = design.n, k = design.k;
    auto solve = [&](std::vector<double> b) {
        std::vector<double> a = design.gram;
        if (!linalg::cholesky_solve(k, a.data(), b.data(), 1e-12))
            throw numeric_error(causalrec::error_message("causal", fn, "the lagged design is singular (a constant or collinear series)"));
        return b;
    };
    std::vector<double> rhs(k, 0.0);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t a = 0; a < k; ++a) rhs[a] += design.z[r * k + a] * y[r];
    least_squares_fit fit;
    fit.beta = solve(std::move(rhs));
    fit.residuals.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
        double e = y[r];
        for (std::size_t a = 0; a < k; ++a) e -= design.z[r * k + a] * fit.beta[a];
        fit.residuals[r] = e;
        fit.rss += e * e;
    }
    if (inverse) {
        fit.inverse_diagonal.resize(k);
        for (std::size_t a = 0; a < k; ++a) {
            std::vector<double> unit(k, 0.0);
            unit[a] = 1.0;
            fit.inverse_diagonal[a] = solve(std::move(unit))[a];
        }
    }
    return fit;
}

CAUSALREC_INLINE least_squares_design var_design(const matrix<double>& x, std::size_t p, std::size_t start, std::size_t drop) {
    const std::size_t t_total = x.shape()[0], d = x.shape()[1], n = t_total - start;
    const std::size_t width = 1 + p * (drop < d ? d - 1 : d);
    std::vector<double> z(n * width);
    for (std::size_t r = 0; r < n; ++r) {
        const std::size_t t = start + r;
        double* row = z.data() + r * width;
        std::size_t c = 0;
        row[c++] = 1.0;
        for (std::size_t l = 1; l <= p; ++l)
            for (std::size_t j = 0; j < d; ++j)
                if (j != drop) row[c++] = x(t - l, j);
    }
    return least_squares_design(std::move(z), n, width);
}

}  // namespace detail
}  // namespace causalrec::causal

namespace causalrec::causal {

CAUSALREC_INLINE auto granger_result::graph() const -> causal_graph {
    causal_graph g(variables);
    for (std::size_t j = 0; j < variables; ++j)
        for (std::size_t i = j + 1; i < variables; ++i) {
            const bool forward = p_values(j, i) < alpha, backward = p_values(i, j) < alpha;
            if (forward && backward) g.add_undirected(j, i);
            else if (forward) g.add_directed(j, i);
            else if (backward) g.add_directed(i, j);
        }
    return g;
}

CAUSALREC_INLINE auto granger_result::lagged_parents(std::size_t i) const -> std::vector<lagged_link> {
    std::vector<lagged_link> out;
    const std::size_t d = variables;
    for (std::size_t l = 1; l <= lag; ++l)
        for (std::size_t j = 0; j < d; ++j) {
            const std::size_t k = (l - 1) * d * d + j * d + i;
            if (coefficient_p_values[k] < alpha) out.push_back({j, l, coefficients[k], coefficient_p_values[k]});
        }
    return out;
}

}  // namespace causalrec::causal
