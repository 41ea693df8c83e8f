#pragma once
/// @file
/// SASRec (Kang & McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018): next-item
/// recommendation from a user's ordered history with stacked causal self-attention blocks over item
/// and learned positional embeddings; the item embedding table also scores the next item. Trained
/// with binary cross-entropy on the true next item against sampled negatives at every position
/// (the authors' objective), with Adam.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "../../core/compiler.hpp"
#include "../../core/blas.hpp"
#include "../../core/error.hpp"
#include "../../core/math.hpp"
#include "../../core/quadrature.hpp"
#include "../../core/message.hpp"
#include "../../core/parameter.hpp"
#include "../../core/rng.hpp"
#include "../../core/shape_cache.hpp"
#include "../../core/tensor.hpp"
#include "../../data/interaction_log.hpp"
#include "../../data/sequences.hpp"
#include "../../nn/attention.hpp"
#include "../../nn/dense.hpp"
#include "../../nn/dropout.hpp"
#include "../../nn/initializers.hpp"
#include "../../nn/layer_norm.hpp"
#include "../../optim/adam.hpp"
#include "../../train/fit.hpp"
#include "../common.hpp"
#include "../concepts.hpp"
#include "detail/serving.hpp"
#include "detail/training.hpp"

namespace causalrec::rec {

/// Options of sasrec. The defaults are the authors' code's (maxlen 50, hidden 50, 2 blocks, 1 head,
/// dropout 0.5, Adam lr 1e-3 with betas 0.9 / 0.98, batch 128), except `epochs` (theirs: 201).
struct sasrec_options {
    std::size_t max_length = 50;      ///< L: the model reads the last max_length items of a history (>= 1)
    std::size_t hidden = 50;          ///< d: embedding and block width (>= 1)
    std::size_t blocks = 2;           ///< self-attention blocks (>= 1)
    std::size_t heads = 1;            ///< attention heads; divide hidden
    double dropout = 0.5;             ///< dropout on the input embeddings, attention weights and feed-forward outputs, in [0, 1)
    double learning_rate = 1e-3;      ///< Adam step size (> 0)
    double beta2 = 0.98;              ///< Adam's second-moment decay (beta1 = 0.9)
    double l2_embedding = 0.0;        ///< L2 penalty on the item embeddings of each batch (the authors' l2_emb)
    std::size_t batch_size = 128;     ///< users per step (>= 1)
    std::size_t epochs = 20;          ///< passes over the training users (>= 1)
    std::size_t negatives = 1;        ///< sampled negatives per position (>= 1)
    double layer_norm_epsilon = 1e-8; ///< the authors' normalisation epsilon
    std::uint64_t seed = 42;          ///< initial weights, dropout, batch order and negatives
    int verbose = 0;                  ///< train::fit's progress output (0 silent, 1 bar, 2 one line per epoch)
};

namespace detail {

/// The SASRec network over a sequence batch of B x L positions (row b * L + t), for value type T.
template <class T>
class sasrec_net {
public:
    /// Value type of the network.
    using value_type = T;

    /// A network for `n_items` items (the embedding table has one more row, the zero padding row).
    sasrec_net(std::size_t n_items, const sasrec_options& o)
        : n_items_(n_items), d_(o.hidden), L_(o.max_length), item_(make_matrix<T>(n_items + 1, o.hidden)),
          item_grad_(make_matrix<T>(n_items + 1, o.hidden)), pos_(make_matrix<T>(o.max_length, o.hidden)),
          pos_grad_(make_matrix<T>(o.max_length, o.hidden)), input_dropout_(o.dropout, o.seed + 1),
          final_norm_(o.hidden, {.epsilon = o.layer_norm_epsilon}) {
        rng engine(o.seed);
        nn::initialize_weights(std::span<T>(item_.data(), item_.size()), n_items + 1, o.hidden, nn::initializer::glorot_uniform, engine);
        std::fill_n(item_.data() + n_items * d_, d_, T(0));
        nn::initialize_weights(std::span<T>(pos_.data(), pos_.size()), o.max_length, o.hidden, nn::initializer::glorot_uniform, engine);
        for (std::size_t i = 0; i < o.blocks; ++i) {
            blocks_.push_back(std::make_unique<block>(d_, L_, o, engine.split()()));
        }
        item_shape_ = {n_items + 1, d_};
        pos_shape_ = {L_, d_};
        input_dropout_.initialize(engine);
    }

