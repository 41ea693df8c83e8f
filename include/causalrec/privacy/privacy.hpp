#pragma once
/// @file
/// The privacy module: DP-SGD as a wrapper around any optimizer (per-sample clipping, Gaussian noise,
/// Poisson batches, epsilon in the History) and the Rényi differential privacy accountant of the
/// sampled Gaussian mechanism (epsilon of a run, the noise multiplier for a target epsilon).

#include "accountant.hpp"
#include "dp_sgd.hpp"
