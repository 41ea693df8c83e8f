#pragma once
/// @file
/// Definitions of the non-template functions declared in bandit/multi_armed.hpp (the multi-armed policies): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../multi_armed.hpp"

namespace causalrec::bandit {

CAUSALREC_INLINE auto arm_statistics::means(double initial) const -> std::vector<double> {
    std::vector<double> m(pulls.size());
    for (std::size_t a = 0; a < m.size(); ++a) m[a] = pulls[a] > 0.0 ? rewards[a] / pulls[a] : initial;
    return m;
}

CAUSALREC_INLINE auto arm_statistics::read(const io::tensor_file& f, std::size_t n) -> arm_statistics {
    arm_statistics s;
    s.pulls = f.get_values<double>("pulls");
    s.rewards = f.get_values<double>("rewards");
    if (s.pulls.size() != n || s.rewards.size() != n)
        throw format_error(causalrec::cat("causalrec::bandit: the policy file's statistics do not have ", n, " actions"));
    return s;
}

}  // namespace causalrec::bandit

namespace causalrec::bandit {

CAUSALREC_INLINE epsilon_greedy::epsilon_greedy(std::size_t n_actions, epsilon_greedy_options options) : options_(options), stats_(n_actions), engine_(options.seed) {
    detail::check_actions(n_actions, policy_name);
    if (!(options.epsilon >= 0.0 && options.epsilon <= 1.0))
        throw argument_error(causalrec::cat("causalrec::bandit::epsilon_greedy: epsilon must be in [0, 1], got ", options.epsilon));
}

CAUSALREC_INLINE auto epsilon_greedy::update(std::span<const double> /*context*/, std::size_t action, double reward) -> void {
    detail::check_action(action, n_actions(), policy_name);
    detail::check_reward(reward, policy_name);
    stats_.add(action, reward);
}

CAUSALREC_INLINE auto epsilon_greedy::action_probabilities(std::span<const double> /*context*/) const -> std::vector<double> {
    const auto means = stats_.means(options_.initial_value);
    std::vector<char> all(n_actions(), 1);
    std::vector<double> p(n_actions(), options_.epsilon / static_cast<double>(n_actions()));
    p[detail::argmax_allowed(means, all)] += 1.0 - options_.epsilon;
    return p;
}

CAUSALREC_INLINE auto epsilon_greedy::to_file() const -> io::tensor_file {
    auto f = detail::begin_policy_file(policy_name);
    detail::write_number(f, "epsilon", options_.epsilon);
    detail::write_number(f, "initial_value", options_.initial_value);
    f.metadata["seed"] = std::to_string(options_.seed);
    stats_.write(f);
    detail::write_rng(f, "rng", engine_);
    return f;
}

CAUSALREC_INLINE auto epsilon_greedy::from_file(const io::tensor_file& f) -> epsilon_greedy {
    detail::check_policy_file(f, policy_name);
    const auto n = f.get_values<double>("pulls").size();
    epsilon_greedy p(n, {.epsilon = detail::read_number(f, "epsilon"), .initial_value = detail::read_number(f, "initial_value"),
                         .seed = std::stoull(f.metadata.at("seed"))});
    p.stats_ = arm_statistics::read(f, n);
    detail::read_rng(f, "rng", p.engine_);
    return p;
}

}  // namespace causalrec::bandit

