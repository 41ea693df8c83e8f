#pragma once
/// @file
/// The usual recommender splits of an interaction log: random, leave-k-out per user and temporal.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/rng.hpp"
#include "interaction_log.hpp"

namespace causalrec::data {

/// A training and a test log over the same users and items (same counts, same id maps).
struct interaction_split {
    interactions train{};     ///< training rows
    interactions test{};      ///< test rows
    std::size_t dropped = 0;  ///< test rows skipped for unknown ids (read_train_test with drop only)
};

/// Options of random_split.
struct random_split_options {
    double test_fraction = 0.2;  ///< share of rows in the test log (rounded to the nearest row count)
    std::uint64_t seed = 42;     ///< random seed
};

/// Splits the rows at random; both parts keep log order. Raises argument_error for a fraction outside [0, 1].
interaction_split random_split(const interactions& data, const random_split_options& options = {});

/// Which rows leave_k_out holds out for each user.
enum class leave_out_order : std::uint8_t {
    random,  ///< k rows chosen at random
    latest,  ///< the k rows with the latest timestamps (ties: the later row in the log)
};

/// Options of leave_k_out.
struct leave_k_out_options {
    std::size_t k = 1;                              ///< test rows per user
    leave_out_order order = leave_out_order::random;  ///< random, or latest by timestamp
    std::uint64_t seed = 42;                        ///< random seed (order = random)
};

/// Per-user leave-k-out on log rows: every user with at least k+1 rows gets exactly k of them in the
/// test log; users with fewer rows stay whole in training. Both parts keep log order. Raises
/// argument_error for k = 0, or for order = latest without timestamps.
interaction_split leave_k_out(const interactions& data, const leave_k_out_options& options = {});

/// Options of temporal_split: an explicit cutoff, or the last fraction of the time span.
struct temporal_split_options {
    std::optional<double> cutoff{};  ///< rows with timestamp >= cutoff go to test
    double test_fraction = 0.2;      ///< without cutoff: cutoff = t_max - test_fraction * (t_max - t_min)
};

/// Splits by time: rows at or after the cutoff are the test log. Raises argument_error without
/// timestamps, for a fraction outside [0, 1], or (fraction form) when every timestamp is equal.
interaction_split temporal_split(const interactions& data, const temporal_split_options& options = {});

}  // namespace causalrec::data

#if CAUSALREC_HEADER_ONLY
#include "impl/interaction_splits.hpp"
#endif