    /// The final states of the real positions of a batch of item indices (padding = n_items) in the
    /// sequence-batch layout (B * L indices), packed: one row per real position in batch order
    /// (packed_rows() gives each row's position b * L + t). Padding positions are never computed:
    /// they would only be masked out (keys) or zeroed (outputs) in the authors' model.
    const matrix<T>& forward(std::span<const std::uint32_t> inputs) { return forward(inputs, {}); }

    /// forward with each input row's item embedding scaled by item_scale[r] (B * L values, or empty
    /// for 1): x0 = scale e sqrt(d) + p, the path integrated gradients walk from a history without
    /// item content (positions only) to the history itself.
    const matrix<T>& forward(std::span<const std::uint32_t> inputs, std::span<const T> item_scale) {
        const std::size_t N = inputs.size(), B = N / L_, d = d_;
        if (!item_scale.empty() && item_scale.size() != N)
            throw shape_error("causalrec::rec::sasrec: one item scale per input row is needed");
        item_scale_.assign(item_scale.begin(), item_scale.end());
        if (N % L_ != 0) throw shape_error("causalrec::rec::sasrec: a batch must hold whole sequences");
        inputs_.assign(inputs.begin(), inputs.end());
        rows_.clear();
        lengths_.assign(B, 0);
        for (std::size_t r = 0; r < N; ++r)
            if (inputs[r] != n_items_) rows_.push_back(r), ++lengths_[r / L_];
        const std::size_t R = rows_.size();
        matrix<T>& x0 = embedded_.get(R, d);
        const T scale = std::sqrt(static_cast<T>(d));
        for (std::size_t k = 0; k < R; ++k) {
            const std::size_t r = rows_[k];
            const T* e = item_.data() + static_cast<std::size_t>(inputs[r]) * d;
            const T* p = pos_.data() + (r % L_) * d;
            T* out = x0.data() + k * d;
            const T s = item_scale_.empty() ? scale : scale * item_scale_[r];
            for (std::size_t j = 0; j < d; ++j) out[j] = e[j] * s + p[j];
        }
        const matrix<T>* x = &input_dropout_.forward(x0);
        for (auto& blk : blocks_) x = &blk->forward(*x, lengths_);
        return final_norm_.forward(*x);
    }

    /// Position b * L + t of each row of the last forward's output.
    std::span<const std::size_t> packed_rows() const noexcept { return rows_; }
    /// Real positions of each sequence of the last forward.
    std::span<const std::size_t> sequence_lengths() const noexcept { return lengths_; }
    /// The final normalisation's shift: the state the model gives a history with no item.
    std::span<const T> empty_state() noexcept { return {final_norm_.beta().data(), d_}; }

    /// Given dL/d(final states) (one row per real position, as forward returned them), stores every
    /// parameter gradient.
    void backward(const matrix<T>& grad) {
        const matrix<T>* g = &final_norm_.backward(grad);
        for (std::size_t i = blocks_.size(); i-- > 0;) g = &blocks_[i]->backward(*g);
        const matrix<T>& g0 = input_dropout_.backward(*g);
        input_gradient_ = &g0;
        std::fill(item_grad_.begin(), item_grad_.end(), T(0));
        std::fill(pos_grad_.begin(), pos_grad_.end(), T(0));
        const std::size_t d = d_;
        const T scale = std::sqrt(static_cast<T>(d));
        for (std::size_t k = 0; k < rows_.size(); ++k) {
            const std::size_t r = rows_[k];
            const T* gr = g0.data() + k * d;
            T* ge = item_grad_.data() + static_cast<std::size_t>(inputs_[r]) * d;
            T* gp = pos_grad_.data() + (r % L_) * d;
            const T s = item_scale_.empty() ? scale : scale * item_scale_[r];
            for (std::size_t j = 0; j < d; ++j) ge[j] += gr[j] * s, gp[j] += gr[j];
        }
    }

