#pragma once
/// @file
/// Learning-rate schedules as small value types. Epoch schedules (step_decay, exponential_decay,
/// cosine_annealing) map (epoch, base_lr) to a learning rate with PyTorch's closed forms (StepLR,
/// ExponentialLR, CosineAnnealingLR); reduce_on_plateau follows a monitored metric as Keras's
/// ReduceLROnPlateau does. A training-loop callback drives them through set_learning_rate().

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <string_view>

#include "../core/error.hpp"
#include "state.hpp"

namespace causalrec::optim {

/// StepLR: base_lr * gamma^floor(epoch / step_size).
struct step_decay {
    std::size_t step_size = 1;  ///< epochs between two decays; >= 1
    double gamma = 0.1;         ///< factor applied every step_size epochs; > 0

    /// The learning rate of the 0-based epoch (epoch 0 gives base_lr); raises argument_error on a bad option.
    double operator()(std::size_t epoch, double base_lr) const {
        if (step_size == 0) throw argument_error("causalrec::optim::step_decay: step_size must be >= 1, got 0");
        detail::require_positive("step_decay", "gamma", gamma);
        return base_lr * std::pow(gamma, static_cast<double>(epoch / step_size));
    }
};

/// ExponentialLR: base_lr * gamma^epoch.
struct exponential_decay {
    double gamma = 0.9;  ///< factor applied every epoch; > 0

    /// The learning rate of the 0-based epoch (epoch 0 gives base_lr); raises argument_error on a bad option.
    double operator()(std::size_t epoch, double base_lr) const {
        detail::require_positive("exponential_decay", "gamma", gamma);
        return base_lr * std::pow(gamma, static_cast<double>(epoch));
    }
};

/// CosineAnnealingLR's closed form: eta_min + (base_lr - eta_min) (1 + cos(pi epoch / t_max)) / 2.
/// It reaches eta_min at epoch t_max and, past it, rises again (period 2 t_max), as PyTorch's closed form.
struct cosine_annealing {
    std::size_t t_max = 1;  ///< epochs from base_lr down to eta_min; >= 1
    double eta_min = 0.0;   ///< the lowest learning rate; >= 0

    /// The learning rate of the 0-based epoch (epoch 0 gives base_lr); raises argument_error on a bad option.
    double operator()(std::size_t epoch, double base_lr) const {
        if (t_max == 0) throw argument_error("causalrec::optim::cosine_annealing: t_max must be >= 1, got 0");
        detail::require_non_negative("cosine_annealing", "eta_min", eta_min);
        const double phase = std::numbers::pi * static_cast<double>(epoch) / static_cast<double>(t_max);
        return eta_min + (base_lr - eta_min) * (1.0 + std::cos(phase)) / 2.0;
    }
};

/// Whether reduce_on_plateau's metric should go down (a loss) or up (an accuracy).
enum class plateau_mode { minimize, maximize };

/// What reduce_on_plateau remembers between epochs.
struct plateau_state {
    bool has_best = false;          ///< whether a metric has improved on the start (+inf or -inf)
    double best = 0.0;              ///< the best metric so far (valid when has_best)
    std::size_t wait = 0;           ///< epochs since the last improvement (outside cooldown)
    std::size_t cooldown_left = 0;  ///< epochs of cooldown remaining after a reduction
};

/// Keras's ReduceLROnPlateau: after `patience` epochs in a row without an improvement of more than
/// min_delta (absolute: metric < best - min_delta when minimizing, > best + min_delta when maximizing),
/// the learning rate becomes max(lr * factor, min_lr) (only if lr > min_lr). The `cooldown` epochs that
/// follow a reduction are not counted (as PyTorch; Keras's own counter effectively skips cooldown - 1).
/// A NaN metric never counts as an improvement.
struct reduce_on_plateau {
    double factor = 0.1;                       ///< multiplies the learning rate on a plateau; in (0, 1)
    std::size_t patience = 10;                 ///< epochs without improvement before a reduction
    double min_delta = 1e-4;                   ///< an improvement must exceed this (absolute); >= 0
    double min_lr = 0.0;                       ///< the learning rate never goes below this; >= 0
    plateau_mode mode = plateau_mode::minimize;  ///< whether the metric should go down or up
    std::size_t cooldown = 0;                  ///< epochs after a reduction before waiting resumes
    plateau_state state{};                     ///< the tracking state (best, wait, cooldown); see reset()

    /// Records the epoch's metric and returns the learning rate to use next (current_lr or a reduced
    /// one); raises argument_error on a bad option.
    double update(double metric, double current_lr) {
        if (!(factor > 0.0 && factor < 1.0))
            throw argument_error(detail::cat("causalrec::optim::reduce_on_plateau: factor must be in (0, 1), got ", factor));
        detail::require_non_negative("reduce_on_plateau", "min_delta", min_delta);
        detail::require_non_negative("reduce_on_plateau", "min_lr", min_lr);
        // Keras starts from best = +inf (minimize) or -inf (maximize); min_delta is absolute, as in Keras.
        const double inf = std::numeric_limits<double>::infinity();
        const double best = state.has_best ? state.best : (mode == plateau_mode::minimize ? inf : -inf);
        const bool improved = mode == plateau_mode::minimize ? metric < best - min_delta : metric > best + min_delta;
        if (improved) {
            state.best = metric;
            state.has_best = true;
            state.wait = 0;
        }
        if (state.cooldown_left > 0) {  // an epoch of cooldown: not counted (PyTorch's reading of cooldown)
            --state.cooldown_left;
            state.wait = 0;
            return current_lr;
        }
        if (improved) return current_lr;
        if (++state.wait < patience) return current_lr;
        if (!(current_lr > min_lr)) return current_lr;
        state.wait = 0;
        state.cooldown_left = cooldown;
        return std::max(current_lr * factor, min_lr);
    }

    /// Forgets the best metric, the wait and the cooldown (the options stay).
    void reset() noexcept { state = {}; }
};

}  // namespace causalrec::optim
