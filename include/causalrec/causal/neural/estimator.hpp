#pragma once
/// @file
/// The neural treatment-effect estimators: tarnet, cfr and dragonnet (fit, effect, ate, potential
/// outcomes, propensities), trained with train::fit and early stopping on held-out factual loss.

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../core/message.hpp"
#include "../../core/math.hpp"
#include "../../core/error.hpp"
#include "../../core/parameter.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../../nn/dense.hpp"
#include "../../core/shape_cache.hpp"
#include "../../optim/adam.hpp"
#include "../../train/callbacks.hpp"
#include "../../train/fit.hpp"
#include "../../train/loop.hpp"
#include "../../train/history.hpp"
#include "../concepts.hpp"
#include "loss.hpp"
#include "network.hpp"
#include "options.hpp"
#include "../fwd.hpp"

namespace causalrec::causal {

namespace detail {

using causalrec::cat;

/// The training objective of the neural effect estimators (a train::Objective): rows of covariates
/// with their outcome and 0/1 treatment; the loss of a batch is effect_loss on the network's heads
/// and representation, back-propagated through both. With held-out rows, each epoch ends by writing
/// their factual loss to the logs as "val_factual_loss" (train::early_stopping monitors it).
template <class T>
class effect_objective {
public:
    using value_type = T;  ///< the parameters' element type

    /// The objective of `net` under `loss` on (x, y, t), with optional held-out rows.
    effect_objective(effect_network<T>& net, const effect_loss& loss, matrix<T> x, vector<T> y, vector<T> t,
                     matrix<T> x_val, vector<T> y_val, vector<T> t_val)
        : net_(&net), loss_(loss), x_(std::move(x)), y_(std::move(y)), t_(std::move(t)), x_val_(std::move(x_val)),
          y_val_(std::move(y_val)), t_val_(std::move(t_val)) {}

    /// Training rows.
    std::size_t samples() const noexcept { return x_.shape()[0]; }
    /// The network's trainable tensors.
    std::vector<parameter_view<T>> parameters() { return net_->parameters(); }
    /// The network (what callbacks see as ctx.model).
    effect_network<T>& model() noexcept { return *net_; }

    /// The loss of the rows `batch`, back-propagated into the network.
    double loss_and_gradient(std::span<const std::size_t> batch) {
        const std::size_t rows = batch.size(), p = x_.shape()[1];
        matrix<T>& xb = inputs_.get(rows, p);
        yb_.resize(rows), tb_.resize(rows);
        for (std::size_t r = 0; r < rows; ++r) {
            std::copy_n(x_.data() + batch[r] * p, p, xb.data() + r * p);
            yb_[r] = y_(batch[r]);
            tb_[r] = t_(batch[r]);
        }
        const matrix<T>& heads = net_->forward(xb);
        const matrix<T>& phi = net_->representation();
        matrix<T>& heads_grad = heads_grads_.get(rows, heads.shape()[1]);
        matrix<T>& phi_grad = phi_grads_.get(rows, phi.shape()[1]);
        const double value = loss_.value_and_gradient(heads, phi, std::span<const T>(yb_), std::span<const T>(tb_), heads_grad,
                                                      phi_grad);
        net_->backward(heads_grad, loss_.uses_representation() ? &phi_grad : nullptr);
        return value;
    }

    /// "val_factual_loss" of the held-out rows (nothing without them).
    void end_epoch(train::epoch_logs& logs) {
        if (x_val_.shape()[0] == 0) return;
        logs["val_factual_loss"] = loss_.factual(net_->forward(x_val_), std::span<const T>(y_val_.data(), y_val_.size()),
                                                 std::span<const T>(t_val_.data(), t_val_.size()));
    }

private:
    effect_network<T>* net_;
    effect_loss loss_;
    matrix<T> x_;
    vector<T> y_, t_;
    matrix<T> x_val_;
    vector<T> y_val_, t_val_;
    shape_cache<T> inputs_{}, heads_grads_{}, phi_grads_{};
    std::vector<T> yb_{}, tb_{};
};

/// The state shared by tarnet, cfr and dragonnet: checks, outcome scaling, the split, training and prediction.
template <class T>
class neural_effect_core {
public:
    /// A core for a configuration (checked).
    explicit neural_effect_core(effect_config c) : config_(std::move(c)) { check_config(config_); }

