#pragma once
/// @file
/// Conditional independence tests for causal discovery: Fisher's z on partial correlations (linear
/// Gaussian data), the G-test for categorical data, and the d-separation oracle of a known DAG.

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/message.hpp"
#include "../../core/error.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../concepts.hpp"
#include "graph.hpp"

namespace causalrec::causal {

/// How fisher_z_test turns z into a two-sided p-value.
enum class normal_tail {
    accurate,       ///< erfc(|z| / sqrt 2): correct down to the smallest doubles
    one_minus_cdf,  ///< 2 (1 - Phi(|z|)) as causal-learn computes it: every p-value below about 1e-16 is 0, so very strong dependences tie (the maxP rule then decides ties as causal-learn does)
};

/// Fisher's z test of zero partial correlation (for linear Gaussian data): z = atanh(r) sqrt(n - |S| - 3),
/// p = 2 (1 - Phi(|z|)), r the partial correlation of x_i and x_j given x_S (the correlation of
/// their residuals after regressing both on x_S). Computes the correlation matrix once at
/// construction. Collinear data does not stop it: a conditioning variable that is a linear function
/// of the others adds nothing and is skipped (as a pseudo-inverse would), and when x_i or x_j is a
/// linear function of x_S it carries no variation left given x_S, so r = 0 (independent).
class fisher_z_test {
public:
    /// Correlations of the columns of `data` (rows = samples). Needs at least 4 rows, finite values
    /// and no constant column.
    template <std::floating_point T>
    explicit fisher_z_test(const matrix<T>& data, normal_tail tail = normal_tail::accurate)
        : n_(data.shape()[0]), d_(data.shape()[1]), corr_(d_ * d_, 0.0), tail_(tail) {
        using causalrec::cat;
        if (n_ < 4) throw argument_error(cat("causalrec::causal::fisher_z_test: needs at least 4 rows, got ", n_));
        if (d_ < 2) throw argument_error(cat("causalrec::causal::fisher_z_test: needs at least 2 columns, got ", d_));
        // Column means by a running update and each column divided by its largest absolute deviation,
        // so that the sums of products stay in range whatever a column's magnitude (correlations do
        // not change when a column is rescaled; a column of 1e200s must not overflow them).
        std::vector<double> mean(d_, 0.0), scale(d_, 0.0), row(d_);
        std::vector<char> varies(d_, 0);
        for (std::size_t r = 0; r < n_; ++r)
            for (std::size_t c = 0; c < d_; ++c) {
                const double v = static_cast<double>(data(r, c));
                if (!std::isfinite(v)) throw numeric_error(cat("causalrec::causal::fisher_z_test: data is not finite at row ", r, ", column ", c));
                mean[c] += (v - mean[c]) / static_cast<double>(r + 1);
                varies[c] |= v != static_cast<double>(data(0, c));
            }
        for (std::size_t c = 0; c < d_; ++c)
            if (!varies[c]) throw argument_error(cat("causalrec::causal::fisher_z_test: column ", c, " is constant"));
        for (std::size_t r = 0; r < n_; ++r)
            for (std::size_t c = 0; c < d_; ++c) scale[c] = std::max(scale[c], std::abs(static_cast<double>(data(r, c)) - mean[c]));
        for (std::size_t c = 0; c < d_; ++c)
            if (!(scale[c] > 0.0 && std::isfinite(scale[c])))
                throw numeric_error(cat("causalrec::causal::fisher_z_test: column ", c, " spans more than the double range"));
        for (std::size_t r = 0; r < n_; ++r) {
            for (std::size_t c = 0; c < d_; ++c) row[c] = (static_cast<double>(data(r, c)) - mean[c]) / scale[c];
            for (std::size_t a = 0; a < d_; ++a) {
                double* out = corr_.data() + a * d_;
                const double va = row[a];
                for (std::size_t b = a; b < d_; ++b) out[b] += va * row[b];
            }
        }
        for (std::size_t a = 0; a < d_; ++a)
            for (std::size_t b = a + 1; b < d_; ++b) {
                const double r = corr_[a * d_ + b] / std::sqrt(corr_[a * d_ + a] * corr_[b * d_ + b]);
                corr_[a * d_ + b] = corr_[b * d_ + a] = r;
            }
        for (std::size_t a = 0; a < d_; ++a) corr_[a * d_ + a] = 1.0;
    }

