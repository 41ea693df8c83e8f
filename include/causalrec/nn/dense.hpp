#pragma once
/// @file
/// The fully connected layer: Y = X W + b, with W of shape (in, out). Forward and backward run as
/// BLAS calls into buffers the layer owns; a layer with one output uses matrix-vector products.

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "../core/compiler.hpp"
#include "../core/elementwise.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../core/blas.hpp"
#include "../core/shape_cache.hpp"
#include "detail/norms.hpp"
#include "detail/small_gemm.hpp"
#include "initializers.hpp"
#include "fwd.hpp"

namespace causalrec::nn {

/// Options of a dense layer.
struct dense_options {
    initializer init = initializer::glorot_uniform;  ///< how the weights are drawn (the bias starts at zero)
    bool bias = true;                                ///< add a bias vector
    std::uint64_t seed = 0;                          ///< seed of the initial weights (sequential::initialize reseeds every layer)
};

/// Fully connected layer Y = X W + b; X is (batch, in), W is (in, out), Y is (batch, out).
template <class T>
class dense {
public:
    /// Value type of the layer.
    using value_type = T;

    /// A layer from `in` inputs to `out` outputs, initialised from options.seed.
    dense(std::size_t in, std::size_t out, dense_options options = {});

    /// Draws new weights from `engine` with the layer's initialiser; the bias is reset to zero.
    void initialize(rng& engine);

    /// Y = X W + b for a batch X of shape (batch, in); the result lives in the layer until the next call.
    const matrix<T>& forward(const matrix<T>& x);
    /// forward writing then(X W + b) into y, a (batch, out) buffer of the caller's, in the product's last
    /// pass: sequential runs an element-wise activation after this layer this way, into the
    /// activation's own output. The layer keeps x for backward, as forward does.
    template <class F>
    void forward_into(const matrix<T>& x, matrix<T>& y, F then);

    /// Inference: y (rows x out) = x (rows x in) W + b, nothing kept for backward; raises shape_error
    /// when width is not the layer's input size. y must not overlap x.
    void infer(const T* x, std::size_t rows, std::size_t width, T* y) const;
    /// Inference followed by an element-wise function: y = then(x W + b), the bias and `then` applied
    /// in one pass over the product (sequential fuses a following activation this way). In float, with
    /// a multiple of 16 outputs on a CPU with AVX-512F, the product runs in register tiles that apply
    /// bias and `then` before storing (nn/detail/small_gemm.hpp); otherwise it is a BLAS call followed
    /// by one pass for bias and `then`. forward runs the same code with `then` the identity.
    template <class F>
    void infer_then(const T* x, std::size_t rows, std::size_t width, T* y, F then) const;
    /// Columns of infer's output: the layer's output size.
    std::size_t inference_width(std::size_t) const noexcept { return outputs(); }

    /// Given dL/dY (batch, out), stores dL/dW and dL/db and returns dL/dX (batch, in).
    const matrix<T>& backward(const matrix<T>& grad_output);
    /// backward with dL/dX passed through gate(value, index) before it is returned (index = row * in +
    /// column): sequential folds the backward step of an element-wise activation before this layer
    /// into the product's last pass this way. Without an input gradient the gate is not called.
    template <class Gate>
    const matrix<T>& backward_then(const matrix<T>& grad_output, Gate gate);
    /// Whether backward computes dL/dX.
    bool input_gradient() const noexcept { return need_input_grad_; }

    /// The weight and (when enabled) the bias with their gradients.
    std::array<parameter_view<T>, 2> parameters();

    /// Adds each row's squared norm of its contribution to the last backward pass's dW and db to
    /// norms[row] (the ghost norm: |x_i|^2 |dy_i|^2 + |dy_i|^2, with no per-row gradient formed).
    void add_per_sample_squared_norms(std::span<double> norms) const;
    /// Rewrites dW and db as the rows' contributions weighted by scale: X^T diag(scale) dY, dY^T scale.
    void rescale_per_sample(std::span<const T> scale);
    /// With true, backward leaves dW and db unset (rescale_per_sample forms them).
    void defer_parameter_gradients(bool defer) noexcept { defer_parameter_gradients_ = defer; }

    /// Whether backward computes dL/dX (off for the first layer of a model: nobody needs it).
    void set_input_gradient(bool needed) noexcept { need_input_grad_ = needed; }

    /// The architecture: {"type": "dense", "in", "out", "bias", "init"}.
    template <class Json = nlohmann::json>
    Json config() const;

