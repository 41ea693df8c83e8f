#pragma once
/// @file
/// The network of the neural effect estimators (not API): a shared representation Phi(x) of dense
/// layers, two outcome heads and, for DragonNet, a propensity head and the targeted epsilon.

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
#include "../../core/elementwise.hpp"
#include "../../core/error.hpp"
#include "../../core/parameter.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../../nn/dense.hpp"
#include "../../core/shape_cache.hpp"
#include "../../optim/adam.hpp"
#include "../../train/callbacks.hpp"
#include "../../train/fit.hpp"
#include "../../train/history.hpp"
#include "../concepts.hpp"
#include "options.hpp"

namespace causalrec::causal {

namespace detail {

using causalrec::cat;

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
            elementwise::relu(in, out, n);
        } else {
            for (std::size_t i = 0; i < n; ++i) out[i] = in[i] > T(0) ? in[i] : std::expm1(in[i]);
        }
        last_ = &y;
        return y;
    }

    /// dL/dx from dL/dy and the stored output (elu: f'(x) = y + 1 for x < 0).
    const matrix<T>& backward(const matrix<T>& grad) {
        if (last_ == nullptr) throw argument_error("causalrec::causal::activation_layer: backward called before forward");
        const matrix<T>& y = *last_;
        matrix<T>& dx = input_grad_.get(y.shape()[0], y.shape()[1]);
        const T* g = grad.data();
        const T* out = y.data();
        T* d = dx.data();
        const std::size_t n = y.size();
        if (kind_ == hidden_activation::relu) {
            elementwise::relu_gradient(g, out, d, n);
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

/// Column layout of the network's output (the heads) and what the loss needs besides it.
struct effect_layout {
    std::size_t width = 2;              ///< output columns: mu0, mu1 (and propensity logit, epsilon)
    bool propensity = false;            ///< columns 2 (propensity logit) and 3 (epsilon) present
    std::size_t representation_size = 0;  ///< columns of Phi the loss penalises (CFR's IPM; 0 = none)
};

/// The layout of a configuration.
inline effect_layout make_layout(const effect_config& c) {
    effect_layout l;
    l.propensity = c.model == effect_model::dragonnet;
    l.width = l.propensity ? 4 : 2;
    if (c.model == effect_model::cfr && c.alpha > 0.0) l.representation_size = c.representation.back();
    return l;
}

/// The network of the three models: X -> Phi (dense + activation per layer, optionally row-normalised)
/// -> heads h0, h1 (dense + activation per hidden layer, then a linear output), plus DragonNet's
/// propensity logit (a linear layer on Phi) and its scalar epsilon. forward(X) returns the rows
/// [mu0, mu1, (logit, epsilon)] (see effect_layout) and keeps Phi (representation()); backward takes
/// the gradient of those columns and, for a loss that penalises the representation, of Phi.
template <class T>
class effect_network {
public:
    /// Value type of the network.
    using value_type = T;

    /// A network with `inputs` features for the configuration, with weights drawn from c.seed.
    effect_network(std::size_t inputs, const effect_config& c) : layout_(make_layout(c)), normalize_(c.normalize), l2_(c.l2) {
        if (inputs == 0) throw argument_error(causalrec::error_message("causal", model_name(c.model), "X has no columns"));
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
            throw shape_error(cat("causalrec::causal::effect_network: X has ", x.shape()[1], " columns, the network expects ", dense_.front().inputs()));
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
        return out;
    }

    /// Phi of the last forward pass (rows x representation size, row-normalised when configured);
    /// raises argument_error before the first forward.
    const matrix<T>& representation() const {
        if (phi_ == nullptr) throw argument_error("causalrec::causal::effect_network: representation() called before forward");
        return *phi_;
    }

    /// Back-propagates dL/d(output) (rows x width) and, when given, dL/dPhi (rows x representation
    /// size, a loss term on the representation) into every parameter's gradient (plus the L2 term
    /// l2 * w on dense weights); returns an empty matrix (no input gradient).
    const matrix<T>& backward(const matrix<T>& grad, const matrix<T>* representation_grad = nullptr) {
        if (phi_ == nullptr) throw argument_error("causalrec::causal::effect_network: backward called before forward");
        const std::size_t n = grad.shape()[0], w = layout_.width, d = phi_->shape()[1];
        if (grad.shape()[1] != w || n != phi_->shape()[0])
            throw shape_error(cat("causalrec::causal::effect_network: gradient has shape (", n, ", ", grad.shape()[1], "), the output was (",
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
        if (representation_grad != nullptr) {
            if (representation_grad->shape()[0] != n || representation_grad->shape()[1] != d)
                throw shape_error(cat("causalrec::causal::effect_network: the representation gradient has shape (", representation_grad->shape()[0],
                                      ", ", representation_grad->shape()[1], "), Phi is (", n, ", ", d, ")"));
            for (std::size_t i = 0; i < dphi.size(); ++i) dphi.data()[i] += representation_grad->data()[i];
        }
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


}  // namespace detail

}  // namespace causalrec::causal
