#pragma once
/// @file
/// Contextual policies with one linear model per action (disjoint models, Li et al. 2010): LinUCB,
/// linear Thompson sampling (Agrawal & Goyal 2013) and logistic Thompson sampling with a Laplace
/// approximation of the posterior (Chapelle & Li 2011), each updated online in O(d^2) per reward by
/// Sherman-Morrison rank-one updates of the inverse (covariance) matrix.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../core/blas.hpp"
#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/math.hpp"
#include "../core/rng.hpp"
#include "../io/safetensors.hpp"
#include "concepts.hpp"
#include "detail/common.hpp"

namespace causalrec::bandit {

/// What a disjoint linear policy keeps per action: the inverse of A = l2 I + sum x x^T (or the
/// posterior covariance), the vector b = sum r x (or the posterior mean), both row-major per action.
struct linear_arms {
    std::size_t actions = 0;          ///< number of actions
    std::size_t dim = 0;              ///< context dimension d
    std::vector<double> inverse{};    ///< actions x d x d: A^-1 (LinUCB, linear TS) or the covariance (logistic TS)
    std::vector<double> vector{};     ///< actions x d: b (LinUCB, linear TS) or the posterior mean (logistic TS)
    std::vector<double> theta{};      ///< actions x d: A^-1 b, kept current by refresh_theta (LinUCB, linear TS)

    /// n actions of dimension d with A^-1 = I / l2 and b = 0.
    linear_arms(std::size_t n, std::size_t d, double l2)
        : actions(n), dim(d), inverse(n * d * d, 0.0), vector(n * d, 0.0), theta(n * d, 0.0) {
        for (std::size_t a = 0; a < n; ++a)
            for (std::size_t i = 0; i < d; ++i) inverse[(a * d + i) * d + i] = 1.0 / l2;
    }
    /// A^-1 of action a (d x d, row-major).
    std::span<double> inverse_of(std::size_t a) noexcept { return {inverse.data() + a * dim * dim, dim * dim}; }
    /// A^-1 of action a (d x d, row-major).
    std::span<const double> inverse_of(std::size_t a) const noexcept { return {inverse.data() + a * dim * dim, dim * dim}; }
    /// b of action a.
    std::span<double> vector_of(std::size_t a) noexcept { return {vector.data() + a * dim, dim}; }
    /// b of action a.
    std::span<const double> vector_of(std::size_t a) const noexcept { return {vector.data() + a * dim, dim}; }

    /// u = A^-1 x for action a; returns x^T A^-1 x. A^-1 is exactly symmetric (rank_one_downdate
    /// keeps it so), so u accumulates the rows of A^-1 weighted by x, in the order of the row-times-x
    /// products (same bits), with the rows read contiguously.
    double solve(std::size_t a, std::span<const double> x, std::vector<double>& u) const {
        const auto m = inverse_of(a);
        u.assign(dim, 0.0);
        double* CAUSALREC_RESTRICT out = u.data();
        for (std::size_t j = 0; j < dim; ++j) {
            const double xj = x[j];
            const double* CAUSALREC_RESTRICT row = m.data() + j * dim;
            for (std::size_t i = 0; i < dim; ++i) out[i] += row[i] * xj;
        }
        double q = 0.0;
        for (std::size_t i = 0; i < dim; ++i) q += out[i] * x[i];
        return q;
    }
    /// A^-1 <- A^-1 - c u u^T (Sherman-Morrison with u = A^-1 x and c = w / (1 + w x^T A^-1 x)),
    /// the same value subtracted from (i, j) and (j, i): the matrix stays exactly symmetric.
    void rank_one_downdate(std::size_t a, const std::vector<double>& u, double c) {
        auto m = inverse_of(a);
        for (std::size_t i = 0; i < dim; ++i) {
            const double ci = c * u[i];
            m[i * dim + i] -= ci * u[i];
            for (std::size_t j = i + 1; j < dim; ++j) {
                const double v = ci * u[j];
                m[i * dim + j] -= v;
                m[j * dim + i] -= v;
            }
        }
    }
    /// <A^-1 b, x> for action a (the ridge estimate's prediction); u receives A^-1 b.
    double mean_prediction(std::size_t a, std::span<const double> x, std::vector<double>& u) const {
        const auto m = inverse_of(a);
        const auto b = vector_of(a);
        u.resize(dim);
        double s = 0.0;
        for (std::size_t i = 0; i < dim; ++i) {
            double t = 0.0;
            for (std::size_t j = 0; j < dim; ++j) t += m[i * dim + j] * b[j];
            u[i] = t;
            s += t * x[i];
        }
        return s;
    }
    /// theta_a = A_a^-1 b_a after action a's A^-1 or b changed.
    void refresh_theta(std::size_t a) {
        blas::gemv<double>(false, dim, dim, 1.0, inverse.data() + a * dim * dim, dim, vector.data() + a * dim, 0.0, theta.data() + a * dim);
    }

