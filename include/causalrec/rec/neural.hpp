#pragma once
/// @file
/// Neural recommenders for implicit feedback: NeuMF (He et al. 2017, "Neural Collaborative
/// Filtering") and a two-tower model (after Yi et al. 2019) with optional user and item side
/// features. Both are built from the nn module's embedding and dense layers and trained by
/// train::fit through an objective (implicit_feedback_objective) that carries user and item ids as
/// integers, on binary cross-entropy from logits, with negatives sampled afresh every epoch.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../data/interactions.hpp"
#include "../io/safetensors.hpp"
#include "../loss/cross_entropy.hpp"
#include "../nn/activations.hpp"
#include "../nn/dense.hpp"
#include "../core/shape_cache.hpp"
#include "../nn/embedding.hpp"
#include "../optim/adam.hpp"
#include "../optim/concepts.hpp"
#include "../train/fit.hpp"
#include "../train/loop.hpp"
#include "../train/history.hpp"
#include "common.hpp"
#include "concepts.hpp"
#include "persistence.hpp"

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

/// Options of two_tower. fit(log) trains with Adam at `learning_rate`; fit(log, optimizer,
/// callbacks...) takes any optimizer and fit callbacks.
struct two_tower_options {
    std::size_t embedding_dim{32};                 ///< id embedding size in each tower (0 = features only)
    std::vector<std::size_t> tower_layers{64, 32};  ///< dense sizes of each tower, relu between; the last is the output size d
    double id_dropout{0.0};                        ///< share of training rows whose ids are replaced by the unknown-id row (teaches the towers to score from features)
    std::size_t negatives{4};                      ///< negatives sampled per positive, afresh every epoch
    std::size_t epochs{10};                        ///< passes over the positives and their negatives
    std::size_t batch_size{256};                   ///< rows (positives and negatives) per step
    double learning_rate{1e-3};                    ///< Adam's learning rate in fit(log)
    double l2{0.0};                                ///< L2 penalty (l2/2)||w||^2 on weights and on the embedding rows of each batch
    double init_stddev{0.05};                      ///< embeddings start ~ N(0, init_stddev^2)
    double validation_split{0.0};                  ///< share of positives (with their negatives) held out as val_loss
    int verbose{0};                                ///< fit's verbosity: 0 silent, 1 progress bar, 2 a line per epoch
    std::uint64_t seed{0};                         ///< seed of the initial weights, the negatives, id dropout and the batch order
};

/// Side features of the two-tower model: one row per user (item), any number of columns (scale
/// them first). Empty = none. More rows than the log has users (items) add feature-only users
/// (items) that the model scores from their features.
struct two_tower_features {
    matrix<float> user = make_matrix<float>(0, 0);  ///< user features (rows >= the log's users, or empty)
    matrix<float> item = make_matrix<float>(0, 0);  ///< item features (rows >= the log's items, or empty)
};

namespace detail {


/// Checks the training options neumf and two_tower share; raises argument_error naming the model.
template <class Options>
void check_training_options(std::string_view model, const Options& o) {
    using causalrec::cat;
    if (o.negatives == 0) throw argument_error(cat(model, ": negatives must be at least 1"));
    if (o.epochs == 0) throw argument_error(cat(model, ": epochs must be at least 1"));
    if (o.batch_size == 0) throw argument_error(cat(model, ": batch_size must be at least 1"));
    if (!(o.learning_rate > 0.0) || !std::isfinite(o.learning_rate))
        throw argument_error(cat(model, ": learning_rate must be a finite number > 0, got ", o.learning_rate));
    if (!(o.l2 >= 0.0) || !std::isfinite(o.l2)) throw argument_error(cat(model, ": l2 must be a finite number >= 0, got ", o.l2));
    if (!(o.init_stddev >= 0.0) || !std::isfinite(o.init_stddev))
        throw argument_error(cat(model, ": init_stddev must be a finite number >= 0, got ", o.init_stddev));
    if (!(o.validation_split >= 0.0 && o.validation_split < 1.0))
        throw argument_error(cat(model, ": validation_split must be in [0, 1), got ", o.validation_split));
}

/// Checks a list of layer sizes (each > 0).
inline void check_layer_sizes(std::string_view model, std::string_view field, const std::vector<std::size_t>& sizes) {
    for (std::size_t k = 0; k < sizes.size(); ++k)
        if (sizes[k] == 0) throw argument_error(causalrec::cat(model, ": ", field, "[", k, "] is 0; layer sizes must be positive"));
}

/// Adds the L2 gradient l2 * w to every weight (not biases); sparse parameters only on their touched rows.
template <class T>
void add_l2_gradient(std::span<const parameter_view<T>> params, double l2) {
    if (l2 == 0.0) return;
    const T c = static_cast<T>(l2);
    for (const auto& p : params) {
        if (p.name == "bias") continue;
        if (p.sparse) {
            for (std::size_t row : p.touched_rows)
                for (std::size_t k = 0; k < p.row_size; ++k) p.grad[row * p.row_size + k] += c * p.value[row * p.row_size + k];
        } else {
            for (std::size_t k = 0; k < p.size(); ++k) p.grad[k] += c * p.value[k];
        }
    }
}

/// Adds the L2 gradient of `net`'s parameters (see above) after its backward pass.
template <class Net>
void add_l2_to_network(Net& net, double l2) {
    if (l2 == 0.0) return;
    const auto params = net.parameters();
    add_l2_gradient<typename Net::value_type>(std::span<const parameter_view<typename Net::value_type>>(params), l2);
}

/// Appends a layer's non-empty parameter views to `out`.
template <class T, class Range>
void append_parameters(std::vector<parameter_view<T>>& out, Range&& params) {
    for (const auto& p : params)
        if (p.size() > 0) out.push_back(p);
}

/// y (rows x out) = x (rows x in, row-major) W + b, then relu when asked; plain loops whose result
/// for a row does not depend on the other rows (score() and recommend() agree exactly).
template <class T>
void dense_rows(const nn::dense<T>& layer, const T* x, std::size_t rows, T* y, bool relu) {
    const std::size_t in = layer.inputs(), out = layer.outputs();
    const T* w = layer.weight().data();
    const T* b = layer.bias().data();
    for (std::size_t r = 0; r < rows; ++r) {
        T* yr = y + r * out;
        for (std::size_t o = 0; o < out; ++o) yr[o] = layer.bias().size() ? b[o] : T(0);
        const T* xr = x + r * in;
        for (std::size_t k = 0; k < in; ++k) {
            const T a = xr[k];
            const T* wk = w + k * out;
            for (std::size_t o = 0; o < out; ++o) yr[o] += a * wk[o];
        }
        if (relu)
            for (std::size_t o = 0; o < out; ++o) yr[o] = std::max(yr[o], T(0));
    }
}

/// Reads an index column value of a training batch; raises argument_error unless it is an integer in [0, n).
template <class T>
std::size_t checked_index(T value, std::size_t n, std::size_t row, std::string_view model, std::string_view what) {
    if (!(value >= T(0)) || value != std::floor(value) || static_cast<double>(value) >= static_cast<double>(n))
        throw argument_error(causalrec::cat(model, ": ", what, " index ", static_cast<double>(value), " at row ", row,
                                                    " is not in [0, ", n, ")"));
    return static_cast<std::size_t>(value);
}

/// Training rows for implicit feedback with sampled negatives. The positives are the distinct
/// (user, item) pairs of the log, in a seeded random order; row r belongs to positive
/// r / (1 + negatives): its first row is the positive (target 1), the others negatives of the same
/// user (target 0), drawn uniformly from the items the user did not interact with.
class negative_sampler {
public:
    /// A sampler over `seen` (a log's seen items) with a catalogue of `n_items` items; raises
    /// argument_error when the log has no interaction or a user interacted with every item.
    negative_sampler(const seen_items& seen, std::size_t n_items, std::size_t negatives, std::uint64_t seed,
                     std::string_view model)
        : seen_(&seen), n_items_(n_items), negatives_(negatives), seed_(seed) {
        const std::size_t n_users = seen.row_ptr.size() - 1;
        for (std::size_t u = 0; u < n_users; ++u) {
            const auto items = seen.of(u);
            if (!items.empty() && items.size() >= n_items)
                throw argument_error(causalrec::cat(model, ": user ", u, " interacted with all ", n_items,
                                                            " items; there is no negative item to sample"));
            for (std::size_t i : items) {
                users_.push_back(u);
                items_.push_back(i);
            }
        }
        if (users_.empty()) throw argument_error(causalrec::cat(model, ": the log has no interaction to train on"));
        rng engine(seed);
        order_ = engine.permutation(users_.size());
    }

