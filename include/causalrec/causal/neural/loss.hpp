#pragma once
/// @file
/// The two-head loss of the neural effect estimators (not API): factual loss, CFR's balance penalty
/// (linear MMD or the Sinkhorn approximation of Wasserstein-1) and DragonNet's propensity and targeted terms.

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
#include "../../train/history.hpp"
#include "../concepts.hpp"
#include "network.hpp"

namespace causalrec::causal {

namespace detail {

using causalrec::cat;

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

/// The loss of the three models on a batch: the network's heads [mu0, mu1, (logit, epsilon)], its
/// representation Phi, outcomes y and treatments t (0/1): factual MSE mean_i (y_i - mu_{t_i})^2, plus
/// for cfr alpha * IPM(Phi_treated, Phi_control) and for dragonnet alpha * BCE(t, sigmoid(logit)) and
/// beta * mean_i (y_i - mu_{t_i} - epsilon H_i)^2 with H = t / g - (1 - t) / (1 - g),
/// g = (sigmoid(logit) + 0.01) / 1.02 (as DragonNet's code). The gradient goes to the heads and, for
/// the IPM, to Phi; effect_objective hands both to the network's backward pass.
class effect_loss {
public:
    /// A loss for the configuration and the layout of the network.
    effect_loss(const effect_config& c, effect_layout layout) : config_(c), layout_(layout) {}

    /// The loss of a batch (phi is read only when the layout has a representation penalty).
    template <std::floating_point T>
    double value(const matrix<T>& heads, const matrix<T>& phi, std::span<const T> y, std::span<const T> t) const {
        return compute(heads, phi, y, t, static_cast<matrix<T>*>(nullptr), static_cast<matrix<T>*>(nullptr));
    }
    /// The loss of a batch, its gradient written to heads_grad (rows x width) and, when the layout
    /// penalises the representation, to phi_grad (rows x Phi columns); both are resized when needed.
    template <std::floating_point T>
    double value_and_gradient(const matrix<T>& heads, const matrix<T>& phi, std::span<const T> y, std::span<const T> t,
                              matrix<T>& heads_grad, matrix<T>& phi_grad) const {
        return compute(heads, phi, y, t, &heads_grad, &phi_grad);
    }
    /// The factual MSE alone (the early-stopping criterion).
    template <std::floating_point T>
    double factual(const matrix<T>& heads, std::span<const T> y, std::span<const T> t) const {
        check(heads, y, t);
        const std::size_t n = heads.shape()[0], w = heads.shape()[1];
        double s = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const T* p = heads.data() + i * w;
            const double r = static_cast<double>(y[i]) - static_cast<double>(t[i] > T(0.5) ? p[1] : p[0]);
            s += r * r;
        }
        return s / static_cast<double>(n);
    }
    /// The IPM term of cfr on a batch representation (0 for the other models).
    template <std::floating_point T>
    double ipm(const matrix<T>& phi, std::span<const T> t) const {
        return ipm_term(phi, t, static_cast<T*>(nullptr), 0.0);
    }
    /// True when the loss penalises the representation (cfr with alpha > 0).
    bool uses_representation() const noexcept { return layout_.representation_size != 0; }
    /// "effect_loss".
    std::string_view name() const noexcept { return "effect_loss"; }

private:
    template <class T>
    void check(const matrix<T>& heads, std::span<const T> y, std::span<const T> t) const {
        if (heads.shape()[1] != layout_.width || y.size() != heads.shape()[0] || t.size() != heads.shape()[0])
            throw shape_error(causalrec::error_message("causal", model_name(config_.model), "loss got outputs (", heads.shape()[0], ", ", heads.shape()[1],
                                  "), ", y.size(), " outcomes and ", t.size(), " treatments; expected ", layout_.width,
                                  " columns and one outcome and treatment per row"));
        if (heads.shape()[0] == 0) throw shape_error(causalrec::error_message("causal", model_name(config_.model), "loss got an empty batch"));
    }

