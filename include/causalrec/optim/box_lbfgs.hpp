#pragma once
/// @file
/// Minimisation of a smooth function under box constraints lower <= x <= upper by projected L-BFGS:
/// the quasi-Newton direction on the variables not held at a bound, steps projected back into the
/// box, an Armijo search along the projected path. The stopping rules and defaults are those of
/// SciPy's L-BFGS-B (projected gradient 1e-5, relative reduction 2.2e-9, 10 correction pairs); the
/// direction is the simpler two-metric projection, not L-BFGS-B's generalised Cauchy point.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"

namespace causalrec::optim {

/// Options of minimize_box.
struct box_lbfgs_options {
    std::size_t max_iterations = 15000;          ///< iterations (SciPy's maxiter); >= 1
    std::size_t max_evaluations = 15000;         ///< function evaluations (SciPy's maxfun); >= 1
    std::size_t memory = 10;                     ///< correction pairs kept (SciPy's maxcor); >= 1
    double projected_gradient_tolerance = 1e-5;  ///< stop when max |P(x - g) - x| falls to this (SciPy's pgtol); >= 0
    double relative_reduction_tolerance = 2.220446049250313e-09;  ///< stop when (f_k - f_k+1) / max(|f_k|, |f_k+1|, 1) falls to this (SciPy's ftol); >= 0
};

/// What minimize_box returns.
struct box_lbfgs_result {
    std::vector<double> x{};       ///< the last iterate (inside the box)
    double value = 0.0;            ///< f at x
    std::size_t iterations = 0;    ///< iterations done
    std::size_t evaluations = 0;   ///< function evaluations done
    bool converged = false;        ///< a tolerance was met (not an iteration or evaluation limit, nor a failed search)
    std::string message{};         ///< why it stopped
};

/// Minimises f over the box lower <= x <= upper from x0 (projected into the box first). `f(x, g)`
/// returns f(x) and writes the gradient into g. Bounds may be infinite; lower[i] == upper[i] fixes
/// x_i. Raises argument_error for sizes that differ, lower > upper, or options out of range, and
/// numeric_error when f or its gradient is not finite at the start.
template <class F>
box_lbfgs_result minimize_box(F&& f, std::span<const double> x0, std::span<const double> lower, std::span<const double> upper,
                              const box_lbfgs_options& options = {}) {
    constexpr const char* fn = "minimize_box";
    const std::size_t n = x0.size();
    if (lower.size() != n || upper.size() != n)
        throw argument_error(causalrec::error_message("optim", fn, "x0 has ", n, " values, lower ", lower.size(), " and upper ", upper.size()));
    if (options.max_iterations == 0 || options.max_evaluations == 0 || options.memory == 0)
        throw argument_error(causalrec::error_message("optim", fn, "max_iterations, max_evaluations and memory must be >= 1"));
    if (!(options.projected_gradient_tolerance >= 0.0) || !(options.relative_reduction_tolerance >= 0.0))
        throw argument_error(causalrec::error_message("optim", fn, "the tolerances must be >= 0"));
    for (std::size_t i = 0; i < n; ++i)
        if (!(lower[i] <= upper[i])) throw argument_error(causalrec::error_message("optim", fn, "bound ", i, ": lower ", lower[i], " > upper ", upper[i]));
    auto project = [&](std::vector<double>& v) {
        for (std::size_t i = 0; i < n; ++i) v[i] = std::clamp(v[i], lower[i], upper[i]);
    };
    box_lbfgs_result out;
    std::vector<double> x(x0.begin(), x0.end()), g(n), trial(n), g_trial(n), d(n), q(n);
    project(x);
    double value = f(std::span<const double>(x), std::span<double>(g));
    out.evaluations = 1;
    if (!std::isfinite(value)) throw numeric_error(causalrec::error_message("optim", fn, "f is not finite at the start"));
    for (double v : g)
        if (!std::isfinite(v)) throw numeric_error(causalrec::error_message("optim", fn, "the gradient is not finite at the start"));
    std::deque<std::vector<double>> s_list, y_list;
    std::deque<double> rho_list;
    std::vector<char> free(n);
    std::vector<double> alpha_work;
    auto finish = [&](bool converged, std::string message) {
        out.x = x;
        out.value = value;
        out.converged = converged;
        out.message = std::move(message);
        return out;
    };
    for (out.iterations = 0; out.iterations < options.max_iterations; ++out.iterations) {
        double pg = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            pg = std::max(pg, std::abs(std::clamp(x[i] - g[i], lower[i], upper[i]) - x[i]));
            free[i] = !((x[i] <= lower[i] && g[i] > 0.0) || (x[i] >= upper[i] && g[i] < 0.0) || lower[i] == upper[i]);
        }
        if (pg <= options.projected_gradient_tolerance) return finish(true, "projected gradient below tolerance");
        // Two-loop recursion on the free variables.
        for (std::size_t i = 0; i < n; ++i) q[i] = free[i] ? g[i] : 0.0;
        alpha_work.assign(s_list.size(), 0.0);
        for (std::size_t k = s_list.size(); k-- > 0;) {
            double a = 0.0;
            for (std::size_t i = 0; i < n; ++i) a += free[i] ? s_list[k][i] * q[i] : 0.0;
            a *= rho_list[k];
            alpha_work[k] = a;
            for (std::size_t i = 0; i < n; ++i)
                if (free[i]) q[i] -= a * y_list[k][i];
        }
        double gamma = 1.0;
        if (!s_list.empty()) {
            double sy = 0.0, yy = 0.0;
            for (std::size_t i = 0; i < n; ++i) sy += s_list.back()[i] * y_list.back()[i], yy += y_list.back()[i] * y_list.back()[i];
            gamma = yy > 0.0 ? sy / yy : 1.0;
        } else {
            double gg = 0.0;
            for (std::size_t i = 0; i < n; ++i) gg += free[i] ? g[i] * g[i] : 0.0;
            gamma = gg > 0.0 ? 1.0 / std::sqrt(gg) : 1.0;  // first step of length at most 1
        }
        for (std::size_t i = 0; i < n; ++i) q[i] *= gamma;
        for (std::size_t k = 0; k < s_list.size(); ++k) {
            double b = 0.0;
            for (std::size_t i = 0; i < n; ++i) b += free[i] ? y_list[k][i] * q[i] : 0.0;
            b *= rho_list[k];
            for (std::size_t i = 0; i < n; ++i)
                if (free[i]) q[i] += (alpha_work[k] - b) * s_list[k][i];
        }
        double slope = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            d[i] = free[i] ? -q[i] : 0.0;
            slope += d[i] * g[i];
        }
        if (!(slope < 0.0)) {  // not a descent direction: forget the curvature pairs, steepest descent
            s_list.clear(), y_list.clear(), rho_list.clear();
            for (std::size_t i = 0; i < n; ++i) d[i] = free[i] ? -g[i] : 0.0;
        }
        // Armijo search along the projected path x(t) = P(x + t d).
        double t = 1.0, trial_value = 0.0;
        bool accepted = false;
        for (std::size_t halving = 0; halving < 40 && out.evaluations < options.max_evaluations; ++halving, t *= 0.5) {
            for (std::size_t i = 0; i < n; ++i) trial[i] = x[i] + t * d[i];
            project(trial);
            double decrease = 0.0;
            for (std::size_t i = 0; i < n; ++i) decrease += g[i] * (trial[i] - x[i]);
            trial_value = f(std::span<const double>(trial), std::span<double>(g_trial));
            ++out.evaluations;
            if (std::isfinite(trial_value) && trial_value <= value + 1e-4 * decrease) {
                accepted = true;
                break;
            }
        }
        if (!accepted) {
            if (!s_list.empty()) {  // retry once from steepest descent
                s_list.clear(), y_list.clear(), rho_list.clear();
                continue;
            }
            return finish(false, out.evaluations >= options.max_evaluations ? "evaluation limit reached" : "line search failed");
        }
        std::vector<double> s(n), y(n);
        double sy = 0.0, yy = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            s[i] = trial[i] - x[i];
            y[i] = g_trial[i] - g[i];
            sy += s[i] * y[i];
            yy += y[i] * y[i];
        }
        if (sy > std::numeric_limits<double>::epsilon() * yy) {
            if (s_list.size() == options.memory) s_list.pop_front(), y_list.pop_front(), rho_list.pop_front();
            s_list.push_back(std::move(s));
            y_list.push_back(std::move(y));
            rho_list.push_back(1.0 / sy);
        }
        const double reduction = (value - trial_value) / std::max({std::abs(value), std::abs(trial_value), 1.0});
        x.swap(trial);
        g.swap(g_trial);
        value = trial_value;
        if (reduction <= options.relative_reduction_tolerance) return finish(true, "relative reduction below tolerance");
        if (out.evaluations >= options.max_evaluations) return finish(false, "evaluation limit reached");
    }
    return finish(false, "iteration limit reached");
}

}  // namespace causalrec::optim