    /// Number of rows: positives * (1 + negatives).
    std::size_t rows() const noexcept { return users_.size() * (1 + negatives_); }

    /// Writes rows 0..users.size()-1 (user, item and target) with the negatives of draw `stream`
    /// (the same stream gives the same negatives; a shorter span gets the same first rows).
    void fill(std::uint64_t stream, std::span<std::size_t> users, std::span<std::size_t> items, std::span<float> targets) const {
        rng engine(seed_ ^ (0x9e3779b97f4a7c15ULL * (stream + 1)));
        const std::size_t group = 1 + negatives_;
        for (std::size_t r = 0; r < users.size(); ++r) {
            const std::size_t p = order_[r / group];
            const std::size_t user = users_[p];
            const bool positive = r % group == 0;
            users[r] = user;
            items[r] = positive ? items_[p] : draw(user, engine);
            targets[r] = positive ? 1.0f : 0.0f;
        }
    }

    /// The draw of the rows held out for validation (the same every epoch).
    static constexpr std::uint64_t held_out_stream = ~std::uint64_t{0};

private:
    /// A uniform draw among the items `user` did not interact with: a few rejection trials, then the
    /// exact k-th unseen item (both uniform).
    std::size_t draw(std::size_t user, rng& engine) const {
        const auto seen = seen_->of(user);
        for (int trial = 0; trial < 8; ++trial) {
            const auto item = static_cast<std::size_t>(engine.uniform_index(n_items_));
            if (!std::binary_search(seen.begin(), seen.end(), item)) return item;
        }
        auto item = static_cast<std::size_t>(engine.uniform_index(n_items_ - seen.size()));
        for (std::size_t s : seen) {
            if (s > item) break;
            ++item;
        }
        return item;
    }

