#pragma once
/// @file
/// Policy files: save a policy (options, what it learned, its random state) and load it to continue
/// serving after a restart, choice for choice as if it had not stopped.

#include <filesystem>
#include <utility>

#include "../io/safetensors.hpp"

namespace causalrec::bandit {

/// Writes policy.to_file() to `path` (safetensors, written to "<path>.tmp" and renamed).
template <class P>
void save_policy(const P& policy, const std::filesystem::path& path) {
    io::save_safetensors(path, policy.to_file());
}

/// The policy saved at `path`; `args` go to P::from_file after the file (neural_linear takes the body
/// whose architecture receives the saved weights). Raises format_error when the file holds another
/// policy or is malformed.
template <class P, class... Args>
P load_policy(const std::filesystem::path& path, Args&&... args) {
    return P::from_file(io::load_safetensors(path), std::forward<Args>(args)...);
}

}  // namespace causalrec::bandit