    /// Number of variables (columns).
    std::size_t variables() const noexcept { return d_; }
    /// Number of samples (rows).
    std::size_t samples() const noexcept { return n_; }
    /// The largest conditioning set the sample size allows (n - |S| - 3 >= 1); pc stops there.
    std::size_t max_condition_size() const noexcept { return n_ - 4; }

    /// Correlation of columns i and j.
    double correlation(std::size_t i, std::size_t j) const;

    /// Partial correlation of x_i and x_j given x_S (see the class comment for collinear data).
    double partial_correlation(std::size_t i, std::size_t j, std::span<const std::size_t> s) const;

    /// The p-value of "x_i independent of x_j given x_S" (two-sided).
    double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const;

private:
    std::size_t n_ = 0, d_ = 0;
    std::vector<double> corr_;
    normal_tail tail_ = normal_tail::accurate;
};

namespace detail {

/// Regularised upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a), a > 0, x >= 0: the
/// series for x < a + 1, Lentz's continued fraction otherwise.
inline double gamma_q(double a, double x) {
    if (x <= 0.0) return 1.0;
    const double log_prefix = a * std::log(x) - x - std::lgamma(a);
    if (x < a + 1.0) {
        double term = 1.0 / a, sum = term;
        for (int n = 1; n < 100000; ++n) {
            term *= x / (a + n);
            sum += term;
            if (std::abs(term) < std::abs(sum) * 1e-16) break;
        }
        return std::max(0.0, 1.0 - sum * std::exp(log_prefix));
    }
    constexpr double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int n = 1; n < 100000; ++n) {
        const double an = -n * (n - a);
        b += 2.0;
        d = an * d + b;
        if (std::abs(d) < tiny) d = tiny;
        c = b + an / c;
        if (std::abs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (std::abs(delta - 1.0) < 1e-16) break;
    }
    return std::exp(log_prefix) * h;
}

}  // namespace detail

namespace detail {

/// Which statistic a contingency_tables computes.
enum class contingency_statistic : std::uint8_t {
    g_square,  ///< 2 sum n_xy ln(n_xy / e_xy)
    pearson,   ///< sum (n_xy - e_xy)^2 / e_xy
};

/// Category codes of a data matrix (column-major, each column renumbered 0..levels-1) and the
/// stratified contingency-table statistics of the discrete independence tests.
class contingency_tables {
public:
    /// Renumbers each column's codes; `fn` names the public test in errors.
    template <std::floating_point T>
    contingency_tables(const matrix<T>& data, const char* fn) : n_(data.shape()[0]), d_(data.shape()[1]), codes_(n_ * d_), levels_(d_, 0) {
        if (n_ < 1) throw argument_error(causalrec::error_message("causal", fn, "needs at least 1 row"));
        if (d_ < 2) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 columns, got ", d_));
        std::vector<double> column(n_), distinct;
        for (std::size_t c = 0; c < d_; ++c) {
            for (std::size_t r = 0; r < n_; ++r) {
                const double v = static_cast<double>(data(r, c));
                if (!(v >= 0.0 && v == std::floor(v) && v <= 9007199254740992.0))
                    throw argument_error(causalrec::error_message("causal", fn, "row ", r, ", column ", c, " holds ", v,
                                                                  "; expected a category code (an integer in [0, 2^53])"));
                column[r] = v;
            }
            distinct = column;
            std::sort(distinct.begin(), distinct.end());
            distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
            levels_[c] = static_cast<std::uint32_t>(distinct.size());
            for (std::size_t r = 0; r < n_; ++r)
                codes_[c * n_ + r] = static_cast<std::uint32_t>(std::lower_bound(distinct.begin(), distinct.end(), column[r]) - distinct.begin());
        }
    }

    /// Number of variables (columns).
    std::size_t variables() const noexcept { return d_; }
    /// Number of samples (rows).
    std::size_t samples() const noexcept { return n_; }
    /// Number of distinct codes in column c.
    std::size_t levels(std::size_t c) const { return levels_.at(c); }

