#pragma once
/// @file
/// Biased matrix factorisation for explicit ratings (Koren, Bell & Volinsky 2009):
/// r_hat(u, i) = mu + b_u + b_i + <p_u, q_i>, trained by per-rating SGD (Funk's scheme) or by any
/// optimizer of the library on mini-batches, with optional per-rating weights (e.g. inverse
/// propensities for debiased learning).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../data/interactions.hpp"
#include "../io/safetensors.hpp"
#include "../optim/concepts.hpp"
#include "../train/loop.hpp"
#include "common.hpp"
#include "factor_model.hpp"
#include "factor_recommender.hpp"
#include "factor_objectives.hpp"
#include "concepts.hpp"
#include "../core/blas.hpp"
#include "../core/linalg.hpp"
#include "persistence.hpp"

namespace causalrec::rec {

/// Options of matrix_factorization. The per-rating objective is
/// 1/2 w (r - r_hat)^2 + 1/2 l2 (|p_u|^2 + |q_i|^2) + 1/2 bias_l2 (b_u^2 + b_i^2),
/// with w the rating's weight (1 without weights); a mini-batch objective is its mean over the batch.
struct mf_options {
    std::size_t factors = 32;                  ///< latent dimension k (>= 1)
    std::size_t epochs = 20;                   ///< passes over the ratings
    double learning_rate = 0.01;               ///< per-rating SGD step (fit(log) only; an optimizer has its own)
    double l2 = 0.02;              ///< L2 on the factors, per rating; >= 0
    double bias_l2 = 0.02;         ///< L2 on the biases, per rating; >= 0
    double init_std = 0.1;                     ///< factors start as N(0, init_std^2); biases at 0
    bool biases = true;                        ///< learn b_u and b_i (the global mean mu is always used)
    bool use_weights = true;                   ///< weight each rating by the log's weight column when present
    double min_prediction = -std::numeric_limits<double>::infinity();  ///< predictions are clipped below
    double max_prediction = std::numeric_limits<double>::infinity();   ///< predictions are clipped above
    std::uint64_t seed = 42;                   ///< initialisation and shuffling
};

/// Biased matrix factorisation for explicit ratings. fit(log) runs per-rating SGD over a fresh
/// shuffle each epoch; fit(log, optimizer, batch_size) trains the same objective on mini-batches
/// with any optimizer of the library (sparse, row-wise updates of the touched rows). The global mean
/// mu is the weighted mean rating. A user (item) outside the training range has zero factors and
/// bias: it scores mu + b_i (mu + b_u). Repeated (user, item) rows are all used.
class matrix_factorization : public factor_recommender<matrix_factorization> {
    friend class factor_recommender<matrix_factorization>;
public:
    /// The model name in files and messages.
    static constexpr std::string_view model_name = "matrix_factorization";


    /// A model with the given options; raises argument_error for factors = 0, a negative or
    /// non-finite learning_rate, l2, bias_l2 or init_std, or min > max.
    explicit matrix_factorization(mf_options options = {}) : options_(options) { check_options(); }

    /// Trains by per-rating SGD (options().epochs passes, learning_rate); raises argument_error
    /// for an empty log and numeric_error when the loss becomes non-finite (learning rate too high).
    void fit(const data::interactions& log);

    /// Runs `epochs` more per-rating SGD passes from the current parameters (fits from scratch
    /// when the model is unfitted); raises shape_error when the log's user or item count differs
    /// from the fitted one.
    void partial_fit(const data::interactions& log, std::size_t epochs);

    /// Trains on mini-batches of `batch_size` ratings (reshuffled each epoch) with `optimizer`, an
    /// optimizer of float parameters (optim::sgd<float>, optim::adam<float>, ...) that updates the
    /// touched rows of the four sparse parameters, through train::fit with `callbacks`; the objective
    /// is the batch mean of the per-rating objective (see mf_options and rec::detail::rating_objective).
    /// learning_rate is ignored (the optimizer has its own). Returns the History, whose loss is the
    /// weighted mean squared error of each epoch's batches (as epoch_losses()).
    template <class Opt, class... Callbacks>
        requires optim::Optimizer<std::remove_cvref_t<Opt>, float>
    train::history fit(const data::interactions& log, Opt&& optimizer, std::size_t batch_size = 1024,
                       Callbacks&&... callbacks) {
        if (batch_size == 0)
            throw argument_error(causalrec::cat(qualified("rec", model_name), "::fit: batch_size must be >= 1, got 0"));
        start(log);
        // Ratings packed in the current shuffled order (as in sgd_epochs), read sequentially.
        std::vector<detail::packed_rating> rows = packed_rows(log);
        const double* weights = options_.use_weights && log.has_weights() ? log.weights().data() : nullptr;
        detail::rating_objective objective(model_, rows, weights,
                                           {.l2 = static_cast<float>(options_.l2),
                                            .bias_l2 = static_cast<float>(options_.bias_l2),
                                            .biases = options_.biases},
                                           rng_);
        train::history record =
            train::fit(objective, optimizer,
                       {.epochs = options_.epochs, .batch_size = batch_size, .shuffle = false, .verbose = 0},
                       std::forward<Callbacks>(callbacks)...);
        losses_ = record.loss;
        for (std::size_t j = 0; j < rows.size(); ++j) order_[j] = rows[j].row;
        fitted_ = true;
        return record;
    }

