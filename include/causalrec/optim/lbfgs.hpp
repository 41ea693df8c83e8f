#pragma once
/// @file
/// L-BFGS (Liu & Nocedal 1989; Nocedal & Wright, Numerical Optimization, 2nd ed., Algorithms 7.4 and
/// 7.5) as an optim:: optimizer: deterministic and full-batch, with a strong-Wolfe line search
/// (Algorithms 3.5 and 3.6, cubic interpolation) or Armijo backtracking. Like torch.optim.LBFGS it
/// runs up to `max_iterations` iterations per step() and re-evaluates the objective through a closure,
/// so train::fit gives it the whole training set as one batch and one step per epoch.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../core/linalg.hpp"
#include "../core/parameter.hpp"
#include "state.hpp"
#include "fwd.hpp"

namespace causalrec::optim {

/// The line search of lbfgs.
enum class line_search {
    strong_wolfe,  ///< sufficient decrease and the strong curvature condition (c1 = 1e-4, c2 = 0.9), cubic zoom
    backtracking,  ///< sufficient decrease only, halving the step from learning_rate
};

/// Options of lbfgs (defaults as torch.optim.LBFGS with line_search_fn="strong_wolfe").
struct lbfgs_options {
    double learning_rate = 1.0;          ///< first trial step of each line search (1 suits quasi-Newton directions); > 0
    std::size_t max_iterations = 20;     ///< iterations per step() (torch's max_iterations); >= 1
    std::size_t max_evaluations = 0;     ///< closure calls per step(); 0 = 1.25 * max_iterations (torch's default)
    std::size_t memory = 10;             ///< correction pairs kept (torch's history_size); >= 1
    double gradient_tolerance = 1e-7;    ///< stop when max |g| falls to this (torch's tolerance_grad); >= 0
    double change_tolerance = 1e-9;      ///< stop when the step or the loss change falls to this (tolerance_change); >= 0
    line_search search = line_search::strong_wolfe;  ///< how the step length is chosen
};

/// Limited-memory BFGS over all parameters as one flat vector, in double precision whatever T is.
/// step(params, closure) needs the closure (train::fit passes one that re-evaluates the full batch);
/// `full_batch` makes fit use the whole training set. Sparse parameters are refused (their gradient is
/// not defined outside the touched rows). The state (correction pairs) carries over between steps, as
/// torch's does; reset() forgets it.
template <std::floating_point T>
class lbfgs {
public:
    using options_type = lbfgs_options;  ///< the options type taken by the constructor
    using value_type = T;                ///< the element type of the parameters it updates
    /// Read by the training loop: one batch per epoch, the whole training set.
    static constexpr bool full_batch = true;

    /// An L-BFGS optimizer; raises argument_error on an invalid option.
    explicit lbfgs(lbfgs_options opts = {}) : opts_(opts) {
        detail::require_positive("lbfgs", "learning_rate", opts.learning_rate);
        detail::require_non_negative("lbfgs", "gradient_tolerance", opts.gradient_tolerance);
        detail::require_non_negative("lbfgs", "change_tolerance", opts.change_tolerance);
        if (opts.max_iterations == 0) throw argument_error("causalrec::optim::lbfgs: max_iterations must be at least 1");
        if (opts.memory == 0) throw argument_error("causalrec::optim::lbfgs: memory must be at least 1");
        lr_ = opts.learning_rate;
    }

