#pragma once
/// @file
/// Definitions of the non-template member functions declared in rec/sequential/gru4rec.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../gru4rec.hpp"

namespace causalrec::rec {

CAUSALREC_INLINE gru4rec::gru4rec(gru4rec_options options) : o_(options) { check_options(); }
CAUSALREC_INLINE gru4rec::~gru4rec() = default;
CAUSALREC_INLINE gru4rec::gru4rec(gru4rec&&) noexcept = default;
CAUSALREC_INLINE gru4rec& gru4rec::operator=(gru4rec&&) noexcept = default;

namespace detail {

/// The options of gru4rec saved in its model files, under their keys.
constexpr auto gru4rec_saved_fields = std::tuple{
      field("hidden", &gru4rec_options::hidden), field("embedding", &gru4rec_options::embedding), field("batch_size", &gru4rec_options::batch_size),
      field("sampled_negatives", &gru4rec_options::sampled_negatives), field("sample_alpha", &gru4rec_options::sample_alpha),
      field("bpr_max_regularization", &gru4rec_options::bpr_max_regularization),
      field("dropout_embedding", &gru4rec_options::dropout_embedding), field("dropout_hidden", &gru4rec_options::dropout_hidden),
      field("learning_rate", &gru4rec_options::learning_rate), field("epochs", &gru4rec_options::epochs),
      field("max_history", &gru4rec_options::max_history), field("seed", &gru4rec_options::seed)};

}  // namespace detail

CAUSALREC_INLINE auto gru4rec::fit(const data::sequences& train) -> train::history {
    return training_.fit(model_name, train, o_, {.learning_rate = o_.learning_rate}, false);
}

CAUSALREC_INLINE auto gru4rec::fit(const data::interactions& log) -> train::history {
    detail::require_nonempty_log(log, model_name);
    return fit(data::sequences_from_log(log));
}

CAUSALREC_INLINE auto gru4rec::score_history(std::span<const std::uint32_t> history, std::span<const std::size_t> items) const -> std::vector<double> {
    detail::require_fitted(is_fitted(), model_name);
    detail::check_items(items, n_items(), model_name);
    check_history(history);
    std::vector<float> h(training_.net().hidden());
    const std::span<const std::uint32_t> one[1] = {history};
    training_.net().final_states(one, o_.max_history, h.data());
    const auto& net = std::as_const(training_.net());
    return detail::scores_of_items(h, net.output_weights().data(), net.output_bias(), items);
}

CAUSALREC_INLINE auto gru4rec::score_all(std::span<const std::span<const std::uint32_t>> histories) const -> matrix<float> {
    detail::require_fitted(is_fitted(), model_name);
    for (const auto& h : histories) check_history(h);
    matrix<float> states = make_matrix<float>(histories.size(), training_.net().hidden());
    training_.net().final_states(histories, o_.max_history, states.data());
    const auto& net = std::as_const(training_.net());
    return detail::scores_of_all_items(states, net.output_weights().data(), n_items(), net.output_bias());
}

CAUSALREC_INLINE auto gru4rec::top_items(std::span<const std::span<const std::uint32_t>> histories, std::size_t k) const -> matrix<std::size_t> {
    detail::require_fitted(is_fitted(), model_name);
    for (const auto& h : histories) check_history(h);
    matrix<float> states = make_matrix<float>(histories.size(), training_.net().hidden());
    training_.net().final_states(histories, o_.max_history, states.data());
    const auto& net = std::as_const(training_.net());
    return detail::top_items_of_states(states, net.output_weights().data(), n_items(), net.output_bias(), k);
}

CAUSALREC_INLINE auto gru4rec::recommend_from_history(std::span<const std::uint32_t> history, std::size_t k, bool exclude_seen) const -> std::vector<scored_item> {
    return detail::recommend_after(*this, history, k, exclude_seen);
}

CAUSALREC_INLINE auto gru4rec::recommend(std::size_t user, std::size_t k, bool exclude_seen) const -> std::vector<scored_item> {
    return detail::recommend_user(*this, user, k, exclude_seen);
}

CAUSALREC_INLINE auto gru4rec::to_file() const -> io::tensor_file {
    nlohmann::json j = {{"loss", o_.loss == gru4rec_loss::cross_entropy ? "cross_entropy" : "bpr_max"}};
    write_options(j, o_, detail::gru4rec_saved_fields);
    return training_.to_file(model_name, j);
}

CAUSALREC_INLINE auto gru4rec::from_file(io::tensor_file file) -> gru4rec {
    const auto f = open_recommender_file(std::move(file), model_name);
    gru4rec_options o;
    read_options(f, o, detail::gru4rec_saved_fields);
    const auto loss = saved_option<std::string>(f, "loss");
    if (loss != "cross_entropy" && loss != "bpr_max") throw format_error(causalrec::cat(f.file.source(), ": unknown gru4rec loss '", loss, "'"));
    o.loss = loss == "cross_entropy" ? gru4rec_loss::cross_entropy : gru4rec_loss::bpr_max;
    gru4rec m(o);
    m.training_.restore(f, o, {.learning_rate = o.learning_rate}, false);
    return m;
}

CAUSALREC_INLINE void gru4rec::check_options() const {
    auto fail = [](auto&&... parts) { throw argument_error(causalrec::cat("causalrec::rec::gru4rec: ", parts...)); };
    if (o_.hidden == 0) fail("hidden must be >= 1");
    if (o_.batch_size == 0) fail("batch_size must be >= 1");
    if (!(o_.sample_alpha >= 0.0 && o_.sample_alpha <= 1.0)) fail("sample_alpha must be in [0, 1], got ", o_.sample_alpha);
    if (!(o_.bpr_max_regularization >= 0.0 && std::isfinite(o_.bpr_max_regularization)))
        fail("bpr_max_regularization must be finite and >= 0, got ", o_.bpr_max_regularization);
    if (!(o_.dropout_embedding >= 0.0 && o_.dropout_embedding < 1.0)) fail("dropout_embedding must be in [0, 1), got ", o_.dropout_embedding);
    if (!(o_.dropout_hidden >= 0.0 && o_.dropout_hidden < 1.0)) fail("dropout_hidden must be in [0, 1), got ", o_.dropout_hidden);
    if (!(o_.learning_rate > 0.0 && std::isfinite(o_.learning_rate))) fail("learning_rate must be finite and > 0, got ", o_.learning_rate);
    if (o_.epochs == 0) fail("epochs must be >= 1");
    if (o_.batch_size + o_.sampled_negatives < 2) fail("batch_size + sampled_negatives must be >= 2 (a target needs a negative)");
}

CAUSALREC_INLINE void gru4rec::check_history(std::span<const std::uint32_t> history) const {
    if (history.empty()) throw argument_error("causalrec::rec::gru4rec: a history needs at least one item");
    detail::check_history(history, n_items(), model_name);
}

CAUSALREC_INLINE auto gru4rec::continue_fit(std::size_t epochs) -> train::history { return training_.continue_fit(model_name, epochs); }

}  // namespace causalrec::rec
