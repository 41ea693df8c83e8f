#pragma once
/// @file
/// sequential(layers...): a model that chains any layers satisfying the Layer concept. The chain is a
/// std::tuple resolved at compile time: no virtual calls, no type erasure on the hot path.

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "../core/compiler.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "concepts.hpp"
#include "detail/fusion.hpp"

namespace causalrec::nn {

/// A chain of layers applied in order. All layers share one value type.
template <class... Layers>
class sequential {
    static_assert(sizeof...(Layers) > 0, "sequential needs at least one layer");

public:
    /// Value type of the model (that of its layers).
    using value_type = typename std::tuple_element_t<0, std::tuple<Layers...>>::value_type;
    static_assert((std::is_same_v<typename Layers::value_type, value_type> && ...),
                  "sequential: all layers must have the same value type (e.g. dense<double> with relu<double>)");
    static_assert((Layer<Layers, value_type> && ...), "sequential: every layer must satisfy nn::Layer");

    /// Number of layers.
    static constexpr std::size_t size = sizeof...(Layers);
    /// Whether some layer has sparse parameters (an embedding): see nn::has_sparse_parameters_v.
    static constexpr bool sparse_parameters = (has_sparse_parameters_v<Layers> || ...);

    /// A model made of the given layers, in order.
    explicit sequential(Layers... layers) : layers_(std::move(layers)...) {
        // The first layer's input gradient is never needed.
        if constexpr (InputGradientOptional<std::tuple_element_t<0, std::tuple<Layers...>>>)
            std::get<0>(layers_).set_input_gradient(false);
    }

    /// Runs every layer forward; returns the last layer's output.
    const matrix<value_type>& forward(const matrix<value_type>& x) { return forward_first<size>(x); }

    /// Runs every layer backward from dL/d(output); returns dL/d(input) (empty when the first layer skips it).
    const matrix<value_type>& backward(const matrix<value_type>& grad) { return backward_first<size>(grad); }

    /// Runs the first N layers forward.
    template <std::size_t N>
    const matrix<value_type>& forward_first(const matrix<value_type>& x) {
        static_assert(N <= size);
        return forward_from<0, N>(x);
    }

    /// Runs the first N layers backward, from the gradient w.r.t. layer N-1's output.
    template <std::size_t N>
    const matrix<value_type>& backward_first(const matrix<value_type>& grad) {
        static_assert(N <= size);
        if constexpr (N == 0) {
            return grad;
        } else if constexpr (fuses_backward_with_previous<N - 1>()) {
            // An element-wise activation before a dense layer: its backward step runs in the last
            // pass of the dense layer's input-gradient product (same values, one pass fewer).
            auto& layer = std::get<N - 1>(layers_);
            const auto& activation = std::get<N - 2>(layers_);
            const matrix<value_type>& out = activation.output();  // raises before a forward
            if (layer.input_gradient() && out.shape()[0] == grad.shape()[0] && out.shape()[1] == layer.inputs()) {
                using gate = detail::activation_gate<std::remove_cvref_t<decltype(activation)>>;
                const matrix<value_type>& g = layer.backward_then(grad, gate{&activation, out.data()});
                return backward_first<N - 2>(g);
            }
            return backward_first<N - 1>(layer.backward(grad));
        } else {
            const matrix<value_type>& g = std::get<N - 1>(layers_).backward(grad);
            return backward_first<N - 1>(g);
        }
    }

    /// Whether every layer has an inference pass (nn::InferenceLayer); then infer is available and
    /// train::predict runs it instead of forward.
    static constexpr bool has_inference = (InferenceLayer<Layers, value_type> && ...);

    /// Columns of infer's output for `width` input columns.
    std::size_t inference_width(std::size_t width) const
        requires has_inference
    {
        std::apply([&](const auto&... layer) { ((width = layer.inference_width(width)), ...); }, layers_);
        return width;
    }

    /// Inference over raw rows: `rows` rows of `width` columns at x to rows of inference_width(width)
    /// columns at out, with the values forward gives in inference mode (same BLAS calls, same order).
    /// Nothing is kept for backward; element-wise layers (activations, dropout) run in place on the
    /// output of the layer before them, the last layers write straight into out, and the rest use two
    /// work buffers the model keeps (no allocation once they are large enough). out must not overlap x.
    void infer(const value_type* x, std::size_t rows, std::size_t width, value_type* out)
        requires has_inference
    {
        std::size_t widest = 0, w = width;
        std::apply([&](const auto&... layer) { ((w = layer.inference_width(w), widest = std::max(widest, w)), ...); }, layers_);
        for (auto& buffer : inference_buffers_)
            if (buffer.size() < rows * widest) buffer.resize(rows * widest);
        infer_from<0>(x, nullptr, rows, width, out);
    }

