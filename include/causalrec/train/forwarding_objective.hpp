#pragma once
/// @file
/// The members an objective that wraps another one passes through unchanged (model, training mode,
/// metric list), for wrappers such as distributed::data_parallel_objective and
/// privacy::private_objective: they derive from it and add samples, parameters and loss_and_gradient.

#include "concepts.hpp"

namespace causalrec::train {

/// Base of an objective wrapping `O` (referred to, not owned): forwards model(), set_training(bool)
/// and metric_list() where O has them, so that the wrapper offers exactly what O offers. No virtual
/// functions: a wrapper's own members are found statically.
template <Objective O>
class forwarding_objective {
public:
    /// The wrapped objective's model (what callbacks see).
    decltype(auto) model()
        requires ObjectiveWithModel<O>
    {
        return inner_->model();
    }
    /// Switches the wrapped objective between training and inference.
    void set_training(bool training)
        requires ObjectiveWithTrainingMode<O>
    {
        inner_->set_training(training);
    }
    /// The metrics the wrapped objective computes each epoch.
    auto metric_list() const
        requires requires(const O& o) { o.metric_list(); }
    {
        return inner_->metric_list();
    }

protected:
    /// Refers to `inner`, which must outlive the wrapper.
    explicit forwarding_objective(O& inner) noexcept : inner_(&inner) {}

    O* inner_;  ///< the wrapped objective
};

}  // namespace causalrec::train
