#pragma once
/// @file
/// Adam (Kingma & Ba 2015, Algorithm 1, with bias correction; optional AMSGrad and L2 weight decay as
/// torch.optim.Adam) and AdamW (decoupled weight decay, Loshchilov & Hutter 2019, as torch.optim.AdamW).
/// On sparse parameters both are "lazy": only touched rows move, each row with its own step count.

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../core/parameter.hpp"
#include "../core/compiler.hpp"
#include "detail/simd.hpp"
#include "state.hpp"
#include "fwd.hpp"

namespace causalrec::optim {

/// Options of adam.
struct adam_options {
    double learning_rate = 1e-3;            ///< learning rate (alpha in the paper); > 0
    double beta1 = 0.9;          ///< decay of the first-moment estimate, in [0, 1)
    double beta2 = 0.999;        ///< decay of the second-moment estimate, in [0, 1)
    double eps = 1e-8;           ///< added to sqrt(v_hat) in the denominator; >= 0
    double weight_decay = 0.0;   ///< L2 penalty: weight_decay * p is added to the gradient; >= 0
    bool amsgrad = false;        ///< use the running maximum of v (Reddi et al. 2018), as PyTorch
    double clip_norm = 0.0;      ///< clip the global L2 norm of all gradients to this (0 = off)
    double clip_value = 0.0;     ///< clamp every gradient element to [-clip_value, clip_value] (0 = off)
};

/// Options of adamw: those of adam, with PyTorch's AdamW default weight decay 0.01 (decoupled).
struct adamw_options {
    double learning_rate = 1e-3;            ///< step size; > 0
    double beta1 = 0.9;          ///< decay of the first-moment estimate, in [0, 1)
    double beta2 = 0.999;        ///< decay of the second-moment estimate, in [0, 1)
    double eps = 1e-8;           ///< added to sqrt(v_hat) in the denominator; >= 0
    double weight_decay = 0.01;  ///< decoupled decay: p -= lr * weight_decay * p before the Adam step; >= 0
    bool amsgrad = false;        ///< use the running maximum of v (Reddi et al. 2018), as PyTorch
    double clip_norm = 0.0;      ///< clip the global L2 norm of all gradients to this (0 = off)
    double clip_value = 0.0;     ///< clamp every gradient element to [-clip_value, clip_value] (0 = off)
};

namespace detail {

/// Checks the options shared by adam and adamw.
template <class Options>
void check_adam_options(std::string_view who, const Options& o) {
    require_unit_interval(who, "beta1", o.beta1);
    require_unit_interval(who, "beta2", o.beta2);
    require_non_negative(who, "eps", o.eps);
}

/// One Adam step over the whole state; `decoupled` selects AdamW's weight decay instead of L2.
template <class T, class Options>
void adam_step(optimizer_core<T>& core, const Options& o, bool decoupled, std::span<const parameter_view<T>> params) {
    core.prepare(params, {true, true, o.amsgrad}, {T(0), T(0), T(0)});
    const double lr = core.learning_rate();
    const T b1 = static_cast<T>(o.beta1), b2 = static_cast<T>(o.beta2);
    const T c1 = static_cast<T>(1.0 - o.beta1), c2 = static_cast<T>(1.0 - o.beta2);
    const T eps = static_cast<T>(o.eps);
    const T shrink = static_cast<T>(1.0 - lr * o.weight_decay);
    const bool use_shrink = decoupled && o.weight_decay != 0.0;
    const bool amsgrad = o.amsgrad;
    const double beta1 = o.beta1, beta2 = o.beta2;
    core.update(params, [&](T* p, const T* g, T* m, T* v, T* vmax, std::size_t n, std::uint64_t t) {
        // Algorithm 1 with the bias corrections folded as PyTorch does:
        // p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps) == lr * m_hat / (sqrt(v_hat) + eps).
        const double tt = static_cast<double>(t);
        const T step_size = static_cast<T>(lr / (1.0 - std::pow(beta1, tt)));
        const T bc2_sqrt = static_cast<T>(std::sqrt(1.0 - std::pow(beta2, tt)));
        if constexpr (std::is_same_v<T, float>) {
            if (!use_shrink && !amsgrad && causalrec::cpu_has_avx512f()) {  // the same arithmetic, 16 lanes
                adam_update_avx512(p, g, m, v, n, b1, c1, b2, c2, step_size, bc2_sqrt, eps);
                return;
            }
        }
        // Blocks of 256 values: moments first (element-wise, vectorizes), then the square roots
        // with SIMD instructions, then the parameter update (vectorizes) — same arithmetic as one loop.
        constexpr std::size_t block = 256;
        T root[block];
        for (std::size_t j0 = 0; j0 < n; j0 += block) {
            const std::size_t nb = std::min(block, n - j0);
            T* CAUSALREC_RESTRICT pb = p + j0;
            const T* CAUSALREC_RESTRICT gb = g + j0;
            T* CAUSALREC_RESTRICT mb = m + j0;
            T* CAUSALREC_RESTRICT vb = v + j0;
            if (use_shrink || amsgrad) {
                for (std::size_t j = 0; j < nb; ++j) {
                    const T gj = gb[j];
                    if (use_shrink) pb[j] *= shrink;
                    mb[j] = b1 * mb[j] + c1 * gj;
                    vb[j] = b2 * vb[j] + c2 * gj * gj;
                    root[j] = amsgrad ? (vmax[j0 + j] = std::max(vmax[j0 + j], vb[j])) : vb[j];
                }
            } else {
                for (std::size_t j = 0; j < nb; ++j) {
                    const T gj = gb[j];
                    mb[j] = b1 * mb[j] + c1 * gj;
                    vb[j] = b2 * vb[j] + c2 * gj * gj;
                    root[j] = vb[j];
                }
            }
            sqrt_in_place(root, nb);
            for (std::size_t j = 0; j < nb; ++j) pb[j] -= step_size * (mb[j] / (root[j] / bc2_sqrt + eps));
        }
    });
}

}  // namespace detail

/// Adam (Kingma & Ba 2015, Algorithm 1): m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2,
/// m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t), p -= lr m_hat / (sqrt(v_hat) + eps), with g the
/// gradient plus weight_decay * p (torch.optim.Adam). Slots: exp_avg (m), exp_avg_sq (v), max_exp_avg_sq
/// (amsgrad only). Sparse parameters: lazy Adam, see docs/optim.md.
template <std::floating_point T>
class adam : public detail::optimizer_base<adam_options, T> {
public:
    /// Names of the state slots (parameter_state::slots).
    static constexpr std::array<std::string_view, 3> slot_names{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

    /// An Adam optimizer; raises argument_error on an invalid option.
    explicit adam(adam_options opts = {});

    /// One update of every parameter from its gradient (clipped first when clipping is on; the
    /// clipping rescales the gradient buffers in place).
    void step(std::span<const parameter_view<T>> params);

private:
    using detail::optimizer_base<adam_options, T>::opts_;
    using detail::optimizer_base<adam_options, T>::core_;
};

// The member functions are defined outside the class body, so that the extern template declarations
// of the compiled part (CAUSALREC_COMPILED) keep them out of every translation unit (docs/compile-time.md).
template <std::floating_point T>
adam<T>::adam(adam_options opts) : detail::optimizer_base<adam_options, T>("adam", opts, opts.weight_decay) {
    detail::check_adam_options("adam", opts_);
}

template <std::floating_point T>
void adam<T>::step(std::span<const parameter_view<T>> params) { detail::adam_step(core_, opts_, false, params); }


/// AdamW (Loshchilov & Hutter 2019, torch.optim.AdamW): p -= lr * weight_decay * p, then the Adam step
/// on the raw gradient. Slots as adam. Sparse parameters: lazy, the decay also only on touched rows.
template <std::floating_point T>
class adamw : public detail::optimizer_base<adamw_options, T> {
public:
    /// Names of the state slots (parameter_state::slots).
    static constexpr std::array<std::string_view, 3> slot_names{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

    /// An AdamW optimizer; raises argument_error on an invalid option.
    explicit adamw(adamw_options opts = {});

    /// One update of every parameter from its gradient (clipped first when clipping is on; the
    /// clipping rescales the gradient buffers in place).
    void step(std::span<const parameter_view<T>> params);

private:
    using detail::optimizer_base<adamw_options, T>::opts_;
    using detail::optimizer_base<adamw_options, T>::core_;
};

template <std::floating_point T>
adamw<T>::adamw(adamw_options opts) : detail::optimizer_base<adamw_options, T>("adamw", opts, 0.0) {
    detail::require_non_negative("adamw", "weight_decay", opts.weight_decay);
    detail::check_adam_options("adamw", opts_);
}

template <std::floating_point T>
void adamw<T>::step(std::span<const parameter_view<T>> params) { detail::adam_step(core_, opts_, true, params); }


/// Declares (`extern`) or defines (empty) the explicit instantiations of adam and adamw for value type T
/// (float and double are compiled once in causalrec::compiled with CAUSALREC_COMPILED).
#define CAUSALREC_OPTIM_ADAM_INSTANTIATIONS(EXTERN, T) \
    EXTERN template class adam<T>; \
    EXTERN template class adamw<T>;

#if !CAUSALREC_HEADER_ONLY
CAUSALREC_OPTIM_ADAM_INSTANTIATIONS(extern, float)
CAUSALREC_OPTIM_ADAM_INSTANTIATIONS(extern, double)
#endif

}  // namespace causalrec::optim