    const seen_items* seen_;
    std::size_t n_items_, negatives_;
    std::uint64_t seed_;
    std::vector<std::size_t> users_{}, items_{}, order_{};
};

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
            throw shape_error(causalrec::cat("neumf: input has ", x.shape()[1], " columns, expected 2 (user, item)"));
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
                throw argument_error(causalrec::cat("neumf: pair (", users[r], ", ", items[r], ") at row ", r,
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

/// One tower of the two-tower model: an id embedding (optional; the row after the last id is the
/// unknown-id row, which starts at zero) side by side with a row of side features (optional),
/// through dense layers with relu between them, to a vector of the last layer's size.
template <class T = float>
class tower {
public:
    /// Value type of the tower.
    using value_type = T;

    /// A tower for `count` ids (each with its own embedding row) with `features` (rows >= count, or
    /// empty), embedding size `emb_dim` (0 = none) and dense `layers`, initialised from `seed`.
    tower(std::size_t count, std::size_t emb_dim, matrix<T> features, const std::vector<std::size_t>& layers,
          double init_stddev, std::uint64_t seed, std::string_view name)
        : name_(name), count_(count), features_(std::move(features)), own_(count, 1) {
        rng engine(seed);
        const std::size_t f = features_.shape()[1];
        if (emb_dim > 0) {
            emb_.emplace(count + 1, emb_dim, nn::embedding_options{.init_stddev = init_stddev, .seed = engine()});
            std::fill_n(emb_->table().data() + count * emb_dim, emb_dim, T(0));
        }
        std::size_t in = emb_dim + f;
        for (std::size_t width : layers) {
            layers_.emplace_back(in, width, nn::dense_options{.seed = engine()});
            in = width;
        }
        relus_.resize(layers_.size() - 1);
        if (!emb_) layers_.front().set_input_gradient(false);
    }

    /// Marks which of the `count` ids use their own embedding row (the others use the unknown-id row).
    void set_own_rows(std::vector<char> own) { own_ = std::move(own); }

    /// Indices the tower encodes: the ids and the feature rows.
    std::size_t size() const noexcept { return std::max(count_, features_.shape()[0]); }
    /// Ids with an embedding row.
    std::size_t count() const noexcept { return count_; }
    /// Embedding size (0 = none).
    std::size_t embedding_dim() const noexcept { return emb_ ? emb_->dim() : 0; }
    /// Feature columns (0 = none).
    std::size_t feature_dim() const noexcept { return features_.shape()[1]; }
    /// Output size.
    std::size_t output_dim() const noexcept { return layers_.back().outputs(); }

    /// The vectors (batch x d) of `indices` (each < size()); with `dropout`, each row's id is replaced by
    /// the unknown id with probability p. Raises argument_error for an index out of range.
    const matrix<T>& forward(std::span<const std::size_t> indices, rng* dropout, double p) {
        const std::size_t b = indices.size(), de = embedding_dim(), f = feature_dim();
        for (std::size_t r = 0; r < b; ++r)
            if (indices[r] >= size())
                throw argument_error(causalrec::cat("two_tower: ", name_, " index ", indices[r], " at row ", r,
                                                    " is not in [0, ", size(), ")"));
        matrix<T>& input = input_.get(b, de + f);
        if (emb_) {
            ids_.resize(b);
            for (std::size_t r = 0; r < b; ++r) {
                std::size_t id = row_of(indices[r]);
                if (dropout != nullptr && p > 0.0 && dropout->bernoulli(p)) id = count_;
                ids_[r] = id;
            }
            const matrix<T>& e = emb_->forward_ids(ids_, 1);
            for (std::size_t r = 0; r < b; ++r) std::copy_n(e.data() + r * de, de, input.data() + r * (de + f));
        }
        if (f > 0)
            for (std::size_t r = 0; r < b; ++r)
                std::copy_n(features_.data() + indices[r] * f, f, input.data() + r * (de + f) + de);
        const matrix<T>* a = &input;
        for (std::size_t l = 0; l < layers_.size(); ++l) {
            a = &layers_[l].forward(*a);
            if (l + 1 < layers_.size()) a = &relus_[l].forward(*a);
        }
        return *a;
    }

    /// Stores the gradients of the layers and of the embedding rows of the last batch.
    void backward(const matrix<T>& grad) {
        const matrix<T>* g = &grad;
        for (std::size_t l = layers_.size(); l-- > 0;) {
            if (l + 1 < layers_.size()) g = &relus_[l].backward(*g);
            g = &layers_[l].backward(*g);
        }
        if (!emb_) return;
        const std::size_t b = g->shape()[0], de = embedding_dim(), w = de + feature_dim();
        matrix<T>& de_grad = demb_.get(b, de);
        for (std::size_t r = 0; r < b; ++r) std::copy_n(g->data() + r * w, de, de_grad.data() + r * de);
        emb_->backward(de_grad);
    }

    /// Appends the tower's trainable tensors to `out`.
    void append_to(std::vector<parameter_view<T>>& out) {
        if (emb_) append_parameters(out, emb_->parameters());
        for (auto& layer : layers_) append_parameters(out, layer.parameters());
    }

    /// The vectors (rows x d) of `indices` (each < size()); reads the weights only.
    matrix<T> encode(std::span<const std::size_t> indices) const {
        const std::size_t de = embedding_dim(), f = feature_dim();
        std::vector<T> input(indices.size() * (de + f), T(0));
        for (std::size_t r = 0; r < indices.size(); ++r) {
            if (emb_) std::copy_n(emb_->table().data() + row_of(indices[r]) * de, de, input.data() + r * (de + f));
            if (f > 0 && indices[r] < features_.shape()[0])
                std::copy_n(features_.data() + indices[r] * f, f, input.data() + r * (de + f) + de);
        }
        return through_layers(std::move(input), indices.size());
    }

    /// The vector of a new entity from its feature row (the unknown-id row for the id); reads the weights only.
    matrix<T> encode_features(std::span<const T> features) const {
        const std::size_t de = embedding_dim(), f = feature_dim();
        std::vector<T> input(de + f, T(0));
        if (emb_) std::copy_n(emb_->table().data() + count_ * de, de, input.data());
        std::copy_n(features.data(), f, input.data() + de);
        return through_layers(std::move(input), 1);
    }

    /// The embedding table ((count + 1) x dim, the last row for unknown ids); empty optional without ids.
    std::optional<nn::embedding<T>>& embedding() noexcept { return emb_; }
    /// The embedding table ((count + 1) x dim, the last row for unknown ids); empty optional without ids.
    const std::optional<nn::embedding<T>>& embedding() const noexcept { return emb_; }
    /// The dense layers.
    std::vector<nn::dense<T>>& layers() noexcept { return layers_; }
    /// The dense layers.
    const std::vector<nn::dense<T>>& layers() const noexcept { return layers_; }
    /// The side features (rows x f; 0 x 0 without).
    const matrix<T>& features() const noexcept { return features_; }

private:
    std::size_t row_of(std::size_t index) const noexcept { return index < count_ && own_[index] ? index : count_; }

    matrix<T> through_layers(std::vector<T> input, std::size_t rows) const {
        std::vector<T> next;
        for (std::size_t l = 0; l < layers_.size(); ++l) {
            next.resize(rows * layers_[l].outputs());
            dense_rows(layers_[l], input.data(), rows, next.data(), l + 1 < layers_.size());
            std::swap(input, next);
        }
        matrix<T> out = make_matrix<T>(rows, output_dim());
        std::copy(input.begin(), input.end(), out.data());
        return out;
    }

    std::string name_;
    std::size_t count_;
    matrix<T> features_;
    std::vector<char> own_;
    std::optional<nn::embedding<T>> emb_{};
    std::vector<nn::dense<T>> layers_{};
    std::vector<nn::relu<T>> relus_{};
    std::vector<std::size_t> ids_{};
    shape_cache<T> input_{}, demb_{};
};

/// The two-tower network as an nn layer: forward maps a batch of [user, item] rows to the logits
/// u . v (batch x 1), u and v the towers' outputs; backward stores the gradients (plus the L2 term).
/// In training mode, id dropout replaces ids by the unknown id.
template <class T = float>
class two_tower_net {
public:
    /// Value type of the network.
    using value_type = T;

    /// A network of the two towers (same output size), with the L2 penalty and id dropout (seeded).
    two_tower_net(tower<T> user, tower<T> item, double l2, double id_dropout, std::uint64_t seed)
        : user_(std::move(user)), item_(std::move(item)), l2_(l2), id_dropout_(id_dropout), dropout_engine_(seed) {}

    /// Logits (batch x 1) of the [user, item] rows of x (indices as T, exact integers); raises
    /// argument_error for an index out of range.
    const matrix<T>& forward(const matrix<T>& x) {
        if (x.shape()[1] != 2)
            throw shape_error(causalrec::cat("two_tower: input has ", x.shape()[1], " columns, expected 2 (user, item)"));
        const std::size_t b = x.shape()[0];
        users_.resize(b), items_.resize(b);
        for (std::size_t r = 0; r < b; ++r) {
            users_[r] = checked_index(x(r, 0), user_.size(), r, "two_tower", "user");
            items_[r] = checked_index(x(r, 1), item_.size(), r, "two_tower", "item");
        }
        return forward(users_, items_);
    }

    /// Logits (batch x 1) of the pairs (users[r], items[r]), indices as integers; raises argument_error
    /// for an index out of range.
    const matrix<T>& forward(std::span<const std::size_t> users, std::span<const std::size_t> items) {
        rng* dropout = training_ ? &dropout_engine_ : nullptr;
        u_ = &user_.forward(users, dropout, id_dropout_);
        v_ = &item_.forward(items, dropout, id_dropout_);
        const std::size_t b = users.size(), d = user_.output_dim();
        matrix<T>& z = logits_.get(b, 1);
        for (std::size_t r = 0; r < b; ++r) {
            T s = T(0);
            for (std::size_t k = 0; k < d; ++k) s += (*u_)(r, k) * (*v_)(r, k);
            z(r, 0) = s;
        }
        return z;
    }

    /// Given dL/dlogits (batch x 1), stores every parameter gradient; returns an empty matrix.
    const matrix<T>& backward(const matrix<T>& grad) {
        const std::size_t b = grad.shape()[0], d = user_.output_dim();
        matrix<T>& gu = du_.get(b, d);
        matrix<T>& gv = dv_.get(b, d);
        for (std::size_t r = 0; r < b; ++r)
            for (std::size_t k = 0; k < d; ++k) {
                gu(r, k) = grad(r, 0) * (*v_)(r, k);
                gv(r, k) = grad(r, 0) * (*u_)(r, k);
            }
        user_.backward(gu);
        item_.backward(gv);
        add_l2_to_network(*this, l2_);
        return no_grad_;
    }

    /// Every trainable tensor: the user tower's, then the item tower's.
    std::vector<parameter_view<T>> parameters() {
        std::vector<parameter_view<T>> out;
        user_.append_to(out);
        item_.append_to(out);
        return out;
    }

    /// Training mode turns id dropout on.
    void set_training(bool training) noexcept { training_ = training; }

    /// The user tower.
    tower<T>& user_tower() noexcept { return user_; }
    /// The user tower.
    const tower<T>& user_tower() const noexcept { return user_; }
    /// The item tower.
    tower<T>& item_tower() noexcept { return item_; }
    /// The item tower.
    const tower<T>& item_tower() const noexcept { return item_; }

private:
    tower<T> user_, item_;
    double l2_, id_dropout_;
    rng dropout_engine_;
    bool training_ = false;
    const matrix<T>* u_ = nullptr;
    const matrix<T>* v_ = nullptr;
    shape_cache<T> logits_{}, du_{}, dv_{};
    std::vector<std::size_t> users_{}, items_{};
    matrix<T> no_grad_ = make_matrix<T>(0, 0);
};

/// Where a saved recommender came from, for messages.
inline std::string source_of(const opened_file& f) { return f.file.source().empty() ? std::string("<memory>") : f.file.source(); }

/// The float tensor `name` of the expected shape with finite values; raises format_error otherwise.
inline std::vector<float> finite_tensor(const opened_file& f, std::string_view name, std::vector<std::size_t> shape) {
    std::vector<float> v = values_with_shape<float>(f, name, std::move(shape));
    for (float x : v)
        if (!std::isfinite(x))
            throw format_error(causalrec::cat(source_of(f), ": tensor '", name, "' has a non-finite value"));
    return v;
}

/// Reads the training options shared by neumf_options and two_tower_options from a saved model.
template <class Options>
void read_training_options(const opened_file& f, Options& o) {
    o.negatives = option<std::size_t>(f, "negatives");
    o.epochs = option<std::size_t>(f, "epochs");
    o.batch_size = option<std::size_t>(f, "batch_size");
    o.learning_rate = option<double>(f, "learning_rate");
    o.l2 = option<double>(f, "l2");
    o.init_stddev = option<double>(f, "init_stddev");
    o.validation_split = option<double>(f, "validation_split");
    o.verbose = option<int>(f, "verbose");
    o.seed = option<std::uint64_t>(f, "seed");
}

/// Writes the training options shared by neumf_options and two_tower_options.
template <class Options>
void write_training_options(nlohmann::json& j, const Options& o) {
    j["negatives"] = o.negatives;
    j["epochs"] = o.epochs;
    j["batch_size"] = o.batch_size;
    j["learning_rate"] = o.learning_rate;
    j["l2"] = o.l2;
    j["init_stddev"] = o.init_stddev;
    j["validation_split"] = o.validation_split;
    j["verbose"] = o.verbose;
    j["seed"] = o.seed;
}

/// Implicit feedback as a train::Objective for a network with forward(users, items) -> logits and
/// backward(dlogits): the rows are the log's positives, each followed by `negatives` sampled items of
/// the same user, with user and item ids carried as integers (no float round-trip, any catalogue size).
/// The loss of a batch is the mean binary cross-entropy of its logits. With a validation share, the
/// last rows (positives with their negatives, drawn once) are held out and scored as "val_loss" after
/// every epoch; the training rows draw fresh negatives at the start of every epoch.
template <class Net>
class implicit_feedback_objective {
public:
    using value_type = typename Net::value_type;  ///< the network's element type

    /// The objective of `net` on the rows of `sampler`, holding out `validation_split` of them.
    implicit_feedback_objective(Net& net, const negative_sampler& sampler, double validation_split, std::string_view model)
        : net_(&net), sampler_(&sampler), users_(sampler.rows()), items_(sampler.rows()), targets_(sampler.rows()) {
        if (!(validation_split >= 0.0 && validation_split < 1.0))
            throw argument_error(causalrec::cat(model, ": validation_split must be in [0, 1), got ", validation_split));
        const std::size_t n = sampler.rows();
        train_rows_ = n;
        if (validation_split > 0.0) {
            train_rows_ = static_cast<std::size_t>(static_cast<double>(n) * (1.0 - validation_split));
            if (train_rows_ == 0 || train_rows_ == n)
                throw argument_error(causalrec::cat("fit: validation_split ", validation_split, " leaves an empty part of ",
                                                    n, " rows"));
        }
        sampler.fill(negative_sampler::held_out_stream, users_, items_, targets_);
    }

    /// Training rows (positives and their negatives).
    std::size_t samples() const noexcept { return train_rows_; }
    /// The network's trainable tensors.
    auto parameters() { return net_->parameters(); }
    /// The network (what callbacks see as ctx.model).
    Net& model() noexcept { return *net_; }
    /// Training mode (id dropout of the two-tower model).
    void set_training(bool training) {
        if constexpr (requires { net_->set_training(training); }) net_->set_training(training);
    }

    /// Draws the negatives of the training rows for this epoch.
    void begin_epoch(std::size_t epoch) {
        sampler_->fill(epoch, std::span<std::size_t>(users_.data(), train_rows_), std::span<std::size_t>(items_.data(), train_rows_),
                       std::span<float>(targets_.data(), train_rows_));
    }

    /// Mean binary cross-entropy of the batch's logits, back-propagated into the network.
    double loss_and_gradient(std::span<const std::size_t> batch) {
        gather(batch);
        const matrix<value_type>& logits = net_->forward(batch_users_, batch_items_);
        matrix<value_type>& grad = grads_.get(batch.size(), 1);
        const double value = loss_.value_and_gradient(logits, batch_targets_.get(batch.size(), 1), {}, grad);
        net_->backward(grad);
        return value;
    }

    /// "val_loss": the mean loss of the held-out rows, in inference mode, in passes of 512 rows.
    void end_epoch(train::epoch_logs& logs) {
        const std::size_t n = users_.size();
        if (train_rows_ == n) return;
        set_training(false);
        double total = 0.0;
        std::vector<std::size_t> rows;
        for (std::size_t begin = train_rows_; begin < n; begin += 512) {
            const std::size_t end = std::min(n, begin + 512);
            rows.resize(end - begin);
            for (std::size_t r = 0; r < rows.size(); ++r) rows[r] = begin + r;
            gather(rows);
            const matrix<value_type>& logits = net_->forward(batch_users_, batch_items_);
            total += loss_.value(logits, batch_targets_.get(rows.size(), 1)) * static_cast<double>(rows.size());
        }
        set_training(true);
        logs["val_loss"] = total / static_cast<double>(n - train_rows_);
    }

private:
    void gather(std::span<const std::size_t> rows) {
        const std::size_t b = rows.size();
        batch_users_.resize(b), batch_items_.resize(b);
        matrix<value_type>& t = batch_targets_.get(b, 1);
        for (std::size_t r = 0; r < b; ++r) {
            batch_users_[r] = users_[rows[r]];
            batch_items_[r] = items_[rows[r]];
            t(r, 0) = static_cast<value_type>(targets_[rows[r]]);
        }
    }

    Net* net_;
    const negative_sampler* sampler_;
    loss::binary_cross_entropy_with_logits loss_{};
    std::vector<std::size_t> users_, items_;
    std::vector<float> targets_;
    std::size_t train_rows_ = 0;
    std::vector<std::size_t> batch_users_{}, batch_items_{};
    shape_cache<value_type> batch_targets_{}, grads_{};
};

/// The training loop's options of a neural recommender.
template <class Options>
train::train_options neural_train_options(const Options& o, std::uint64_t shuffle_seed) {
    return {.epochs = o.epochs, .batch_size = o.batch_size, .seed = shuffle_seed, .verbose = o.verbose};
}

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
    explicit neumf(neumf_options options = {}) : options_(std::move(options)) { check_options(options_); }

    /// Trains with Adam at options.learning_rate; returns fit's History (loss per epoch).
    train::history fit(const data::interactions& log) {
        return fit(log, optim::adam<float>(optim::adam_options{.learning_rate = options_.learning_rate}));
    }

    /// Trains with any optimizer and any fit callbacks (early_stopping on val_loss needs a
    /// validation_split); raises argument_error for an empty log or a user who saw every item.
    template <class Optimizer, class... Callbacks>
        requires optim::Optimizer<std::remove_cvref_t<Optimizer>, float>
    train::history fit(const data::interactions& log, Optimizer&& optimizer, Callbacks&&... callbacks) {
        rng seeds(options_.seed);
        const std::uint64_t net_seed = seeds(), sample_seed = seeds(), shuffle_seed = seeds();
        detail::log_summary summary = detail::log_summary::of(log);
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
    const detail::log_summary& log() const noexcept { return log_; }
    /// The trained network; raises not_fitted_error before fit.
    const detail::neumf_net<float>& network() const {
        detail::require_fitted(fitted_, model_name);
        return *net_;
    }

    /// True for a training user with at least one training item.
    bool covers(std::size_t user) const noexcept { return fitted_ && log_.has_history(user); }

    /// The logits of `items` for `user` (0 for a user without history); raises not_fitted_error
    /// before fit and argument_error for an item out of range.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const {
        detail::require_fitted(fitted_, model_name);
        detail::check_items(items, log_.n_items, model_name);
        std::vector<double> out(items.size(), 0.0);
        if (covers(user)) net_->logits(user, items, out);
        return out;
    }

    /// The k best items for `user` by logit, best first (ties: lower index), without the user's
    /// training items when exclude_seen; empty for a user without history.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const {
        detail::require_fitted(fitted_, model_name);
        if (!covers(user)) return {};
        std::vector<std::size_t> all(log_.n_items);
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
        std::vector<double> scores(all.size());
        net_->logits(user, all, scores);
        return detail::top_k(scores, k, exclude_seen ? log_.seen.of(user) : std::span<const std::size_t>{});
    }

    /// The model as a recommender file: options, log summary and the tensors "gmf.user", "gmf.item",
    /// "mlp.user", "mlp.item", "mlp.dense<k>.weight" / ".bias", "output.weight", "output.bias".
    io::tensor_file to_file() const {
        if (!fitted_) throw not_fitted_error("neumf: to_file called before fit");
        nlohmann::json o = {{"gmf_dim", options_.gmf_dim}, {"mlp_dim", options_.mlp_dim}, {"mlp_layers", options_.mlp_layers}};
        detail::write_training_options(o, options_);
        io::tensor_file f = detail::begin_file(model_name, o, log_);
        const std::size_t nu = log_.n_users, ni = log_.n_items;
        auto add_table = [&](const std::optional<nn::embedding<float>>& e, const char* user_name, const char* item_name) {
            if (!e) return;
            const std::size_t d = e->dim();
            const float* t = e->table().data();
            f.add<float>(user_name, std::span<const float>(t, nu * d), {nu, d});
            f.add<float>(item_name, std::span<const float>(t + nu * d, ni * d), {ni, d});
        };
        add_table(net_->gmf(), "gmf.user", "gmf.item");
        add_table(net_->mlp(), "mlp.user", "mlp.item");
        for (std::size_t l = 0; l < net_->mlp_layers().size(); ++l) {
            const auto& layer = net_->mlp_layers()[l];
            f.add(causalrec::cat("mlp.dense", l, ".weight"), layer.weight());
            f.add(causalrec::cat("mlp.dense", l, ".bias"), layer.bias());
        }
        f.add("output.weight", net_->output().weight());
        f.add("output.bias", net_->output().bias());
        return f;
    }

    /// A model read back from to_file(); raises format_error when the file is not a neumf file or
    /// its options or tensors are inconsistent.
    static neumf from_file(io::tensor_file file) {
        const detail::opened_file in = detail::open_file(std::move(file), model_name);
        neumf_options o;
        o.gmf_dim = detail::option<std::size_t>(in, "gmf_dim");
        o.mlp_dim = detail::option<std::size_t>(in, "mlp_dim");
        o.mlp_layers = detail::option<std::vector<std::size_t>>(in, "mlp_layers");
        detail::read_training_options(in, o);
        std::optional<neumf> model;
        try {
            model.emplace(o);
        } catch (const argument_error& e) {
            throw format_error(causalrec::cat(detail::source_of(in), ": saved options are invalid: ", e.what()));
        }
        const std::size_t nu = in.log.n_users, ni = in.log.n_items;
        if (nu == 0 || ni == 0) throw format_error(causalrec::cat(detail::source_of(in), ": a neumf file needs users and items"));
        // Read (and check) every tensor before allocating the network from the saved sizes.
        std::vector<std::vector<float>> values;
        std::vector<std::size_t> in_sizes;
        if (o.gmf_dim > 0) {
            values.push_back(detail::finite_tensor(in, "gmf.user", {nu, o.gmf_dim}));
            values.push_back(detail::finite_tensor(in, "gmf.item", {ni, o.gmf_dim}));
        }
        std::size_t width = 2 * o.mlp_dim;
        if (o.mlp_dim > 0) {
            values.push_back(detail::finite_tensor(in, "mlp.user", {nu, o.mlp_dim}));
            values.push_back(detail::finite_tensor(in, "mlp.item", {ni, o.mlp_dim}));
            for (std::size_t l = 0; l < o.mlp_layers.size(); ++l) {
                values.push_back(detail::finite_tensor(in, causalrec::cat("mlp.dense", l, ".weight"), {width, o.mlp_layers[l]}));
                values.push_back(detail::finite_tensor(in, causalrec::cat("mlp.dense", l, ".bias"), {o.mlp_layers[l]}));
                width = o.mlp_layers[l];
            }
        }
        const std::size_t top = o.gmf_dim + (o.mlp_dim > 0 ? width : 0);
        values.push_back(detail::finite_tensor(in, "output.weight", {top, 1}));
        values.push_back(detail::finite_tensor(in, "output.bias", {1}));
        detail::neumf_net<float> net(nu, ni, o, 0);
        std::size_t next = 0;
        auto put = [&](float* dst) {
            std::copy(values[next].begin(), values[next].end(), dst);
            ++next;
        };
        auto put_table = [&](std::optional<nn::embedding<float>>& e) {
            if (!e) return;
            put(e->table().data());
            put(e->table().data() + nu * e->dim());
        };
        put_table(net.gmf());
        put_table(net.mlp());
        for (auto& layer : net.mlp_layers()) {
            put(layer.weight().data());
            put(layer.bias().data());
        }
        put(net.output().weight().data());
        put(net.output().bias().data());
        net.refresh();
        model->net_.emplace(std::move(net));
        model->log_ = in.log;
        model->fitted_ = true;
        return std::move(*model);
    }

private:
    static void check_options(const neumf_options& o) {
        detail::check_training_options(model_name, o);
        if (o.gmf_dim == 0 && o.mlp_dim == 0) throw argument_error("neumf: gmf_dim and mlp_dim are both 0; at least one branch is needed");
        if (o.mlp_dim > 0 && o.mlp_layers.empty())
            throw argument_error("neumf: mlp_layers is empty; the MLP branch needs at least one layer (or set mlp_dim = 0)");
        if (o.mlp_dim > 0) detail::check_layer_sizes(model_name, "mlp_layers", o.mlp_layers);
    }

    neumf_options options_;
    detail::log_summary log_{};
    std::optional<detail::neumf_net<float>> net_{};
    bool fitted_ = false;
};

/// A two-tower model (after Yi et al. 2019, without their sampling-bias correction): a user tower
/// and an item tower, each an id embedding beside an optional row of side features, through dense
/// layers (relu between) to d-vectors; logit(u, i) = u . v. Trained like neumf (sampled negatives,
/// binary cross-entropy from logits). After fit, every item's and user's vector is cached, so
/// scoring is a dot product. With item features, new items are scored from their features
/// (score_new_item); with user features, new users (score_new_user, recommend_new_user), also by
/// index when the feature matrix has more rows than the log has users. A user is covered when it
/// has training history or a feature row; other users get all scores 0 and no recommendations.
class two_tower {
public:
    /// The model name in files and messages.
    static constexpr std::string_view model_name = "two_tower";

