#pragma once
/// @file
/// The two-tower recommender (after Yi et al. 2019) with optional user and item side features: its
/// options, towers, network and the recommender, trained by train::fit through implicit_feedback_objective.

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
        if (!fitted_) throw not_fitted_error("causalrec::rec::two_tower: to_file called before fit");
        nlohmann::json o = {{"embedding_dim", options_.embedding_dim}, {"tower_layers", options_.tower_layers},
                            {"id_dropout", options_.id_dropout},
                            {"user_features", {features_.user.shape()[0], features_.user.shape()[1]}},
                            {"item_features", {features_.item.shape()[0], features_.item.shape()[1]}}};
        detail::write_training_options(o, options_);
        io::tensor_file f = begin_recommender_file(model_name, o, log_);
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
        const opened_recommender in = open_recommender_file(std::move(file), model_name);
        const std::string where = detail::source_of(in);
        two_tower_options o;
        o.embedding_dim = saved_option<std::size_t>(in, "embedding_dim");
        o.tower_layers = saved_option<std::vector<std::size_t>>(in, "tower_layers");
        o.id_dropout = saved_option<double>(in, "id_dropout");
        detail::read_training_options(in, o);
        const auto user_shape = saved_option<std::vector<std::size_t>>(in, "user_features");
        const auto item_shape = saved_option<std::vector<std::size_t>>(in, "item_features");
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
        if (o.tower_layers.empty()) throw argument_error("causalrec::rec::two_tower: tower_layers is empty; each tower needs at least one dense layer");
        detail::check_layer_sizes(model_name, "tower_layers", o.tower_layers);
        if (!(o.id_dropout >= 0.0 && o.id_dropout < 1.0))
            throw argument_error(causalrec::cat("causalrec::rec::two_tower: id_dropout must be in [0, 1), got ", o.id_dropout));
    }

    static void check_features(const matrix<float>& m, const char* side) {
        for (std::size_t k = 0; k < m.size(); ++k)
            if (!std::isfinite(m.data()[k]))
                throw argument_error(causalrec::cat("causalrec::rec::two_tower: ", side, " features have a non-finite value at row ",
                                                            k / m.shape()[1], ", column ", k % m.shape()[1]));
    }

    static void check_rows(const matrix<float>& m, std::size_t n, const char* side) {
        if (m.shape()[1] > 0 && m.shape()[0] < n)
            throw shape_error(causalrec::cat("causalrec::rec::two_tower: ", side, " features have ", m.shape()[0], " rows for the log's ", n,
                                                     " ", side, "s"));
    }

    static void check_tower_input(const two_tower_options& o, const matrix<float>& m, const char* side) {
        if (o.embedding_dim == 0 && m.shape()[1] == 0)
            throw argument_error(causalrec::cat("causalrec::rec::two_tower: the ", side, " tower has no input: set embedding_dim > 0 or give ",
                                                        side, " features"));
    }

    static detail::two_tower_net<float> make_net(const log_summary& log, const two_tower_options& o,
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
            throw argument_error(causalrec::cat("causalrec::rec::two_tower: the model has no ", side, " features to score a new ", side, " from"));
        if (row.size() != m.shape()[1])
            throw argument_error(causalrec::cat("causalrec::rec::two_tower: the new ", side, "'s feature row has ", row.size(),
                                                        " values; the model's ", side, " features have ", m.shape()[1]));
        for (std::size_t k = 0; k < row.size(); ++k)
            if (!std::isfinite(row[k]))
                throw argument_error(causalrec::cat("causalrec::rec::two_tower: the new ", side, "'s feature ", k, " is not finite"));
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
    log_summary log_{};
    std::optional<detail::two_tower_net<float>> net_{};
    matrix<float> user_vectors_ = make_matrix<float>(0, 0), item_vectors_ = make_matrix<float>(0, 0);
    bool fitted_ = false;
};

}  // namespace causalrec::rec
