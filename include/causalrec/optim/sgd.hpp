#pragma once
/// @file
/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay
/// (PyTorch's torch.optim.SGD semantics), and gd, the same update for full-batch gradient descent.

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/parameter.hpp"
#include "state.hpp"
#include "fwd.hpp"

namespace causalrec::optim {

/// Options of sgd.
struct sgd_options {
    double learning_rate = 0.01;            ///< step size; > 0
    double momentum = 0.0;       ///< momentum factor in [0, 1); 0 = plain SGD
    double dampening = 0.0;      ///< dampening of the gradient in the momentum buffer, in [0, 1]
    bool nesterov = false;       ///< Nesterov momentum (needs momentum > 0 and dampening 0)
    double weight_decay = 0.0;   ///< L2 penalty: weight_decay * p is added to the gradient; >= 0
    double clip_norm = 0.0;      ///< clip the global L2 norm of all gradients to this (0 = off)
    double clip_value = 0.0;     ///< clamp every gradient element to [-clip_value, clip_value] (0 = off)
};

/// SGD with PyTorch's semantics: d = g + wd p; with momentum, b = d on a parameter's (row's) first
/// step and b = momentum b + (1 - dampening) d after; d = b (or d + momentum b with Nesterov);
/// p -= lr d. Slot 0 is the momentum buffer (allocated only when momentum > 0).
template <std::floating_point T>
class sgd : public detail::optimizer_base<sgd_options, T> {
public:
    /// Names of the state slots (parameter_state::slots).
    static constexpr std::array<std::string_view, 3> slot_names{"momentum_buffer", "", ""};

    /// An SGD optimizer; raises argument_error on an invalid option.
    explicit sgd(sgd_options opts = {}) : sgd("sgd", opts) {}

protected:
    /// The optimizer under another name (gd), with the same checks.
    sgd(std::string_view name, const sgd_options& opts) : detail::optimizer_base<sgd_options, T>(name, opts, opts.weight_decay) {
        detail::require_unit_interval(name, "momentum", opts_.momentum);
        if (!(opts_.dampening >= 0.0 && opts_.dampening <= 1.0))
            throw argument_error(causalrec::error_message("optim", name, "dampening must be in [0, 1], got ", opts_.dampening));
        if (opts_.nesterov && (opts_.momentum <= 0.0 || opts_.dampening != 0.0))
            throw argument_error(causalrec::error_message("optim", name, "nesterov needs momentum > 0 and dampening 0, got momentum ",
                                                          opts_.momentum, " and dampening ", opts_.dampening));
    }

public:
    /// One update of every parameter from its gradient (clipped first when clipping is on; the
    /// clipping rescales the gradient buffers in place).
    void step(std::span<const parameter_view<T>> params);

private:
    using detail::optimizer_base<sgd_options, T>::opts_;
    using detail::optimizer_base<sgd_options, T>::core_;
};

// The member functions are defined outside the class body, so that the extern template declarations
// of the compiled part (CAUSALREC_COMPILED) keep them out of every translation unit (docs/compile-time.md).
template <std::floating_point T>
void sgd<T>::step(std::span<const parameter_view<T>> params) {
    const bool with_momentum = opts_.momentum != 0.0;
    core_.prepare(params, {with_momentum, false, false}, {T(0), T(0), T(0)});
    const T lr = static_cast<T>(core_.learning_rate());
    const T mu = static_cast<T>(opts_.momentum);
    const T keep = static_cast<T>(1.0 - opts_.dampening);
    const bool nesterov = opts_.nesterov;
    core_.update(params, [&](T* p, const T* g, T* buf, T*, T*, std::size_t n, std::uint64_t t) {
        for (std::size_t j = 0; j < n; ++j) {
            T d = g[j];
            if (with_momentum) {
                buf[j] = t == 1 ? d : mu * buf[j] + keep * d;
                d = nesterov ? d + mu * buf[j] : buf[j];
            }
            p[j] -= lr * d;
        }
    });
}


/// Options of gd: those of sgd (with momentum, gd is full-batch heavy-ball descent).
using gd_options = sgd_options;

/// Full-batch gradient descent: the update of sgd (plain: p -= lr (g + wd p)); `full_batch` tells
/// the training loop to use the whole training set as one batch.
template <std::floating_point T>
class gd : public sgd<T> {
public:
    /// Read by the training loop: one batch per epoch, the whole training set.
    static constexpr bool full_batch = true;

    /// A gradient-descent optimizer; raises argument_error on an invalid option.
    explicit gd(gd_options opts = {}) : sgd<T>("gd", opts) {}
};

/// Declares (`extern`) or defines (empty) the explicit instantiations of sgd and gd for value type T
/// (float and double are compiled once in causalrec::compiled with CAUSALREC_COMPILED).
#define CAUSALREC_OPTIM_SGD_INSTANTIATIONS(EXTERN, T) \
    EXTERN template class sgd<T>; \
    EXTERN template class gd<T>;

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_OPTIM_SGD_INSTANTIATIONS(extern, float)
CAUSALREC_OPTIM_SGD_INSTANTIATIONS(extern, double)
#endif

}  // namespace causalrec::optim