    /// For every action: means[a] = <weights_a, x> (weights: theta or vector, actions x d) and
    /// quad[a] = x^T M_a x with M_a the action's `inverse` block, as <vec(M_a), vec(x x^T)> — two BLAS
    /// matrix-vector products over all actions at once, with long rows (`work` holds x x^T).
    void predict_all(std::span<const double> x, const std::vector<double>& weights, std::vector<double>& means, std::vector<double>& quad,
                     std::vector<double>& work) const {
        means.resize(actions);
        quad.resize(actions);
        work.resize(dim * dim);
        for (std::size_t i = 0; i < dim; ++i)
            for (std::size_t j = 0; j < dim; ++j) work[i * dim + j] = x[i] * x[j];
        blas::gemv<double>(false, actions, dim, 1.0, weights.data(), dim, x.data(), 0.0, means.data());
        blas::gemv<double>(false, actions, dim * dim, 1.0, inverse.data(), dim * dim, work.data(), 0.0, quad.data());
    }

    /// Writes the arms into a policy file.
    void write(io::tensor_file& f) const {
        f.add<double>("inverse", std::span<const double>(inverse), {actions, dim, dim});
        f.add<double>("vector", std::span<const double>(vector), {actions, dim});
    }
    /// Reads n actions of dimension d from a policy file; raises format_error on a size mismatch.
    void read(const io::tensor_file& f) {
        auto m = f.get_values<double>("inverse");
        auto v = f.get_values<double>("vector");
        if (m.size() != inverse.size() || v.size() != vector.size())
            throw format_error(causalrec::cat("causalrec::bandit: the policy file's linear models are not ", actions, " x ", dim));
        inverse = std::move(m);
        vector = std::move(v);
        for (std::size_t a = 0; a < actions; ++a) refresh_theta(a);
    }
};

namespace detail {

/// The Gaussian score of every allowed action (mean and standard deviation) that the Thompson
/// policies draw from: the largest draw wins; the probability of each action is estimated from
/// repeated draws.
struct gaussian_scores {
    std::vector<double> mean{};   ///< score mean per action
    std::vector<double> sd{};     ///< score standard deviation per action
    std::vector<char> allowed{};  ///< which actions may be drawn

    /// One draw per allowed action; the index of the largest.
    std::size_t draw(rng& engine) const {
        std::size_t best = mean.size();
        double top = -std::numeric_limits<double>::infinity();
        for (std::size_t a = 0; a < mean.size(); ++a) {
            if (!allowed[a]) continue;
            const double s = mean[a] + sd[a] * engine.normal();
            if (best == mean.size() || s > top) top = s, best = a;
        }
        return best;
    }

