#pragma once
/// @file
/// NeuMF (He et al. 2017, "Neural Collaborative Filtering"): its options, its network and the
/// recommender, trained by train::fit through implicit_feedback_objective.

#include "../../core/compiler.hpp"
#include "common.hpp"
#include "sampling.hpp"

namespace causalrec::rec {

/// Options of neumf. fit(log) trains with Adam at `learning_rate`; fit(log, optimizer, callbacks...)
/// takes any optimizer and fit callbacks.
struct neumf_options {
    std::size_t gmf_dim{8};                       ///< GMF embedding size (0 = no GMF branch: the MLP alone)
    std::size_t mlp_dim{32};                      ///< MLP embedding size per side; the MLP input is 2 * mlp_dim (0 = no MLP branch)
    std::vector<std::size_t> mlp_layers{32, 16};  ///< MLP hidden sizes (dense + relu each): 64 -> 32 -> 16 by default
    std::size_t negatives{4};                     ///< negatives sampled per positive, afresh every epoch
    std::size_t epochs{10};                       ///< passes over the positives and their negatives
    std::size_t batch_size{256};                  ///< rows (positives and negatives) per step
    double learning_rate{1e-3};                   ///< Adam's learning rate in fit(log)
    double l2{0.0};                               ///< L2 penalty (l2/2)||w||^2 on weights and on the embedding rows of each batch
    double init_stddev{0.05};                     ///< embeddings start ~ N(0, init_stddev^2)
    double validation_split{0.0};                 ///< share of positives (with their negatives) held out as val_loss
    int verbose{0};                               ///< fit's verbosity: 0 silent, 1 progress bar, 2 a line per epoch
    std::uint64_t seed{0};                        ///< seed of the initial weights, the negatives and the batch order
};

namespace detail {

/// The NeuMF network as an nn layer: forward maps a batch of [user, item] rows (indices as T) to
/// logits (batch x 1); backward stores the parameter gradients (plus the L2 term). GMF branch:
/// p_u * q_i (element-wise); MLP branch: [p'_u, q'_i] through dense + relu layers; output: a dense
/// layer on the two branches side by side. Each branch's user and item vectors share one embedding
/// table (users first, then items).
template <class T = float>
class neumf_net {
public:
    /// Value type of the network.
    using value_type = T;

    /// A network for `n_users` users and `n_items` items with the sizes of `o`, initialised from `seed`.
    neumf_net(std::size_t n_users, std::size_t n_items, const neumf_options& o, std::uint64_t seed)
        : n_users_(n_users), n_items_(n_items), dg_(o.gmf_dim), dm_(o.mlp_dim), l2_(o.l2),
          out_(o.gmf_dim + (o.mlp_dim == 0 ? 0 : o.mlp_layers.back()), 1, {.seed = rng(seed ^ 0x6f75747075740000ULL)()}) {
        rng engine(seed);
        if (dg_ > 0) gmf_.emplace(n_users + n_items, dg_, nn::embedding_options{.init_stddev = o.init_stddev, .seed = engine.split()()});
        if (dm_ > 0) {
            mlp_.emplace(n_users + n_items, dm_, nn::embedding_options{.init_stddev = o.init_stddev, .seed = engine.split()()});
            std::size_t in = 2 * dm_;
            for (std::size_t width : o.mlp_layers) {
                layers_.emplace_back(in, width, nn::dense_options{.seed = engine.split()()});
                relus_.emplace_back();
                in = width;
            }
        }
        refresh();
    }

    /// Logits (batch x 1) of the [user, item] rows of x (indices as T, exact integers); raises
    /// argument_error for an index out of range.
    const matrix<T>& forward(const matrix<T>& x) {
        if (x.shape()[1] != 2)
            throw shape_error(causalrec::cat("causalrec::rec::neumf: input has ", x.shape()[1], " columns, expected 2 (user, item)"));
        const std::size_t b = x.shape()[0];
        users_.resize(b), items_.resize(b);
        for (std::size_t r = 0; r < b; ++r) {
            users_[r] = checked_index(x(r, 0), n_users_, r, "neumf", "user");
            items_[r] = checked_index(x(r, 1), n_items_, r, "neumf", "item");
        }
        return forward(users_, items_);
    }

