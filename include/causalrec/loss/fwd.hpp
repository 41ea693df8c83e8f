#pragma once
/// @file
/// Forward declarations of the loss module's main types, so that a header can name them (pointers,
/// references, function declarations) without including their definitions.

namespace causalrec::loss {

class mse;                               ///< mean squared error
class huber;                             ///< Huber loss
class pinball;                           ///< pinball (quantile) loss
class binary_cross_entropy;              ///< BCE on probabilities
class binary_cross_entropy_with_logits;  ///< BCE on logits
class categorical_cross_entropy;         ///< softmax cross-entropy on logits (multi-class)

}  // namespace causalrec::loss