    /// The share of `draws` repeated draws each action wins (NaN for every action when draws = 0).
    std::vector<double> estimate(rng& engine, std::size_t draws) const {
        std::vector<double> p(mean.size(), draws == 0 ? std::numeric_limits<double>::quiet_NaN() : 0.0);
        if (draws == 0) return p;
        for (std::size_t s = 0; s < draws; ++s) p[draw(engine)] += 1.0;
        for (double& v : p) v /= static_cast<double>(draws);
        return p;
    }
};

}  // namespace detail

/// Options of lin_ucb.
struct lin_ucb_options {
    double alpha = 1.0;   ///< width of the confidence bound (>= 0)
    double l2 = 1.0;      ///< ridge penalty: A starts as l2 I (> 0)
};

/// LinUCB with disjoint linear models (Li, Chu, Langford & Schapire 2010, Algorithm 1): the score of
/// action a for context x is theta_a^T x + alpha sqrt(x^T A_a^-1 x) with theta_a = A_a^-1 b_a; the
/// largest allowed score wins (ties to the lower index). Deterministic: probability 1. An update adds
/// x x^T to A_a by a Sherman-Morrison update of A_a^-1 and r x to b_a. choose reads every action's
/// A^-1, which dominates its cost, from a single-precision packed copy (the upper triangle: a quarter
/// of the bytes): the float widths come with a rigorous bound on their error, and only the actions
/// whose upper bound reaches the best lower bound are scored again in double precision — so the
/// choice is exactly upper_bounds' arg max, at the speed of the float pass.
class lin_ucb {
public:
    /// The policy's name in files and messages.
    static constexpr std::string_view policy_name = "lin_ucb";

    /// A policy over n_actions actions and contexts of `dim` values; raises argument_error for zero
    /// actions or dim, alpha < 0 or l2 <= 0.
    lin_ucb(std::size_t n_actions, std::size_t dim, lin_ucb_options options = {})
        : options_(options), arms_(n_actions, dim, options.l2 > 0.0 ? options.l2 : 1.0) {
        detail::check_actions(n_actions, policy_name);
        if (dim == 0) throw argument_error("causalrec::bandit::lin_ucb: the context dimension must be >= 1");
        if (!(options.alpha >= 0.0 && std::isfinite(options.alpha)))
            throw argument_error(causalrec::cat("causalrec::bandit::lin_ucb: alpha must be finite and >= 0, got ", options.alpha));
        if (!(options.l2 > 0.0 && std::isfinite(options.l2)))
            throw argument_error(causalrec::cat("causalrec::bandit::lin_ucb: l2 must be finite and > 0, got ", options.l2));
        refresh_packed();
    }

    /// Number of actions.
    std::size_t n_actions() const noexcept { return arms_.actions; }
    /// Context dimension.
    std::size_t dim() const noexcept { return arms_.dim; }
    /// The options.
    const lin_ucb_options& options() const noexcept { return options_; }
    /// The per-action A^-1 and b.
    const linear_arms& arms() const noexcept { return arms_; }

    /// The upper confidence bound of every action for `context`.
    std::vector<double> upper_bounds(std::span<const double> context) const {
        detail::check_context(context, dim(), policy_name);
        std::vector<double> means(n_actions()), u;
        blas::gemv<double>(false, n_actions(), dim(), 1.0, arms_.theta.data(), dim(), context.data(), 0.0, means.data());
        if (options_.alpha == 0.0) return means;
        for (std::size_t a = 0; a < n_actions(); ++a) means[a] += options_.alpha * std::sqrt(std::max(arms_.solve(a, context, u), 0.0));
        return means;
    }