    /// dL/d(x0) of the last backward, x0 the embedded inputs (one row per real position, packed as
    /// forward's output); raises argument_error before a backward.
    const matrix<T>& input_gradient() const {
        if (input_gradient_ == nullptr) throw argument_error("causalrec::rec::sasrec: input_gradient called before backward");
        return *input_gradient_;
    }

    /// The last block's attention weights of sequence b's position `position` (within its real
    /// positions) over its real positions 0..position, averaged over the heads, from the last forward.
    std::vector<double> last_attention(std::size_t sequence, std::size_t position, std::size_t heads) const {
        std::vector<double> out(position + 1, 0.0);
        for (std::size_t h = 0; h < heads; ++h) {
            const auto w = blocks_.back()->attention.attention_weights(sequence, h);
            const auto n = static_cast<std::size_t>(std::llround(std::sqrt(static_cast<double>(w.size()))));
            if (position >= n) throw argument_error("causalrec::rec::sasrec: no attention weights at that position");
            for (std::size_t t = 0; t <= position; ++t) out[t] += static_cast<double>(w[position * n + t]) / static_cast<double>(heads);
        }
        return out;
    }

    /// Adds to the item embedding gradient (the scoring side: dL/dE rows of positives and negatives).
    T* item_gradient() noexcept { return item_grad_.data(); }
    /// The item embedding table ((n_items + 1) x d, the last row the zero padding row).
    const matrix<T>& item_embedding() const noexcept { return item_; }
    /// The item embedding table (for tests and loading).
    matrix<T>& item_embedding() noexcept { return item_; }

    /// Every trainable tensor: item and positional embeddings, the blocks, the final normalisation.
    std::vector<parameter_view<T>> parameters() {
        std::vector<parameter_view<T>> v;
        v.push_back({"item_embedding", {item_.data(), item_.size()}, {item_grad_.data(), item_grad_.size()}, item_shape_});
        v.push_back({"position_embedding", {pos_.data(), pos_.size()}, {pos_grad_.data(), pos_grad_.size()}, pos_shape_});
        for (auto& blk : blocks_) blk->append_parameters(v);
        for (const auto& p : final_norm_.parameters()) v.push_back(p);
        return v;
    }

    /// Training mode turns the dropouts on.
    void set_training(bool training) {
        input_dropout_.set_training(training);
        for (auto& blk : blocks_) blk->set_training(training);
    }

    /// Width d.
    std::size_t width() const noexcept { return d_; }
    /// Positions per sequence L.
    std::size_t max_length() const noexcept { return L_; }
    /// Number of items (the padding index).
    std::size_t n_items() const noexcept { return n_items_; }

private:
    // One block over packed rows (real positions only): q = LN(x); x' = q + attention(q, x);
    // y = LN(x'); x'' = y + drop(W2 drop(relu(W1 y))).
    struct block {
        nn::layer_norm<T> attention_norm, ffn_norm;
        nn::self_attention<T> attention;
        nn::dense<T> ff1, ff2;
        nn::dropout<T> drop1, drop2;
        shape_cache<T> after_attention, hidden, output, d_hidden, d_input;
        std::vector<T> relu_mask{};

        block(std::size_t d, std::size_t L, const sasrec_options& o, std::uint64_t seed)
            : attention_norm(d, {.epsilon = o.layer_norm_epsilon}), ffn_norm(d, {.epsilon = o.layer_norm_epsilon}),
              attention(d, L, {.heads = o.heads, .dropout = o.dropout, .causal = true, .output_projection = false, .seed = seed}),
              ff1(d, d, {.seed = seed + 1}), ff2(d, d, {.seed = seed + 2}), drop1(o.dropout, seed + 3), drop2(o.dropout, seed + 4) {}

