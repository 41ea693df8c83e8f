#pragma once
/// @file
/// Bayesian Personalized Ranking with matrix factorisation (BPR-MF; Rendle, Freudenthaler, Gantner
/// and Schmidt-Thieme, UAI 2009): user and item factors plus an optional item bias, learnt by SGD
/// on (user, positive item, sampled negative item) triples.

#include <algorithm>
#include <array>
#include <limits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/message.hpp"
#include "../core/math.hpp"
#include "../core/error.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../data/interactions.hpp"
#include "../io/safetensors.hpp"
#include "common.hpp"
#include "factor_model.hpp"
#include "concepts.hpp"
#include "persistence.hpp"

// Marks the three factor rows of an SGD step as non-overlapping, so the update loop vectorises
// (undefined again at the end of this header).
#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
#define CAUSALREC_BPR_RESTRICT __restrict
#else
#define CAUSALREC_BPR_RESTRICT
#endif

namespace causalrec::rec {

namespace detail {

/// A positive (user, item) pair of BPR training with where its user's training items start.
struct bpr_pair {
    std::uint64_t begin = 0;  ///< offset of the user's items in the seen-items array
    std::uint32_t user = 0;   ///< user index
    std::uint32_t item = 0;   ///< positive item index
    std::uint32_t count = 0;  ///< number of the user's training items
};

/// Hints the processor to fetch the cache line at `p` (no effect where unsupported).
inline void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

/// True when the ascending array first[0..n) holds `value` (branch-free binary search).
inline bool sorted_contains(const std::uint32_t* first, std::size_t n, std::uint32_t value) noexcept {
    if (n == 0) return false;
    while (n > 1) {
        const std::size_t half = n / 2;
        first = first[half] <= value ? first + half : first;
        n -= half;
    }
    return *first == value;
}

}  // namespace detail

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
class bpr {

public:
    /// The model name in files and messages.
    static constexpr std::string_view model_name = "bpr";

    /// A model with the given options; raises argument_error naming a bad option and its value.
    explicit bpr(bpr_options options = {}) : options_(options) {
        auto bad = [](double v, bool strict) { return !std::isfinite(v) || v < 0.0 || (strict && v == 0.0); };
        if (options_.factors == 0) throw argument_error(causalrec::cat(model_name, ": factors must be >= 1, got 0"));
        if (bad(options_.learning_rate, true))
            throw argument_error(causalrec::cat(model_name, ": learning_rate must be finite and > 0, got ", options_.learning_rate));
        if (bad(options_.l2, false))
            throw argument_error(causalrec::cat(model_name, ": l2 must be finite and >= 0, got ", options_.l2));
        if (bad(options_.bias_l2, false))
            throw argument_error(causalrec::cat(model_name, ": bias_l2 must be finite and >= 0, got ",
                                                        options_.bias_l2));
        if (bad(options_.init_std, false))
            throw argument_error(causalrec::cat(model_name, ": init_std must be finite and >= 0, got ", options_.init_std));
    }