    /// A model with the given options and side features; raises argument_error for an invalid
    /// option or a non-finite feature.
    explicit two_tower(two_tower_options options = {}, two_tower_features features = {})
        : options_(std::move(options)), features_(std::move(features)) {
        check_options(options_);
        check_features(features_.user, "user");
        check_features(features_.item, "item");
    }

    /// Trains with Adam at options.learning_rate; returns fit's History (loss per epoch).
    train::history fit(const data::interactions& log) {
        return fit(log, optim::adam<float>(optim::adam_options{.learning_rate = options_.learning_rate}));
    }

    /// Trains with any optimizer and any fit callbacks; raises argument_error for an empty log, a
    /// user who saw every item, a tower without input (no ids and no features), and shape_error for
    /// a feature matrix with fewer rows than the log has users (items).
    template <class Optimizer, class... Callbacks>
        requires optim::Optimizer<std::remove_cvref_t<Optimizer>, float>
    train::history fit(const data::interactions& log, Optimizer&& optimizer, Callbacks&&... callbacks) {
        check_rows(features_.user, log.n_users(), "user");
        check_rows(features_.item, log.n_items(), "item");
        rng seeds(options_.seed);
        const std::uint64_t user_seed = seeds(), item_seed = seeds(), sample_seed = seeds(), shuffle_seed = seeds(),
                            dropout_seed = seeds();
        detail::log_summary summary = detail::log_summary::of(log);
        detail::two_tower_net<float> net = make_net(summary, options_, features_.user, features_.item, user_seed, item_seed,
                                                    dropout_seed);
        const detail::negative_sampler sampler(summary.seen, net.item_tower().size(), options_.negatives, sample_seed, model_name);
        detail::implicit_feedback_objective objective(net, sampler, options_.validation_split, model_name);
        train::history h = train::fit(objective, std::forward<Optimizer>(optimizer),
                                      detail::neural_train_options(options_, shuffle_seed), std::forward<Callbacks>(callbacks)...);
        net_.emplace(std::move(net));
        log_ = std::move(summary);
        cache_vectors();
        fitted_ = true;
        return h;
    }

