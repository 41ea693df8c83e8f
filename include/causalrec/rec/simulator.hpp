#pragma once
/// @file
/// A recommendation simulator with known ground truth: users and items with latent factors, a
/// popularity skew on what users consume, item feature vectors derived from the item factors, and
/// explicit ratings driven by the true preference. It is the built-in default data of the rec
/// examples and the reference against which the tests check that factor models recover the truth.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/rng.hpp"
#include "../data/interactions.hpp"
#include "common.hpp"

namespace causalrec::rec {

/// Options of simulate_interactions.
struct simulation_options {
    std::size_t users = 2000;              ///< number of users
    std::size_t items = 1000;              ///< number of items
    std::size_t factors = 6;               ///< true latent dimension
    double mean_interactions = 100.0;      ///< mean items consumed per user (1 + Poisson(mean - 1), at most items)
    double popularity_skew = 1.0;          ///< Zipf exponent of the popularity term in consumption; 0 = none
    double preference_scale = 1.0;         ///< standard deviation of the true preference s_ui = <p_u, q_i>
    double rating_noise = 0.3;             ///< standard deviation of the noise of a rating
    std::size_t item_features = 16;        ///< length of each item's feature vector (0 = none)
    double feature_noise = 0.3;            ///< noise added to the item features (relative to their signal)
    std::uint64_t seed = 42;               ///< everything is drawn from this seed
};

/// What simulate_interactions returns: the logged interactions with ratings, and the truth.
struct simulation {
    data::interactions log;                ///< one row per consumed (user, item): rating 1..5, a random timestamp in 0..999
    std::size_t factors = 0;               ///< true latent dimension
    std::vector<double> user_factors;      ///< p_u, row-major users x factors
    std::vector<double> item_factors;      ///< q_i, row-major items x factors
    std::vector<double> popularity;        ///< the popularity term of each item in consumption (log-weight)
    std::size_t feature_count = 0;         ///< length of each item feature vector
    std::vector<double> item_features;     ///< row-major items x feature_count (a noisy linear map of q_i)

    /// The true preference s_ui = <p_u, q_i> (what ratings are driven by).
    double preference(std::size_t user, std::size_t item) const {
        double s = 0.0;
        for (std::size_t f = 0; f < factors; ++f) s += user_factors[user * factors + f] * item_factors[item * factors + f];
        return s;
    }

    /// The true preferences of every item for `user`.
    std::vector<double> preferences(std::size_t user) const {
        const std::size_t n = item_factors.size() / (factors ? factors : 1);
        std::vector<double> s(n);
        for (std::size_t i = 0; i < n; ++i) s[i] = preference(user, i);
        return s;
    }

    /// NDCG@k of `ranked` (best first) against the true preferences of `user`, with graded gains
    /// exp(s_ui) over the candidate items (all items except `excluded`, ascending): 1 means the
    /// ranking puts the truly best candidates first, in order. The oracle that ranks by s_ui
    /// scores exactly 1.
    double preference_ndcg(std::size_t user, std::span<const std::size_t> ranked, std::size_t k,
                           std::span<const std::size_t> excluded) const {
        const auto s = preferences(user);
        std::vector<double> gains;
        gains.reserve(s.size());
        detail::for_each_not_excluded(s.size(), excluded, [&](std::size_t i) { gains.push_back(std::exp(s[i])); });
        const std::size_t top = std::min(k, gains.size());
        std::partial_sort(gains.begin(), gains.begin() + static_cast<std::ptrdiff_t>(top), gains.end(), std::greater<>());
        double ideal = 0.0, got = 0.0;
        for (std::size_t r = 0; r < top; ++r) ideal += gains[r] / std::log2(static_cast<double>(r) + 2.0);
        for (std::size_t r = 0; r < std::min(k, ranked.size()); ++r)
            got += std::exp(s[ranked[r]]) / std::log2(static_cast<double>(r) + 2.0);
        return ideal > 0.0 ? got / ideal : 0.0;
    }
};

/// Simulates users consuming and rating items. Each user u has factors p_u and each item q_i
/// (independent normal entries scaled so that s_ui = <p_u, q_i> has standard deviation
/// preference_scale). Items get a popularity term -popularity_skew * ln(rank)
/// for a random popularity rank 1..items. A user consumes n_u = 1 + Poisson(mean_interactions - 1)
/// distinct items drawn without replacement with probability proportional to exp(s_ui + popularity_i)
/// (Gumbel top-k), so popular items are over-represented (missing not at random), and rates each
/// consumed item round(3 + s_ui + N(0, rating_noise^2)) clipped to 1..5. Item features are
/// q_i W + noise for a random factors x item_features matrix W. Deterministic for a seed.
/// Raises argument_error for zero users, items or factors, a mean below 1 or a negative scale.
simulation simulate_interactions(const simulation_options& o = {});

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/simulator.hpp"
#endif
