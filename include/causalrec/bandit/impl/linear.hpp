#pragma once
/// @file
/// Definitions of the non-template functions declared in bandit/linear.hpp (the linear contextual policies): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../linear.hpp"

namespace causalrec::bandit {

CAUSALREC_INLINE auto linear_arms::solve(std::size_t a, std::span<const double> x, std::vector<double>& u) const -> double {
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

CAUSALREC_INLINE auto linear_arms::rank_one_downdate(std::size_t a, const std::vector<double>& u, double c) -> void {
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

CAUSALREC_INLINE auto linear_arms::mean_prediction(std::size_t a, std::span<const double> x, std::vector<double>& u) const -> double {
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

CAUSALREC_INLINE auto linear_arms::predict_all(std::span<const double> x, const std::vector<double>& weights, std::vector<double>& means, std::vector<double>& quad, std::vector<double>& work) const -> void {
    means.resize(actions);
    quad.resize(actions);
    work.resize(dim * dim);
    for (std::size_t i = 0; i < dim; ++i)
        for (std::size_t j = 0; j < dim; ++j) work[i * dim + j] = x[i] * x[j];
    blas::gemv<double>(false, actions, dim, 1.0, weights.data(), dim, x.data(), 0.0, means.data());
    blas::gemv<double>(false, actions, dim * dim, 1.0, inverse.data(), dim * dim, work.data(), 0.0, quad.data());
}

CAUSALREC_INLINE auto linear_arms::read(const io::tensor_file& f) -> void {
    auto m = f.get_values<double>("inverse");
    auto v = f.get_values<double>("vector");
    if (m.size() != inverse.size() || v.size() != vector.size())
        throw format_error(causalrec::cat("causalrec::bandit: the policy file's linear models are not ", actions, " x ", dim));
    inverse = std::move(m);
    vector = std::move(v);
    for (std::size_t a = 0; a < actions; ++a) refresh_theta(a);
}

}  // namespace causalrec::bandit

namespace causalrec::bandit {
namespace detail {

CAUSALREC_INLINE auto gaussian_scores::draw(rng& engine) const -> std::size_t {
    std::size_t best = mean.size();
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t a = 0; a < mean.size(); ++a) {
        if (!allowed[a]) continue;
        const double s = mean[a] + sd[a] * engine.normal();
        if (best == mean.size() || s > top) top = s, best = a;
    }
    return best;
}

CAUSALREC_INLINE auto gaussian_scores::estimate(rng& engine, std::size_t draws) const -> std::vector<double> {
    std::vector<double> p(mean.size(), draws == 0 ? std::numeric_limits<double>::quiet_NaN() : 0.0);
    if (draws == 0) return p;
    for (std::size_t s = 0; s < draws; ++s) p[draw(engine)] += 1.0;
    for (double& v : p) v /= static_cast<double>(draws);
    return p;
}

}  // namespace detail
}  // namespace causalrec::bandit

namespace causalrec::bandit {

CAUSALREC_INLINE lin_ucb::lin_ucb(std::size_t n_actions, std::size_t dim, lin_ucb_options options) : options_(options), arms_(n_actions, dim, options.l2 > 0.0 ? options.l2 : 1.0) {
    detail::check_actions(n_actions, policy_name);
    if (dim == 0) throw argument_error("causalrec::bandit::lin_ucb: the context dimension must be >= 1");
    if (!(options.alpha >= 0.0 && std::isfinite(options.alpha)))
        throw argument_error(causalrec::cat("causalrec::bandit::lin_ucb: alpha must be finite and >= 0, got ", options.alpha));
    if (!(options.l2 > 0.0 && std::isfinite(options.l2)))
        throw argument_error(causalrec::cat("causalrec::bandit::lin_ucb: l2 must be finite and > 0, got ", options.l2));
    refresh_packed();
}

CAUSALREC_INLINE auto lin_ucb::upper_bounds(std::span<const double> context) const -> std::vector<double> {
    detail::check_context(context, dim(), policy_name);
    std::vector<double> means(n_actions()), u;
    blas::gemv<double>(false, n_actions(), dim(), 1.0, arms_.theta.data(), dim(), context.data(), 0.0, means.data());
    if (options_.alpha == 0.0) return means;
    for (std::size_t a = 0; a < n_actions(); ++a) means[a] += options_.alpha * std::sqrt(std::max(arms_.solve(a, context, u), 0.0));
    return means;
}

CAUSALREC_INLINE auto lin_ucb::choose(std::span<const double> context, std::span<const std::size_t> excluded) -> choice {
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

CAUSALREC_INLINE auto lin_ucb::update(std::span<const double> context, std::size_t action, double reward) -> void {
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

CAUSALREC_INLINE auto lin_ucb::action_probabilities(std::span<const double> context) const -> std::vector<double> {
    const auto s = upper_bounds(context);
    std::vector<double> p(n_actions(), 0.0);
    p[detail::argmax_allowed(s, std::vector<char>(n_actions(), 1))] = 1.0;
    return p;
}

CAUSALREC_INLINE auto lin_ucb::to_file() const -> io::tensor_file {
    auto f = detail::begin_policy_file(policy_name);
    detail::write_number(f, "alpha", options_.alpha);
    detail::write_number(f, "l2", options_.l2);
    arms_.write(f);
    return f;
}

CAUSALREC_INLINE auto lin_ucb::from_file(const io::tensor_file& f) -> lin_ucb {
    detail::check_policy_file(f, policy_name);
    const auto& t = f.at("inverse");
    if (t.shape.size() != 3) throw format_error("causalrec::bandit::lin_ucb: 'inverse' is not actions x d x d");
    lin_ucb p(t.shape[0], t.shape[1], {.alpha = detail::read_number(f, "alpha"), .l2 = detail::read_number(f, "l2")});
    p.arms_.read(f);
    p.refresh_packed();
    return p;
}

CAUSALREC_INLINE auto lin_ucb::refresh_packed(std::size_t a) -> void {
    const std::size_t d = dim(), packed = d * (d + 1) / 2;
    const auto m = arms_.inverse_of(a);
    float* row = packed_.data() + a * packed;
    for (std::size_t i = 0, k = 0; i < d; ++i)
        for (std::size_t j = i; j < d; ++j) row[k++] = static_cast<float>(m[i * d + j]);
    double norm2[4] = {0.0, 0.0, 0.0, 0.0};
    for (std::size_t k = 0; k < packed; ++k) norm2[k & 3u] += static_cast<double>(row[k]) * static_cast<double>(row[k]);
    packed_norm_[a] = std::sqrt((norm2[0] + norm2[1]) + (norm2[2] + norm2[3]));
}

CAUSALREC_INLINE auto lin_ucb::refresh_packed() -> void {
    packed_.assign(n_actions() * (dim() * (dim() + 1) / 2), 0.0f);
    packed_norm_.assign(n_actions(), 0.0);
    for (std::size_t a = 0; a < n_actions(); ++a) refresh_packed(a);
}

}  // namespace causalrec::bandit

namespace causalrec::bandit {

CAUSALREC_INLINE linear_thompson::linear_thompson(std::size_t n_actions, std::size_t dim, linear_thompson_options options) : options_(options), arms_(n_actions, dim, options.l2 > 0.0 ? options.l2 : 1.0), engine_(options.seed), estimate_engine_(options.seed ^ 0x9E3779B97F4A7C15ULL) {
    detail::check_actions(n_actions, policy_name);
    if (dim == 0) throw argument_error("causalrec::bandit::linear_thompson: the context dimension must be >= 1");
    if (!(options.scale > 0.0 && std::isfinite(options.scale)))
        throw argument_error(causalrec::cat("causalrec::bandit::linear_thompson: scale must be finite and > 0, got ", options.scale));
    if (!(options.l2 > 0.0 && std::isfinite(options.l2)))
        throw argument_error(causalrec::cat("causalrec::bandit::linear_thompson: l2 must be finite and > 0, got ", options.l2));
}

CAUSALREC_INLINE auto linear_thompson::choose(std::span<const double> context, std::span<const std::size_t> excluded) -> choice {
    detail::check_context(context, dim(), policy_name);
    detail::allowed_actions(excluded, n_actions(), scores_.allowed, policy_name);
    predictive(context, scores_, u_);
    const std::size_t action = scores_.draw(engine_);
    return {action, scores_.estimate(estimate_engine_, options_.probability_draws)[action]};
}

CAUSALREC_INLINE auto linear_thompson::update(std::span<const double> context, std::size_t action, double reward) -> void {
    detail::check_context(context, dim(), policy_name);
    detail::check_action(action, n_actions(), policy_name);
    detail::check_reward(reward, policy_name);
    const double q = arms_.solve(action, context, u_);
    arms_.rank_one_downdate(action, u_, 1.0 / (1.0 + q));
    auto b = arms_.vector_of(action);
    for (std::size_t i = 0; i < dim(); ++i) b[i] += reward * context[i];
    arms_.refresh_theta(action);
}

CAUSALREC_INLINE auto linear_thompson::action_probabilities(std::span<const double> context) const -> std::vector<double> {
    detail::check_context(context, dim(), policy_name);
    detail::gaussian_scores all;
    all.allowed.assign(n_actions(), 1);
    std::vector<double> work;
    predictive(context, all, work);
    return all.estimate(estimate_engine_, options_.probability_draws);
}

CAUSALREC_INLINE auto linear_thompson::to_file() const -> io::tensor_file {
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

CAUSALREC_INLINE auto linear_thompson::from_file(const io::tensor_file& f) -> linear_thompson {
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

}  // namespace causalrec::bandit

namespace causalrec::bandit {

CAUSALREC_INLINE logistic_thompson::logistic_thompson(std::size_t n_actions, std::size_t dim, logistic_thompson_options options) : options_(options), arms_(n_actions, dim, options.prior_variance > 0.0 ? 1.0 / options.prior_variance : 1.0), engine_(options.seed), estimate_engine_(options.seed ^ 0x9E3779B97F4A7C15ULL) {
    detail::check_actions(n_actions, policy_name);
    if (dim == 0) throw argument_error("causalrec::bandit::logistic_thompson: the context dimension must be >= 1");
    if (!(options.prior_variance > 0.0 && std::isfinite(options.prior_variance)))
        throw argument_error(causalrec::cat("causalrec::bandit::logistic_thompson: prior_variance must be finite and > 0, got ",
                                            options.prior_variance));
}

CAUSALREC_INLINE auto logistic_thompson::choose(std::span<const double> context, std::span<const std::size_t> excluded) -> choice {
    detail::check_context(context, dim(), policy_name);
    detail::allowed_actions(excluded, n_actions(), scores_.allowed, policy_name);
    predictive(context, scores_, u_);
    const std::size_t action = scores_.draw(engine_);
    return {action, scores_.estimate(estimate_engine_, options_.probability_draws)[action]};
}

CAUSALREC_INLINE auto logistic_thompson::update(std::span<const double> context, std::size_t action, double reward) -> void {
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

CAUSALREC_INLINE auto logistic_thompson::action_probabilities(std::span<const double> context) const -> std::vector<double> {
    detail::check_context(context, dim(), policy_name);
    detail::gaussian_scores all;
    all.allowed.assign(n_actions(), 1);
    std::vector<double> work;
    predictive(context, all, work);
    return all.estimate(estimate_engine_, options_.probability_draws);
}

CAUSALREC_INLINE auto logistic_thompson::to_file() const -> io::tensor_file {
    auto f = detail::begin_policy_file(policy_name);
    detail::write_number(f, "prior_variance", options_.prior_variance);
    f.metadata["probability_draws"] = std::to_string(options_.probability_draws);
    f.metadata["seed"] = std::to_string(options_.seed);
    arms_.write(f);
    detail::write_rng(f, "rng", engine_);
    detail::write_rng(f, "estimate_rng", estimate_engine_);
    return f;
}

CAUSALREC_INLINE auto logistic_thompson::from_file(const io::tensor_file& f) -> logistic_thompson {
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

}  // namespace causalrec::bandit