namespace causalrec::bandit {

CAUSALREC_INLINE softmax::softmax(std::size_t n_actions, softmax_options options) : options_(options), stats_(n_actions), engine_(options.seed) {
    detail::check_actions(n_actions, policy_name);
    if (!(options.temperature > 0.0 && std::isfinite(options.temperature)))
        throw argument_error(causalrec::cat("causalrec::bandit::softmax: temperature must be finite and > 0, got ", options.temperature));
}

CAUSALREC_INLINE auto softmax::choose(std::span<const double> /*context*/, std::span<const std::size_t> excluded) -> choice {
    detail::allowed_actions(excluded, n_actions(), allowed_, policy_name);
    const auto p = probabilities(allowed_);
    double u = engine_.uniform();
    std::size_t last = 0;
    for (std::size_t a = 0; a < p.size(); ++a) {
        if (!allowed_[a]) continue;
        last = a;
        if (u < p[a]) return {a, p[a]};
        u -= p[a];
    }
    return {last, p[last]};  // rounding left u just above the total
}

CAUSALREC_INLINE auto softmax::update(std::span<const double> /*context*/, std::size_t action, double reward) -> void {
    detail::check_action(action, n_actions(), policy_name);
    detail::check_reward(reward, policy_name);
    stats_.add(action, reward);
}

CAUSALREC_INLINE auto softmax::to_file() const -> io::tensor_file {
    auto f = detail::begin_policy_file(policy_name);
    detail::write_number(f, "temperature", options_.temperature);
    detail::write_number(f, "initial_value", options_.initial_value);
    f.metadata["seed"] = std::to_string(options_.seed);
    stats_.write(f);
    detail::write_rng(f, "rng", engine_);
    return f;
}

CAUSALREC_INLINE auto softmax::from_file(const io::tensor_file& f) -> softmax {
    detail::check_policy_file(f, policy_name);
    const auto n = f.get_values<double>("pulls").size();
    softmax p(n, {.temperature = detail::read_number(f, "temperature"), .initial_value = detail::read_number(f, "initial_value"),
                  .seed = std::stoull(f.metadata.at("seed"))});
    p.stats_ = arm_statistics::read(f, n);
    detail::read_rng(f, "rng", p.engine_);
    return p;
}

CAUSALREC_INLINE auto softmax::probabilities(const std::vector<char>& allowed) const -> std::vector<double> {
    const auto means = stats_.means(options_.initial_value);
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t a = 0; a < means.size(); ++a)
        if (allowed[a]) top = std::max(top, means[a]);
    std::vector<double> p(means.size(), 0.0);
    double total = 0.0;
    for (std::size_t a = 0; a < means.size(); ++a)
        if (allowed[a]) total += p[a] = std::exp((means[a] - top) / options_.temperature);
    for (double& v : p) v /= total;
    return p;
}

}  // namespace causalrec::bandit

namespace causalrec::bandit {

CAUSALREC_INLINE auto ucb1::update(std::span<const double> /*context*/, std::size_t action, double reward) -> void {
    detail::check_action(action, n_actions(), policy_name);
    detail::check_reward(reward, policy_name);
    stats_.add(action, reward);
}

CAUSALREC_INLINE auto ucb1::action_probabilities(std::span<const double> /*context*/) const -> std::vector<double> {
    std::vector<double> p(n_actions(), 0.0);
    p[best(std::vector<char>(n_actions(), 1))] = 1.0;
    return p;
}

CAUSALREC_INLINE auto ucb1::to_file() const -> io::tensor_file {
    auto f = detail::begin_policy_file(policy_name);
    stats_.write(f);
    return f;
}

CAUSALREC_INLINE auto ucb1::from_file(const io::tensor_file& f) -> ucb1 {
    detail::check_policy_file(f, policy_name);
    const auto n = f.get_values<double>("pulls").size();
    ucb1 p(n);
    p.stats_ = arm_statistics::read(f, n);
    return p;
}

CAUSALREC_INLINE auto ucb1::best(const std::vector<char>& allowed) const -> std::size_t {
    double t = 0.0;
    for (double n : stats_.pulls) t += n;
    std::vector<double> index(n_actions());
    for (std::size_t a = 0; a < n_actions(); ++a) {
        if (allowed[a] && stats_.pulls[a] == 0.0) return a;  // every action once first
        index[a] = stats_.rewards[a] / stats_.pulls[a] + std::sqrt(2.0 * std::log(t) / stats_.pulls[a]);
    }
    return detail::argmax_allowed(index, allowed);
}

}  // namespace causalrec::bandit

