#pragma once
/// @file
/// A causal recommendation simulator with a known truth: users with observed features (the
/// confounders), items, true relevance, an exposure policy that favours relevant and popular items
/// (so the logged feedback is missing not at random, with known propensities), a small uniformly
/// randomised slice, and a randomised recommendation campaign with the true individual effect of
/// recommending an item to a user. Every debiasing, off-policy and effect estimator of the library can
/// be checked against it without external data; it is the default data of the causal example.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "../core/message.hpp"
#include "../core/math.hpp"
#include "../core/error.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../data/interactions.hpp"

namespace causalrec::causal {

/// Options of simulate_causal.
struct causal_simulation_options {
    std::size_t users = 1000;               ///< number of users
    std::size_t items = 300;                ///< number of items
    std::size_t user_features = 6;          ///< observed user features (they drive preferences and exposure)
    std::size_t item_features = 6;          ///< observed item features (they drive item factors)
    std::size_t factors = 4;                ///< latent dimension of the true preferences
    double mean_exposures = 25.0;           ///< mean items the logging policy shows each user
    double exposure_bias = 1.5;             ///< how strongly the policy favours relevant items (0 = only popularity)
    double popularity_skew = 1.0;           ///< how strongly the policy favours popular items
    double min_exposure = 0.01;             ///< floor of the exposure probabilities (the largest IPS weight is its inverse)
    std::size_t random_items = 10;          ///< items shown uniformly at random to each user in the randomised slice
    double random_user_fraction = 0.2;      ///< share of users in the randomised slice
    std::size_t campaign_items = 10;        ///< candidate items per user in the campaign (each treated with probability 1/2)
    double uplift_scale = 0.5;              ///< size of the effect of recommending an item
    std::uint64_t seed = 42;                ///< everything is drawn from this seed
};

/// The simulated world and the data observed from it.
struct causal_simulation {
    std::size_t n_users = 0;                ///< users
    std::size_t n_items = 0;                ///< items
    matrix<double> user_features;           ///< users x user_features, observed
    matrix<double> item_features;           ///< items x item_features, observed
    matrix<double> relevance;               ///< users x items: true P(click | shown)
    matrix<double> exposure;                ///< users x items: the logging policy's P(shown) (the true propensity)
    matrix<double> organic;                 ///< users x items: P(purchase | not recommended)
    matrix<double> effect;                  ///< users x items: P(purchase | recommended) - P(purchase | not recommended)

    /// Logged feedback of the biased policy: one row per shown (user, item), value = click (0/1),
    /// propensities = the true exposure probability of that pair.
    data::interactions log;
    /// The randomised slice: random_items items shown uniformly at random to a share of the users,
    /// value = click (0/1), propensity = random_items / items.
    data::interactions random_log;

    /// The campaign: rows of (user, candidate item) pairs; each treated (recommended) with
    /// probability 1/2, independently; outcome = purchase.
    struct campaign_data {
        std::vector<std::size_t> users;     ///< user of each row
        std::vector<std::size_t> items;     ///< candidate item of each row
        matrix<double> x;                   ///< covariates of each row: [user features, item features]
        vector<double> treatment;           ///< 1 = recommended, 0 = not
        vector<double> outcome;             ///< 1 = purchased
        vector<double> propensity;          ///< P(treatment = 1) = 0.5
        vector<double> mu0;                 ///< true P(purchase | not recommended)
        vector<double> mu1;                 ///< true P(purchase | recommended)
        /// The true effect of each row, mu1 - mu0.
        vector<double> true_effect() const { return mu1 - mu0; }
    };
    campaign_data campaign;                 ///< the randomised campaign (see campaign_data)

    /// The true mean click rate over all user-item pairs (what a debiased estimate of the average
    /// relevance should find).
    double mean_relevance() const {
        double s = 0.0;
        for (double r : relevance) s += r;
        return relevance.size() ? s / static_cast<double>(relevance.size()) : 0.0;
    }
};


/// A fresh log of the biased policy in the world of `sim`: each (user, item) is shown with its
/// exposure probability and clicked with its relevance; value = click, propensity = exposure.
/// Drawing many logs from one world is how estimators are checked for bias.
inline data::interactions draw_logged_feedback(const causal_simulation& sim, std::uint64_t seed) {
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

/// Simulates the world described in causal_simulation. Users have features x_u ~ N(0, I) and true
/// preferences p_u = A x_u + noise; items have features z_i ~ N(0, I), factors q_i = B z_i + noise
/// and a popularity rank. Relevance is sigmoid(<p_u, q_i> - 1); the logging policy shows item i to
/// u with probability sigmoid(exposure_bias <p_u, q_i> - popularity_skew ln(rank_i) + c_u), c_u set
/// so that each user is shown about mean_exposures items (clipped to [min_exposure, 1]); a click on a shown
/// item happens with its relevance. Organic purchase P0 = sigmoid(1.5 <p_u, q_i> + x_u1 - 2) and
/// the effect of recommending is uplift_scale * relevance * (1 - P0): largest for fairly relevant
/// items the user would not buy anyway, small both for irrelevant items and for sure things (the
/// most relevant items, bought without a recommendation). Deterministic for a seed; raises argument_error
/// for zero sizes or a random slice larger than the catalogue.
inline causal_simulation simulate_causal(const causal_simulation_options& o = {}) {
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
