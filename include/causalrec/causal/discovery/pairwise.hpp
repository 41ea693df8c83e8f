#pragma once
/// @file
/// Cause or effect from two variables alone: the HSIC independence test (Gretton et al. 2008), and
/// three direction methods of Mooij et al.'s benchmark (JMLR 2016) — additive-noise models with HSIC
/// (Hoyer et al. 2009), IGCI (Daniušis et al. 2010, Janzing et al. 2012) and RECI (Blöbaum et al.
/// 2018).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numbers>
#include <numeric>
#include <span>
#include <vector>

#include "../../core/blas.hpp"
#include "../../core/error.hpp"
#include "../../core/linalg.hpp"
#include "../../core/message.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../detail/common.hpp"
#include "../linear.hpp"
#include "independence.hpp"

namespace causalrec::causal {

/// How hsic_test turns the statistic into a p-value.
enum class hsic_method : std::uint8_t {
    gamma,        ///< the two-parameter gamma approximation of the null distribution (Gretton et al. 2008)
    permutation,  ///< the share of `permutations` random permutations of y whose statistic is at least the observed one
};

/// Options of hsic_test.
struct hsic_options {
    hsic_method method = hsic_method::gamma;  ///< p-value method
    std::size_t permutations = 1000;          ///< permutation method: random permutations (>= 1)
    std::uint64_t seed = 0;                   ///< permutation method: seed
};

/// An HSIC test's outcome.
struct hsic_result {
    double statistic = 0.0;  ///< tr(Kc Lc) / n with centred Gaussian kernel matrices (n times the biased HSIC estimate)
    double p_value = 1.0;    ///< p-value of "x and y are independent"
};

namespace detail {

/// The Gaussian kernel width of Gretton's code: sqrt(median / 2) of the positive squared distances
/// among the first 100 values (1 when all of them are equal).
inline double hsic_bandwidth(std::span<const double> v) {
    const std::size_t m = std::min<std::size_t>(v.size(), 100);
    std::vector<double> d2;
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = i + 1; j < m; ++j) {
            const double d = v[i] - v[j];
            if (d != 0.0) d2.push_back(d * d);
        }
    if (d2.empty()) return 1.0;
    // MATLAB's median: the mean of the two middle values for an even count.
    std::sort(d2.begin(), d2.end());
    const std::size_t h = d2.size() / 2;
    const double median = d2.size() % 2 ? d2[h] : 0.5 * (d2[h - 1] + d2[h]);
    return std::sqrt(0.5 * median);
}

/// The Gaussian kernel matrix K(i, j) = exp(-(v_i - v_j)^2 / (2 width^2)) of v (row-major n x n).
inline void gaussian_kernel(std::span<const double> v, double width, std::vector<double>& k) {
    const std::size_t n = v.size();
    k.resize(n * n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            const double d = v[i] - v[j];
            k[i * n + j] = std::exp(-d * d / (2.0 * width * width));
        }
}

/// The doubly centred Gaussian kernel matrix H K H of v (row-major n x n), and K itself.
inline void centred_kernel(std::span<const double> v, double width, std::vector<double>& k, std::vector<double>& kc) {
    const std::size_t n = v.size();
    gaussian_kernel(v, width, k);
    std::vector<double> row(n, 0.0);
    double all = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) row[i] += k[i * n + j];
        all += row[i];
        row[i] /= static_cast<double>(n);
    }
    all /= static_cast<double>(n) * static_cast<double>(n);
    kc.resize(n * n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) kc[i * n + j] = k[i * n + j] - row[i] - row[j] + all;
}

}  // namespace detail

