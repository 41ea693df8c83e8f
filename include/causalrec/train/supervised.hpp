#pragma once
/// @file
/// The supervised objective: a Model, a Loss and (features, targets[, weights]) as a train::Objective.
/// fit(model, loss, optimizer, X, Y, options) builds one and runs the training loop with it; it can
/// also be built directly, e.g. to train a model with an optimizer that needs full batches (lbfgs).

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/message.hpp"
#include "../core/checks.hpp"
#include "../core/compiler.hpp"
#include "../core/error.hpp"
#include "../core/parameter.hpp"
#include "../core/tensor.hpp"
#include "../data/batches.hpp"
#include "../loss/concepts.hpp"
#include "../nn/activations.hpp"
#include "../core/shape_cache.hpp"
#include "../nn/sequential.hpp"
#include "concepts.hpp"
#include "context.hpp"

namespace causalrec::train {

/// Explicit validation data: features and targets (n x k; a label vector becomes n x 1).
template <class T>
struct validation_data {
    matrix<T> x = make_matrix<T>(0, 0);  ///< validation features
    matrix<T> y = make_matrix<T>(0, 0);  ///< validation targets
};

/// How an objective trained by several processes at once (distributed::fit) turns its per-process
/// epoch values into global ones. Unset (nullptr) in a single process.
struct epoch_gather {
    /// Replaces a vector by every process's vectors concatenated in rank order.
    std::function<void(std::vector<double>&)> concatenate{};
    /// The sum of a value over the processes.
    std::function<double(double)> sum{};
    /// True when each process holds its own part of the validation data; false when every process
    /// holds the same validation data (then each computes the same validation values alone).
    bool validation_is_local = false;
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

/// A model trained on (X, Y[, w]) with a loss, as a train::Objective: the loss of a batch of rows is
/// the loss's value on their predictions (mean or weighted mean, as the loss defines), its gradient
/// is back-propagated into the model's parameters. A model ending in sigmoid, trained with a loss that
/// also works on logits (binary cross-entropy), is differentiated through its logits. The model and
/// the matrices are referred to, not copied: they must outlive the objective (the loss is copied).
/// Optional parts, set before training: per-epoch metrics on the training predictions, validation
/// data (adds "val_loss" and "val_<metric>" to the epoch's logs), and a resampling hook that rewrites
/// owned copies of the rows at the start of every epoch.
template <class M, class L, std::floating_point T>
    requires Model<M, T> && loss::Loss<L, T>
class supervised_objective {
public:
    using value_type = T;  ///< the parameters' element type

    /// The objective of `model` under `loss` on features X (n x d) and targets Y (n x k), with optional
    /// per-row weights (length n). Raises shape_error when the row counts differ.
    supervised_objective(M& model, L loss, const matrix<T>& X, const matrix<T>& Y, const vector<T>* weights = nullptr)
        : model_(&model), loss_(std::move(loss)), x_(&X), y_(&Y), w_(weights) {
        if (Y.shape()[0] != X.shape()[0])
            throw shape_error(causalrec::cat("causalrec::train::fit: X has ", X.shape()[0], " rows but the targets have ",
                                                     Y.shape()[0]));
        if (weights != nullptr && weights->size() != X.shape()[0])
            throw shape_error(causalrec::cat("causalrec::train::fit: sample_weight has ", weights->size(), " entries for ",
                                                     X.shape()[0], " rows"));
    }

    /// The objective refers to its data: temporaries are refused.
    supervised_objective(M&, L, const matrix<T>&&, const matrix<T>&, const vector<T>* = nullptr) = delete;
    /// The objective refers to its data: temporaries are refused.
    supervised_objective(M&, L, const matrix<T>&, const matrix<T>&&, const vector<T>* = nullptr) = delete;

    /// Training rows.
    std::size_t samples() const noexcept { return x_->shape()[0]; }
    /// The model's trainable tensors.
    auto parameters() { return model_->parameters(); }
    /// The model (what callbacks see as ctx.model).
    M& model() noexcept { return *model_; }
    /// Switches the model between training and inference behaviour.
    void set_training(bool training) { detail::set_training(*model_, training); }

