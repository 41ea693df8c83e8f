#pragma once
/// @file
/// The Layer concept and the optional members a layer may offer, detected structurally.

#include <concepts>
#include <ranges>

#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"

namespace causalrec::nn {

/// A layer maps a batch (rows = samples) forward and a gradient backward, in buffers it owns, and
/// exposes its trainable tensors: forward(X) -> const matrix<T>&, backward(dY) -> const matrix<T>& (dX),
/// parameters() -> a range of parameter_view<T> (empty for activations).
template <class L, class T>
concept Layer = requires(L& layer, const matrix<T>& x) {
    { layer.forward(x) } -> std::same_as<const matrix<T>&>;
    { layer.backward(x) } -> std::same_as<const matrix<T>&>;
    { layer.parameters() } -> std::ranges::range;
    requires std::convertible_to<std::ranges::range_value_t<decltype(layer.parameters())>, parameter_view<T>>;
};

/// Optional: switches between training and inference behaviour (dropout).
template <class L>
concept HasTrainingMode = requires(L& layer, bool training) { layer.set_training(training); };

/// Optional: draws fresh initial parameters from an engine.
template <class L>
concept Initializable = requires(L& layer, rng& engine) { layer.initialize(engine); };

/// Optional: describes the layer's architecture as JSON (saved in model files and checked on load);
/// config() returns something nlohmann::json can be built from.
template <class L>
concept Configurable = requires(const L& layer) { layer.config(); };

/// Optional: can skip computing the gradient w.r.t. its input (the first layer of a model needs none).
template <class L>
concept InputGradientOptional = requires(L& layer, bool needed) { layer.set_input_gradient(needed); };

/// True for a layer type that declares `static constexpr bool sparse_parameters = true` (embedding), and
/// for a sequential model holding one: its parameter views are sparse, so only an optimizer that
/// honours touched rows (optim::handles_sparse_rows_v) may train it.
template <class L>
inline constexpr bool has_sparse_parameters_v = [] {
    if constexpr (requires { L::sparse_parameters; }) {
        return static_cast<bool>(L::sparse_parameters);
    } else {
        return false;
    }
}();

}  // namespace causalrec::nn
