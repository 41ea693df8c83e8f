#pragma once
/// @file
/// Policies that keep one reward estimate per action and ignore the context: epsilon-greedy, softmax
/// (Boltzmann exploration), UCB1 (Auer et al. 2002) and Bernoulli Thompson sampling (Beta posteriors).
/// Each is seeded, reports the probability of what it chose, and saves to / loads from a policy file.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/rng.hpp"
#include "../io/safetensors.hpp"
#include "concepts.hpp"
#include "detail/common.hpp"

namespace causalrec::bandit {

/// Per-action counts and reward sums: what the non-contextual policies learn.
struct arm_statistics {
    std::vector<double> pulls{};    ///< number of updates of each action
    std::vector<double> rewards{};  ///< sum of the rewards of each action

    /// Statistics of n actions, all zero.
    explicit arm_statistics(std::size_t n = 0) : pulls(n, 0.0), rewards(n, 0.0) {}
    /// The mean reward of each action (`initial` for an action never updated).
    std::vector<double> means(double initial) const {
        std::vector<double> m(pulls.size());
        for (std::size_t a = 0; a < m.size(); ++a) m[a] = pulls[a] > 0.0 ? rewards[a] / pulls[a] : initial;
        return m;
    }
    /// Adds one reward of `action`.
    void add(std::size_t action, double reward) {
        pulls[action] += 1.0;
        rewards[action] += reward;
    }
    /// Writes the statistics into a policy file.
    void write(io::tensor_file& f) const {
        f.add<double>("pulls", std::span<const double>(pulls), {pulls.size()});
        f.add<double>("rewards", std::span<const double>(rewards), {rewards.size()});
    }
    /// Reads the statistics of n actions from a policy file; raises format_error on a size mismatch.
    static arm_statistics read(const io::tensor_file& f, std::size_t n) {
        arm_statistics s;
        s.pulls = f.get_values<double>("pulls");
        s.rewards = f.get_values<double>("rewards");
        if (s.pulls.size() != n || s.rewards.size() != n)
            throw format_error(causalrec::cat("causalrec::bandit: the policy file's statistics do not have ", n, " actions"));
        return s;
    }
};

/// Options of epsilon_greedy.
struct epsilon_greedy_options {
    double epsilon = 0.1;         ///< probability of a uniformly random (allowed) action, in [0, 1]
    double initial_value = 0.0;   ///< estimate of an action never updated
    std::uint64_t seed = 42;      ///< seed of the exploration
};

/// Epsilon-greedy: the action with the best mean reward (ties to the lower index) with probability
/// 1 - epsilon, else a uniformly random allowed action; the probability of action a is
/// epsilon / m + (1 - epsilon) [a is the greedy one] over the m allowed actions.
class epsilon_greedy {
public:
    /// The policy's name in files and messages.
    static constexpr std::string_view policy_name = "epsilon_greedy";

    /// A policy over n_actions actions; raises argument_error for n_actions = 0 or epsilon outside [0, 1].
    explicit epsilon_greedy(std::size_t n_actions, epsilon_greedy_options options = {})
        : options_(options), stats_(n_actions), engine_(options.seed) {
        detail::check_actions(n_actions, policy_name);
        if (!(options.epsilon >= 0.0 && options.epsilon <= 1.0))
            throw argument_error(causalrec::cat("causalrec::bandit::epsilon_greedy: epsilon must be in [0, 1], got ", options.epsilon));
    }

    /// Number of actions.
    std::size_t n_actions() const noexcept { return stats_.pulls.size(); }
    /// The options.
    const epsilon_greedy_options& options() const noexcept { return options_; }
    /// The learned statistics.
    const arm_statistics& statistics() const noexcept { return stats_; }

    /// Chooses an action outside `excluded` (the context is ignored).
    choice choose(std::span<const double> /*context*/ = {}, std::span<const std::size_t> excluded = {}) {
        const std::size_t m = detail::allowed_actions(excluded, n_actions(), allowed_, policy_name);
        return detail::epsilon_greedy_choice(stats_.means(options_.initial_value), allowed_, m, options_.epsilon, engine_);
    }

