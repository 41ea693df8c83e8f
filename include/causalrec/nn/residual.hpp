#pragma once
/// @file
/// A residual block: y = x + f(x) for any layer (or sequential) f that keeps the shape (He et al. 2016).

#include <cstddef>
#include <utility>

#include <nlohmann/json_fwd.hpp>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/rng.hpp"
#include "../core/shape_cache.hpp"
#include "../core/tensor.hpp"
#include "concepts.hpp"
#include "fwd.hpp"

namespace causalrec::nn {

/// y = x + inner(x); backward returns dL/dy + inner's dL/dx. The inner layer's parameters, training
/// mode and initialisation are the block's.
template <class Inner>
class residual {
public:
    /// Value type of the block (the inner layer's).
    using value_type = typename Inner::value_type;

    /// A block around `inner`.
    explicit residual(Inner inner) : inner_(std::move(inner)) {}

    /// x + inner(x); raises shape_error when inner changes the shape.
    const matrix<value_type>& forward(const matrix<value_type>& x) {
        const matrix<value_type>& f = inner_.forward(x);
        if (f.shape()[0] != x.shape()[0] || f.shape()[1] != x.shape()[1])
            throw shape_error(causalrec::cat("causalrec::nn::residual: the inner layer maps (", x.shape()[0], ", ", x.shape()[1], ") to (",
                                             f.shape()[0], ", ", f.shape()[1], "); a residual block needs the same shape"));
        matrix<value_type>& y = output_.get(x.shape()[0], x.shape()[1]);
        for (std::size_t i = 0; i < x.size(); ++i) y.data()[i] = x.data()[i] + f.data()[i];
        return y;
    }

    /// dL/dy + inner.backward(dL/dy).
    const matrix<value_type>& backward(const matrix<value_type>& grad_output) {
        const matrix<value_type>& g = inner_.backward(grad_output);
        matrix<value_type>& dx = input_grad_.get(grad_output.shape()[0], grad_output.shape()[1]);
        for (std::size_t i = 0; i < dx.size(); ++i) dx.data()[i] = grad_output.data()[i] + g.data()[i];
        return dx;
    }

    /// The inner layer's parameters.
    decltype(auto) parameters() { return inner_.parameters(); }

    /// Passes the training mode to the inner layer (when it has one).
    void set_training(bool training) {
        if constexpr (HasTrainingMode<Inner>) inner_.set_training(training);
    }
    /// Re-initialises the inner layer (when it can be).
    void initialize(rng& engine) {
        if constexpr (Initializable<Inner>) inner_.initialize(engine);
    }

    /// The architecture: {"type": "residual", "inner": the inner layer's config}.
    template <class Json = nlohmann::json>
    Json config() const {
        if constexpr (Configurable<Inner>) return {{"type", "residual"}, {"inner", inner_.config()}};
        else return {{"type", "residual"}, {"inner", {{"type", "custom"}}}};
    }

    /// The wrapped layer.
    Inner& inner() noexcept { return inner_; }

private:
    Inner inner_;
    shape_cache<value_type> output_, input_grad_;
};

}  // namespace causalrec::nn