    /// Trains on the log; raises numeric_error when a factor becomes non-finite (learning rate too high).
    void fit(const data::interactions& log) {
        auto summary = log_summary::of(log);
        const std::size_t nu = summary.n_users, ni = summary.n_items, f = options_.factors;
        matrix<float> p = make_matrix<float>(nu, f), q = make_matrix<float>(ni, f);
        vector<float> b = make_vector<float>(ni);
        rng engine(options_.seed);
        for (float& x : p) x = static_cast<float>(engine.normal(0.0, options_.init_std));
        for (float& x : q) x = static_cast<float>(engine.normal(0.0, options_.init_std));
        std::fill(b.begin(), b.end(), 0.0f);
        if (nu > std::numeric_limits<std::uint32_t>::max() || ni > std::numeric_limits<std::uint32_t>::max())
            throw argument_error(causalrec::cat(model_name, ": at most 2^32-1 users and items, the log has ", nu, " users and ",
                                                        ni, " items"));
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
        const std::size_t steps = seen.items.size();
        const auto lr = static_cast<float>(options_.learning_rate), reg = static_cast<float>(options_.l2),
                   breg = static_cast<float>(options_.bias_l2);
        const bool use_bias = options_.item_bias;
        float* const pd = p.data();
        float* const qd = q.data();
        float* const bd = b.data();
        // The pairs of the next steps are drawn ahead, so that their memory is fetched while the
        // current step computes (sampling is memory-bound on large logs): the pair of step s + 4 is
        // drawn at step s, and the rows of step s + 2 are requested.
        constexpr std::size_t ahead = 4;
        std::array<std::size_t, ahead> ring{};
        std::size_t pos = 0;
        auto draw = [&] { return static_cast<std::size_t>(engine.uniform_index(pairs.size())); };
        if (options_.epochs > 0 && !pairs.empty())
            for (auto& r : ring) r = draw();
        for (std::size_t epoch = 0; epoch < options_.epochs && !pairs.empty(); ++epoch) {
            for (std::size_t s = 0; s < steps; ++s) {
                const detail::bpr_pair pair = pairs[ring[pos]];
                ring[pos] = draw();
                detail::prefetch(&pairs[ring[pos]]);
                const detail::bpr_pair& coming = pairs[ring[(pos + 2) % ahead]];
                pos = (pos + 1) % ahead;
                detail::prefetch(seen_items.data() + coming.begin + coming.count / 2);
                detail::prefetch(pd + std::size_t{coming.user} * f);
                detail::prefetch(qd + std::size_t{coming.item} * f);
                const std::size_t u = pair.user, i = pair.item;
                const std::uint32_t* const user_items = seen_items.data() + pair.begin;
                std::size_t j;
                do j = static_cast<std::size_t>(engine.uniform_index(ni));
                while (detail::sorted_contains(user_items, pair.count, static_cast<std::uint32_t>(j)));
                float* CAUSALREC_BPR_RESTRICT const pu = pd + u * f;  // three distinct rows (i != j)
                float* CAUSALREC_BPR_RESTRICT const qi = qd + i * f;
                float* CAUSALREC_BPR_RESTRICT const qj = qd + j * f;
                float x = bd[i] - bd[j];
                for (std::size_t k = 0; k < f; ++k) x += pu[k] * (qi[k] - qj[k]);
                const float g = causalrec::sigmoid(-x);  // sigma(-x) = d ln sigma(x) / dx
                for (std::size_t k = 0; k < f; ++k) {
                    const float a = pu[k], c = qi[k], d = qj[k];
                    pu[k] = a + lr * (g * (c - d) - reg * a);
                    qi[k] = c + lr * (g * a - reg * c);
                    qj[k] = d + lr * (-g * a - reg * d);
                }
                if (use_bias) {
                    bd[i] += lr * (g - breg * bd[i]);
                    bd[j] += lr * (-g - breg * bd[j]);
                }
            }
            check_finite(p, q, b, epoch);
        }
        for (std::size_t u = 0; u < nu; ++u)
            if (!summary.has_history(u)) std::fill(pd + u * f, pd + (u + 1) * f, 0.0f);
        model_.factors = f;
        model_.user_factors.assign(p.begin(), p.end());
        model_.item_factors.assign(q.begin(), q.end());
        model_.item_bias.assign(b.begin(), b.end());
        model_.log = std::move(summary);
        fitted_ = true;
    }

