#pragma once
/// @file
/// Debiased learning from missing-not-at-random feedback: inverse-propensity (IPS), self-normalised
/// (SNIPS) and doubly robust (DR) training objectives, as weights and pseudo-targets that any model
/// trained through train::fit can use, and ready matrix-factorisation recommenders MF-Naive, MF-IPS,
/// MF-SNIPS, MF-DR and DR-JL (Schnabel et al., ICML 2016; Wang et al., ICML 2019) trained full-batch
/// (L-BFGS or Adam) on a small user x item matrix such as Coat's 290 x 300.

#include "debias/mf.hpp"
#include "debias/weights.hpp"