/// The Hilbert-Schmidt independence criterion test of x and y (Gretton, Fukumizu, Teo, Song, Schölkopf
/// & Smola, NIPS 2008, and their hsicTestGamma code): Gaussian kernels with the median-heuristic
/// widths, statistic tr(Kc Lc) / n, p-value from the gamma approximation (mean and variance of the
/// statistic under independence) or from random permutations of y. O(n^2) time and memory. Raises
/// argument_error for lengths that differ, fewer than 6 values (the variance formula needs them), a
/// non-finite value, or permutations 0.
inline hsic_result hsic_test(std::span<const double> x, std::span<const double> y, const hsic_options& options = {}) {
    constexpr const char* fn = "hsic_test";
    const std::size_t n = x.size();
    if (y.size() != n) throw argument_error(causalrec::error_message("causal", fn, "x has ", n, " values and y ", y.size()));
    if (n < 6) throw argument_error(causalrec::error_message("causal", fn, "needs at least 6 values, got ", n));
    if (options.method == hsic_method::permutation && options.permutations == 0)
        throw argument_error(causalrec::error_message("causal", fn, "permutations must be at least 1"));
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(x[i]) || !std::isfinite(y[i])) throw argument_error(causalrec::error_message("causal", fn, "value ", i, " is not finite"));
    std::vector<double> k, kc, l, lc;
    detail::centred_kernel(x, detail::hsic_bandwidth(x), k, kc);
    detail::centred_kernel(y, detail::hsic_bandwidth(y), l, lc);
    const double m = static_cast<double>(n);
    double statistic = 0.0;
    for (std::size_t e = 0; e < n * n; ++e) statistic += kc[e] * lc[e];
    statistic /= m;
    hsic_result out;
    out.statistic = statistic;
    if (options.method == hsic_method::permutation) {
        rng engine(options.seed);
        std::vector<std::size_t> perm(n);
        std::size_t at_least = 0;
        for (std::size_t s = 0; s < options.permutations; ++s) {
            std::iota(perm.begin(), perm.end(), std::size_t{0});
            engine.shuffle(std::span<std::size_t>(perm));
            double t = 0.0;
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t j = 0; j < n; ++j) t += kc[i * n + j] * lc[perm[i] * n + perm[j]];
            at_least += t / m >= statistic * (1.0 - 1e-12);
        }
        out.p_value = (1.0 + static_cast<double>(at_least)) / (1.0 + static_cast<double>(options.permutations));
        return out;
    }
    // Gamma approximation: variance from (Kc o Lc / 6)^2 off the diagonal, mean from K and L without diagonals.
    double var = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            if (i != j) {
                const double v = kc[i * n + j] * lc[i * n + j] / 6.0;
                var += v * v;
            }
    var = var / m / (m - 1.0);
    var = 72.0 * (m - 4.0) * (m - 5.0) / m / (m - 1.0) / (m - 2.0) / (m - 3.0) * var;
    double mu_x = 0.0, mu_y = 0.0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            if (i != j) mu_x += k[i * n + j], mu_y += l[i * n + j];
    mu_x /= m * (m - 1.0), mu_y /= m * (m - 1.0);
    const double mean = (1.0 + mu_x * mu_y - mu_x - mu_y) / m;
    if (!(var > 0.0) || !(mean > 0.0)) {
        out.p_value = 1.0;
        return out;
    }
    const double shape = mean * mean / var, scale = var * m / mean;
    out.p_value = detail::gamma_q(shape, statistic / scale);
    return out;
}

/// Which way a pair points.
enum class pair_direction : std::uint8_t {
    x_causes_y,  ///< X -> Y
    y_causes_x,  ///< Y -> X
    undecided,   ///< the two scores tie
};

/// A direction method's decision and the score of each direction (what the score means depends on
/// the method: see each function).
struct direction_result {
    pair_direction direction = pair_direction::undecided;  ///< the decision
    double score_xy = 0.0;  ///< the score of X -> Y
    double score_yx = 0.0;  ///< the score of Y -> X
};

/// Options of anm_direction.
struct anm_options {
    std::size_t max_samples = 1000;  ///< larger pairs are subsampled (seeded) to this many points (>= 10); the cost is cubic in it
    std::uint64_t seed = 0;         ///< subsampling seed
};