    /// Whether every layer with parameters offers per-sample gradients (nn::PerSampleGradientLayer: dense,
    /// embedding) and the others have none; then the model offers them too (DP-SGD clips with them).
    static constexpr bool has_per_sample_gradients =
        ((PerSampleGradientLayer<Layers, value_type> || has_no_parameters_v<Layers>) && ...);

    /// Adds each batch row's squared norm of its contribution to the last backward pass's gradients,
    /// over all parameters, to norms[row] (see nn::PerSampleGradientLayer).
    void add_per_sample_squared_norms(std::span<double> norms) const
        requires has_per_sample_gradients
    {
        std::apply([&](const auto&... layer) { (add_norms(layer, norms), ...); }, layers_);
    }

    /// Rewrites every gradient as the batch rows' contributions weighted by scale[row].
    void rescale_per_sample(std::span<const value_type> scale)
        requires has_per_sample_gradients
    {
        std::apply([&](auto&... layer) { (rescale(layer, scale), ...); }, layers_);
    }

    /// With true, backward leaves the parameter gradients to rescale_per_sample (every layer).
    void defer_parameter_gradients(bool defer)
        requires has_per_sample_gradients
    {
        std::apply([&](auto&... layer) { (defer_layer(layer, defer), ...); }, layers_);
    }

    /// Views of every trainable tensor, in layer order. The views stay valid while the model is not
    /// moved; fetch them again after moving it.
    std::vector<parameter_view<value_type>> parameters() {
        std::vector<parameter_view<value_type>> out;
        std::apply([&](auto&... layer) { (append(out, layer.parameters()), ...); }, layers_);
        return out;
    }

    /// The same views paired with stable names "layer<i>.<name>" (i = the layer's position), as
    /// model files store them.
    std::vector<std::pair<std::string, parameter_view<value_type>>> named_parameters() {
        std::vector<std::pair<std::string, parameter_view<value_type>>> out;
        std::size_t index = 0;
        std::apply([&](auto&... layer) { (name_layer(out, index++, layer.parameters()), ...); }, layers_);
        return out;
    }

    /// Switches every layer that has a training mode (dropout) to training (true) or inference (false).
    void set_training(bool training) {
        std::apply([&](auto&... layer) { (set_mode(layer, training), ...); }, layers_);
    }

    /// Re-initialises every initialisable layer from one seed (each layer gets its own stream).
    void initialize(std::uint64_t seed) {
        rng engine(seed);
        std::apply([&](auto&... layer) { (init_layer(layer, engine), ...); }, layers_);
    }

    /// The architecture: {"type": "sequential", "layers": [each layer's config]}.
    template <class Json = nlohmann::json>
    Json config() const {
        std::vector<Json> layers;
        layers.reserve(size);
        std::apply([&](const auto&... layer) { (layers.push_back(layer_config<Json>(layer)), ...); }, layers_);
        return detail::layered_architecture<Json>("sequential", std::move(layers));
    }

    /// The I-th layer.
    template <std::size_t I>
    auto& layer() noexcept { return std::get<I>(layers_); }
    /// The I-th layer.
    template <std::size_t I>
    const auto& layer() const noexcept { return std::get<I>(layers_); }

private:
    template <std::size_t I, std::size_t N>
    const matrix<value_type>& forward_from(const matrix<value_type>& x) {
        if constexpr (I == N) {
            return x;
        } else if constexpr (I + 1 < N && fusion_with_next<I>().training) {
            // dense then an element-wise activation: the product's last pass applies the bias and the
            // activation and writes the activation's output (same values as two passes).
            auto& layer = std::get<I>(layers_);
            auto& activation = std::get<I + 1>(layers_);
            matrix<value_type>& y = activation.output_for(x.shape()[0], layer.outputs());
            layer.forward_into(x, y, detail::activate_fn<std::remove_cvref_t<decltype(activation)>>{&activation});
            return forward_from<I + 2, N>(y);
        } else {
            const matrix<value_type>& y = std::get<I>(layers_).forward(x);
            return forward_from<I + 1, N>(y);
        }
    }

