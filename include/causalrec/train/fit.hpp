#pragma once
/// @file
/// fit, evaluate and predict: the training loop of the library (Keras's model.fit in one call).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/detail/message.hpp"
#include "../core/error.hpp"
#include "../core/fpenv.hpp"
#include "../core/parameter.hpp"
#include "../core/tensor.hpp"
#include "../data/batches.hpp"
#include "../loss/concepts.hpp"
#include "../nn/activations.hpp"
#include "../nn/concepts.hpp"
#include "../nn/detail/buffers.hpp"
#include "../nn/sequential.hpp"
#include "../optim/concepts.hpp"
#include "callbacks.hpp"
#include "context.hpp"
#include "history.hpp"

namespace causalrec::train {

/// Explicit validation data: features and targets (n x k; a label vector becomes n x 1).
template <class T>
struct validation_data {
    matrix<T> x = make_matrix<T>(0, 0);  ///< validation features
    matrix<T> y = make_matrix<T>(0, 0);  ///< validation targets
};

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

template <class L>
struct is_sigmoid_layer : std::false_type {};
template <class T>
struct is_sigmoid_layer<nn::sigmoid<T>> : std::true_type {};

/// True for a sequential model whose last layer is a sigmoid.
template <class M>
struct ends_with_sigmoid : std::false_type {};
template <class... Ls>
struct ends_with_sigmoid<nn::sequential<Ls...>>
    : is_sigmoid_layer<std::tuple_element_t<sizeof...(Ls) - 1, std::tuple<Ls...>>> {};

/// Whether fit differentiates a sigmoid model through its logits (sigmoid + a LogitLoss).
template <class Model, class Loss, class T>
inline constexpr bool fused_sigmoid = ends_with_sigmoid<Model>::value && loss::LogitLoss<Loss, T>;

/// Forward pass, loss and gradient of one batch; writes dL/d(output) (or d(logits)) to `grad` and
/// runs the backward pass when `train` is set. Returns the loss; `prediction` is the model output.
template <bool Train, class Model, class Loss, class T>
double batch_step(Model& model, const Loss& loss, const matrix<T>& x, const matrix<T>& y, std::span<const T> w,
                  matrix<T>& grad, const matrix<T>*& prediction) {
    if constexpr (fused_sigmoid<Model, Loss, T>) {
        constexpr std::size_t n = Model::size;
        const matrix<T>& z = model.template forward_first<n - 1>(x);
        prediction = &model.template layer<n - 1>().forward(z);
        if constexpr (Train) {
            const double value = loss.value_and_gradient_from_logits(z, y, w, grad);
            model.template backward_first<n - 1>(grad);
            return value;
        } else {
            return loss.value_from_logits(z, y, w);
        }
    } else {
        prediction = &model.forward(x);
        if constexpr (Train) {
            const double value = loss.value_and_gradient(*prediction, y, w, grad);
            model.backward(grad);
            return value;
        } else {
            return loss.value(*prediction, y, w);
        }
    }
}

template <class Model>
void set_training(Model& model, bool training) {
    if constexpr (requires { model.set_training(training); }) model.set_training(training);
}

template <class T>
void check_finite(const matrix<T>& m, const char* fn, const char* what) {
    const std::size_t cols = m.shape()[1];
    for (std::size_t i = 0; i < m.size(); ++i)
        if (!std::isfinite(m.data()[i]))
            throw numeric_error(std::string(fn).append(": ").append(what).append(" has a non-finite value at row ")
                                    .append(std::to_string(i / cols)).append(", column ").append(std::to_string(i % cols))
                                    .append(" (impute or drop missing values first)"));
}

template <class T>
void check_weights(const vector<T>& w, std::size_t rows, const char* fn) {
    if (w.size() != rows)
        throw shape_error(std::string(fn).append(": sample_weight has ").append(std::to_string(w.size()))
                              .append(" entries for ").append(std::to_string(rows)).append(" rows"));
    for (std::size_t i = 0; i < w.size(); ++i)
        if (!(w(i) >= T(0)) || !std::isfinite(w(i)))
            throw numeric_error(std::string(fn).append(": sample_weight ").append(std::to_string(i))
                                    .append(" is negative or not finite"));
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

/// Re-reads the touched rows of the sparse views in `params` (fetched once from `model`) after a
/// backward pass; raises shape_error if the model's parameter list changed.
template <class Model, class T>
void refresh_sparse_views(Model& model, std::vector<parameter_view<T>>& params) {
    const auto fresh = model.parameters();
    std::size_t k = 0;
    for (const auto& p : fresh) {
        if (k == params.size() || p.value.data() != params[k].value.data())
            throw shape_error("fit: the model's parameter list changed during training");
        params[k].touched_rows = p.touched_rows;
        ++k;
    }
}

/// Mean loss (weighted by batch rows), and the first output column as scores, over a data set.
template <class Model, class Loss, class T>
double evaluate_into(Model& model, const Loss& loss, const matrix<T>& x, const matrix<T>& y, const vector<T>* w,
                     std::size_t batch_size, std::vector<double>& scores) {
    const std::size_t n = x.shape()[0];
    scores.resize(n);
    data::batch_iterator<T> batches = w ? data::batch_iterator<T>(x, y, *w, {.batch_size = batch_size, .shuffle = false})
                                        : data::batch_iterator<T>(x, y, {.batch_size = batch_size, .shuffle = false});
    matrix<T> no_grad = make_matrix<T>(0, 0);  // not written: evaluation computes no gradient
    double total = 0.0;
    std::size_t pos = 0;
    for (batches.start_epoch(0); batches.next();) {
        const matrix<T>* p = nullptr;
        const std::size_t rows = batches.features().shape()[0];
        std::span<const T> wb = w ? std::span<const T>(batches.weights().data(), rows) : std::span<const T>();
        total += batch_step<false>(model, loss, batches.features(), batches.targets(), wb, no_grad, p) *
                 static_cast<double>(rows);
        for (std::size_t i = 0; i < rows; ++i) scores[pos + i] = static_cast<double>(p->data()[i * p->shape()[1]]);
        pos += rows;
    }
    return total / static_cast<double>(n);
}

}  // namespace detail

/// Trains `model` on (X, Y) with `loss` and `optimizer` (Keras's fit). Y is (rows, outputs).
/// Callbacks are any objects with training hooks (progress_bar, early_stopping, ...). Returns the
/// History. A loss that becomes NaN or infinite stops training with numeric_error naming the epoch
/// and batch. A model ending in sigmoid, trained with a loss that also works on logits (binary
/// cross-entropy), is differentiated through its logits, which keeps full precision.
template <class Model, class Loss, class Optimizer, class T, class... Callbacks>
history fit(Model& model, const Loss& loss, Optimizer&& optimizer, const matrix<T>& X, const matrix<T>& Y,
            const fit_options<T>& options = {}, Callbacks&&... callbacks) {
    static_assert(loss::Loss<Loss, T>, "fit: the loss must satisfy loss::Loss");
    static_assert(optim::Optimizer<std::remove_cvref_t<Optimizer>, T>, "fit: the optimizer must satisfy optim::Optimizer");
    const scoped_flush_denormals denormals(options.flush_denormals);
    const std::size_t n = X.shape()[0];
    if (Y.shape()[0] != n)
        throw shape_error("fit: X has " + std::to_string(n) + " rows but the targets have " + std::to_string(Y.shape()[0]));
    if (options.epochs == 0) throw argument_error("fit: epochs must be at least 1");
    if (!(options.validation_split >= 0.0 && options.validation_split < 1.0))
        throw argument_error("fit: validation_split must be in [0, 1)");
    detail::check_finite(X, "fit", "X");
    detail::check_finite(Y, "fit", "the targets");
    if constexpr (loss::ValidatesTargets<Loss, T>) loss.validate_targets(Y);
    if (options.sample_weight) detail::check_weights(*options.sample_weight, n, "fit");
    if (!options.metrics.empty() && Y.shape()[1] != 1)
        throw argument_error("fit: metrics need a single-output model (targets with one column)");

    // Training and validation parts.
    std::size_t n_train = n;
    std::optional<validation_data<T>> held_out;
    if (options.validation) {
        held_out = options.validation;
        if (held_out->x.shape()[1] != X.shape()[1] || held_out->y.shape()[1] != Y.shape()[1] ||
            held_out->x.shape()[0] != held_out->y.shape()[0])
            throw shape_error("fit: validation data shapes do not match the training data");
        detail::check_finite(held_out->x, "fit", "validation X");
    } else if (options.validation_split > 0.0) {
        n_train = static_cast<std::size_t>(static_cast<double>(n) * (1.0 - options.validation_split));
        if (n_train == 0 || n_train == n)
            throw argument_error("fit: validation_split " + std::to_string(options.validation_split) + " leaves an empty part of " +
                                 std::to_string(n) + " rows");
        held_out = validation_data<T>{detail::rows_of(X, n_train, n), detail::rows_of(Y, n_train, n)};
    }
    // A copy of the training rows when they are held apart or rewritten by options.resample.
    const bool own_rows = n_train != n || static_cast<bool>(options.resample);
    matrix<T> X_part = own_rows ? detail::rows_of(X, 0, n_train) : matrix<T>();
    matrix<T> Y_part = own_rows ? detail::rows_of(Y, 0, n_train) : matrix<T>();
    const matrix<T>& X_train = own_rows ? X_part : X;
    const matrix<T>& Y_train = own_rows ? Y_part : Y;
    std::optional<vector<T>> w_train;
    if (options.sample_weight) w_train = n_train == n ? *options.sample_weight : detail::rows_of(*options.sample_weight, 0, n_train);

    std::size_t batch_size = options.batch_size == 0 ? n_train : options.batch_size;
    if constexpr (requires { std::remove_cvref_t<Optimizer>::full_batch; }) {
        if constexpr (std::remove_cvref_t<Optimizer>::full_batch) batch_size = n_train;
    }
    data::batch_iterator<T> batches =
        w_train ? data::batch_iterator<T>(X_train, Y_train, *w_train,
                                          {.batch_size = batch_size, .shuffle = options.shuffle, .seed = options.seed})
                : data::batch_iterator<T>(X_train, Y_train,
                                          {.batch_size = batch_size, .shuffle = options.shuffle, .seed = options.seed});

    std::vector<parameter_view<T>> params = model.parameters();
    // A sparse view (embedding) lists the rows its last backward pass touched, so it is re-read
    // after every backward pass; models without sparse parameters keep their views (no allocation).
    const bool sparse_views = std::any_of(params.begin(), params.end(), [](const parameter_view<T>& p) { return p.sparse; });
    history record;
    progress_bar bar({.verbose = options.verbose});
    training_context<Model, T> ctx{.model = model, .parameters = params, .record = record};
    ctx.epochs = options.epochs;
    ctx.batches_per_epoch = batches.batches_per_epoch();
    ctx.samples = n_train;
    ctx.metric_list = &options.metrics;
    ctx.learning_rate = [&optimizer] { return static_cast<double>(optimizer.learning_rate()); };
    ctx.set_learning_rate = [&optimizer](double lr) { optimizer.set_learning_rate(lr); };
    auto for_each_callback = [&](auto&& hook) {
        if (options.verbose != 0) hook(bar);
        (hook(callbacks), ...);
    };

    nn::detail::shape_cache<T> grads;
    std::vector<double> truth, scores, val_scores, val_truth;
    if (!options.metrics.empty()) {
        truth.resize(n_train);
        scores.resize(n_train);
        if (held_out) val_truth.assign(held_out->y.data(), held_out->y.data() + held_out->y.size());
    }
    std::optional<vector<T>> no_weights;
    const auto clock = [] { return std::chrono::steady_clock::now(); };

    detail::set_training(model, true);
    for_each_callback([&](auto& cb) { detail::call_train_begin(cb, ctx); });
    for (std::size_t epoch = 0; epoch < options.epochs; ++epoch) {
        ctx.epoch = epoch;
        const auto start = clock();
        if (options.resample) {
            const auto x_shape = X_part.shape(), y_shape = Y_part.shape();
            options.resample(epoch, X_part, Y_part);
            if (X_part.shape() != x_shape || Y_part.shape() != y_shape)
                throw shape_error(causalrec::detail::cat("fit: resample changed the shape of the training rows at epoch ",
                                                         epoch + 1, " (it must rewrite them in place)"));
            detail::check_finite(X_part, "fit", "X after resample");
            detail::check_finite(Y_part, "fit", "the targets after resample");
            if constexpr (loss::ValidatesTargets<Loss, T>) loss.validate_targets(Y_part);
        }
        for_each_callback([&](auto& cb) { detail::call_epoch_begin(cb, ctx); });
        double loss_sum = 0.0;
        std::size_t pos = 0, batch = 0;
        for (batches.start_epoch(epoch); batches.next(); ++batch) {
            const matrix<T>& xb = batches.features();
            const matrix<T>& yb = batches.targets();
            const std::size_t rows = xb.shape()[0];
            const std::span<const T> wb = w_train ? std::span<const T>(batches.weights().data(), rows) : std::span<const T>();
            matrix<T>& grad = grads.get(rows, yb.shape()[1]);
            const matrix<T>* prediction = nullptr;
            const double value = detail::batch_step<true>(model, loss, xb, yb, wb, grad, prediction);
            if (!std::isfinite(value)) {
                std::string msg = "fit: the loss became ";
                msg.append(std::isnan(value) ? "NaN" : "infinite").append(" at epoch ").append(std::to_string(epoch + 1))
                    .append(", batch ").append(std::to_string(batch + 1)).append(" (learning rate ")
                    .append(std::to_string(ctx.learning_rate())).append("); lower the learning rate or check the data");
                detail::set_training(model, false);
                throw numeric_error(msg);
            }
            if (sparse_views) detail::refresh_sparse_views(model, params);
            optimizer.step(std::span<const parameter_view<T>>(params));
            loss_sum += value * static_cast<double>(rows);
            if (!options.metrics.empty()) {
                for (std::size_t i = 0; i < rows; ++i) {
                    truth[pos + i] = static_cast<double>(yb.data()[i]);
                    scores[pos + i] = static_cast<double>(prediction->data()[i]);
                }
            }
            pos += rows;
            ctx.batch = batch;
            ctx.batch_loss = value;
            ctx.epoch_seconds = std::chrono::duration<double>(clock() - start).count();
            for_each_callback([&](auto& cb) { detail::call_batch_end(cb, ctx); });
        }
        // Epoch summary: training loss and metrics, then validation.
        ctx.logs.clear();
        ctx.logs["loss"] = loss_sum / static_cast<double>(pos);
        record.loss.push_back(ctx.logs["loss"]);
        for (const auto& m : options.metrics) {
            const double v = m.compute(std::span<const double>(truth.data(), pos), std::span<const double>(scores.data(), pos));
            ctx.logs[m.name] = v;
            record.metrics[m.name].push_back(v);
        }
        if (held_out) {
            detail::set_training(model, false);
            const double val = detail::evaluate_into(model, loss, held_out->x, held_out->y, static_cast<const vector<T>*>(nullptr),
                                                     512, val_scores);
            detail::set_training(model, true);
            ctx.logs["val_loss"] = val;
            record.val_loss.push_back(val);
            for (const auto& m : options.metrics) {
                const double v = m.compute(val_truth, val_scores);
                ctx.logs["val_" + m.name] = v;
                record.metrics["val_" + m.name].push_back(v);
            }
        }
        record.learning_rate.push_back(ctx.learning_rate());
        ctx.epoch_seconds = std::chrono::duration<double>(clock() - start).count();
        record.seconds.push_back(ctx.epoch_seconds);
        for_each_callback([&](auto& cb) { detail::call_epoch_end(cb, ctx); });
        if (ctx.stop_training) break;
    }
    detail::set_training(model, false);
    for_each_callback([&](auto& cb) { detail::call_train_end(cb, ctx); });
    return record;
}

/// fit with a label vector y (one output column).
template <class Model, class Loss, class Optimizer, class T, class... Callbacks>
history fit(Model& model, const Loss& loss, Optimizer&& optimizer, const matrix<T>& X, const vector<T>& y,
            const fit_options<T>& options = {}, Callbacks&&... callbacks) {
    return fit(model, loss, std::forward<Optimizer>(optimizer), X, data::as_column(y), options,
               std::forward<Callbacks>(callbacks)...);
}

/// Mean loss and metrics of `model` on (X, Y), in inference mode.
template <class Model, class Loss, class T>
evaluation evaluate(Model& model, const Loss& loss, const matrix<T>& X, const matrix<T>& Y,
                    const evaluate_options<T>& options = {}) {
    if (Y.shape()[0] != X.shape()[0])
        throw shape_error("evaluate: X has " + std::to_string(X.shape()[0]) + " rows but the targets have " +
                          std::to_string(Y.shape()[0]));
    if (X.shape()[0] == 0) throw argument_error("evaluate: no rows");
    if (options.batch_size == 0) throw argument_error("evaluate: batch_size must be at least 1");
    detail::check_finite(X, "evaluate", "X");
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
template <class Model, class Loss, class T>
evaluation evaluate(Model& model, const Loss& loss, const matrix<T>& X, const vector<T>& y,
                    const evaluate_options<T>& options = {}) {
    return evaluate(model, loss, X, data::as_column(y), options);
}

/// The model's outputs for every row of X (rows x outputs), computed in batches in inference mode.
template <class Model, class T>
matrix<T> predict(Model& model, const matrix<T>& X, const predict_options& options = {}) {
    if (options.batch_size == 0) throw argument_error("predict: batch_size must be at least 1");
    const scoped_flush_denormals denormals;
    detail::set_training(model, false);
    const std::size_t n = X.shape()[0], d = X.shape()[1];
    matrix<T> out = make_matrix<T>(n, 0);
    nn::detail::shape_cache<T> inputs;
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