namespace detail {

/// Residuals of a Gaussian-process regression of y on x (Gaussian kernel with the median-heuristic
/// width, unit signal variance; the noise variance chosen from a grid by the marginal likelihood).
inline std::vector<double> gp_residuals(std::span<const double> x, std::span<const double> y) {
    const std::size_t n = x.size();
    std::vector<double> k, a, alpha, residual(y.begin(), y.end());
    gaussian_kernel(x, hsic_bandwidth(x), k);
    double best = -std::numeric_limits<double>::infinity();
    for (double noise : {1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0}) {
        a = k;
        alpha.assign(y.begin(), y.end());
        for (std::size_t i = 0; i < n; ++i) a[i * n + i] += noise;
        // Blocked (BLAS level 3): at the default 1,000 points, 7 factorisations per direction.
        if (!blas::cholesky_factor_blocked(n, a.data(), 1e-12)) continue;
        blas::cholesky_solve_factored(n, a.data(), alpha.data());
        double fit = 0.0, log_det = 0.0;
        for (std::size_t i = 0; i < n; ++i) fit += y[i] * alpha[i], log_det += 2.0 * std::log(a[i * n + i]);
        const double evidence = -0.5 * fit - 0.5 * log_det;
        if (evidence > best) {
            best = evidence;
            for (std::size_t i = 0; i < n; ++i) residual[i] = noise * alpha[i];  // y - K alpha = noise * alpha
        }
    }
    return residual;
}

/// Checks a pair of samples; `fn` names the caller.
inline void check_pair(std::span<const double> x, std::span<const double> y, std::size_t least, const char* fn) {
    if (x.size() != y.size()) throw argument_error(causalrec::error_message("causal", fn, "x has ", x.size(), " values and y ", y.size()));
    if (x.size() < least) throw argument_error(causalrec::error_message("causal", fn, "needs at least ", least, " values, got ", x.size()));
    for (std::size_t i = 0; i < x.size(); ++i)
        if (!std::isfinite(x[i]) || !std::isfinite(y[i])) throw argument_error(causalrec::error_message("causal", fn, "value ", i, " is not finite"));
}

/// v scaled to [0, 1] by its range; raises argument_error naming `fn` when v is constant.
inline std::vector<double> unit_scaled(std::span<const double> v, const char* fn) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    if (*hi == *lo) throw argument_error(causalrec::error_message("causal", fn, "a variable is constant"));
    std::vector<double> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = (v[i] - *lo) / (*hi - *lo);
    return out;
}

/// The decision from two scores, larger or smaller better.
inline pair_direction decide(double xy, double yx, bool larger_is_better) {
    if (xy == yx) return pair_direction::undecided;
    return (xy > yx) == larger_is_better ? pair_direction::x_causes_y : pair_direction::y_causes_x;
}

}  // namespace detail

/// Additive-noise model with HSIC (Hoyer, Janzing, Mooij, Peters & Schölkopf, NIPS 2009; ANM-pHSIC of
/// Mooij et al. 2016): both variables standardised, each regressed on the other by Gaussian-process
/// regression, and the direction whose residuals are more independent of the input wins. score_xy is
/// the HSIC p-value (gamma approximation) of x against the residuals of y given x; larger is more
/// plausible. Raises argument_error for lengths that differ, fewer than 10 values, a non-finite value
/// or max_samples below 10.
inline direction_result anm_direction(std::span<const double> x, std::span<const double> y, const anm_options& options = {}) {
    constexpr const char* fn = "anm_direction";
    detail::check_pair(x, y, 10, fn);
    if (options.max_samples < 10) throw argument_error(causalrec::error_message("causal", fn, "max_samples must be at least 10"));
    std::vector<double> xs(x.begin(), x.end()), ys(y.begin(), y.end());
    if (xs.size() > options.max_samples) {
        rng engine(options.seed);
        auto order = engine.permutation(xs.size());
        order.resize(options.max_samples);
        std::vector<double> a, b;
        for (std::size_t i : order) a.push_back(x[i]), b.push_back(y[i]);
        xs = std::move(a), ys = std::move(b);
    }
    xs = detail::standardized(xs), ys = detail::standardized(ys);
    direction_result out;
    const auto forward = hsic_test(xs, detail::gp_residuals(xs, ys)), backward = hsic_test(ys, detail::gp_residuals(ys, xs));
    out.score_xy = forward.p_value;
    out.score_yx = backward.p_value;
    if (out.score_xy == out.score_yx) {  // both p-values underflowed: compare the statistics instead
        out.score_xy = -forward.statistic;
        out.score_yx = -backward.statistic;
    }
    out.direction = detail::decide(out.score_xy, out.score_yx, true);
    return out;
}

