#pragma once
/// @file
/// The Layer concept and the optional members a layer may offer, detected structurally.

#include <concepts>
#include <cstddef>
#include <ranges>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

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

/// Optional: an inference pass over raw rows, with no backward state kept. infer(x, rows, width, y)
/// maps `rows` rows of `width` columns at x to rows of inference_width(width) columns at y, exactly
/// as forward would at inference. A layer whose `static constexpr bool infers_in_place` is true is
/// element-wise or row-wise: it accepts y == x and keeps the width.
template <class L, class T>
concept InferenceLayer = requires(const L& layer, const T* x, T* y, std::size_t rows, std::size_t width) {
    { layer.inference_width(width) } -> std::convertible_to<std::size_t>;
    layer.infer(x, rows, width, y);
};

/// Optional: an element-wise activation that exposes f for one value (activate(x) -> T), so that the
/// layer before it can apply it while it writes its output (dense::infer_then).
template <class L, class T>
concept ElementwiseActivation = requires(const L& layer, T x) {
    { layer.activate(x) } -> std::same_as<T>;
};

/// A model (a layer or a sequential whose layers all allow it) with an inference pass over raw rows:
/// inference_width(width) and infer(x, rows, width, y) as for InferenceLayer; train::predict uses it.
template <class M, class T>
concept InferenceModel = requires(M& model, const T* x, T* y, std::size_t rows, std::size_t width) {
    { model.inference_width(width) } -> std::convertible_to<std::size_t>;
    model.infer(x, rows, width, y);
};

/// Optional: per-sample gradients of the last backward pass without a loop over the samples (what
/// DP-SGD clips). The gradient a batch of `rows` rows leaves in parameters() is a sum of one
/// contribution per row; add_per_sample_squared_norms adds each row's squared L2 norm of its
/// contribution, over all the layer's parameters, to norms[row], and rescale_per_sample rewrites the
/// gradients as the sum of contributions weighted by scale[row]. Both read what forward and backward
/// kept (the input and the output gradient), so they are valid until the next forward or backward.
/// defer_parameter_gradients(true) lets backward skip the parameter gradients (only the input
/// gradient and what the two need are formed), for a caller that will call rescale_per_sample.
template <class L, class T>
concept PerSampleGradientLayer = requires(L& layer, std::span<double> norms, std::span<const T> scale, bool defer) {
    layer.add_per_sample_squared_norms(norms);
    layer.rescale_per_sample(scale);
    layer.defer_parameter_gradients(defer);
};

/// True for a layer type whose parameters() is an empty fixed-size array (activations, dropout).
template <class L>
inline constexpr bool has_no_parameters_v = [] {
    if constexpr (requires(L& layer) { std::tuple_size<std::remove_cvref_t<decltype(layer.parameters())>>::value; }) {
        return std::tuple_size_v<std::remove_cvref_t<decltype(std::declval<L&>().parameters())>> == 0;
    } else {
        return false;
    }
}();

/// True for a layer type that declares `static constexpr bool infers_in_place = true`.
template <class L>
inline constexpr bool infers_in_place_v = false;
/// The declared value, for a layer type that declares infers_in_place.
template <class L>
    requires requires { L::infers_in_place; }
inline constexpr bool infers_in_place_v<L> = static_cast<bool>(L::infers_in_place);

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
