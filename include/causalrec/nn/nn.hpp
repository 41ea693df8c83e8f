#pragma once
/// @file
/// The nn module: the Layer concept, dense, activations, dropout, embedding, layer normalisation,
/// self-attention, initialisers and sequential models.

#include "../core/core.hpp"
#include "activations.hpp"
#include "attention.hpp"
#include "concepts.hpp"
#include "dense.hpp"
#include "dropout.hpp"
#include "embedding.hpp"
#include "initializers.hpp"
#include "layer_norm.hpp"
#include "sequential.hpp"
