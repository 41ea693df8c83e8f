#pragma once
/// @file
/// Neural treatment-effect estimators: TARNet and CFR (Shalit, Johansson & Sontag, ICML 2017),
/// DragonNet (Shi, Blei & Veitch, NeurIPS 2019) and GANITE (Yoon, Jordon & van der Schaar, ICLR 2018). Each is a shared representation Phi(x) of dense
/// layers followed by two outcome heads h0, h1 (and, for DragonNet, a propensity head), built from
/// the nn module's dense layers and trained with train::fit and an optimizer (Adam by default).
///
/// How the two-head loss is trained: effect_objective (a train::Objective) owns the covariates, the
/// outcomes and the treatments; for a batch it runs the network (heads [mu0_hat, mu1_hat, (propensity
/// logit, epsilon)] and the representation Phi), evaluates the factual loss, CFR's IPM penalty on Phi
/// and DragonNet's propensity and targeted-regularisation terms (detail::effect_loss), and sends their
/// gradients back through the heads and the representation. train::fit runs it with Adam; early
/// stopping watches the factual loss on held-out rows ("val_factual_loss", written by the objective at
/// the end of each epoch) and restores the best weights.

#include "neural/estimator.hpp"
#include "neural/ganite.hpp"