    /// Learns the reward of `action`.
    void update(std::span<const double> /*context*/, std::size_t action, double reward) {
        detail::check_action(action, n_actions(), policy_name);
        detail::check_reward(reward, policy_name);
        stats_.add(action, reward);
    }

    /// The probability of each action now (nothing excluded).
    std::vector<double> action_probabilities(std::span<const double> /*context*/ = {}) const {
        const auto means = stats_.means(options_.initial_value);
        std::vector<char> all(n_actions(), 1);
        std::vector<double> p(n_actions(), options_.epsilon / static_cast<double>(n_actions()));
        p[detail::argmax_allowed(means, all)] += 1.0 - options_.epsilon;
        return p;
    }

    /// The policy as a policy file (options, statistics, random state).
    io::tensor_file to_file() const {
        auto f = detail::begin_policy_file(policy_name);
        detail::write_number(f, "epsilon", options_.epsilon);
        detail::write_number(f, "initial_value", options_.initial_value);
        f.metadata["seed"] = std::to_string(options_.seed);
        stats_.write(f);
        detail::write_rng(f, "rng", engine_);
        return f;
    }

    /// The policy of a policy file: serving continues where the saved one stopped.
    static epsilon_greedy from_file(const io::tensor_file& f) {
        detail::check_policy_file(f, policy_name);
        const auto n = f.get_values<double>("pulls").size();
        epsilon_greedy p(n, {.epsilon = detail::read_number(f, "epsilon"), .initial_value = detail::read_number(f, "initial_value"),
                             .seed = std::stoull(f.metadata.at("seed"))});
        p.stats_ = arm_statistics::read(f, n);
        detail::read_rng(f, "rng", p.engine_);
        return p;
    }

private:
    epsilon_greedy_options options_;
    arm_statistics stats_;
    rng engine_;
    std::vector<char> allowed_{};
};

/// Options of softmax.
struct softmax_options {
    double temperature = 0.1;     ///< tau > 0: P(a) proportional to exp(mean_a / tau)
    double initial_value = 0.0;   ///< estimate of an action never updated
    std::uint64_t seed = 42;      ///< seed of the draws
};

/// Softmax (Boltzmann) exploration: P(a) = exp(mean_a / tau) / sum over allowed b of exp(mean_b / tau).
class softmax {
public:
    /// The policy's name in files and messages.
    static constexpr std::string_view policy_name = "softmax";

    /// A policy over n_actions actions; raises argument_error for n_actions = 0 or a temperature <= 0.
    explicit softmax(std::size_t n_actions, softmax_options options = {}) : options_(options), stats_(n_actions), engine_(options.seed) {
        detail::check_actions(n_actions, policy_name);
        if (!(options.temperature > 0.0 && std::isfinite(options.temperature)))
            throw argument_error(causalrec::cat("causalrec::bandit::softmax: temperature must be finite and > 0, got ", options.temperature));
    }

    /// Number of actions.
    std::size_t n_actions() const noexcept { return stats_.pulls.size(); }
    /// The options.
    const softmax_options& options() const noexcept { return options_; }
    /// The learned statistics.
    const arm_statistics& statistics() const noexcept { return stats_; }

