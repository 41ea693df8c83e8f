#pragma once
/// @file
/// The bandit module: online policies (epsilon-greedy, softmax, UCB1, Bernoulli Thompson sampling,
/// LinUCB, linear and logistic Thompson sampling, a neural policy exploring on its last layer), slates, policy files, and a contextual simulator
/// with known click probabilities.

#include "concepts.hpp"
#include "linear.hpp"
#include "multi_armed.hpp"
#include "neural.hpp"
#include "persistence.hpp"
#include "simulator.hpp"
#include "slate.hpp"
