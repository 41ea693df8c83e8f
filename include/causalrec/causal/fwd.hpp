#pragma once
/// @file
/// Forward declarations of the causal module's main types, so that a header can name them (pointers,
/// references, function declarations) without including their definitions.

#include <concepts>

namespace causalrec::causal {

struct effect_estimate;       ///< an effect with its standard error and interval
class linear_regression;      ///< OLS / ridge outcome model
class logistic_regression;    ///< logistic propensity model
class debiased_mf;            ///< MF-Naive / IPS / SNIPS / DR / DR-JL recommenders
class causal_graph;           ///< a (partially) directed graph over variables
struct tarnet_options;        ///< options of tarnet
struct cfr_options;           ///< options of cfr
struct dragonnet_options;     ///< options of dragonnet
template <std::floating_point T, class Options>
class neural_effect_estimator;  ///< TARNet, CFR and DragonNet share it
struct ganite_options;        ///< options of ganite
template <std::floating_point T = double>
class ganite;                 ///< GANITE (Yoon et al. 2018): counterfactual GAN, then an inference network

/// TARNet (Shalit et al. 2017): a shared representation and two outcome heads trained on the
/// factual loss. effect(X) = mu1_hat - mu0_hat; ate() averages it over the fitted rows.
template <std::floating_point T = double>
using tarnet = neural_effect_estimator<T, tarnet_options>;

/// CFR (counterfactual regression, Shalit et al. 2017): TARNet plus the balance penalty
/// alpha * IPM(Phi_treated, Phi_control) on each batch (linear MMD or Sinkhorn-Wasserstein).
template <std::floating_point T = double>
using cfr = neural_effect_estimator<T, cfr_options>;

/// DragonNet (Shi et al. 2019): shared layers, two outcome heads and a propensity head; loss =
/// factual MSE + alpha * BCE(t, g) + beta * targeted regularisation with a trained epsilon.
template <std::floating_point T = double>
using dragonnet = neural_effect_estimator<T, dragonnet_options>;

}  // namespace causalrec::causal