    /// True after fit() or from_file().
    bool is_fitted() const noexcept { return fitted_; }
    /// Users the model scores: the log's users and the rows of the user features.
    std::size_t n_users() const noexcept { return user_vectors_.shape()[0]; }
    /// Items the model scores: the log's items and the rows of the item features.
    std::size_t n_items() const noexcept { return item_vectors_.shape()[0]; }
    /// The options.
    const two_tower_options& options() const noexcept { return options_; }
    /// The training log's summary (counts, id maps, seen items).
    const detail::log_summary& log() const noexcept { return log_; }
    /// The trained network; raises not_fitted_error before fit.
    const detail::two_tower_net<float>& network() const {
        detail::require_fitted(fitted_, model_name);
        return *net_;
    }
    /// Every user's tower output (n_users x d), cached at fit.
    const matrix<float>& user_vectors() const {
        detail::require_fitted(fitted_, model_name);
        return user_vectors_;
    }
    /// Every item's tower output (n_items x d), cached at fit.
    const matrix<float>& item_vectors() const {
        detail::require_fitted(fitted_, model_name);
        return item_vectors_;
    }

    /// True for a training user with history, or any user with a feature row.
    bool covers(std::size_t user) const noexcept {
        return fitted_ && (log_.has_history(user) || (features_.user.shape()[1] > 0 && user < features_.user.shape()[0]));
    }

