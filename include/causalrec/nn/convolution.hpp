#pragma once
/// @file
/// Convolution and pooling over time for sequence batches in the (B * L) x channels layout (row
/// b * L + t is step t of sequence b). conv1d gathers each output step's receptive field into one row
/// (im2col, K * in_channels values, zeros where it reaches padding) and multiplies all rows by the
/// (K * in_channels) x out_channels weight in one GEMM; backward is two GEMMs and a scatter.
/// temporal_pooling reduces each sequence to one row by the maximum or the mean over its steps.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "../core/blas.hpp"
#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/shape_cache.hpp"
#include "../core/tensor.hpp"
#include "fwd.hpp"
#include "initializers.hpp"

namespace causalrec::nn {

/// How conv1d pads a sequence.
enum class conv_padding {
    valid,   ///< no padding: L_out = floor((L - dilation * (K - 1) - 1) / stride) + 1
    causal,  ///< dilation * (K - 1) zeros before the first step: output t sees steps <= t * stride; L_out = ceil(L / stride)
    same,    ///< zeros on both sides (the extra one after), TensorFlow's rule: L_out = ceil(L / stride)
};

/// The padding's name as written in model files.
inline std::string_view to_string(conv_padding padding) noexcept {
    switch (padding) {
        case conv_padding::valid: return "valid";
        case conv_padding::causal: return "causal";
        case conv_padding::same: return "same";
    }
    return "unknown";
}

/// Options of conv1d.
struct conv1d_options {
    std::size_t sequence_length = 1;                 ///< input steps per sequence L (rows = B * L)
    std::size_t stride = 1;                          ///< steps between outputs; >= 1
    std::size_t dilation = 1;                        ///< steps between kernel taps; >= 1
    conv_padding padding = conv_padding::valid;      ///< how the ends are padded
    bool bias = true;                                ///< add a bias per output channel
    initializer init = initializer::glorot_uniform;  ///< how the kernel is drawn (fan_in K * in_channels)
    std::uint64_t seed = 0;                          ///< initial weights
};

/// 1-D convolution over time: y[b, t] = b + sum_k x[b, t * stride - pad + k * dilation] W_k, with
/// x zero outside [0, L). The kernel is stored as (K * in_channels) x out_channels, row k * in + c.
template <class T>
class conv1d {
public:
    /// Value type of the layer.
    using value_type = T;

    /// A convolution from `in_channels` to `out_channels` with `kernel` taps; raises argument_error for
    /// a zero size, stride or dilation, or a valid convolution whose receptive field exceeds L.
    conv1d(std::size_t in_channels, std::size_t out_channels, std::size_t kernel, conv1d_options options = {})
        : o_(options), in_(in_channels), out_(out_channels), K_(kernel), weight_(kernel * in_channels * out_channels),
          bias_(options.bias ? out_channels : 0), grad_weight_(weight_.size()), grad_bias_(bias_.size()),
          weight_shape_{kernel * in_channels, out_channels}, bias_shape_{bias_.size()} {
        if (in_channels == 0 || out_channels == 0 || kernel == 0)
            throw argument_error(causalrec::cat("causalrec::nn::conv1d: channels and kernel must be positive, got ", in_channels, " -> ",
                                                out_channels, " with kernel ", kernel));
        if (o_.stride == 0 || o_.dilation == 0) throw argument_error("causalrec::nn::conv1d: stride and dilation must be positive");
        set_sequence_length(o_.sequence_length);
        rng engine(options.seed);
        initialize(engine);
    }

    /// Draws a new kernel from `engine` (the bias is reset to zero).
    void initialize(rng& engine) {
        initialize_weights(std::span<T>(weight_), K_ * in_, out_, o_.init, engine);
        std::fill(bias_.begin(), bias_.end(), T(0));
    }

