#pragma once
/// @file
/// Neural treatment-effect estimators: TARNet and CFR (Shalit, Johansson & Sontag, ICML 2017) and
/// DragonNet (Shi, Blei & Veitch, NeurIPS 2019). Each is a shared representation Phi(x) of dense
/// layers followed by two outcome heads h0, h1 (and, for DragonNet, a propensity head), built from
/// the nn module's dense layers and trained with train::fit and an optimizer (Adam by default).
///
/// How the two-head loss goes through train::fit: the network's output row is
/// [mu0_hat, mu1_hat, (propensity logit, epsilon), (Phi)] and the target row is [y, t, 0, ...], so
/// the custom loss (detail::effect_loss) reads the treatment of every row from the targets. The
/// factual loss, CFR's IPM penalty on the batch representation and DragonNet's propensity and
/// targeted-regularisation terms all become a gradient w.r.t. those output columns, which the
/// network (detail::effect_network) sends back through the heads and the representation. Early
/// stopping watches the factual loss on held-out rows (a callback writes it to the epoch logs as
/// "val_factual_loss" and train::early_stopping restores the best weights).

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

#include "../core/message.hpp"
#include "../core/math.hpp"
#include "../core/error.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../nn/dense.hpp"
#include "../core/shape_cache.hpp"
#include "../optim/adam.hpp"
#include "../train/callbacks.hpp"
#include "../train/fit.hpp"
#include "../train/history.hpp"
#include "concepts.hpp"

