#pragma once
/// @file
/// The explain module: attributions of a model's predictions — exact Shapley values, KernelSHAP,
/// Integrated Gradients, gradient x input, permutation importance, partial dependence and ICE
/// curves. Attributions describe the model, not causal effects.

#include "gradients.hpp"
#include "partial_dependence.hpp"
#include "permutation.hpp"
#include "policy_tree.hpp"
#include "shapley.hpp"
