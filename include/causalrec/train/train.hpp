#pragma once
/// @file
/// The train module: fit / evaluate / predict, the History, and callbacks (progress bar, early
/// stopping, CSV logger, learning-rate schedules, lambdas).

#include "../core/core.hpp"
#include "callbacks.hpp"
#include "context.hpp"
#include "fit.hpp"
#include "history.hpp"