        const matrix<T>& forward(const matrix<T>& x, std::span<const std::size_t> lengths) {
            const std::size_t N = x.shape()[0], d = x.shape()[1];
            const matrix<T>& q = attention_norm.forward(x);
            attention.set_sequence_lengths(lengths);
            const matrix<T>& a = attention.forward(q, x);
            matrix<T>& x1 = after_attention.get(N, d);
            for (std::size_t k = 0; k < N * d; ++k) x1.data()[k] = q.data()[k] + a.data()[k];
            const matrix<T>& y = ffn_norm.forward(x1);
            const matrix<T>& z1 = ff1.forward(y);
            matrix<T>& h = hidden.get(N, d);
            relu_mask.resize(N * d);
            for (std::size_t k = 0; k < N * d; ++k) {
                const bool on = z1.data()[k] > T(0);
                relu_mask[k] = on ? T(1) : T(0);
                h.data()[k] = on ? z1.data()[k] : T(0);
            }
            const matrix<T>& z2d = drop2.forward(ff2.forward(drop1.forward(h)));
            matrix<T>& out = output.get(N, d);
            for (std::size_t k = 0; k < N * d; ++k) out.data()[k] = y.data()[k] + z2d.data()[k];
            return out;
        }

        const matrix<T>& backward(const matrix<T>& grad) {
            const std::size_t N = grad.shape()[0], d = grad.shape()[1];
            matrix<T>& g = d_hidden.get(N, d);
            std::copy_n(grad.data(), N * d, g.data());
            // y feeds the residual and the feed-forward path.
            const matrix<T>& dh = drop1.backward(ff2.backward(drop2.backward(g)));
            matrix<T>& dz1 = d_input.get(N, d);
            for (std::size_t k = 0; k < N * d; ++k) dz1.data()[k] = dh.data()[k] * relu_mask[k];
            const matrix<T>& dy_ffn = ff1.backward(dz1);
            for (std::size_t k = 0; k < N * d; ++k) g.data()[k] += dy_ffn.data()[k];
            const matrix<T>& dx1 = ffn_norm.backward(g);
            // x1 = q + attention(q, x): q gets dx1 directly and through the queries; x through the keys.
            const matrix<T>& dq_attention = attention.backward(dx1);
            matrix<T>& dq = d_input.get(N, d);
            for (std::size_t k = 0; k < N * d; ++k) dq.data()[k] = dx1.data()[k] + dq_attention.data()[k];
            const matrix<T>& dkeys = attention.key_gradient();
            const matrix<T>& dx_norm = attention_norm.backward(dq);
            matrix<T>& dx = d_hidden.get(N, d);
            for (std::size_t k = 0; k < N * d; ++k) dx.data()[k] = dx_norm.data()[k] + dkeys.data()[k];
            return dx;
        }

        void append_parameters(std::vector<parameter_view<T>>& v) {
            for (const auto& p : attention_norm.parameters()) v.push_back(p);
            for (const auto& p : attention.parameters()) v.push_back(p);
            for (const auto& p : ffn_norm.parameters()) v.push_back(p);
            for (const auto& p : ff1.parameters()) v.push_back(p);
            for (const auto& p : ff2.parameters()) v.push_back(p);
        }

        void set_training(bool training) {
            attention.set_training(training);
            drop1.set_training(training);
            drop2.set_training(training);
        }
    };

    std::size_t n_items_, d_, L_;
    matrix<T> item_, item_grad_, pos_, pos_grad_;
    std::array<std::size_t, 2> item_shape_{}, pos_shape_{};
    nn::dropout<T> input_dropout_;
    std::vector<std::unique_ptr<block>> blocks_;
    nn::layer_norm<T> final_norm_;
    std::vector<std::uint32_t> inputs_{};
    std::vector<std::size_t> rows_{}, lengths_{};
    shape_cache<T> embedded_;
    std::vector<T> item_scale_{};               // the last forward's item scales (empty: all 1)
    const matrix<T>* input_gradient_ = nullptr;  // dL/d(x0) of the last backward
};

/// Binary cross-entropy of the true next item against sampled negatives at every real position of a
/// batch, averaged over the real positions (the authors' loss), as a train::Objective over users.
template <class T>
class sasrec_objective {
public:
    /// Value type.
    using value_type = T;

    sasrec_objective(sasrec_net<T>& net, const data::sequences& train, const sasrec_options& o)
        : net_(&net), batcher_(train, {.max_length = o.max_length, .negatives = o.negatives}), engine_(o.seed + 7),
          l2_(o.l2_embedding) {
        for (std::size_t u = 0; u < train.n_users(); ++u)
            if (train.length(u) >= 2) users_.push_back(u);
        if (users_.empty()) throw argument_error("causalrec::rec::sasrec::fit: no sequence has two items or more");
    }

