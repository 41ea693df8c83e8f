#pragma once
/// @file
/// GRU4Rec (Hidasi, Karatzoglou, Baltrunas & Tikk, "Session-based Recommendations with Recurrent
/// Neural Networks", ICLR 2016; Hidasi & Karatzoglou, "Recurrent Neural Networks with Top-k Gains for
/// Session-based Recommendations", CIKM 2018): a GRU reads a session one item at a time and scores
/// the next item with an output item table. Trained with session-parallel mini-batches (each of the
/// batch's slots holds one session; a slot whose session ends takes the next one and restarts its
/// state) and a sampled loss over the other slots' targets plus items drawn by popularity:
/// cross-entropy over the candidates, or BPR-max.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
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
#include "../../nn/dropout.hpp"
#include "../../nn/initializers.hpp"
#include "../../nn/recurrent.hpp"
#include "../../optim/adam.hpp"
#include "../../train/fit.hpp"
#include "../common.hpp"
#include "../concepts.hpp"
#include "detail/serving.hpp"
#include "detail/training.hpp"
#include "detail/touched_rows.hpp"

namespace causalrec::rec {

/// The training loss of gru4rec.
enum class gru4rec_loss {
    cross_entropy,  ///< softmax cross-entropy of the target among the step's candidates (the 2018 paper's default)
    bpr_max,        ///< BPR-max: -log sum_j s_j sigmoid(r_target - r_j), s = softmax over the negatives, plus a score penalty
};

/// Options of gru4rec. Defaults follow the authors' public code (one GRU layer of 100, batch 32,
/// 2048 extra negatives drawn with probability proportional to popularity^0.75), except the
/// optimiser: Adam (their code uses Adagrad with learning rate 0.1 or more).
struct gru4rec_options {
    std::size_t hidden = 100;                  ///< GRU state size (>= 1)
    std::size_t embedding = 0;                 ///< input item embedding width; 0 = hidden
    gru4rec_loss loss = gru4rec_loss::cross_entropy;  ///< training loss
    std::size_t batch_size = 32;               ///< parallel sessions per step (>= 1)
    std::size_t sampled_negatives = 2048;      ///< extra candidates per step, shared by the batch (0 = the other slots' targets only)
    double sample_alpha = 0.75;                ///< extra candidates drawn with probability proportional to popularity^alpha, in [0, 1]
    double bpr_max_regularization = 1.0;       ///< BPR-max's penalty lambda * sum_j s_j r_j^2 (>= 0)
    double dropout_embedding = 0.0;            ///< dropout on the input embeddings, in [0, 1)
    double dropout_hidden = 0.0;               ///< dropout on the GRU output, in [0, 1)
    double learning_rate = 2e-3;               ///< Adam step size (> 0)
    std::size_t epochs = 10;                   ///< passes over the training transitions (>= 1)
    std::size_t max_history = 0;               ///< scoring reads the last max_history items of a history (0 = all)
    std::uint64_t seed = 42;                   ///< initial weights, dropout, session order and negatives
    int verbose = 0;                           ///< train::fit's progress output (0 silent, 1 bar, 2 one line per epoch)
};

namespace detail {

/// Softmax cross-entropy of row r (C scores) with the target at column `target`; writes dL/dr * scale
/// to grad and returns the loss.
template <class T>
double sampled_softmax_row(const T* r, std::size_t C, std::size_t target, T scale, T* grad) {
    T top = r[0];
    for (std::size_t c = 1; c < C; ++c) top = std::max(top, r[c]);
    double sum = 0;
    for (std::size_t c = 0; c < C; ++c) sum += std::exp(static_cast<double>(r[c] - top));
    for (std::size_t c = 0; c < C; ++c) grad[c] = static_cast<T>(std::exp(static_cast<double>(r[c] - top)) / sum) * scale;
    grad[target] -= scale;
    return std::log(sum) - static_cast<double>(r[target] - top);
}

/// BPR-max of row r (C scores) with the target at column `target` and every other column a negative:
/// L = -log(sum_j s_j sigmoid(r_t - r_j) + 1e-24) + lambda sum_j s_j r_j^2, s = softmax over the
/// negatives (the 1e-24 as in the authors' code). Writes dL/dr * scale to grad, returns L.
template <class T>
double bpr_max_row(const T* r, std::size_t C, std::size_t target, double lambda, T scale, T* grad) {
    double top = -std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < C; ++c)
        if (c != target) top = std::max(top, static_cast<double>(r[c]));
    double z = 0;
    for (std::size_t c = 0; c < C; ++c)
        if (c != target) z += std::exp(static_cast<double>(r[c]) - top);
    const double rt = static_cast<double>(r[target]);
    double P = 0, Q = 0, dtarget = 0;
    for (std::size_t c = 0; c < C; ++c) {
        if (c == target) continue;
        const double s = std::exp(static_cast<double>(r[c]) - top) / z, sg = causalrec::sigmoid(rt - static_cast<double>(r[c]));
        P += s * sg;
        Q += s * static_cast<double>(r[c]) * static_cast<double>(r[c]);
        dtarget += s * sg * (1.0 - sg);
    }
    const double Pe = P + 1e-24;
    for (std::size_t c = 0; c < C; ++c) {
        if (c == target) continue;
        const double rc = static_cast<double>(r[c]);
        const double s = std::exp(rc - top) / z, sg = causalrec::sigmoid(rt - rc);
        // d(-log P)/dr_j = s_j (1 - sigmoid_j^2 / P); d(lambda Q)/dr_j = lambda s_j (r_j^2 - Q + 2 r_j)
        grad[c] = static_cast<T>(s * (P - sg * sg) / Pe + lambda * s * (rc * rc - Q + 2.0 * rc)) * scale;
    }
    grad[target] = static_cast<T>(-dtarget / Pe) * scale;
    return -std::log(Pe) + lambda * Q;
}

/// The GRU4Rec network: input item embeddings, one GRU layer, output item weights and biases.
template <class T>
class gru4rec_net {
public:
    /// Value type.
    using value_type = T;