    /// Up to max_iterations L-BFGS iterations from the current values. `closure()` must re-evaluate the
    /// loss at the parameters' current values and write their gradients (it is called at least once).
    /// Returns the loss at the final point.
    template <class Closure>
    double step(std::span<const parameter_view<T>> params, Closure&& closure) {
        bind(params);
        const std::size_t max_evals = opts_.max_evaluations != 0 ? opts_.max_evaluations : opts_.max_iterations * 5 / 4;
        std::size_t evals = 0;
        auto evaluate = [&](const std::vector<double>& at, std::vector<double>& grad) {
            store(params, at);
            const double value = static_cast<double>(closure());
            ++evals;
            load_gradient(params, grad);
            return value;
        };
        double f = evaluate(x_, g_);
        if (!std::isfinite(f)) return f;
        for (std::size_t iteration = 0; iteration < opts_.max_iterations; ++iteration) {
            if (max_abs(g_) <= opts_.gradient_tolerance) break;
            direction();
            double slope = dot(g_, d_);
            if (!(slope < 0.0)) {  // not a descent direction (a poor pair): restart from steepest descent
                clear_pairs();
                direction();
                slope = dot(g_, d_);
            }
            // The very first step is scaled as torch does: min(1, 1 / |g|_1) * learning_rate.
            double t = lr_;
            if (++iterations_ == 1) t = std::min(1.0, 1.0 / sum_abs(g_)) * lr_;
            const double f_old = f;
            const bool moved = opts_.search == line_search::strong_wolfe ? wolfe(f, slope, t, evaluate)
                                                                         : backtrack(f, slope, t, evaluate);
            if (!moved) break;
            if (evals >= max_evals) break;
            if (std::abs(f - f_old) < opts_.change_tolerance) break;
            if (max_abs(s_last_) <= opts_.change_tolerance) break;
        }
        store(params, x_);
        return f;
    }

    /// The current learning rate (the line search's first trial step).
    double learning_rate() const noexcept { return lr_; }
    /// Sets the first trial step; raises argument_error unless finite and > 0.
    void set_learning_rate(double learning_rate) {
        detail::require_positive("lbfgs", "learning_rate", learning_rate);
        lr_ = learning_rate;
    }
    /// "lbfgs".
    std::string_view name() const noexcept { return "lbfgs"; }
    /// The options given at construction.
    const lbfgs_options& options() const noexcept { return opts_; }
    /// Iterations run so far (over all steps).
    std::size_t iterations() const noexcept { return iterations_; }
    /// Forgets the correction pairs; the next step starts as steepest descent.
    void reset() noexcept {
        clear_pairs();
        size_ = 0;
        iterations_ = 0;
    }

private:
    template <class Evaluate>
    bool backtrack(double& f, double slope, double t, Evaluate& evaluate) {
        for (int tries = 0; tries < 40; ++tries) {
            trial(t);
            const double fn = evaluate(xn_, gn_);
            if (std::isfinite(fn) && fn <= f + 1e-4 * t * slope) {
                accept(fn, f);
                return true;
            }
            t *= 0.5;
        }
        return false;
    }

    /// Nocedal & Wright Algorithm 3.5 (bracketing) with Algorithm 3.6 (zoom by cubic interpolation).
    template <class Evaluate>
    bool wolfe(double& f, double slope, double t, Evaluate& evaluate) {
        constexpr double c1 = 1e-4, c2 = 0.9;
        constexpr int max_tries = 25;
        double t_prev = 0.0, f_prev = f, d_prev = slope;
        for (int tries = 0; tries < max_tries; ++tries) {
            trial(t);
            const double ft = evaluate(xn_, gn_);
            const double dt = dot(gn_, d_);
            if (!std::isfinite(ft) || ft > f + c1 * t * slope || (tries > 0 && ft >= f_prev)) {
                return zoom(f, slope, t_prev, f_prev, d_prev, t, std::isfinite(ft) ? ft : HUGE_VAL, dt, evaluate, max_tries - tries);
            }
            if (std::abs(dt) <= -c2 * slope) {
                accept(ft, f);
                return true;
            }
            if (dt >= 0.0) return zoom(f, slope, t, ft, dt, t_prev, f_prev, d_prev, evaluate, max_tries - tries);
            t_prev = t, f_prev = ft, d_prev = dt;
            t *= 2.0;  // still descending steeply: extrapolate
        }
        return false;
    }

