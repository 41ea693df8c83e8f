#pragma once
/// @file
/// The privacy module: the Rényi differential privacy accountant of the sampled Gaussian mechanism
/// (epsilon of a DP-SGD run, the noise multiplier for a target epsilon).

#include "accountant.hpp"