/// How igci_direction normalises the variables (its reference measure).
enum class igci_reference : std::uint8_t {
    uniform,   ///< scaled to [0, 1]
    gaussian,  ///< standardised
};

/// Information-geometric causal inference (Daniušis et al., UAI 2010; Janzing et al., AIJ 2012) with
/// the slope estimator: C(X -> Y) = mean over consecutive points sorted by x of log |dy / dx| (pairs
/// with dx or dy equal to 0 skipped); X -> Y when C(X -> Y) < C(Y -> X). score_xy = C(X -> Y),
/// smaller is more plausible. Assumes a deterministic (or nearly) relation. Raises argument_error for
/// lengths that differ, fewer than 3 values, a non-finite value, or a constant variable.
inline direction_result igci_direction(std::span<const double> x, std::span<const double> y, igci_reference reference = igci_reference::uniform) {
    constexpr const char* fn = "igci_direction";
    detail::check_pair(x, y, 3, fn);
    auto normalise = [&](std::span<const double> v) {
        return reference == igci_reference::gaussian ? detail::standardized(v) : detail::unit_scaled(v, fn);
    };
    const auto a = normalise(x), b = normalise(y);
    auto slope = [](const std::vector<double>& u, const std::vector<double>& v) {
        std::vector<std::size_t> order(u.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return u[i] < u[j]; });
        double sum = 0.0;
        std::size_t count = 0;
        for (std::size_t k = 0; k + 1 < order.size(); ++k) {
            const double du = u[order[k + 1]] - u[order[k]], dv = v[order[k + 1]] - v[order[k]];
            if (du != 0.0 && dv != 0.0) sum += std::log(std::abs(dv / du)), ++count;
        }
        return count ? sum / static_cast<double>(count) : 0.0;
    };
    direction_result out;
    out.score_xy = slope(a, b);
    out.score_yx = slope(b, a);
    out.direction = detail::decide(out.score_xy, out.score_yx, false);
    return out;
}

/// Regression error causal inference (Blöbaum, Janzing, Washio, Shimizu & Schölkopf, AISTATS 2018):
/// both variables scaled to [0, 1], each regressed on the other with a polynomial of `degree`; X -> Y
/// when the mean squared error of y given x is the smaller. score_xy = that error, smaller is more
/// plausible. Raises argument_error for lengths that differ, fewer than degree + 2 values, a
/// non-finite value, a constant variable, or degree 0.
inline direction_result reci_direction(std::span<const double> x, std::span<const double> y, std::size_t degree = 3) {
    constexpr const char* fn = "reci_direction";
    if (degree == 0) throw argument_error(causalrec::error_message("causal", fn, "degree must be at least 1"));
    detail::check_pair(x, y, degree + 2, fn);
    const auto a = detail::unit_scaled(x, fn), b = detail::unit_scaled(y, fn);
    auto error = [&](const std::vector<double>& u, const std::vector<double>& v) {
        const std::size_t n = u.size();
        matrix<double> design = matrix<double>::from_shape({n, degree});
        vector<double> target = make_vector<double>(n);
        for (std::size_t i = 0; i < n; ++i) {
            double p = 1.0;
            for (std::size_t k = 0; k < degree; ++k) p *= u[i], design(i, k) = p;
            target(i) = v[i];
        }
        linear_regression model({.alpha = 1e-10});  // a whisker of ridge: variables with few distinct values make the powers collinear
        model.fit(design, target);
        const auto fitted = model.predict(design);
        double mse = 0.0;
        for (std::size_t i = 0; i < n; ++i) mse += (v[i] - fitted(i)) * (v[i] - fitted(i));
        return mse / static_cast<double>(n);
    };
    direction_result out;
    out.score_xy = error(a, b);
    out.score_yx = error(b, a);
    out.direction = detail::decide(out.score_xy, out.score_yx, false);
    return out;
}

}  // namespace causalrec::causal