namespace causalrec::causal {

/// Hidden-layer activation of the neural effect models.
enum class hidden_activation {
    elu,   ///< exp(x) - 1 for x < 0, x otherwise (CFRNet's and DragonNet's choice)
    relu,  ///< max(x, 0)
};

/// Integral probability metric of CFR's balance penalty.
enum class ipm_metric {
    linear_mmd,   ///< ||mean Phi_treated - mean Phi_control||^2
    wasserstein,  ///< entropic (Sinkhorn) approximation of the Wasserstein-1 distance, as CFRNet
};

/// Options of tarnet (defaults after CFRNet's IHDP settings: 3 x 200 elu representation, 2 x 100 heads).
struct tarnet_options {
    std::vector<std::size_t> representation_layers{200, 200, 200};  ///< sizes of the shared layers Phi
    std::vector<std::size_t> head_layers{100, 100};                  ///< hidden sizes of each outcome head (a linear output follows)
    hidden_activation activation{hidden_activation::elu};            ///< activation after every hidden layer
    std::size_t epochs{300};                                         ///< maximum passes over the training rows
    std::size_t batch_size{100};                                     ///< rows per Adam step
    double learning_rate{1e-3};                                      ///< Adam's learning rate
    double weight_decay{3e-2};                                       ///< L2 gradient weight_decay * w on every dense weight (not biases); chosen on IHDP validation rows
    double validation_fraction{0.3};                                 ///< share of the rows held out (per treatment arm) for early stopping; 0 = none
    std::size_t patience{30};                                        ///< epochs without a better factual validation loss before stopping
    bool standardize_outcome{true};                                  ///< fit on (y - mean) / sd, unscale predictions
    int verbose{0};                                                  ///< train::fit's verbosity (0 silent)
    std::uint64_t seed{0};                                           ///< seed of the weights, the validation split and the batch order
};

/// Options of cfr: those of tarnet plus the balance penalty alpha * IPM(Phi_treated, Phi_control).
struct cfr_options {
    std::vector<std::size_t> representation_layers{200, 200, 200};  ///< sizes of the shared layers Phi
    std::vector<std::size_t> head_layers{100, 100};                  ///< hidden sizes of each outcome head (a linear output follows)
    hidden_activation activation{hidden_activation::elu};            ///< activation after every hidden layer
    std::size_t epochs{300};                                         ///< maximum passes over the training rows
    std::size_t batch_size{100};                                     ///< rows per Adam step
    double learning_rate{1e-3};                                      ///< Adam's learning rate
    double weight_decay{3e-2};                                       ///< L2 gradient weight_decay * w on every dense weight (not biases); chosen on IHDP validation rows
    double validation_fraction{0.3};                                 ///< share of the rows held out (per treatment arm) for early stopping; 0 = none
    std::size_t patience{30};                                        ///< epochs without a better factual validation loss before stopping
    bool standardize_outcome{true};                                  ///< fit on (y - mean) / sd, unscale predictions
    int verbose{0};                                                  ///< train::fit's verbosity (0 silent)
    std::uint64_t seed{0};                                           ///< seed of the weights, the validation split and the batch order
    double alpha{1.0};                                               ///< weight of the IPM penalty (0 = TARNet)
    ipm_metric ipm{ipm_metric::linear_mmd};                          ///< the distance between the arms' representations
    bool normalize_representation{false};                            ///< divide each Phi row by its L2 norm (CFRNet's "divide")
    double sinkhorn_lambda{10.0};                                    ///< entropic strength: K = exp(-lambda * M / mean(M))
    std::size_t sinkhorn_iterations{10};                             ///< Sinkhorn iterations per batch
};

/// Options of dragonnet (defaults after Shi et al.: 3 x 200 elu shared layers, 2 x 100 outcome heads).
struct dragonnet_options {
    std::vector<std::size_t> representation_layers{200, 200, 200};  ///< sizes of the shared layers Z
    std::vector<std::size_t> head_layers{100, 100};                  ///< hidden sizes of each outcome head (a linear output follows)
    hidden_activation activation{hidden_activation::elu};            ///< activation after every hidden layer
    std::size_t epochs{300};                                         ///< maximum passes over the training rows
    std::size_t batch_size{64};                                      ///< rows per Adam step
    double learning_rate{1e-3};                                      ///< Adam's learning rate
    double weight_decay{3e-2};                                       ///< L2 gradient weight_decay * w on every dense weight (not biases); chosen on IHDP validation rows
    double validation_fraction{0.2};                                 ///< share of the rows held out (per treatment arm) for early stopping; 0 = none
    std::size_t patience{30};                                        ///< epochs without a better factual validation loss before stopping
    bool standardize_outcome{true};                                  ///< fit on (y - mean) / sd, unscale predictions
    int verbose{0};                                                  ///< train::fit's verbosity (0 silent)
    std::uint64_t seed{0};                                           ///< seed of the weights, the validation split and the batch order
    double alpha{1.0};                                               ///< weight of the propensity head's binary cross-entropy
    double beta{1.0};                                                ///< weight of the targeted regularisation term
    bool targeted_regularization{true};                              ///< add beta * mean (y - Q - epsilon H)^2 with a trained epsilon
};

namespace detail {

using causalrec::cat;

/// Which of the three models a network and a loss serve.
enum class effect_model { tarnet, cfr, dragonnet };

/// Everything the network, the loss and the training need, gathered from one of the options structs.
struct effect_config {
    effect_model model{effect_model::tarnet};        ///< the model
    std::vector<std::size_t> representation{};       ///< shared layer sizes
    std::vector<std::size_t> head{};                 ///< head hidden sizes
    hidden_activation activation{hidden_activation::elu};  ///< hidden activation
    std::size_t epochs{0};                           ///< maximum epochs
    std::size_t batch_size{0};                       ///< rows per step
    double learning_rate{0.0};                       ///< Adam's learning rate
    double weight_decay{0.0};                        ///< L2 on dense weights
    double validation_fraction{0.0};                 ///< held-out share
    std::size_t patience{0};                         ///< early-stopping patience
    bool standardize_outcome{true};                  ///< standardise y
    int verbose{0};                                  ///< fit's verbosity
    std::uint64_t seed{0};                           ///< seed
    double alpha{0.0};                               ///< IPM weight (cfr) or propensity weight (dragonnet)
    double beta{0.0};                                ///< targeted-regularisation weight (dragonnet)
    bool targeted{false};                            ///< targeted regularisation on (dragonnet)
    ipm_metric ipm{ipm_metric::linear_mmd};          ///< IPM (cfr)
    bool normalize{false};                           ///< normalise Phi rows (cfr)
    double sinkhorn_lambda{10.0};                    ///< Sinkhorn strength (cfr)
    std::size_t sinkhorn_iterations{10};             ///< Sinkhorn iterations (cfr)
};

/// The model's name in messages.
inline std::string_view model_name(effect_model m) noexcept {
    switch (m) {
        case effect_model::tarnet: return "tarnet";
        case effect_model::cfr: return "cfr";
        case effect_model::dragonnet: return "dragonnet";
    }
    return "neural effect model";
}

/// Raises argument_error unless `v` is finite and >= `low` (or > `low` when strict).
inline void require_number(std::string_view who, std::string_view field, double v, double low, bool strict) {
    if (!std::isfinite(v) || (strict ? !(v > low) : !(v >= low)))
        throw argument_error(cat(who, ": ", field, " must be a finite number ", strict ? "> " : ">= ", low, ", got ", v));
}

/// Checks a configuration; raises argument_error naming the model and the field at fault.
inline void check_config(const effect_config& c) {
    const std::string_view who = model_name(c.model);
    if (c.representation.empty()) throw argument_error(cat(who, ": representation_layers must not be empty"));
    for (std::size_t k = 0; k < c.representation.size(); ++k)
        if (c.representation[k] == 0) throw argument_error(cat(who, ": representation_layers[", k, "] is 0; sizes must be positive"));
    for (std::size_t k = 0; k < c.head.size(); ++k)
        if (c.head[k] == 0) throw argument_error(cat(who, ": head_layers[", k, "] is 0; sizes must be positive"));
    if (c.epochs == 0) throw argument_error(cat(who, ": epochs must be at least 1"));
    if (c.batch_size == 0) throw argument_error(cat(who, ": batch_size must be at least 1"));
    require_number(who, "learning_rate", c.learning_rate, 0.0, true);
    require_number(who, "weight_decay", c.weight_decay, 0.0, false);
    if (!(c.validation_fraction >= 0.0 && c.validation_fraction < 1.0))
        throw argument_error(cat(who, ": validation_fraction must be in [0, 1), got ", c.validation_fraction));
    if (c.validation_fraction > 0.0 && c.patience == 0)
        throw argument_error(cat(who, ": patience must be at least 1 when validation_fraction > 0"));
    require_number(who, "alpha", c.alpha, 0.0, false);
    require_number(who, "beta", c.beta, 0.0, false);
    require_number(who, "sinkhorn_lambda", c.sinkhorn_lambda, 0.0, true);
    if (c.model == effect_model::cfr && c.ipm == ipm_metric::wasserstein && c.sinkhorn_iterations == 0)
        throw argument_error(cat(who, ": sinkhorn_iterations must be at least 1"));
}

/// The configuration of tarnet options.
inline effect_config make_config(const tarnet_options& o) {
    return {effect_model::tarnet, o.representation_layers, o.head_layers, o.activation, o.epochs, o.batch_size,
            o.learning_rate, o.weight_decay, o.validation_fraction, o.patience, o.standardize_outcome, o.verbose, o.seed,
            0.0, 0.0, false, ipm_metric::linear_mmd, false, 10.0, 10};
}
/// The configuration of cfr options.
inline effect_config make_config(const cfr_options& o) {
    return {effect_model::cfr, o.representation_layers, o.head_layers, o.activation, o.epochs, o.batch_size,
            o.learning_rate, o.weight_decay, o.validation_fraction, o.patience, o.standardize_outcome, o.verbose, o.seed,
            o.alpha, 0.0, false, o.ipm, o.normalize_representation, o.sinkhorn_lambda, o.sinkhorn_iterations};
}
/// The configuration of dragonnet options.
inline effect_config make_config(const dragonnet_options& o) {
    return {effect_model::dragonnet, o.representation_layers, o.head_layers, o.activation, o.epochs, o.batch_size,
            o.learning_rate, o.weight_decay, o.validation_fraction, o.patience, o.standardize_outcome, o.verbose, o.seed,
            o.alpha, o.beta, o.targeted_regularization, ipm_metric::linear_mmd, false, 10.0, 10};
}

/// A hidden activation chosen at run time (elu or relu); keeps its output, from which backward works.
template <class T>
class activation_layer {
public:
    /// An activation of the given kind.
    explicit activation_layer(hidden_activation kind = hidden_activation::elu) : kind_(kind) {}