    /// Training users (sequences of two items or more).
    std::size_t samples() const noexcept { return users_.size(); }
    /// The network's parameters.
    std::vector<parameter_view<T>> parameters() { return net_->parameters(); }
    /// Dropout on in training.
    void set_training(bool training) { net_->set_training(training); }

    /// The loss of the users users_[rows], with the gradient in the parameters.
    double loss_and_gradient(std::span<const std::size_t> rows) {
        chosen_.resize(rows.size());
        for (std::size_t k = 0; k < rows.size(); ++k) chosen_[k] = users_[rows[k]];
        batcher_.fill(chosen_, engine_, batch_);
        const matrix<T>& h = net_->forward(batch_.inputs);  // one row per real position
        const auto positions = net_->packed_rows();
        const std::size_t R = positions.size(), d = net_->width(), M = batch_.negatives_per_position;
        matrix<T>& dh = grad_.get(R, d);
        std::fill(dh.begin(), dh.end(), T(0));
        // The positive and negative logits, their BCE and gradients; item-side gradients after backward.
        pending_.clear();
        const T* E = net_->item_embedding().data();
        const double inv = 1.0 / static_cast<double>(R);
        double loss = 0.0;
        for (std::size_t k = 0; k < R; ++k) {
            const std::size_t r = positions[k];
            const T* hr = h.data() + k * d;
            T* dhr = dh.data() + k * d;
            auto score = [&](std::uint32_t item, double label) {
                const T* e = E + static_cast<std::size_t>(item) * d;
                T s = 0;
                for (std::size_t j = 0; j < d; ++j) s += hr[j] * e[j];
                const auto [l, g] = causalrec::bce_from_logits_and_derivative(static_cast<double>(s), label);
                loss += l;
                const T gs = static_cast<T>(g * inv);
                for (std::size_t j = 0; j < d; ++j) dhr[j] += gs * e[j];
                pending_.push_back({item, k, gs});
            };
            score(batch_.positives[r], 1.0);
            for (std::size_t m = 0; m < M; ++m) score(batch_.negatives[r * M + m], 0.0);
        }
        net_->backward(dh);
        T* gE = net_->item_gradient();
        for (const auto& p : pending_) {
            const T* hr = h.data() + p.row * d;
            T* ge = gE + static_cast<std::size_t>(p.item) * d;
            for (std::size_t j = 0; j < d; ++j) ge[j] += p.grad * hr[j];
        }
        if (l2_ > 0.0) {  // the authors' l2_emb on the embeddings of the batch's items
            for (const auto& p : pending_) {
                const T* e = E + static_cast<std::size_t>(p.item) * d;
                T* ge = gE + static_cast<std::size_t>(p.item) * d;
                for (std::size_t j = 0; j < d; ++j) ge[j] += static_cast<T>(2.0 * l2_) * e[j];
            }
        }
        return loss * inv;
    }

private:
    struct pending_item {
        std::uint32_t item;
        std::size_t row;
        T grad;
    };
    sasrec_net<T>* net_;
    data::next_item_batcher batcher_;
    rng engine_;
    double l2_;
    std::vector<std::size_t> users_{}, chosen_{};
    data::next_item_batch batch_{};
    shape_cache<T> grad_;
    std::vector<pending_item> pending_{};
};

}  // namespace detail

/// Attributions of a sequence model's score over the history it read.
struct sequence_attribution {
    std::vector<std::size_t> positions{};          ///< indices into the history of the positions read (the last max_length)
    std::vector<std::uint32_t> items{};            ///< the item at each of those positions
    std::vector<double> integrated_gradients{};    ///< per position: its item's share of score - baseline_score
    std::vector<double> attention{};               ///< per position: the last block's attention of the last position (sums to 1)
    double score = 0.0;                            ///< the item's score after the history
    double baseline_score = 0.0;                   ///< its score after the same positions without item content
    double convergence_delta = 0.0;                ///< sum of integrated_gradients - (score - baseline_score)
};

/// SASRec next-item recommender. fit() takes ordered sequences (data::sequences; a log is turned
/// into per-user sequences by timestamp or file order); the scores of a history are h . e_i, h the
/// final state at its last position and e_i the item embeddings. Satisfies rec::Recommender.
class sasrec {
public:
    /// The model name in messages.
    static constexpr std::string_view model_name = "sasrec";