    /// Number of inputs.
    std::size_t inputs() const noexcept { return weight_.shape()[0]; }
    /// Number of outputs.
    std::size_t outputs() const noexcept { return weight_.shape()[1]; }
    /// The weight matrix (in, out).
    matrix<T>& weight() noexcept { return weight_; }
    /// The weight matrix (in, out).
    const matrix<T>& weight() const noexcept { return weight_; }
    /// The bias (out), empty without bias.
    vector<T>& bias() noexcept { return bias_; }
    /// The bias (out), empty without bias.
    const vector<T>& bias() const noexcept { return bias_; }

    /// Copies the weights and bias into buffers of its own (gradients and work buffers start empty).
    dense(const dense& other);
    /// Copy assignment, as the copy constructor.
    dense& operator=(const dense& other);
    dense(dense&&) noexcept = default;             ///< move construction
    dense& operator=(dense&&) noexcept = default;  ///< move assignment

private:
    /// dW = X^T dY (and db = column sums of dY) for the last forward's X.
    void weight_gradient(const matrix<T>& x, const T* g);
    /// The last forward's input and the last backward's output gradient; raises before a backward.
    void check_per_sample(std::size_t rows, const char* fn) const;

    dense_options options_;
    matrix<T> weight_;
    vector<T> bias_;
    matrix<T> grad_weight_ = make_matrix<T>(0, 0);
    vector<T> grad_bias_ = make_vector<T>(0);
    std::array<std::size_t, 2> weight_shape_{};
    std::array<std::size_t, 1> bias_shape_{};
    shape_cache<T> output_, input_grad_, scaled_grad_;
    std::vector<T> weight_transposed_;  // W^T for the AVX-512 input-gradient product
    const matrix<T>* input_ = nullptr;
    const matrix<T>* grad_output_ = nullptr;  // the last backward's dY (per-sample gradients read it)
    bool need_input_grad_ = true;
    bool defer_parameter_gradients_ = false;
};

// The member functions are defined outside the class body, so that the extern template declarations
// of the compiled part (CAUSALREC_COMPILED) keep them out of every translation unit (docs/compile-time.md).
template <class T>
dense<T>::dense(std::size_t in, std::size_t out, dense_options options)
    : options_(options), weight_(make_matrix<T>(in, out)), bias_(make_vector<T>(options.bias ? out : 0)) {
    if (in == 0 || out == 0)
        throw argument_error(causalrec::cat("causalrec::nn::dense: input and output sizes must be positive, got ", in, " -> ", out));
    grad_weight_ = make_matrix<T>(in, out);
    grad_bias_ = make_vector<T>(bias_.size());
    weight_shape_ = {in, out};
    bias_shape_ = {bias_.size()};
    rng engine(options.seed);
    initialize(engine);
}

template <class T>
void dense<T>::initialize(rng& engine) {
    initialize_weights(std::span<T>(weight_.data(), weight_.size()), inputs(), outputs(), options_.init, engine);
    std::fill(bias_.begin(), bias_.end(), T(0));
}

template <class T>
const matrix<T>& dense<T>::forward(const matrix<T>& x) {
    if (x.shape()[1] != inputs())
        throw shape_error(causalrec::cat("causalrec::nn::dense: input has ", x.shape()[1], " columns, the layer expects ", inputs()));
    matrix<T>& y = output_.get(x.shape()[0], outputs());
    infer(x.data(), x.shape()[0], inputs(), y.data());  // the same product, bias and kernels as inference
    input_ = &x;
    grad_output_ = nullptr;  // per-sample gradients need the backward of this forward
    return y;
}

template <class T>
void dense<T>::infer(const T* x, std::size_t rows, std::size_t width, T* y) const {
    infer_then(x, rows, width, y, detail::identity_fn{});
}

template <class T>
const matrix<T>& dense<T>::backward(const matrix<T>& grad_output) {
    return backward_then(grad_output, detail::identity_fn{});
}

template <class T>
template <class F>
void dense<T>::forward_into(const matrix<T>& x, matrix<T>& y, F then) {
    if (x.shape()[1] != inputs())
        throw shape_error(causalrec::cat("causalrec::nn::dense: input has ", x.shape()[1], " columns, the layer expects ", inputs()));
    if (y.shape()[0] != x.shape()[0] || y.shape()[1] != outputs())
        throw shape_error(causalrec::cat("causalrec::nn::dense::forward_into: output buffer has shape (", y.shape()[0], ", ",
                                         y.shape()[1], "), expected (", x.shape()[0], ", ", outputs(), ")"));
    infer_then(x.data(), x.shape()[0], inputs(), y.data(), then);
    input_ = &x;
    grad_output_ = nullptr;  // per-sample gradients need the backward of this forward
}

template <class T>
template <class F>
void dense<T>::infer_then(const T* x, std::size_t rows, std::size_t width, T* y, F then) const {
    if (width != inputs())
        throw shape_error(causalrec::cat("causalrec::nn::dense::infer: input has ", width, " columns, the layer expects ", inputs()));
    const std::size_t out = outputs();
    if constexpr (std::is_same_v<T, float>) {
        if (out % 16 == 0 && detail::small_gemm_available()) {
            detail::small_gemm(x, weight_.data(), options_.bias ? bias_.data() : nullptr, y, rows, out, width, then);
            return;
        }
    }
    if (out == 1) {
        blas::gemv(false, rows, width, T(1), x, width, weight_.data(), T(0), y);
    } else {
        blas::gemm(false, false, rows, out, width, T(1), x, width, weight_.data(), out, T(0), y, out);
    }
    // Bias and `then` in one pass; the identity and relu by the SSE2 kernels (core/elementwise.hpp).
    constexpr bool identity = std::is_same_v<F, detail::identity_fn>;
    constexpr bool relu = requires { requires F::is_relu; };
    if (options_.bias) {
        if constexpr (identity || relu) {
            elementwise::add_row_bias<relu>(y, bias_.data(), rows, out);
        } else {
            const T* CAUSALREC_RESTRICT b = bias_.data();
            for (std::size_t i = 0; i < rows; ++i) {
                T* CAUSALREC_RESTRICT row = y + i * out;
                for (std::size_t j = 0; j < out; ++j) row[j] = then(row[j] + b[j]);
            }
        }
    } else if constexpr (relu) {
        elementwise::relu(y, y, rows * out);
    } else if constexpr (!identity) {
        for (std::size_t i = 0; i < rows * out; ++i) y[i] = then(y[i]);
    }
}

template <class T>
template <class Gate>
const matrix<T>& dense<T>::backward_then(const matrix<T>& grad_output, Gate gate) {
    if (input_ == nullptr) throw argument_error("causalrec::nn::dense: backward called before forward");
    const matrix<T>& x = *input_;
    const std::size_t batch = x.shape()[0], in = inputs(), out = outputs();
    if (grad_output.shape()[0] != batch || grad_output.shape()[1] != out)
        throw shape_error(causalrec::cat("causalrec::nn::dense: gradient has shape (", grad_output.shape()[0], ", ", grad_output.shape()[1], "), the output was (", batch, ", ", out, ")"));
    const T* g = grad_output.data();
    constexpr bool is_float = std::is_same_v<T, float>;
    constexpr bool gated = std::is_invocable_v<Gate&, T, std::size_t>;
    const bool tiles = is_float && batch >= 128 && detail::small_gemm_available();
    if (!defer_parameter_gradients_) weight_gradient(x, g);
    grad_output_ = &grad_output;
    matrix<T>& dx = input_grad_.get(need_input_grad_ ? batch : 0, need_input_grad_ ? in : 0);
    if (!need_input_grad_) return dx;
    T* d = dx.data();
    // dX = dY W^T
    // (The tiles read B by rows, so W^T is written out first, which pays from about 128 rows on.)
    if (tiles && out > 1 && in % 16 == 0) {
        if constexpr (is_float) {
            std::vector<T>& wt = weight_transposed_;
            if (wt.size() != out * in) wt.resize(out * in);
            const T* w = weight_.data();
            for (std::size_t i = 0; i < in; ++i)
                for (std::size_t j = 0; j < out; ++j) wt[j * in + i] = w[i * out + j];
            detail::small_gemm(g, wt.data(), nullptr, d, batch, in, out, gate);  // gated in the tiles' last pass
            return dx;
        }
    } else if (out == 1) {
        const T* w = weight_.data();
        for (std::size_t i = 0; i < batch; ++i)
            for (std::size_t j = 0; j < in; ++j) d[i * in + j] = g[i] * w[j];
    } else {
        blas::gemm(false, true, batch, in, out, T(1), g, out, weight_.data(), out, T(0), d, in);
    }
    if constexpr (requires { requires Gate::is_relu; }) {  // a pass of its own (below), for relu the SSE2 kernel
        elementwise::relu_gradient(d, gate.output, d, batch * in);
    } else if constexpr (gated) {  // a pass of its own: a gate inside the loops above keeps them from vectorizing
        T* CAUSALREC_RESTRICT r = d;
        for (std::size_t i = 0; i < batch * in; ++i) r[i] = gate(r[i], i);
    }
    return dx;
}

template <class T>
void dense<T>::weight_gradient(const matrix<T>& x, const T* g) {
    const std::size_t batch = x.shape()[0], in = inputs(), out = outputs();
    constexpr bool is_float = std::is_same_v<T, float>;
    // dW = X^T dY
    // (In float from 128 rows on the AVX-512 tiles; below that BLAS measured as fast.)
    const bool tiles = is_float && batch >= 128 && detail::small_gemm_available();
    if (tiles && out % 16 == 0) {
        if constexpr (is_float)
            detail::small_gemm(detail::strided_matrix{x.data(), 1, in}, g, nullptr, grad_weight_.data(), in, out, batch, detail::identity_fn{});
    } else if (out == 1) {
        blas::gemv(true, batch, in, T(1), x.data(), in, g, T(0), grad_weight_.data());
    } else {
        blas::gemm(true, false, in, out, batch, T(1), x.data(), in, g, out, T(0), grad_weight_.data(), out);
    }
    // db = column sums of dY (in registers on AVX-512: the plain loop reloads and stores gb per row)
    if (options_.bias) {
        if (is_float && out % 16 == 0 && detail::small_gemm_available()) {
            if constexpr (is_float) detail::column_sums(g, batch, out, grad_bias_.data());
        } else {
            detail::column_sums_portable(g, batch, out, grad_bias_.data());
        }
    }
}

template <class T>
void dense<T>::check_per_sample(std::size_t rows, const char* fn) const {
    if (input_ == nullptr || grad_output_ == nullptr)
        throw argument_error(causalrec::cat("causalrec::nn::dense::", fn, ": called before backward"));
    if (rows != input_->shape()[0] || grad_output_->shape()[0] != rows)
        throw shape_error(causalrec::cat("causalrec::nn::dense::", fn, ": ", rows, " per-row entries for a batch of ",
                                         input_->shape()[0], " rows"));
}

template <class T>
void dense<T>::add_per_sample_squared_norms(std::span<double> norms) const {
    check_per_sample(norms.size(), "add_per_sample_squared_norms");
    const std::size_t in = inputs(), out = outputs();
    const T* x = input_->data();
    const T* g = grad_output_->data();
    for (std::size_t i = 0; i < norms.size(); ++i) {
        const double gg = detail::squared_norm(g + i * out, out);
        norms[i] += detail::squared_norm(x + i * in, in) * gg + (options_.bias ? gg : 0.0);
    }
}

template <class T>
void dense<T>::rescale_per_sample(std::span<const T> scale) {
    check_per_sample(scale.size(), "rescale_per_sample");
    const std::size_t rows = scale.size(), out = outputs();
    matrix<T>& scaled = scaled_grad_.get(rows, out);
    const T* g = grad_output_->data();
    T* s = scaled.data();
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < out; ++j) s[i * out + j] = scale[i] * g[i * out + j];
    weight_gradient(*input_, s);
}

