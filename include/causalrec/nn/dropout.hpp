#pragma once
/// @file
/// Inverted dropout: in training each value is zeroed with probability `rate` and the survivors are
/// scaled by 1 / (1 - rate); at inference the layer is the identity.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../core/shape_cache.hpp"
#include "fwd.hpp"

namespace causalrec::nn {

/// Randomly zeroes inputs during training (inverted dropout); the identity at inference.
template <class T>
class dropout {
public:
    /// Value type of the layer.
    using value_type = T;

    /// Dropout with drop probability `rate` in [0, 1) and its own seeded engine.
    explicit dropout(double rate = 0.5, std::uint64_t seed = 0) : rate_(rate), engine_(seed) {
        if (!(rate >= 0.0 && rate < 1.0)) throw argument_error(causalrec::cat("causalrec::nn::dropout: rate must be in [0, 1), got ", rate));
    }

    /// Training: y = mask * x / (1 - rate); inference: y = x.
    const matrix<T>& forward(const matrix<T>& x) {
        if (!training_ || rate_ == 0.0) {
            passthrough_ = true;
            return x;
        }
        passthrough_ = false;
        matrix<T>& y = output_.get(x.shape()[0], x.shape()[1]);
        matrix<T>& mask = mask_.get(x.shape()[0], x.shape()[1]);
        const T keep = static_cast<T>(1.0 / (1.0 - rate_));
        const T* in = x.data();
        T* out = y.data();
        T* m = mask.data();
        for (std::size_t i = 0; i < x.size(); ++i) {
            m[i] = engine_.uniform() < rate_ ? T(0) : keep;
            out[i] = in[i] * m[i];
        }
        mask_used_ = &mask;
        return y;
    }

    /// Inference is the identity (y may equal x).
    static constexpr bool infers_in_place = true;
    /// y = x for rows x width values (nothing to do when y is x).
    void infer(const T* x, std::size_t rows, std::size_t width, T* y) const {
        if (x != y) std::copy_n(x, rows * width, y);
    }
    /// The width is unchanged.
    std::size_t inference_width(std::size_t width) const noexcept { return width; }

    /// dL/dx = mask * dL/dy in training, dL/dy at inference.
    const matrix<T>& backward(const matrix<T>& grad_output) {
        if (passthrough_) return grad_output;
        const matrix<T>& mask = *mask_used_;
        if (grad_output.shape() != mask.shape()) throw shape_error("causalrec::nn::dropout: gradient shape differs from the output shape");
        matrix<T>& dx = input_grad_.get(mask.shape()[0], mask.shape()[1]);
        for (std::size_t i = 0; i < mask.size(); ++i) dx.data()[i] = grad_output.data()[i] * mask.data()[i];
        return dx;
    }

    /// Training mode drops values; inference mode passes them through.
    void set_training(bool training) noexcept { training_ = training; }
    /// Whether the layer is in training mode.
    bool training() const noexcept { return training_; }
    /// Restarts the dropout masks' random stream from `engine`.
    void initialize(rng& engine) { engine_ = engine.split(); }
    /// No trainable parameters.
    std::array<parameter_view<T>, 0> parameters() noexcept { return {}; }
    /// The architecture: {"type": "dropout", "rate"}.
    template <class Json = nlohmann::json>
    Json config() const { return {{"type", "dropout"}, {"rate", rate_}}; }

private:
    double rate_;
    rng engine_;
    bool training_ = false;
    bool passthrough_ = true;
    shape_cache<T> output_, mask_, input_grad_;
    const matrix<T>* mask_used_ = nullptr;
};

}  // namespace causalrec::nn
