#pragma once
/// @file
/// The causal module: concepts, propensity models, debiased learning and evaluation, treatment
/// effect estimators, meta-learners, neural effect models, uplift.

#include "concepts.hpp"
#include "simulator.hpp"
