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
inline simulation simulate_interactions(const simulation_options& o = {}) {
    if (o.users == 0 || o.items == 0 || o.factors == 0)
        throw argument_error("causalrec::rec::simulate_interactions: users, items and factors must be >= 1");
    if (!(o.mean_interactions >= 1.0) || !(o.popularity_skew >= 0.0) || !(o.preference_scale >= 0.0) ||
        !(o.rating_noise >= 0.0) || !(o.feature_noise >= 0.0))
        throw argument_error(causalrec::cat("causalrec::rec::simulate_interactions: need mean_interactions >= 1 and non-negative skew, ",
                                                    "scale and noise levels"));
    rng g(o.seed);
    simulation sim;
    sim.factors = o.factors;
    // Var(<p, q>) = factors * sd^4 for independent N(0, sd^2) entries.
    const double factor_sd = std::sqrt(o.preference_scale / std::sqrt(static_cast<double>(o.factors)));
    sim.user_factors.resize(o.users * o.factors);
    sim.item_factors.resize(o.items * o.factors);
    for (double& x : sim.user_factors) x = factor_sd * g.normal();
    for (double& x : sim.item_factors) x = factor_sd * g.normal();
    std::vector<std::size_t> rank(o.items);
    for (std::size_t i = 0; i < o.items; ++i) rank[i] = i + 1;
    g.shuffle(std::span<std::size_t>(rank));
    sim.popularity.resize(o.items);
    for (std::size_t i = 0; i < o.items; ++i) sim.popularity[i] = -o.popularity_skew * std::log(static_cast<double>(rank[i]));

    data::interaction_columns c{.n_users = o.users, .n_items = o.items};
    std::vector<std::pair<double, std::size_t>> keys(o.items);
    for (std::size_t u = 0; u < o.users; ++u) {
        // n_u = 1 + Poisson(mean - 1), by counting exponential arrivals.
        std::size_t n = 1;
        for (double acc = -std::log(1.0 - g.uniform()); acc < o.mean_interactions - 1.0; acc += -std::log(1.0 - g.uniform())) ++n;
        n = std::min(n, o.items);
        for (std::size_t i = 0; i < o.items; ++i) {
            const double gumbel = -std::log(-std::log(std::max(g.uniform(), 1e-300)));
            keys[i] = {sim.preference(u, i) + sim.popularity[i] + gumbel, i};
        }
        std::partial_sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n), keys.end(),
                          [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
        for (std::size_t j = 0; j < n; ++j) {
            const std::size_t i = keys[j].second;
            const double rating = std::round(3.0 + sim.preference(u, i) + o.rating_noise * g.normal());
            c.users.push_back(u);
            c.items.push_back(i);
            c.values.push_back(std::clamp(rating, 1.0, 5.0));
            c.timestamps.push_back(std::floor(1000.0 * g.uniform()));
        }
    }
    sim.log = data::interactions(std::move(c));

    sim.feature_count = o.item_features;
    if (o.item_features > 0) {
        std::vector<double> w(o.factors * o.item_features);
        for (double& x : w) x = g.normal() / std::sqrt(static_cast<double>(o.factors));
        sim.item_features.assign(o.items * o.item_features, 0.0);
        for (std::size_t i = 0; i < o.items; ++i)
            for (std::size_t d = 0; d < o.item_features; ++d) {
                double v = 0.0;
                for (std::size_t f = 0; f < o.factors; ++f) v += sim.item_factors[i * o.factors + f] * w[f * o.item_features + d];
                sim.item_features[i * o.item_features + d] = v + o.feature_noise * factor_sd * g.normal();
            }
    }
    return sim;
}

}  // namespace causalrec::rec