    /// Whether layer L and the element-wise activation Next after it fuse: at inference, L applies a
    /// function after its product (dense::infer_then); in training, L also writes through it into a
    /// buffer (dense::forward_into) that Next hands out (output_for).
    template <class L, class Next>
    struct forward_fusion {
        static constexpr bool inference =
            ElementwiseActivation<Next, value_type> && requires(const L& layer, const value_type* x, value_type* y, std::size_t n) {
                layer.infer_then(x, n, n, y, [](value_type v) { return v; });
            };
        static constexpr bool training =
            ElementwiseActivation<Next, value_type> &&
            requires(Next& activation, std::size_t n) {
                { activation.output_for(n, n) } -> std::same_as<matrix<value_type>&>;
            } &&
            requires(L& layer, const matrix<value_type>& x, matrix<value_type>& y) {
                layer.forward_into(x, y, [](value_type v) { return v; });
                { layer.outputs() } -> std::convertible_to<std::size_t>;
            };
    };

    /// The forward_fusion of layers I and I + 1 (I + 1 < size).
    template <std::size_t I>
    using forward_fusion_at = forward_fusion<std::tuple_element_t<I, std::tuple<Layers...>>, std::tuple_element_t<I + 1, std::tuple<Layers...>>>;

    /// Whether a layer fuses with the activation after it, at inference and in training.
    struct fusion_flags {
        bool inference;  ///< forward_fusion::inference
        bool training;   ///< forward_fusion::training
    };
    /// The fusion_flags of layers I and I + 1 (both false for the last layer).
    template <std::size_t I>
    static constexpr fusion_flags fusion_with_next() {
        if constexpr (I + 1 >= size) {
            return {false, false};
        } else {
            return {forward_fusion_at<I>::inference, forward_fusion_at<I>::training};
        }
    }

    /// Whether layers I.. (to the end) all run in place.
    template <std::size_t I>
    static constexpr bool in_place_from() {
        if constexpr (I == size) {
            return true;
        } else {
            return infers_in_place_v<std::tuple_element_t<I, std::tuple<Layers...>>> && in_place_from<I + 1>();
        }
    }

    /// Whether layer I has a gated backward pass (dense::backward_then) and layer I - 1 is an
    /// element-wise activation whose backward step it can apply.
    template <std::size_t I>
    static constexpr bool fuses_backward_with_previous() {
        if constexpr (I == 0) {
            return false;
        } else {
            using L = std::tuple_element_t<I, std::tuple<Layers...>>;
            using Previous = std::tuple_element_t<I - 1, std::tuple<Layers...>>;
            return requires(const Previous& activation, value_type v) {
                { activation.gradient_from_output(v, v) } -> std::same_as<value_type>;
                { activation.output() } -> std::same_as<const matrix<value_type>&>;
            } && requires(L& layer, const matrix<value_type>& g) {
                layer.backward_then(g, [](value_type v, std::size_t) { return v; });
                { layer.input_gradient() } -> std::convertible_to<bool>;
                { layer.inputs() } -> std::convertible_to<std::size_t>;
            };
        }
    }

    /// Runs layers I.. on `input` (writable points to it when it is a buffer of ours or out).
    template <std::size_t I>
    void infer_from(const value_type* input, value_type* writable, std::size_t rows, std::size_t width, value_type* out) {
        if constexpr (I == size) {
            if (input != out) std::copy_n(input, rows * width, out);
        } else {
            const auto& layer = std::get<I>(layers_);
            value_type* target;
            if (infers_in_place_v<std::remove_cvref_t<decltype(layer)>> && writable != nullptr) {
                target = writable;
            } else if (in_place_from<I + 1>()) {
                target = out;
            } else {
                target = writable == inference_buffers_[0].data() ? inference_buffers_[1].data() : inference_buffers_[0].data();
            }
            if constexpr (fusion_with_next<I>().inference) {
                // dense then an element-wise activation: one pass applies the bias and the activation
                // (the target chosen above suits both: the activation runs in place).
                const auto& next = std::get<I + 1>(layers_);
                layer.infer_then(input, rows, width, target, detail::activate_fn<std::remove_cvref_t<decltype(next)>>{&next});
                infer_from<I + 2>(target, target, rows, layer.inference_width(width), out);
            } else {
                layer.infer(input, rows, width, target);
                infer_from<I + 1>(target, target, rows, layer.inference_width(width), out);
            }
        }
    }

