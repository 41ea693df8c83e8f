#pragma once
/// @file
/// The optim module: sgd (momentum, Nesterov), gd (full batch), adam (AMSGrad), adamw, adagrad and
/// rmsprop with PyTorch 1.13's update rules, lbfgs (strong-Wolfe or backtracking line search), gradient clipping, lazy row-wise updates of sparse
/// parameters, learning-rate schedules and the Optimizer concept. See docs/optim.md.

#include "../core/core.hpp"
#include "adagrad.hpp"
#include "adam.hpp"
#include "concepts.hpp"
#include "lbfgs.hpp"
#include "rmsprop.hpp"
#include "schedules.hpp"
#include "sgd.hpp"
#include "state.hpp"
