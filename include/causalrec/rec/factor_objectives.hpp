#pragma once
/// @file
/// The training objectives of the SGD-trained factor models, run by train::fit with any optim::
/// optimizer: the squared-error rating objective of matrix_factorization's mini-batch training and
/// BPR's pairwise log-loss over sampled (user, positive, negative) triples, both writing sparse
/// gradients (the touched rows of a factor_model's factor and bias arrays).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/linalg.hpp"
#include "../core/math.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "factor_model.hpp"

namespace causalrec::rec::detail {

/// Hints the processor to fetch the cache line at `p` (no effect where unsupported).
inline void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

/// Sparse gradients of a factor_model<float>'s factor and bias arrays, seen by optimizers as parameter
/// views ("user_factors", "item_factors", then "user_bias" and "item_bias" when they are trained) with
/// packed gradient rows (parameter_view::packed_grad): a batch's gradient memory is its touched rows
/// only, so a step never reads or writes gradient memory of the rest of the tables. Within a batch a
/// row's gradient is zeroed when the row is first touched, and each touched row is listed once.
class factor_gradients {
public:
    /// Gradients for `model`'s factors (factors >= 1; the row counts are read off the arrays) and,
    /// when asked, its user and item biases (the arrays must not be resized while this object is used).
    factor_gradients(factor_model<float>& model, bool user_biases, bool item_biases)
        : k_(model.factors),
          user_biases_(user_biases),
          item_biases_(item_biases),
          user_slot_(model.user_factors.size() / k_, 0),
          item_slot_(model.item_factors.size() / k_, 0),
          p_shape_{user_slot_.size(), k_},
          q_shape_{item_slot_.size(), k_},
          bu_shape_{user_slot_.size()},
          bi_shape_{item_slot_.size()} {
        views_.push_back({.name = "user_factors", .value = model.user_factors, .shape = p_shape_, .sparse = true,
                          .row_size = k_, .packed_grad = true});
        views_.push_back({.name = "item_factors", .value = model.item_factors, .shape = q_shape_, .sparse = true,
                          .row_size = k_, .packed_grad = true});
        if (user_biases_)
            views_.push_back({.name = "user_bias", .value = model.user_bias, .shape = bu_shape_, .sparse = true,
                              .row_size = 1, .packed_grad = true});
        if (item_biases_)
            views_.push_back({.name = "item_bias", .value = model.item_bias, .shape = bi_shape_, .sparse = true,
                              .row_size = 1, .packed_grad = true});
    }
    factor_gradients(const factor_gradients&) = delete;             // the views point into this object
    factor_gradients& operator=(const factor_gradients&) = delete;  // the views point into this object

    /// Starts a batch: no row is touched.
    void begin_batch() noexcept {
        if (++batch_ == 0) {  // the 32-bit batch counter wrapped: forget every mark
            std::fill(user_slot_.begin(), user_slot_.end(), 0);
            std::fill(item_slot_.begin(), item_slot_.end(), 0);
            batch_ = 1;
        }
        users_.clear();
        items_.clear();
    }

    /// Marks user `u` touched (a zero gradient row on the first touch of the batch) and returns its
    /// packed position.
    std::size_t touch_user(std::size_t u) { return touch(u, user_slot_, users_, gp_, gbu_, user_biases_); }
    /// Marks item `i` touched (a zero gradient row on the first touch of the batch) and returns its
    /// packed position.
    std::size_t touch_item(std::size_t i) { return touch(i, item_slot_, items_, gq_, gbi_, item_biases_); }

    /// The gradient row of p_u at packed position `slot` (from touch_user).
    float* user_row(std::size_t slot) noexcept { return gp_.data() + slot * k_; }
    /// The gradient row of q_i at packed position `slot` (from touch_item).
    float* item_row(std::size_t slot) noexcept { return gq_.data() + slot * k_; }
    /// The gradient of b_u at packed position `slot` (user biases trained).
    float& user_bias(std::size_t slot) noexcept { return gbu_[slot]; }
    /// The gradient of b_i at packed position `slot` (item biases trained).
    float& item_bias(std::size_t slot) noexcept { return gbi_[slot]; }