    /// Input steps per sequence; raises argument_error for 0 or, with valid padding, fewer steps than
    /// the receptive field dilation * (K - 1) + 1.
    void set_sequence_length(std::size_t length) {
        const std::size_t field = o_.dilation * (K_ - 1) + 1;
        if (length == 0) throw argument_error("causalrec::nn::conv1d: sequence_length must be positive");
        if (o_.padding == conv_padding::valid && length < field)
            throw argument_error(causalrec::cat("causalrec::nn::conv1d: a valid convolution needs at least ", field, " steps, sequence_length is ", length));
        o_.sequence_length = length;
        if (o_.padding == conv_padding::valid) {
            L_out_ = (length - field) / o_.stride + 1;
            pad_ = 0;
        } else {
            L_out_ = (length + o_.stride - 1) / o_.stride;
            const std::size_t needed = (L_out_ - 1) * o_.stride + field;
            const std::size_t total = needed > length ? needed - length : 0;
            pad_ = o_.padding == conv_padding::causal ? field - 1 : total / 2;
        }
    }
    /// Input steps per sequence L.
    std::size_t sequence_length() const noexcept { return o_.sequence_length; }
    /// Output steps per sequence.
    std::size_t output_length() const noexcept { return L_out_; }

    /// Convolves the sequences of x ((B * L) x in_channels) into (B * L_out) x out_channels.
    const matrix<T>& forward(const matrix<T>& x) {
        const std::size_t L = o_.sequence_length, N = x.shape()[0], width = K_ * in_;
        if (x.shape()[1] != in_)
            throw shape_error(causalrec::cat("causalrec::nn::conv1d: input has ", x.shape()[1], " columns, the layer expects ", in_));
        if (N == 0 || N % L != 0)
            throw shape_error(causalrec::cat("causalrec::nn::conv1d: ", N, " rows are not a positive whole number of sequences of ", L, " steps"));
        const std::size_t B = N / L, rows = B * L_out_;
        matrix<T>& col = columns_.get(rows, width);
        for (std::size_t b = 0; b < B; ++b)
            for (std::size_t t = 0; t < L_out_; ++t) {
                T* dst = col.data() + (b * L_out_ + t) * width;
                for (std::size_t k = 0; k < K_; ++k) {
                    const std::size_t pos = source(t, k);
                    if (pos < L) std::copy_n(x.data() + (b * L + pos) * in_, in_, dst + k * in_);
                    else std::fill_n(dst + k * in_, in_, T(0));
                }
            }
        matrix<T>& y = output_.get(rows, out_);
        blas::gemm(false, false, rows, out_, width, T(1), col.data(), width, weight_.data(), out_, T(0), y.data(), out_);
        if (o_.bias)
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t j = 0; j < out_; ++j) y.data()[r * out_ + j] += bias_[j];
        input_rows_ = N;
        col_ = &col;
        return y;
    }

