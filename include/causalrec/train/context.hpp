#pragma once
/// @file
/// What callbacks see during training (the training_context), the type-erased metric list of fit,
/// and the calls of the optional callback hooks (the Callback concept is in train/concepts.hpp).

#include <cmath>
#include <cstddef>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../metrics/concepts.hpp"
#include "history.hpp"

namespace causalrec::train {

/// A metric computed once per epoch by fit, on the training predictions of the epoch and on the
/// validation data. Build one from any metrics::Metric with train::metric(m).
struct metric_entry {
    std::string name{};               ///< its key in the History ("val_" + name for validation)
    bool greater_is_better = true;    ///< direction, used by early stopping's "auto" mode
    std::function<double(std::span<const double>, std::span<const double>)> compute{};  ///< (y_true, y_score) -> value
};

/// Wraps a metric object (accuracy{}, roc_auc{}, a user's own) for fit's metric list.
template <class M>
    requires metrics::Metric<M, double>
metric_entry metric(M m) {
    metric_entry e;
    e.name = std::string(m.name());
    e.greater_is_better = static_cast<bool>(m.greater_is_better());
    e.compute = [m](std::span<const double> y, std::span<const double> p) { return static_cast<double>(m(y, p)); };
    return e;
}

/// The values of the current epoch: "loss", "val_loss" and metrics, as Keras's `logs`.
using epoch_logs = std::map<std::string, double>;

/// The state of a running fit() as callbacks see it. Callbacks may read everything, set
/// `stop_training`, and change the learning rate through set_learning_rate().
template <class Model, class T>
struct training_context {
    Model& model;                                   ///< the model being trained
    std::span<const parameter_view<T>> parameters;  ///< its trainable tensors
    history& record;                                ///< the History so far
    std::size_t epochs = 0;                         ///< number of epochs requested
    std::size_t epoch = 0;                          ///< current epoch, 0-based
    std::size_t batch = 0;                          ///< current batch within the epoch, 0-based
    std::size_t batches_per_epoch = 0;              ///< batches in one epoch
    std::size_t samples = 0;                        ///< training rows
    double batch_loss = 0.0;                        ///< loss of the last batch
    double epoch_seconds = 0.0;                     ///< wall time of the epoch so far
    epoch_logs logs{};                              ///< values of the finished epoch (at on_epoch_end)
    std::vector<metric_entry> const* metric_list = nullptr;  ///< the metrics fit computes
    bool stop_training = false;                     ///< set to true to stop after this epoch
    std::function<double()> learning_rate{};        ///< the optimizer's learning rate
    std::function<void(double)> set_learning_rate{};  ///< changes the optimizer's learning rate

    /// Whether `name` ("loss", "val_loss", "val_auc", ...) is better when higher, for "auto" modes.
    bool greater_is_better(const std::string& name) const {
        std::string base = name.rfind("val_", 0) == 0 ? name.substr(4) : name;
        if (base == "loss") return false;
        if (metric_list != nullptr)
            for (const auto& m : *metric_list)
                if (m.name == base) return m.greater_is_better;
        return false;
    }

    /// The value of `name` in this epoch's logs; throws argument_error listing what is there.
    double log_value(const std::string& name) const {
        auto it = logs.find(name);
        if (it != logs.end()) return it->second;
        std::string names;
        for (const auto& [key, value] : logs) names = cat(names, " ", key);
        throw argument_error(error_message("train", "training_context::log_value", "no value named '", name, "' in this epoch's logs; available:", names));
    }
};

namespace detail {

template <class C, class Ctx>
void call_train_begin(C& c, Ctx& ctx) {
    if constexpr (requires { c.on_train_begin(ctx); }) c.on_train_begin(ctx);
}
template <class C, class Ctx>
void call_epoch_begin(C& c, Ctx& ctx) {
    if constexpr (requires { c.on_epoch_begin(ctx); }) c.on_epoch_begin(ctx);
}
template <class C, class Ctx>
void call_batch_end(C& c, Ctx& ctx) {
    if constexpr (requires { c.on_batch_end(ctx); }) c.on_batch_end(ctx);
}
template <class C, class Ctx>
void call_epoch_end(C& c, Ctx& ctx) {
    if constexpr (requires { c.on_epoch_end(ctx); }) c.on_epoch_end(ctx);
}
template <class C, class Ctx>
void call_train_end(C& c, Ctx& ctx) {
    if constexpr (requires { c.on_train_end(ctx); }) c.on_train_end(ctx);
}

}  // namespace detail

}  // namespace causalrec::train
