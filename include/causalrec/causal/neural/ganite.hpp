#pragma once
/// @file
/// GANITE (Yoon, Jordon & van der Schaar, ICLR 2018): individual treatment effects from a
/// counterfactual generator trained against a discriminator, then an inference network trained on
/// the completed outcomes. An EffectEstimator beside TARNet, CFR and DragonNet.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "../../core/error.hpp"
#include "../../core/math.hpp"
#include "../../core/message.hpp"
#include "../../core/parameter.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../../nn/activations.hpp"
#include "../../nn/dense.hpp"
#include "../../nn/sequential.hpp"
#include "../../optim/adam.hpp"
#include "../../train/adversarial.hpp"
#include "../fwd.hpp"
#include "network.hpp"
#include "options.hpp"

namespace causalrec::causal {

/// Options of ganite (defaults after the authors' code, github.com/jsyoon0823/GANITE: 30 units,
/// batches of 256, alpha 1, two discriminator updates per generator update, Adam 1e-3; its 10,000
/// updates per stage are about 225 passes over the 11,400 Twins rows it was written for, and the
/// length here is set in passes, so that a small sample is not trained for thousands of passes, over
/// which the discriminator learns the treatment of every row by heart and the generator cannot
/// follow).
struct ganite_options {
    std::size_t hidden = 30;               ///< units of every hidden layer (two shared, one per head; the discriminator has two)
    std::size_t epochs = 200;              ///< passes over the rows per stage (the counterfactual GAN, then the inference network): ceil(epochs * rows / batch_size) updates each
    std::size_t batch_size = 256;          ///< rows per update (drawn at random, without replacement within a batch)
    std::size_t discriminator_steps = 2;   ///< discriminator updates before each generator update
    double learning_rate = 1e-3;           ///< Adam's learning rate, for the three networks
    double alpha = 1.0;                    ///< weight of the adversarial term in the generator's loss (its factual loss has weight 1)
    double l2 = 0.0;                       ///< L2 gradient l2 * w on the dense weights (not biases) of the generator and the inference network
    bool standardize_outcome = true;       ///< fit on (y - mean) / sd, unscale predictions
    std::uint64_t seed = 0;                ///< seed of the weights and the batches
};

/// GANITE for a binary treatment and a continuous outcome. Stage 1: a generator G(x, t, y) proposes
/// both potential outcomes; a discriminator D(x, y0~, y1~), fed the factual outcome in the treated
/// arm's slot and the generated one in the other, tries to tell which slot is factual (binary
/// cross-entropy against t); G minimises its factual squared error plus alpha times the
/// non-saturating adversarial loss (D should take the generated slot for the factual one). Stage 2:
/// an inference network I(x) learns both potential outcomes from the completed pairs (the factual
/// outcome and G's counterfactual) by squared error; effect(X) is I's mu1 - mu0. Networks: relu, the
/// generator and I with two shared layers and one hidden layer per outcome head (as the authors').
template <std::floating_point T>
class ganite {
public:
    /// Value type of the estimator.
    using value_type = T;

    /// An unfitted estimator.
    explicit ganite(ganite_options options = {}) : options_(options) {
        constexpr const char* fn = "ganite";
        const auto positive = [&](const char* name, std::size_t value) {
            if (value == 0) throw argument_error(causalrec::error_message("causal", fn, name, " must be at least 1, got 0"));
        };
        positive("hidden", options_.hidden);
        positive("epochs", options_.epochs);
        positive("batch_size", options_.batch_size);
        positive("discriminator_steps", options_.discriminator_steps);
        detail::require_number(fn, "learning_rate", options_.learning_rate, 0.0, true);
        detail::require_number(fn, "alpha", options_.alpha, 0.0, false);
        detail::require_number(fn, "l2", options_.l2, 0.0, false);
    }

