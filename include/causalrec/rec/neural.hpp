#pragma once
/// @file
/// Neural recommenders for implicit feedback: NeuMF (He et al. 2017, "Neural Collaborative
/// Filtering") and a two-tower model (after Yi et al. 2019) with optional user and item side
/// features. Both are built from the nn module's embedding and dense layers and trained by
/// train::fit through an objective (implicit_feedback_objective) that carries user and item ids as
/// integers, on binary cross-entropy from logits, with negatives sampled afresh every epoch.

#include "neural/neumf.hpp"
#include "neural/two_tower.hpp"