    template <class T>
    double ipm_term(const matrix<T>& phi, std::span<const T> t, T* grad, double scale) const {
        if (layout_.representation_size == 0) return 0.0;
        const std::size_t n = phi.shape()[0], d = phi.shape()[1];
        if (d != layout_.representation_size || t.size() != n)
            throw shape_error(causalrec::error_message("causal", model_name(config_.model), "the representation has shape (", n, ", ", d, "), expected ",
                                  layout_.representation_size, " columns and ", t.size(), " rows"));
        if (config_.ipm == ipm_metric::linear_mmd) return linear_mmd(phi.data(), n, d, d, 0, t.data(), 1, grad, scale);
        return sinkhorn_wasserstein(phi.data(), n, d, d, 0, t.data(), 1, config_.sinkhorn_lambda, config_.sinkhorn_iterations,
                                    grad, scale);
    }

    template <class T>
    double compute(const matrix<T>& heads, const matrix<T>& phi, std::span<const T> y, std::span<const T> t,
                   matrix<T>* grad, matrix<T>* phi_grad) const {
        check(heads, y, t);
        const std::size_t n = heads.shape()[0], w = heads.shape()[1];
        if (grad != nullptr) {
            if (grad->shape()[0] != n || grad->shape()[1] != w) grad->resize({n, w});
            std::fill(grad->begin(), grad->end(), T(0));
        }
        const bool penalise_phi = uses_representation() && config_.alpha > 0.0;
        if (phi_grad != nullptr && penalise_phi) {
            if (phi_grad->shape() != phi.shape()) phi_grad->resize({phi.shape()[0], phi.shape()[1]});
            std::fill(phi_grad->begin(), phi_grad->end(), T(0));
        }
        const double inv_n = 1.0 / static_cast<double>(n);
        const bool dragon = layout_.propensity;
        const bool targeted = dragon && config_.targeted && config_.beta > 0.0;
        double factual = 0.0, bce = 0.0, treg = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const T* p = heads.data() + i * w;
            const bool treated = t[i] > T(0.5);
            const double ti = treated ? 1.0 : 0.0;
            const std::size_t col = treated ? 1 : 0;
            const double q = static_cast<double>(p[col]);
            const double r = static_cast<double>(y[i]) - q;
            factual += r * r;
            double dq = -2.0 * r * inv_n;
            if (dragon) {
                const double z = static_cast<double>(p[2]);
                const double g = causalrec::sigmoid(z);
                bce += causalrec::bce_from_logits(z, ti);
                double dz = config_.alpha * (g - ti) * inv_n;
                if (targeted) {
                    const double gc = (g + 0.01) / 1.02;
                    const double h = ti / gc - (1.0 - ti) / (1.0 - gc);
                    const double eps = static_cast<double>(p[3]);
                    const double rt = r - eps * h;
                    treg += rt * rt;
                    const double c = -2.0 * config_.beta * rt * inv_n;  // d(beta * treg) / d(q + eps h)
                    dq += c;
                    if (grad != nullptr) grad->data()[i * w + 3] = static_cast<T>(c * h);
                    const double dh = -ti / (gc * gc) - (1.0 - ti) / ((1.0 - gc) * (1.0 - gc));
                    dz += c * eps * dh * g * (1.0 - g) / 1.02;
                }
                if (grad != nullptr) grad->data()[i * w + 2] = static_cast<T>(dz);
            }
            if (grad != nullptr) grad->data()[i * w + col] = static_cast<T>(dq);
        }
        double value = factual * inv_n;
        if (dragon) value += config_.alpha * bce * inv_n + (targeted ? config_.beta * treg * inv_n : 0.0);
        if (penalise_phi)
            value += config_.alpha * ipm_term(phi, t, phi_grad != nullptr ? phi_grad->data() : static_cast<T*>(nullptr), config_.alpha);
        return value;
    }

    effect_config config_;
    effect_layout layout_;
};


}  // namespace detail

}  // namespace causalrec::causal