    /// A network for `n_items` items.
    gru4rec_net(std::size_t n_items, const gru4rec_options& o)
        : n_(n_items), d_(o.embedding == 0 ? o.hidden : o.embedding), H_(o.hidden), embedding_(n_items * d_), output_(n_items * H_),
          bias_(n_items, T(0)),
          gru_(d_, H_, {.sequence_length = 1, .carry_state = true, .seed = o.seed + 3}),
          drop_in_(o.dropout_embedding, o.seed + 4), drop_h_(o.dropout_hidden, o.seed + 5) {
        rng engine(o.seed);
        nn::initialize_weights(std::span<T>(embedding_), n_items, d_, nn::initializer::glorot_uniform, engine);
        nn::initialize_weights(std::span<T>(output_), n_items, H_, nn::initializer::glorot_uniform, engine);
    }

    /// The GRU output (after dropout, B x H) of one step of B sessions: items[b] read from state row b.
    const matrix<T>& step_forward(std::span<const std::uint32_t> items, std::span<const T> state) {
        const std::size_t B = items.size();
        matrix<T>& x = input_.get(B, d_);
        for (std::size_t b = 0; b < B; ++b) std::copy_n(embedding_.data() + static_cast<std::size_t>(items[b]) * d_, d_, x.data() + b * d_);
        items_.assign(items.begin(), items.end());
        gru_.set_sequence_length(1);
        gru_.set_padding_mask({});
        gru_.set_state(state);
        return drop_h_.forward(gru_.forward(drop_in_.forward(x)));
    }

    /// Given dL/d(step output), stores the GRU's gradients and adds the input rows' to `embedding_grad`.
    void step_backward(const matrix<T>& grad, touched_rows<T>& embedding_grad) {
        const matrix<T>& dx = drop_in_.backward(gru_.backward(drop_h_.backward(grad)));
        for (std::size_t b = 0; b < items_.size(); ++b) {
            T* g = embedding_grad.row(items_[b]);
            const T* src = dx.data() + b * d_;
            for (std::size_t j = 0; j < d_; ++j) g[j] += src[j];
        }
    }

    /// The GRU's state after the step (B x H, before dropout).
    std::span<const T> state() const noexcept { return gru_.state(); }

    /// Final states (B x H) of several histories (the last `max_history` items, 0 = all), in chunks
    /// of up to 256 left-padded sequences run with a padding mask.
    void final_states(std::span<const std::span<const std::uint32_t>> histories, std::size_t max_history, T* out) {
        std::vector<std::uint8_t> real;
        for (std::size_t start = 0; start < histories.size(); start += 256) {
            const std::size_t B = std::min<std::size_t>(256, histories.size() - start);
            std::size_t L = 1;
            for (std::size_t b = 0; b < B; ++b) L = std::max(L, clipped(histories[start + b].size(), max_history));
            matrix<T>& x = input_.get(B * L, d_);
            std::fill(x.begin(), x.end(), T(0));
            real.assign(B * L, 0);
            for (std::size_t b = 0; b < B; ++b) {
                const auto hist = histories[start + b];
                const std::size_t n = clipped(hist.size(), max_history), skip = hist.size() - n;
                for (std::size_t k = 0; k < n; ++k) {
                    const std::size_t row = b * L + L - n + k;
                    std::copy_n(embedding_.data() + static_cast<std::size_t>(hist[skip + k]) * d_, d_, x.data() + row * d_);
                    real[row] = 1;
                }
            }
            gru_.set_sequence_length(L);
            gru_.set_padding_mask(real);
            gru_.reset_state();
            gru_.forward(x);
            std::copy_n(gru_.state().data(), B * H_, out + start * H_);
        }
        gru_.set_sequence_length(1);
        gru_.set_padding_mask({});
        gru_.reset_state();
    }