    /// Fits on rows X with 0/1 treatment t and outcome y.
    void fit(const matrix<T>& X, const vector<T>& t, const vector<T>& y) {
        const std::string who = cat(causalrec::qualified("causal", model_name(config_.model)), ".fit");  // message start
        const std::size_t n = X.shape()[0], p = X.shape()[1];
        if (t.size() != n || y.size() != n)
            throw shape_error(cat(who, ": X has ", n, " rows but treatment has ", t.size(), " and outcome ", y.size()));
        if (p == 0) throw shape_error(cat(who, ": X has no columns"));
        std::vector<std::size_t> treated, control;
        for (std::size_t i = 0; i < n; ++i) {
            if (!std::isfinite(static_cast<double>(y(i)))) throw numeric_error(cat(who, ": outcome ", i, " is not finite"));
            if (t(i) == T(1)) treated.push_back(i);
            else if (t(i) == T(0)) control.push_back(i);
            else throw argument_error(cat(who, ": treatment ", i, " = ", static_cast<double>(t(i)), " is not 0 or 1"));
            for (std::size_t j = 0; j < p; ++j)
                if (!std::isfinite(static_cast<double>(X(i, j))))
                    throw numeric_error(cat(who, ": X has a non-finite value at row ", i, ", column ", j));
        }
        if (treated.size() < 2 || control.size() < 2)
            throw argument_error(cat(who, ": needs at least 2 treated and 2 control rows, got ", treated.size(), " and ",
                                     control.size()));
        // Outcome scaling.
        double mean = 0.0, var = 0.0;
        for (std::size_t i = 0; i < n; ++i) mean += static_cast<double>(y(i));
        mean /= static_cast<double>(n);
        for (std::size_t i = 0; i < n; ++i) var += (static_cast<double>(y(i)) - mean) * (static_cast<double>(y(i)) - mean);
        const double sd = std::sqrt(var / static_cast<double>(n));
        y_mean_ = config_.standardize_outcome ? mean : 0.0;
        y_scale_ = config_.standardize_outcome && sd > 0.0 ? sd : 1.0;
        // Validation rows: the same share of each arm, drawn from the seed.
        rng engine(config_.seed ^ 0x9e3779b97f4a7c15ULL);
        std::vector<bool> held(n, false);
        std::size_t n_val = 0;
        if (config_.validation_split > 0.0) {
            for (const auto* arm : {&treated, &control}) {
                const auto order = engine.permutation(arm->size());
                const auto k = static_cast<std::size_t>(std::llround(config_.validation_split * static_cast<double>(arm->size())));
                const std::size_t take = std::min(k, arm->size() - 1);
                for (std::size_t q = 0; q < take; ++q) held[(*arm)[order[q]]] = true;
                n_val += take;
            }
        }
        if (config_.validation_split > 0.0 && n_val == 0)
            throw argument_error(cat(who, ": validation_split ", config_.validation_split, " of ", n,
                                     " rows leaves no validation row"));
        matrix<T> x_train = make_matrix<T>(n - n_val, p), x_val = make_matrix<T>(n_val, p);
        vector<T> y_train = make_vector<T>(n - n_val), t_train = make_vector<T>(n - n_val);
        vector<T> y_val = make_vector<T>(n_val), t_val = make_vector<T>(n_val);
        for (std::size_t i = 0, a = 0, b = 0; i < n; ++i) {
            std::size_t& r = held[i] ? b : a;
            std::copy_n(X.data() + i * p, p, (held[i] ? x_val : x_train).data() + r * p);
            (held[i] ? y_val : y_train)(r) = static_cast<T>((static_cast<double>(y(i)) - y_mean_) / y_scale_);
            (held[i] ? t_val : t_train)(r) = t(i);
            ++r;
        }
        net_.emplace(p, config_);
        n_features_ = p;
        effect_objective<T> objective(*net_, effect_loss(config_, make_layout(config_)), std::move(x_train), std::move(y_train),
                                      std::move(t_train), std::move(x_val), std::move(y_val), std::move(t_val));
        optim::adam<T> optimizer({.learning_rate = config_.learning_rate});
        const train::train_options options{.epochs = config_.epochs, .batch_size = config_.batch_size, .seed = config_.seed,
                                           .verbose = config_.verbose};
        best_epoch_ = 0;
        try {
            if (n_val > 0) {
                train::early_stopping stopping({.monitor = "val_factual_loss", .min_delta = 0.0, .patience = config_.patience,
                                                .mode = train::monitor_mode::minimize, .restore_best_weights = true});
                history_ = train::fit(objective, optimizer, options, stopping);
                best_epoch_ = stopping.best_epoch();
            } else {
                history_ = train::fit(objective, optimizer, options);
                best_epoch_ = config_.epochs - 1;
            }
        } catch (...) {
            net_.reset();  // a failed fit leaves the estimator unfitted
            throw;
        }
        const auto [mu0, mu1] = predict_outcomes(X);
        double s = 0.0;
        for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(mu1(i)) - static_cast<double>(mu0(i));
        ate_ = s / static_cast<double>(n);
    }

    /// The estimated potential-outcome means (mu0_hat, mu1_hat) of each row of X.
    std::pair<vector<T>, vector<T>> predict_outcomes(const matrix<T>& X) const {
        const matrix<T>& out = run(X, "predict_outcomes");
        const std::size_t n = X.shape()[0], w = out.shape()[1];
        vector<T> mu0 = make_vector<T>(n), mu1 = make_vector<T>(n);
        for (std::size_t i = 0; i < n; ++i) {
            mu0(i) = static_cast<T>(static_cast<double>(out.data()[i * w]) * y_scale_ + y_mean_);
            mu1(i) = static_cast<T>(static_cast<double>(out.data()[i * w + 1]) * y_scale_ + y_mean_);
        }
        return {std::move(mu0), std::move(mu1)};
    }

