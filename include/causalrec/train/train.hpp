#pragma once
/// @file
/// The train module: fit / evaluate / predict, the History and its SVG chart, and callbacks (progress
/// bar, early stopping, model checkpoint, CSV logger, learning-rate schedules, lambdas).

#include "../core/core.hpp"
#include "adversarial.hpp"
#include "callbacks.hpp"
#include "chart.hpp"
#include "checkpoint.hpp"
#include "concepts.hpp"
#include "context.hpp"
#include "fit.hpp"
#include "forwarding_objective.hpp"
#include "function_objective.hpp"
#include "history.hpp"
#include "loop.hpp"
#include "supervised.hpp"