    /// Given dL/dy ((B * L_out) x out_channels), stores dL/dW and dL/db and returns dL/dx.
    const matrix<T>& backward(const matrix<T>& grad_output) {
        if (col_ == nullptr) throw argument_error("causalrec::nn::conv1d: backward called before forward");
        const std::size_t L = o_.sequence_length, B = input_rows_ / L, rows = B * L_out_, width = K_ * in_;
        if (grad_output.shape()[0] != rows || grad_output.shape()[1] != out_)
            throw shape_error(causalrec::cat("causalrec::nn::conv1d: gradient has shape (", grad_output.shape()[0], ", ",
                                             grad_output.shape()[1], "), the output was (", rows, ", ", out_, ")"));
        const T* dy = grad_output.data();
        blas::gemm(true, false, width, out_, rows, T(1), col_->data(), width, dy, out_, T(0), grad_weight_.data(), out_);
        std::fill(grad_bias_.begin(), grad_bias_.end(), T(0));
        if (o_.bias)
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t j = 0; j < out_; ++j) grad_bias_[j] += dy[r * out_ + j];
        matrix<T>& dcol = column_grad_.get(rows, width);
        blas::gemm(false, true, rows, width, out_, T(1), dy, out_, weight_.data(), out_, T(0), dcol.data(), width);
        matrix<T>& dx = input_grad_.get(input_rows_, in_);
        std::fill(dx.begin(), dx.end(), T(0));
        for (std::size_t b = 0; b < B; ++b)
            for (std::size_t t = 0; t < L_out_; ++t) {
                const T* src = dcol.data() + (b * L_out_ + t) * width;
                for (std::size_t k = 0; k < K_; ++k) {
                    const std::size_t pos = source(t, k);
                    if (pos >= L) continue;
                    T* dst = dx.data() + (b * L + pos) * in_;
                    for (std::size_t c = 0; c < in_; ++c) dst[c] += src[k * in_ + c];
                }
            }
        return dx;
    }

    /// The kernel ((K * in_channels) x out_channels) and the bias, with their gradients.
    std::vector<parameter_view<T>> parameters() {
        std::vector<parameter_view<T>> views{{"weight", std::span<T>(weight_), std::span<T>(grad_weight_), weight_shape_}};
        if (o_.bias) views.push_back({"bias", std::span<T>(bias_), std::span<T>(grad_bias_), bias_shape_});
        return views;
    }

    /// The architecture: {"type": "conv1d", "in_channels", "out_channels", "kernel", "sequence_length",
    /// "stride", "dilation", "padding", "bias", "init"}.
    template <class Json = nlohmann::json>
    Json config() const {
        return {{"type", "conv1d"},         {"in_channels", in_},
                {"out_channels", out_},     {"kernel", K_},
                {"sequence_length", o_.sequence_length}, {"stride", o_.stride},
                {"dilation", o_.dilation},  {"padding", std::string(to_string(o_.padding))},
                {"bias", o_.bias},          {"init", std::string(to_string(o_.init))}};
    }

    /// The kernel, (K * in_channels) x out_channels row-major, row k * in_channels + c.
    std::span<T> weight() noexcept { return weight_; }
    /// The bias (out_channels; empty without bias).
    std::span<T> bias() noexcept { return bias_; }
    /// Kernel taps K.
    std::size_t kernel() const noexcept { return K_; }

private:
    // Input step read by tap k of output step t, or a value >= L (as size_t) for padding.
    std::size_t source(std::size_t t, std::size_t k) const noexcept {
        const std::size_t at = t * o_.stride + k * o_.dilation;
        return at < pad_ ? std::numeric_limits<std::size_t>::max() : at - pad_;
    }

    conv1d_options o_;
    std::size_t in_, out_, K_, L_out_ = 0, pad_ = 0, input_rows_ = 0;
    std::vector<T> weight_, bias_, grad_weight_, grad_bias_;
    std::array<std::size_t, 2> weight_shape_;
    std::array<std::size_t, 1> bias_shape_;
    shape_cache<T> columns_, output_, column_grad_, input_grad_;
    const matrix<T>* col_ = nullptr;
};

/// How temporal_pooling reduces a sequence.
enum class pooling {
    max,   ///< the largest value of each feature over the sequence's steps
    mean,  ///< the mean of each feature over the sequence's steps
};

/// Reduces each sequence of a (B * L) x d batch to one row (B x d) by the maximum or the mean over
/// its steps; padding steps (set_padding_mask) are left out (a sequence of padding only gives zeros).
template <class T>
class temporal_pooling {
public:
    /// Value type of the layer.
    using value_type = T;

    /// Pooling over sequences of `sequence_length` steps; raises argument_error for 0.
    explicit temporal_pooling(pooling mode, std::size_t sequence_length = 1) : mode_(mode) { set_sequence_length(sequence_length); }

    /// Steps per sequence; raises argument_error for 0.
    void set_sequence_length(std::size_t length) {
        if (length == 0) throw argument_error("causalrec::nn::temporal_pooling: sequence_length must be positive");
        L_ = length;
    }
    /// Steps per sequence.
    std::size_t sequence_length() const noexcept { return L_; }
    /// Marks the rows of the next forward calls: real[r] != 0 for a real step, 0 for padding (copied;
    /// empty = every row real).
    void set_padding_mask(std::span<const std::uint8_t> real) { real_.assign(real.begin(), real.end()); }

