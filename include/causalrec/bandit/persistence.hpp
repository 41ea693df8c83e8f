#pragma once
/// @file
/// Policy files: save a policy (options, what it learned, its random state) and load it to continue
/// serving after a restart, choice for choice as if it had not stopped.

#include <filesystem>

#include "../io/safetensors.hpp"

namespace causalrec::bandit {

/// Writes policy.to_file() to `path` (safetensors, written to "<path>.tmp" and renamed).
template <class P>
void save_policy(const P& policy, const std::filesystem::path& path) {
    io::save_safetensors(path, policy.to_file());
}

/// The policy saved at `path`; raises format_error when the file holds another policy or is malformed.
template <class P>
P load_policy(const std::filesystem::path& path) {
    return P::from_file(io::load_safetensors(path));
}

}  // namespace causalrec::bandit