    template <class Range>
    static void append(std::vector<parameter_view<value_type>>& out, Range&& params) {
        for (const auto& p : params)
            if (p.size() > 0) out.push_back(p);
    }
    template <class Range>
    static void name_layer(std::vector<std::pair<std::string, parameter_view<value_type>>>& out, std::size_t index,
                           Range&& params) {
        for (const auto& p : params)
            if (p.size() > 0) out.emplace_back(std::string("layer").append(std::to_string(index)).append(".").append(p.name), p);
    }
    template <class L>
    static void add_norms(const L& layer, std::span<double> norms) {
        if constexpr (PerSampleGradientLayer<L, value_type>) layer.add_per_sample_squared_norms(norms);
    }
    template <class L>
    static void rescale(L& layer, std::span<const value_type> scale) {
        if constexpr (PerSampleGradientLayer<L, value_type>) layer.rescale_per_sample(scale);
    }
    template <class L>
    static void defer_layer(L& layer, bool defer) {
        if constexpr (PerSampleGradientLayer<L, value_type>) layer.defer_parameter_gradients(defer);
    }
    template <class L>
    static void set_mode(L& layer, bool training) {
        if constexpr (HasTrainingMode<L>) layer.set_training(training);
    }
    template <class L>
    static void init_layer(L& layer, rng& engine) {
        if constexpr (Initializable<L>) {
            rng stream = engine.split();
            layer.initialize(stream);
        }
    }
    template <class Json, class L>
    static Json layer_config(const L& layer) {
        if constexpr (Configurable<L>) return layer.config();
        else return {{"type", "custom"}};
    }

    std::tuple<Layers...> layers_;
    std::array<std::vector<value_type>, 2> inference_buffers_{};  // infer's work buffers
};

}  // namespace causalrec::nn

// With CAUSALREC_COMPILED, the dense layer's passes fused with the library's element-wise activations
// (forward_into and infer_then with an activate_fn, backward_then with an activation_gate) are compiled
// once in causalrec::compiled for float and double, instead of in every program that trains a
// sequential; so is the JSON of a sequential's architecture (docs/compile-time.md).
#if !CAUSALREC_HEADER_ONLY
#include "activations.hpp"
#include "dense.hpp"

namespace causalrec::nn {

/// Declares (`extern`) or defines (empty) the dense<T> passes fused with the activation A<T>.
#define CAUSALREC_NN_FUSED_INSTANTIATIONS(EXTERN, T, A)                                                                 \
    EXTERN template void dense<T>::forward_into<detail::activate_fn<A<T>>>(const matrix<T>&, matrix<T>&,                \
                                                                          detail::activate_fn<A<T>>);                   \
    EXTERN template void dense<T>::infer_then<detail::activate_fn<A<T>>>(const T*, std::size_t, std::size_t, T*,        \
                                                                        detail::activate_fn<A<T>>) const;               \
    EXTERN template const matrix<T>& dense<T>::backward_then<detail::activation_gate<A<T>>>(const matrix<T>&,           \
                                                                                           detail::activation_gate<A<T>>);

/// CAUSALREC_NN_FUSED_INSTANTIATIONS for every element-wise activation of the library.
#define CAUSALREC_NN_ALL_FUSED_INSTANTIATIONS(EXTERN, T)   \
    CAUSALREC_NN_FUSED_INSTANTIATIONS(EXTERN, T, relu)       \
    CAUSALREC_NN_FUSED_INSTANTIATIONS(EXTERN, T, leaky_relu) \
    CAUSALREC_NN_FUSED_INSTANTIATIONS(EXTERN, T, sigmoid)    \
    CAUSALREC_NN_FUSED_INSTANTIATIONS(EXTERN, T, tanh)

CAUSALREC_NN_ALL_FUSED_INSTANTIATIONS(extern, float)
CAUSALREC_NN_ALL_FUSED_INSTANTIATIONS(extern, double)
extern template nlohmann::json detail::layered_architecture<nlohmann::json>(const char*, std::vector<nlohmann::json>);

}  // namespace causalrec::nn
#endif