    /// y = f(x) element-wise.
    const matrix<T>& forward(const matrix<T>& x) {
        matrix<T>& y = output_.get(x.shape()[0], x.shape()[1]);
        const T* in = x.data();
        T* out = y.data();
        const std::size_t n = x.size();
        if (kind_ == hidden_activation::relu) {
            for (std::size_t i = 0; i < n; ++i) out[i] = std::max(in[i], T(0));
        } else {
            for (std::size_t i = 0; i < n; ++i) out[i] = in[i] > T(0) ? in[i] : std::expm1(in[i]);
        }
        last_ = &y;
        return y;
    }

    /// dL/dx from dL/dy and the stored output (elu: f'(x) = y + 1 for x < 0).
    const matrix<T>& backward(const matrix<T>& grad) {
        if (last_ == nullptr) throw argument_error("activation_layer: backward called before forward");
        const matrix<T>& y = *last_;
        matrix<T>& dx = input_grad_.get(y.shape()[0], y.shape()[1]);
        const T* g = grad.data();
        const T* out = y.data();
        T* d = dx.data();
        const std::size_t n = y.size();
        if (kind_ == hidden_activation::relu) {
            for (std::size_t i = 0; i < n; ++i) d[i] = out[i] > T(0) ? g[i] : T(0);
        } else {
            for (std::size_t i = 0; i < n; ++i) d[i] = out[i] > T(0) ? g[i] : g[i] * (out[i] + T(1));
        }
        return dx;
    }

    /// Copies the kind only (buffers start empty).
    activation_layer(const activation_layer& other) : kind_(other.kind_) {}
    /// Copy assignment, as the copy constructor.
    activation_layer& operator=(const activation_layer& other) {
        if (this != &other) *this = activation_layer(other.kind_);
        return *this;
    }
    activation_layer(activation_layer&&) noexcept = default;             ///< move construction
    activation_layer& operator=(activation_layer&&) noexcept = default;  ///< move assignment

private:
    hidden_activation kind_;
    shape_cache<T> output_{}, input_grad_{};
    const matrix<T>* last_ = nullptr;
};

/// Column layout of the network's output and of the training targets.
struct effect_layout {
    std::size_t width = 2;                 ///< number of output columns
    bool propensity = false;               ///< columns 2 (propensity logit) and 3 (epsilon) present
    std::size_t representation_offset = 0; ///< first column of Phi (0 = Phi not output)
    std::size_t representation_size = 0;   ///< columns of Phi
};

/// The layout a configuration needs for `features` inputs.
inline effect_layout make_layout(const effect_config& c) {
    effect_layout l;
    l.propensity = c.model == effect_model::dragonnet;
    l.width = l.propensity ? 4 : 2;
    if (c.model == effect_model::cfr && c.alpha > 0.0) {
        l.representation_offset = l.width;
        l.representation_size = c.representation.back();
        l.width += l.representation_size;
    }
    return l;
}

/// The network of the three models: X -> Phi (dense + activation per layer, optionally row-normalised)
/// -> heads h0, h1 (dense + activation per hidden layer, then a linear output), plus DragonNet's
/// propensity logit (a linear layer on Phi) and its scalar epsilon. forward(X) returns the rows
/// [mu0, mu1, (logit, epsilon), (Phi)] (see effect_layout); backward takes the gradient of those columns.
/// Implements the Layer interface, so train::fit can train it.
template <class T>
class effect_network {
public:
    /// Value type of the network.
    using value_type = T;

