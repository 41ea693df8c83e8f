#pragma once
/// @file
/// Activation layers: relu, leaky_relu, sigmoid, tanh (element-wise) and softmax (per row).
/// Each keeps its output (the backward pass needs only the output) and its input gradient.

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <type_traits>

#include <nlohmann/json_fwd.hpp>

#include "../core/compiler.hpp"
#include "../core/elementwise.hpp"
#include "../core/math.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/tensor.hpp"
#include "../core/shape_cache.hpp"
#include "fwd.hpp"

namespace causalrec::nn {

namespace detail {

struct relu_op;

/// An element-wise activation y = f(x) whose backward step dL/dx is a function of dL/dy and y
/// (Op::backward(g, y)); the ops are written as selects and products so that the loops vectorize.
template <class T, class Op>
class elementwise_activation {
public:
    /// Value type of the layer.
    using value_type = T;
    /// Whether this is relu (dense layers fuse it with their SSE2 kernels).
    static constexpr bool is_relu = std::is_same_v<Op, relu_op>;

    elementwise_activation() = default;
    explicit elementwise_activation(Op op) : op_(op) {}

    /// y = f(x), element by element.
    const matrix<T>& forward(const matrix<T>& x) {
        matrix<T>& y = output_.get(x.shape()[0], x.shape()[1]);
        const T* CAUSALREC_RESTRICT in = x.data();
        T* CAUSALREC_RESTRICT out = y.data();
        const std::size_t n = x.size();
        if constexpr (is_relu) elementwise::relu(in, out, n);  // without a branch per value
        else
            for (std::size_t i = 0; i < n; ++i) out[i] = op_.apply(in[i]);
        last_ = &y;
        return y;
    }

    /// Inference over raw rows (element-wise, so y may equal x).
    static constexpr bool infers_in_place = true;
    /// y = f(x) for rows x width values, nothing kept for backward.
    void infer(const T* x, std::size_t rows, std::size_t width, T* y) const {
        const std::size_t n = rows * width;
        if constexpr (is_relu) elementwise::relu(x, y, n);
        else
            for (std::size_t i = 0; i < n; ++i) y[i] = op_.apply(x[i]);
    }
    /// The width is unchanged.
    std::size_t inference_width(std::size_t width) const noexcept { return width; }
    /// f(x) for one value (sequential fuses it into the pass of the layer before).
    T activate(T x) const noexcept { return op_.apply(x); }
    /// The buffer of the next output, (rows, width), recorded as the last output: sequential has the
    /// layer before write f(x) straight into it (dense::forward_into) instead of calling forward.
    matrix<T>& output_for(std::size_t rows, std::size_t width) {
        matrix<T>& y = output_.get(rows, width);
        last_ = &y;
        return y;
    }
    /// dL/dx for one value from dL/dy and y = f(x) (sequential fuses it into the backward pass of
    /// the layer after).
    T gradient_from_output(T grad, T y) const noexcept { return op_.backward(grad, y); }

    /// dL/dx = dL/dy * f'(x), with f'(x) computed from y.
    const matrix<T>& backward(const matrix<T>& grad_output) {
        if (last_ == nullptr) throw argument_error(causalrec::error_message("nn", Op::name, "backward called before forward"));
        const matrix<T>& y = *last_;
        if (grad_output.shape() != y.shape())
            throw shape_error(causalrec::error_message("nn", Op::name, "gradient shape differs from the output shape"));
        matrix<T>& dx = input_grad_.get(y.shape()[0], y.shape()[1]);
        const T* CAUSALREC_RESTRICT g = grad_output.data();
        const T* CAUSALREC_RESTRICT out = y.data();
        T* CAUSALREC_RESTRICT d = dx.data();
        const std::size_t n = y.size();
        if constexpr (is_relu) elementwise::relu_gradient(g, out, d, n);
        else
            for (std::size_t i = 0; i < n; ++i) d[i] = op_.backward(g[i], out[i]);
        return dx;
    }