    /// Draws an action outside `excluded` (the context is ignored).
    choice choose(std::span<const double> /*context*/ = {}, std::span<const std::size_t> excluded = {}) {
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

    /// Learns the reward of `action`.
    void update(std::span<const double> /*context*/, std::size_t action, double reward) {
        detail::check_action(action, n_actions(), policy_name);
        detail::check_reward(reward, policy_name);
        stats_.add(action, reward);
    }

    /// The probability of each action now (nothing excluded).
    std::vector<double> action_probabilities(std::span<const double> /*context*/ = {}) const {
        return probabilities(std::vector<char>(n_actions(), 1));
    }

    /// The policy as a policy file (options, statistics, random state).
    io::tensor_file to_file() const {
        auto f = detail::begin_policy_file(policy_name);
        detail::write_number(f, "temperature", options_.temperature);
        detail::write_number(f, "initial_value", options_.initial_value);
        f.metadata["seed"] = std::to_string(options_.seed);
        stats_.write(f);
        detail::write_rng(f, "rng", engine_);
        return f;
    }

    /// The policy of a policy file: serving continues where the saved one stopped.
    static softmax from_file(const io::tensor_file& f) {
        detail::check_policy_file(f, policy_name);
        const auto n = f.get_values<double>("pulls").size();
        softmax p(n, {.temperature = detail::read_number(f, "temperature"), .initial_value = detail::read_number(f, "initial_value"),
                      .seed = std::stoull(f.metadata.at("seed"))});
        p.stats_ = arm_statistics::read(f, n);
        detail::read_rng(f, "rng", p.engine_);
        return p;
    }

private:
    std::vector<double> probabilities(const std::vector<char>& allowed) const {
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

    softmax_options options_;
    arm_statistics stats_;
    rng engine_;
    std::vector<char> allowed_{};
};

/// UCB1 (Auer, Cesa-Bianchi & Fischer 2002): each allowed action once (lowest index first), then the
/// action with the largest mean + sqrt(2 ln t / n_a) (t updates so far, n_a of action a), ties to the
/// lower index. Deterministic: every choice has probability 1.
class ucb1 {
public:
    /// The policy's name in files and messages.
    static constexpr std::string_view policy_name = "ucb1";

    /// A policy over n_actions actions; raises argument_error for n_actions = 0.
    explicit ucb1(std::size_t n_actions) : stats_(n_actions) { detail::check_actions(n_actions, policy_name); }

    /// Number of actions.
    std::size_t n_actions() const noexcept { return stats_.pulls.size(); }
    /// The learned statistics.
    const arm_statistics& statistics() const noexcept { return stats_; }

    /// Chooses an action outside `excluded` (the context is ignored).
    choice choose(std::span<const double> /*context*/ = {}, std::span<const std::size_t> excluded = {}) {
        detail::allowed_actions(excluded, n_actions(), allowed_, policy_name);
        return {best(allowed_), 1.0};
    }

    /// Learns the reward of `action`.
    void update(std::span<const double> /*context*/, std::size_t action, double reward) {
        detail::check_action(action, n_actions(), policy_name);
        detail::check_reward(reward, policy_name);
        stats_.add(action, reward);
    }

    /// One-hot on the action choose() would take now (nothing excluded).
    std::vector<double> action_probabilities(std::span<const double> /*context*/ = {}) const {
        std::vector<double> p(n_actions(), 0.0);
        p[best(std::vector<char>(n_actions(), 1))] = 1.0;
        return p;
    }

    /// The policy as a policy file (statistics).
    io::tensor_file to_file() const {
        auto f = detail::begin_policy_file(policy_name);
        stats_.write(f);
        return f;
    }

    /// The policy of a policy file.
    static ucb1 from_file(const io::tensor_file& f) {
        detail::check_policy_file(f, policy_name);
        const auto n = f.get_values<double>("pulls").size();
        ucb1 p(n);
        p.stats_ = arm_statistics::read(f, n);
        return p;
    }

private:
    std::size_t best(const std::vector<char>& allowed) const {
        double t = 0.0;
        for (double n : stats_.pulls) t += n;
        std::vector<double> index(n_actions());
        for (std::size_t a = 0; a < n_actions(); ++a) {
            if (allowed[a] && stats_.pulls[a] == 0.0) return a;  // every action once first
            index[a] = stats_.rewards[a] / stats_.pulls[a] + std::sqrt(2.0 * std::log(t) / stats_.pulls[a]);
        }
        return detail::argmax_allowed(index, allowed);
    }

    arm_statistics stats_;
    std::vector<char> allowed_{};
};

/// Options of bernoulli_thompson.
struct bernoulli_thompson_options {
    double prior_alpha = 1.0;              ///< Beta prior's alpha (> 0)
    double prior_beta = 1.0;               ///< Beta prior's beta (> 0)
    std::size_t probability_draws = 100;   ///< posterior draws that estimate the probabilities (0 = not estimated: NaN)
    std::uint64_t seed = 42;               ///< seed of the posterior draws
};

/// Bernoulli Thompson sampling: Beta(alpha_a, beta_a) posteriors of each action's click rate, with
/// alpha_a = prior_alpha + sum of rewards and beta_a = prior_beta + sum of (1 - reward) (rewards in
/// [0, 1]); choose draws one rate per allowed action and takes the largest. The probability of a
/// choice has no closed form: it is estimated from probability_draws further posterior draws (from a
/// stream of its own, so that it does not change the choices), as Open Bandit Pipeline does.
class bernoulli_thompson {
public:
    /// The policy's name in files and messages.
    static constexpr std::string_view policy_name = "bernoulli_thompson";

    /// A policy over n_actions actions; raises argument_error for n_actions = 0 or a prior <= 0.
    explicit bernoulli_thompson(std::size_t n_actions, bernoulli_thompson_options options = {})
        : options_(options), alpha_(n_actions, options.prior_alpha), beta_(n_actions, options.prior_beta), engine_(options.seed),
          estimate_engine_(options.seed ^ 0x9E3779B97F4A7C15ULL) {
        detail::check_actions(n_actions, policy_name);
        if (!(options.prior_alpha > 0.0 && options.prior_beta > 0.0))
            throw argument_error(causalrec::cat("causalrec::bandit::bernoulli_thompson: the Beta prior needs alpha, beta > 0, got ",
                                                options.prior_alpha, ", ", options.prior_beta));
    }

    /// Number of actions.
    std::size_t n_actions() const noexcept { return alpha_.size(); }
    /// The options.
    const bernoulli_thompson_options& options() const noexcept { return options_; }
    /// The posterior alpha of each action.
    const std::vector<double>& posterior_alpha() const noexcept { return alpha_; }
    /// The posterior beta of each action.
    const std::vector<double>& posterior_beta() const noexcept { return beta_; }

    /// Draws a click rate per allowed action and takes the largest (the context is ignored).
    choice choose(std::span<const double> /*context*/ = {}, std::span<const std::size_t> excluded = {}) {
        detail::allowed_actions(excluded, n_actions(), allowed_, policy_name);
        const std::size_t action = draw(engine_, allowed_);
        return {action, estimate(allowed_)[action]};
    }

    /// Learns the reward of `action`; raises argument_error for a reward outside [0, 1].
    void update(std::span<const double> /*context*/, std::size_t action, double reward) {
        detail::check_action(action, n_actions(), policy_name);
        if (!(reward >= 0.0 && reward <= 1.0))
            throw argument_error(causalrec::cat("causalrec::bandit::bernoulli_thompson::update: the reward must be in [0, 1], got ", reward));
        alpha_[action] += reward;
        beta_[action] += 1.0 - reward;
    }

    /// The estimated probability of each action (probability_draws posterior draws; NaN when 0).
    std::vector<double> action_probabilities(std::span<const double> /*context*/ = {}) const {
        return estimate(std::vector<char>(n_actions(), 1));
    }

    /// The policy as a policy file (options, posteriors, random states).
    io::tensor_file to_file() const {
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

    /// The policy of a policy file: serving continues where the saved one stopped.
    static bernoulli_thompson from_file(const io::tensor_file& f) {
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

private:
    std::size_t draw(rng& engine, const std::vector<char>& allowed) const {
        std::size_t best = n_actions();
        double top = -1.0;
        for (std::size_t a = 0; a < n_actions(); ++a) {
            if (!allowed[a]) continue;
            const double theta = engine.beta(alpha_[a], beta_[a]);
            if (theta > top) top = theta, best = a;
        }
        return best;
    }

    std::vector<double> estimate(const std::vector<char>& allowed) const {
        std::vector<double> p(n_actions(), options_.probability_draws == 0 ? std::numeric_limits<double>::quiet_NaN() : 0.0);
        if (options_.probability_draws == 0) return p;
        for (std::size_t s = 0; s < options_.probability_draws; ++s) p[draw(estimate_engine_, allowed)] += 1.0;
        for (double& v : p) v /= static_cast<double>(options_.probability_draws);
        return p;
    }

    bernoulli_thompson_options options_;
    std::vector<double> alpha_, beta_;
    rng engine_;
    mutable rng estimate_engine_;  // the probability estimates' own stream
    std::vector<char> allowed_{};
};

}  // namespace causalrec::bandit