    /// A network with `inputs` features for the configuration, with weights drawn from c.seed.
    effect_network(std::size_t inputs, const effect_config& c) : layout_(make_layout(c)), normalize_(c.normalize), l2_(c.weight_decay) {
        if (inputs == 0) throw argument_error(cat(model_name(c.model), ": X has no columns"));
        rng engine(c.seed);
        const std::size_t n_heads = c.head.size() + 1;
        dense_.reserve(c.representation.size() + 2 * n_heads + 1);
        std::size_t in = inputs;
        for (std::size_t size : c.representation) {
            dense_.emplace_back(in, size, nn::dense_options{.seed = engine()});
            act_.emplace_back(c.activation);
            in = size;
        }
        rep_layers_ = c.representation.size();
        const std::size_t rep = in;
        for (std::size_t h = 0; h < 2; ++h) {
            head_begin_[h] = dense_.size();
            std::size_t hin = rep;
            for (std::size_t size : c.head) {
                dense_.emplace_back(hin, size, nn::dense_options{.seed = engine()});
                act_.emplace_back(c.activation);
                hin = size;
            }
            dense_.emplace_back(hin, 1, nn::dense_options{.seed = engine()});
            act_.emplace_back(c.activation);  // unused (the output is linear); keeps indices aligned
        }
        head_layers_ = c.head.size();
        if (layout_.propensity) {
            propensity_index_ = dense_.size();
            dense_.emplace_back(rep, 1, nn::dense_options{.seed = engine()});
            act_.emplace_back(c.activation);
        }
        dense_.front().set_input_gradient(false);
        epsilon_ = make_vector<T>(1);
        epsilon_grad_ = make_vector<T>(1);
        epsilon_(0) = T(0);
        epsilon_grad_(0) = T(0);
    }

    /// Runs the network on a batch X (rows x inputs); returns (rows x layout().width).
    const matrix<T>& forward(const matrix<T>& x) {
        if (x.shape()[1] != dense_.front().inputs())
            throw shape_error(cat("effect_network: X has ", x.shape()[1], " columns, the network expects ", dense_.front().inputs()));
        const std::size_t n = x.shape()[0];
        const matrix<T>* h = &x;
        for (std::size_t k = 0; k < rep_layers_; ++k) h = &act_[k].forward(dense_[k].forward(*h));
        const matrix<T>* phi = h;
        const std::size_t d = h->shape()[1];
        if (normalize_) {
            matrix<T>& z = normalized_.get(n, d);
            norms_.resize(n);
            for (std::size_t i = 0; i < n; ++i) {
                const T* r = h->data() + i * d;
                double s = 0.0;
                for (std::size_t j = 0; j < d; ++j) s += static_cast<double>(r[j]) * static_cast<double>(r[j]);
                const double norm = std::sqrt(std::max(s, 1e-10));
                norms_[i] = norm;
                for (std::size_t j = 0; j < d; ++j) z.data()[i * d + j] = static_cast<T>(static_cast<double>(r[j]) / norm);
            }
            phi = &z;
        }
        phi_ = phi;
        matrix<T>& out = output_.get(n, layout_.width);
        const std::size_t w = layout_.width;
        for (std::size_t head = 0; head < 2; ++head) {
            const matrix<T>* z = phi;
            const std::size_t b = head_begin_[head];
            for (std::size_t k = 0; k < head_layers_; ++k) z = &act_[b + k].forward(dense_[b + k].forward(*z));
            const matrix<T>& o = dense_[b + head_layers_].forward(*z);
            for (std::size_t i = 0; i < n; ++i) out.data()[i * w + head] = o.data()[i];
        }
        if (layout_.propensity) {
            const matrix<T>& o = dense_[propensity_index_].forward(*phi);
            for (std::size_t i = 0; i < n; ++i) {
                out.data()[i * w + 2] = o.data()[i];
                out.data()[i * w + 3] = epsilon_(0);
            }
        }
        if (layout_.representation_offset != 0)
            for (std::size_t i = 0; i < n; ++i)
                std::copy_n(phi->data() + i * d, d, out.data() + i * w + layout_.representation_offset);
        return out;
    }

    /// Back-propagates dL/d(output) (rows x width) into every parameter's gradient (plus the L2
    /// term weight_decay * w on dense weights); returns an empty matrix (no input gradient).
    const matrix<T>& backward(const matrix<T>& grad) {
        if (phi_ == nullptr) throw argument_error("effect_network: backward called before forward");
        const std::size_t n = grad.shape()[0], w = layout_.width, d = phi_->shape()[1];
        if (grad.shape()[1] != w || n != phi_->shape()[0])
            throw shape_error(cat("effect_network: gradient has shape (", n, ", ", grad.shape()[1], "), the output was (",
                                  phi_->shape()[0], ", ", w, ")"));
        matrix<T>& dphi = phi_grad_.get(n, d);
        std::fill(dphi.begin(), dphi.end(), T(0));
        matrix<T>& column = column_.get(n, 1);
        auto add_to_phi = [&](const matrix<T>& g) {
            for (std::size_t i = 0; i < dphi.size(); ++i) dphi.data()[i] += g.data()[i];
        };
        for (std::size_t head = 0; head < 2; ++head) {
            for (std::size_t i = 0; i < n; ++i) column.data()[i] = grad.data()[i * w + head];
            const std::size_t b = head_begin_[head];
            const matrix<T>* g = &dense_[b + head_layers_].backward(column);
            for (std::size_t k = head_layers_; k-- > 0;) g = &dense_[b + k].backward(act_[b + k].backward(*g));
            add_to_phi(*g);
        }
        if (layout_.propensity) {
            T eps_grad = 0;
            for (std::size_t i = 0; i < n; ++i) {
                column.data()[i] = grad.data()[i * w + 2];
                eps_grad += grad.data()[i * w + 3];
            }
            epsilon_grad_(0) = eps_grad;
            add_to_phi(dense_[propensity_index_].backward(column));
        }
        if (layout_.representation_offset != 0)
            for (std::size_t i = 0; i < n; ++i)
                for (std::size_t j = 0; j < d; ++j) dphi.data()[i * d + j] += grad.data()[i * w + layout_.representation_offset + j];
        if (normalize_) {
            // z = h / |h|: dL/dh = (g - z (z . g)) / |h|.
            for (std::size_t i = 0; i < n; ++i) {
                const T* z = phi_->data() + i * d;
                T* g = dphi.data() + i * d;
                double dot = 0.0;
                for (std::size_t j = 0; j < d; ++j) dot += static_cast<double>(z[j]) * static_cast<double>(g[j]);
                for (std::size_t j = 0; j < d; ++j)
                    g[j] = static_cast<T>((static_cast<double>(g[j]) - static_cast<double>(z[j]) * dot) / norms_[i]);
            }
        }
        const matrix<T>* g = &dphi;
        for (std::size_t k = rep_layers_; k-- > 0;) g = &dense_[k].backward(act_[k].backward(*g));
        if (l2_ > 0.0) {
            const T c = static_cast<T>(l2_);
            for (auto& layer : dense_) {
                auto params = layer.parameters();
                auto& weight = params[0];
                for (std::size_t k = 0; k < weight.size(); ++k) weight.grad[k] += c * weight.value[k];
            }
        }
        return *g;
    }