    /// Fits on covariates X (rows x features), a 0/1 treatment and an outcome per row. Raises
    /// shape_error for mismatched lengths, argument_error for a treatment other than 0/1 or an arm
    /// without rows, numeric_error for a non-finite value.
    void fit(const matrix<T>& X, const vector<T>& treatment, const vector<T>& outcome) {
        constexpr const char* fn = "ganite.fit";
        const std::size_t n = X.shape()[0], d = X.shape()[1];
        if (treatment.size() != n || outcome.size() != n)
            throw shape_error(causalrec::error_message("causal", fn, "X has ", n, " rows, treatment ", treatment.size(), ", outcome ", outcome.size()));
        if (n < 2 || d == 0) throw argument_error(causalrec::error_message("causal", fn, "needs at least 2 rows and 1 feature"));
        std::size_t treated = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (treatment(i) != T(0) && treatment(i) != T(1))
                throw argument_error(causalrec::error_message("causal", fn, "treatment must be 0 or 1, row ", i, " has ", treatment(i)));
            if (!std::isfinite(static_cast<double>(outcome(i)))) throw numeric_error(causalrec::error_message("causal", fn, "outcome of row ", i, " is not finite"));
            for (std::size_t c = 0; c < d; ++c)
                if (!std::isfinite(static_cast<double>(X(i, c)))) throw numeric_error(causalrec::error_message("causal", fn, "X is not finite at row ", i, ", column ", c));
            treated += treatment(i) == T(1);
        }
        if (treated == 0 || treated == n) throw argument_error(causalrec::error_message("causal", fn, "both arms need rows (", treated, " treated of ", n, ")"));
        double mean = 0.0, var = 0.0;
        for (std::size_t i = 0; i < n; ++i) mean += static_cast<double>(outcome(i));
        mean /= static_cast<double>(n);
        for (std::size_t i = 0; i < n; ++i) var += (static_cast<double>(outcome(i)) - mean) * (static_cast<double>(outcome(i)) - mean);
        const double sd = std::sqrt(var / static_cast<double>(n));
        y_mean_ = options_.standardize_outcome ? mean : 0.0;
        y_scale_ = options_.standardize_outcome && sd > 0.0 ? sd : 1.0;
        std::vector<T> y(n), t(n);
        for (std::size_t i = 0; i < n; ++i) y[i] = static_cast<T>((static_cast<double>(outcome(i)) - y_mean_) / y_scale_), t[i] = treatment(i);

        const std::size_t h = options_.hidden, b = std::min(options_.batch_size, n);
        const std::size_t updates = (options_.epochs * n + b - 1) / b;
        auto two_heads = [&](std::uint64_t seed) {
            tarnet_options o;
            o.representation_layers = {h, h};
            o.head_layers = {h};
            o.activation = hidden_activation::relu;
            o.l2 = options_.l2;
            o.seed = seed;
            return detail::make_config(o);
        };
        detail::effect_network<T> generator(d + 2, two_heads(options_.seed * 3 + 1));
        detail::effect_network<T> inference(d, two_heads(options_.seed * 3 + 2));
        auto discriminator = nn::sequential(nn::dense<T>(d + 2, h, {.seed = options_.seed * 3 + 3}), nn::relu<T>{}, nn::dense<T>(h, h, {.seed = options_.seed * 3 + 4}),
                                            nn::relu<T>{}, nn::dense<T>(h, 1, {.seed = options_.seed * 3 + 5}));
        train::enable_input_gradient(discriminator);
        optim::adam<T> g_opt({.learning_rate = options_.learning_rate}), d_opt({.learning_rate = options_.learning_rate}),
            i_opt({.learning_rate = options_.learning_rate});
        auto g_params = generator.parameters(), d_params = discriminator.parameters(), i_params = inference.parameters();

