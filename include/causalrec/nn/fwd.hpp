#pragma once
/// @file
/// Forward declarations of the nn module's main types, so that a header can name them (pointers,
/// references, function declarations) without including their definitions.

namespace causalrec::nn {

template <class T = float>
class dense;       ///< fully connected layer
template <class T = float>
class relu;        ///< max(x, 0)
template <class T = float>
class leaky_relu;  ///< x, or slope x below 0
template <class T = float>
class sigmoid;     ///< 1 / (1 + exp(-x))
template <class T = float>
class tanh;        ///< hyperbolic tangent
template <class T = float>
class softmax;     ///< row-wise softmax
template <class T = float>
class dropout;     ///< inverted dropout
template <class T = float>
class embedding;   ///< a table of learned rows looked up by index
template <class T = float>
class layer_norm;  ///< row-wise layer normalisation
template <class T = float>
class self_attention;  ///< multi-head scaled dot-product self-attention over sequence batches
template <class... Layers>
class sequential;  ///< layers applied in order

}  // namespace causalrec::nn
