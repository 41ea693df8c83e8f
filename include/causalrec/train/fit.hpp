#pragma once
/// @file
/// fit, evaluate and predict: the training loop of the library (Keras's model.fit in one call).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/message.hpp"
#include "../core/checks.hpp"
#include "../core/error.hpp"
#include "../core/fpenv.hpp"
#include "../core/tensor.hpp"
#include "../data/batches.hpp"
#include "../loss/concepts.hpp"
#include "../core/shape_cache.hpp"
#include "../optim/concepts.hpp"
#include "concepts.hpp"
#include "context.hpp"
#include "history.hpp"
#include "loop.hpp"
#include "supervised.hpp"

namespace causalrec::train {

/// Options of fit (Keras's fit arguments).
template <class T>
struct fit_options {
    std::size_t epochs = 1;            ///< passes over the training data
    std::size_t batch_size = 32;       ///< rows per step; 0 = the whole training set (full-batch gradient descent)
    double validation_split = 0.0;     ///< share of rows held out for validation: the last rows, before shuffling (as Keras)
    std::optional<validation_data<T>> validation{};  ///< explicit validation data (overrides validation_split)
    bool shuffle = true;               ///< reshuffle the training rows every epoch
    std::uint64_t seed = 0;            ///< seed of the shuffling
    std::optional<vector<T>> sample_weight{};  ///< per-row weights of the training rows
    std::vector<metric_entry> metrics{};       ///< metrics computed each epoch on training and validation predictions
    int verbose = 1;                   ///< 0 silent, 1 progress bar (one line per epoch when not a terminal), 2 one line per epoch
    bool flush_denormals = true;       ///< run with denormals flushed to zero (see core/fpenv.hpp); restored on return
    /// Called at the start of every epoch (0-based) with the training rows, which it may rewrite in
    /// place, keeping their shape: fresh negative samples each epoch (Keras's Sequence.on_epoch_end).
    /// Rows held out by validation_split are not passed. Empty = the rows stay as given.
    std::function<void(std::size_t epoch, matrix<T>& X, matrix<T>& Y)> resample{};
};

/// Options of evaluate.
template <class T>
struct evaluate_options {
    std::size_t batch_size = 512;               ///< rows per forward pass (512 keeps activations in cache)
    std::optional<vector<T>> sample_weight{};   ///< per-row weights
    std::vector<metric_entry> metrics{};        ///< metrics to compute
};

/// The result of evaluate: the mean loss and each metric.
struct evaluation {
    double loss = 0.0;                         ///< mean loss over the rows (weighted as the loss defines)
    std::map<std::string, double> metrics{};   ///< metric values by name
};

/// Options of predict.
struct predict_options {
    std::size_t batch_size = 512;  ///< rows per forward pass; 512 keeps a layer's activations in L2 cache, which
                                   ///< measured fastest (larger passes only add memory traffic)
};

namespace detail {

template <class T>
void check_weights(const vector<T>& w, std::size_t rows, const char* fn) {
    if (w.size() != rows)
        throw shape_error(causalrec::error_message("train", fn, "sample_weight has ", w.size(), " entries for ", rows, " rows"));
    for (std::size_t i = 0; i < w.size(); ++i)
        if (!(w(i) >= T(0)) || !std::isfinite(w(i)))
            throw numeric_error(causalrec::error_message("train", fn, "sample_weight ", i, " is negative or not finite"));
}

template <class T>
matrix<T> rows_of(const matrix<T>& m, std::size_t begin, std::size_t end) {
    const std::size_t cols = m.shape()[1];
    matrix<T> out = make_matrix<T>(end - begin, cols);
    std::copy(m.data() + begin * cols, m.data() + end * cols, out.data());
    return out;
}

template <class T>
vector<T> rows_of(const vector<T>& v, std::size_t begin, std::size_t end) {
    vector<T> out = make_vector<T>(end - begin);
    std::copy(v.data() + begin, v.data() + end, out.data());
    return out;
}

}  // namespace detail

/// The checked parts of a supervised fit (training rows, validation rows, weights), its objective
/// and its loop options, built in place; the objective refers to the parts, so this does not move.
template <class M, class L, std::floating_point T>
struct supervised_setup {
    std::optional<validation_data<T>> held_out{};  ///< validation rows (explicit or split off)
    matrix<T> X_part{};                            ///< training features when some rows were held out
    matrix<T> Y_part{};                            ///< training targets when some rows were held out
    std::optional<vector<T>> w_train{};            ///< training weights
    std::optional<supervised_objective<M, L, T>> objective{};  ///< the objective over the training rows
    train_options loop{};                          ///< the training loop's options