        rng engine(options_.seed);
        std::vector<std::size_t> order(n), batch(b);
        for (std::size_t i = 0; i < n; ++i) order[i] = i;
        auto draw = [&] {  // b distinct rows (a partial shuffle)
            for (std::size_t k = 0; k < b; ++k) {
                std::swap(order[k], order[k + engine.uniform_index(n - k)]);
                batch[k] = order[k];
            }
        };
        matrix<T> g_in = matrix<T>::from_shape({b, d + 2}), d_in = matrix<T>::from_shape({b, d + 2}), x_b = matrix<T>::from_shape({b, d});
        matrix<T> logit_grad = matrix<T>::from_shape({b, std::size_t{1}}), out_grad = matrix<T>::from_shape({b, std::size_t{2}});
        // Generator input [x, t, y] and the rows of x for the current batch.
        auto load = [&] {
            for (std::size_t k = 0; k < b; ++k) {
                const std::size_t r = batch[k];
                for (std::size_t c = 0; c < d; ++c) g_in(k, c) = x_b(k, c) = X(r, c);
                g_in(k, d) = t[r], g_in(k, d + 1) = y[r];
            }
        };
        // Discriminator input [x, y0~, y1~]: the factual outcome in the treated arm's slot.
        auto complete = [&](const matrix<T>& generated) {
            for (std::size_t k = 0; k < b; ++k) {
                const std::size_t r = batch[k];
                for (std::size_t c = 0; c < d; ++c) d_in(k, c) = X(r, c);
                d_in(k, d) = t[r] == T(1) ? generated(k, 0) : y[r];
                d_in(k, d + 1) = t[r] == T(1) ? y[r] : generated(k, 1);
            }
        };
        const double inv_b = 1.0 / static_cast<double>(b);
        discriminator_loss_.clear(), generator_loss_.clear(), inference_loss_.clear();
        for (std::size_t it = 0; it < updates; ++it) {
            double d_loss = 0.0;
            for (std::size_t k = 0; k < options_.discriminator_steps; ++k) {
                draw(), load();
                complete(generator.forward(g_in));
                const matrix<T>& logits = discriminator.forward(d_in);
                d_loss = 0.0;
                for (std::size_t j = 0; j < b; ++j) {
                    const double l = static_cast<double>(logits(j, 0)), label = static_cast<double>(t[batch[j]]);
                    d_loss += causalrec::softplus(l) - label * l;
                    logit_grad(j, 0) = static_cast<T>((causalrec::sigmoid(l) - label) * inv_b);
                }
                discriminator.backward(logit_grad);
                d_opt.step(std::span<const parameter_view<T>>(d_params));
            }
            // Generator: factual squared error + alpha * non-saturating adversarial loss (D should
            // answer 1 - t, taking the generated slot for the factual one).
            draw(), load();
            const matrix<T>& generated = generator.forward(g_in);
            complete(generated);
            double factual = 0.0, adversarial = 0.0;
            for (std::size_t j = 0; j < b; ++j) {
                const std::size_t r = batch[j];
                const std::size_t arm = t[r] == T(1) ? 1 : 0;
                const double e = static_cast<double>(generated(j, arm)) - static_cast<double>(y[r]);
                factual += e * e;
                out_grad(j, arm) = static_cast<T>(2.0 * e * inv_b);
                out_grad(j, 1 - arm) = T(0);
            }
            const matrix<T>& logits = discriminator.forward(d_in);
            for (std::size_t j = 0; j < b; ++j) {
                const double l = static_cast<double>(logits(j, 0)), wanted = 1.0 - static_cast<double>(t[batch[j]]);
                adversarial += causalrec::softplus(l) - wanted * l;
                logit_grad(j, 0) = static_cast<T>(options_.alpha * (causalrec::sigmoid(l) - wanted) * inv_b);
            }
            const matrix<T>& input_grad = discriminator.backward(logit_grad);
            for (std::size_t j = 0; j < b; ++j) {
                // Only the counterfactual slot depends on G: y0~ when treated, y1~ otherwise.
                if (t[batch[j]] == T(1)) out_grad(j, 0) += input_grad(j, d);
                else out_grad(j, 1) += input_grad(j, d + 1);
            }
            generator.backward(out_grad);
            g_opt.step(std::span<const parameter_view<T>>(g_params));
            discriminator_loss_.push_back(d_loss * inv_b);
            generator_loss_.push_back((factual + options_.alpha * adversarial) * inv_b);
            if (!std::isfinite(discriminator_loss_.back()) || !std::isfinite(generator_loss_.back()))
                throw numeric_error(causalrec::error_message("causal", fn, "the losses are not finite at update ", it));
        }
        // Stage 2: the inference network on the completed outcomes.
        for (std::size_t it = 0; it < updates; ++it) {
            draw(), load();
            const matrix<T>& generated = generator.forward(g_in);  // the inference network does not touch it
            const matrix<T>& predicted = inference.forward(x_b);
            double loss = 0.0;
            for (std::size_t j = 0; j < b; ++j) {
                const std::size_t r = batch[j];
                const bool is_treated = t[r] == T(1);
                const double target0 = is_treated ? static_cast<double>(generated(j, 0)) : static_cast<double>(y[r]);
                const double target1 = is_treated ? static_cast<double>(y[r]) : static_cast<double>(generated(j, 1));
                const double e0 = static_cast<double>(predicted(j, 0)) - target0, e1 = static_cast<double>(predicted(j, 1)) - target1;
                loss += e0 * e0 + e1 * e1;
                out_grad(j, 0) = static_cast<T>(2.0 * e0 * inv_b), out_grad(j, 1) = static_cast<T>(2.0 * e1 * inv_b);
            }
            inference.backward(out_grad);
            i_opt.step(std::span<const parameter_view<T>>(i_params));
            inference_loss_.push_back(loss * inv_b);
        }
        n_features_ = d;
        net_.emplace(std::move(inference));
        const vector<T> tau = effect(X);
        double s = 0.0;
        for (std::size_t i = 0; i < n; ++i) s += static_cast<double>(tau(i));
        ate_ = s / static_cast<double>(n);
    }