    /// A model with the given options; raises argument_error for an invalid option.
    explicit sasrec(sasrec_options options = {});
    /// Destroys the model (defined with the model's code, so that a program does not compile the network's destructor).
    ~sasrec();
    /// Moves the model.
    sasrec(sasrec&&) noexcept;
    /// Moves the model.
    sasrec& operator=(sasrec&&) noexcept;

    /// Trains on per-user sequences (each in time order); returns fit's history (loss per epoch).
    /// Raises argument_error when no sequence has two items or more.
    train::history fit(const data::sequences& train);

    /// Trains `epochs` more epochs from where fit (or the last continue_fit) stopped: same weights,
    /// Adam state and negative stream, as Keras's repeated fit. Raises not_fitted_error before fit.
    train::history continue_fit(std::size_t epochs);

    /// Epochs trained so far (fit and continue_fit).
    std::size_t epochs_trained() const noexcept { return training_.epochs_trained(); }

    /// Trains on a log turned into per-user sequences (timestamps, else file order).
    train::history fit(const data::interactions& log);

    /// Number of items the model scores.
    std::size_t n_items() const noexcept { return training_.fitted() ? training_.net().n_items() : 0; }
    /// The training sequences of the last fit.
    const data::sequences& training_sequences() const noexcept { return training_.sequences(); }
    /// The options.
    const sasrec_options& options() const noexcept { return o_; }
    /// True after fit.
    bool is_fitted() const noexcept { return training_.fitted(); }

    /// The scores of `items` after `history` (item indices, oldest first; the last max_length are
    /// read). Raises not_fitted_error before fit and argument_error for an index out of range.
    std::vector<double> score_history(std::span<const std::uint32_t> history, std::span<const std::size_t> items) const;

    /// The scores of every item after each of `histories` (one row per history), by one GEMM.
    matrix<float> score_all(std::span<const std::span<const std::uint32_t>> histories) const;

    /// The k best items after each of `histories` (full ranking, nothing excluded), best first, ties to
    /// the lower index: blocked GEMMs over the item table with a running top k per history, without
    /// the full score matrix (score_all + top_items give the same lists, slower).
    matrix<std::size_t> top_items(std::span<const std::span<const std::uint32_t>> histories, std::size_t k) const;

    /// The model's state after `history` (width values): an item's score is the inner product of this
    /// state with the item's row of item_vectors(), so it is the query of an ann_index over them.
    /// Raises not_fitted_error before fit and argument_error for an item index out of range.
    std::vector<float> history_state(std::span<const std::uint32_t> history) const;

    /// The item vectors (n_items x width, row-major) the scores are inner products with: the shared
    /// item embedding without its padding row. Raises not_fitted_error before fit.
    std::span<const float> item_vectors() const;

    /// Why `item` scores as it does after `history`: integrated gradients (Sundararajan et al. 2017)
    /// of the score over each read position's item embedding, from a baseline history of the same
    /// positions without item content (item embeddings scaled to 0), with `steps` Gauss-Legendre
    /// points; and the last block's attention of the last position over the positions (averaged over
    /// heads). Raises not_fitted_error before fit, argument_error for an empty history, an item out of
    /// range or steps = 0.
    sequence_attribution explain_history(std::span<const std::uint32_t> history, std::size_t item, std::size_t steps = 128) const;

    /// The k best items after `history`, best first, without the history's items when exclude_seen:
    /// recommendations for an anonymous session or a new user from their first actions.
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
    /// when it is not a valid sasrec file.
    static sasrec from_file(io::tensor_file file);

private:

    void check_options() const;

    // The final state after one history (its last max_length items, left-padded).
    std::vector<float> final_state(std::span<const std::uint32_t> history) const;

    // Final states (B x d) of several histories, in chunks of up to 256 sequences.
    void final_states(std::span<const std::span<const std::uint32_t>> histories, float* out) const;

    sasrec_options o_;
    detail::sequence_training<detail::sasrec_net<float>, detail::sasrec_objective<float>> training_;
};

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/sasrec.hpp"
#endif
