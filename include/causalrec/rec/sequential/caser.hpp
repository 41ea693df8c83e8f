#pragma once
/// @file
/// Caser (Tang & Wang, "Personalized Top-N Sequential Recommendation via Convolutional Sequence
/// Embedding", WSDM 2018): the last L items' embeddings form an L x d "image"; horizontal filters of
/// every height h = 1..L slide over it (conv1d over time, ReLU, max-pooled over time: union-level and
/// point-level sequential patterns), vertical filters take weighted sums of the L rows; both go
/// through dropout and a dense layer with ReLU to z, and [z, user embedding] scores each item with an
/// output table and bias. Trained with binary cross-entropy on the next T items of every window of a
/// user's sequence against uniformly sampled negatives, as the authors' code.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/blas.hpp"
#include "../../core/error.hpp"
#include "../../core/math.hpp"
#include "../../core/message.hpp"
#include "../../core/parameter.hpp"
#include "../../core/rng.hpp"
#include "../../core/shape_cache.hpp"
#include "../../core/tensor.hpp"
#include "../../data/interaction_log.hpp"
#include "../../data/sequences.hpp"
#include "../../nn/activations.hpp"
#include "../../nn/convolution.hpp"
#include "../../nn/dense.hpp"
#include "../../nn/dropout.hpp"
#include "../../nn/initializers.hpp"
#include "../common.hpp"
#include "../concepts.hpp"
#include "detail/serving.hpp"
#include "detail/touched_rows.hpp"
#include "detail/training.hpp"

namespace causalrec::rec {

/// Options of caser. The defaults are the authors' PyTorch code's (L 5, T 3, d 50, 16 horizontal
/// filters per height, 4 vertical filters, dropout 0.5, ReLU, 3 negatives per target, Adam lr 1e-3
/// with weight decay 1e-6, batch 512), except `epochs` (theirs: 50).
struct caser_options {
    std::size_t max_length = 5;          ///< L: the model reads the last L items (>= 1)
    std::size_t targets = 3;             ///< T: next items each training window predicts (>= 1)
    std::size_t hidden = 50;             ///< d: embedding width and the width of z (>= 1)
    std::size_t horizontal_filters = 16; ///< filters per height h = 1..L (>= 1)
    std::size_t vertical_filters = 4;    ///< vertical filters (>= 1)
    double dropout = 0.5;                ///< dropout on the convolution features, in [0, 1)
    std::size_t negatives = 3;           ///< uniformly sampled negatives per target (>= 1)
    double learning_rate = 1e-3;         ///< Adam step size (> 0)
    double weight_decay = 1e-6;          ///< Adam's L2 penalty (on the rows a step touches for the tables)
    std::size_t batch_size = 512;        ///< windows per step (>= 1)
    std::size_t epochs = 20;             ///< passes over the training windows (>= 1)
    std::uint64_t seed = 42;             ///< initial weights, dropout, batch order and negatives
    int verbose = 0;                     ///< train::fit's progress output (0 silent, 1 bar, 2 one line per epoch)
};

namespace detail {

/// The Caser network for value type T: item (with a zero padding row) and user embeddings, the
/// horizontal and vertical convolutions, the dense layer, and the output item table and biases.
template <class T>
class caser_net {
public:
    /// Value type.
    using value_type = T;