    /// The parameter views with this batch's touched rows and packed gradients.
    std::span<const parameter_view<float>> views() noexcept {
        views_[0].touched_rows = users_;
        views_[0].grad = std::span<float>(gp_.data(), users_.size() * k_);
        views_[1].touched_rows = items_;
        views_[1].grad = std::span<float>(gq_.data(), items_.size() * k_);
        std::size_t v = 2;
        if (user_biases_) {
            views_[v].touched_rows = users_;
            views_[v++].grad = std::span<float>(gbu_.data(), users_.size());
        }
        if (item_biases_) {
            views_[v].touched_rows = items_;
            views_[v].grad = std::span<float>(gbi_.data(), items_.size());
        }
        return views_;
    }

private:
    // Row -> (batch << 32 | packed position); a row is touched in this batch when its high half is batch_.
    std::size_t touch(std::size_t row, std::vector<std::uint64_t>& slot_of, std::vector<std::size_t>& touched,
                      std::vector<float>& rows, std::vector<float>& bias, bool with_bias) {
        const std::uint64_t entry = slot_of[row];
        if ((entry >> 32) == batch_) return static_cast<std::size_t>(entry & 0xFFFFFFFFu);
        const std::size_t slot = touched.size();
        slot_of[row] = (std::uint64_t{batch_} << 32) | slot;
        touched.push_back(row);
        if (rows.size() < (slot + 1) * k_) {
            rows.resize(std::max(2 * rows.size(), (slot + 1) * k_));
            if (with_bias) bias.resize(rows.size() / k_);
        }
        std::fill_n(rows.data() + slot * k_, k_, 0.0f);
        if (with_bias) bias[slot] = 0.0f;
        return slot;
    }

    std::size_t k_;
    bool user_biases_, item_biases_;
    std::vector<std::uint64_t> user_slot_, item_slot_;
    std::uint32_t batch_ = 0;
    std::vector<std::size_t> users_{}, items_{};
    std::vector<float> gp_{}, gq_{}, gbu_{}, gbi_{};
    std::array<std::size_t, 2> p_shape_, q_shape_;
    std::array<std::size_t, 1> bu_shape_, bi_shape_;
    std::vector<parameter_view<float>> views_{};
};

/// One rating as matrix_factorization's passes read it (16 bytes, stored in the current shuffled order).
struct packed_rating {
    std::uint32_t user, item;  ///< indices
    float value;               ///< rating
    std::uint32_t row;         ///< log row (for the weight, and to keep the order between calls)
};

/// The constants of matrix_factorization's rating objective.
struct rating_terms {
    float l2 = 0.0f;       ///< L2 weight of the factors, per rating
    float bias_l2 = 0.0f;  ///< L2 weight of the biases, per rating
    bool biases = true;    ///< train b_u and b_i (false: they stay as they are)
};

/// matrix_factorization's mini-batch objective: the batch mean of
/// 1/2 w (r - r_hat)^2 + 1/2 l2 (|p_u|^2 + |q_i|^2) + 1/2 bias_l2 (b_u^2 + b_i^2). Sample s of an epoch
/// is the s-th rating of `ratings`, which begin_epoch reshuffles with `engine` (train::fit runs it
/// without shuffling its own order), so that batch size 1 with plain SGD replays per-rating SGD.
/// loss_and_gradient returns the batch's weighted mean squared error w e^2 (what epoch_losses reports).
class rating_objective {
public:
    using value_type = float;  ///< the parameters' element type

    /// The objective of `model` (initialised, with the global mean as offset) on `ratings`;
    /// `weights` (indexed by log row) may be null. All must outlive the objective.
    rating_objective(factor_model<float>& model, std::vector<packed_rating>& ratings, const double* weights,
                     rating_terms terms, rng& engine)
        : model_(&model), ratings_(&ratings), weights_(weights), terms_(terms), engine_(&engine),
          grads_(model, terms.biases, terms.biases) {}

    /// Ratings per epoch.
    std::size_t samples() const noexcept { return ratings_->size(); }
    /// The four sparse parameter views (two without biases), with the last batch's touched rows.
    std::span<const parameter_view<float>> parameters() noexcept { return grads_.views(); }
    /// Reshuffles the ratings.
    void begin_epoch(std::size_t) { engine_->shuffle(std::span<packed_rating>(*ratings_)); }