    /// The allowed action with the largest upper bound (exactly: the action upper_bounds ranks first).
    /// The widths are screened in single precision with a rigorous error bound, and only the actions
    /// whose bound interval reaches the best lower bound are evaluated again in double precision (see
    /// the class comment).
    choice choose(std::span<const double> context, std::span<const std::size_t> excluded = {}) {
        detail::check_context(context, dim(), policy_name);
        detail::allowed_actions(excluded, n_actions(), allowed_, policy_name);
        const std::size_t n = n_actions(), d = dim();
        scores_.resize(n);
        blas::gemv<double>(false, n, d, 1.0, arms_.theta.data(), d, context.data(), 0.0, scores_.data());
        if (options_.alpha == 0.0) return {detail::argmax_allowed(scores_, allowed_), 1.0};
        // w = the packed upper triangle of x x^T, off-diagonal entries doubled, in single precision.
        const std::size_t packed = d * (d + 1) / 2;
        w_.resize(packed);
        double sum2 = 0.0, sum4 = 0.0;
        for (std::size_t i = 0, k = 0; i < d; ++i) {
            const double xi = context[i], twice = 2.0 * xi;
            sum2 += xi * xi;
            sum4 += xi * xi * xi * xi;
            w_[k++] = static_cast<float>(xi * xi);
            for (std::size_t j = i + 1; j < d; ++j) w_[k++] = static_cast<float>(twice * context[j]);
        }
        quad_f_.resize(n);
        blas::gemv<float>(false, n, packed, 1.0f, packed_.data(), packed, w_.data(), 0.0f, quad_f_.data());
        // |float q - exact q| <= (gamma_P + 3u) |a'| |w'| (rounding of A^-1 and of w to float, and
        // the float dot product in any order), doubled for safety, with u = 2^-24, |w'| <= (1 + u) |w|
        // and |w|^2 = sum_i x_i^4 + 4 sum_{i<j} x_i^2 x_j^2 = 2 (sum x^2)^2 - sum x^4.
        const double u = 0x1p-24, bound = 2.0 * (static_cast<double>(packed) * u / (1.0 - static_cast<double>(packed) * u) + 3.0 * u);
        const double slack = bound * (1.0 + 2.0 * u) * std::sqrt(std::max(2.0 * sum2 * sum2 - sum4, 0.0));
        const double alpha = options_.alpha;
        low_.resize(n);
        for (std::size_t a = 0; a < n; ++a)
            low_[a] = scores_[a] + alpha * std::sqrt(std::max(static_cast<double>(quad_f_[a]) - slack * packed_norm_[a], 0.0));
        double best_low = -std::numeric_limits<double>::infinity();
        for (std::size_t a = 0; a < n; ++a)
            if (allowed_[a]) best_low = std::max(best_low, low_[a]);
        // Every action whose upper bound m + alpha sqrt(q + e) may reach the best lower bound, in
        // double precision (tested squared: alpha^2 (q + e) >= (best_low - m)^2 when best_low > m);
        // ties to the lower index.
        std::size_t best = n;
        double top = -std::numeric_limits<double>::infinity();
        for (std::size_t a = 0; a < n; ++a) {
            if (!allowed_[a]) continue;
            const double gap = best_low - scores_[a];
            if (gap > 0.0 && alpha * alpha * (static_cast<double>(quad_f_[a]) + slack * packed_norm_[a] + 1e-300) * (1.0 + 1e-12) < gap * gap) continue;
            const double score = scores_[a] + options_.alpha * std::sqrt(std::max(arms_.solve(a, context, u_), 0.0));
            if (best == n || score > top) top = score, best = a;
        }
        return {best, 1.0};
    }

    /// Forgets every observation (A = l2 I, b = 0 for every action); options and random states stay.
    void reset() {
        arms_ = linear_arms(n_actions(), dim(), options_.l2);
        refresh_packed();
    }

    /// Adds (context, reward) to `action`'s model.
    void update(std::span<const double> context, std::size_t action, double reward) {
        detail::check_context(context, dim(), policy_name);
        detail::check_action(action, n_actions(), policy_name);
        detail::check_reward(reward, policy_name);
        const double q = arms_.solve(action, context, u_);
        arms_.rank_one_downdate(action, u_, 1.0 / (1.0 + q));
        auto b = arms_.vector_of(action);
        for (std::size_t i = 0; i < dim(); ++i) b[i] += reward * context[i];
        arms_.refresh_theta(action);
        refresh_packed(action);
    }