    /// No trainable parameters.
    std::array<parameter_view<T>, 0> parameters() noexcept { return {}; }

    /// The architecture: {"type": name, ...options}.
    template <class Json = nlohmann::json>
    Json config() const;

    /// The last output; raises argument_error before the first forward.
    const matrix<T>& output() const {
        if (last_ == nullptr) throw argument_error(causalrec::error_message("nn", Op::name, "output read before forward"));
        return *last_;
    }

private:
    Op op_{};
    shape_cache<T> output_, input_grad_;
    const matrix<T>* last_ = nullptr;
};

// Defined outside the class, so that the compiled part's extern template declarations keep the
// JSON construction of the library's activations out of every program (docs/compile-time.md).
template <class T, class Op>
template <class Json>
Json elementwise_activation<T, Op>::config() const {
    return op_.template config<Json>();
}

struct relu_op {
    static constexpr const char* name = "relu";
    template <class T>
    static T apply(T x) noexcept { return std::max(x, T(0)); }
    template <class T>
    static T backward(T g, T y) noexcept { return y > T(0) ? g : T(0); }
    template <class Json = nlohmann::json>
    Json config() const { return {{"type", name}}; }
};

struct leaky_relu_op {
    static constexpr const char* name = "leaky_relu";
    double slope = 0.01;
    template <class T>
    T apply(T x) const noexcept { return x > T(0) ? x : static_cast<T>(slope) * x; }
    template <class T>
    T backward(T g, T y) const noexcept { return y > T(0) ? g : g * static_cast<T>(slope); }
    template <class Json = nlohmann::json>
    Json config() const { return {{"type", name}, {"slope", slope}}; }
};

struct sigmoid_op {
    static constexpr const char* name = "sigmoid";
    template <class T>
    static T apply(T x) noexcept {
        return causalrec::sigmoid(x);
    }
    template <class T>
    static T backward(T g, T y) noexcept { return g * y * (T(1) - y); }
    template <class Json = nlohmann::json>
    Json config() const { return {{"type", name}}; }
};

struct tanh_op {
    static constexpr const char* name = "tanh";
    template <class T>
    static T apply(T x) noexcept { return std::tanh(x); }
    /// g (1 - y^2), written as g (1 - y)(1 + y): no product is added to anything, so no compiler
    /// fuses a multiply-add into it where FMA is available (in the AVX-512 kernels that run it fused)
    /// and not where it is not: the fused and the layer-by-layer passes give the same bits.
    template <class T>
    static T backward(T g, T y) noexcept { return g * ((T(1) - y) * (T(1) + y)); }
    template <class Json = nlohmann::json>
    Json config() const { return {{"type", name}}; }
};

}  // namespace detail

/// Rectified linear unit, max(x, 0).
template <class T>
class relu : public detail::elementwise_activation<T, detail::relu_op> {};

/// Leaky relu: x for x > 0, slope * x otherwise (slope > 0; default 0.01).
template <class T>
class leaky_relu : public detail::elementwise_activation<T, detail::leaky_relu_op> {
public:
    /// A leaky relu with the given negative slope.
    explicit leaky_relu(double slope = 0.01) : detail::elementwise_activation<T, detail::leaky_relu_op>(detail::leaky_relu_op{slope}) {
        if (!(slope > 0.0)) throw argument_error(causalrec::cat("causalrec::nn::leaky_relu: slope must be positive, got ", slope));
    }
};

/// Logistic sigmoid, 1 / (1 + exp(-x)), computed without overflow. A model ending in sigmoid and
/// trained with binary cross-entropy is differentiated through the logits (see train::fit).
template <class T>
class sigmoid : public detail::elementwise_activation<T, detail::sigmoid_op> {};

/// Hyperbolic tangent.
template <class T>
class tanh : public detail::elementwise_activation<T, detail::tanh_op> {};

/// Softmax over each row: y_ij = exp(x_ij - max_i) / sum_k exp(x_ik - max_i).
template <class T>
class softmax {
public:
    /// Value type of the layer.
    using value_type = T;

