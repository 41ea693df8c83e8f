#pragma once
/// @file
/// A contextual Bernoulli bandit with known click probabilities, and an online run of a policy on it
/// that records the cumulative (pseudo-)regret against the oracle that knows the probabilities.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/math.hpp"
#include "../core/message.hpp"
#include "../core/rng.hpp"
#include "concepts.hpp"

namespace causalrec::bandit {

/// How the simulator's click probability depends on the context.
enum class click_model : std::uint8_t {
    linear,    ///< p = 0.5 x_0 + spread <theta_a, z> with x = [1, z], |z| = 1, |theta_a| = 1: linear in x, in [0.5 - spread, 0.5 + spread]
    logistic,  ///< p = sigmoid(<theta_a, x>) with x = [1, z], theta_a ~ N(0, scale^2 I)
};

/// Options of contextual_simulator.
struct contextual_simulator_options {
    std::size_t actions = 10;                 ///< number of actions
    std::size_t features = 5;                 ///< dimension of z (the context has features + 1 values: a leading 1)
    click_model model = click_model::linear;  ///< linear or logistic click probabilities
    double spread = 0.4;                      ///< linear: half-width of the probabilities around 0.5, in (0, 0.5]
    double scale = 1.0;                       ///< logistic: standard deviation of the true weights
    std::uint64_t seed = 1;                   ///< seed of the true weights and of the stream of contexts and clicks
};

/// A contextual Bernoulli bandit: contexts x = [1, z] with z uniform on the unit sphere, clicks drawn
/// with the known probability of the chosen action. The truth is drawn once from the seed.
class contextual_simulator {
public:
    /// A simulator; raises argument_error for zero actions or features, or a spread outside (0, 0.5].
    explicit contextual_simulator(contextual_simulator_options options = {});

    /// Number of actions.
    std::size_t n_actions() const noexcept { return options_.actions; }
    /// Length of a context (features + 1).
    std::size_t dim() const noexcept { return options_.features + 1; }
    /// The true weights, actions x dim, row-major.
    std::span<const double> true_weights() const noexcept { return theta_; }

    /// The next context of the stream.
    std::vector<double> next_context();

    /// The click probability of `action` for `context`.
    double click_probability(std::span<const double> context, std::size_t action) const;

    /// The largest click probability over the actions for `context` (the oracle's).
    double best_probability(std::span<const double> context) const;

    /// A click (1) or not (0) for `action` in `context`, drawn from the stream.
    double draw_reward(std::span<const double> context, std::size_t action) { return engine_.bernoulli(click_probability(context, action)) ? 1.0 : 0.0; }

private:
    contextual_simulator_options options_;
    rng engine_;
    std::vector<double> theta_{};
};

/// What run_online records.
struct online_run {
    std::vector<double> cumulative_regret{};  ///< after each round: sum of (oracle's click probability - the chosen action's)
    std::vector<double> cumulative_reward{};  ///< after each round: clicks so far
};

/// Runs `policy` online for `rounds` rounds of `simulator`: context, choose, reward, update.
template <Policy P>
online_run run_online(P& policy, contextual_simulator& simulator, std::size_t rounds) {
    if (policy.n_actions() != simulator.n_actions())
        throw argument_error(causalrec::cat("causalrec::bandit::run_online: the policy has ", policy.n_actions(), " actions, the simulator ",
                                            simulator.n_actions()));
    online_run out;
    out.cumulative_regret.reserve(rounds);
    out.cumulative_reward.reserve(rounds);
    double regret = 0.0, reward = 0.0;
    for (std::size_t t = 0; t < rounds; ++t) {
        const auto x = simulator.next_context();
        const choice c = policy.choose(x, {});
        const double r = simulator.draw_reward(x, c.action);
        policy.update(x, c.action, r);
        regret += simulator.best_probability(x) - simulator.click_probability(x, c.action);
        reward += r;
        out.cumulative_regret.push_back(regret);
        out.cumulative_reward.push_back(reward);
    }
    return out;
}

}  // namespace causalrec::bandit

#if CAUSALREC_HEADER_ONLY
#include "impl/simulator.hpp"
#endif
