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
namespace detail {
template <class T>
struct gru_cell;   ///< the GRU's step equations
template <class T>
struct lstm_cell;  ///< the LSTM's step equations
}  // namespace detail
template <class T, class Cell>
class recurrent;  ///< a recurrent layer over sequence batches, one cell type per step
/// Gated recurrent unit over sequence batches (nn/recurrent.hpp; PyTorch's equations):
/// r = sigmoid(x W_ir + b_ir + h W_hr + b_hr), z = sigmoid(x W_iz + b_iz + h W_hz + b_hz),
/// n = tanh(x W_in + b_in + r * (h W_hn + b_hn)), h' = (1 - z) * n + z * h.
template <class T = float>
using gru = recurrent<T, detail::gru_cell<T>>;
/// Long short-term memory over sequence batches (nn/recurrent.hpp; PyTorch's equations): i, f, o =
/// sigmoid(...), g = tanh(...) from x W_ih + b_ih + h W_hh + b_hh, c' = f * c + i * g, h' = o * tanh(c').
template <class T = float>
using lstm = recurrent<T, detail::lstm_cell<T>>;
template <class T = float>
class conv1d;  ///< 1-D convolution over time
template <class T = float>
class temporal_pooling;  ///< max or mean over each sequence's steps
template <class T = float>
class positional_embedding;  ///< learned per-position vectors added to a sequence batch
template <class Inner>
class residual;  ///< y = x + inner(x)
template <class... Layers>
class sequential;  ///< layers applied in order

}  // namespace causalrec::nn
