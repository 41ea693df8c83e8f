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

#include "../core/parameter.hpp"
#include "state.hpp"

namespace causalrec::optim {

/// Options of adagrad.
struct adagrad_options {
    double lr = 0.01;                        ///< learning rate; > 0
    double lr_decay = 0.0;                   ///< step t uses lr / (1 + (t - 1) lr_decay); >= 0
    double weight_decay = 0.0;               ///< L2 penalty: weight_decay * p is added to the gradient; >= 0
    double initial_accumulator_value = 0.0;  ///< starting value of the sum of squared gradients; >= 0
    double eps = 1e-10;                      ///< added to sqrt(sum) in the denominator; >= 0
    double clip_norm = 0.0;                  ///< clip the global L2 norm of all gradients to this (0 = off)
    double clip_value = 0.0;                 ///< clamp every gradient element to [-clip_value, clip_value] (0 = off)
};

/// Adagrad as torch.optim.Adagrad: g += wd p; sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps).
/// Slot 0 is the sum. Sparse parameters: only touched rows, each with its own t.
template <std::floating_point T = float>
class adagrad {
public:
    using options = adagrad_options;  ///< the options type taken by the constructor
    using value_type = T;  ///< the element type of the parameters it updates
    /// Names of the state slots (parameter_state::slots).
    static constexpr std::array<std::string_view, 3> slot_names{"sum", "", ""};

    /// An Adagrad optimizer; raises argument_error on an invalid option.
    explicit adagrad(adagrad_options opts = {})
        : opts_(opts), core_("adagrad", opts.lr, opts.clip_norm, opts.clip_value) {
        detail::require_non_negative("adagrad", "lr_decay", opts_.lr_decay);
        detail::require_non_negative("adagrad", "weight_decay", opts_.weight_decay);
        detail::require_non_negative("adagrad", "initial_accumulator_value", opts_.initial_accumulator_value);
        detail::require_non_negative("adagrad", "eps", opts_.eps);
    }

    /// One update of every parameter from its gradient (clipped first when clipping is on; the
    /// clipping rescales the gradient buffers in place).
    void step(std::span<const parameter_view<T>> params) {
        core_.prepare(params, {true, false, false}, {static_cast<T>(opts_.initial_accumulator_value), T(0), T(0)});
        const double lr = core_.learning_rate(), lr_decay = opts_.lr_decay;
        const T wd = static_cast<T>(opts_.weight_decay), eps = static_cast<T>(opts_.eps);
        const bool decay = opts_.weight_decay != 0.0;
        core_.update(params, [&](T* p, const T* g, T* sum, T*, T*, std::size_t n, std::uint64_t t) {
            const T clr = static_cast<T>(lr / (1.0 + static_cast<double>(t - 1) * lr_decay));
            for (std::size_t j = 0; j < n; ++j) {
                T gj = g[j];
                if (decay) gj += wd * p[j];
                sum[j] += gj * gj;
                p[j] -= clr * (gj / (std::sqrt(sum[j]) + eps));
            }
        });
    }

    /// The current learning rate.
    double learning_rate() const noexcept { return core_.learning_rate(); }
    /// Sets the learning rate (for schedules); raises argument_error unless finite and >= 0.
    void set_learning_rate(double lr) { core_.set_learning_rate(lr); }
    /// "adagrad".
    std::string_view name() const noexcept { return "adagrad"; }
    /// The options given at construction (lr as given; see learning_rate() for the current one).
    const options& get_options() const noexcept { return opts_; }
    /// The per-parameter state (empty before the first step).
    const std::vector<parameter_state<T>>& state() const noexcept { return core_.state(); }
    /// Forgets the state; the next step() allocates it again (to optimize other parameters).
    void reset() noexcept { core_.reset(); }

private:
    options opts_;
    detail::optimizer_core<T> core_;
};

}  // namespace causalrec::optim
