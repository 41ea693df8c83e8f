#pragma once
/// @file
/// RMSprop (Hinton's lecture 6e; centered form of Graves 2013) with torch.optim.RMSprop's semantics:
/// smoothing alpha, eps added to the square root, momentum, centered, L2 weight decay.

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/parameter.hpp"
#include "state.hpp"
#include "fwd.hpp"

namespace causalrec::optim {

/// Options of rmsprop.
struct rmsprop_options {
    double learning_rate = 0.01;           ///< step size; > 0
    double alpha = 0.99;        ///< smoothing constant of the squared-gradient average, in [0, 1)
    double eps = 1e-8;          ///< added to the square root in the denominator; >= 0
    double weight_decay = 0.0;  ///< L2 penalty: weight_decay * p is added to the gradient; >= 0
    double momentum = 0.0;      ///< momentum factor in [0, 1); 0 = none
    bool centered = false;      ///< divide by an estimate of the gradient's variance instead of its second moment
    double clip_norm = 0.0;     ///< clip the global L2 norm of all gradients to this (0 = off)
    double clip_value = 0.0;    ///< clamp every gradient element to [-clip_value, clip_value] (0 = off)
};

/// RMSprop as torch.optim.RMSprop: g += wd p; s = alpha s + (1 - alpha) g^2; centered: a = alpha a + (1 - alpha) g,
/// d = sqrt(s - a^2) + eps, else d = sqrt(s) + eps; with momentum b = momentum b + g / d, p -= lr b; else
/// p -= lr g / d. Slots: square_avg, grad_avg (centered only), momentum_buffer (momentum > 0 only).
template <std::floating_point T>
class rmsprop : public detail::optimizer_base<rmsprop_options, T> {
public:
    /// Names of the state slots (parameter_state::slots).
    static constexpr std::array<std::string_view, 3> slot_names{"square_avg", "grad_avg", "momentum_buffer"};

    /// An RMSprop optimizer; raises argument_error on an invalid option.
    explicit rmsprop(rmsprop_options opts = {});

    /// One update of every parameter from its gradient (clipped first when clipping is on; the
    /// clipping rescales the gradient buffers in place).
    void step(std::span<const parameter_view<T>> params);

private:
    using detail::optimizer_base<rmsprop_options, T>::opts_;
    using detail::optimizer_base<rmsprop_options, T>::core_;
};

// The member functions are defined outside the class body, so that the extern template declarations
// of the compiled part (CAUSALREC_COMPILED) keep them out of every translation unit (docs/compile-time.md).
template <std::floating_point T>
rmsprop<T>::rmsprop(rmsprop_options opts) : detail::optimizer_base<rmsprop_options, T>("rmsprop", opts, opts.weight_decay) {
    detail::require_unit_interval("rmsprop", "alpha", opts_.alpha);
    detail::require_non_negative("rmsprop", "eps", opts_.eps);
    detail::require_unit_interval("rmsprop", "momentum", opts_.momentum);
}

template <std::floating_point T>
void rmsprop<T>::step(std::span<const parameter_view<T>> params) {
    const bool centered = opts_.centered, with_momentum = opts_.momentum > 0.0;
    core_.prepare(params, {true, centered, with_momentum}, {T(0), T(0), T(0)});
    const T lr = static_cast<T>(core_.learning_rate());
    const T alpha = static_cast<T>(opts_.alpha), keep = static_cast<T>(1.0 - opts_.alpha);
    const T eps = static_cast<T>(opts_.eps);
    const T mu = static_cast<T>(opts_.momentum);
    core_.update(params, [&](T* p, const T* g, T* sq, T* ga, T* buf, std::size_t n, std::uint64_t) {
        for (std::size_t j = 0; j < n; ++j) {
            const T gj = g[j];
            sq[j] = alpha * sq[j] + keep * gj * gj;
            T avg;
            if (centered) {
                ga[j] = alpha * ga[j] + keep * gj;
                // Non-negative in exact arithmetic; the max only keeps rounding from giving sqrt(-tiny) = NaN.
                avg = std::sqrt(std::max(sq[j] - ga[j] * ga[j], T(0))) + eps;
            } else {
                avg = std::sqrt(sq[j]) + eps;
            }
            if (with_momentum) {
                buf[j] = mu * buf[j] + gj / avg;
                p[j] -= lr * buf[j];
            } else {
                p[j] -= lr * (gj / avg);
            }
        }
    });
}


/// Declares (`extern`) or defines (empty) the explicit instantiations of rmsprop for value type T
/// (float and double are compiled once in causalrec::compiled with CAUSALREC_COMPILED).
#define CAUSALREC_OPTIM_RMSPROP_INSTANTIATIONS(EXTERN, T) \
    EXTERN template class rmsprop<T>;

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_OPTIM_RMSPROP_INSTANTIATIONS(extern, float)
CAUSALREC_OPTIM_RMSPROP_INSTANTIATIONS(extern, double)
#endif

}  // namespace causalrec::optim
