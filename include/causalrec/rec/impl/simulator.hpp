#pragma once
/// @file
/// Definitions of the non-template functions declared in rec/simulator.hpp (the interaction simulator): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../simulator.hpp"

namespace causalrec::rec {

CAUSALREC_INLINE simulation simulate_interactions(const simulation_options& o) {
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