    /// The estimated potential-outcome means (mu0_hat, mu1_hat) of each row of X (the inference network).
    std::pair<vector<T>, vector<T>> predict_outcomes(const matrix<T>& X) const {
        const matrix<T>& out = run(X, "predict_outcomes");
        const std::size_t n = X.shape()[0];
        vector<T> mu0 = make_vector<T>(n), mu1 = make_vector<T>(n);
        for (std::size_t i = 0; i < n; ++i) {
            mu0(i) = static_cast<T>(static_cast<double>(out(i, 0)) * y_scale_ + y_mean_);
            mu1(i) = static_cast<T>(static_cast<double>(out(i, 1)) * y_scale_ + y_mean_);
        }
        return {std::move(mu0), std::move(mu1)};
    }

    /// The estimated effect mu1_hat - mu0_hat of each row of X.
    vector<T> effect(const matrix<T>& X) const {
        const matrix<T>& out = run(X, "effect");
        vector<T> tau = make_vector<T>(X.shape()[0]);
        for (std::size_t i = 0; i < X.shape()[0]; ++i) tau(i) = static_cast<T>((static_cast<double>(out(i, 1)) - static_cast<double>(out(i, 0))) * y_scale_);
        return tau;
    }

    /// The average effect over the fitted rows.
    double ate() const {
        require_fitted("ate");
        return ate_;
    }
    /// Whether fit has run.
    bool is_fitted() const noexcept { return net_.has_value(); }
    /// The options.
    const ganite_options& options() const noexcept { return options_; }
    /// Per generator update of stage 1: the discriminator's cross-entropy (ln 2 when it cannot tell).
    const std::vector<double>& discriminator_loss() const noexcept { return discriminator_loss_; }
    /// Per generator update of stage 1: factual squared error + alpha * adversarial loss.
    const std::vector<double>& generator_loss() const noexcept { return generator_loss_; }
    /// Per update of stage 2: the inference network's squared error on both completed outcomes.
    const std::vector<double>& inference_loss() const noexcept { return inference_loss_; }

private:
    void require_fitted(std::string_view fn) const {
        if (!net_) throw not_fitted_error(causalrec::error_message("causal", "ganite", fn, ": call fit first"));
    }
    const matrix<T>& run(const matrix<T>& X, std::string_view fn) const {
        require_fitted(fn);
        if (X.shape()[1] != n_features_)
            throw shape_error(causalrec::error_message("causal", "ganite", fn, ": X has ", X.shape()[1], " columns, the model was fitted on ", n_features_));
        if (X.shape()[0] == 0) throw shape_error(causalrec::error_message("causal", "ganite", fn, ": X has no rows"));
        return net_->forward(X);
    }

    ganite_options options_;
    mutable std::optional<detail::effect_network<T>> net_{};
    std::size_t n_features_ = 0;
    double y_mean_ = 0.0, y_scale_ = 1.0, ate_ = 0.0;
    std::vector<double> discriminator_loss_{}, generator_loss_{}, inference_loss_{};
};

}  // namespace causalrec::causal