    /// The estimated effect mu1_hat - mu0_hat of each row of X.
    vector<T> effect(const matrix<T>& X) const {
        const matrix<T>& out = run(X, "effect");
        const std::size_t n = X.shape()[0], w = out.shape()[1];
        vector<T> tau = make_vector<T>(n);
        for (std::size_t i = 0; i < n; ++i)
            tau(i) = static_cast<T>((static_cast<double>(out.data()[i * w + 1]) - static_cast<double>(out.data()[i * w])) * y_scale_);
        return tau;
    }

    /// The propensity head's P(t = 1 | x) of each row (dragonnet only).
    vector<T> propensity(const matrix<T>& X) const {
        const matrix<T>& out = run(X, "propensity");
        const std::size_t n = X.shape()[0], w = out.shape()[1];
        vector<T> g = make_vector<T>(n);
        for (std::size_t i = 0; i < n; ++i) {
            const double z = static_cast<double>(out.data()[i * w + 2]);
            g(i) = static_cast<T>(causalrec::sigmoid(z));
        }
        return g;
    }

    /// The average effect over the fitted rows.
    double ate() const {
        require_fitted("ate");
        return ate_;
    }
    /// Whether fit has run.
    bool is_fitted() const noexcept { return net_.has_value(); }
    /// The training history (loss per epoch, plus val_factual_loss through the logs).
    const train::history& history() const noexcept { return history_; }
    /// The 0-based epoch whose weights were kept (the best factual validation loss).
    std::size_t best_epoch() const noexcept { return best_epoch_; }
    /// DragonNet's fitted epsilon (0 otherwise).
    double epsilon() const {
        require_fitted("epsilon");
        return static_cast<double>(net_->epsilon());
    }
    /// The configuration.
    const effect_config& config() const noexcept { return config_; }

private:
    void require_fitted(std::string_view fn) const {
        if (!net_) throw not_fitted_error(cat(causalrec::qualified("causal", model_name(config_.model)), ".", fn, ": call fit first"));
    }
    const matrix<T>& run(const matrix<T>& X, std::string_view fn) const {
        require_fitted(fn);
        if (X.shape()[1] != n_features())
            throw shape_error(cat(causalrec::qualified("causal", model_name(config_.model)), ".", fn, ": X has ", X.shape()[1], " columns, the model was fitted on ",
                                  n_features()));
        if (X.shape()[0] == 0) throw shape_error(cat(causalrec::qualified("causal", model_name(config_.model)), ".", fn, ": X has no rows"));
        return net_->forward(X);
    }
    std::size_t n_features() const noexcept { return n_features_; }

    effect_config config_;
    mutable std::optional<effect_network<T>> net_{};
    train::history history_{};
    double y_mean_ = 0.0, y_scale_ = 1.0, ate_ = 0.0;
    std::size_t best_epoch_ = 0, n_features_ = 0;
};

}  // namespace detail

/// The estimator class behind tarnet, cfr and dragonnet (Options selects the model): fit, effect,
/// ate, predict_outcomes, and for dragonnet propensity and epsilon. Predictions reuse internal
/// buffers: one object must not predict from two threads at once.
template <std::floating_point T, class Options>
class neural_effect_estimator {
public:
    using value_type = T;       ///< element type
    using options = Options;    ///< the options type

    /// An estimator with the given options; raises argument_error on an invalid option.
    explicit neural_effect_estimator(Options opts = {}) : core_(detail::make_config(opts)) {}
    /// Fits on rows X, 0/1 treatment t and outcome y (rows of X and entries of t, y aligned); returns *this.
    neural_effect_estimator& fit(const matrix<T>& X, const vector<T>& t, const vector<T>& y) {
        core_.fit(X, t, y);
        return *this;
    }
    /// Estimated effect mu1_hat - mu0_hat of each row.
    vector<T> effect(const matrix<T>& X) const { return core_.effect(X); }
    /// Estimated average effect over the fitted rows.
    double ate() const { return core_.ate(); }
    /// Estimated potential-outcome means (mu0_hat, mu1_hat) of each row.
    std::pair<vector<T>, vector<T>> predict_outcomes(const matrix<T>& X) const { return core_.predict_outcomes(X); }
    /// The propensity head's P(t = 1 | x) of each row (dragonnet).
    vector<T> propensity(const matrix<T>& X) const
        requires std::same_as<Options, dragonnet_options>
    {
        return core_.propensity(X);
    }
    /// The fitted epsilon of the targeted regularisation (dragonnet).
    double epsilon() const
        requires std::same_as<Options, dragonnet_options>
    {
        return core_.epsilon();
    }
    /// The training history (loss and "val_factual_loss" per epoch).
    const train::history& history() const noexcept { return core_.history(); }
    /// The 0-based epoch whose weights were kept (best factual validation loss).
    std::size_t best_epoch() const noexcept { return core_.best_epoch(); }
    /// Whether fit has run.
    bool is_fitted() const noexcept { return core_.is_fitted(); }

private:
    detail::neural_effect_core<T> core_;
};

// tarnet, cfr and dragonnet (this class with their options) are declared in causal/fwd.hpp.

}  // namespace causalrec::causal