    /// Logits (batch x 1) of the pairs (users[r], items[r]), ids as integers; raises argument_error for
    /// an index out of range.
    const matrix<T>& forward(std::span<const std::size_t> users, std::span<const std::size_t> items) {
        const std::size_t b = users.size(), h = mlp_width();
        ids_.resize(2 * b);
        for (std::size_t r = 0; r < b; ++r) {
            if (users[r] >= n_users_ || items[r] >= n_items_)
                throw argument_error(causalrec::cat("causalrec::rec::neumf: pair (", users[r], ", ", items[r], ") at row ", r,
                                                    " is not in [0, ", n_users_, ") x [0, ", n_items_, ")"));
            ids_[2 * r] = users[r];
            ids_[2 * r + 1] = n_users_ + items[r];
        }
        matrix<T>& c = concat_.get(b, dg_ + h);
        if (gmf_) {
            const matrix<T>& e = gmf_->forward_ids(ids_, 2);
            gmf_out_ = &e;
            for (std::size_t r = 0; r < b; ++r)
                for (std::size_t k = 0; k < dg_; ++k) c(r, k) = e(r, k) * e(r, dg_ + k);
        }
        if (mlp_) {
            const matrix<T>* a = &mlp_->forward_ids(ids_, 2);
            for (std::size_t l = 0; l < layers_.size(); ++l) a = &relus_[l].forward(layers_[l].forward(*a));
            for (std::size_t r = 0; r < b; ++r) std::copy_n(a->data() + r * h, h, c.data() + r * (dg_ + h) + dg_);
        }
        return out_.forward(c);
    }

    /// Given dL/dlogits (batch x 1), stores every parameter gradient (with the L2 term); returns an
    /// empty matrix (indices have no gradient).
    const matrix<T>& backward(const matrix<T>& grad) {
        const matrix<T>& dc = out_.backward(grad);
        const std::size_t b = dc.shape()[0], h = mlp_width(), w = dg_ + h;
        if (gmf_) {
            const matrix<T>& e = *gmf_out_;
            matrix<T>& de = dgmf_.get(b, 2 * dg_);
            for (std::size_t r = 0; r < b; ++r)
                for (std::size_t k = 0; k < dg_; ++k) {
                    de(r, k) = dc(r, k) * e(r, dg_ + k);
                    de(r, dg_ + k) = dc(r, k) * e(r, k);
                }
            gmf_->backward(de);
        }
        if (mlp_) {
            matrix<T>& dh = dmlp_.get(b, h);
            for (std::size_t r = 0; r < b; ++r) std::copy_n(dc.data() + r * w + dg_, h, dh.data() + r * h);
            const matrix<T>* g = &dh;
            for (std::size_t l = layers_.size(); l-- > 0;) g = &layers_[l].backward(relus_[l].backward(*g));
            mlp_->backward(*g);
        }
        add_l2_to_network(*this, l2_);
        return no_grad_;
    }

    /// Every trainable tensor: GMF table, MLP table, MLP layers, output layer.
    std::vector<parameter_view<T>> parameters() {
        std::vector<parameter_view<T>> out;
        if (gmf_) append_parameters(out, gmf_->parameters());
        if (mlp_) append_parameters(out, mlp_->parameters());
        for (auto& layer : layers_) append_parameters(out, layer.parameters());
        append_parameters(out, out_.parameters());
        return out;
    }

    /// Recomputes the per-item part of the first MLP layer that scoring reuses (after weights change).
    void refresh() {
        if (!mlp_) return;
        const nn::dense<T>& first = layers_.front();
        const std::size_t n1 = first.outputs();
        item_first_.assign(n_items_ * n1, T(0));
        const T* q = mlp_->table().data() + n_users_ * dm_;
        const T* w = first.weight().data() + dm_ * n1;  // rows dm..2dm-1: the item half
        for (std::size_t i = 0; i < n_items_; ++i) {
            T* y = item_first_.data() + i * n1;
            for (std::size_t k = 0; k < dm_; ++k) {
                const T a = q[i * dm_ + k];
                for (std::size_t o = 0; o < n1; ++o) y[o] += a * w[k * n1 + o];
            }
        }
    }