    template <class Evaluate>
    bool zoom(double& f, double slope, double lo, double f_lo, double d_lo, double hi, double f_hi, double d_hi,
              Evaluate& evaluate, int tries_left) {
        constexpr double c1 = 1e-4, c2 = 0.9;
        for (int tries = 0; tries < std::max(tries_left, 10); ++tries) {
            const double a = std::min(lo, hi), b = std::max(lo, hi);
            if (b - a < 1e-12 * std::max(1.0, b)) break;
            double t = std::isfinite(f_hi) ? cubic_minimum(lo, f_lo, d_lo, hi, f_hi, d_hi, a, b) : 0.5 * (a + b);
            // Keep the trial away from the ends of the interval (torch's safeguard: 10% of its width).
            const double margin = 0.1 * (b - a);
            if (t < a + margin || t > b - margin) t = 0.5 * (a + b);
            trial(t);
            const double ft = evaluate(xn_, gn_);
            const double dt = dot(gn_, d_);
            if (!std::isfinite(ft) || ft > f + c1 * t * slope || ft >= f_lo) {
                hi = t, f_hi = std::isfinite(ft) ? ft : HUGE_VAL, d_hi = dt;
            } else {
                if (std::abs(dt) <= -c2 * slope) {
                    accept(ft, f);
                    return true;
                }
                if (dt * (hi - lo) >= 0.0) hi = lo, f_hi = f_lo, d_hi = d_lo;
                lo = t, f_lo = ft, d_lo = dt;
            }
        }
        // No point met both conditions: take the best sufficient-decrease point found, if any.
        if (lo > 0.0 && f_lo < f) {
            trial(lo);
            const double ft = evaluate(xn_, gn_);
            if (std::isfinite(ft) && ft < f) {
                accept(ft, f);
                return true;
            }
        }
        return false;
    }

    /// The minimiser of the cubic through (t1, f1, d1) and (t2, f2, d2), clamped to [lo, hi]
    /// (Nocedal & Wright eq. 3.59); the midpoint when the cubic has none.
    static double cubic_minimum(double t1, double f1, double d1, double t2, double f2, double d2, double lo, double hi) {
        const double e1 = d1 + d2 - 3.0 * (f1 - f2) / (t1 - t2);
        const double sq = e1 * e1 - d1 * d2;
        if (!(sq >= 0.0) || t1 == t2) return 0.5 * (lo + hi);
        const double e2 = std::copysign(std::sqrt(sq), t2 - t1);
        const double t = t2 - (t2 - t1) * ((d2 + e2 - e1) / (d2 - d1 + 2.0 * e2));
        return std::isfinite(t) ? std::clamp(t, lo, hi) : 0.5 * (lo + hi);
    }

    void trial(double t) {
        for (std::size_t j = 0; j < xn_.size(); ++j) xn_[j] = x_[j] + t * d_[j];
    }

    /// Moves to the trial point and stores the correction pair (s, y) when its curvature is positive.
    void accept(double fn, double& f) {
        for (std::size_t j = 0; j < x_.size(); ++j) s_last_[j] = xn_[j] - x_[j], y_last_[j] = gn_[j] - g_[j];
        const double sy = dot(s_last_, y_last_);
        if (sy > 1e-10) {
            const std::size_t slot = (head_ + count_) % opts_.memory;
            if (count_ == opts_.memory) head_ = (head_ + 1) % opts_.memory;
            else ++count_;
            std::copy(s_last_.begin(), s_last_.end(), s_[slot].begin());
            std::copy(y_last_.begin(), y_last_.end(), y_[slot].begin());
            rho_[slot] = 1.0 / sy;
            gamma_ = sy / dot(y_last_, y_last_);
        }
        x_.swap(xn_);
        g_.swap(gn_);
        f = fn;
    }