    /// Views of every dense weight and bias, then epsilon (DragonNet only).
    std::vector<parameter_view<T>> parameters() {
        std::vector<parameter_view<T>> out;
        for (auto& layer : dense_)
            for (const auto& p : layer.parameters())
                if (p.size() > 0) out.push_back(p);
        if (layout_.propensity)
            out.push_back(parameter_view<T>{"epsilon", {epsilon_.data(), 1}, {epsilon_grad_.data(), 1}, epsilon_shape_});
        return out;
    }

    /// The output layout.
    const effect_layout& layout() const noexcept { return layout_; }
    /// DragonNet's epsilon (0 for the other models).
    T epsilon() const noexcept { return epsilon_(0); }

    /// Copies the weights (buffers start empty).
    effect_network(const effect_network& other)
        : layout_(other.layout_), normalize_(other.normalize_), l2_(other.l2_), dense_(other.dense_), act_(other.act_),
          rep_layers_(other.rep_layers_), head_layers_(other.head_layers_), head_begin_(other.head_begin_),
          propensity_index_(other.propensity_index_), epsilon_(other.epsilon_), epsilon_grad_(other.epsilon_grad_) {
        dense_.front().set_input_gradient(false);
    }
    /// Copy assignment, as the copy constructor.
    effect_network& operator=(const effect_network& other) {
        if (this != &other) *this = effect_network(other);
        return *this;
    }
    effect_network(effect_network&&) noexcept = default;             ///< move construction
    effect_network& operator=(effect_network&&) noexcept = default;  ///< move assignment

private:
    effect_layout layout_;
    bool normalize_ = false;
    double l2_ = 0.0;
    std::vector<nn::dense<T>> dense_{};
    std::vector<activation_layer<T>> act_{};
    std::size_t rep_layers_ = 0, head_layers_ = 0;
    std::array<std::size_t, 2> head_begin_{};
    std::size_t propensity_index_ = 0;
    vector<T> epsilon_ = make_vector<T>(1), epsilon_grad_ = make_vector<T>(1);
    std::array<std::size_t, 1> epsilon_shape_{1};
    shape_cache<T> output_{}, normalized_{}, phi_grad_{}, column_{};
    std::vector<double> norms_{};
    const matrix<T>* phi_ = nullptr;
};

/// Linear MMD between the rows of `phi` (rows x d, row-major) with t = 1 and those with t = 0:
/// ||mean_treated - mean_control||^2. When `grad` is given, adds scale * d value / d phi_i to grad
/// (row stride `stride`, first column `offset`). Returns 0 when an arm has no row.
template <class T>
double linear_mmd(const T* phi, std::size_t rows, std::size_t d, std::size_t stride, std::size_t offset, const T* t,
                  std::size_t t_stride, T* grad, double scale) {
    std::size_t nt = 0, nc = 0;
    std::vector<double> diff(d, 0.0);
    for (std::size_t i = 0; i < rows; ++i) (t[i * t_stride] > T(0.5) ? nt : nc) += 1;
    if (nt == 0 || nc == 0) return 0.0;
    for (std::size_t i = 0; i < rows; ++i) {
        const bool treated = t[i * t_stride] > T(0.5);
        const double c = treated ? 1.0 / static_cast<double>(nt) : -1.0 / static_cast<double>(nc);
        const T* r = phi + i * stride + offset;
        for (std::size_t j = 0; j < d; ++j) diff[j] += c * static_cast<double>(r[j]);
    }
    double value = 0.0;
    for (double v : diff) value += v * v;
    if (grad != nullptr) {
        for (std::size_t i = 0; i < rows; ++i) {
            const bool treated = t[i * t_stride] > T(0.5);
            const double c = scale * 2.0 * (treated ? 1.0 / static_cast<double>(nt) : -1.0 / static_cast<double>(nc));
            T* g = grad + i * stride + offset;
            for (std::size_t j = 0; j < d; ++j) g[j] += static_cast<T>(c * diff[j]);
        }
    }
    return value;
}

/// Entropic Wasserstein distance between the treated and control rows of `phi` as CFRNet computes
/// it: M_ij = ||phi_i - phi_j|| (treated i, control j), K = exp(-lambda M / mean(M)), uniform
/// marginals 1/n_t and 1/n_c, `iterations` Sinkhorn steps (v = b / K^T u, u = a / K v, from u = a),
/// plan P = diag(u) K diag(v), value sum_ij P_ij M_ij. The gradient treats P as a constant (as
/// CFRNet's stop_gradient) and adds scale * d value / d phi to grad. Returns 0 when an arm has no row.
template <class T>
double sinkhorn_wasserstein(const T* phi, std::size_t rows, std::size_t d, std::size_t stride, std::size_t offset,
                            const T* t, std::size_t t_stride, double lambda, std::size_t iterations, T* grad,
                            double scale) {
    std::vector<std::size_t> it, ic;
    for (std::size_t i = 0; i < rows; ++i) (t[i * t_stride] > T(0.5) ? it : ic).push_back(i);
    const std::size_t nt = it.size(), nc = ic.size();
    if (nt == 0 || nc == 0) return 0.0;
    std::vector<double> m(nt * nc), k(nt * nc);
    double mean = 0.0;
    for (std::size_t a = 0; a < nt; ++a) {
        const T* x = phi + it[a] * stride + offset;
        for (std::size_t b = 0; b < nc; ++b) {
            const T* y = phi + ic[b] * stride + offset;
            double s = 0.0;
            for (std::size_t j = 0; j < d; ++j) {
                const double diff = static_cast<double>(x[j]) - static_cast<double>(y[j]);
                s += diff * diff;
            }
            m[a * nc + b] = std::sqrt(std::max(s, 1e-10));
            mean += m[a * nc + b];
        }
    }
    mean /= static_cast<double>(nt * nc);
    const double lam = lambda / mean;
    for (std::size_t q = 0; q < nt * nc; ++q) k[q] = std::exp(-lam * m[q]);
    const double pa = 1.0 / static_cast<double>(nt), pb = 1.0 / static_cast<double>(nc);
    constexpr double tiny = 1e-300;
    std::vector<double> u(nt, pa), v(nc, 0.0);
    auto update_v = [&] {
        for (std::size_t b = 0; b < nc; ++b) {
            double s = 0.0;
            for (std::size_t a = 0; a < nt; ++a) s += k[a * nc + b] * u[a];
            v[b] = pb / std::max(s, tiny);
        }
    };
    for (std::size_t iter = 0; iter < iterations; ++iter) {
        update_v();
        for (std::size_t a = 0; a < nt; ++a) {
            double s = 0.0;
            for (std::size_t b = 0; b < nc; ++b) s += k[a * nc + b] * v[b];
            u[a] = pa / std::max(s, tiny);
        }
    }
    update_v();
    double value = 0.0;
    for (std::size_t a = 0; a < nt; ++a)
        for (std::size_t b = 0; b < nc; ++b) {
            const double p = u[a] * k[a * nc + b] * v[b];
            value += p * m[a * nc + b];
            if (grad != nullptr) {
                const double c = scale * p / m[a * nc + b];
                const T* x = phi + it[a] * stride + offset;
                const T* y = phi + ic[b] * stride + offset;
                T* gx = grad + it[a] * stride + offset;
                T* gy = grad + ic[b] * stride + offset;
                for (std::size_t j = 0; j < d; ++j) {
                    const double g = c * (static_cast<double>(x[j]) - static_cast<double>(y[j]));
                    gx[j] += static_cast<T>(g);
                    gy[j] -= static_cast<T>(g);
                }
            }
        }
    return value;
}

/// The loss of the three models over the network's output [mu0, mu1, (logit, epsilon), (Phi)] and
/// targets [y, t, 0, ...] (same shape): factual MSE mean_i (y_i - mu_{t_i})^2, plus for cfr
/// alpha * IPM(Phi_treated, Phi_control) and for dragonnet alpha * BCE(t, sigmoid(logit)) and
/// beta * mean_i (y_i - mu_{t_i} - epsilon H_i)^2 with H = t / g - (1 - t) / (1 - g),
/// g = (sigmoid(logit) + 0.01) / 1.02 (as DragonNet's code). Per-row weights scale the row terms.
class effect_loss {
public:
    /// A loss for the configuration and the output layout.
    effect_loss(const effect_config& c, effect_layout layout) : config_(c), layout_(layout) {}

