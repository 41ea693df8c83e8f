#pragma once
/// @file
/// The causal module: concepts, propensity models, debiased learning and evaluation, treatment
/// effect estimators, meta-learners, neural effect models, uplift, causal discovery.

#include "concepts.hpp"
#include "simulator.hpp"
#include "linear.hpp"
#include "estimator.hpp"
#include "propensity.hpp"
#include "ate.hpp"
#include "meta_learners.hpp"
#include "uplift.hpp"
#include "exposure.hpp"
#include "debias.hpp"
#include "offpolicy.hpp"
#include "neural.hpp"
#include "discovery.hpp"