    /// The statistic summed over the occurring configurations of x_S and its degrees of freedom:
    /// (r - 1)(c - 1) per configuration, r and c counting the levels of x_i and x_j that occur in it.
    std::pair<double, std::size_t> statistic(std::size_t i, std::size_t j, std::span<const std::size_t> s, contingency_statistic kind,
                                             const char* fn) const;

private:
    std::pair<double, std::size_t> sparse_statistic(const std::vector<std::uint64_t>& stratum, const std::uint32_t* xs, const std::uint32_t* ys,
                                                    contingency_statistic kind) const;

    std::size_t n_ = 0, d_ = 0;
    std::vector<std::uint32_t> codes_;   // [column * n + row]: the code's rank among the column's codes
    std::vector<std::uint32_t> levels_;  // distinct codes per column
};

}  // namespace detail

/// The G-test (log-likelihood ratio) of conditional independence for categorical data: within each
/// observed configuration of x_S, G = 2 sum n_xy ln(n_xy n / (n_x n_y)) over the x_i-by-x_j table;
/// the G values add up and are compared with a chi-square distribution whose degrees of freedom add
/// up (r_x - 1)(r_y - 1) per configuration, counting only the levels that occur in it (as
/// causal-learn's `gsq`). No degrees of freedom left means no evidence of dependence: p = 1.
class g_square_test {
public:
    /// Columns of `data` hold category codes: non-negative integers (rows = samples), any values up to
    /// 2^53 (each column's codes are renumbered 0..k-1 internally; only the grouping matters). Raises
    /// argument_error for a value that is not such an integer, or fewer than 2 columns or 1 row.
    template <std::floating_point T>
    explicit g_square_test(const matrix<T>& data) : tables_(data, "g_square_test") {}

    /// Number of variables (columns).
    std::size_t variables() const noexcept { return tables_.variables(); }
    /// Number of samples (rows).
    std::size_t samples() const noexcept { return tables_.samples(); }

    /// The G statistic and its degrees of freedom for x_i and x_j given x_S.
    std::pair<double, std::size_t> statistic(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
        return tables_.statistic(i, j, s, detail::contingency_statistic::g_square, "g_square_test");
    }

    /// The p-value of "x_i independent of x_j given x_S": the chi-square upper tail of G.
    double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const;

private:
    detail::contingency_tables tables_;
};

/// Pearson's chi-square test of conditional independence for categorical data (causal-learn's
/// `chisq`): within each observed configuration of x_S, X^2 = sum (n_xy - e_xy)^2 / e_xy over the
/// cells whose expected count e_xy = n_x n_y / n is positive; statistics and degrees of freedom add
/// up over configurations as in g_square_test. The two tests agree asymptotically; on finite
/// samples their p-values differ, and so can a PC skeleton near the significance level.
class chi_square_test {
public:
    /// Columns of `data` hold category codes, as for g_square_test (same errors).
    template <std::floating_point T>
    explicit chi_square_test(const matrix<T>& data) : tables_(data, "chi_square_test") {}

    /// Number of variables (columns).
    std::size_t variables() const noexcept { return tables_.variables(); }
    /// Number of samples (rows).
    std::size_t samples() const noexcept { return tables_.samples(); }

    /// Pearson's statistic and its degrees of freedom for x_i and x_j given x_S.
    std::pair<double, std::size_t> statistic(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
        return tables_.statistic(i, j, s, detail::contingency_statistic::pearson, "chi_square_test");
    }

    /// The p-value of "x_i independent of x_j given x_S": the chi-square upper tail of X^2.
    double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const;

private:
    detail::contingency_tables tables_;
};

/// The perfect independence test of a known DAG: p-value 1 when d-separated, 0 otherwise. PC with this
/// test returns exactly the DAG's CPDAG, which makes it the reference for checking PC itself.
class d_separation_oracle {
public:
    /// Answers from `dag` (must be a DAG).
    explicit d_separation_oracle(causal_graph dag);
    /// Number of variables.
    std::size_t variables() const noexcept { return dag_.size(); }
    /// 1 when x_i and x_j are d-separated by S, else 0.
    double p_value(std::size_t i, std::size_t j, std::span<const std::size_t> s) const {
        detail::check_test_arguments("d_separation_oracle", dag_.size(), i, j, s);
        return detail::d_separated_in(parents_, i, j, s) ? 1.0 : 0.0;
    }

private:
    causal_graph dag_;
    std::vector<std::vector<std::size_t>> parents_;  // validated once: queries do not re-check the DAG
};

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/independence.hpp"
#endif