template <class T>
std::array<parameter_view<T>, 2> dense<T>::parameters() {
    return {parameter_view<T>{"weight", {weight_.data(), weight_.size()}, {grad_weight_.data(), grad_weight_.size()},
                              weight_shape_},
            parameter_view<T>{"bias", {bias_.data(), bias_.size()}, {grad_bias_.data(), grad_bias_.size()},
                              bias_shape_}};
}

template <class T>
template <class Json>
Json dense<T>::config() const {
    return {{"type", "dense"}, {"in", inputs()}, {"out", outputs()}, {"bias", options_.bias},
            {"init", std::string(to_string(options_.init))}};
}

template <class T>
dense<T>::dense(const dense& other) : dense(other.inputs(), other.outputs(), other.options_) {
    weight_ = other.weight_;
    bias_ = other.bias_;
}

template <class T>
auto dense<T>::operator=(const dense& other) -> dense& {
    if (this != &other) *this = dense(other);
    return *this;
}

/// Declares (`extern`) or defines (empty) the explicit instantiation of dense<T> (float and double
/// are compiled once in causalrec::compiled with CAUSALREC_COMPILED).
#define CAUSALREC_NN_DENSE_INSTANTIATIONS(EXTERN, T) \
    EXTERN template class dense<T>;                  \
    EXTERN template nlohmann::json dense<T>::config<nlohmann::json>() const;

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_NN_DENSE_INSTANTIATIONS(extern, float)
CAUSALREC_NN_DENSE_INSTANTIATIONS(extern, double)
#endif


}  // namespace causalrec::nn