    /// The logits of `user` for `items` (each < n_items) into `out`; reads the weights only, so
    /// several threads may call it at once. Call refresh() after changing weights.
    void logits(std::size_t user, std::span<const std::size_t> items, std::span<double> out) const {
        const T* w_out = out_.weight().data();
        const T b_out = out_.bias()(0);
        std::vector<T> v(dg_), u_first, a, next;
        if (gmf_) {
            const T* p = gmf_->table().data() + user * dg_;
            for (std::size_t k = 0; k < dg_; ++k) v[k] = p[k] * w_out[k];
        }
        if (mlp_) {
            // The user half (rows 0..dm-1) of the first MLP layer, plus its bias.
            const nn::dense<T>& first = layers_.front();
            const std::size_t n1 = first.outputs();
            const T* p = mlp_->table().data() + user * dm_;
            const T* w = first.weight().data();
            u_first.assign(first.bias().data(), first.bias().data() + n1);
            for (std::size_t k = 0; k < dm_; ++k)
                for (std::size_t o = 0; o < n1; ++o) u_first[o] += p[k] * w[k * n1 + o];
        }
        constexpr std::size_t chunk = 256;
        for (std::size_t c0 = 0; c0 < items.size(); c0 += chunk) {
            const std::size_t m = std::min(chunk, items.size() - c0);
            for (std::size_t j = 0; j < m; ++j) {
                T s = b_out;
                if (gmf_) {
                    const T* q = gmf_->table().data() + (n_users_ + items[c0 + j]) * dg_;
                    for (std::size_t k = 0; k < dg_; ++k) s += q[k] * v[k];
                }
                out[c0 + j] = static_cast<double>(s);
            }
            if (!mlp_) continue;
            const std::size_t n1 = u_first.size();
            a.resize(m * n1);
            for (std::size_t j = 0; j < m; ++j) {
                const T* it = item_first_.data() + items[c0 + j] * n1;
                for (std::size_t o = 0; o < n1; ++o) a[j * n1 + o] = std::max(u_first[o] + it[o], T(0));
            }
            for (std::size_t l = 1; l < layers_.size(); ++l) {
                next.resize(m * layers_[l].outputs());
                dense_rows(layers_[l], a.data(), m, next.data(), true);
                std::swap(a, next);
            }
            const std::size_t h = mlp_width();
            for (std::size_t j = 0; j < m; ++j) {
                T s = T(0);
                for (std::size_t k = 0; k < h; ++k) s += a[j * h + k] * w_out[dg_ + k];
                out[c0 + j] += static_cast<double>(s);
            }
        }
    }

    /// Number of users.
    std::size_t n_users() const noexcept { return n_users_; }
    /// Number of items.
    std::size_t n_items() const noexcept { return n_items_; }
    /// GMF table (users then items; empty optional without the GMF branch).
    std::optional<nn::embedding<T>>& gmf() noexcept { return gmf_; }
    /// GMF table (users then items; empty optional without the GMF branch).
    const std::optional<nn::embedding<T>>& gmf() const noexcept { return gmf_; }
    /// MLP table (users then items; empty optional without the MLP branch).
    std::optional<nn::embedding<T>>& mlp() noexcept { return mlp_; }
    /// MLP table (users then items; empty optional without the MLP branch).
    const std::optional<nn::embedding<T>>& mlp() const noexcept { return mlp_; }
    /// The MLP's dense layers (each followed by relu).
    std::vector<nn::dense<T>>& mlp_layers() noexcept { return layers_; }
    /// The MLP's dense layers (each followed by relu).
    const std::vector<nn::dense<T>>& mlp_layers() const noexcept { return layers_; }
    /// The output layer (gmf_dim + last MLP size -> 1).
    nn::dense<T>& output() noexcept { return out_; }
    /// The output layer (gmf_dim + last MLP size -> 1).
    const nn::dense<T>& output() const noexcept { return out_; }

private:
    std::size_t mlp_width() const noexcept { return layers_.empty() ? 0 : layers_.back().outputs(); }

