#pragma once
/// @file
/// The nn module: the Layer concept, dense, activations, dropout, embedding, layer normalisation,
/// self-attention, recurrent layers (GRU, LSTM), convolution and pooling over time, positional
/// embeddings, residual blocks, initialisers and sequential models.

#include "../core/core.hpp"
#include "activations.hpp"
#include "attention.hpp"
#include "concepts.hpp"
#include "convolution.hpp"
#include "dense.hpp"
#include "dropout.hpp"
#include "embedding.hpp"
#include "initializers.hpp"
#include "layer_norm.hpp"
#include "positional.hpp"
#include "recurrent.hpp"
#include "residual.hpp"
#include "sequential.hpp"
