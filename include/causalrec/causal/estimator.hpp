#pragma once
/// @file
/// nn_estimator: any model of the nn module (a sequential, or a user's own Layer chain) trained with
/// train::fit, wrapped as a Regressor and a Classifier of double data, so the meta-learners and ATE
/// estimators can take a neural network as base learner.

#include <concepts>
#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../train/callbacks.hpp"
#include "../train/fit.hpp"
#include "../train/history.hpp"
#include "detail/common.hpp"

namespace causalrec::causal {

/// Options of nn_estimator: the fit options (epochs, batch size, validation split, seed, ...) and
/// early stopping on the validation loss.
template <class T>
struct nn_estimator_options {
    train::fit_options<T> fit{.verbose = 0};  ///< passed to train::fit (silent by default); sample_weight is set by fit()
    std::size_t early_stopping_patience{0};   ///< > 0: stop after this many epochs without a better val_loss and
                                              ///< restore the best weights (needs validation_split or validation data)
    double min_delta{0.0};                    ///< smallest val_loss improvement that counts (early stopping)
    std::size_t predict_batch_size{512};      ///< rows per forward pass in predict
};

/// A neural model trained with train::fit, seen as a Regressor (predict) and a Classifier
/// (predict_proba = the first output column; end the model with a sigmoid and use binary
/// cross-entropy). The optimizer is either an optimizer, copied fresh at every fit, or a callable
/// returning one (a factory). Every fit restarts from the model's initial weights, so copies of an
/// unfitted estimator are independent base learners. Data are double and converted to the model's
/// value type. Not thread-safe: predict runs the model's forward pass into its buffers.
template <class Model, class Loss, class Optimizer>
class nn_estimator {
public:
    /// The model's value type (float or double).
    using value_type = typename Model::value_type;

    /// An estimator training `model` with `loss` and `optimizer` (or optimizer factory).
    nn_estimator(Model model, Loss loss, Optimizer optimizer, nn_estimator_options<value_type> options = {})
        : initial_(model), model_(std::move(model)), loss_(std::move(loss)), optimizer_(std::move(optimizer)),
          options_(std::move(options)) {
        if (options_.predict_batch_size == 0) throw argument_error("causalrec::causal::nn_estimator: predict_batch_size must be at least 1");
    }

    /// Trains a fresh copy of the initial model on (X, y).
    void fit(const matrix<double>& x, const vector<double>& y) { fit_impl(x, y, nullptr); }
    /// Trains with per-row sample weights.
    void fit(const matrix<double>& x, const vector<double>& y, const vector<double>& sample_weight) {
        fit_impl(x, y, &sample_weight);
    }

    /// The first output column for every row (a regression prediction).
    vector<double> predict(const matrix<double>& x) const {
        if (!fitted_) throw not_fitted_error("causalrec::causal::nn_estimator: predict called before fit");
        const matrix<value_type> xv = xt::cast<value_type>(x);
        const matrix<value_type> out = train::predict(model_, xv, {.batch_size = options_.predict_batch_size});
        vector<double> p = make_vector<double>(x.shape()[0]);
        for (std::size_t i = 0; i < p.size(); ++i) p(i) = static_cast<double>(out(i, 0));
        return p;
    }

    /// P(y = 1) for every row: the first output column (the model should end with a sigmoid).
    vector<double> predict_proba(const matrix<double>& x) const { return predict(x); }

    /// The trained model.
    const Model& model() const noexcept { return model_; }
    /// The History of the last fit.
    const train::history& history() const noexcept { return history_; }
    /// The options.
    const nn_estimator_options<value_type>& options() const noexcept { return options_; }

    /// Copies the estimator (model, initial weights, loss, optimizer prototype, options).
    nn_estimator(const nn_estimator& other)
        : initial_(other.initial_), model_(other.model_), loss_(other.loss_), optimizer_(other.optimizer_),
          options_(other.options_), history_(other.history_), fitted_(other.fitted_) {}
    /// Copy assignment, as the copy constructor.
    nn_estimator& operator=(const nn_estimator& other) {
        if (this != &other) {
            nn_estimator copy(other);
            *this = std::move(copy);
        }
        return *this;
    }
    nn_estimator(nn_estimator&&) = default;             ///< move construction
    nn_estimator& operator=(nn_estimator&&) = default;  ///< move assignment
    ~nn_estimator() = default;                          ///< destruction

private:
    auto make_optimizer() const {
        if constexpr (std::invocable<const Optimizer&>)
            return optimizer_();
        else
            return Optimizer(optimizer_);
    }

    void fit_impl(const matrix<double>& x, const vector<double>& y, const vector<double>* w) {
        const char* fn = "nn_estimator::fit";
        detail::check_length(fn, "y", y.size(), x.shape()[0]);
        if (x.shape()[0] == 0) throw argument_error("causalrec::causal::nn_estimator::fit: no rows");
        if (w) detail::check_weights(fn, *w, x.shape()[0]);
        model_ = initial_;
        train::fit_options<value_type> opts = options_.fit;
        if (w) opts.sample_weight = vector<value_type>(xt::cast<value_type>(*w));
        const matrix<value_type> xv = xt::cast<value_type>(x);
        const vector<value_type> yv = xt::cast<value_type>(y);
        auto optimizer = make_optimizer();
        if (options_.early_stopping_patience > 0) {
            if (!(opts.validation_split > 0.0) && !opts.validation)
                throw argument_error("causalrec::causal::nn_estimator::fit: early stopping needs fit.validation_split > 0 or validation data");
            train::early_stopping stop({.monitor = "val_loss",
                                        .min_delta = options_.min_delta,
                                        .patience = options_.early_stopping_patience,
                                        .restore_best_weights = true});
            history_ = train::fit(model_, loss_, optimizer, xv, yv, opts, stop);
        } else {
            history_ = train::fit(model_, loss_, optimizer, xv, yv, opts);
        }
        fitted_ = true;
    }

    Model initial_;
    mutable Model model_;
    Loss loss_;
    Optimizer optimizer_;
    nn_estimator_options<value_type> options_;
    train::history history_{};
    bool fitted_ = false;
};

}  // namespace causalrec::causal
