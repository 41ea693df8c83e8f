#pragma once
/// @file
/// The two-tower recommender (after Yi et al. 2019) with optional user and item side features: its
/// options, towers, network and the recommender, trained by train::fit through implicit_feedback_objective.

#include "../../core/compiler.hpp"
#include "common.hpp"
#include "sampling.hpp"

namespace causalrec::rec {

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
                throw argument_error(causalrec::cat("causalrec::rec::two_tower: ", name_, " index ", indices[r], " at row ", r,
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
            throw shape_error(causalrec::cat("causalrec::rec::two_tower: input has ", x.shape()[1], " columns, expected 2 (user, item)"));
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

}  // namespace detail

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
    explicit two_tower(two_tower_options options = {}, two_tower_features features = {});
    /// Destroys the model (defined with the model's code, so that a program does not compile the network's destructor).
    ~two_tower();
    /// Moves the model.
    two_tower(two_tower&&) noexcept;
    /// Moves the model.
    two_tower& operator=(two_tower&&) noexcept;
    /// Copies the model.
    two_tower(const two_tower&);
    /// Copies the model.
    two_tower& operator=(const two_tower&);

    /// Trains with Adam at options.learning_rate; returns fit's History (loss per epoch).
    train::history fit(const data::interactions& log);

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
        log_summary summary = log_summary::of(log);
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
    const log_summary& log() const noexcept { return log_; }
    /// The trained network; raises not_fitted_error before fit.
    const detail::two_tower_net<float>& network() const;
    /// Every user's tower output (n_users x d), cached at fit.
    const matrix<float>& user_vectors() const;
    /// Every item's tower output (n_items x d), cached at fit.
    const matrix<float>& item_vectors() const;

    /// True for a training user with history, or any user with a feature row.
    bool covers(std::size_t user) const noexcept;

    /// The logits u . v of `items` for `user` (0 for a user not covered); raises not_fitted_error
    /// before fit and argument_error for an item out of range.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const;

    /// The k best items for `user`, best first (ties: lower index), without the user's training
    /// items when exclude_seen; empty for a user not covered.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const;

    /// The logits of `items` for a new user described by a feature row (its id is the unknown id);
    /// raises argument_error without user features or for a row of the wrong length.
    std::vector<double> score_new_user(std::span<const float> features, std::span<const std::size_t> items) const;

    /// The k best items for a new user described by a feature row, best first (ties: lower index).
    std::vector<scored_item> recommend_new_user(std::span<const float> features, std::size_t k) const;

    /// The logit of a new item described by a feature row for `user` (0 for a user not covered);
    /// raises argument_error without item features or for a row of the wrong length.
    double score_new_item(std::size_t user, std::span<const float> features) const;

    /// The model as a recommender file: options (with the feature shapes), log summary and the
    /// tensors "<tower>.embedding", "<tower>.features", "<tower>.dense<k>.weight" / ".bias" for
    /// tower = user, item.
    io::tensor_file to_file() const;

    /// A model read back from to_file(); raises format_error when the file is not a two_tower file
    /// or its options or tensors are inconsistent.
    static two_tower from_file(io::tensor_file file);

private:
    static void check_options(const two_tower_options& o);

    static void check_features(const matrix<float>& m, const char* side);

    static void check_rows(const matrix<float>& m, std::size_t n, const char* side);

    static void check_tower_input(const two_tower_options& o, const matrix<float>& m, const char* side);

    static detail::two_tower_net<float> make_net(const log_summary& log, const two_tower_options& o,
                                                 const matrix<float>& user_features, const matrix<float>& item_features,
                                                 std::uint64_t user_seed, std::uint64_t item_seed, std::uint64_t dropout_seed);

    static std::span<const float> checked_row(std::span<const float> row, const matrix<float>& m, const char* side);

    std::size_t dim() const noexcept { return item_vectors_.shape()[1]; }

    static void dot_rows(const float* a, const float* b, std::size_t d, double& out) noexcept;

    void dots(const float* u, std::span<const std::size_t> items, std::span<double> out) const;

    std::vector<double> all_scores(const float* u) const;

    void cache_vectors();

    two_tower_options options_;
    two_tower_features features_;
    log_summary log_{};
    std::optional<detail::two_tower_net<float>> net_{};
    matrix<float> user_vectors_ = make_matrix<float>(0, 0), item_vectors_ = make_matrix<float>(0, 0);
    bool fitted_ = false;
};

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/two_tower.hpp"
#endif