    /// d = -H g by the two-loop recursion (Nocedal & Wright Algorithm 7.4), H0 = gamma I.
    void direction() {
        for (std::size_t j = 0; j < d_.size(); ++j) d_[j] = -g_[j];
        const std::size_t n = d_.size();
        for (std::size_t m = count_; m-- > 0;) {
            const std::size_t k = (head_ + m) % opts_.memory;
            alpha_[k] = rho_[k] * dot(s_[k], d_);
            linalg::axpy(-alpha_[k], y_[k].data(), d_.data(), n);
        }
        if (count_ > 0) {
            const double gamma = gamma_;
            for (double& v : d_) v *= gamma;
        }
        for (std::size_t m = 0; m < count_; ++m) {
            const std::size_t k = (head_ + m) % opts_.memory;
            const double beta = rho_[k] * dot(y_[k], d_);
            linalg::axpy(alpha_[k] - beta, s_[k].data(), d_.data(), n);
        }
    }

    void clear_pairs() noexcept {
        count_ = 0;
        head_ = 0;
        gamma_ = 1.0;
    }

    /// Sizes the buffers on the first step and reads the current values into x.
    void bind(std::span<const parameter_view<T>> params) {
        std::size_t n = 0;
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (params[i].sparse)
                throw argument_error(detail::cat("causalrec::optim::lbfgs: ", detail::describe(i, params[i].name),
                                                 " is sparse; L-BFGS needs the full gradient of every parameter"));
            if (params[i].value.size() != params[i].grad.size())
                throw shape_error(detail::cat("causalrec::optim::lbfgs: ", detail::describe(i, params[i].name), " has ",
                                              params[i].value.size(), " values but ", params[i].grad.size(),
                                              " gradient entries"));
            n += params[i].value.size();
        }
        if (n != size_) {
            if (size_ != 0)
                throw shape_error(detail::cat("causalrec::optim::lbfgs: step() got ", n, " values, but the state was built for ", size_,
                                              "; call reset() to optimize other parameters"));
            size_ = n;
            for (auto* v : {&x_, &g_, &d_, &xn_, &gn_, &s_last_, &y_last_}) v->assign(n, 0.0);
            s_.assign(opts_.memory, std::vector<double>(n));
            y_.assign(opts_.memory, std::vector<double>(n));
            rho_.assign(opts_.memory, 0.0);
            alpha_.assign(opts_.memory, 0.0);
            clear_pairs();
        }
        std::size_t at = 0;
        for (const auto& p : params)
            for (const T v : p.value) x_[at++] = static_cast<double>(v);
    }

    void store(std::span<const parameter_view<T>> params, const std::vector<double>& from) const {
        std::size_t at = 0;
        for (const auto& p : params)
            for (T& v : p.value) v = static_cast<T>(from[at++]);
    }

    static void load_gradient(std::span<const parameter_view<T>> params, std::vector<double>& to) {
        std::size_t at = 0;
        for (const auto& p : params)
            for (const T v : p.grad) to[at++] = static_cast<double>(v);
    }

    static double dot(const std::vector<double>& a, const std::vector<double>& b) noexcept {
        return linalg::dot(a.data(), b.data(), a.size());
    }
    static double max_abs(const std::vector<double>& a) noexcept {
        double m = 0.0;
        for (const double v : a) m = std::max(m, std::abs(v));
        return m;
    }
    static double sum_abs(const std::vector<double>& a) noexcept {
        double s = 0.0;
        for (const double v : a) s += std::abs(v);
        return s > 0.0 ? s : 1.0;
    }

    lbfgs_options opts_;
    double lr_ = 1.0;
    std::size_t size_ = 0, iterations_ = 0, count_ = 0, head_ = 0;
    double gamma_ = 1.0;
    std::vector<double> x_{}, g_{}, d_{}, xn_{}, gn_{}, s_last_{}, y_last_{}, rho_{}, alpha_{};
    std::vector<std::vector<double>> s_{}, y_{};
};

}  // namespace causalrec::optim
