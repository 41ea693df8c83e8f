#pragma once
/// @file
/// Adagrad (Duchi, Hazan & Singer 2011) with torch.optim.Adagrad's semantics: learning-rate decay,
/// initial accumulator value, eps added to the square root, L2 weight decay.

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

/// Options of adagrad.
struct adagrad_options {
    double learning_rate = 0.01;                        ///< step size; > 0
    double lr_decay = 0.0;                   ///< step t uses lr / (1 + (t - 1) lr_decay); >= 0
    double weight_decay = 0.0;               ///< L2 penalty: weight_decay * p is added to the gradient; >= 0
    double initial_accumulator_value = 0.0;  ///< starting value of the sum of squared gradients; >= 0
    double eps = 1e-10;                      ///< added to sqrt(sum) in the denominator; >= 0
    double clip_norm = 0.0;                  ///< clip the global L2 norm of all gradients to this (0 = off)
    double clip_value = 0.0;                 ///< clamp every gradient element to [-clip_value, clip_value] (0 = off)
};

/// Adagrad as torch.optim.Adagrad: g += wd p; sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps).
/// Slot 0 is the sum. Sparse parameters: only touched rows, each with its own t.
template <std::floating_point T>
class adagrad : public detail::optimizer_base<adagrad_options, T> {
public:
    /// Names of the state slots (parameter_state::slots).
    static constexpr std::array<std::string_view, 3> slot_names{"sum", "", ""};

    /// An Adagrad optimizer; raises argument_error on an invalid option.
    explicit adagrad(adagrad_options opts = {});

    /// One update of every parameter from its gradient (clipped first when clipping is on; the
    /// clipping rescales the gradient buffers in place).
    void step(std::span<const parameter_view<T>> params);

private:
    using detail::optimizer_base<adagrad_options, T>::opts_;
    using detail::optimizer_base<adagrad_options, T>::core_;
};

// The member functions are defined outside the class body, so that the extern template declarations
// of the compiled part (CAUSALREC_COMPILED) keep them out of every translation unit (docs/compile-time.md).
template <std::floating_point T>
adagrad<T>::adagrad(adagrad_options opts) : detail::optimizer_base<adagrad_options, T>("adagrad", opts, opts.weight_decay) {
    detail::require_non_negative("adagrad", "lr_decay", opts_.lr_decay);
    detail::require_non_negative("adagrad", "initial_accumulator_value", opts_.initial_accumulator_value);
    detail::require_non_negative("adagrad", "eps", opts_.eps);
}

template <std::floating_point T>
void adagrad<T>::step(std::span<const parameter_view<T>> params) {
    core_.prepare(params, {true, false, false}, {static_cast<T>(opts_.initial_accumulator_value), T(0), T(0)});
    const double lr = core_.learning_rate(), lr_decay = opts_.lr_decay;
    const T eps = static_cast<T>(opts_.eps);
    core_.update(params, [&](T* p, const T* g, T* sum, T*, T*, std::size_t n, std::uint64_t t) {
        const T clr = static_cast<T>(lr / (1.0 + static_cast<double>(t - 1) * lr_decay));
        for (std::size_t j = 0; j < n; ++j) {
            const T gj = g[j];
            sum[j] += gj * gj;
            p[j] -= clr * (gj / (std::sqrt(sum[j]) + eps));
        }
    });
}


/// Declares (`extern`) or defines (empty) the explicit instantiations of adagrad for value type T
/// (float and double are compiled once in causalrec::compiled with CAUSALREC_COMPILED).
#define CAUSALREC_OPTIM_ADAGRAD_INSTANTIATIONS(EXTERN, T) \
    EXTERN template class adagrad<T>;

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_OPTIM_ADAGRAD_INSTANTIATIONS(extern, float)
CAUSALREC_OPTIM_ADAGRAD_INSTANTIATIONS(extern, double)
#endif

}  // namespace causalrec::optim