    /// One-hot on the action choose() would take for `context` (nothing excluded).
    std::vector<double> action_probabilities(std::span<const double> context) const {
        const auto s = upper_bounds(context);
        std::vector<double> p(n_actions(), 0.0);
        p[detail::argmax_allowed(s, std::vector<char>(n_actions(), 1))] = 1.0;
        return p;
    }

    /// The policy as a policy file.
    io::tensor_file to_file() const {
        auto f = detail::begin_policy_file(policy_name);
        detail::write_number(f, "alpha", options_.alpha);
        detail::write_number(f, "l2", options_.l2);
        arms_.write(f);
        return f;
    }

    /// The policy of a policy file.
    static lin_ucb from_file(const io::tensor_file& f) {
        detail::check_policy_file(f, policy_name);
        const auto& t = f.at("inverse");
        if (t.shape.size() != 3) throw format_error("causalrec::bandit::lin_ucb: 'inverse' is not actions x d x d");
        lin_ucb p(t.shape[0], t.shape[1], {.alpha = detail::read_number(f, "alpha"), .l2 = detail::read_number(f, "l2")});
        p.arms_.read(f);
        p.refresh_packed();
        return p;
    }

private:
    /// The single-precision packed upper triangle of action a's A^-1 and its Euclidean norm (of the
    /// float values), which choose's screening reads.
    void refresh_packed(std::size_t a) {
        const std::size_t d = dim(), packed = d * (d + 1) / 2;
        const auto m = arms_.inverse_of(a);
        float* row = packed_.data() + a * packed;
        for (std::size_t i = 0, k = 0; i < d; ++i)
            for (std::size_t j = i; j < d; ++j) row[k++] = static_cast<float>(m[i * d + j]);
        double norm2[4] = {0.0, 0.0, 0.0, 0.0};
        for (std::size_t k = 0; k < packed; ++k) norm2[k & 3u] += static_cast<double>(row[k]) * static_cast<double>(row[k]);
        packed_norm_[a] = std::sqrt((norm2[0] + norm2[1]) + (norm2[2] + norm2[3]));
    }
    /// refresh_packed of every action.
    void refresh_packed() {
        packed_.assign(n_actions() * (dim() * (dim() + 1) / 2), 0.0f);
        packed_norm_.assign(n_actions(), 0.0);
        for (std::size_t a = 0; a < n_actions(); ++a) refresh_packed(a);
    }

    lin_ucb_options options_;
    linear_arms arms_;
    std::vector<float> packed_{}, w_{}, quad_f_{};  // single-precision screening copy of A^-1, x x^T, widths
    std::vector<double> packed_norm_{}, low_{};
    std::vector<double> scores_{}, u_{};
    std::vector<char> allowed_{};
};

/// Options of linear_thompson.
struct linear_thompson_options {
    double scale = 0.5;                    ///< v: the posterior of theta_a is N(A_a^-1 b_a, v^2 A_a^-1) (> 0)
    double l2 = 1.0;                       ///< ridge penalty: A starts as l2 I (> 0)
    std::size_t probability_draws = 100;   ///< draws that estimate the probabilities (0 = not estimated: NaN)
    std::uint64_t seed = 42;               ///< seed of the posterior draws
};

/// Linear Thompson sampling with disjoint models (Agrawal & Goyal 2013): each allowed action's score
/// for context x is drawn from its posterior predictive N(theta_a^T x, v^2 x^T A_a^-1 x) — the law of
/// x^T theta for theta ~ N(theta_a, v^2 A_a^-1), drawn without factorising A_a^-1 — and the largest
/// wins. Updates as LinUCB. Probabilities are estimated from probability_draws further draws.
class linear_thompson {
public:
    /// The policy's name in files and messages.
    static constexpr std::string_view policy_name = "linear_thompson";