    /// The batch's weighted mean squared error; writes the gradient of the batch-mean objective.
    double loss_and_gradient(std::span<const std::size_t> batch) {
        factor_model<float>& m = *model_;
        const std::size_t k = m.factors;
        const bool biases = terms_.biases;
        const float inv_b = 1.0f / static_cast<float>(batch.size());
        const float mu = static_cast<float>(m.offset), rg = terms_.l2 * inv_b, brg = terms_.bias_l2 * inv_b;
        const packed_rating* rows = ratings_->data();
        grads_.begin_batch();
        double loss = 0.0;
        for (const std::size_t s : batch) {
            const packed_rating& x = rows[s];
            const std::size_t su = grads_.touch_user(x.user), si = grads_.touch_item(x.item);
            const std::size_t u = x.user, i = x.item;
            const float* CAUSALREC_RESTRICT p = m.user_factors.data() + u * k;
            const float* CAUSALREC_RESTRICT q = m.item_factors.data() + i * k;
            const float bias = biases ? m.user_bias[u] + m.item_bias[i] : 0.0f;
            const float e = x.value - (mu + bias + linalg::dot(p, q, k));
            const float w = weights_ ? static_cast<float>(weights_[x.row]) : 1.0f;
            loss += static_cast<double>(w) * e * e;
            const float we = w * e * inv_b;
            float* CAUSALREC_RESTRICT dp = grads_.user_row(su);
            float* CAUSALREC_RESTRICT dq = grads_.item_row(si);
            for (std::size_t f = 0; f < k; ++f) {
                dp[f] += rg * p[f] - we * q[f];
                dq[f] += rg * q[f] - we * p[f];
            }
            if (biases) {
                grads_.user_bias(su) += brg * m.user_bias[u] - we;
                grads_.item_bias(si) += brg * m.item_bias[i] - we;
            }
        }
        return loss / static_cast<double>(batch.size());
    }

private:
    factor_model<float>* model_;
    std::vector<packed_rating>* ratings_;
    const double* weights_;
    rating_terms terms_;
    rng* engine_;
    factor_gradients grads_;
};

/// A positive (user, item) pair of BPR training with where its user's training items start.
struct bpr_pair {
    std::uint64_t begin = 0;  ///< offset of the user's items in the seen-items array
    std::uint32_t user = 0;   ///< user index
    std::uint32_t item = 0;   ///< positive item index
    std::uint32_t count = 0;  ///< number of the user's training items
};

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

/// The constants of BPR's objective.
struct bpr_terms {
    float l2 = 0.0f;       ///< L2 weight of the factors of a triple
    float bias_l2 = 0.0f;  ///< L2 weight of the item biases of a triple
    bool item_bias = true; ///< train b_i (false: the biases stay as they are and x_uij ignores them)
};

/// BPR-Opt as a minimisation objective (Rendle et al., UAI 2009): the batch mean over sampled triples of
///   -ln sigma(x_uij) + l2/2 (|p_u|^2 + |q_i|^2 + |q_j|^2) + bias_l2/2 (b_i^2 + b_j^2),
/// x_uij = <p_u, q_i - q_j> + b_i - b_j. Each sample of a batch is one draw, as in LearnBPR: a positive
/// pair uniformly (with replacement), then a negative item uniformly among the items its user has no
/// training interaction with (rejection sampling); the sample index itself is not used, so train::fit
/// runs it without shuffling. loss_and_gradient returns the batch mean of -ln sigma(x_uij).
class bpr_objective {
public:
    using value_type = float;  ///< the parameters' element type

    /// The objective of `model` (initialised factors and item bias) over
    /// `pairs`, whose user items are ascending runs of `seen_items`; `samples` draws per epoch. The
    /// model, arrays and engine must outlive the objective; `pairs` must not be empty.
    bpr_objective(factor_model<float>& model, const std::vector<bpr_pair>& pairs,
                  const std::vector<std::uint32_t>& seen_items, std::size_t samples, bpr_terms terms, rng& engine)
        : model_(&model), pairs_(&pairs), seen_(&seen_items), samples_(samples), terms_(terms), engine_(&engine),
          grads_(model, false, terms.item_bias) {
        for (auto& r : ring_) r = draw();
        advance();
    }

    /// Draws per epoch.
    std::size_t samples() const noexcept { return samples_; }
    /// The sparse views of the factors (and item bias), with the last batch's touched rows.
    std::span<const parameter_view<float>> parameters() noexcept { return grads_.views(); }

