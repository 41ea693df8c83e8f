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
    double solve(std::size_t a, std::span<const double> x, std::vector<double>& u) const;
    /// A^-1 <- A^-1 - c u u^T (Sherman-Morrison with u = A^-1 x and c = w / (1 + w x^T A^-1 x)),
    /// the same value subtracted from (i, j) and (j, i): the matrix stays exactly symmetric.
    void rank_one_downdate(std::size_t a, const std::vector<double>& u, double c);
    /// <A^-1 b, x> for action a (the ridge estimate's prediction); u receives A^-1 b.
    double mean_prediction(std::size_t a, std::span<const double> x, std::vector<double>& u) const;
    /// theta_a = A_a^-1 b_a after action a's A^-1 or b changed.
    void refresh_theta(std::size_t a) {
        blas::gemv<double>(false, dim, dim, 1.0, inverse.data() + a * dim * dim, dim, vector.data() + a * dim, 0.0, theta.data() + a * dim);
    }

    /// For every action: means[a] = <weights_a, x> (weights: theta or vector, actions x d) and
    /// quad[a] = x^T M_a x with M_a the action's `inverse` block, as <vec(M_a), vec(x x^T)> — two BLAS
    /// matrix-vector products over all actions at once, with long rows (`work` holds x x^T).
    void predict_all(std::span<const double> x, const std::vector<double>& weights, std::vector<double>& means, std::vector<double>& quad,
                     std::vector<double>& work) const;

    /// Writes the arms into a policy file.
    void write(io::tensor_file& f) const {
        f.add<double>("inverse", std::span<const double>(inverse), {actions, dim, dim});
        f.add<double>("vector", std::span<const double>(vector), {actions, dim});
    }
    /// Reads n actions of dimension d from a policy file; raises format_error on a size mismatch.
    void read(const io::tensor_file& f);
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
    std::size_t draw(rng& engine) const;

    /// The share of `draws` repeated draws each action wins (NaN for every action when draws = 0).
    std::vector<double> estimate(rng& engine, std::size_t draws) const;
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
    lin_ucb(std::size_t n_actions, std::size_t dim, lin_ucb_options options = {});

    /// Number of actions.
    std::size_t n_actions() const noexcept { return arms_.actions; }
    /// Context dimension.
    std::size_t dim() const noexcept { return arms_.dim; }
    /// The options.
    const lin_ucb_options& options() const noexcept { return options_; }
    /// The per-action A^-1 and b.
    const linear_arms& arms() const noexcept { return arms_; }

    /// The upper confidence bound of every action for `context`.
    std::vector<double> upper_bounds(std::span<const double> context) const;

    /// The allowed action with the largest upper bound (exactly: the action upper_bounds ranks first).
    /// The widths are screened in single precision with a rigorous error bound, and only the actions
    /// whose bound interval reaches the best lower bound are evaluated again in double precision (see
    /// the class comment).
    choice choose(std::span<const double> context, std::span<const std::size_t> excluded = {});

    /// Forgets every observation (A = l2 I, b = 0 for every action); options and random states stay.
    void reset() {
        arms_ = linear_arms(n_actions(), dim(), options_.l2);
        refresh_packed();
    }

    /// Adds (context, reward) to `action`'s model.
    void update(std::span<const double> context, std::size_t action, double reward);

    /// One-hot on the action choose() would take for `context` (nothing excluded).
    std::vector<double> action_probabilities(std::span<const double> context) const;

    /// The policy as a policy file.
    io::tensor_file to_file() const;

    /// The policy of a policy file.
    static lin_ucb from_file(const io::tensor_file& f);

private:
    /// The single-precision packed upper triangle of action a's A^-1 and its Euclidean norm (of the
    /// float values), which choose's screening reads.
    void refresh_packed(std::size_t a);
    /// refresh_packed of every action.
    void refresh_packed();

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
    linear_thompson(std::size_t n_actions, std::size_t dim, linear_thompson_options options = {});

    /// Number of actions.
    std::size_t n_actions() const noexcept { return arms_.actions; }
    /// Context dimension.
    std::size_t dim() const noexcept { return arms_.dim; }
    /// The options.
    const linear_thompson_options& options() const noexcept { return options_; }
    /// The per-action A^-1 and b.
    const linear_arms& arms() const noexcept { return arms_; }

    /// Draws a score per allowed action and takes the largest.
    choice choose(std::span<const double> context, std::span<const std::size_t> excluded = {});

    /// Forgets every observation (A = l2 I, b = 0 for every action); options and random states stay.
    void reset() { arms_ = linear_arms(n_actions(), dim(), options_.l2); }

    /// Adds (context, reward) to `action`'s model.
    void update(std::span<const double> context, std::size_t action, double reward);

    /// The estimated probability of each action for `context` (NaN when probability_draws is 0).
    std::vector<double> action_probabilities(std::span<const double> context) const;

    /// The policy as a policy file (options, models, random states).
    io::tensor_file to_file() const;

    /// The policy of a policy file: serving continues where the saved one stopped.
    static linear_thompson from_file(const io::tensor_file& f);

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
    logistic_thompson(std::size_t n_actions, std::size_t dim, logistic_thompson_options options = {});

    /// Number of actions.
    std::size_t n_actions() const noexcept { return arms_.actions; }
    /// Context dimension.
    std::size_t dim() const noexcept { return arms_.dim; }
    /// The options.
    const logistic_thompson_options& options() const noexcept { return options_; }
    /// Per action: the posterior covariance (as `inverse`) and mean (as `vector`).
    const linear_arms& arms() const noexcept { return arms_; }

    /// Draws a logit per allowed action and takes the largest.
    choice choose(std::span<const double> context, std::span<const std::size_t> excluded = {});

    /// Adds (context, reward) to `action`'s posterior; raises argument_error for a reward outside [0, 1].
    void update(std::span<const double> context, std::size_t action, double reward);

    /// The estimated probability of each action for `context` (NaN when probability_draws is 0).
    std::vector<double> action_probabilities(std::span<const double> context) const;

    /// The policy as a policy file (options, posteriors, random states).
    io::tensor_file to_file() const;

    /// The policy of a policy file: serving continues where the saved one stopped.
    static logistic_thompson from_file(const io::tensor_file& f);

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

#if CAUSALREC_HEADER_ONLY
#include "impl/linear.hpp"
#endif