    /// A policy over n_actions actions and contexts of `dim` values; raises argument_error for zero
    /// actions or dim, scale <= 0 or l2 <= 0.
    linear_thompson(std::size_t n_actions, std::size_t dim, linear_thompson_options options = {})
        : options_(options), arms_(n_actions, dim, options.l2 > 0.0 ? options.l2 : 1.0), engine_(options.seed),
          estimate_engine_(options.seed ^ 0x9E3779B97F4A7C15ULL) {
        detail::check_actions(n_actions, policy_name);
        if (dim == 0) throw argument_error("causalrec::bandit::linear_thompson: the context dimension must be >= 1");
        if (!(options.scale > 0.0 && std::isfinite(options.scale)))
            throw argument_error(causalrec::cat("causalrec::bandit::linear_thompson: scale must be finite and > 0, got ", options.scale));
        if (!(options.l2 > 0.0 && std::isfinite(options.l2)))
            throw argument_error(causalrec::cat("causalrec::bandit::linear_thompson: l2 must be finite and > 0, got ", options.l2));
    }

    /// Number of actions.
    std::size_t n_actions() const noexcept { return arms_.actions; }
    /// Context dimension.
    std::size_t dim() const noexcept { return arms_.dim; }
    /// The options.
    const linear_thompson_options& options() const noexcept { return options_; }
    /// The per-action A^-1 and b.
    const linear_arms& arms() const noexcept { return arms_; }

    /// Draws a score per allowed action and takes the largest.
    choice choose(std::span<const double> context, std::span<const std::size_t> excluded = {}) {
        detail::check_context(context, dim(), policy_name);
        detail::allowed_actions(excluded, n_actions(), scores_.allowed, policy_name);
        predictive(context, scores_, u_);
        const std::size_t action = scores_.draw(engine_);
        return {action, scores_.estimate(estimate_engine_, options_.probability_draws)[action]};
    }

    /// Forgets every observation (A = l2 I, b = 0 for every action); options and random states stay.
    void reset() { arms_ = linear_arms(n_actions(), dim(), options_.l2); }

    /// Adds (context, reward) to `action`'s model.
    void update(std::span<const double> context, std::size_t action, double reward) {
        detail::check_context(context, dim(), policy_name);
        detail::check_action(action, n_actions(), policy_name);
        detail::check_reward(reward, policy_name);
        const double q = arms_.solve(action, context, u_);
        arms_.rank_one_downdate(action, u_, 1.0 / (1.0 + q));
        auto b = arms_.vector_of(action);
        for (std::size_t i = 0; i < dim(); ++i) b[i] += reward * context[i];
        arms_.refresh_theta(action);
    }

    /// The estimated probability of each action for `context` (NaN when probability_draws is 0).
    std::vector<double> action_probabilities(std::span<const double> context) const {
        detail::check_context(context, dim(), policy_name);
        detail::gaussian_scores all;
        all.allowed.assign(n_actions(), 1);
        std::vector<double> work;
        predictive(context, all, work);
        return all.estimate(estimate_engine_, options_.probability_draws);
    }

    /// The policy as a policy file (options, models, random states).
    io::tensor_file to_file() const {
        auto f = detail::begin_policy_file(policy_name);
        detail::write_number(f, "scale", options_.scale);
        detail::write_number(f, "l2", options_.l2);
        f.metadata["probability_draws"] = std::to_string(options_.probability_draws);
        f.metadata["seed"] = std::to_string(options_.seed);
        arms_.write(f);
        detail::write_rng(f, "rng", engine_);
        detail::write_rng(f, "estimate_rng", estimate_engine_);
        return f;
    }

