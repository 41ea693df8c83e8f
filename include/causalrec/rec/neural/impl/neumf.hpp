#pragma once
/// @file
/// Definitions of the non-template member functions declared in rec/neural/neumf.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../neumf.hpp"

namespace causalrec::rec {

CAUSALREC_INLINE neumf::neumf(neumf_options options) : options_(std::move(options)) { check_options(options_); }
CAUSALREC_INLINE neumf::~neumf() = default;
CAUSALREC_INLINE neumf::neumf(neumf&&) noexcept = default;
CAUSALREC_INLINE neumf& neumf::operator=(neumf&&) noexcept = default;
CAUSALREC_INLINE neumf::neumf(const neumf&) = default;
CAUSALREC_INLINE neumf& neumf::operator=(const neumf&) = default;

CAUSALREC_INLINE auto neumf::fit(const data::interactions& log) -> train::history {
    return fit(log, optim::adam<float>(optim::adam_options{.learning_rate = options_.learning_rate}));
}

CAUSALREC_INLINE auto neumf::network() const -> const detail::neumf_net<float>& {
    detail::require_fitted(fitted_, model_name);
    return *net_;
}

CAUSALREC_INLINE auto neumf::score(std::size_t user, std::span<const std::size_t> items) const -> std::vector<double> {
    detail::require_fitted(fitted_, model_name);
    detail::check_items(items, log_.n_items, model_name);
    std::vector<double> out(items.size(), 0.0);
    if (covers(user)) net_->logits(user, items, out);
    return out;
}

CAUSALREC_INLINE auto neumf::recommend(std::size_t user, std::size_t k, bool exclude_seen) const -> std::vector<scored_item> {
    detail::require_fitted(fitted_, model_name);
    if (!covers(user)) return {};
    std::vector<std::size_t> all(log_.n_items);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    std::vector<double> scores(all.size());
    net_->logits(user, all, scores);
    return detail::top_k(scores, k, exclude_seen ? log_.seen.of(user) : std::span<const std::size_t>{});
}

CAUSALREC_INLINE auto neumf::to_file() const -> io::tensor_file {
    if (!fitted_) throw not_fitted_error("causalrec::rec::neumf: to_file called before fit");
    nlohmann::json o = {{"gmf_dim", options_.gmf_dim}, {"mlp_dim", options_.mlp_dim}, {"mlp_layers", options_.mlp_layers}};
    detail::write_training_options(o, options_);
    io::tensor_file f = begin_recommender_file(model_name, o, log_);
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

CAUSALREC_INLINE auto neumf::from_file(io::tensor_file file) -> neumf {
    const opened_recommender in = open_recommender_file(std::move(file), model_name);
    neumf_options o;
    o.gmf_dim = saved_option<std::size_t>(in, "gmf_dim");
    o.mlp_dim = saved_option<std::size_t>(in, "mlp_dim");
    o.mlp_layers = saved_option<std::vector<std::size_t>>(in, "mlp_layers");
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

CAUSALREC_INLINE void neumf::check_options(const neumf_options& o) {
    detail::check_training_options(model_name, o);
    if (o.gmf_dim == 0 && o.mlp_dim == 0) throw argument_error("causalrec::rec::neumf: gmf_dim and mlp_dim are both 0; at least one branch is needed");
    if (o.mlp_dim > 0 && o.mlp_layers.empty())
        throw argument_error("causalrec::rec::neumf: mlp_layers is empty; the MLP branch needs at least one layer (or set mlp_dim = 0)");
    if (o.mlp_dim > 0) detail::check_layer_sizes(model_name, "mlp_layers", o.mlp_layers);
}

}  // namespace causalrec::rec