    /// Dropout on in training.
    void set_training(bool training) {
        drop_in_.set_training(training);
        drop_h_.set_training(training);
    }

    /// The GRU's parameters (dense).
    std::vector<parameter_view<T>> gru_parameters() { return gru_.parameters(); }
    /// Every trained tensor (values and shapes; the tables' gradients live in the objective).
    std::vector<parameter_view<T>> parameters() {
        std::vector<parameter_view<T>> views{{.name = "item_embedding", .value = std::span<T>(embedding_), .shape = embedding_shape_},
                                             {.name = "output_weight", .value = std::span<T>(output_), .shape = output_shape_},
                                             {.name = "output_bias", .value = std::span<T>(bias_), .shape = bias_shape_}};
        for (const auto& p : gru_.parameters()) views.push_back(p);
        return views;
    }
    /// Input item embeddings (n_items x embedding).
    std::span<T> embedding() noexcept { return embedding_; }
    /// Output item weights (n_items x hidden).
    std::span<T> output_weights() noexcept { return output_; }
    /// Output item biases (n_items).
    std::span<T> output_bias() noexcept { return bias_; }
    /// Output item weights (n_items x hidden).
    std::span<const T> output_weights() const noexcept { return output_; }
    /// Output item biases (n_items).
    std::span<const T> output_bias() const noexcept { return bias_; }
    /// Number of items.
    std::size_t n_items() const noexcept { return n_; }
    /// Input embedding width.
    std::size_t embedding_width() const noexcept { return d_; }
    /// GRU state size.
    std::size_t hidden() const noexcept { return H_; }

private:
    static std::size_t clipped(std::size_t length, std::size_t max_history) noexcept {
        return max_history == 0 ? length : std::min(length, max_history);
    }

    std::size_t n_, d_, H_;
    std::vector<T> embedding_, output_, bias_;
    std::array<std::size_t, 2> embedding_shape_{n_, d_}, output_shape_{n_, H_};
    std::array<std::size_t, 1> bias_shape_{n_};
    nn::gru<T> gru_;
    nn::dropout<T> drop_in_, drop_h_;
    shape_cache<T> input_;
    std::vector<std::uint32_t> items_{};
};

/// Session-parallel training of gru4rec_net as a train::Objective: each call is one step of
/// `batch_size` sessions (the row indices only count the step), an epoch as many steps as the
/// training transitions fill. Sessions are served in a shuffled order that continues across epochs.
template <class T>
class gru4rec_objective {
public:
    /// Value type.
    using value_type = T;

    /// An objective over the sequences of `train` with two items or more.
    gru4rec_objective(gru4rec_net<T>& net, const data::sequences& train, const gru4rec_options& o)
        : net_(&net), train_(&train), o_(o), engine_(o.seed + 7), B_(o.batch_size), embedding_grad_(net.n_items(), net.embedding_width()),
          output_grad_(net.n_items(), net.hidden()), bias_grad_(net.n_items(), 1) {
        for (std::size_t u = 0; u < train.n_users(); ++u)
            if (train.length(u) >= 2) {
                sessions_.push_back(u);
                transitions_ += train.length(u) - 1;
            }
        if (sessions_.empty()) throw argument_error("causalrec::rec::gru4rec::fit: no sequence has two items or more");
        // Extra candidates by popularity^alpha over the training sequences (an item never seen keeps weight 0
        // unless alpha is 0).
        std::vector<double> counts(net.n_items(), 0.0);
        for (std::size_t u = 0; u < train.n_users(); ++u)
            for (const auto i : train.of(u)) counts[i] += 1.0;
        cumulative_.resize(counts.size());
        double total = 0;
        for (std::size_t i = 0; i < counts.size(); ++i) {
            total += o.sample_alpha == 0.0 ? 1.0 : std::pow(counts[i], o.sample_alpha);
            cumulative_[i] = total;
        }
        order_ = sessions_;
        engine_.shuffle(std::span<std::size_t>(order_));
        slot_session_.resize(B_);
        slot_position_.assign(B_, 0);
        state_.assign(B_ * net.hidden(), T(0));
        for (std::size_t b = 0; b < B_; ++b) slot_session_[b] = next_session();
        draw_candidates();
    }