    /// Computes these metrics on the epoch's training predictions (and on the validation data, if any).
    void set_metrics(const std::vector<metric_entry>* metrics) {
        metrics_ = metrics;
        if (metrics_ != nullptr && !metrics_->empty()) {
            truth_.resize(samples());
            scores_.resize(samples());
        }
    }
    /// The metrics computed each epoch (nullptr when none).
    const std::vector<metric_entry>* metric_list() const noexcept { return metrics_; }

    /// Computes the epoch's metrics (and, with validation_is_local, the validation values) over the
    /// predictions of every process (set by distributed::fit; nullptr = this process alone).
    void set_epoch_gather(const epoch_gather* gather) noexcept { gather_ = gather; }

    /// Evaluates the loss on `validation` (in inference mode) at the end of every epoch.
    void set_validation(const validation_data<T>* validation) {
        validation_ = validation;
        if (validation_ != nullptr)
            val_truth_.assign(validation_->y.data(), validation_->y.data() + validation_->y.size());
    }

    /// Called at the start of every epoch with the training rows, which it rewrites in place keeping
    /// their shape (fresh negatives each epoch); the objective then trains on its own copies of X and Y.
    void set_resample(std::function<void(std::size_t, matrix<T>&, matrix<T>&)> resample) {
        resample_ = std::move(resample);
        if (resample_ && x_ != &x_own_) {
            x_own_ = *x_;
            y_own_ = *y_;
            x_ = &x_own_;
            y_ = &y_own_;
        }
    }

    /// Resamples the rows (when a resampling hook is set) and restarts the metric record.
    void begin_epoch(std::size_t epoch) {
        pos_ = 0;
        if (!resample_) return;
        const auto x_shape = x_own_.shape(), y_shape = y_own_.shape();
        resample_(epoch, x_own_, y_own_);
        if (x_own_.shape() != x_shape || y_own_.shape() != y_shape)
            throw shape_error(causalrec::cat("causalrec::train::fit: resample changed the shape of the training rows at epoch ",
                                                     epoch + 1, " (it must rewrite them in place)"));
        require_finite("causalrec::train::fit", "X after resample", x_own_);
        require_finite("causalrec::train::fit", "the targets after resample", y_own_);
        if constexpr (loss::ValidatesTargets<L, T>) loss_.validate_targets(y_own_);
    }

    /// Asks the CPU to bring the cache lines of one row in (a hint; nothing happens without the builtin).
    static void prefetch_row([[maybe_unused]] const T* row, [[maybe_unused]] std::size_t n) noexcept {
#if defined(__GNUC__) || defined(__clang__)
        const char* bytes = reinterpret_cast<const char*>(row);
        for (std::size_t offset = 0; offset < n * sizeof(T); offset += 64) __builtin_prefetch(bytes + offset);
#endif
    }

