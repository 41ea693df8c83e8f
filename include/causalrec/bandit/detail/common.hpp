#pragma once
/// @file
/// Helpers shared by the bandit policies: argument checks, the allowed-action mask, the arg-max with
/// ties to the lower index, and the rng state and options in a policy file.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../../core/rng.hpp"
#include "../../io/safetensors.hpp"
#include "../concepts.hpp"

namespace causalrec::bandit::detail {

/// Raises argument_error naming `policy` unless n_actions >= 1.
inline void check_actions(std::size_t n_actions, std::string_view policy) {
    if (n_actions == 0) throw argument_error(causalrec::cat("causalrec::bandit::", policy, ": n_actions must be >= 1"));
}

/// Raises argument_error unless `action` is below n.
inline void check_action(std::size_t action, std::size_t n, std::string_view policy) {
    if (action >= n) throw argument_error(causalrec::cat("causalrec::bandit::", policy, "::update: action ", action, " is not below ", n));
}

/// Raises argument_error unless the reward is finite.
inline void check_reward(double reward, std::string_view policy) {
    if (!std::isfinite(reward)) throw argument_error(causalrec::cat("causalrec::bandit::", policy, "::update: the reward is not finite"));
}

/// Raises argument_error unless the context has `dim` finite values.
inline void check_context(std::span<const double> context, std::size_t dim, std::string_view policy) {
    if (context.size() != dim)
        throw argument_error(causalrec::cat("causalrec::bandit::", policy, ": the context has ", context.size(), " values, the policy ", dim));
    for (double v : context)
        if (!std::isfinite(v)) throw argument_error(causalrec::cat("causalrec::bandit::", policy, ": the context has a non-finite value"));
}

/// allowed[a] is false for the excluded actions; raises argument_error for an excluded action out of
/// range or when every action is excluded. Returns the number of allowed actions.
inline std::size_t allowed_actions(std::span<const std::size_t> excluded, std::size_t n, std::vector<char>& allowed, std::string_view policy) {
    allowed.assign(n, 1);
    for (std::size_t a : excluded) {
        if (a >= n) throw argument_error(causalrec::cat("causalrec::bandit::", policy, "::choose: excluded action ", a, " is not below ", n));
        allowed[a] = 0;
    }
    std::size_t count = 0;
    for (char c : allowed) count += c != 0;
    if (count == 0) throw argument_error(causalrec::cat("causalrec::bandit::", policy, "::choose: every one of the ", n, " actions is excluded"));
    return count;
}

/// The allowed index with the largest value, ties to the lower index.
inline std::size_t argmax_allowed(std::span<const double> values, const std::vector<char>& allowed) {
    std::size_t best = values.size();
    for (std::size_t a = 0; a < values.size(); ++a)
        if (allowed[a] && (best == values.size() || values[a] > values[best])) best = a;
    return best;
}

/// Epsilon-greedy over `scores`: the allowed arg max (ties to the lower index), or with probability
/// epsilon a uniformly drawn one of the m allowed actions; the choice's probability is
/// epsilon / m + (1 - epsilon) for the arg max and epsilon / m otherwise.
inline choice epsilon_greedy_choice(std::span<const double> scores, const std::vector<char>& allowed, std::size_t m, double epsilon, rng& engine) {
    const std::size_t greedy = argmax_allowed(scores, allowed);
    std::size_t action = greedy;
    if (engine.uniform() < epsilon) {
        std::size_t k = static_cast<std::size_t>(engine.uniform_index(m));
        for (std::size_t a = 0; a < allowed.size(); ++a)
            if (allowed[a] && k-- == 0) {
                action = a;
                break;
            }
    }
    return {action, epsilon / static_cast<double>(m) + (action == greedy ? 1.0 - epsilon : 0.0)};
}

/// Writes an rng's state into a policy file.
void write_rng(io::tensor_file& f, const std::string& name, const rng& engine);

/// Reads an rng's state from a policy file.
void read_rng(const io::tensor_file& f, const std::string& name, rng& engine);

/// Starts a policy file: the policy's name and its options as metadata.
io::tensor_file begin_policy_file(std::string_view name);

/// Checks that a file holds the named policy; raises format_error otherwise.
void check_policy_file(const io::tensor_file& f, std::string_view name);

/// Writes a number as metadata (exactly: hexadecimal floating point).
void write_number(io::tensor_file& f, const std::string& key, double value);

/// Reads a number written by write_number; raises format_error when absent or malformed.
double read_number(const io::tensor_file& f, const std::string& key);

}  // namespace causalrec::bandit::detail

#if CAUSALREC_HEADER_ONLY
#include "impl/common.hpp"
#endif
