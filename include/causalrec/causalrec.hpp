#pragma once
/// @file
/// Umbrella header: includes every module of causalrec.

#include "core/core.hpp"
#include "data/data.hpp"
#include "metrics/metrics.hpp"
#include "preprocess/preprocess.hpp"