    /// The logits u . v of `items` for `user` (0 for a user not covered); raises not_fitted_error
    /// before fit and argument_error for an item out of range.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const {
        detail::require_fitted(fitted_, model_name);
        detail::check_items(items, n_items(), model_name);
        std::vector<double> out(items.size(), 0.0);
        if (covers(user)) dots(user_vectors_.data() + user * dim(), items, out);
        return out;
    }

    /// The k best items for `user`, best first (ties: lower index), without the user's training
    /// items when exclude_seen; empty for a user not covered.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const {
        detail::require_fitted(fitted_, model_name);
        if (!covers(user)) return {};
        const std::vector<double> scores = all_scores(user_vectors_.data() + user * dim());
        return detail::top_k(scores, k, exclude_seen ? log_.seen.of(user) : std::span<const std::size_t>{});
    }

    /// The logits of `items` for a new user described by a feature row (its id is the unknown id);
    /// raises argument_error without user features or for a row of the wrong length.
    std::vector<double> score_new_user(std::span<const float> features, std::span<const std::size_t> items) const {
        detail::require_fitted(fitted_, model_name);
        detail::check_items(items, n_items(), model_name);
        const matrix<float> u = net_->user_tower().encode_features(checked_row(features, features_.user, "user"));
        std::vector<double> out(items.size(), 0.0);
        dots(u.data(), items, out);
        return out;
    }

    /// The k best items for a new user described by a feature row, best first (ties: lower index).
    std::vector<scored_item> recommend_new_user(std::span<const float> features, std::size_t k) const {
        detail::require_fitted(fitted_, model_name);
        const matrix<float> u = net_->user_tower().encode_features(checked_row(features, features_.user, "user"));
        return detail::top_k(all_scores(u.data()), k, {});
    }

    /// The logit of a new item described by a feature row for `user` (0 for a user not covered);
    /// raises argument_error without item features or for a row of the wrong length.
    double score_new_item(std::size_t user, std::span<const float> features) const {
        detail::require_fitted(fitted_, model_name);
        const matrix<float> v = net_->item_tower().encode_features(checked_row(features, features_.item, "item"));
        if (!covers(user)) return 0.0;
        std::vector<double> out(1, 0.0);
        dot_rows(user_vectors_.data() + user * dim(), v.data(), dim(), out[0]);
        return out[0];
    }

    /// The model as a recommender file: options (with the feature shapes), log summary and the
    /// tensors "<tower>.embedding", "<tower>.features", "<tower>.dense<k>.weight" / ".bias" for
    /// tower = user, item.
    io::tensor_file to_file() const {
        if (!fitted_) throw not_fitted_error("two_tower: to_file called before fit");
        nlohmann::json o = {{"embedding_dim", options_.embedding_dim}, {"tower_layers", options_.tower_layers},
                            {"id_dropout", options_.id_dropout},
                            {"user_features", {features_.user.shape()[0], features_.user.shape()[1]}},
                            {"item_features", {features_.item.shape()[0], features_.item.shape()[1]}}};
        detail::write_training_options(o, options_);
        io::tensor_file f = detail::begin_file(model_name, o, log_);
        auto add_tower = [&](const detail::tower<float>& t, const std::string& name) {
            if (t.embedding()) f.add(causalrec::cat(name, ".embedding"), t.embedding()->table());
            if (t.feature_dim() > 0) f.add(causalrec::cat(name, ".features"), t.features());
            for (std::size_t l = 0; l < t.layers().size(); ++l) {
                f.add(causalrec::cat(name, ".dense", l, ".weight"), t.layers()[l].weight());
                f.add(causalrec::cat(name, ".dense", l, ".bias"), t.layers()[l].bias());
            }
        };
        add_tower(net_->user_tower(), "user");
        add_tower(net_->item_tower(), "item");
        return f;
    }

    /// A model read back from to_file(); raises format_error when the file is not a two_tower file
    /// or its options or tensors are inconsistent.
    static two_tower from_file(io::tensor_file file) {
        const detail::opened_file in = detail::open_file(std::move(file), model_name);
        const std::string where = detail::source_of(in);
        two_tower_options o;
        o.embedding_dim = detail::option<std::size_t>(in, "embedding_dim");
        o.tower_layers = detail::option<std::vector<std::size_t>>(in, "tower_layers");
        o.id_dropout = detail::option<double>(in, "id_dropout");
        detail::read_training_options(in, o);
        const auto user_shape = detail::option<std::vector<std::size_t>>(in, "user_features");
        const auto item_shape = detail::option<std::vector<std::size_t>>(in, "item_features");
        if (user_shape.size() != 2 || item_shape.size() != 2)
            throw format_error(causalrec::cat(where, ": saved feature shapes must have two entries"));
        const std::size_t nu = in.log.n_users, ni = in.log.n_items;
        if (nu == 0 || ni == 0) throw format_error(causalrec::cat(where, ": a two_tower file needs users and items"));
        // Read (and check) every tensor before allocating the network from the saved sizes.
        auto read_features = [&](const std::vector<std::size_t>& shape, const char* name) {
            matrix<float> m = make_matrix<float>(0, 0);
            if (shape[1] == 0) return m;
            const auto v = detail::finite_tensor(in, name, shape);
            m = make_matrix<float>(shape[0], shape[1]);
            std::copy(v.begin(), v.end(), m.data());
            return m;
        };
        two_tower_features features{read_features(user_shape, "user.features"), read_features(item_shape, "item.features")};
        std::optional<two_tower> model;
        try {
            model.emplace(o, std::move(features));
            check_rows(model->features_.user, nu, "user");
            check_rows(model->features_.item, ni, "item");
            check_tower_input(o, model->features_.user, "user");
            check_tower_input(o, model->features_.item, "item");
        } catch (const error& e) {
            throw format_error(causalrec::cat(where, ": saved options are invalid: ", e.what()));
        }
        std::vector<std::vector<float>> values;
        auto read_tower = [&](std::size_t count, std::size_t f, const std::string& name) {
            if (o.embedding_dim > 0)
                values.push_back(detail::finite_tensor(in, causalrec::cat(name, ".embedding"), {count + 1, o.embedding_dim}));
            std::size_t width = o.embedding_dim + f;
            for (std::size_t l = 0; l < o.tower_layers.size(); ++l) {
                values.push_back(detail::finite_tensor(in, causalrec::cat(name, ".dense", l, ".weight"), {width, o.tower_layers[l]}));
                values.push_back(detail::finite_tensor(in, causalrec::cat(name, ".dense", l, ".bias"), {o.tower_layers[l]}));
                width = o.tower_layers[l];
            }
        };
        read_tower(nu, user_shape[1], "user");
        read_tower(ni, item_shape[1], "item");
        detail::two_tower_net<float> net =
            make_net(in.log, o, model->features_.user, model->features_.item, 0, 0, 0);
        std::size_t next = 0;
        auto put = [&](float* dst) {
            std::copy(values[next].begin(), values[next].end(), dst);
            ++next;
        };
        for (detail::tower<float>* t : {&net.user_tower(), &net.item_tower()}) {
            if (t->embedding()) put(t->embedding()->table().data());
            for (auto& layer : t->layers()) {
                put(layer.weight().data());
                put(layer.bias().data());
            }
        }
        model->net_.emplace(std::move(net));
        model->log_ = in.log;
        model->cache_vectors();
        model->fitted_ = true;
        return std::move(*model);
    }

