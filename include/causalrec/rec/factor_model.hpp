#pragma once
/// @file
/// factor_model: the value type every matrix-factorisation recommender produces (matrix_factorization,
/// als, bpr and the debiased variants of causal/debias): user and item factors, optional biases, a
/// global offset, how a raw score becomes a prediction, and the training log's summary, with scoring,
/// top-k recommendation, coverage and the tensors of a recommender file written once.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "../core/error.hpp"
#include "../core/math.hpp"
#include "../core/message.hpp"
#include "../io/safetensors.hpp"
#include "common.hpp"
#include "concepts.hpp"
#include "log_summary.hpp"
#include "persistence.hpp"

namespace causalrec::rec {

/// How a factor model turns a raw score into a prediction.
enum class factor_output : std::uint8_t {
    clipped,   ///< the raw score clamped to [min_prediction, max_prediction] (ratings)
    logistic,  ///< sigmoid(raw score) (probabilities of implicit feedback)
};

/// A trained factor model: raw(u, i) = offset + b_u + b_i + <p_u, q_i>, accumulated in double in that
/// order (biases that are empty count as 0). A user beyond the training range has no factors and no
/// bias: raw = offset + b_i. Factors are row-major: user_factors is n_users x factors, item_factors
/// n_items x factors.
template <std::floating_point T = float>
struct factor_model {
    std::size_t factors = 0;                     ///< latent dimension k
    std::vector<T> user_factors{};               ///< P, n_users x k
    std::vector<T> item_factors{};               ///< Q, n_items x k
    std::vector<T> user_bias{};                  ///< b_u, n_users values, or empty (no user bias)
    std::vector<T> item_bias{};                  ///< b_i, n_items values, or empty (no item bias)
    double offset = 0.0;                         ///< the global offset (mean rating, or its logit)
    factor_output output = factor_output::clipped;  ///< how raw scores become predictions
    double min_prediction = -std::numeric_limits<double>::infinity();  ///< lower clamp (clipped output)
    double max_prediction = std::numeric_limits<double>::infinity();   ///< upper clamp (clipped output)
    log_summary log{};                           ///< counts, id maps and seen items of the training log

    /// Users of the training log.
    std::size_t n_users() const noexcept { return log.n_users; }
    /// Items of the training log.
    std::size_t n_items() const noexcept { return log.n_items; }

    /// The raw score of (user, item); item must be below n_items().
    double raw(std::size_t user, std::size_t item) const noexcept {
        const bool known = user < log.n_users;
        double s = offset;
        if (known && !user_bias.empty()) s += static_cast<double>(user_bias[user]);
        if (!item_bias.empty()) s += static_cast<double>(item_bias[item]);
        if (known) {
            const T* p = user_factors.data() + user * factors;
            const T* q = item_factors.data() + item * factors;
            for (std::size_t f = 0; f < factors; ++f) s += static_cast<double>(p[f]) * static_cast<double>(q[f]);
        }
        return s;
    }

    /// A raw score turned into a prediction (clamped, or through the sigmoid).
    double predict_raw(double raw_score) const noexcept {
        if (output == factor_output::logistic) return causalrec::sigmoid(raw_score);
        return std::clamp(raw_score, min_prediction, max_prediction);
    }

    /// The prediction of (user, item); item must be below n_items().
    double predict(std::size_t user, std::size_t item) const noexcept { return predict_raw(raw(user, item)); }

    /// True for a training user with at least one training interaction.
    bool covers(std::size_t user) const noexcept { return log.has_history(user); }

    /// The predictions of `items` for `user`; raises argument_error naming `model` for an item out of range.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items, std::string_view model) const {
        detail::check_items(items, log.n_items, model);
        std::vector<double> out(items.size());
        for (std::size_t j = 0; j < items.size(); ++j) out[j] = predict(user, items[j]);
        return out;
    }

    /// The k items with the highest prediction for `user`, best first (ties: lower index), without the
    /// user's training items when exclude_seen is set.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen) const {
        std::vector<double> s(log.n_items);
        for (std::size_t i = 0; i < s.size(); ++i) s[i] = predict(user, i);
        return detail::top_k(s, k, exclude_seen ? log.seen.of(user) : std::span<const std::size_t>{});
    }

    /// Adds the model's tensors to a recommender file begun with begin_recommender_file: user_factors,
    /// item_factors, user_bias and item_bias when present, global_mean.
    void write(io::tensor_file& f) const {
        f.add<T>("user_factors", std::span<const T>(user_factors), {log.n_users, factors});
        f.add<T>("item_factors", std::span<const T>(item_factors), {log.n_items, factors});
        if (!user_bias.empty()) f.add<T>("user_bias", std::span<const T>(user_bias), {log.n_users});
        if (!item_bias.empty()) f.add<T>("item_bias", std::span<const T>(item_bias), {log.n_items});
        const double mean[1] = {offset};
        f.add<double>("global_mean", std::span<const double>(mean), {1});
    }

    /// Reads the tensors write() added, checking their shapes against the file's log summary; the
    /// biases are read when `with_user_bias` / `with_item_bias` say the model has them. The output
    /// rule and clamp are the caller's (they come from its options). Raises format_error.
    static factor_model read(opened_recommender& f, std::size_t factors, bool with_user_bias, bool with_item_bias) {
        factor_model m;
        m.factors = factors;
        m.user_factors = saved_values<T>(f, "user_factors", {f.log.n_users, factors});
        m.item_factors = saved_values<T>(f, "item_factors", {f.log.n_items, factors});
        if (with_user_bias) m.user_bias = saved_values<T>(f, "user_bias", {f.log.n_users});
        if (with_item_bias) m.item_bias = saved_values<T>(f, "item_bias", {f.log.n_items});
        m.offset = saved_values<double>(f, "global_mean", {1})[0];
        m.log = std::move(f.log);
        return m;
    }
};

}  // namespace causalrec::rec
