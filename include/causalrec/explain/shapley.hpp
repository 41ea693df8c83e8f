#pragma once
/// @file
/// Shapley-value attributions of one prediction: exact (every coalition, up to about 15 features) and
/// KernelSHAP (Lundberg & Lee 2017: a weighted least-squares fit over sampled coalitions with the
/// efficiency constraint), for any model that predicts one value per row. A feature outside the
/// coalition takes the background rows' values (interventional Shapley values): v(S) is the mean
/// prediction over the background with x's values on S.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <bit>
#include <span>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/linalg.hpp"
#include "../core/message.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"

namespace causalrec::explain {

/// A model that predicts one value per row: `model.predict(X)` or `model(X)`, returning anything a
/// vector<T> can be built from (a vector, or a rows x 1 matrix).
template <class M, class T>
concept RowPredictor = std::floating_point<T> && (requires(const M& m, const matrix<T>& x) { m.predict(x); } ||
                                                  requires(const M& m, const matrix<T>& x) { m(x); });

/// Attributions of one prediction.
struct attribution {
    std::vector<double> values{};  ///< one per feature; they add up to prediction - base_value (efficiency)
    double base_value = 0.0;       ///< the mean prediction over the background (v of the empty coalition)
    double prediction = 0.0;       ///< the model's prediction at x
    std::size_t evaluations = 0;   ///< rows the model was asked to predict
};

/// Options of kernel_shap.
struct kernel_shap_options {
    std::size_t samples = 2048;  ///< coalitions evaluated; when all 2^p - 2 proper coalitions fit, all are used (the result is then exact)
    std::uint64_t seed = 0;      ///< seed of the sampled coalitions
    double ridge = 1e-10;        ///< added to the normal equations' diagonal (relative to its largest entry), for rank-deficient samples
};

namespace detail {

/// The model's predictions for the rows of X as doubles.
template <class T, RowPredictor<T> M>
std::vector<double> predict_rows(const M& model, const matrix<T>& x) {
    auto run = [&]() {
        if constexpr (requires { model.predict(x); }) return model.predict(x);
        else return model(x);
    };
    const auto out = run();
    std::vector<double> values(out.begin(), out.end());
    if (values.size() != x.shape()[0])
        throw shape_error(causalrec::error_message("explain", "shapley", "the model returned ", values.size(), " values for ", x.shape()[0],
                                                   " rows; it must predict one value per row"));
    return values;
}

/// v(S) for a list of coalitions (bit masks over p features): mean prediction over the background with
/// x's values on the coalition's features. Evaluated in chunks of about 65,536 rows.
template <class T, RowPredictor<T> M>
std::vector<double> coalition_values(const M& model, std::span<const T> x, const matrix<T>& background, const std::vector<std::uint64_t>& masks,
                                     std::size_t& evaluations) {
    const std::size_t p = x.size(), b = background.shape()[0];
    const std::size_t per_chunk = std::max<std::size_t>(1, 65536 / b);
    std::vector<double> out(masks.size(), 0.0);
    for (std::size_t first = 0; first < masks.size(); first += per_chunk) {
        const std::size_t count = std::min(per_chunk, masks.size() - first);
        matrix<T> rows = matrix<T>::from_shape({count * b, p});
        for (std::size_t c = 0; c < count; ++c)
            for (std::size_t r = 0; r < b; ++r)
                for (std::size_t f = 0; f < p; ++f) rows(c * b + r, f) = (masks[first + c] >> f & 1u) ? x[f] : background(r, f);
        const auto pred = predict_rows(model, rows);
        evaluations += rows.shape()[0];
        for (std::size_t c = 0; c < count; ++c) {
            double s = 0.0;
            for (std::size_t r = 0; r < b; ++r) s += pred[c * b + r];
            out[first + c] = s / static_cast<double>(b);
        }
    }
    return out;
}

/// Checks x against the background's width.
template <class T>
void check_explained(std::span<const T> x, const matrix<T>& background, const char* fn, std::size_t max_features) {
    if (background.shape()[0] == 0) throw argument_error(causalrec::error_message("explain", fn, "the background has no rows"));
    if (x.size() != background.shape()[1])
        throw shape_error(causalrec::error_message("explain", fn, "x has ", x.size(), " features, the background ", background.shape()[1]));
    if (x.empty()) throw argument_error(causalrec::error_message("explain", fn, "no features to explain"));
    if (x.size() > max_features)
        throw argument_error(causalrec::error_message("explain", fn, x.size(), " features are more than ", max_features));
}

}  // namespace detail

/// Exact Shapley values of model(x) with every feature absent taking the background rows' values:
/// phi_i = sum over coalitions S without i of |S|! (p - |S| - 1)! / p! (v(S + i) - v(S)), all 2^p
/// coalitions evaluated (p at most 20; about 15 is practical: 2^p times the background rows are
/// predicted). A single background row is a baseline (as Captum's). Raises shape_error when x and
/// the background differ in width, argument_error for an empty background or more than 20 features.
template <std::floating_point T, RowPredictor<T> M>
attribution exact_shapley(const M& model, std::span<const T> x, const matrix<T>& background) {
    detail::check_explained(x, background, "exact_shapley", 20);
    const std::size_t p = x.size();
    const std::uint64_t all = std::uint64_t{1} << p;
    std::vector<std::uint64_t> masks(all);
    for (std::uint64_t m = 0; m < all; ++m) masks[m] = m;
    attribution out;
    const auto v = detail::coalition_values(model, x, background, masks, out.evaluations);
    // Weight of a coalition of size s: s! (p - s - 1)! / p!.
    std::vector<double> weight(p);
    for (std::size_t s = 0; s < p; ++s)
        weight[s] = std::exp(std::lgamma(static_cast<double>(s) + 1.0) + std::lgamma(static_cast<double>(p - s)) - std::lgamma(static_cast<double>(p) + 1.0));
    out.values.assign(p, 0.0);
    for (std::uint64_t m = 0; m < all; ++m) {
        const std::size_t s = static_cast<std::size_t>(std::popcount(m));
        for (std::size_t i = 0; i < p; ++i)
            if (!(m >> i & 1u)) out.values[i] += weight[s] * (v[m | (std::uint64_t{1} << i)] - v[m]);
    }
    out.base_value = v[0];
    out.prediction = v[all - 1];
    return out;
}

/// KernelSHAP (Lundberg & Lee 2017): v(S) on coalitions, fitted by phi_0 + sum_{i in S} phi_i with the
/// Shapley kernel weights (p - 1) / (C(p, |S|) |S| (p - |S|)), under the constraint sum phi_i =
/// f(x) - phi_0 (phi_0 = the background's mean prediction), by weighted least squares. When all
/// 2^p - 2 proper coalitions fit in options.samples they are all used and the values equal exact
/// Shapley values; otherwise coalition sizes are drawn in proportion to the kernel's total weight per
/// size and members uniformly, each draw with weight 1 and paired with its complement (as shap). Raises as exact_shapley (up to 62 features).
template <std::floating_point T, RowPredictor<T> M>
attribution kernel_shap(const M& model, std::span<const T> x, const matrix<T>& background, const kernel_shap_options& options = {}) {
    detail::check_explained(x, background, "kernel_shap", 62);
    if (options.samples == 0) throw argument_error("causalrec::explain::kernel_shap: samples must be positive");
    const std::size_t p = x.size();
    std::vector<std::uint64_t> masks{0, p == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << p) - 1};
    std::vector<double> weights;
    auto binomial = [](std::size_t n, std::size_t k) { return std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0)); };
    const bool enumerate = p < 63 && (std::uint64_t{1} << p) - 2 <= options.samples;
    if (enumerate) {
        for (std::uint64_t m = 1; m + 1 < (std::uint64_t{1} << p); ++m) {
            const std::size_t s = static_cast<std::size_t>(std::popcount(m));
            masks.push_back(m);
            weights.push_back(static_cast<double>(p - 1) / (binomial(p, s) * static_cast<double>(s) * static_cast<double>(p - s)));
        }
    } else {
        rng engine(options.seed);
        std::vector<double> size_weight(p, 0.0);  // total kernel weight of the coalitions of each size 1..p-1
        double total = 0.0;
        for (std::size_t s = 1; s < p; ++s) total += size_weight[s] = static_cast<double>(p - 1) / (static_cast<double>(s) * static_cast<double>(p - s));
        std::vector<std::size_t> order(p);
        const std::uint64_t full = (std::uint64_t{1} << p) - 1;
        for (std::size_t k = 0; k + 1 < options.samples; k += 2) {
            double u = engine.uniform() * total;
            std::size_t s = 1;
            while (s + 1 < p && u > size_weight[s]) u -= size_weight[s++];
            for (std::size_t f = 0; f < p; ++f) order[f] = f;
            std::uint64_t m = 0;
            for (std::size_t c = 0; c < s; ++c) {
                std::swap(order[c], order[c + engine.uniform_index(p - c)]);
                m |= std::uint64_t{1} << order[c];
            }
            // Paired sampling (as shap): the complement too, which has the same kernel weight.
            masks.push_back(m), masks.push_back(full & ~m);
            weights.push_back(1.0), weights.push_back(1.0);
        }
    }
    attribution out;
    const auto v = detail::coalition_values(model, x, background, masks, out.evaluations);
    out.base_value = v[0];
    out.prediction = v[1];
    const double delta = out.prediction - out.base_value;
    // Eliminate phi_{p-1} = delta - sum_{i < p-1} phi_i: for each coalition k,
    // v_k - phi_0 - z_{k,p-1} delta = sum_{i < p-1} phi_i (z_ki - z_{k,p-1}).
    out.values.assign(p, 0.0);
    if (p == 1) {
        out.values[0] = delta;
        return out;
    }
    const std::size_t q = p - 1;
    std::vector<double> normal(q * q, 0.0), rhs(q, 0.0), row(q);
    for (std::size_t k = 0; k < weights.size(); ++k) {
        const std::uint64_t m = masks[k + 2];
        const double last = (m >> q) & 1u;
        for (std::size_t i = 0; i < q; ++i) row[i] = static_cast<double>((m >> i) & 1u) - last;
        const double target = v[k + 2] - out.base_value - last * delta;
        for (std::size_t i = 0; i < q; ++i) {
            if (row[i] == 0.0) continue;
            rhs[i] += weights[k] * row[i] * target;
            for (std::size_t j = 0; j < q; ++j) normal[i * q + j] += weights[k] * row[i] * row[j];
        }
    }
    double largest = 0.0;
    for (std::size_t i = 0; i < q; ++i) largest = std::max(largest, normal[i * q + i]);
    for (std::size_t i = 0; i < q; ++i) normal[i * q + i] += options.ridge * std::max(largest, 1e-300);
    if (!linalg::cholesky_solve(q, normal.data(), rhs.data()))
        throw numeric_error("causalrec::explain::kernel_shap: the weighted least-squares system is singular; use more samples");
    double sum = 0.0;
    for (std::size_t i = 0; i < q; ++i) out.values[i] = rhs[i], sum += rhs[i];
    out.values[q] = delta - sum;
    return out;
}

}  // namespace causalrec::explain
