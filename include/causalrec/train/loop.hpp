#pragma once
/// @file
/// The training loop of the library: fit(objective, optimizer, options, callbacks...) runs any
/// train::Objective with any optim:: optimizer over epochs and mini-batches, with callbacks, the
/// History, the progress bar and early stopping. Every other fit() (supervised models, recommenders,
/// effect models) builds an objective and calls this one.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/fpenv.hpp"
#include "../core/parameter.hpp"
#include "../data/batches.hpp"
#include "../optim/concepts.hpp"
#include "callbacks.hpp"
#include "concepts.hpp"
#include "context.hpp"
#include "history.hpp"

namespace causalrec::train {

/// Options of the training loop (the supervised fit_options add validation, weights and metrics).
struct train_options {
    std::size_t epochs = 1;          ///< passes over the samples
    std::size_t batch_size = 32;     ///< samples per step; 0 = all of them (full batch)
    bool shuffle = true;             ///< reshuffle the samples every epoch (order depends only on seed and epoch)
    std::uint64_t seed = 0;          ///< seed of the shuffling
    int verbose = 1;                 ///< 0 silent, 1 progress bar (one line per epoch when not a terminal), 2 one line per epoch
    bool flush_denormals = true;     ///< run with denormals flushed to zero (see core/fpenv.hpp); restored on return
};

namespace detail {

/// What the callbacks see as `ctx.model`: the objective's model() when it has one, else the objective.
template <class O>
decltype(auto) context_subject(O& objective) {
    if constexpr (ObjectiveWithModel<O>) {
        return (objective.model());
    } else {
        return (objective);
    }
}

/// The training context type fit(objective, ...) hands its callbacks.
template <class O>
using objective_context =
    training_context<std::remove_reference_t<decltype(context_subject(std::declval<O&>()))>, typename O::value_type>;

template <class O>
void set_objective_training(O& objective, bool training) {
    if constexpr (ObjectiveWithTrainingMode<O>) objective.set_training(training);
}

/// True for a callback with an on_batch_end hook for the context `Ctx`.
template <class C, class Ctx>
concept HasBatchEndHook = requires(C& c, Ctx& ctx) { c.on_batch_end(ctx); };

/// Re-reads the touched rows of the sparse views in `params` after a gradient evaluation; raises
/// shape_error if the objective's parameter list changed.
template <class O, class T>
void refresh_sparse_views(O& objective, std::vector<parameter_view<T>>& params) {
    const auto fresh = objective.parameters();
    std::size_t k = 0;
    for (const auto& p : fresh) {
        if (k == params.size() || p.value.data() != params[k].value.data())
            throw shape_error("causalrec::train::fit: the model's parameter list changed during training");
        params[k].touched_rows = p.touched_rows;
        params[k].grad = p.grad;  // a packed gradient buffer may move as the touched rows grow
        ++k;
    }
}

/// Appends the epoch's values (other than "loss") to the History: "val_loss" to val_loss, the rest
/// to metrics.
inline void record_epoch_logs(const epoch_logs& logs, history& record) {
    for (const auto& [key, value] : logs) {
        if (key == "loss") continue;
        if (key == "val_loss") {
            record.val_loss.push_back(value);
        } else {
            record.metrics[key].push_back(value);
        }
    }
}

}  // namespace detail

/// Trains `objective` with `optimizer` (the one training loop of the library). Each epoch draws the
/// order of the samples from (seed, epoch), cuts it into batches of `batch_size` indices and, for each,
/// evaluates the objective's loss and gradient and takes an optimizer step. An optimizer declaring
/// `full_batch` (gd, lbfgs) gets all samples as one batch; one whose step takes a closure (lbfgs) may
/// re-evaluate the batch. Optional objective members: begin_epoch(epoch), end_epoch(epoch_logs&)
/// (adds validation values and metrics: "val_loss" goes to History::val_loss, other keys to
/// History::metrics), set_training(bool), model() (what callbacks see as ctx.model).
/// A loss that becomes NaN or infinite stops training with numeric_error naming the epoch and batch.
template <Objective O, class Optimizer, class... Callbacks>
    requires optim::Optimizer<std::remove_cvref_t<Optimizer>, typename O::value_type> &&
             (Callback<std::remove_cvref_t<Callbacks>, detail::objective_context<O>> && ...)
history fit(O& objective, Optimizer&& optimizer, const train_options& options = {}, Callbacks&&... callbacks) {
    using T = typename O::value_type;
    using Opt = std::remove_cvref_t<Optimizer>;
    const scoped_flush_denormals denormals(options.flush_denormals);
    if (options.epochs == 0) throw argument_error("causalrec::train::fit: epochs must be at least 1");
    const std::size_t n = static_cast<std::size_t>(objective.samples());
    if (n == 0) throw argument_error("causalrec::train::fit: the objective has no samples to train on");
    std::size_t batch_size = options.batch_size == 0 ? n : std::min(options.batch_size, n);
    if constexpr (optim::is_full_batch_v<Opt>) batch_size = n;
    const std::size_t batches_per_epoch = (n + batch_size - 1) / batch_size;

    std::vector<parameter_view<T>> params;
    for (const auto& p : objective.parameters()) params.push_back(p);
    // A sparse view (embedding) lists the rows its last backward pass touched, so it is re-read
    // after every gradient evaluation; objectives without sparse parameters keep their views.
    const bool sparse_views = std::any_of(params.begin(), params.end(), [](const parameter_view<T>& p) { return p.sparse; });
    if (sparse_views && !optim::handles_sparse_rows_v<Opt>)
        throw argument_error(
            "causalrec::train::fit: the model has sparse parameters (embedding rows), but the optimizer does not declare "
            "`static constexpr bool sparse_rows = true`; it would apply stale gradients to untouched rows "
            "(see docs/concepts/concept_optimizer.md)");

    history record;
    progress_bar bar({.verbose = options.verbose});
    auto& subject = detail::context_subject(objective);
    detail::objective_context<O> ctx{.model = subject, .parameters = params, .record = record};
    ctx.epochs = options.epochs;
    ctx.batches_per_epoch = batches_per_epoch;
    ctx.samples = n;
    if constexpr (requires { objective.metric_list(); }) ctx.metric_list = objective.metric_list();
    ctx.learning_rate = [&optimizer] { return static_cast<double>(optimizer.learning_rate()); };
    ctx.set_learning_rate = [&optimizer](double lr) { optimizer.set_learning_rate(lr); };
    auto for_each_callback = [&](auto&& hook) {
        if (options.verbose != 0) hook(bar);
        (hook(callbacks), ...);
    };

    // The per-batch context (and its clock read) only when the progress bar or a callback listens:
    // objectives with tiny batches (one BPR triple) would otherwise pay for it on every step.
    constexpr bool callback_batch_hooks =
        (detail::HasBatchEndHook<std::remove_cvref_t<Callbacks>, detail::objective_context<O>> || ...);
    const bool batch_listeners = options.verbose != 0 || callback_batch_hooks;
    std::vector<std::size_t> order(n);
    const auto clock = [] { return std::chrono::steady_clock::now(); };
    const auto fail = [&](double value, std::size_t epoch, std::size_t batch) {
        detail::set_objective_training(objective, false);
        throw numeric_error(causalrec::cat("causalrec::train::fit: the loss became ", std::isnan(value) ? "NaN" : "infinite",
                                                   " at epoch ", epoch + 1, ", batch ", batch + 1, " (learning rate ",
                                                   ctx.learning_rate(),
                                                   "); lower the learning rate or check the data"));
    };

    detail::set_objective_training(objective, true);
    for_each_callback([&](auto& cb) { detail::call_train_begin(cb, ctx); });
    for (std::size_t epoch = 0; epoch < options.epochs; ++epoch) {
        ctx.epoch = epoch;
        const auto start = clock();
        if constexpr (ObjectiveWithEpochs<O>) objective.begin_epoch(epoch);
        for_each_callback([&](auto& cb) { detail::call_epoch_begin(cb, ctx); });
        data::epoch_order(order, options.shuffle, options.seed, epoch);
        double loss_sum = 0.0;
        for (std::size_t batch = 0, pos = 0; pos < n; ++batch, pos += batch_size) {
            const std::span<const std::size_t> rows(order.data() + pos, std::min(batch_size, n - pos));
            const double value = static_cast<double>(objective.loss_and_gradient(rows));
            if (!std::isfinite(value)) fail(value, epoch, batch);
            if (sparse_views) detail::refresh_sparse_views(objective, params);
            const std::span<const parameter_view<T>> view(params);
            if constexpr (optim::ClosureOptimizer<Opt, T>) {
                // The closure re-evaluates the same batch at the optimizer's trial point.
                optimizer.step(view, [&] {
                    const double v = static_cast<double>(objective.loss_and_gradient(rows));
                    if (sparse_views) detail::refresh_sparse_views(objective, params);
                    return v;
                });
            } else {
                optimizer.step(view);
            }
            loss_sum += value * static_cast<double>(rows.size());
            ctx.batch = batch;
            ctx.batch_loss = value;
            if (batch_listeners) {
                ctx.epoch_seconds = std::chrono::duration<double>(clock() - start).count();
                for_each_callback([&](auto& cb) { detail::call_batch_end(cb, ctx); });
            }
        }
        ctx.logs.clear();
        ctx.logs["loss"] = loss_sum / static_cast<double>(n);
        record.loss.push_back(ctx.logs["loss"]);
        if constexpr (requires { objective.end_epoch(ctx.logs); }) {
            objective.end_epoch(ctx.logs);
            detail::record_epoch_logs(ctx.logs, record);
        }
        record.learning_rate.push_back(ctx.learning_rate());
        ctx.epoch_seconds = std::chrono::duration<double>(clock() - start).count();
        record.seconds.push_back(ctx.epoch_seconds);
        for_each_callback([&](auto& cb) { detail::call_epoch_end(cb, ctx); });
        if (ctx.stop_training) break;
    }
    detail::set_objective_training(objective, false);
    for_each_callback([&](auto& cb) { detail::call_train_end(cb, ctx); });
    return record;
}

}  // namespace causalrec::train