private:
    static void check_options(const two_tower_options& o) {
        detail::check_training_options(model_name, o);
        if (o.tower_layers.empty()) throw argument_error("two_tower: tower_layers is empty; each tower needs at least one dense layer");
        detail::check_layer_sizes(model_name, "tower_layers", o.tower_layers);
        if (!(o.id_dropout >= 0.0 && o.id_dropout < 1.0))
            throw argument_error(causalrec::cat("two_tower: id_dropout must be in [0, 1), got ", o.id_dropout));
    }

    static void check_features(const matrix<float>& m, const char* side) {
        for (std::size_t k = 0; k < m.size(); ++k)
            if (!std::isfinite(m.data()[k]))
                throw argument_error(causalrec::cat("two_tower: ", side, " features have a non-finite value at row ",
                                                            k / m.shape()[1], ", column ", k % m.shape()[1]));
    }

    static void check_rows(const matrix<float>& m, std::size_t n, const char* side) {
        if (m.shape()[1] > 0 && m.shape()[0] < n)
            throw shape_error(causalrec::cat("two_tower: ", side, " features have ", m.shape()[0], " rows for the log's ", n,
                                                     " ", side, "s"));
    }

    static void check_tower_input(const two_tower_options& o, const matrix<float>& m, const char* side) {
        if (o.embedding_dim == 0 && m.shape()[1] == 0)
            throw argument_error(causalrec::cat("two_tower: the ", side, " tower has no input: set embedding_dim > 0 or give ",
                                                        side, " features"));
    }

    static detail::two_tower_net<float> make_net(const detail::log_summary& log, const two_tower_options& o,
                                                 const matrix<float>& user_features, const matrix<float>& item_features,
                                                 std::uint64_t user_seed, std::uint64_t item_seed, std::uint64_t dropout_seed) {
        check_tower_input(o, user_features, "user");
        check_tower_input(o, item_features, "item");
        detail::tower<float> user(log.n_users, o.embedding_dim, user_features.shape()[1] > 0 ? user_features : make_matrix<float>(0, 0),
                                  o.tower_layers, o.init_stddev, user_seed, "user");
        detail::tower<float> item(log.n_items, o.embedding_dim, item_features.shape()[1] > 0 ? item_features : make_matrix<float>(0, 0),
                                  o.tower_layers, o.init_stddev, item_seed, "item");
        // Users without training history have never trained their own row: they use the unknown-id row.
        std::vector<char> own(log.n_users);
        for (std::size_t u = 0; u < own.size(); ++u) own[u] = log.has_history(u) ? 1 : 0;
        user.set_own_rows(std::move(own));
        return detail::two_tower_net<float>(std::move(user), std::move(item), o.l2, o.id_dropout, dropout_seed);
    }

    static std::span<const float> checked_row(std::span<const float> row, const matrix<float>& m, const char* side) {
        if (m.shape()[1] == 0)
            throw argument_error(causalrec::cat("two_tower: the model has no ", side, " features to score a new ", side, " from"));
        if (row.size() != m.shape()[1])
            throw argument_error(causalrec::cat("two_tower: the new ", side, "'s feature row has ", row.size(),
                                                        " values; the model's ", side, " features have ", m.shape()[1]));
        for (std::size_t k = 0; k < row.size(); ++k)
            if (!std::isfinite(row[k]))
                throw argument_error(causalrec::cat("two_tower: the new ", side, "'s feature ", k, " is not finite"));
        return row;
    }

    std::size_t dim() const noexcept { return item_vectors_.shape()[1]; }

    static void dot_rows(const float* a, const float* b, std::size_t d, double& out) noexcept {
        double s = 0.0;
        for (std::size_t k = 0; k < d; ++k) s += static_cast<double>(a[k]) * static_cast<double>(b[k]);
        out = s;
    }

    void dots(const float* u, std::span<const std::size_t> items, std::span<double> out) const {
        for (std::size_t j = 0; j < items.size(); ++j) dot_rows(u, item_vectors_.data() + items[j] * dim(), dim(), out[j]);
    }

    std::vector<double> all_scores(const float* u) const {
        std::vector<double> out(n_items());
        for (std::size_t i = 0; i < out.size(); ++i) dot_rows(u, item_vectors_.data() + i * dim(), dim(), out[i]);
        return out;
    }

    void cache_vectors() {
        auto all = [](std::size_t n) {
            std::vector<std::size_t> v(n);
            for (std::size_t i = 0; i < n; ++i) v[i] = i;
            return v;
        };
        user_vectors_ = net_->user_tower().encode(all(net_->user_tower().size()));
        item_vectors_ = net_->item_tower().encode(all(net_->item_tower().size()));
    }

    two_tower_options options_;
    two_tower_features features_;
    detail::log_summary log_{};
    std::optional<detail::two_tower_net<float>> net_{};
    matrix<float> user_vectors_ = make_matrix<float>(0, 0), item_vectors_ = make_matrix<float>(0, 0);
    bool fitted_ = false;
};

}  // namespace causalrec::rec
