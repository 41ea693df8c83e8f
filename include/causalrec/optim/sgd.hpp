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

#include "../core/error.hpp"
#include "../core/parameter.hpp"
#include "state.hpp"

namespace causalrec::optim {

/// Options of sgd.
struct sgd_options {
    double lr = 0.01;            ///< learning rate; > 0
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
template <std::floating_point T = float>
class sgd {
public:
    using options = sgd_options;  ///< the options type taken by the constructor
    using value_type = T;  ///< the element type of the parameters it updates
    /// Names of the state slots (parameter_state::slots).
    static constexpr std::array<std::string_view, 3> slot_names{"momentum_buffer", "", ""};

    /// An SGD optimizer; raises argument_error on an invalid option.
    explicit sgd(sgd_options opts = {}) : opts_(opts), core_("sgd", opts.lr, opts.clip_norm, opts.clip_value) {
        detail::require_unit_interval("sgd", "momentum", opts_.momentum);
        if (!(opts_.dampening >= 0.0 && opts_.dampening <= 1.0))
            throw argument_error(detail::cat("sgd: dampening must be in [0, 1], got ", opts_.dampening));
        detail::require_non_negative("sgd", "weight_decay", opts_.weight_decay);
        if (opts_.nesterov && (opts_.momentum <= 0.0 || opts_.dampening != 0.0))
            throw argument_error(detail::cat("sgd: nesterov needs momentum > 0 and dampening 0, got momentum ",
                                             opts_.momentum, " and dampening ", opts_.dampening));
    }

    /// One update of every parameter from its gradient (clipped first when clipping is on; the
    /// clipping rescales the gradient buffers in place).
    void step(std::span<const parameter_view<T>> params) {
        const bool with_momentum = opts_.momentum != 0.0;
        core_.prepare(params, {with_momentum, false, false}, {T(0), T(0), T(0)});
        const T lr = static_cast<T>(core_.learning_rate());
        const T wd = static_cast<T>(opts_.weight_decay);
        const T mu = static_cast<T>(opts_.momentum);
        const T keep = static_cast<T>(1.0 - opts_.dampening);
        const bool decay = opts_.weight_decay != 0.0, nesterov = opts_.nesterov;
        core_.update(params, [&](T* p, const T* g, T* buf, T*, T*, std::size_t n, std::uint64_t t) {
            for (std::size_t j = 0; j < n; ++j) {
                T d = g[j];
                if (decay) d += wd * p[j];
                if (with_momentum) {
                    buf[j] = t == 1 ? d : mu * buf[j] + keep * d;
                    d = nesterov ? d + mu * buf[j] : buf[j];
                }
                p[j] -= lr * d;
            }
        });
    }

    /// The current learning rate.
    double learning_rate() const noexcept { return core_.learning_rate(); }
    /// Sets the learning rate (for schedules); raises argument_error unless finite and >= 0.
    void set_learning_rate(double lr) { core_.set_learning_rate(lr); }
    /// "sgd".
    std::string_view name() const noexcept { return "sgd"; }
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

/// Options of gd.
struct gd_options {
    double lr = 0.01;           ///< learning rate; > 0
    double weight_decay = 0.0;  ///< L2 penalty: weight_decay * p is added to the gradient; >= 0
    double clip_norm = 0.0;     ///< clip the global L2 norm of all gradients to this (0 = off)
    double clip_value = 0.0;    ///< clamp every gradient element to [-clip_value, clip_value] (0 = off)
};

/// Full-batch gradient descent: the update of plain sgd (p -= lr (g + wd p)); `full_batch` tells
/// the training loop to use the whole training set as one batch. No state.
template <std::floating_point T = float>
class gd {
public:
    using options = gd_options;  ///< the options type taken by the constructor
    using value_type = T;  ///< the element type of the parameters it updates
    /// Read by the training loop: one batch per epoch, the whole training set.
    static constexpr bool full_batch = true;
    /// Names of the state slots (none are used).
    static constexpr std::array<std::string_view, 3> slot_names{"", "", ""};

    /// A gradient-descent optimizer; raises argument_error on an invalid option.
    explicit gd(gd_options opts = {}) : opts_(opts), core_("gd", opts.lr, opts.clip_norm, opts.clip_value) {
        detail::require_non_negative("gd", "weight_decay", opts_.weight_decay);
    }

    /// One update of every parameter from its gradient (clipped first when clipping is on; the
    /// clipping rescales the gradient buffers in place).
    void step(std::span<const parameter_view<T>> params) {
        core_.prepare(params, {false, false, false}, {T(0), T(0), T(0)});
        const T lr = static_cast<T>(core_.learning_rate());
        const T wd = static_cast<T>(opts_.weight_decay);
        const bool decay = opts_.weight_decay != 0.0;
        core_.update(params, [&](T* p, const T* g, T*, T*, T*, std::size_t n, std::uint64_t) {
            for (std::size_t j = 0; j < n; ++j) {
                T d = g[j];
                if (decay) d += wd * p[j];
                p[j] -= lr * d;
            }
        });
    }

    /// The current learning rate.
    double learning_rate() const noexcept { return core_.learning_rate(); }
    /// Sets the learning rate (for schedules); raises argument_error unless finite and >= 0.
    void set_learning_rate(double lr) { core_.set_learning_rate(lr); }
    /// "gd".
    std::string_view name() const noexcept { return "gd"; }
    /// The options given at construction.
    const options& get_options() const noexcept { return opts_; }
    /// The per-parameter state (sizes only: plain gradient descent keeps no buffers).
    const std::vector<parameter_state<T>>& state() const noexcept { return core_.state(); }
    /// Forgets the state; the next step() allocates it again (to optimize other parameters).
    void reset() noexcept { core_.reset(); }

private:
    options opts_;
    detail::optimizer_core<T> core_;
};

}  // namespace causalrec::optim