    /// A network for `n_items` items and `n_users` users.
    caser_net(std::size_t n_items, std::size_t n_users, const caser_options& o)
        : n_(n_items), users_(n_users), L_(o.max_length), d_(o.hidden), nh_(o.horizontal_filters), nv_(o.vertical_filters),
          item_((n_items + 1) * d_, T(0)), user_(n_users * d_), vertical_(nv_ * L_), vertical_bias_(nv_, T(0)), grad_vertical_(nv_ * L_),
          grad_vertical_bias_(nv_), output_(n_items * 2 * d_), output_bias_(n_items, T(0)), mean_user_(d_, T(0)),
          dropout_(o.dropout, o.seed + 1), fc_(nv_ * d_ + L_ * nh_, d_, {.seed = o.seed + 2}), vertical_shape_{nv_, L_}, vertical_bias_shape_{nv_} {
        rng engine(o.seed);
        // The authors draw embeddings from N(0, 1 / d); the padding row stays zero.
        for (std::size_t i = 0; i < n_items * d_; ++i) item_[i] = static_cast<T>(engine.normal(0.0, 1.0 / std::sqrt(static_cast<double>(d_))));
        for (auto& v : user_) v = static_cast<T>(engine.normal(0.0, 1.0 / std::sqrt(static_cast<double>(d_))));
        for (auto& v : output_) v = static_cast<T>(engine.normal(0.0, 1.0 / std::sqrt(2.0 * static_cast<double>(d_))));
        nn::initialize_weights(std::span<T>(vertical_), L_, nv_, nn::initializer::glorot_uniform, engine);
        for (std::size_t h = 1; h <= L_; ++h) {
            horizontal_.emplace_back(d_, nh_, h, nn::conv1d_options{.sequence_length = L_, .seed = engine.split()()});
            relus_.emplace_back();
            pools_.emplace_back(nn::pooling::max, L_ - h + 1);
        }
    }

    /// A network for the items and users of `train`.
    caser_net(const data::sequences& train, const caser_options& o) : caser_net(train.n_items(), train.n_users(), o) {}

    /// The representation [z, p_u] (B x 2d) of B windows: `inputs` (B * L item indices, padding = n_items)
    /// and `users` (B indices; n_users = no user, the mean user embedding).
    const matrix<T>& forward(std::span<const std::uint32_t> inputs, std::span<const std::uint32_t> users) {
        const std::size_t B = users.size(), L = L_, d = d_, width = nv_ * d + L * nh_;
        inputs_.assign(inputs.begin(), inputs.end());
        users_in_.assign(users.begin(), users.end());
        matrix<T>& x = embedded_.get(B * L, d);
        for (std::size_t r = 0; r < B * L; ++r) std::copy_n(item_.data() + static_cast<std::size_t>(inputs[r]) * d, d, x.data() + r * d);
        matrix<T>& features = features_.get(B, width);
        // Vertical: out_b (nv x d) = W_v (nv x L) X_b (L x d) + b_v.
        for (std::size_t b = 0; b < B; ++b) {
            T* out = features.data() + b * width;
            blas::gemm(false, false, nv_, d, L, T(1), vertical_.data(), L, x.data() + b * L * d, d, T(0), out, d);
            for (std::size_t v = 0; v < nv_; ++v)
                for (std::size_t j = 0; j < d; ++j) out[v * d + j] += vertical_bias_[v];
        }
        // Horizontal: per height h, conv (valid) -> ReLU -> max over time, nh values each.
        for (std::size_t h = 0; h < L; ++h) {
            const matrix<T>& pooled = pools_[h].forward(relus_[h].forward(horizontal_[h].forward(x)));
            for (std::size_t b = 0; b < B; ++b) std::copy_n(pooled.data() + b * nh_, nh_, features.data() + b * width + nv_ * d + h * nh_);
        }
        const matrix<T>& z = relu_fc_.forward(fc_.forward(dropout_.forward(features)));
        matrix<T>& rep = representation_.get(B, 2 * d);
        for (std::size_t b = 0; b < B; ++b) {
            std::copy_n(z.data() + b * d, d, rep.data() + b * 2 * d);
            const T* p = users[b] < users_ ? user_.data() + static_cast<std::size_t>(users[b]) * d : mean_user_.data();
            std::copy_n(p, d, rep.data() + b * 2 * d + d);
        }
        x_ = &x;
        return rep;
    }

