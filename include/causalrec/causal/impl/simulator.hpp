#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/simulator.hpp (the causal simulator): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../simulator.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE data::interactions draw_logged_feedback(const causal_simulation& sim, std::uint64_t seed) {
    rng g(seed);
    data::interaction_columns logged{.n_users = sim.n_users, .n_items = sim.n_items};
    for (std::size_t u = 0; u < sim.n_users; ++u)
        for (std::size_t i = 0; i < sim.n_items; ++i)
            if (g.uniform() < sim.exposure(u, i)) {
                logged.users.push_back(u);
                logged.items.push_back(i);
                logged.values.push_back(g.uniform() < sim.relevance(u, i) ? 1.0 : 0.0);
                logged.propensities.push_back(sim.exposure(u, i));
            }
    return data::interactions(std::move(logged));
}

CAUSALREC_INLINE causal_simulation simulate_causal(const causal_simulation_options& o) {
    if (o.users == 0 || o.items == 0 || o.factors == 0 || o.user_features == 0 || o.item_features == 0)
        throw argument_error("causalrec::causal::simulate_causal: users, items, factors and feature counts must be >= 1");
    if (o.random_items > o.items || o.campaign_items > o.items)
        throw argument_error(causalrec::cat("causalrec::causal::simulate_causal: random_items (", o.random_items, ") and campaign_items (",
                                                    o.campaign_items, ") must not exceed items (", o.items, ")"));
    if (!(o.mean_exposures > 0.0) || !(o.random_user_fraction >= 0.0 && o.random_user_fraction <= 1.0) ||
        !(o.min_exposure > 0.0 && o.min_exposure <= 1.0))
        throw argument_error("causalrec::causal::simulate_causal: need mean_exposures > 0, random_user_fraction in [0, 1] and min_exposure in (0, 1]");
    rng g(o.seed);
    causal_simulation sim;
    sim.n_users = o.users;
    sim.n_items = o.items;
    const std::size_t k = o.factors;
    sim.user_features = make_matrix<double>(o.users, o.user_features);
    sim.item_features = make_matrix<double>(o.items, o.item_features);
    for (double& v : sim.user_features) v = g.normal();
    for (double& v : sim.item_features) v = g.normal();
    std::vector<double> a(k * o.user_features), b(k * o.item_features);
    for (double& v : a) v = g.normal() / std::sqrt(static_cast<double>(o.user_features));
    for (double& v : b) v = g.normal() / std::sqrt(static_cast<double>(o.item_features));
    std::vector<double> p(o.users * k), q(o.items * k);
    for (std::size_t u = 0; u < o.users; ++u)
        for (std::size_t f = 0; f < k; ++f) {
            double s = 0.3 * g.normal();
            for (std::size_t d = 0; d < o.user_features; ++d) s += a[f * o.user_features + d] * sim.user_features(u, d);
            p[u * k + f] = s;
        }
    for (std::size_t i = 0; i < o.items; ++i)
        for (std::size_t f = 0; f < k; ++f) {
            double s = 0.3 * g.normal();
            for (std::size_t d = 0; d < o.item_features; ++d) s += b[f * o.item_features + d] * sim.item_features(i, d);
            q[i * k + f] = s;
        }
    std::vector<std::size_t> rank(o.items);
    for (std::size_t i = 0; i < o.items; ++i) rank[i] = i + 1;
    g.shuffle(std::span<std::size_t>(rank));

    sim.relevance = make_matrix<double>(o.users, o.items);
    sim.exposure = make_matrix<double>(o.users, o.items);
    sim.organic = make_matrix<double>(o.users, o.items);
    sim.effect = make_matrix<double>(o.users, o.items);
    std::vector<double> logit(o.items);
    for (std::size_t u = 0; u < o.users; ++u) {
        for (std::size_t i = 0; i < o.items; ++i) {
            double s = 0.0;
            for (std::size_t f = 0; f < k; ++f) s += p[u * k + f] * q[i * k + f];
            sim.relevance(u, i) = causalrec::sigmoid(s - 1.0);
            sim.organic(u, i) = causalrec::sigmoid(1.5 * s + sim.user_features(u, 0) - 2.0);
            sim.effect(u, i) = o.uplift_scale * sim.relevance(u, i) * (1.0 - sim.organic(u, i));
            logit[i] = o.exposure_bias * s - o.popularity_skew * std::log(static_cast<double>(rank[i]));
        }
        // Per-user offset c_u so that the expected number of exposures is mean_exposures (bisection).
        const double target = std::min(o.mean_exposures, 0.5 * static_cast<double>(o.items));
        double lo = -60.0, hi = 60.0;
        for (int it = 0; it < 100; ++it) {
            const double mid = 0.5 * (lo + hi);
            double total = 0.0;
            for (std::size_t i = 0; i < o.items; ++i) total += std::clamp(causalrec::sigmoid(logit[i] + mid), o.min_exposure, 1.0);
            (total < target ? lo : hi) = mid;
        }
        for (std::size_t i = 0; i < o.items; ++i) sim.exposure(u, i) = std::clamp(causalrec::sigmoid(logit[i] + lo), o.min_exposure, 1.0);
    }

    sim.log = draw_logged_feedback(sim, g());

    data::interaction_columns random{.n_users = o.users, .n_items = o.items};
    const double slice_propensity = static_cast<double>(o.random_items) / static_cast<double>(o.items);
    std::vector<std::size_t> perm(o.items);
    for (std::size_t i = 0; i < o.items; ++i) perm[i] = i;
    for (std::size_t u = 0; u < o.users; ++u) {
        if (!(g.uniform() < o.random_user_fraction)) continue;
        for (std::size_t j = 0; j < o.random_items; ++j) std::swap(perm[j], perm[j + g.uniform_index(o.items - j)]);
        std::vector<std::size_t> chosen(perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(o.random_items));
        std::sort(chosen.begin(), chosen.end());
        for (std::size_t i : chosen) {
            random.users.push_back(u);
            random.items.push_back(i);
            random.values.push_back(g.uniform() < sim.relevance(u, i) ? 1.0 : 0.0);
            random.propensities.push_back(slice_propensity > 0.0 ? slice_propensity : 1.0);
        }
    }
    sim.random_log = data::interactions(std::move(random));

    auto& c = sim.campaign;
    const std::size_t rows = o.users * o.campaign_items, dims = o.user_features + o.item_features;
    c.x = make_matrix<double>(rows, dims);
    c.treatment = make_vector<double>(rows);
    c.outcome = make_vector<double>(rows);
    c.propensity = make_vector<double>(rows);
    c.mu0 = make_vector<double>(rows);
    c.mu1 = make_vector<double>(rows);
    std::size_t r = 0;
    for (std::size_t u = 0; u < o.users; ++u) {
        for (std::size_t j = 0; j < o.campaign_items; ++j) std::swap(perm[j], perm[j + g.uniform_index(o.items - j)]);
        for (std::size_t j = 0; j < o.campaign_items; ++j, ++r) {
            const std::size_t i = perm[j];
            c.users.push_back(u);
            c.items.push_back(i);
            for (std::size_t d = 0; d < o.user_features; ++d) c.x(r, d) = sim.user_features(u, d);
            for (std::size_t d = 0; d < o.item_features; ++d) c.x(r, o.user_features + d) = sim.item_features(i, d);
            const bool treated = g.uniform() < 0.5;
            c.treatment(r) = treated ? 1.0 : 0.0;
            c.propensity(r) = 0.5;
            c.mu0(r) = sim.organic(u, i);
            c.mu1(r) = sim.organic(u, i) + sim.effect(u, i);
            c.outcome(r) = g.uniform() < (treated ? c.mu1(r) : c.mu0(r)) ? 1.0 : 0.0;
        }
    }
    return sim;
}

}  // namespace causalrec::causal

namespace causalrec::causal {

CAUSALREC_INLINE auto causal_simulation::mean_relevance() const -> double {
    double s = 0.0;
    for (double r : relevance) s += r;
    return relevance.size() ? s / static_cast<double>(relevance.size()) : 0.0;
}

}  // namespace causalrec::causal
