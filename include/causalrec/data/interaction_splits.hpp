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
inline interaction_split random_split(const interactions& data, const random_split_options& options = {}) {
    if (!(options.test_fraction >= 0.0 && options.test_fraction <= 1.0))
        throw argument_error(causalrec::cat("causalrec::data::random_split: test_fraction must be in [0, 1], got ", options.test_fraction));
    rng engine(options.seed);
    auto perm = engine.permutation(data.size());
    const auto n_test = static_cast<std::size_t>(std::llround(options.test_fraction * static_cast<double>(data.size())));
    std::vector<std::size_t> test(perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(n_test));
    std::vector<std::size_t> train(perm.begin() + static_cast<std::ptrdiff_t>(n_test), perm.end());
    std::sort(test.begin(), test.end());
    std::sort(train.begin(), train.end());
    return {data.subset(train), data.subset(test), 0};
}

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
inline interaction_split leave_k_out(const interactions& data, const leave_k_out_options& options = {}) {
    if (options.k == 0) throw argument_error("causalrec::data::leave_k_out: k must be >= 1");
    if (options.order == leave_out_order::latest && !data.has_timestamps())
        throw argument_error("causalrec::data::leave_k_out: order = latest needs timestamps, and the log has none");
    std::vector<std::vector<std::size_t>> rows_of(data.n_users());
    for (std::size_t r = 0; r < data.size(); ++r) rows_of[data.users()[r]].push_back(r);
    rng engine(options.seed);
    std::vector<char> is_test(data.size(), 0);
    const auto ts = data.timestamps();
    for (auto& rows : rows_of) {
        if (rows.size() < options.k + 1) continue;
        if (options.order == leave_out_order::random) {
            engine.shuffle(std::span<std::size_t>(rows));
            for (std::size_t j = 0; j < options.k; ++j) is_test[rows[j]] = 1;
        } else {
            std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) { return ts[a] < ts[b]; });
            for (std::size_t j = rows.size() - options.k; j < rows.size(); ++j) is_test[rows[j]] = 1;
        }
    }
    std::vector<std::size_t> train, test;
    for (std::size_t r = 0; r < data.size(); ++r) (is_test[r] ? test : train).push_back(r);
    return {data.subset(train), data.subset(test), 0};
}

/// Options of temporal_split: an explicit cutoff, or the last fraction of the time span.
struct temporal_split_options {
    std::optional<double> cutoff{};  ///< rows with timestamp >= cutoff go to test
    double test_fraction = 0.2;      ///< without cutoff: cutoff = t_max - test_fraction * (t_max - t_min)
};

/// Splits by time: rows at or after the cutoff are the test log. Raises argument_error without
/// timestamps, for a fraction outside [0, 1], or (fraction form) when every timestamp is equal.
inline interaction_split temporal_split(const interactions& data, const temporal_split_options& options = {}) {
    if (!data.has_timestamps()) throw argument_error("causalrec::data::temporal_split: the log has no timestamps");
    const auto ts = data.timestamps();
    double cutoff;
    if (options.cutoff) {
        cutoff = *options.cutoff;
    } else {
        if (!(options.test_fraction >= 0.0 && options.test_fraction <= 1.0))
            throw argument_error(causalrec::cat("causalrec::data::temporal_split: test_fraction must be in [0, 1], got ", options.test_fraction));
        const auto [lo, hi] = std::minmax_element(ts.begin(), ts.end());
        if (*lo == *hi) throw argument_error("causalrec::data::temporal_split: every timestamp is equal; give an explicit cutoff");
        cutoff = *hi - options.test_fraction * (*hi - *lo);
        if (options.test_fraction == 0.0) cutoff = std::nextafter(*hi, std::numeric_limits<double>::infinity());
    }
    std::vector<std::size_t> train, test;
    for (std::size_t r = 0; r < data.size(); ++r) (ts[r] >= cutoff ? test : train).push_back(r);
    return {data.subset(train), data.subset(test), 0};
}

}  // namespace causalrec::data