    /// Given dL/d[z, p_u] (B x 2d), stores the dense parameters' gradients and adds the item and user
    /// rows' to the trackers (padding and unknown users get none).
    void backward(const matrix<T>& grad, touched_rows<T>& item_grad, touched_rows<T>& user_grad) {
        const std::size_t B = users_in_.size(), L = L_, d = d_, width = nv_ * d + L * nh_;
        matrix<T>& dz = dz_.get(B, d);
        for (std::size_t b = 0; b < B; ++b) {
            std::copy_n(grad.data() + b * 2 * d, d, dz.data() + b * d);
            if (users_in_[b] >= users_) continue;
            T* g = user_grad.row(users_in_[b]);
            for (std::size_t j = 0; j < d; ++j) g[j] += grad.data()[b * 2 * d + d + j];
        }
        const matrix<T>& dfeatures = dropout_.backward(fc_.backward(relu_fc_.backward(dz)));
        const matrix<T>& x = *x_;
        matrix<T>& dx = dx_.get(B * L, d);
        std::fill(dx.begin(), dx.end(), T(0));
        // Vertical: dW_v = sum_b dOut_b X_b^T, db_v, dX_b += W_v^T dOut_b.
        std::fill(grad_vertical_.begin(), grad_vertical_.end(), T(0));
        std::fill(grad_vertical_bias_.begin(), grad_vertical_bias_.end(), T(0));
        for (std::size_t b = 0; b < B; ++b) {
            const T* dout = dfeatures.data() + b * width;
            blas::gemm(false, true, nv_, L, d, T(1), dout, d, x.data() + b * L * d, d, T(1), grad_vertical_.data(), L);
            blas::gemm(true, false, L, d, nv_, T(1), vertical_.data(), L, dout, d, T(1), dx.data() + b * L * d, d);
            for (std::size_t v = 0; v < nv_; ++v)
                for (std::size_t j = 0; j < d; ++j) grad_vertical_bias_[v] += dout[v * d + j];
        }
        // Horizontal: back through pool, ReLU and conv of each height.
        for (std::size_t h = 0; h < L; ++h) {
            matrix<T>& dp = pooled_grad_.get(B, nh_);
            for (std::size_t b = 0; b < B; ++b) std::copy_n(dfeatures.data() + b * width + nv_ * d + h * nh_, nh_, dp.data() + b * nh_);
            const matrix<T>& dxh = horizontal_[h].backward(relus_[h].backward(pools_[h].backward(dp)));
            for (std::size_t i = 0; i < dx.size(); ++i) dx.data()[i] += dxh.data()[i];
        }
        for (std::size_t r = 0; r < B * L; ++r) {
            if (inputs_[r] == n_) continue;  // the padding row stays zero
            T* g = item_grad.row(inputs_[r]);
            for (std::size_t j = 0; j < d; ++j) g[j] += dx.data()[r * d + j];
        }
    }

    /// The dense parameters: vertical filters and biases, every horizontal convolution, the dense layer.
    std::vector<parameter_view<T>> dense_parameters() {
        std::vector<parameter_view<T>> views{{"vertical_weight", std::span<T>(vertical_), std::span<T>(grad_vertical_), vertical_shape_},
                                             {"vertical_bias", std::span<T>(vertical_bias_), std::span<T>(grad_vertical_bias_), vertical_bias_shape_}};
        for (auto& conv : horizontal_)
            for (const auto& p : conv.parameters()) views.push_back(p);
        for (const auto& p : fc_.parameters()) views.push_back(p);
        return views;
    }

    /// Every trained tensor (values and shapes; the tables' gradients live in the objective).
    std::vector<parameter_view<T>> parameters() {
        std::vector<parameter_view<T>> views{{.name = "item_embedding", .value = std::span<T>(item_), .shape = item_shape_},
                                             {.name = "user_embedding", .value = std::span<T>(user_), .shape = user_shape_},
                                             {.name = "output_weight", .value = std::span<T>(output_), .shape = output_shape_},
                                             {.name = "output_bias", .value = std::span<T>(output_bias_), .shape = output_bias_shape_}};
        for (const auto& p : dense_parameters()) views.push_back(p);
        return views;
    }

    /// Dropout on in training; leaving training refreshes the mean user embedding (unknown users).
    void set_training(bool training) {
        dropout_.set_training(training);
        if (training || users_ == 0) return;
        std::fill(mean_user_.begin(), mean_user_.end(), T(0));
        for (std::size_t u = 0; u < users_; ++u)
            for (std::size_t j = 0; j < d_; ++j) mean_user_[j] += user_[u * d_ + j];
        for (auto& v : mean_user_) v /= static_cast<T>(users_);
    }

