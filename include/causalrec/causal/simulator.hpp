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

#include "../core/compiler.hpp"
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
    double mean_relevance() const;
};


/// A fresh log of the biased policy in the world of `sim`: each (user, item) is shown with its
/// exposure probability and clicked with its relevance; value = click, propensity = exposure.
/// Drawing many logs from one world is how estimators are checked for bias.
data::interactions draw_logged_feedback(const causal_simulation& sim, std::uint64_t seed);

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
causal_simulation simulate_causal(const causal_simulation_options& o = {});

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/simulator.hpp"
#endif
