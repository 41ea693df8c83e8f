#pragma once
/// @file
/// Small full-batch minimisers over a flat vector of doubles, used by the debiased recommenders and
/// the logistic propensity model: L-BFGS (two-loop recursion, backtracking Armijo line search) and
/// Adam. Not API.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <vector>

namespace causalrec::causal::detail {

/// Dot product of two equally long vectors.
inline double lbfgs_dot(const std::vector<double>& a, const std::vector<double>& b) noexcept {
    double s = 0.0;
    for (std::size_t j = 0; j < a.size(); ++j) s += a[j] * b[j];
    return s;
}

/// Minimises f (called as f(x, grad) -> value, writing the gradient) from x by L-BFGS with memory
/// `memory`, for at most `iterations` iterations; stops early when the gradient norm falls below
/// `gtol` or a line search makes no progress. Returns the final value.
template <class F>
double lbfgs(F&& f, std::vector<double>& x, std::size_t iterations, std::size_t memory = 10, double gtol = 1e-7) {
    const std::size_t n = x.size();
    std::vector<double> g(n), d(n), xn(n), gn(n);
    double fx = f(x, g);
    std::deque<std::vector<double>> S, Y;
    std::deque<double> rho;
    std::vector<double> alpha(memory);
    for (std::size_t it = 0; it < iterations; ++it) {
        const double gnorm = std::sqrt(lbfgs_dot(g, g));
        if (!(gnorm > gtol)) break;
        // Two-loop recursion: d = -H g.
        for (std::size_t j = 0; j < n; ++j) d[j] = -g[j];
        for (std::size_t m = S.size(); m-- > 0;) {
            alpha[m] = rho[m] * lbfgs_dot(S[m], d);
            for (std::size_t j = 0; j < n; ++j) d[j] -= alpha[m] * Y[m][j];
        }
        double gamma = 1.0 / gnorm;
        if (!S.empty()) gamma = lbfgs_dot(S.back(), Y.back()) / lbfgs_dot(Y.back(), Y.back());
        for (auto& v : d) v *= gamma;
        for (std::size_t m = 0; m < S.size(); ++m) {
            const double beta = rho[m] * lbfgs_dot(Y[m], d);
            for (std::size_t j = 0; j < n; ++j) d[j] += (alpha[m] - beta) * S[m][j];
        }
        double slope = lbfgs_dot(g, d);
        if (!(slope < 0.0)) {  // not a descent direction: restart from steepest descent
            S.clear(), Y.clear(), rho.clear();
            for (std::size_t j = 0; j < n; ++j) d[j] = -g[j] / gnorm;
            slope = lbfgs_dot(g, d);
        }
        double step = 1.0, fn = 0.0;
        bool accepted = false;
        for (int ls = 0; ls < 40; ++ls) {
            for (std::size_t j = 0; j < n; ++j) xn[j] = x[j] + step * d[j];
            fn = f(xn, gn);
            if (std::isfinite(fn) && fn <= fx + 1e-4 * step * slope) {
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if (!accepted) break;
        std::vector<double> s(n), y(n);
        for (std::size_t j = 0; j < n; ++j) s[j] = xn[j] - x[j], y[j] = gn[j] - g[j];
        const double sy = lbfgs_dot(s, y);
        x.swap(xn);
        g.swap(gn);
        const double previous = fx;
        fx = fn;
        if (sy > 1e-12) {
            if (S.size() == memory) S.pop_front(), Y.pop_front(), rho.pop_front();
            S.push_back(std::move(s));
            Y.push_back(std::move(y));
            rho.push_back(1.0 / sy);
        }
        if (std::abs(previous - fx) <= 1e-12 * std::max(1.0, std::abs(fx))) break;
    }
    return fx;
}

/// Adam state for a flat parameter vector (Kingma & Ba, Algorithm 1).
struct adam_state {
    double lr = 0.01;            ///< step size
    double beta1 = 0.9;          ///< first-moment decay
    double beta2 = 0.999;        ///< second-moment decay
    double eps = 1e-8;           ///< denominator guard
    std::vector<double> m{};     ///< first moments
    std::vector<double> v{};     ///< second moments
    std::size_t t = 0;           ///< steps taken

    /// One Adam step of x along gradient g.
    void step(std::vector<double>& x, const std::vector<double>& g) {
        if (m.size() != x.size()) m.assign(x.size(), 0.0), v.assign(x.size(), 0.0), t = 0;
        ++t;
        const double c1 = 1.0 - std::pow(beta1, static_cast<double>(t)), c2 = 1.0 - std::pow(beta2, static_cast<double>(t));
        for (std::size_t j = 0; j < x.size(); ++j) {
            m[j] = beta1 * m[j] + (1.0 - beta1) * g[j];
            v[j] = beta2 * v[j] + (1.0 - beta2) * g[j] * g[j];
            x[j] -= lr * (m[j] / c1) / (std::sqrt(v[j] / c2) + eps);
        }
    }
};

}  // namespace causalrec::causal::detail
