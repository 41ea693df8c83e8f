#pragma once
/// @file
/// Forward declarations of the optim module's main types, so that a header can name them (pointers,
/// references, function declarations) without including their definitions.

#include <concepts>

namespace causalrec::optim {

template <std::floating_point T = float>
class sgd;      ///< SGD with momentum (torch.optim.SGD)
template <std::floating_point T = float>
class gd;       ///< full-batch gradient descent
template <std::floating_point T = float>
class adam;     ///< Adam (coupled L2)
template <std::floating_point T = float>
class adamw;    ///< AdamW (decoupled weight decay)
template <std::floating_point T = float>
class adagrad;  ///< Adagrad
template <std::floating_point T = float>
class rmsprop;  ///< RMSprop
template <std::floating_point T = double>
class lbfgs;    ///< L-BFGS (full batch, closure step)

}  // namespace causalrec::optim
