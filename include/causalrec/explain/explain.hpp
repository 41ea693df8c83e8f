#pragma once
/// @file
/// The explain module: attributions of a model's predictions — exact Shapley values, KernelSHAP,
/// Integrated Gradients and gradient x input. Attributions describe the model, not causal effects.

#include "gradients.hpp"
#include "shapley.hpp"
