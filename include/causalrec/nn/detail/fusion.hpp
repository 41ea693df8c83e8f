#pragma once
/// @file
/// Implementation helper of the nn module (not API): the function objects through which sequential
/// fuses an element-wise activation into the passes of the dense layer next to it. They are named by
/// the activation's type alone, not by the model that holds it, so a layer's fused kernels are
/// compiled once per activation type (and, with CAUSALREC_COMPILED, once in causalrec::compiled for
/// the library's activations), whichever sequential uses them. Also the JSON of a model's
/// architecture, built outside the model's own code for the same reason.

#include <cstddef>
#include <utility>
#include <vector>

namespace causalrec::nn::detail {

/// f(v) of an element-wise activation layer: the epilogue of the product before it.
template <class Activation>
struct activate_fn {
    const Activation* activation;  ///< the activation layer
    /// Whether f is relu (the dense layer then adds the bias and applies it with its SSE2 kernel).
    static constexpr bool is_relu = requires { requires Activation::is_relu; };
    /// f(v).
    typename Activation::value_type operator()(typename Activation::value_type v) const noexcept {
        return activation->activate(v);
    }
};

/// The backward step of an element-wise activation layer as the gate of the input gradient of the
/// product after it: gate(g, i) = dL/dx_i from g = dL/dy_i and the activation's output y_i.
template <class Activation>
struct activation_gate {
    const Activation* activation;                     ///< the activation layer
    const typename Activation::value_type* output;    ///< its last output, y
    /// Whether the activation is relu (the dense layer then gates with its SSE2 kernel).
    static constexpr bool is_relu = requires { requires Activation::is_relu; };
    /// dL/dx_i.
    typename Activation::value_type operator()(typename Activation::value_type g, std::size_t i) const noexcept {
        return activation->gradient_from_output(g, output[i]);
    }
};

/// {"type": type, "layers": [layers...]}: the architecture of a model made of layers, given their
/// configs. Json is nlohmann::json unless a caller asks for another JSON type; the caller includes it.
template <class Json>
Json layered_architecture(const char* type, std::vector<Json> layers) {
    Json out = Json::object();
    out["type"] = type;
    out["layers"] = std::move(layers);
    return out;
}

}  // namespace causalrec::nn::detail