    /// The batch mean of -ln sigma(x_uij) over batch.size() fresh triples; writes the gradient of the
    /// regularised batch mean.
    double loss_and_gradient(std::span<const std::size_t> batch) {
        factor_model<float>& m = *model_;
        const std::size_t f = m.factors;
        const bool bias = terms_.item_bias;
        const float scale = 1.0f / static_cast<float>(batch.size());
        const float rg = terms_.l2, brg = terms_.bias_l2;
        float* const pd = m.user_factors.data();
        float* const qd = m.item_factors.data();
        float* const bd = m.item_bias.data();
        grads_.begin_batch();
        double loss = 0.0;
        for (std::size_t s = 0; s < batch.size(); ++s) {
            const bpr_pair pair = next_pair_;
            const std::size_t u = pair.user, i = pair.item, j = next_negative_;
            advance();
            const float* pu = pd + u * f;  // three distinct rows (i != j)
            const float* qi = qd + i * f;
            const float* qj = qd + j * f;
            float x = bias ? bd[i] - bd[j] : 0.0f;
            for (std::size_t k = 0; k < f; ++k) x += pu[k] * (qi[k] - qj[k]);
            loss += static_cast<double>(causalrec::softplus(-x));
            const float g = causalrec::sigmoid(-x) * scale;  // -d(-ln sigma(x))/dx, over the batch
            const std::size_t su = grads_.touch_user(u), si = grads_.touch_item(i), sj = grads_.touch_item(j);
            add_triple_gradient(pu, qi, qj, grads_.user_row(su), grads_.item_row(si), grads_.item_row(sj), f, g,
                                rg * scale);
            if (bias) {
                grads_.item_bias(si) += brg * scale * bd[i] - g;
                grads_.item_bias(sj) += brg * scale * bd[j] + g;
            }
        }
        return loss / static_cast<double>(batch.size());
    }

private:
    /// Adds the factor gradient of one triple (g = sigma(-x) over the batch, r = l2 over the batch).
    static void add_triple_gradient(const float* CAUSALREC_RESTRICT pu, const float* CAUSALREC_RESTRICT qi,
                                    const float* CAUSALREC_RESTRICT qj, float* CAUSALREC_RESTRICT dpu,
                                    float* CAUSALREC_RESTRICT dqi, float* CAUSALREC_RESTRICT dqj, std::size_t f,
                                    float g, float r) noexcept {
        for (std::size_t k = 0; k < f; ++k) {
            const float a = pu[k], c = qi[k], d = qj[k];
            dpu[k] += r * a - g * (c - d);
            dqi[k] += r * c - g * a;
            dqj[k] += r * d + g * a;
        }
    }

    std::size_t draw() { return static_cast<std::size_t>(engine_->uniform_index(pairs_->size())); }

    /// Requests the `bytes` bytes at `p`, one cache line at a time.
    static void prefetch_row(const float* p, std::size_t bytes) noexcept {
        const char* c = reinterpret_cast<const char*>(p);
        for (std::size_t b = 0; b < bytes; b += 64) prefetch(c + b);
    }

    /// Draws the next triple and requests the memory of the coming ones (sampling is memory-bound):
    /// the pair of draw t + 8 is drawn at draw t, the seen items and rows of draw t + 4 are requested,
    /// and the negative item of draw t + 1 is sampled (its seen items were requested at draw t - 3)
    /// and its rows requested.
    void advance() {
        const std::vector<bpr_pair>& pairs = *pairs_;
        const factor_model<float>& m = *model_;
        const std::size_t f = m.factors, ni = m.item_factors.size() / f, bytes = f * sizeof(float);
        const std::uint32_t* const seen = seen_->data();
        next_pair_ = pairs[ring_[pos_]];
        ring_[pos_] = draw();
        prefetch(&pairs[ring_[pos_]]);
        const bpr_pair& coming = pairs[ring_[(pos_ + 4) % ahead]];
        pos_ = (pos_ + 1) % ahead;
        prefetch(seen + coming.begin + coming.count / 2);
        prefetch_row(m.user_factors.data() + std::size_t{coming.user} * f, bytes);
        prefetch_row(m.item_factors.data() + std::size_t{coming.item} * f, bytes);
        std::size_t j;
        do j = static_cast<std::size_t>(engine_->uniform_index(ni));
        while (sorted_contains(seen + next_pair_.begin, next_pair_.count, static_cast<std::uint32_t>(j)));
        next_negative_ = j;
        prefetch_row(m.item_factors.data() + j * f, bytes);
    }

    static constexpr std::size_t ahead = 8;
    factor_model<float>* model_;
    const std::vector<bpr_pair>* pairs_;
    const std::vector<std::uint32_t>* seen_;
    std::size_t samples_;
    bpr_terms terms_;
    rng* engine_;
    factor_gradients grads_;
    std::array<std::size_t, ahead> ring_{};
    std::size_t pos_ = 0;
    bpr_pair next_pair_{};           // the pair of the next triple
    std::size_t next_negative_ = 0;  // its negative item
};

}  // namespace causalrec::rec::detail