    /// The options.
    const mf_options& options() const noexcept { return options_; }
    /// The global mean rating mu.
    double global_mean() const noexcept { return model_.offset; }
    /// User biases (zeros without biases).
    std::span<const float> user_bias() const noexcept { return model_.user_bias; }
    /// Item biases (zeros without biases).
    std::span<const float> item_bias() const noexcept { return model_.item_bias; }
    /// Weighted mean squared training error of each epoch, measured during the pass.
    const std::vector<double>& epoch_losses() const noexcept { return losses_; }

    /// The predicted rating of (user, item), clipped to [min_prediction, max_prediction]; raises
    /// not_fitted_error before fit and argument_error for an item out of range.
    double predict(std::size_t user, std::size_t item) const;

    /// Predicted ratings of the rows of `log` (users and items must be in range).
    std::vector<double> predict(const data::interactions& log) const;

    /// The model as a recommender file (see save_recommender).
    io::tensor_file to_file() const;

    /// A model read from a recommender file; raises format_error when it is not a valid
    /// matrix_factorization file.
    static matrix_factorization from_file(io::tensor_file file);

private:

    nlohmann::json options_json() const;

    void check_options() const;

    void start(const data::interactions& log);

    void finish_epoch(std::size_t epoch, double loss);

    /// The log's ratings packed in the order of the last pass (log order after start()), or with
    /// `reshuffled` in that order shuffled first by the model's engine (order_ keeps the new order):
    /// the permutation that shuffling the packed ratings would give, with the engine's same draws,
    /// for a quarter of the memory traffic.
    std::vector<detail::packed_rating> packed_rows(const data::interactions& log, bool reshuffled = false);

    /// Runs `epochs` per-rating SGD passes (Funk's scheme, fused: one read and one write of each
    /// touched row per rating). The first epoch shuffles the 4-byte order of the previous pass and
    /// packs the ratings in it (packed_rows(log, true), which leaves order_ shuffled); the later ones
    /// reshuffle the packed ratings in place (the same permutations as shuffling row indices), so the pass
    /// reads them sequentially; the factor rows of upcoming ratings are prefetched.
    void sgd_epochs(const data::interactions& log, std::size_t epochs);

    /// Constants of an SGD pass.
    struct sgd_settings {
        float lr, reg, breg, mu;
        std::size_t k;
        bool biases;
    };

    /// One pass of per-rating SGD over `rows`; returns the weighted sum of squared errors.
    CAUSALREC_MULTIVERSION static double sgd_pass(const detail::packed_rating* rows, std::size_t n, const double* weights, float* pf,
                                                  float* qf, float* bu, float* bi, sgd_settings s) {
        const std::size_t k = s.k;
        constexpr std::size_t ahead = 8;
        double loss = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
            if (j + ahead < n) {
                const char* np = reinterpret_cast<const char*>(pf + rows[j + ahead].user * k);
                const char* nq = reinterpret_cast<const char*>(qf + rows[j + ahead].item * k);
                for (std::size_t b = 0; b < k * sizeof(float); b += 64) {
                    __builtin_prefetch(np + b, 1);
                    __builtin_prefetch(nq + b, 1);
                }
            }
            const detail::packed_rating& x = rows[j];
            float* CAUSALREC_RESTRICT p = pf + x.user * k;
            float* CAUSALREC_RESTRICT q = qf + x.item * k;
            const float w = weights ? static_cast<float>(weights[x.row]) : 1.0f;
            const float e = x.value - (s.mu + bu[x.user] + bi[x.item] + linalg::dot(p, q, k));
            loss += static_cast<double>(w) * e * e;
            const float we = w * e;
            if (s.biases) {
                bu[x.user] += s.lr * (we - s.breg * bu[x.user]);
                bi[x.item] += s.lr * (we - s.breg * bi[x.item]);
            }
            for (std::size_t f = 0; f < k; ++f) {
                const float a = p[f], b = q[f];
                p[f] = a + s.lr * (we * b - s.reg * a);
                q[f] = b + s.lr * (we * a - s.reg * b);
            }
        }
        return loss;
    }

    mf_options options_;
    factor_model<float> model_{};       // factors, biases, global mean and log summary
    std::vector<double> losses_;
    std::vector<std::uint32_t> order_;  // rating order of the last SGD pass
    rng rng_{0};
    bool fitted_ = false;
};

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/mf.hpp"
#endif
