#pragma once
/// @file
/// Layer normalisation (Ba, Kiros & Hinton 2016): each row is standardised over its features, then
/// scaled and shifted by learned per-feature gamma and beta. Row-wise, so it applies unchanged to a
/// sequence batch in the (B * L) x d layout.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/shape_cache.hpp"
#include "../core/tensor.hpp"
#include "fwd.hpp"

namespace causalrec::nn {

/// Options of a layer_norm.
struct layer_norm_options {
    double epsilon = 1e-5;  ///< added to the variance (PyTorch's default; the SASRec authors' code uses 1e-8); > 0
};

/// y = gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta per row, mean and (biased) variance over
/// the row's features; gamma starts at 1 and beta at 0.
template <class T>
class layer_norm {
public:
    /// Value type of the layer.
    using value_type = T;

    /// A layer over rows of `features` values; raises argument_error for 0 features or epsilon <= 0.
    explicit layer_norm(std::size_t features, layer_norm_options options = {})
        : options_(options), gamma_(make_vector<T>(features)), beta_(make_vector<T>(features)),
          grad_gamma_(make_vector<T>(features)), grad_beta_(make_vector<T>(features)), shape_{features} {
        if (features == 0) throw argument_error("causalrec::nn::layer_norm: features must be positive");
        if (!(options.epsilon > 0.0 && std::isfinite(options.epsilon)))
            throw argument_error(causalrec::cat("causalrec::nn::layer_norm: epsilon must be finite and > 0, got ", options.epsilon));
        std::fill(gamma_.begin(), gamma_.end(), T(1));
        std::fill(beta_.begin(), beta_.end(), T(0));
    }

    /// Normalises each row of x (rows x features); the result lives in the layer until the next call.
    const matrix<T>& forward(const matrix<T>& x) {
        check_width(x.shape()[1]);
        const std::size_t rows = x.shape()[0], d = features();
        matrix<T>& y = output_.get(rows, d);
        matrix<T>& xhat = normalized_.get(rows, d);
        inv_std_.resize(rows);
        for (std::size_t r = 0; r < rows; ++r) inv_std_[r] = normalize_row(x.data() + r * d, xhat.data() + r * d, y.data() + r * d);
        xhat_ = &xhat;
        return y;
    }

    /// Row-wise: infer may write over its input.
    static constexpr bool infers_in_place = true;
    /// Inference over raw rows (y may equal x); raises shape_error when width is not features().
    void infer(const T* x, std::size_t rows, std::size_t width, T* y) const {
        check_width(width);
        for (std::size_t r = 0; r < rows; ++r) normalize_row(x + r * width, nullptr, y + r * width);
    }
    /// The width is unchanged.
    std::size_t inference_width(std::size_t width) const noexcept { return width; }

    /// Given dL/dy (rows x features), stores dL/dgamma and dL/dbeta and returns dL/dx.
    const matrix<T>& backward(const matrix<T>& grad_output) {
        if (xhat_ == nullptr) throw argument_error("causalrec::nn::layer_norm: backward called before forward");
        const matrix<T>& xhat = *xhat_;
        const std::size_t rows = xhat.shape()[0], d = features();
        if (grad_output.shape()[0] != rows || grad_output.shape()[1] != d)
            throw shape_error(causalrec::cat("causalrec::nn::layer_norm: gradient has shape (", grad_output.shape()[0], ", ",
                                             grad_output.shape()[1], "), the output was (", rows, ", ", d, ")"));
        matrix<T>& dx = input_grad_.get(rows, d);
        std::fill(grad_gamma_.begin(), grad_gamma_.end(), T(0));
        std::fill(grad_beta_.begin(), grad_beta_.end(), T(0));
        const T* gamma = gamma_.data();
        T* dgamma = grad_gamma_.data();
        T* dbeta = grad_beta_.data();
        const T inv_d = T(1) / static_cast<T>(d);
        for (std::size_t r = 0; r < rows; ++r) {
            const T* g = grad_output.data() + r * d;
            const T* h = xhat.data() + r * d;
            T* out = dx.data() + r * d;
            // dxhat = g * gamma; dx = inv_std * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
            T sum = 0, sum_h = 0;
            for (std::size_t j = 0; j < d; ++j) {
                const T dh = g[j] * gamma[j];
                sum += dh;
                sum_h += dh * h[j];
                dgamma[j] += g[j] * h[j];
                dbeta[j] += g[j];
            }
            const T mean = sum * inv_d, mean_h = sum_h * inv_d, s = inv_std_[r];
            for (std::size_t j = 0; j < d; ++j) out[j] = s * (g[j] * gamma[j] - mean - h[j] * mean_h);
        }
        return dx;
    }

    /// gamma and beta with their gradients.
    std::array<parameter_view<T>, 2> parameters() {
        return {parameter_view<T>{"gamma", {gamma_.data(), gamma_.size()}, {grad_gamma_.data(), grad_gamma_.size()}, shape_},
                parameter_view<T>{"beta", {beta_.data(), beta_.size()}, {grad_beta_.data(), grad_beta_.size()}, shape_}};
    }

    /// The architecture: {"type": "layer_norm", "features", "epsilon"}.
    template <class Json = nlohmann::json>
    Json config() const { return {{"type", "layer_norm"}, {"features", features()}, {"epsilon", options_.epsilon}}; }

    /// Number of features per row.
    std::size_t features() const noexcept { return gamma_.size(); }
    /// The scale gamma (features).
    vector<T>& gamma() noexcept { return gamma_; }
    /// The shift beta (features).
    vector<T>& beta() noexcept { return beta_; }

    /// Copies the parameters (gradients and work buffers start empty).
    layer_norm(const layer_norm& other) : layer_norm(other.features(), other.options_) {
        gamma_ = other.gamma_;
        beta_ = other.beta_;
    }
    /// Copy assignment, as the copy constructor.
    layer_norm& operator=(const layer_norm& other) {
        if (this != &other) *this = layer_norm(other);
        return *this;
    }
    layer_norm(layer_norm&&) noexcept = default;             ///< move construction
    layer_norm& operator=(layer_norm&&) noexcept = default;  ///< move assignment

private:
    void check_width(std::size_t width) const {
        if (width != features())
            throw shape_error(causalrec::cat("causalrec::nn::layer_norm: input has ", width, " columns, the layer expects ", features()));
    }

    // Writes gamma * xhat + beta to y (and xhat when asked); returns 1 / sqrt(var + epsilon). y may be x.
    T normalize_row(const T* x, T* xhat, T* y) const {
        const std::size_t d = features();
        T mean = 0;
        for (std::size_t j = 0; j < d; ++j) mean += x[j];
        mean /= static_cast<T>(d);
        T var = 0;
        for (std::size_t j = 0; j < d; ++j) var += (x[j] - mean) * (x[j] - mean);
        var /= static_cast<T>(d);
        const T inv = T(1) / std::sqrt(var + static_cast<T>(options_.epsilon));
        const T* gamma = gamma_.data();
        const T* beta = beta_.data();
        for (std::size_t j = 0; j < d; ++j) {
            const T h = (x[j] - mean) * inv;
            if (xhat != nullptr) xhat[j] = h;
            y[j] = gamma[j] * h + beta[j];
        }
        return inv;
    }

    layer_norm_options options_;
    vector<T> gamma_, beta_, grad_gamma_, grad_beta_;
    std::array<std::size_t, 1> shape_{};
    std::vector<T> inv_std_{};
    shape_cache<T> output_, normalized_, input_grad_;
    const matrix<T>* xhat_ = nullptr;
};

}  // namespace causalrec::nn
