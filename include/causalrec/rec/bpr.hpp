#pragma once
/// @file
/// Bayesian Personalized Ranking with matrix factorisation (BPR-MF; Rendle, Freudenthaler, Gantner
/// and Schmidt-Thieme, UAI 2009): user and item factors plus an optional item bias, learnt by SGD
/// on (user, positive item, sampled negative item) triples.

#include <algorithm>
#include <limits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/math.hpp"
#include "../core/error.hpp"
#include "../core/rng.hpp"
#include "../data/interactions.hpp"
#include "../optim/concepts.hpp"
#include "../optim/sgd.hpp"
#include "../train/loop.hpp"
#include "../io/safetensors.hpp"
#include "common.hpp"
#include "factor_model.hpp"
#include "factor_recommender.hpp"
#include "factor_objectives.hpp"
#include "concepts.hpp"
#include "persistence.hpp"

namespace causalrec::rec {

/// Options of bpr.
struct bpr_options {
    std::size_t factors = 32;         ///< latent dimension (>= 1)
    std::size_t epochs = 30;          ///< passes; one pass = as many triples as distinct positive pairs (0 = keep the initial factors)
    double learning_rate = 0.05;      ///< SGD step size (> 0)
    double l2 = 0.01;     ///< L2 weight of the user and item factors (>= 0)
    double bias_l2 = 0.0; ///< L2 weight of the item bias (>= 0)
    bool item_bias = true;            ///< learn an item bias b_i (false: b = 0)
    double init_std = 0.1;            ///< factors start as N(0, init_std^2) draws (>= 0)
    std::uint64_t seed = 42;          ///< seed of the initialisation and the triple sampling
};

/// BPR-MF. Every distinct (user, item) pair of the training log is a positive (values are ignored).
/// One SGD step draws a positive pair (u, i) uniformly, then an item j uniformly among the items u
/// has no training interaction with (rejection sampling), and takes a gradient-ascent step on
///   ln sigma(x_uij) - reg/2 (|p_u|^2 + |q_i|^2 + |q_j|^2) - bias_reg/2 (b_i^2 + b_j^2),
/// x_uij = <p_u, q_i - q_j> + b_i - b_j, all parameters updated from their values before the step
/// (Rendle et al.'s LearnBPR). Users that interacted with every item yield no triple. Training is
/// sequential: the same seed gives bit-identical factors for any thread count. Factors are stored
/// as float; score(u, i) = b_i + <p_u, q_i> accumulated in double (rec::factor_model). A user without
/// training items (also one beyond the training range) has p_u = 0 and scores b_i (not covered).
class bpr : public factor_recommender<bpr> {
    friend class factor_recommender<bpr>;

public:
    /// The model name in files and messages.
    static constexpr std::string_view model_name = "bpr";


    /// A model with the given options; raises argument_error naming a bad option and its value.
    explicit bpr(bpr_options options = {});

    /// Trains on the log by LearnBPR: plain SGD (optim::sgd, options().learning_rate) on one sampled
    /// triple per step; returns the History (per epoch, the mean -ln sigma(x_uij) of its triples).
    /// Raises numeric_error when the loss becomes non-finite (learning rate or init_std too high).
    train::history fit(const data::interactions& log);

    /// Trains on the log with `optimizer` (any optimizer of float parameters that updates sparse rows)
    /// on batches of `batch_size` sampled triples, the objective being their mean (see
    /// rec::detail::bpr_objective); `callbacks` are fit callbacks. options().learning_rate is ignored
    /// (the optimizer has its own). Returns the History.
    template <class Opt, class... Callbacks>
        requires optim::Optimizer<std::remove_cvref_t<Opt>, float>
    train::history fit(const data::interactions& log, Opt&& optimizer, std::size_t batch_size = 1,
                       Callbacks&&... callbacks) {
        if (batch_size == 0) throw argument_error(causalrec::cat(qualified("rec", model_name), "::fit: batch_size must be >= 1, got 0"));
        detail::require_nonempty_log(log, model_name);
        auto summary = log_summary::of(log);
        const std::size_t nu = summary.n_users, ni = summary.n_items, f = options_.factors;
        if (nu > std::numeric_limits<std::uint32_t>::max() || ni > std::numeric_limits<std::uint32_t>::max())
            throw argument_error(causalrec::error_message("rec", model_name, "at most 2^32-1 users and items, the log has ", nu,
                                                " users and ", ni, " items"));
        fitted_ = false;
        factor_model<float> m;
        m.factors = f;
        m.user_factors.resize(nu * f);
        m.item_factors.resize(ni * f);
        m.item_bias.assign(ni, 0.0f);
        rng engine(options_.seed);
        for (float& x : m.user_factors) x = static_cast<float>(engine.normal(0.0, options_.init_std));
        for (float& x : m.item_factors) x = static_cast<float>(engine.normal(0.0, options_.init_std));
        // The positive pairs that can form a triple (their user has some item to sample as negative),
        // each with the position of its user's training items: one cache line per sampled pair.
        const auto& seen = summary.seen;
        const std::vector<std::uint32_t> seen_items(seen.items.begin(), seen.items.end());
        std::vector<detail::bpr_pair> pairs;
        pairs.reserve(seen.items.size());
        for (std::size_t u = 0; u < nu; ++u) {
            const std::size_t begin = seen.row_ptr[u], count = seen.row_ptr[u + 1] - begin;
            if (count >= ni) continue;
            for (std::size_t k = begin; k < begin + count; ++k)
                pairs.push_back({begin, static_cast<std::uint32_t>(u), seen_items[k], static_cast<std::uint32_t>(count)});
        }
        train::history record;
        if (options_.epochs > 0 && !pairs.empty()) {
            detail::bpr_objective objective(m, pairs, seen_items, seen.items.size(),
                                            {.l2 = static_cast<float>(options_.l2),
                                             .bias_l2 = static_cast<float>(options_.bias_l2),
                                             .item_bias = options_.item_bias},
                                            engine);
            record = train::fit(objective, optimizer,
                                {.epochs = options_.epochs, .batch_size = batch_size, .shuffle = false, .verbose = 0},
                                std::forward<Callbacks>(callbacks)...);
        }
        for (std::size_t u = 0; u < nu; ++u)
            if (!summary.has_history(u)) std::fill_n(m.user_factors.data() + u * f, f, 0.0f);
        m.log = std::move(summary);
        model_ = std::move(m);
        fitted_ = true;
        return record;
    }

    /// The options.
    const bpr_options& options() const noexcept { return options_; }
    /// Item bias b (n_items; zeros when item_bias is false).
    std::span<const float> item_bias() const;

    /// The model as a recommender file (options, log summary, factors and bias as F32 tensors).
    io::tensor_file to_file() const;

    /// Reads a model written by to_file(); raises format_error when the file is not a bpr recommender
    /// file, an option is invalid, or a tensor has the wrong dtype or shape.
    static bpr from_file(io::tensor_file file);

private:

    bpr_options options_{};
    factor_model<float> model_{};  // factors, item bias and log summary
    bool fitted_ = false;
};

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/bpr.hpp"
#endif