    /// The loss of the rows `batch` (gathered in that order), back-propagated into the model.
    double loss_and_gradient(std::span<const std::size_t> batch) {
        const std::size_t rows = batch.size(), d = x_->shape()[1], k = y_->shape()[1];
        matrix<T>& xb = inputs_.get(rows, d);
        matrix<T>& yb = targets_.get(rows, k);
        const T* xs = x_->data();
        const T* ys = y_->data();
        // Rows are short (tens of values) and scattered over the whole training set: copy them with
        // plain loops (no library call per row) and fetch the rows a few steps ahead into cache.
        // The targets are as scattered as the inputs: a one-column target table of 200,000 rows is
        // already beyond L2, so its rows are fetched ahead too.
        constexpr std::size_t ahead = 16;
        T* CAUSALREC_RESTRICT xd = xb.data();
        T* CAUSALREC_RESTRICT yd = yb.data();
        for (std::size_t r = 0; r < std::min(ahead, rows); ++r) {
            prefetch_row(xs + batch[r] * d, d);
            prefetch_row(ys + batch[r] * k, k);
        }
        for (std::size_t r = 0; r < rows; ++r) {
            if (r + ahead < rows) {
                prefetch_row(xs + batch[r + ahead] * d, d);
                prefetch_row(ys + batch[r + ahead] * k, k);
            }
            const T* CAUSALREC_RESTRICT xi = xs + batch[r] * d;
            const T* CAUSALREC_RESTRICT yi = ys + batch[r] * k;
            for (std::size_t j = 0; j < d; ++j) xd[r * d + j] = xi[j];
            for (std::size_t j = 0; j < k; ++j) yd[r * k + j] = yi[j];
        }
        std::span<const T> wb;
        if (w_ != nullptr) {
            weights_.resize(rows);
            for (std::size_t r = 0; r < rows; ++r) weights_[r] = (*w_)(batch[r]);
            wb = std::span<const T>(weights_.data(), rows);
        }
        matrix<T>& grad = grads_.get(rows, k);
        const matrix<T>* prediction = nullptr;
        const double value = detail::batch_step<true>(*model_, loss_, xb, yb, wb, grad, prediction);
        if (metrics_ != nullptr && !metrics_->empty() && pos_ + rows <= truth_.size()) {
            for (std::size_t i = 0; i < rows; ++i) {
                truth_[pos_ + i] = static_cast<double>(yb.data()[i]);
                scores_[pos_ + i] = static_cast<double>(prediction->data()[i]);
            }
            pos_ += rows;
        }
        return value;
    }

    /// Adds the epoch's training metrics and, with validation data, "val_loss" and the validation metrics.
    void end_epoch(epoch_logs& logs) {
        const bool has_metrics = metrics_ != nullptr && !metrics_->empty();
        if (has_metrics) {
            std::span<const double> truth(truth_.data(), pos_), scores(scores_.data(), pos_);
            if (gather_ != nullptr) {  // every process's training predictions of the epoch
                all_truth_.assign(truth.begin(), truth.end());
                all_scores_.assign(scores.begin(), scores.end());
                gather_->concatenate(all_truth_);
                gather_->concatenate(all_scores_);
                truth = all_truth_;
                scores = all_scores_;
            }
            for (const auto& m : *metrics_) logs[m.name] = m.compute(truth, scores);
        }
        if (validation_ == nullptr) return;
        detail::set_training(*model_, false);
        double val_loss = detail::evaluate_into(*model_, loss_, validation_->x, validation_->y,
                                                static_cast<const vector<T>*>(nullptr), 512, val_scores_);
        detail::set_training(*model_, true);
        std::span<const double> val_truth(val_truth_), val_scores(val_scores_);
        if (gather_ != nullptr && gather_->validation_is_local) {  // each process holds part of the validation rows
            const double rows = static_cast<double>(validation_->x.shape()[0]);
            val_loss = gather_->sum(val_loss * rows) / gather_->sum(rows);
            if (has_metrics) {
                all_truth_ = val_truth_;
                all_scores_ = val_scores_;
                gather_->concatenate(all_truth_);
                gather_->concatenate(all_scores_);
                val_truth = all_truth_;
                val_scores = all_scores_;
            }
        }
        logs["val_loss"] = val_loss;
        if (has_metrics)
            for (const auto& m : *metrics_) logs["val_" + m.name] = m.compute(val_truth, val_scores);
    }

private:
    M* model_;
    L loss_;
    const matrix<T>* x_;
    const matrix<T>* y_;
    const vector<T>* w_;
    matrix<T> x_own_ = make_matrix<T>(0, 0), y_own_ = make_matrix<T>(0, 0);
    shape_cache<T> inputs_, targets_, grads_;
    std::vector<T> weights_{};
    const std::vector<metric_entry>* metrics_ = nullptr;
    const validation_data<T>* validation_ = nullptr;
    std::function<void(std::size_t, matrix<T>&, matrix<T>&)> resample_{};
    std::vector<double> truth_{}, scores_{}, val_scores_{}, val_truth_{};
    std::vector<double> all_truth_{}, all_scores_{};  // every process's values (data-parallel training)
    const epoch_gather* gather_ = nullptr;
    std::size_t pos_ = 0;
};

}  // namespace causalrec::train