    /// The policy of a policy file: serving continues where the saved one stopped.
    static linear_thompson from_file(const io::tensor_file& f) {
        detail::check_policy_file(f, policy_name);
        const auto& t = f.at("inverse");
        if (t.shape.size() != 3) throw format_error("causalrec::bandit::linear_thompson: 'inverse' is not actions x d x d");
        linear_thompson p(t.shape[0], t.shape[1],
                          {.scale = detail::read_number(f, "scale"), .l2 = detail::read_number(f, "l2"),
                           .probability_draws = std::stoull(f.metadata.at("probability_draws")), .seed = std::stoull(f.metadata.at("seed"))});
        p.arms_.read(f);
        detail::read_rng(f, "rng", p.engine_);
        detail::read_rng(f, "estimate_rng", p.estimate_engine_);
        return p;
    }

private:
    /// The predictive mean and standard deviation of every allowed action's score for `context`.
    /// The score distribution of every action for `context` (`work`: a buffer).
    void predictive(std::span<const double> context, detail::gaussian_scores& scores, std::vector<double>& work) const {
        arms_.predict_all(context, arms_.theta, scores.mean, scores.sd, work);
        for (double& v : scores.sd) v = options_.scale * std::sqrt(std::max(v, 0.0));
    }

    linear_thompson_options options_;
    linear_arms arms_;
    rng engine_;
    mutable rng estimate_engine_;  // the probability estimates' own stream
    detail::gaussian_scores scores_{};
    std::vector<double> u_{};
};

/// Options of logistic_thompson.
struct logistic_thompson_options {
    double prior_variance = 1.0;           ///< the weights' prior N(0, prior_variance I) (> 0)
    std::size_t probability_draws = 100;   ///< draws that estimate the probabilities (0 = not estimated: NaN)
    std::uint64_t seed = 42;               ///< seed of the posterior draws
};

/// Logistic Thompson sampling (Chapelle & Li 2011) with disjoint models and binary rewards: each
/// action's weights have a Gaussian (Laplace) posterior N(m_a, S_a). An update with (x, y) moves to
/// the exact maximum of N(m_a, S_a) times the logistic likelihood — which lies on m_a + c S_a x, so
/// one scalar Newton solve finds it — and adds the likelihood's curvature p(1 - p) x x^T to S_a^-1 by
/// Sherman-Morrison. choose draws each allowed action's logit from N(m_a^T x, x^T S_a x) and takes the
/// largest (the sigmoid is monotone).
class logistic_thompson {
public:
    /// The policy's name in files and messages.
    static constexpr std::string_view policy_name = "logistic_thompson";

    /// A policy over n_actions actions and contexts of `dim` values; raises argument_error for zero
    /// actions or dim or a prior variance <= 0.
    logistic_thompson(std::size_t n_actions, std::size_t dim, logistic_thompson_options options = {})
        : options_(options), arms_(n_actions, dim, options.prior_variance > 0.0 ? 1.0 / options.prior_variance : 1.0),
          engine_(options.seed), estimate_engine_(options.seed ^ 0x9E3779B97F4A7C15ULL) {
        detail::check_actions(n_actions, policy_name);
        if (dim == 0) throw argument_error("causalrec::bandit::logistic_thompson: the context dimension must be >= 1");
        if (!(options.prior_variance > 0.0 && std::isfinite(options.prior_variance)))
            throw argument_error(causalrec::cat("causalrec::bandit::logistic_thompson: prior_variance must be finite and > 0, got ",
                                                options.prior_variance));
    }

    /// Number of actions.
    std::size_t n_actions() const noexcept { return arms_.actions; }
    /// Context dimension.
    std::size_t dim() const noexcept { return arms_.dim; }
    /// The options.
    const logistic_thompson_options& options() const noexcept { return options_; }
    /// Per action: the posterior covariance (as `inverse`) and mean (as `vector`).
    const linear_arms& arms() const noexcept { return arms_; }

    /// Draws a logit per allowed action and takes the largest.
    choice choose(std::span<const double> context, std::span<const std::size_t> excluded = {}) {
        detail::check_context(context, dim(), policy_name);
        detail::allowed_actions(excluded, n_actions(), scores_.allowed, policy_name);
        predictive(context, scores_, u_);
        const std::size_t action = scores_.draw(engine_);
        return {action, scores_.estimate(estimate_engine_, options_.probability_draws)[action]};
    }