    /// The loss of a batch.
    template <std::floating_point T>
    double value(const matrix<T>& pred, const matrix<T>& target, std::span<const T> weights = {}) const {
        return compute(pred, target, weights, static_cast<matrix<T>*>(nullptr));
    }
    /// Writes d value / d pred into grad.
    template <std::floating_point T>
    void gradient(const matrix<T>& pred, const matrix<T>& target, std::span<const T> weights, matrix<T>& grad) const {
        (void)compute(pred, target, weights, &grad);
    }
    /// value() and gradient() in one pass.
    template <std::floating_point T>
    double value_and_gradient(const matrix<T>& pred, const matrix<T>& target, std::span<const T> weights,
                              matrix<T>& grad) const {
        return compute(pred, target, weights, &grad);
    }
    /// The factual MSE alone (the early-stopping criterion).
    template <std::floating_point T>
    double factual(const matrix<T>& pred, const matrix<T>& target) const {
        check(pred, target);
        const std::size_t n = pred.shape()[0], w = pred.shape()[1];
        double s = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const T* p = pred.data() + i * w;
            const T* y = target.data() + i * w;
            const double r = static_cast<double>(y[0]) - static_cast<double>(y[1] > T(0.5) ? p[1] : p[0]);
            s += r * r;
        }
        return s / static_cast<double>(n);
    }
    /// The IPM term of cfr on a batch output (0 for the other models).
    template <std::floating_point T>
    double ipm(const matrix<T>& pred, const matrix<T>& target) const {
        check(pred, target);
        return ipm_term(pred, target, static_cast<T*>(nullptr), 0.0);
    }
    /// "effect_loss".
    std::string_view name() const noexcept { return "effect_loss"; }

private:
    template <class T>
    void check(const matrix<T>& pred, const matrix<T>& target) const {
        if (pred.shape()[1] != layout_.width || target.shape()[0] != pred.shape()[0] || target.shape()[1] != pred.shape()[1])
            throw shape_error(cat(model_name(config_.model), ": loss got predictions (", pred.shape()[0], ", ", pred.shape()[1],
                                  ") and targets (", target.shape()[0], ", ", target.shape()[1], "); expected ", layout_.width,
                                  " columns each"));
        if (pred.shape()[0] == 0) throw shape_error(cat(model_name(config_.model), ": loss got an empty batch"));
    }