    /// Training transitions (an item followed by another in a sequence).
    std::size_t samples() const noexcept { return transitions_; }

    /// Input embeddings, output weights and biases (sparse: this step's rows), and the GRU's weights.
    std::vector<parameter_view<T>> parameters() {
        std::vector<parameter_view<T>> views{embedding_grad_.view("item_embedding", net_->embedding()),
                                             output_grad_.view("output_weight", net_->output_weights()),
                                             bias_grad_.view("output_bias", net_->output_bias())};
        for (const auto& p : net_->gru_parameters()) views.push_back(p);
        return views;
    }
    /// Dropout on in training.
    void set_training(bool training) { net_->set_training(training); }

    /// One session-parallel step (the indices only count it): the loss, with the gradient in the parameters.
    double loss_and_gradient(std::span<const std::size_t>) {
        const double loss = current_loss_and_gradient();
        advance();
        return loss;
    }

    /// The loss and gradient of the current step, without moving on (for gradient checks).
    double current_loss_and_gradient() {
        const std::size_t B = B_, H = net_->hidden(), C = candidates_.size();
        inputs_.resize(B);
        for (std::size_t b = 0; b < B; ++b) inputs_[b] = train_->of(slot_session_[b])[slot_position_[b]];
        const matrix<T>& h = net_->step_forward(inputs_, state_);
        // The candidates' output rows and scores R = h W_c^T + b_c (B x C).
        matrix<T>& wc = gathered_.get(C, H);
        const auto W = net_->output_weights();
        const auto bias = net_->output_bias();
        for (std::size_t c = 0; c < C; ++c) std::copy_n(W.data() + static_cast<std::size_t>(candidates_[c]) * H, H, wc.data() + c * H);
        matrix<T>& R = scores_.get(B, C);
        blas::gemm(false, true, B, C, H, T(1), h.data(), H, wc.data(), H, T(0), R.data(), C);
        for (std::size_t b = 0; b < B; ++b)
            for (std::size_t c = 0; c < C; ++c) R.data()[b * C + c] += bias[candidates_[c]];
        matrix<T>& dR = score_grad_.get(B, C);
        const T scale = T(1) / static_cast<T>(B);
        double loss = 0;
        for (std::size_t b = 0; b < B; ++b) {
            const T* r = R.data() + b * C;
            T* g = dR.data() + b * C;
            loss += o_.loss == gru4rec_loss::cross_entropy ? sampled_softmax_row(r, C, b, scale, g)
                                                           : bpr_max_row(r, C, b, o_.bpr_max_regularization, scale, g);
        }
        embedding_grad_.clear();
        output_grad_.clear();
        bias_grad_.clear();
        // dL/dW_c = dR^T h, scattered (an item may be several candidates); dL/db_c; dL/dh = dR W_c.
        matrix<T>& dwc = gathered_grad_.get(C, H);
        blas::gemm(true, false, C, H, B, T(1), dR.data(), C, h.data(), H, T(0), dwc.data(), H);
        for (std::size_t c = 0; c < C; ++c) {
            T* g = output_grad_.row(candidates_[c]);
            const T* src = dwc.data() + c * H;
            for (std::size_t j = 0; j < H; ++j) g[j] += src[j];
            T db = 0;
            for (std::size_t b = 0; b < B; ++b) db += dR.data()[b * C + c];
            *bias_grad_.row(candidates_[c]) += db;
        }
        matrix<T>& dh = hidden_grad_.get(B, H);
        blas::gemm(false, false, B, H, C, T(1), dR.data(), C, wc.data(), H, T(0), dh.data(), H);
        net_->step_backward(dh, embedding_grad_);
        return loss / static_cast<double>(B);
    }

    /// Moves every slot one item on (a finished session's slot takes the next session from a zero
    /// state) and draws the next step's extra candidates.
    void advance() {
        const std::size_t H = net_->hidden();
        const auto next_state = net_->state();
        std::copy(next_state.begin(), next_state.end(), state_.begin());
        for (std::size_t b = 0; b < B_; ++b) {
            if (++slot_position_[b] + 1 < train_->length(slot_session_[b])) continue;
            slot_session_[b] = next_session();
            slot_position_[b] = 0;
            std::fill_n(state_.data() + b * H, H, T(0));
        }
        draw_candidates();
    }

private:
    std::size_t next_session() {
        if (cursor_ == order_.size()) {
            engine_.shuffle(std::span<std::size_t>(order_));
            cursor_ = 0;
        }
        return order_[cursor_++];
    }