    /// True after fit().
    bool is_fitted() const noexcept { return fitted_; }
    /// The options.
    const bpr_options& options() const noexcept { return options_; }
    /// Users of the training log.
    std::size_t n_users() const noexcept { return model_.n_users(); }
    /// Items of the training log.
    std::size_t n_items() const noexcept { return model_.n_items(); }
    /// User factors P, row-major n_users x factors (zero rows for users without training items).
    std::span<const float> user_factors() const {
        detail::require_fitted(fitted_, model_name);
        return model_.user_factors;
    }
    /// Item factors Q, row-major n_items x factors.
    std::span<const float> item_factors() const {
        detail::require_fitted(fitted_, model_name);
        return model_.item_factors;
    }
    /// Item bias b (n_items; zeros when item_bias is false).
    std::span<const float> item_bias() const {
        detail::require_fitted(fitted_, model_name);
        return model_.item_bias;
    }
    /// The trained factors, item bias and log summary.
    const factor_model<float>& factors() const {
        detail::require_fitted(fitted_, model_name);
        return model_;
    }
    /// The training log's user id map (empty when it had none).
    const data::id_map& user_ids() const noexcept { return model_.log.user_ids; }
    /// The training log's item id map (empty when it had none).
    const data::id_map& item_ids() const noexcept { return model_.log.item_ids; }

    /// True when `user` is a training user with at least one training item.
    bool covers(std::size_t user) const noexcept { return fitted_ && model_.covers(user); }

    /// Scores <p_u, q_i> + b_i of `items`; raises not_fitted_error before fit and argument_error for
    /// an item index out of range.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const {
        detail::require_fitted(fitted_, model_name);
        return model_.score(user, items, model_name);
    }

    /// The k best-scored items, best first (ties: lower item index), without the user's training
    /// items when exclude_seen is true.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const {
        detail::require_fitted(fitted_, model_name);
        return model_.recommend(user, k, exclude_seen);
    }

    /// The model as a recommender file (options, log summary, factors and bias as F32 tensors).
    io::tensor_file to_file() const {
        detail::require_fitted(fitted_, model_name);
        const nlohmann::json opts = {{"factors", options_.factors},
                                     {"epochs", options_.epochs},
                                     {"learning_rate", options_.learning_rate},
                                     {"l2", options_.l2},
                                     {"bias_l2", options_.bias_l2},
                                     {"item_bias", options_.item_bias},
                                     {"init_std", options_.init_std},
                                     {"seed", options_.seed}};
        io::tensor_file f = begin_recommender_file(model_name, opts, model_.log);
        model_.write(f);
        return f;
    }

    /// Reads a model written by to_file(); raises format_error when the file is not a bpr recommender
    /// file, an option is invalid, or a tensor has the wrong dtype or shape.
    static bpr from_file(io::tensor_file file) {
        auto opened = open_recommender_file(std::move(file), model_name);
        const std::string where = opened.file.source().empty() ? std::string("<memory>") : opened.file.source();
        bpr_options o{.factors = saved_option<std::size_t>(opened, "factors"),
                      .epochs = saved_option<std::size_t>(opened, "epochs"),
                      .learning_rate = saved_option<double>(opened, "learning_rate"),
                      .l2 = saved_option<double>(opened, "l2"),
                      .bias_l2 = saved_option<double>(opened, "bias_l2"),
                      .item_bias = saved_option<bool>(opened, "item_bias"),
                      .init_std = saved_option<double>(opened, "init_std"),
                      .seed = saved_option<std::uint64_t>(opened, "seed")};
        bpr m = [&] {
            try {
                return bpr(o);
            } catch (const argument_error& e) {
                throw format_error(causalrec::cat(where, ": ", e.what()));
            }
        }();
        m.model_ = factor_model<float>::read(opened, o.factors, false, true);
        m.fitted_ = true;
        return m;
    }

private:
    static void check_finite(const matrix<float>& p, const matrix<float>& q, const vector<float>& b, std::size_t epoch) {
        auto finite = [](const float* x, std::size_t n) {
            for (std::size_t k = 0; k < n; ++k)
                if (!std::isfinite(x[k])) return false;
            return true;
        };
        if (!finite(p.data(), p.size()) || !finite(q.data(), q.size()) || !finite(b.data(), b.size()))
            throw numeric_error(causalrec::cat(model_name, ": a parameter became non-finite in epoch ", epoch + 1,
                                                       "; lower learning_rate or init_std"));
    }

    bpr_options options_{};
    factor_model<float> model_{};  // factors, item bias and log summary
    bool fitted_ = false;
};

}  // namespace causalrec::rec

#undef CAUSALREC_BPR_RESTRICT