    /// Row-wise softmax, shifted by the row maximum for stability.
    const matrix<T>& forward(const matrix<T>& x) {
        const std::size_t rows = x.shape()[0], cols = x.shape()[1];
        matrix<T>& y = output_.get(rows, cols);
        infer(x.data(), rows, cols, y.data());
        last_ = &y;
        return y;
    }

    /// Inference over raw rows (row by row, so y may equal x).
    static constexpr bool infers_in_place = true;
    /// The softmax of each of `rows` rows of `cols` values, nothing kept for backward.
    void infer(const T* x, std::size_t rows, std::size_t cols, T* y) const {
        for (std::size_t i = 0; i < rows; ++i) {
            const T* in = x + i * cols;
            T* out = y + i * cols;
            const T m = cols ? *std::max_element(in, in + cols) : T(0);
            T sum = 0;
            for (std::size_t j = 0; j < cols; ++j) sum += out[j] = std::exp(in[j] - m);
            for (std::size_t j = 0; j < cols; ++j) out[j] /= sum;
        }
    }
    /// The width is unchanged.
    std::size_t inference_width(std::size_t width) const noexcept { return width; }

    /// dL/dx_j = y_j (dL/dy_j - sum_k dL/dy_k y_k), per row.
    const matrix<T>& backward(const matrix<T>& grad_output) {
        if (last_ == nullptr) throw argument_error("causalrec::nn::softmax: backward called before forward");
        const matrix<T>& y = *last_;
        if (grad_output.shape() != y.shape()) throw shape_error("causalrec::nn::softmax: gradient shape differs from the output shape");
        const std::size_t rows = y.shape()[0], cols = y.shape()[1];
        matrix<T>& dx = input_grad_.get(rows, cols);
        for (std::size_t i = 0; i < rows; ++i) {
            const T* g = grad_output.data() + i * cols;
            const T* out = y.data() + i * cols;
            T dot = 0;
            for (std::size_t j = 0; j < cols; ++j) dot += g[j] * out[j];
            T* d = dx.data() + i * cols;
            for (std::size_t j = 0; j < cols; ++j) d[j] = out[j] * (g[j] - dot);
        }
        return dx;
    }

    /// No trainable parameters.
    std::array<parameter_view<T>, 0> parameters() noexcept { return {}; }
    /// The architecture: {"type": "softmax"}.
    template <class Json = nlohmann::json>
    Json config() const { return {{"type", "softmax"}}; }

private:
    shape_cache<T> output_, input_grad_;
    const matrix<T>* last_ = nullptr;
};

/// Declares (`extern`) or defines (empty) config<nlohmann::json>() of the element-wise activation with
/// the operation OP and value type T.
#define CAUSALREC_NN_ACTIVATION_CONFIG(EXTERN, T, OP) \
    EXTERN template nlohmann::json detail::elementwise_activation<T, detail::OP>::config<nlohmann::json>() const;

/// CAUSALREC_NN_ACTIVATION_CONFIG for every element-wise activation of the library (compiled once in
/// causalrec::compiled with CAUSALREC_COMPILED).
#define CAUSALREC_NN_ACTIVATION_INSTANTIATIONS(EXTERN, T)   \
    CAUSALREC_NN_ACTIVATION_CONFIG(EXTERN, T, relu_op)       \
    CAUSALREC_NN_ACTIVATION_CONFIG(EXTERN, T, leaky_relu_op) \
    CAUSALREC_NN_ACTIVATION_CONFIG(EXTERN, T, sigmoid_op)    \
    CAUSALREC_NN_ACTIVATION_CONFIG(EXTERN, T, tanh_op)

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_NN_ACTIVATION_INSTANTIATIONS(extern, float)
CAUSALREC_NN_ACTIVATION_INSTANTIATIONS(extern, double)
#endif

}  // namespace causalrec::nn