    /// Adds (context, reward) to `action`'s posterior; raises argument_error for a reward outside [0, 1].
    void update(std::span<const double> context, std::size_t action, double reward) {
        detail::check_context(context, dim(), policy_name);
        detail::check_action(action, n_actions(), policy_name);
        if (!(reward >= 0.0 && reward <= 1.0))
            throw argument_error(causalrec::cat("causalrec::bandit::logistic_thompson::update: the reward must be in [0, 1], got ", reward));
        const double s = arms_.solve(action, context, u_);  // u = S x, s = x^T S x
        auto m = arms_.vector_of(action);
        double mx = 0.0;
        for (std::size_t i = 0; i < dim(); ++i) mx += m[i] * context[i];
        // The maximum lies at w = m - (sigmoid(z) - y) S x with z = w^T x: solve
        // g(z) = z - m^T x + s (sigmoid(z) - y) = 0 (g increasing) by Newton's method.
        double z = mx;
        for (int it = 0; it < 50; ++it) {
            const double p = causalrec::sigmoid(z);
            const double g = z - mx + s * (p - reward);
            const double step = g / (1.0 + s * p * (1.0 - p));
            z -= step;
            if (std::abs(step) < 1e-12 * (1.0 + std::abs(z))) break;
        }
        const double p = causalrec::sigmoid(z);
        for (std::size_t i = 0; i < dim(); ++i) m[i] -= (p - reward) * u_[i];
        const double w = p * (1.0 - p);
        arms_.rank_one_downdate(action, u_, w / (1.0 + w * s));
    }

    /// The estimated probability of each action for `context` (NaN when probability_draws is 0).
    std::vector<double> action_probabilities(std::span<const double> context) const {
        detail::check_context(context, dim(), policy_name);
        detail::gaussian_scores all;
        all.allowed.assign(n_actions(), 1);
        std::vector<double> work;
        predictive(context, all, work);
        return all.estimate(estimate_engine_, options_.probability_draws);
    }

    /// The policy as a policy file (options, posteriors, random states).
    io::tensor_file to_file() const {
        auto f = detail::begin_policy_file(policy_name);
        detail::write_number(f, "prior_variance", options_.prior_variance);
        f.metadata["probability_draws"] = std::to_string(options_.probability_draws);
        f.metadata["seed"] = std::to_string(options_.seed);
        arms_.write(f);
        detail::write_rng(f, "rng", engine_);
        detail::write_rng(f, "estimate_rng", estimate_engine_);
        return f;
    }

    /// The policy of a policy file: serving continues where the saved one stopped.
    static logistic_thompson from_file(const io::tensor_file& f) {
        detail::check_policy_file(f, policy_name);
        const auto& t = f.at("inverse");
        if (t.shape.size() != 3) throw format_error("causalrec::bandit::logistic_thompson: 'inverse' is not actions x d x d");
        logistic_thompson p(t.shape[0], t.shape[1],
                            {.prior_variance = detail::read_number(f, "prior_variance"),
                             .probability_draws = std::stoull(f.metadata.at("probability_draws")), .seed = std::stoull(f.metadata.at("seed"))});
        p.arms_.read(f);
        detail::read_rng(f, "rng", p.engine_);
        detail::read_rng(f, "estimate_rng", p.estimate_engine_);
        return p;
    }

private:
    /// The logit distribution of every action for `context` (`work`: a buffer).
    void predictive(std::span<const double> context, detail::gaussian_scores& scores, std::vector<double>& work) const {
        arms_.predict_all(context, arms_.vector, scores.mean, scores.sd, work);
        for (double& v : scores.sd) v = std::sqrt(std::max(v, 0.0));
    }

    logistic_thompson_options options_;
    linear_arms arms_;
    rng engine_;
    mutable rng estimate_engine_;  // the probability estimates' own stream
    detail::gaussian_scores scores_{};
    std::vector<double> u_{};
};

}  // namespace causalrec::bandit