    /// Checks (model, loss, X, Y, options) as fit does and builds the objective.
    supervised_setup(M& model, const L& loss, const matrix<T>& X, const matrix<T>& Y, const fit_options<T>& options) {
        const std::size_t n = X.shape()[0];
        if (Y.shape()[0] != n)
            throw shape_error(causalrec::cat("causalrec::train::fit: X has ", n, " rows but the targets have ", Y.shape()[0]));
        if (n == 0) throw argument_error("causalrec::train::fit: X has no rows; there is nothing to train on");
        if (options.epochs == 0) throw argument_error("causalrec::train::fit: epochs must be at least 1");
        if (!(options.validation_split >= 0.0 && options.validation_split < 1.0))
            throw argument_error("causalrec::train::fit: validation_split must be in [0, 1)");
        require_finite("causalrec::train::fit", "X", X);
        require_finite("causalrec::train::fit", "the targets", Y);
        if constexpr (loss::ValidatesTargets<L, T>) loss.validate_targets(Y);
        if (options.sample_weight) detail::check_weights(*options.sample_weight, n, "fit");
        if (!options.metrics.empty() && Y.shape()[1] != 1)
            throw argument_error("causalrec::train::fit: metrics need a single-output model (targets with one column)");

        // Training and validation parts.
        std::size_t n_train = n;
        if (options.validation) {
            held_out = options.validation;
            if (held_out->x.shape()[1] != X.shape()[1] || held_out->y.shape()[1] != Y.shape()[1] ||
                held_out->x.shape()[0] != held_out->y.shape()[0])
                throw shape_error("causalrec::train::fit: validation data shapes do not match the training data");
            if (held_out->x.shape()[0] == 0) throw argument_error("causalrec::train::fit: the validation data has no rows");
            require_finite("causalrec::train::fit", "validation X", held_out->x);
            require_finite("causalrec::train::fit", "the validation targets", held_out->y);
            if constexpr (loss::ValidatesTargets<L, T>) loss.validate_targets(held_out->y);
        } else if (options.validation_split > 0.0) {
            n_train = static_cast<std::size_t>(static_cast<double>(n) * (1.0 - options.validation_split));
            if (n_train == 0 || n_train == n)
                throw argument_error(causalrec::cat("causalrec::train::fit: validation_split ", options.validation_split, " leaves an empty part of ", n, " rows"));
            held_out = validation_data<T>{detail::rows_of(X, n_train, n), detail::rows_of(Y, n_train, n)};
        }
        // A copy of the training rows when rows are held out for validation.
        const bool split = n_train != n;
        if (split) {
            X_part = detail::rows_of(X, 0, n_train);
            Y_part = detail::rows_of(Y, 0, n_train);
        }
        if (options.sample_weight) w_train = split ? detail::rows_of(*options.sample_weight, 0, n_train) : *options.sample_weight;

        objective.emplace(model, loss, split ? X_part : X, split ? Y_part : Y, w_train ? &*w_train : nullptr);
        objective->set_metrics(&options.metrics);
        if (held_out) objective->set_validation(&*held_out);
        if (options.resample) objective->set_resample(options.resample);
        loop = train_options{.epochs = options.epochs,
                             .batch_size = options.batch_size,
                             .shuffle = options.shuffle,
                             .seed = options.seed,
                             .verbose = options.verbose,
                             .flush_denormals = options.flush_denormals};
    }
    supervised_setup(const supervised_setup&) = delete;
    supervised_setup& operator=(const supervised_setup&) = delete;
};

/// Trains `model` on (X, Y) with `loss` and `optimizer` (Keras's fit). Y is (rows, outputs).
/// Callbacks are any objects with training hooks (progress_bar, early_stopping, ...). Returns the
/// History. Builds a supervised_objective and runs the training loop (train/loop.hpp) with it.
/// A loss that becomes NaN or infinite stops training with numeric_error naming the epoch
/// and batch. A model ending in sigmoid, trained with a loss that also works on logits (binary
/// cross-entropy), is differentiated through its logits, which keeps full precision. An optimizer
/// offering wrap(objective) (privacy::dp_sgd) trains the objective it returns.
template <class M, class L, class Optimizer, std::floating_point T, class... Callbacks>
    requires Model<M, T> && loss::Loss<L, T> && optim::Optimizer<std::remove_cvref_t<Optimizer>, T> &&
             (Callback<std::remove_cvref_t<Callbacks>, training_context<M, T>> && ...)
history fit(M& model, const L& loss, Optimizer&& optimizer, const matrix<T>& X, const matrix<T>& Y,
            const fit_options<T>& options = {}, Callbacks&&... callbacks) {
    static_assert(!nn::has_sparse_parameters_v<M> || optim::handles_sparse_rows_v<std::remove_cvref_t<Optimizer>>,
                  "fit: this model has sparse parameters (an embedding), and the optimizer does not declare "
                  "`static constexpr bool sparse_rows = true`: it would apply stale gradients to rows the batch "
                  "did not touch (see docs/concepts/concept_optimizer.md)");
    supervised_setup<M, L, T> setup(model, loss, X, Y, options);
    if constexpr (ObjectiveWrappingOptimizer<std::remove_cvref_t<Optimizer>, supervised_objective<M, L, T>>) {
        auto wrapped = optimizer.wrap(*setup.objective);  // e.g. privacy::dp_sgd's per-sample clipping
        return fit(wrapped, std::forward<Optimizer>(optimizer), setup.loop, std::forward<Callbacks>(callbacks)...);
    } else {
        return fit(*setup.objective, std::forward<Optimizer>(optimizer), setup.loop, std::forward<Callbacks>(callbacks)...);
    }
}

/// fit with a label vector y (one output column).
template <class M, class L, class Optimizer, std::floating_point T, class... Callbacks>
    requires Model<M, T> && loss::Loss<L, T> && optim::Optimizer<std::remove_cvref_t<Optimizer>, T> &&
             (Callback<std::remove_cvref_t<Callbacks>, training_context<M, T>> && ...)
history fit(M& model, const L& loss, Optimizer&& optimizer, const matrix<T>& X, const vector<T>& y,
            const fit_options<T>& options = {}, Callbacks&&... callbacks) {
    return fit(model, loss, std::forward<Optimizer>(optimizer), X, data::as_column(y), options,
               std::forward<Callbacks>(callbacks)...);
}

/// One optimizer step on all rows of (X, Y) (Keras's train_on_batch); returns their loss before the
/// step. The model's weights and the optimizer's state (Adam's moments, its step count) carry over
/// from call to call, so repeated calls keep training on mini-batches as they arrive (online
/// updates), with no re-initialisation. Raises as fit does.
template <class M, class L, class Optimizer, std::floating_point T>
    requires Model<M, T> && loss::Loss<L, T> && optim::Optimizer<std::remove_cvref_t<Optimizer>, T>
double train_on_batch(M& model, const L& loss, Optimizer& optimizer, const matrix<T>& X, const matrix<T>& Y) {
    const history h = fit(model, loss, optimizer, X, Y, fit_options<T>{.epochs = 1, .batch_size = 0, .shuffle = false, .verbose = 0});
    return h.loss.front();
}

/// train_on_batch with a label vector y (one output column).
template <class M, class L, class Optimizer, std::floating_point T>
    requires Model<M, T> && loss::Loss<L, T> && optim::Optimizer<std::remove_cvref_t<Optimizer>, T>
double train_on_batch(M& model, const L& loss, Optimizer& optimizer, const matrix<T>& X, const vector<T>& y) {
    return train_on_batch(model, loss, optimizer, X, data::as_column(y));
}

/// Mean loss and metrics of `model` on (X, Y), in inference mode.
template <class M, class L, std::floating_point T>
    requires Model<M, T> && loss::Loss<L, T>
evaluation evaluate(M& model, const L& loss, const matrix<T>& X, const matrix<T>& Y,
                    const evaluate_options<T>& options = {}) {
    if (Y.shape()[0] != X.shape()[0])
        throw shape_error(causalrec::cat("causalrec::train::evaluate: X has ", X.shape()[0], " rows but the targets have ", Y.shape()[0]));
    if (X.shape()[0] == 0) throw argument_error("causalrec::train::evaluate: no rows");
    if (options.batch_size == 0) throw argument_error("causalrec::train::evaluate: batch_size must be at least 1");
    require_finite("causalrec::train::evaluate", "X", X);
    require_finite("causalrec::train::evaluate", "the targets", Y);
    if constexpr (loss::ValidatesTargets<L, T>) loss.validate_targets(Y);
    const scoped_flush_denormals denormals;
    if (options.sample_weight) detail::check_weights(*options.sample_weight, X.shape()[0], "evaluate");
    detail::set_training(model, false);
    std::vector<double> scores;
    evaluation out;
    out.loss = detail::evaluate_into(model, loss, X, Y, options.sample_weight ? &*options.sample_weight : nullptr,
                                     options.batch_size, scores);
    if (!options.metrics.empty()) {
        std::vector<double> truth(Y.data(), Y.data() + Y.size());
        for (const auto& m : options.metrics) out.metrics[m.name] = m.compute(truth, scores);
    }
    return out;
}

/// evaluate with a label vector y.
template <class M, class L, std::floating_point T>
    requires Model<M, T> && loss::Loss<L, T>
evaluation evaluate(M& model, const L& loss, const matrix<T>& X, const vector<T>& y,
                    const evaluate_options<T>& options = {}) {
    return evaluate(model, loss, X, data::as_column(y), options);
}

/// The model's outputs for every row of X (rows x outputs), computed in batches in inference mode.
template <class M, std::floating_point T>
    requires Model<M, T>
matrix<T> predict(M& model, const matrix<T>& X, const predict_options& options = {}) {
    if (options.batch_size == 0) throw argument_error("causalrec::train::predict: batch_size must be at least 1");
    const scoped_flush_denormals denormals;
    detail::set_training(model, false);
    const std::size_t n = X.shape()[0], d = X.shape()[1];
    if constexpr (nn::InferenceModel<M, T>) {
        // The inference pass: rows read in place from X, results written straight into the output.
        const std::size_t width = model.inference_width(d);
        matrix<T> out = make_matrix<T>(n, width);
        for (std::size_t begin = 0; begin < n; begin += options.batch_size)
            model.infer(X.data() + begin * d, std::min(options.batch_size, n - begin), d, out.data() + begin * width);
        return out;
    }
    matrix<T> out = make_matrix<T>(n, 0);
    shape_cache<T> inputs;
    for (std::size_t begin = 0; begin < n; begin += options.batch_size) {
        const std::size_t rows = std::min(options.batch_size, n - begin);
        matrix<T>& xb = inputs.get(rows, d);
        std::copy(X.data() + begin * d, X.data() + (begin + rows) * d, xb.data());
        const matrix<T>& yb = model.forward(xb);
        if (begin == 0) out = make_matrix<T>(n, yb.shape()[1]);
        std::copy(yb.data(), yb.data() + yb.size(), out.data() + begin * yb.shape()[1]);
    }
    return out;
}

}  // namespace causalrec::train
