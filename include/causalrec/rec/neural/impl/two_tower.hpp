#pragma once
/// @file
/// Definitions of the non-template member functions declared in rec/neural/two_tower.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../two_tower.hpp"

namespace causalrec::rec {

CAUSALREC_INLINE two_tower::~two_tower() = default;
CAUSALREC_INLINE two_tower::two_tower(two_tower&&) noexcept = default;
CAUSALREC_INLINE two_tower& two_tower::operator=(two_tower&&) noexcept = default;
CAUSALREC_INLINE two_tower::two_tower(const two_tower&) = default;
CAUSALREC_INLINE two_tower& two_tower::operator=(const two_tower&) = default;

CAUSALREC_INLINE two_tower::two_tower(two_tower_options options, two_tower_features features) : options_(std::move(options)), features_(std::move(features)) {
    check_options(options_);
    check_features(features_.user, "user");
    check_features(features_.item, "item");
}

CAUSALREC_INLINE auto two_tower::fit(const data::interactions& log) -> train::history {
    return fit(log, optim::adam<float>(optim::adam_options{.learning_rate = options_.learning_rate}));
}

CAUSALREC_INLINE auto two_tower::network() const -> const detail::two_tower_net<float>& {
    detail::require_fitted(fitted_, model_name);
    return *net_;
}

CAUSALREC_INLINE auto two_tower::user_vectors() const -> const matrix<float>& {
    detail::require_fitted(fitted_, model_name);
    return user_vectors_;
}

CAUSALREC_INLINE auto two_tower::item_vectors() const -> const matrix<float>& {
    detail::require_fitted(fitted_, model_name);
    return item_vectors_;
}

CAUSALREC_INLINE bool two_tower::covers(std::size_t user) const noexcept {
    return fitted_ && (log_.has_history(user) || (features_.user.shape()[1] > 0 && user < features_.user.shape()[0]));
}

CAUSALREC_INLINE auto two_tower::score(std::size_t user, std::span<const std::size_t> items) const -> std::vector<double> {
    detail::require_fitted(fitted_, model_name);
    detail::check_items(items, n_items(), model_name);
    std::vector<double> out(items.size(), 0.0);
    if (covers(user)) dots(user_vectors_.data() + user * dim(), items, out);
    return out;
}

CAUSALREC_INLINE auto two_tower::recommend(std::size_t user, std::size_t k, bool exclude_seen) const -> std::vector<scored_item> {
    detail::require_fitted(fitted_, model_name);
    if (!covers(user)) return {};
    const std::vector<double> scores = all_scores(user_vectors_.data() + user * dim());
    return detail::top_k(scores, k, exclude_seen ? log_.seen.of(user) : std::span<const std::size_t>{});
}

CAUSALREC_INLINE auto two_tower::score_new_user(std::span<const float> features, std::span<const std::size_t> items) const -> std::vector<double> {
    detail::require_fitted(fitted_, model_name);
    detail::check_items(items, n_items(), model_name);
    const matrix<float> u = net_->user_tower().encode_features(checked_row(features, features_.user, "user"));
    std::vector<double> out(items.size(), 0.0);
    dots(u.data(), items, out);
    return out;
}

CAUSALREC_INLINE auto two_tower::recommend_new_user(std::span<const float> features, std::size_t k) const -> std::vector<scored_item> {
    detail::require_fitted(fitted_, model_name);
    const matrix<float> u = net_->user_tower().encode_features(checked_row(features, features_.user, "user"));
    return detail::top_k(all_scores(u.data()), k, {});
}

CAUSALREC_INLINE double two_tower::score_new_item(std::size_t user, std::span<const float> features) const {
    detail::require_fitted(fitted_, model_name);
    const matrix<float> v = net_->item_tower().encode_features(checked_row(features, features_.item, "item"));
    if (!covers(user)) return 0.0;
    std::vector<double> out(1, 0.0);
    dot_rows(user_vectors_.data() + user * dim(), v.data(), dim(), out[0]);
    return out[0];
}

CAUSALREC_INLINE auto two_tower::to_file() const -> io::tensor_file {
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

CAUSALREC_INLINE auto two_tower::from_file(io::tensor_file file) -> two_tower {
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

CAUSALREC_INLINE void two_tower::check_options(const two_tower_options& o) {
    detail::check_training_options(model_name, o);
    if (o.tower_layers.empty()) throw argument_error("causalrec::rec::two_tower: tower_layers is empty; each tower needs at least one dense layer");
    detail::check_layer_sizes(model_name, "tower_layers", o.tower_layers);
    if (!(o.id_dropout >= 0.0 && o.id_dropout < 1.0))
        throw argument_error(causalrec::cat("causalrec::rec::two_tower: id_dropout must be in [0, 1), got ", o.id_dropout));
}

CAUSALREC_INLINE void two_tower::check_features(const matrix<float>& m, const char* side) {
    for (std::size_t k = 0; k < m.size(); ++k)
        if (!std::isfinite(m.data()[k]))
            throw argument_error(causalrec::cat("causalrec::rec::two_tower: ", side, " features have a non-finite value at row ",
                                                        k / m.shape()[1], ", column ", k % m.shape()[1]));
}

CAUSALREC_INLINE void two_tower::check_rows(const matrix<float>& m, std::size_t n, const char* side) {
    if (m.shape()[1] > 0 && m.shape()[0] < n)
        throw shape_error(causalrec::cat("causalrec::rec::two_tower: ", side, " features have ", m.shape()[0], " rows for the log's ", n,
                                                 " ", side, "s"));
}

CAUSALREC_INLINE void two_tower::check_tower_input(const two_tower_options& o, const matrix<float>& m, const char* side) {
    if (o.embedding_dim == 0 && m.shape()[1] == 0)
        throw argument_error(causalrec::cat("causalrec::rec::two_tower: the ", side, " tower has no input: set embedding_dim > 0 or give ",
                                                    side, " features"));
}

CAUSALREC_INLINE auto two_tower::make_net(const log_summary& log, const two_tower_options& o,
                                                 const matrix<float>& user_features, const matrix<float>& item_features,
                                                 std::uint64_t user_seed, std::uint64_t item_seed, std::uint64_t dropout_seed) -> detail::two_tower_net<float> {
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

CAUSALREC_INLINE auto two_tower::checked_row(std::span<const float> row, const matrix<float>& m, const char* side) -> std::span<const float> {
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

CAUSALREC_INLINE void two_tower::dot_rows(const float* a, const float* b, std::size_t d, double& out) noexcept {
    double s = 0.0;
    for (std::size_t k = 0; k < d; ++k) s += static_cast<double>(a[k]) * static_cast<double>(b[k]);
    out = s;
}

CAUSALREC_INLINE void two_tower::dots(const float* u, std::span<const std::size_t> items, std::span<double> out) const {
    for (std::size_t j = 0; j < items.size(); ++j) dot_rows(u, item_vectors_.data() + items[j] * dim(), dim(), out[j]);
}

CAUSALREC_INLINE auto two_tower::all_scores(const float* u) const -> std::vector<double> {
    std::vector<double> out(n_items());
    for (std::size_t i = 0; i < out.size(); ++i) dot_rows(u, item_vectors_.data() + i * dim(), dim(), out[i]);
    return out;
}

CAUSALREC_INLINE void two_tower::cache_vectors() {
    auto all = [](std::size_t n) {
        std::vector<std::size_t> v(n);
        for (std::size_t i = 0; i < n; ++i) v[i] = i;
        return v;
    };
    user_vectors_ = net_->user_tower().encode(all(net_->user_tower().size()));
    item_vectors_ = net_->item_tower().encode(all(net_->item_tower().size()));
}

}  // namespace causalrec::rec