    /// Item embeddings ((n_items + 1) x d, the last row the zero padding row).
    std::span<T> item_embedding() noexcept { return item_; }
    /// User embeddings (n_users x d).
    std::span<T> user_embedding() noexcept { return user_; }
    /// Output item table (n_items x 2d).
    std::span<T> output_weights() noexcept { return output_; }
    /// Output item biases (n_items).
    std::span<T> output_bias() noexcept { return output_bias_; }
    /// Output item table (n_items x 2d).
    std::span<const T> output_weights() const noexcept { return output_; }
    /// Output item biases (n_items).
    std::span<const T> output_bias() const noexcept { return output_bias_; }
    /// Number of items (the padding index).
    std::size_t n_items() const noexcept { return n_; }
    /// Number of users.
    std::size_t n_users() const noexcept { return users_; }
    /// L.
    std::size_t max_length() const noexcept { return L_; }
    /// d.
    std::size_t width() const noexcept { return d_; }

private:
    std::size_t n_, users_, L_, d_, nh_, nv_;
    std::vector<T> item_, user_, vertical_, vertical_bias_, grad_vertical_, grad_vertical_bias_, output_, output_bias_, mean_user_;
    std::vector<nn::conv1d<T>> horizontal_{};
    std::vector<nn::relu<T>> relus_{};
    std::vector<nn::temporal_pooling<T>> pools_{};
    nn::dropout<T> dropout_;
    nn::dense<T> fc_;
    nn::relu<T> relu_fc_{};
    std::array<std::size_t, 2> vertical_shape_;
    std::array<std::size_t, 1> vertical_bias_shape_;
    std::array<std::size_t, 2> item_shape_{n_ + 1, d_}, user_shape_{users_, d_}, output_shape_{n_, 2 * d_};
    std::array<std::size_t, 1> output_bias_shape_{n_};
    std::vector<std::uint32_t> inputs_{}, users_in_{};
    shape_cache<T> embedded_, features_, representation_, dz_, dx_, pooled_grad_;
    const matrix<T>* x_ = nullptr;
};

/// Caser's training objective over windows: for user u and position t >= 1 of the sequence s, the
/// inputs are the L items before t (left-padded) and the targets s_t .. s_{t+T-1} (those that exist);
/// binary cross-entropy of each target against `negatives` items drawn uniformly outside the user's
/// sequence, summed per window and averaged over the batch's windows.
template <class T>
class caser_objective {
public:
    /// Value type.
    using value_type = T;

    /// An objective over the windows of `train`.
    caser_objective(caser_net<T>& net, const data::sequences& train, const caser_options& o)
        : net_(&net), train_(&train), o_(o), engine_(o.seed + 7), item_grad_(net.n_items() + 1, net.width()),
          user_grad_(net.n_users(), net.width()), output_grad_(net.n_items(), 2 * net.width()), bias_grad_(net.n_items(), 1),
          stamp_(net.n_items(), 0) {
        for (std::size_t u = 0; u < train.n_users(); ++u) {
            const std::size_t n = train.length(u);
            if (n < 2) continue;
            // Windows start where a full set of T targets remains; a short sequence gets one window at t = 1.
            const std::size_t last = n > o.targets ? n - o.targets : 1;
            for (std::size_t t = 1; t <= last; ++t) windows_.push_back({static_cast<std::uint32_t>(u), static_cast<std::uint32_t>(t)});
        }
        if (windows_.empty()) throw argument_error("causalrec::rec::caser::fit: no sequence has two items or more");
    }

    /// Training windows.
    std::size_t samples() const noexcept { return windows_.size(); }
    /// Item and user embeddings, output table and biases (sparse: the step's rows), and the dense parameters.
    std::vector<parameter_view<T>> parameters() {
        std::vector<parameter_view<T>> views{item_grad_.view("item_embedding", net_->item_embedding()),
                                             user_grad_.view("user_embedding", net_->user_embedding()),
                                             output_grad_.view("output_weight", net_->output_weights()),
                                             bias_grad_.view("output_bias", net_->output_bias())};
        for (const auto& p : net_->dense_parameters()) views.push_back(p);
        return views;
    }
    /// Dropout on in training.
    void set_training(bool training) { net_->set_training(training); }

    /// The mean loss of the windows windows_[rows] (negatives drawn afresh), with the gradient in the parameters.
    double loss_and_gradient(std::span<const std::size_t> rows) {
        fill(rows);
        return loss_of_batch();
    }