    /// The pooled rows (B x d) of x ((B * L) x d).
    const matrix<T>& forward(const matrix<T>& x) {
        const std::size_t N = x.shape()[0], d = x.shape()[1], L = L_;
        if (N == 0 || N % L != 0)
            throw shape_error(causalrec::cat("causalrec::nn::temporal_pooling: ", N, " rows are not a positive whole number of sequences of ", L, " steps"));
        if (!real_.empty() && real_.size() != N)
            throw shape_error(causalrec::cat("causalrec::nn::temporal_pooling: the padding mask has ", real_.size(), " rows, the input ", N));
        const std::size_t B = N / L;
        matrix<T>& y = output_.get(B, d);
        argmax_.assign(B * d, L);  // L = no step (all padding)
        counts_.assign(B, 0);
        for (std::size_t b = 0; b < B; ++b) {
            T* out = y.data() + b * d;
            std::size_t* arg = argmax_.data() + b * d;
            std::fill_n(out, d, T(0));
            for (std::size_t t = 0; t < L; ++t) {
                const std::size_t row = b * L + t;
                if (!real_.empty() && real_[row] == 0) continue;
                const T* in = x.data() + row * d;
                for (std::size_t j = 0; j < d; ++j) {
                    if (mode_ == pooling::mean) out[j] += in[j];
                    else if (arg[j] == L || in[j] > out[j]) {
                        out[j] = in[j];
                        arg[j] = t;
                    }
                }
                ++counts_[b];
            }
            if (mode_ == pooling::mean && counts_[b] > 0)
                for (std::size_t j = 0; j < d; ++j) out[j] /= static_cast<T>(counts_[b]);
        }
        rows_ = N;
        width_ = d;
        return y;
    }

    /// Given dL/dy (B x d), returns dL/dx ((B * L) x d): to the maximum's step, or spread evenly.
    const matrix<T>& backward(const matrix<T>& grad_output) {
        if (rows_ == 0) throw argument_error("causalrec::nn::temporal_pooling: backward called before forward");
        const std::size_t L = L_, B = rows_ / L, d = width_;
        if (grad_output.shape()[0] != B || grad_output.shape()[1] != d)
            throw shape_error(causalrec::cat("causalrec::nn::temporal_pooling: gradient has shape (", grad_output.shape()[0], ", ",
                                             grad_output.shape()[1], "), the output was (", B, ", ", d, ")"));
        matrix<T>& dx = input_grad_.get(rows_, d);
        std::fill(dx.begin(), dx.end(), T(0));
        for (std::size_t b = 0; b < B; ++b) {
            const T* g = grad_output.data() + b * d;
            if (mode_ == pooling::max) {
                for (std::size_t j = 0; j < d; ++j)
                    if (argmax_[b * d + j] < L) dx.data()[(b * L + argmax_[b * d + j]) * d + j] = g[j];
            } else if (counts_[b] > 0) {
                const T share = T(1) / static_cast<T>(counts_[b]);
                for (std::size_t t = 0; t < L; ++t) {
                    const std::size_t row = b * L + t;
                    if (!real_.empty() && real_[row] == 0) continue;
                    for (std::size_t j = 0; j < d; ++j) dx.data()[row * d + j] = g[j] * share;
                }
            }
        }
        return dx;
    }

    /// No trainable parameters.
    std::array<parameter_view<T>, 0> parameters() noexcept { return {}; }

    /// The architecture: {"type": "temporal_pooling", "mode", "sequence_length"}.
    template <class Json = nlohmann::json>
    Json config() const {
        return {{"type", "temporal_pooling"}, {"mode", mode_ == pooling::max ? "max" : "mean"}, {"sequence_length", L_}};
    }

private:
    pooling mode_;
    std::size_t L_ = 1, rows_ = 0, width_ = 0;
    std::vector<std::uint8_t> real_{};
    std::vector<std::size_t> argmax_{}, counts_{};
    shape_cache<T> output_, input_grad_;
};

}  // namespace causalrec::nn