namespace causalrec::bandit {

CAUSALREC_INLINE bernoulli_thompson::bernoulli_thompson(std::size_t n_actions, bernoulli_thompson_options options) : options_(options), alpha_(n_actions, options.prior_alpha), beta_(n_actions, options.prior_beta), engine_(options.seed), estimate_engine_(options.seed ^ 0x9E3779B97F4A7C15ULL) {
    detail::check_actions(n_actions, policy_name);
    if (!(options.prior_alpha > 0.0 && options.prior_beta > 0.0))
        throw argument_error(causalrec::cat("causalrec::bandit::bernoulli_thompson: the Beta prior needs alpha, beta > 0, got ",
                                            options.prior_alpha, ", ", options.prior_beta));
}

CAUSALREC_INLINE auto bernoulli_thompson::choose(std::span<const double> /*context*/, std::span<const std::size_t> excluded) -> choice {
    detail::allowed_actions(excluded, n_actions(), allowed_, policy_name);
    const std::size_t action = draw(engine_, allowed_);
    return {action, estimate(allowed_)[action]};
}

CAUSALREC_INLINE auto bernoulli_thompson::update(std::span<const double> /*context*/, std::size_t action, double reward) -> void {
    detail::check_action(action, n_actions(), policy_name);
    if (!(reward >= 0.0 && reward <= 1.0))
        throw argument_error(causalrec::cat("causalrec::bandit::bernoulli_thompson::update: the reward must be in [0, 1], got ", reward));
    alpha_[action] += reward;
    beta_[action] += 1.0 - reward;
}

CAUSALREC_INLINE auto bernoulli_thompson::to_file() const -> io::tensor_file {
    auto f = detail::begin_policy_file(policy_name);
    detail::write_number(f, "prior_alpha", options_.prior_alpha);
    detail::write_number(f, "prior_beta", options_.prior_beta);
    f.metadata["probability_draws"] = std::to_string(options_.probability_draws);
    f.metadata["seed"] = std::to_string(options_.seed);
    f.add<double>("alpha", std::span<const double>(alpha_), {alpha_.size()});
    f.add<double>("beta", std::span<const double>(beta_), {beta_.size()});
    detail::write_rng(f, "rng", engine_);
    detail::write_rng(f, "estimate_rng", estimate_engine_);
    return f;
}

CAUSALREC_INLINE auto bernoulli_thompson::from_file(const io::tensor_file& f) -> bernoulli_thompson {
    detail::check_policy_file(f, policy_name);
    auto alpha = f.get_values<double>("alpha");
    auto beta = f.get_values<double>("beta");
    if (alpha.size() != beta.size()) throw format_error("causalrec::bandit::bernoulli_thompson: alpha and beta differ in length");
    bernoulli_thompson p(alpha.size(), {.prior_alpha = detail::read_number(f, "prior_alpha"), .prior_beta = detail::read_number(f, "prior_beta"),
                                        .probability_draws = std::stoull(f.metadata.at("probability_draws")),
                                        .seed = std::stoull(f.metadata.at("seed"))});
    p.alpha_ = std::move(alpha);
    p.beta_ = std::move(beta);
    detail::read_rng(f, "rng", p.engine_);
    detail::read_rng(f, "estimate_rng", p.estimate_engine_);
    return p;
}

CAUSALREC_INLINE auto bernoulli_thompson::draw(rng& engine, const std::vector<char>& allowed) const -> std::size_t {
    std::size_t best = n_actions();
    double top = -1.0;
    for (std::size_t a = 0; a < n_actions(); ++a) {
        if (!allowed[a]) continue;
        const double theta = engine.beta(alpha_[a], beta_[a]);
        if (theta > top) top = theta, best = a;
    }
    return best;
}

CAUSALREC_INLINE auto bernoulli_thompson::estimate(const std::vector<char>& allowed) const -> std::vector<double> {
    std::vector<double> p(n_actions(), options_.probability_draws == 0 ? std::numeric_limits<double>::quiet_NaN() : 0.0);
    if (options_.probability_draws == 0) return p;
    for (std::size_t s = 0; s < options_.probability_draws; ++s) p[draw(estimate_engine_, allowed)] += 1.0;
    for (double& v : p) v /= static_cast<double>(options_.probability_draws);
    return p;
}

}  // namespace causalrec::bandit