    /// Fills the batch of windows_[rows]: inputs, users, targets and negatives.
    void fill(std::span<const std::size_t> rows) {
        const std::size_t B = rows.size(), L = o_.max_length, Tn = o_.targets, M = o_.negatives;
        const auto padding = static_cast<std::uint32_t>(net_->n_items());
        inputs_.assign(B * L, padding);
        users_.resize(B);
        targets_.assign(B * Tn, padding);
        negatives_.assign(B * Tn * M, padding);
        for (std::size_t b = 0; b < B; ++b) {
            const auto [u, t] = windows_.at(rows[b]);
            const auto s = train_->of(u);
            users_[b] = u;
            const std::size_t n_in = std::min<std::size_t>(t, L);
            for (std::size_t k = 0; k < n_in; ++k) inputs_[b * L + L - n_in + k] = s[t - n_in + k];
            if (++token_ == 0) {
                std::fill(stamp_.begin(), stamp_.end(), 0u);
                token_ = 1;
            }
            std::size_t distinct = 0;
            for (const auto item : s)
                if (stamp_[item] != token_) stamp_[item] = token_, ++distinct;
            if (distinct == stamp_.size())
                throw argument_error(causalrec::cat("causalrec::rec::caser::fit: user ", u, "'s sequence holds every item; no negative can be drawn"));
            for (std::size_t k = 0; k < Tn && t + k < s.size(); ++k) {
                targets_[b * Tn + k] = s[t + k];
                for (std::size_t m = 0; m < M; ++m) {
                    std::uint32_t item = 0;
                    do item = static_cast<std::uint32_t>(engine_.uniform_index(stamp_.size()));
                    while (stamp_[item] == token_);
                    negatives_[(b * Tn + k) * M + m] = item;
                }
            }
        }
    }

    /// The loss and gradient of the filled batch (for gradient checks: the same batch each call).
    double loss_of_batch() {
        const std::size_t B = users_.size(), Tn = o_.targets, M = o_.negatives, d2 = 2 * net_->width();
        const auto padding = static_cast<std::uint32_t>(net_->n_items());
        const matrix<T>& rep = net_->forward(inputs_, users_);
        matrix<T>& drep = rep_grad_.get(B, d2);
        std::fill(drep.begin(), drep.end(), T(0));
        item_grad_.clear();
        user_grad_.clear();
        output_grad_.clear();
        bias_grad_.clear();
        const auto W = net_->output_weights();
        const auto bias = net_->output_bias();
        const double inv = 1.0 / static_cast<double>(B);
        double loss = 0;
        for (std::size_t b = 0; b < B; ++b) {
            const T* x = rep.data() + b * d2;
            T* dx = drep.data() + b * d2;
            auto score = [&](std::uint32_t item, double label) {
                const T* w = W.data() + static_cast<std::size_t>(item) * d2;
                double s = bias[item];
                for (std::size_t j = 0; j < d2; ++j) s += static_cast<double>(x[j]) * w[j];
                const auto [l, g] = causalrec::bce_from_logits_and_derivative(s, label);
                loss += l;
                const T gs = static_cast<T>(g * inv);
                T* gw = output_grad_.row(item);
                for (std::size_t j = 0; j < d2; ++j) dx[j] += gs * w[j], gw[j] += gs * x[j];
                *bias_grad_.row(item) += gs;
            };
            for (std::size_t k = 0; k < Tn; ++k) {
                if (targets_[b * Tn + k] == padding) continue;
                score(targets_[b * Tn + k], 1.0);
                for (std::size_t m = 0; m < M; ++m) score(negatives_[(b * Tn + k) * M + m], 0.0);
            }
        }
        net_->backward(drep, item_grad_, user_grad_);
        return loss * inv;
    }

private:
    struct window {
        std::uint32_t user, position;
    };
    caser_net<T>* net_;
    const data::sequences* train_;
    caser_options o_;
    rng engine_;
    std::vector<window> windows_{};
    touched_rows<T> item_grad_, user_grad_, output_grad_, bias_grad_;
    std::vector<std::uint32_t> stamp_;
    std::uint32_t token_ = 0;
    std::vector<std::uint32_t> inputs_{}, users_{}, targets_{}, negatives_{};
    shape_cache<T> rep_grad_;
};

}  // namespace detail

/// Caser next-item recommender. The scores of a history for user u are [z, p_u] . w_i + b_i, z from
/// the history's last L items; a history without a known user (recommend_from_history, an unknown
/// user) uses the mean user embedding. Satisfies rec::Recommender.
class caser {
public:
    /// The model name in messages.
    static constexpr std::string_view model_name = "caser";

