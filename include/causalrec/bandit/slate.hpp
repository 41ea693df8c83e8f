#pragma once
/// @file
/// Slates: a policy fills the k positions of a recommendation widget, top first, without repeating an
/// item, and reports each item's probability at its position given the items above it.

#include <cstddef>
#include <span>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "concepts.hpp"

namespace causalrec::bandit {

/// Fills k positions: position j takes policy.choose(context, items of positions 0..j-1); the
/// probabilities are those choose reports (conditional on the positions above). Raises
/// argument_error when k exceeds the number of actions.
template <Policy P>
slate choose_slate(P& policy, std::span<const double> context, std::size_t k) {
    if (k > policy.n_actions())
        throw argument_error(causalrec::cat("causalrec::bandit::choose_slate: ", k, " positions but only ", policy.n_actions(), " actions"));
    slate out;
    out.items.reserve(k);
    out.probabilities.reserve(k);
    for (std::size_t j = 0; j < k; ++j) {
        const choice c = policy.choose(context, out.items);
        out.items.push_back(c.action);
        out.probabilities.push_back(c.probability);
    }
    return out;
}

/// Updates the policy with the reward of every position of a slate shown for `context` (each position
/// as its own round: the independent-position assumption of Open Bandit Pipeline). Raises
/// argument_error when the lengths differ.
template <Policy P>
void update_slate(P& policy, std::span<const double> context, const slate& shown, std::span<const double> rewards) {
    if (rewards.size() != shown.items.size())
        throw argument_error(causalrec::cat("causalrec::bandit::update_slate: ", shown.items.size(), " positions but ", rewards.size(), " rewards"));
    for (std::size_t j = 0; j < rewards.size(); ++j) policy.update(context, shown.items[j], rewards[j]);
}

}  // namespace causalrec::bandit