    template <class T>
    double ipm_term(const matrix<T>& pred, const matrix<T>& target, T* grad, double scale) const {
        if (layout_.representation_offset == 0) return 0.0;
        const std::size_t n = pred.shape()[0], w = layout_.width;
        if (config_.ipm == ipm_metric::linear_mmd)
            return linear_mmd(pred.data(), n, layout_.representation_size, w, layout_.representation_offset,
                              target.data() + 1, w, grad, scale);
        return sinkhorn_wasserstein(pred.data(), n, layout_.representation_size, w, layout_.representation_offset,
                                    target.data() + 1, w, config_.sinkhorn_lambda, config_.sinkhorn_iterations, grad, scale);
    }

    template <class T>
    double compute(const matrix<T>& pred, const matrix<T>& target, std::span<const T> weights, matrix<T>* grad) const {
        check(pred, target);
        const std::size_t n = pred.shape()[0], w = pred.shape()[1];
        if (!weights.empty() && weights.size() != n)
            throw shape_error(cat(model_name(config_.model), ": loss got ", weights.size(), " weights for ", n, " rows"));
        if (grad != nullptr) {
            if (grad->shape()[0] != n || grad->shape()[1] != w) grad->resize({n, w});
            std::fill(grad->begin(), grad->end(), T(0));
        }
        const double inv_n = 1.0 / static_cast<double>(n);
        const bool dragon = layout_.propensity;
        const bool targeted = dragon && config_.targeted && config_.beta > 0.0;
        double factual = 0.0, bce = 0.0, treg = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const T* p = pred.data() + i * w;
            const T* y = target.data() + i * w;
            const double wi = weights.empty() ? 1.0 : static_cast<double>(weights[i]);
            const bool treated = y[1] > T(0.5);
            const double t = treated ? 1.0 : 0.0;
            const std::size_t col = treated ? 1 : 0;
            const double q = static_cast<double>(p[col]);
            const double r = static_cast<double>(y[0]) - q;
            factual += wi * r * r;
            double dq = -2.0 * wi * r * inv_n;
            if (dragon) {
                const double z = static_cast<double>(p[2]);
                const double g = causalrec::sigmoid(z);
                bce += wi * causalrec::bce_from_logits(z, t);
                double dz = config_.alpha * wi * (g - t) * inv_n;
                if (targeted) {
                    const double gc = (g + 0.01) / 1.02;
                    const double h = t / gc - (1.0 - t) / (1.0 - gc);
                    const double eps = static_cast<double>(p[3]);
                    const double rt = r - eps * h;
                    treg += wi * rt * rt;
                    const double c = -2.0 * config_.beta * wi * rt * inv_n;  // d(beta * treg) / d(q + eps h)
                    dq += c;
                    if (grad != nullptr) grad->data()[i * w + 3] = static_cast<T>(c * h);
                    const double dh = -t / (gc * gc) - (1.0 - t) / ((1.0 - gc) * (1.0 - gc));
                    dz += c * eps * dh * g * (1.0 - g) / 1.02;
                }
                if (grad != nullptr) grad->data()[i * w + 2] = static_cast<T>(dz);
            }
            if (grad != nullptr) grad->data()[i * w + col] = static_cast<T>(dq);
        }
        double value = factual * inv_n;
        if (dragon) value += config_.alpha * bce * inv_n + (targeted ? config_.beta * treg * inv_n : 0.0);
        if (layout_.representation_offset != 0 && config_.alpha > 0.0)
            value += config_.alpha * ipm_term(pred, target, grad != nullptr ? grad->data() : static_cast<T*>(nullptr), config_.alpha);
        return value;
    }

    effect_config config_;
    effect_layout layout_;
};

/// A fit callback writing the factual loss on held-out rows to the epoch logs as "val_factual_loss"
/// (put it before train::early_stopping, which then monitors that key).
template <class T>
struct factual_validation {
    const matrix<T>* x = nullptr;      ///< held-out features
    const matrix<T>* y = nullptr;      ///< held-out targets [y, t, 0, ...]
    const effect_loss* loss = nullptr; ///< the loss (its factual part is used)

    /// Computes the held-out factual loss.
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        const matrix<T>& pred = ctx.model.forward(*x);
        const double value = loss->factual(pred, *y);
        ctx.logs["val_factual_loss"] = value;
        ctx.record.metrics["val_factual_loss"].push_back(value);
    }
};

/// The state shared by tarnet, cfr and dragonnet: checks, outcome scaling, the split, training and prediction.
template <class T>
class neural_effect_core {
public:
    /// A core for a configuration (checked).
    explicit neural_effect_core(effect_config c) : config_(std::move(c)) { check_config(config_); }