    std::size_t n_users_, n_items_, dg_, dm_;
    double l2_;
    std::optional<nn::embedding<T>> gmf_{}, mlp_{};
    std::vector<nn::dense<T>> layers_{};
    std::vector<nn::relu<T>> relus_{};
    nn::dense<T> out_;
    std::vector<T> item_first_{};
    shape_cache<T> concat_{}, dgmf_{}, dmlp_{};
    std::vector<std::size_t> ids_{}, users_{}, items_{};
    const matrix<T>* gmf_out_ = nullptr;
    matrix<T> no_grad_ = make_matrix<T>(0, 0);
};

}  // namespace detail

/// NeuMF, neural matrix factorisation (He et al. 2017): logit(u, i) = w . [p_u * q_i, MLP([p'_u, q'_i])] + b,
/// a GMF branch (element-wise product of user and item embeddings) and an MLP branch (separate
/// embeddings, concatenated, through dense + relu layers), trained on implicit feedback (every
/// distinct (user, item) pair of the log is a positive; values are ignored) with binary
/// cross-entropy from logits against `negatives` items per positive, drawn every epoch from the
/// items the user did not interact with. score() returns the logit (apply a sigmoid for a
/// probability). A user without training history is not covered: all scores 0, no recommendations.
class neumf {
public:
    /// The model name in files and messages.
    static constexpr std::string_view model_name = "neumf";

    /// A model with the given options; raises argument_error for an invalid option.
    explicit neumf(neumf_options options = {});
    /// Destroys the model (defined with the model's code, so that a program does not compile the network's destructor).
    ~neumf();
    /// Moves the model.
    neumf(neumf&&) noexcept;
    /// Moves the model.
    neumf& operator=(neumf&&) noexcept;
    /// Copies the model.
    neumf(const neumf&);
    /// Copies the model.
    neumf& operator=(const neumf&);

    /// Trains with Adam at options.learning_rate; returns fit's History (loss per epoch).
    train::history fit(const data::interactions& log);

    /// Trains with any optimizer and any fit callbacks (early_stopping on val_loss needs a
    /// validation_split); raises argument_error for an empty log or a user who saw every item.
    template <class Optimizer, class... Callbacks>
        requires optim::Optimizer<std::remove_cvref_t<Optimizer>, float>
    train::history fit(const data::interactions& log, Optimizer&& optimizer, Callbacks&&... callbacks) {
        rng seeds(options_.seed);
        const std::uint64_t net_seed = seeds(), sample_seed = seeds(), shuffle_seed = seeds();
        log_summary summary = log_summary::of(log);
        const detail::negative_sampler sampler(summary.seen, log.n_items(), options_.negatives, sample_seed, model_name);
        detail::neumf_net<float> net(log.n_users(), log.n_items(), options_, net_seed);
        detail::implicit_feedback_objective objective(net, sampler, options_.validation_split, model_name);
        train::history h = train::fit(objective, std::forward<Optimizer>(optimizer),
                                      detail::neural_train_options(options_, shuffle_seed), std::forward<Callbacks>(callbacks)...);
        net.refresh();
        net_.emplace(std::move(net));
        log_ = std::move(summary);
        fitted_ = true;
        return h;
    }

    /// True after fit() or from_file().
    bool is_fitted() const noexcept { return fitted_; }
    /// Users of the training log.
    std::size_t n_users() const noexcept { return log_.n_users; }
    /// Items of the training log.
    std::size_t n_items() const noexcept { return log_.n_items; }
    /// The options.
    const neumf_options& options() const noexcept { return options_; }
    /// The training log's summary (counts, id maps, seen items).
    const log_summary& log() const noexcept { return log_; }
    /// The trained network; raises not_fitted_error before fit.
    const detail::neumf_net<float>& network() const;

    /// True for a training user with at least one training item.
    bool covers(std::size_t user) const noexcept { return fitted_ && log_.has_history(user); }

    /// The logits of `items` for `user` (0 for a user without history); raises not_fitted_error
    /// before fit and argument_error for an item out of range.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const;

    /// The k best items for `user` by logit, best first (ties: lower index), without the user's
    /// training items when exclude_seen; empty for a user without history.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const;

    /// The model as a recommender file: options, log summary and the tensors "gmf.user", "gmf.item",
    /// "mlp.user", "mlp.item", "mlp.dense<k>.weight" / ".bias", "output.weight", "output.bias".
    io::tensor_file to_file() const;

    /// A model read back from to_file(); raises format_error when the file is not a neumf file or
    /// its options or tensors are inconsistent.
    static neumf from_file(io::tensor_file file);

private:
    static void check_options(const neumf_options& o);

    neumf_options options_;
    log_summary log_{};
    std::optional<detail::neumf_net<float>> net_{};
    bool fitted_ = false;
};

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/neumf.hpp"
#endif
