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

#include "../core/compiler.hpp"
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
    std::vector<double> means(double initial) const;
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
    static arm_statistics read(const io::tensor_file& f, std::size_t n);
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
    explicit epsilon_greedy(std::size_t n_actions, epsilon_greedy_options options = {});

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
    void update(std::span<const double> /*context*/, std::size_t action, double reward);

    /// The probability of each action now (nothing excluded).
    std::vector<double> action_probabilities(std::span<const double> /*context*/ = {}) const;

    /// The policy as a policy file (options, statistics, random state).
    io::tensor_file to_file() const;

    /// The policy of a policy file: serving continues where the saved one stopped.
    static epsilon_greedy from_file(const io::tensor_file& f);

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
    explicit softmax(std::size_t n_actions, softmax_options options = {});

    /// Number of actions.
    std::size_t n_actions() const noexcept { return stats_.pulls.size(); }
    /// The options.
    const softmax_options& options() const noexcept { return options_; }
    /// The learned statistics.
    const arm_statistics& statistics() const noexcept { return stats_; }

    /// Draws an action outside `excluded` (the context is ignored).
    choice choose(std::span<const double> /*context*/ = {}, std::span<const std::size_t> excluded = {});

    /// Learns the reward of `action`.
    void update(std::span<const double> /*context*/, std::size_t action, double reward);

    /// The probability of each action now (nothing excluded).
    std::vector<double> action_probabilities(std::span<const double> /*context*/ = {}) const {
        return probabilities(std::vector<char>(n_actions(), 1));
    }

    /// The policy as a policy file (options, statistics, random state).
    io::tensor_file to_file() const;

    /// The policy of a policy file: serving continues where the saved one stopped.
    static softmax from_file(const io::tensor_file& f);

private:
    std::vector<double> probabilities(const std::vector<char>& allowed) const;

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
    void update(std::span<const double> /*context*/, std::size_t action, double reward);

    /// One-hot on the action choose() would take now (nothing excluded).
    std::vector<double> action_probabilities(std::span<const double> /*context*/ = {}) const;

    /// The policy as a policy file (statistics).
    io::tensor_file to_file() const;

    /// The policy of a policy file.
    static ucb1 from_file(const io::tensor_file& f);

private:
    std::size_t best(const std::vector<char>& allowed) const;

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
    explicit bernoulli_thompson(std::size_t n_actions, bernoulli_thompson_options options = {});

    /// Number of actions.
    std::size_t n_actions() const noexcept { return alpha_.size(); }
    /// The options.
    const bernoulli_thompson_options& options() const noexcept { return options_; }
    /// The posterior alpha of each action.
    const std::vector<double>& posterior_alpha() const noexcept { return alpha_; }
    /// The posterior beta of each action.
    const std::vector<double>& posterior_beta() const noexcept { return beta_; }

    /// Draws a click rate per allowed action and takes the largest (the context is ignored).
    choice choose(std::span<const double> /*context*/ = {}, std::span<const std::size_t> excluded = {});

    /// Learns the reward of `action`; raises argument_error for a reward outside [0, 1].
    void update(std::span<const double> /*context*/, std::size_t action, double reward);

    /// The estimated probability of each action (probability_draws posterior draws; NaN when 0).
    std::vector<double> action_probabilities(std::span<const double> /*context*/ = {}) const {
        return estimate(std::vector<char>(n_actions(), 1));
    }

    /// The policy as a policy file (options, posteriors, random states).
    io::tensor_file to_file() const;

    /// The policy of a policy file: serving continues where the saved one stopped.
    static bernoulli_thompson from_file(const io::tensor_file& f);

private:
    std::size_t draw(rng& engine, const std::vector<char>& allowed) const;

    std::vector<double> estimate(const std::vector<char>& allowed) const;

    bernoulli_thompson_options options_;
    std::vector<double> alpha_, beta_;
    rng engine_;
    mutable rng estimate_engine_;  // the probability estimates' own stream
    std::vector<char> allowed_{};
};

}  // namespace causalrec::bandit

#if CAUSALREC_HEADER_ONLY
#include "impl/multi_armed.hpp"
#endif