    /// Fits on rows X with 0/1 treatment t and outcome y.
    void fit(const matrix<T>& X, const vector<T>& t, const vector<T>& y) {
        const std::string_view who = model_name(config_.model);
        const std::size_t n = X.shape()[0], p = X.shape()[1];
        if (t.size() != n || y.size() != n)
            throw shape_error(cat(who, ".fit: X has ", n, " rows but treatment has ", t.size(), " and outcome ", y.size()));
        if (p == 0) throw shape_error(cat(who, ".fit: X has no columns"));
        std::vector<std::size_t> treated, control;
        for (std::size_t i = 0; i < n; ++i) {
            if (!std::isfinite(static_cast<double>(y(i)))) throw numeric_error(cat(who, ".fit: outcome ", i, " is not finite"));
            if (t(i) == T(1)) treated.push_back(i);
            else if (t(i) == T(0)) control.push_back(i);
            else throw argument_error(cat(who, ".fit: treatment ", i, " = ", static_cast<double>(t(i)), " is not 0 or 1"));
            for (std::size_t j = 0; j < p; ++j)
                if (!std::isfinite(static_cast<double>(X(i, j))))
                    throw numeric_error(cat(who, ".fit: X has a non-finite value at row ", i, ", column ", j));
        }
        if (treated.size() < 2 || control.size() < 2)
            throw argument_error(cat(who, ".fit: needs at least 2 treated and 2 control rows, got ", treated.size(), " and ",
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
        if (config_.validation_fraction > 0.0) {
            for (const auto* arm : {&treated, &control}) {
                const auto order = engine.permutation(arm->size());
                const auto k = static_cast<std::size_t>(std::llround(config_.validation_fraction * static_cast<double>(arm->size())));
                const std::size_t take = std::min(k, arm->size() - 1);
                for (std::size_t q = 0; q < take; ++q) held[(*arm)[order[q]]] = true;
                n_val += take;
            }
        }
        if (config_.validation_fraction > 0.0 && n_val == 0)
            throw argument_error(cat(who, ".fit: validation_fraction ", config_.validation_fraction, " of ", n,
                                     " rows leaves no validation row"));
        const effect_layout layout = make_layout(config_);
        const std::size_t w = layout.width;
        matrix<T> x_train = make_matrix<T>(n - n_val, p), y_train = make_matrix<T>(n - n_val, w);
        matrix<T> x_val = make_matrix<T>(n_val, p), y_val = make_matrix<T>(n_val, w);
        std::fill(y_train.begin(), y_train.end(), T(0));
        std::fill(y_val.begin(), y_val.end(), T(0));
        for (std::size_t i = 0, a = 0, b = 0; i < n; ++i) {
            matrix<T>& xs = held[i] ? x_val : x_train;
            matrix<T>& ys = held[i] ? y_val : y_train;
            std::size_t& r = held[i] ? b : a;
            std::copy_n(X.data() + i * p, p, xs.data() + r * p);
            ys(r, 0) = static_cast<T>((static_cast<double>(y(i)) - y_mean_) / y_scale_);
            ys(r, 1) = t(i);
            ++r;
        }
        net_.emplace(p, config_);
        n_features_ = p;
        effect_loss loss(config_, layout);
        optim::adam<T> optimizer({.learning_rate = config_.learning_rate});
        train::fit_options<T> fo;
        fo.epochs = config_.epochs;
        fo.batch_size = config_.batch_size;
        fo.seed = config_.seed;
        fo.verbose = config_.verbose;
        best_epoch_ = 0;
        try {
            if (n_val > 0) {
                factual_validation<T> validation{&x_val, &y_val, &loss};
                train::early_stopping stopping({.monitor = "val_factual_loss", .min_delta = 0.0, .patience = config_.patience,
                                                .mode = train::monitor_mode::minimize, .restore_best_weights = true});
                history_ = train::fit(*net_, loss, optimizer, x_train, y_train, fo, validation, stopping);
                best_epoch_ = stopping.best_epoch();
            } else {
                history_ = train::fit(*net_, loss, optimizer, x_train, y_train, fo);
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
        if (!net_) throw not_fitted_error(cat(model_name(config_.model), ".", fn, ": call fit first"));
    }
    const matrix<T>& run(const matrix<T>& X, std::string_view fn) const {
        require_fitted(fn);
        if (X.shape()[1] != n_features())
            throw shape_error(cat(model_name(config_.model), ".", fn, ": X has ", X.shape()[1], " columns, the model was fitted on ",
                                  n_features()));
        if (X.shape()[0] == 0) throw shape_error(cat(model_name(config_.model), ".", fn, ": X has no rows"));
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

/// TARNet (Shalit et al. 2017): a shared representation and two outcome heads trained on the
/// factual loss. effect(X) = mu1_hat - mu0_hat; ate() averages it over the fitted rows.
template <std::floating_point T = double>
using tarnet = neural_effect_estimator<T, tarnet_options>;

/// CFR (counterfactual regression, Shalit et al. 2017): TARNet plus the balance penalty
/// alpha * IPM(Phi_treated, Phi_control) on each batch (linear MMD or Sinkhorn-Wasserstein).
template <std::floating_point T = double>
using cfr = neural_effect_estimator<T, cfr_options>;

/// DragonNet (Shi et al. 2019): shared layers, two outcome heads and a propensity head; loss =
/// factual MSE + alpha * BCE(t, g) + beta * targeted regularisation with a trained epsilon.
template <std::floating_point T = double>
using dragonnet = neural_effect_estimator<T, dragonnet_options>;

static_assert(EffectEstimator<tarnet<double>, double>);
static_assert(EffectEstimator<cfr<double>, double>);
static_assert(EffectEstimator<dragonnet<double>, double>);

}  // namespace causalrec::causal
