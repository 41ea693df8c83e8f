#pragma once
/// @file
/// Concepts of the train module: what fit() trains (an Objective, or a Model with a loss and data),
/// what it calls back (a Callback), and the optional members an objective may offer.

#include <concepts>
#include <cstddef>
#include <ranges>
#include <span>
#include <type_traits>

#include "../core/parameter.hpp"
#include "../nn/concepts.hpp"

namespace causalrec::train {

/// What the supervised fit() trains: a bare layer or a `nn::sequential`, i.e. anything with
/// forward, backward and parameters() (nn::Layer).
template <class M, class T>
concept Model = nn::Layer<M, T>;

/// A differentiable training objective (ensmallen's FunctionType as a concept). It owns (or refers to)
/// its data, which fit() visits in batches of sample indices:
/// - `value_type`: the parameters' element type;
/// - `samples()`: how many samples an epoch visits (indices 0..samples()-1);
/// - `parameters()`: its trainable tensors (a range of parameter_view<value_type>), views that stay valid;
/// - `loss_and_gradient(std::span<const std::size_t> batch) -> double`: the loss of the samples in
///   `batch` (as the objective defines it, usually their mean), writing the gradient of that loss into
///   the parameters' `grad` (and, for sparse parameters, the touched rows).
/// Optional members are detected structurally (see ObjectiveWithEpochs and the others below).
template <class O>
concept Objective = std::floating_point<typename O::value_type> &&
                    requires(O& o, std::span<const std::size_t> batch) {
                        { o.samples() } -> std::convertible_to<std::size_t>;
                        { o.parameters() } -> std::ranges::range;
                        requires std::convertible_to<std::ranges::range_value_t<decltype(o.parameters())>,
                                                     parameter_view<typename O::value_type>>;
                        { o.loss_and_gradient(batch) } -> std::convertible_to<double>;
                    };

/// Optional: `begin_epoch(epoch)` is called before each epoch (0-based), e.g. to draw fresh negatives.
template <class O>
concept ObjectiveWithEpochs = requires(O& o, std::size_t epoch) { o.begin_epoch(epoch); };

/// Optional: `set_training(bool)` switches the objective's model between training and inference mode.
template <class O>
concept ObjectiveWithTrainingMode = requires(O& o, bool training) { o.set_training(training); };

/// Optional: `model()` is what callbacks see as the context's `model` (the objective itself otherwise).
template <class O>
concept ObjectiveWithModel = requires(O& o) { o.model(); };

/// Optional for an optimizer: `wrap(objective)` returns the objective it must train in place of
/// `objective` (DP-SGD clips every sample's gradient inside it); the supervised fit() trains that one.
template <class Opt, class O>
concept ObjectiveWrappingOptimizer = requires(Opt& optimizer, O& objective) {
    { optimizer.wrap(objective) } -> Objective;
};

/// A callback: an object with at least one of the hooks on_train_begin, on_epoch_begin, on_batch_end,
/// on_epoch_end, on_train_end taking the training context `Ctx&`. Hooks are found by name, so fit()
/// refuses (at compile time) an object none of whose members is a hook, e.g. one whose only hook is
/// misspelt (`on_epoch_ends`) or takes the wrong arguments.
template <class C, class Ctx>
concept Callback = requires(C& c, Ctx& ctx) { c.on_train_begin(ctx); } || requires(C& c, Ctx& ctx) {
    c.on_epoch_begin(ctx);
} || requires(C& c, Ctx& ctx) { c.on_batch_end(ctx); } || requires(C& c, Ctx& ctx) {
    c.on_epoch_end(ctx);
} || requires(C& c, Ctx& ctx) { c.on_train_end(ctx); };

}  // namespace causalrec::train
