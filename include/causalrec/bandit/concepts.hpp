#pragma once
/// @file
/// The seam of the bandit module: what a policy offers (choose with the probability of the choice,
/// update with the observed reward, the probabilities of every action), and the value types of a
/// decision and of a slate.

#include <concepts>
#include <cstddef>
#include <span>
#include <vector>

namespace causalrec::bandit {

/// One decision: the action taken and the probability with which the policy took it.
struct choice {
    std::size_t action = 0;    ///< the action (arm, item) taken
    double probability = 1.0;  ///< the probability of taking it (1 for a deterministic policy)
};

/// The items of the k positions of a widget (no item twice) and, for each, the probability with which
/// the policy put it at its position given the items above it.
struct slate {
    std::vector<std::size_t> items{};         ///< item of each position, top first
    std::vector<double> probabilities{};      ///< probability of each position's item given the positions above
};

/// A bandit policy over n_actions() actions: choose(context, excluded) takes an action that is not
/// in `excluded` and reports its probability; update(context, action, reward) learns from the reward;
/// action_probabilities(context) gives the probability of every action (summing to 1), exactly or
/// by simulation as the policy documents. Non-contextual policies ignore the context (pass {}).
template <class P>
concept Policy = requires(P& policy, const P& fitted, std::span<const double> context, std::span<const std::size_t> excluded,
                          std::size_t action, double reward) {
    { policy.choose(context, excluded) } -> std::same_as<choice>;
    policy.update(context, action, reward);
    { fitted.n_actions() } -> std::convertible_to<std::size_t>;
    { fitted.action_probabilities(context) } -> std::same_as<std::vector<double>>;
};

}  // namespace causalrec::bandit