    /// A model with the given options; raises argument_error for an invalid option.
    explicit caser(caser_options options = {});
    /// Destroys the model (defined with the model's code, so that a program does not compile the network's destructor).
    ~caser();
    /// Moves the model.
    caser(caser&&) noexcept;
    /// Moves the model.
    caser& operator=(caser&&) noexcept;

    /// Trains on per-user sequences (each in time order); returns fit's history (loss per epoch).
    /// Raises argument_error when no sequence has two items or more.
    train::history fit(const data::sequences& train);

    /// Trains on a log turned into per-user sequences (timestamps, else file order).
    train::history fit(const data::interactions& log);

    /// Trains `epochs` more epochs from where fit (or the last continue_fit) stopped. Raises
    /// not_fitted_error before fit.
    train::history continue_fit(std::size_t epochs);

    /// Epochs trained so far (fit and continue_fit).
    std::size_t epochs_trained() const noexcept { return training_.epochs_trained(); }
    /// Number of items the model scores.
    std::size_t n_items() const noexcept { return training_.fitted() ? training_.net().n_items() : 0; }
    /// The training sequences of the last fit.
    const data::sequences& training_sequences() const noexcept { return training_.sequences(); }
    /// The options.
    const caser_options& options() const noexcept { return o_; }
    /// True after fit.
    bool is_fitted() const noexcept { return training_.fitted(); }

    /// The scores of `items` after `history` for user `user` (an index outside the training users:
    /// the mean user embedding). Raises not_fitted_error before fit and argument_error for an index
    /// out of range.
    std::vector<double> score_user_history(std::size_t user, std::span<const std::uint32_t> history, std::span<const std::size_t> items) const;

    /// The scores of `items` after `history` with the mean user embedding (an anonymous history).
    std::vector<double> score_history(std::span<const std::uint32_t> history, std::span<const std::size_t> items) const;

    /// The scores of every item after each of `histories` (one row per history, anonymous), by one GEMM.
    matrix<float> score_all(std::span<const std::span<const std::uint32_t>> histories) const;

    /// The k best items after each of `histories` (anonymous) (full ranking, nothing excluded), best first, ties to
    /// the lower index: blocked GEMMs over the item table with a running top k per history, without
    /// the full score matrix (score_all + top_items give the same lists, slower).
    matrix<std::size_t> top_items(std::span<const std::span<const std::uint32_t>> histories, std::size_t k) const;

    /// The k best items after `history` (anonymous), best first, without the history's items when
    /// exclude_seen: a new session from its first clicks.
    std::vector<scored_item> recommend_from_history(std::span<const std::uint32_t> history, std::size_t k, bool exclude_seen = true) const;

    /// The scores of `items` after the user's training sequence with the user's embedding (Recommender
    /// concept); a user without a training sequence gets zeros.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const;

    /// The k best items after the user's training sequence (Recommender concept); empty for a user
    /// without one.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const;

    /// True for a user with a training sequence.
    bool covers(std::size_t user) const noexcept { return is_fitted() && detail::has_training_sequence(*this, user); }

    /// The fitted model as a recommender file (options, training sequences, weights); save_recommender writes it.
    io::tensor_file to_file() const;

    /// A model read from a recommender file (continue_fit starts Adam afresh); raises format_error
    /// when it is not a valid caser file.
    static caser from_file(io::tensor_file file);

private:

    static constexpr std::size_t anonymous = static_cast<std::size_t>(-1);

    void check_options() const;

    // [z, p_u] rows for (user, history) pairs, in chunks of up to 512 (the last L items, left-padded).
    matrix<float> representations(std::span<const std::size_t> users, std::span<const std::span<const std::uint32_t>> histories) const;

    caser_options o_;
    detail::sequence_training<detail::caser_net<float>, detail::caser_objective<float>> training_;
};

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/caser.hpp"
#endif
