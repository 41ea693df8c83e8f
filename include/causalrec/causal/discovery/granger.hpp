#pragma once
/// @file
/// Granger causality in a vector autoregression: the lag order chosen by an information criterion
/// (as statsmodels' VAR.select_order), each equation fitted by least squares with an intercept, an
/// F-test per (cause, effect) pair that the cause's lags do not enter the effect's equation, and a
/// t-test per lagged coefficient — the lagged graph of who drives whom, and when.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "../../core/checks.hpp"
#include "../../core/compiler.hpp"
#include "../../core/error.hpp"
#include "../../core/linalg.hpp"
#include "../../core/math.hpp"
#include "../../core/message.hpp"
#include "../../core/tensor.hpp"
#include "graph.hpp"

namespace causalrec::causal {

/// How granger_causality chooses the lag order p.
enum class lag_selection : std::uint8_t {
    bic,    ///< the lag in 1..max_lag minimising log det(Sigma) + log(T) k / T (Schwarz)
    aic,    ///< the lag minimising log det(Sigma) + 2 k / T (Akaike)
    fixed,  ///< max_lag itself
};

/// Options of granger_causality.
struct granger_options {
    std::size_t max_lag = 5;                    ///< the largest lag considered (>= 1)
    lag_selection selection = lag_selection::bic;  ///< how the lag order is chosen
    double alpha = 0.01;                        ///< significance level of graph() and lagged_parents() (in (0, 1))
};

/// One lagged link: x_cause at time t - lag enters x_effect's equation at time t.
struct lagged_link {
    std::size_t cause = 0;   ///< the driving variable
    std::size_t lag = 0;     ///< its lag, 1 .. p
    double coefficient = 0.0;  ///< its coefficient in the effect's equation
    double p_value = 1.0;    ///< the coefficient's two-sided t-test p-value

    /// Links compare equal when cause and lag agree (coefficient and p-value aside).
    friend bool operator==(const lagged_link& a, const lagged_link& b) noexcept { return a.cause == b.cause && a.lag == b.lag; }
};

/// What granger_causality finds.
struct granger_result {
    std::size_t lag = 0;                 ///< the lag order p used
    std::vector<double> criterion{};     ///< the information criterion of each lag 1..max_lag (empty with lag_selection::fixed)
    matrix<double> f_statistics{};       ///< f_statistics(j, i): F statistic of "x_j's p lags do not enter x_i's equation"
    matrix<double> p_values{};           ///< p_values(j, i): its p-value (1 on the diagonal)
    /// coefficients[(l - 1) * d * d + j * d + i]: the coefficient of x_j at lag l in x_i's equation.
    std::vector<double> coefficients{};
    std::vector<double> coefficient_p_values{};  ///< the t-test p-value of each coefficient, same layout
    std::size_t variables = 0;           ///< d
    std::size_t observations = 0;        ///< rows each equation was fitted on (T - max_lag)
    double alpha = 0.01;                 ///< the options' significance level

    /// j -> i when x_j Granger-causes x_i at level alpha (the F-test), j != i; when both directions
    /// are significant (feedback) the pair is joined by an undirected edge.
    causal_graph graph() const;

    /// The lagged parents of x_i: every (variable, lag) whose coefficient's t-test p-value is below
    /// alpha, its own past included, ordered by lag then variable.
    std::vector<lagged_link> lagged_parents(std::size_t i) const;
};

namespace detail {

/// A least-squares design: the rows Z (row-major n x k, the first column the intercept's ones) and
/// its Gram matrix Z^T Z, formed once for every response regressed on it.
struct least_squares_design {
    std::vector<double> z{};     ///< the rows
    std::size_t n = 0, k = 0;    ///< rows and columns
    std::vector<double> gram{};  ///< Z^T Z, full (k x k)

    /// The design of rows z (n x k).
    least_squares_design(std::vector<double> rows, std::size_t n_rows, std::size_t columns) : z(std::move(rows)), n(n_rows), k(columns), gram(k * k, 0.0) {
        for (std::size_t r = 0; r < n; ++r) {
            const double* row = z.data() + r * k;
            for (std::size_t a = 0; a < k; ++a)
                for (std::size_t b = a; b < k; ++b) gram[a * k + b] += row[a] * row[b];
        }
        for (std::size_t a = 0; a < k; ++a)
            for (std::size_t b = 0; b < a; ++b) gram[a * k + b] = gram[b * k + a];
    }
};

/// What least_squares returns.
struct least_squares_fit {
    std::vector<double> beta{}, residuals{}, inverse_diagonal{};  ///< coefficients, y - Z beta, diag((Z^T Z)^-1) (when asked for)
    double rss = 0.0;                                              ///< residual sum of squares
};

/// Least squares of y on a design by the Cholesky factor of Z^T Z (linalg::cholesky_solve), with
/// diag((Z^T Z)^-1) when `inverse` is set; raises numeric_error naming `fn` for a singular design.
least_squares_fit least_squares(const least_squares_design& design, const std::vector<double>& y, bool inverse, const char* fn);

/// The lagged design of a VAR(p) over rows t = start .. T-1: [1, x_{t-1}, ..., x_{t-p}] with the
/// columns of x_j at lag l at position 1 + (l - 1) d + j; `drop` (< d) leaves out that variable's lags.
least_squares_design var_design(const matrix<double>& x, std::size_t p, std::size_t start, std::size_t drop);

}  // namespace detail

/// Granger causality among the columns of a multivariate time series X (rows = time, equally spaced).
/// Chooses the lag order p by options.selection over 1..max_lag (every candidate fitted on the same
/// rows t >= max_lag, as statsmodels' VAR.select_order; k = p d^2 + d free parameters), fits each
/// variable's equation on an intercept and the p lags of every variable by least squares, and tests:
/// for each pair j != i, F = ((RSS without x_j's lags - RSS) / p) / (RSS / (n - 1 - p d)) with (p, n
/// - 1 - p d) degrees of freedom (the conditional Granger test within the VAR; for two variables,
/// statsmodels' grangercausalitytests "ssr_ftest"); for each coefficient, a t-test. Raises
/// argument_error for fewer than 2 variables, max_lag 0, alpha outside (0, 1), or too few rows for
/// max_lag lags (n - 1 - max_lag d must be >= 1), and numeric_error for a non-finite value or a
/// singular design (a constant or collinear series).
granger_result granger_causality(const matrix<double>& x, const granger_options& options = {});

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/granger.hpp"
#endif