    // Candidates: the slots' targets (column b is slot b's), then the extra draws.
    void draw_candidates() {
        candidates_.resize(B_ + o_.sampled_negatives);
        for (std::size_t b = 0; b < B_; ++b) candidates_[b] = train_->of(slot_session_[b])[slot_position_[b] + 1];
        const double total = cumulative_.back();
        for (std::size_t s = 0; s < o_.sampled_negatives; ++s) {
            const double u = engine_.uniform() * total;
            const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
            candidates_[B_ + s] = static_cast<std::uint32_t>(std::min<std::size_t>(static_cast<std::size_t>(it - cumulative_.begin()), cumulative_.size() - 1));
        }
    }

    gru4rec_net<T>* net_;
    const data::sequences* train_;
    gru4rec_options o_;
    rng engine_;
    std::size_t B_, transitions_ = 0, cursor_ = 0;
    std::vector<std::size_t> sessions_{}, order_{}, slot_session_{}, slot_position_{};
    std::vector<double> cumulative_{};
    std::vector<std::uint32_t> candidates_{}, inputs_{};
    std::vector<T> state_{};
    touched_rows<T> embedding_grad_, output_grad_, bias_grad_;
    shape_cache<T> gathered_, scores_, score_grad_, gathered_grad_, hidden_grad_;
};

}  // namespace detail

/// GRU4Rec next-item recommender: the GRU's state after a history scores every item by the output
/// table, s_i = h . w_i + b_i. fit() takes ordered sequences (sessions or users' histories; a log is
/// turned into per-user sequences by timestamp or file order). Satisfies rec::Recommender.
class gru4rec {
public:
    /// The model name in messages.
    static constexpr std::string_view model_name = "gru4rec";

    /// A model with the given options; raises argument_error for an invalid option.
    explicit gru4rec(gru4rec_options options = {});
    /// Destroys the model (defined with the model's code, so that a program does not compile the network's destructor).
    ~gru4rec();
    /// Moves the model.
    gru4rec(gru4rec&&) noexcept;
    /// Moves the model.
    gru4rec& operator=(gru4rec&&) noexcept;

    /// Trains on sequences (each in time order); returns fit's history (loss per epoch). Raises
    /// argument_error when no sequence has two items or more.
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
    const gru4rec_options& options() const noexcept { return o_; }
    /// True after fit.
    bool is_fitted() const noexcept { return training_.fitted(); }

    /// The scores of `items` after `history` (item indices, oldest first). Raises not_fitted_error
    /// before fit and argument_error for an index out of range.
    std::vector<double> score_history(std::span<const std::uint32_t> history, std::span<const std::size_t> items) const;

    /// The scores of every item after each of `histories` (one row per history), by one GEMM.
    matrix<float> score_all(std::span<const std::span<const std::uint32_t>> histories) const;

    /// The k best items after each of `histories` (full ranking, nothing excluded), best first, ties to
    /// the lower index: blocked GEMMs over the item table with a running top k per history, without
    /// the full score matrix (score_all + top_items give the same lists, slower).
    matrix<std::size_t> top_items(std::span<const std::span<const std::uint32_t>> histories, std::size_t k) const;

    /// The k best items after `history`, best first, without the history's items when exclude_seen:
    /// recommendations for an anonymous session or a new user from their first clicks.
    std::vector<scored_item> recommend_from_history(std::span<const std::uint32_t> history, std::size_t k, bool exclude_seen = true) const;

    /// The scores of `items` after the user's training sequence (Recommender concept); a user outside
    /// the training sequences, or with an empty one, gets zeros.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const { return detail::score_user(*this, user, items); }

    /// The k best items after the user's training sequence (Recommender concept); empty for a user
    /// without one.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const;

    /// True for a user with a training sequence.
    bool covers(std::size_t user) const noexcept { return is_fitted() && detail::has_training_sequence(*this, user); }

    /// The fitted model as a recommender file (options, training sequences, weights); save_recommender writes it.
    io::tensor_file to_file() const;

    /// A model read from a recommender file (continue_fit starts Adam afresh); raises format_error
    /// when it is not a valid gru4rec file.
    static gru4rec from_file(io::tensor_file file);

private:

    void check_options() const;

    void check_history(std::span<const std::uint32_t> history) const;

    gru4rec_options o_;
    detail::sequence_training<detail::gru4rec_net<float>, detail::gru4rec_objective<float>> training_;
};

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/gru4rec.hpp"
#endif
