#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/discovery/pairwise.hpp (HSIC and the pairwise direction methods): included by
/// that header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../pairwise.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE hsic_result hsic_test(std::span<const double> x, std::span<const double> y, const hsic_options& options) {
    constexpr const char* fn = "hsic_test";
    const std::size_t n = x.size();
    if (y.size() != n) throw argument_error(causalrec::error_message("causal", fn, "x has ", n, " values and y ", y.size()));
    if (n < 6) throw argument_error(causalrec::error_message("causal", fn, "needs at least 6 values, got ", n));
    if (options.method == hsic_method::permutation && options.permutations == 0)
        throw argument_error(causalrec::error_message("causal", fn, "permutations must be at least 1"));
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(x[i]) || !std::isfinite(y[i])) throw numeric_error(causalrec::error_message("causal", fn, "value ", i, " is not finite"));
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

CAUSALREC_INLINE direction_result anm_direction(std::span<const double> x, std::span<const double> y, const anm_options& options) {
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

CAUSALREC_INLINE direction_result igci_direction(std::span<const double> x, std::span<const double> y, igci_reference reference) {
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

CAUSALREC_INLINE direction_result reci_direction(std::span<const double> x, std::span<const double> y, std::size_t degree) {
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

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE double hsic_bandwidth(std::span<const double> v) {
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

CAUSALREC_INLINE void gaussian_kernel(std::span<const double> v, double width, std::vector<double>& k) {
    const std::size_t n = v.size();
    k.resize(n * n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            const double d = v[i] - v[j];
            k[i * n + j] = std::exp(-d * d / (2.0 * width * width));
        }
}

CAUSALREC_INLINE void centred_kernel(std::span<const double> v, double width, std::vector<double>& k, std::vector<double>& kc) {
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

CAUSALREC_INLINE std::vector<double> gp_residuals(std::span<const double> x, std::span<const double> y) {
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

CAUSALREC_INLINE void check_pair(std::span<const double> x, std::span<const double> y, std::size_t least, const char* fn) {
    if (x.size() != y.size()) throw argument_error(causalrec::error_message("causal", fn, "x has ", x.size(), " values and y ", y.size()));
    if (x.size() < least) throw argument_error(causalrec::error_message("causal", fn, "needs at least ", least, " values, got ", x.size()));
    for (std::size_t i = 0; i < x.size(); ++i)
        if (!std::isfinite(x[i]) || !std::isfinite(y[i])) throw numeric_error(causalrec::error_message("causal", fn, "value ", i, " is not finite"));
}

CAUSALREC_INLINE std::vector<double> unit_scaled(std::span<const double> v, const char* fn) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    if (*hi == *lo) throw argument_error(causalrec::error_message("causal", fn, "a variable is constant"));
    std::vector<double> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) out[i] = (v[i] - *lo) / (*hi - *lo);
    return out;
}

CAUSALREC_INLINE pair_direction decide(double xy, double yx, bool larger_is_better) {
    if (xy == yx) return pair_direction::undecided;
    return (xy > yx) == larger_is_better ? pair_direction::x_causes_y : pair_direction::y_causes_x;
}

}  // namespace detail
}  // namespace causalrec::causal
