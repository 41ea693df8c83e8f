#pragma once
/// @file
/// Definitions of the non-template member functions declared in rec/sequential/caser.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../caser.hpp"

namespace causalrec::rec {

CAUSALREC_INLINE caser::caser(caser_options options) : o_(options) { check_options(); }
CAUSALREC_INLINE caser::~caser() = default;
CAUSALREC_INLINE caser::caser(caser&&) noexcept = default;
CAUSALREC_INLINE caser& caser::operator=(caser&&) noexcept = default;

namespace detail {

/// The options of caser saved in its model files, under their keys.
constexpr auto caser_saved_fields = std::tuple{
      field("max_length", &caser_options::max_length), field("targets", &caser_options::targets), field("hidden", &caser_options::hidden),
      field("horizontal_filters", &caser_options::horizontal_filters), field("vertical_filters", &caser_options::vertical_filters),
      field("dropout", &caser_options::dropout), field("negatives", &caser_options::negatives),
      field("learning_rate", &caser_options::learning_rate), field("weight_decay", &caser_options::weight_decay),
      field("batch_size", &caser_options::batch_size), field("epochs", &caser_options::epochs), field("seed", &caser_options::seed)};

}  // namespace detail

CAUSALREC_INLINE auto caser::fit(const data::sequences& train) -> train::history {
    return training_.fit(model_name, train, o_, {.learning_rate = o_.learning_rate, .weight_decay = o_.weight_decay});
}

CAUSALREC_INLINE auto caser::fit(const data::interactions& log) -> train::history {
    detail::require_nonempty_log(log, model_name);
    return fit(data::sequences_from_log(log));
}

CAUSALREC_INLINE auto caser::score_user_history(std::size_t user, std::span<const std::uint32_t> history, std::span<const std::size_t> items) const -> std::vector<double> {
    detail::require_fitted(is_fitted(), model_name);
    detail::check_items(items, n_items(), model_name);
    detail::check_history(history, n_items(), model_name);
    const matrix<float> rep = representations({&user, 1}, {&history, 1});
    const auto& net = std::as_const(training_.net());
    return detail::scores_of_items({rep.data(), rep.size()}, net.output_weights().data(), net.output_bias(), items);
}

CAUSALREC_INLINE auto caser::score_history(std::span<const std::uint32_t> history, std::span<const std::size_t> items) const -> std::vector<double> {
    return score_user_history(anonymous, history, items);
}

CAUSALREC_INLINE auto caser::score_all(std::span<const std::span<const std::uint32_t>> histories) const -> matrix<float> {
    detail::require_fitted(is_fitted(), model_name);
    for (const auto& h : histories) detail::check_history(h, n_items(), model_name);
    const std::vector<std::size_t> users(histories.size(), anonymous);
    const matrix<float> rep = representations(users, histories);
    const auto& net = std::as_const(training_.net());
    return detail::scores_of_all_items(rep, net.output_weights().data(), n_items(), net.output_bias());
}

CAUSALREC_INLINE auto caser::top_items(std::span<const std::span<const std::uint32_t>> histories, std::size_t k) const -> matrix<std::size_t> {
    detail::require_fitted(is_fitted(), model_name);
    for (const auto& h : histories) detail::check_history(h, n_items(), model_name);
    const std::vector<std::size_t> users(histories.size(), anonymous);
    const matrix<float> rep = representations(users, histories);
    const auto& net = std::as_const(training_.net());
    return detail::top_items_of_states(rep, net.output_weights().data(), n_items(), net.output_bias(), k);
}

CAUSALREC_INLINE auto caser::recommend_from_history(std::span<const std::uint32_t> history, std::size_t k, bool exclude_seen) const -> std::vector<scored_item> {
    detail::require_fitted(is_fitted(), model_name);
    detail::check_history(history, n_items(), model_name);
    return detail::recommend_after(*this, history, k, exclude_seen);
}

CAUSALREC_INLINE auto caser::score(std::size_t user, std::span<const std::size_t> items) const -> std::vector<double> {
    detail::require_fitted(is_fitted(), model_name);
    if (!covers(user)) {
        detail::check_items(items, n_items(), model_name);
        return std::vector<double>(items.size(), 0.0);
    }
    return score_user_history(user, training_sequences().of(user), items);
}

CAUSALREC_INLINE auto caser::recommend(std::size_t user, std::size_t k, bool exclude_seen) const -> std::vector<scored_item> {
    detail::require_fitted(is_fitted(), model_name);
    if (!covers(user)) return {};
    const auto seq = training_sequences().of(user);
    std::vector<std::size_t> all(n_items());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    const std::vector<double> scores = score_user_history(user, seq, all);
    std::vector<std::size_t> seen;
    if (exclude_seen) {
        seen.assign(seq.begin(), seq.end());
        std::sort(seen.begin(), seen.end());
        seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    }
    return detail::top_k(scores, k, seen);
}

CAUSALREC_INLINE auto caser::to_file() const -> io::tensor_file {
    nlohmann::json j = nlohmann::json::object();
    write_options(j, o_, detail::caser_saved_fields);
    return training_.to_file(model_name, j);
}

CAUSALREC_INLINE auto caser::from_file(io::tensor_file file) -> caser {
    const auto f = open_recommender_file(std::move(file), model_name);
    caser_options o;
    read_options(f, o, detail::caser_saved_fields);
    caser m(o);
    m.training_.restore(f, o, {.learning_rate = o.learning_rate, .weight_decay = o.weight_decay});
    return m;
}

CAUSALREC_INLINE void caser::check_options() const {
    auto fail = [](auto&&... parts) { throw argument_error(causalrec::cat("causalrec::rec::caser: ", parts...)); };
    if (o_.max_length == 0) fail("max_length must be >= 1");
    if (o_.targets == 0) fail("targets must be >= 1");
    if (o_.hidden == 0) fail("hidden must be >= 1");
    if (o_.horizontal_filters == 0 || o_.vertical_filters == 0) fail("horizontal_filters and vertical_filters must be >= 1");
    if (!(o_.dropout >= 0.0 && o_.dropout < 1.0)) fail("dropout must be in [0, 1), got ", o_.dropout);
    if (o_.negatives == 0) fail("negatives must be >= 1");
    if (!(o_.learning_rate > 0.0 && std::isfinite(o_.learning_rate))) fail("learning_rate must be finite and > 0, got ", o_.learning_rate);
    if (!(o_.weight_decay >= 0.0 && std::isfinite(o_.weight_decay))) fail("weight_decay must be finite and >= 0, got ", o_.weight_decay);
    if (o_.batch_size == 0) fail("batch_size must be >= 1");
    if (o_.epochs == 0) fail("epochs must be >= 1");
}

CAUSALREC_INLINE auto caser::representations(std::span<const std::size_t> users, std::span<const std::span<const std::uint32_t>> histories) const -> matrix<float> {
    auto& net = training_.net();
    const std::size_t L = net.max_length(), d2 = 2 * net.width();
    const auto padding = static_cast<std::uint32_t>(net.n_items());
    matrix<float> out = make_matrix<float>(histories.size(), d2);
    std::vector<std::uint32_t> inputs, ids;
    for (std::size_t start = 0; start < histories.size(); start += 512) {
        const std::size_t B = std::min<std::size_t>(512, histories.size() - start);
        inputs.assign(B * L, padding);
        ids.resize(B);
        for (std::size_t b = 0; b < B; ++b) {
            const auto h = histories[start + b];
            const std::size_t n = std::min(h.size(), L);
            std::copy(h.end() - static_cast<std::ptrdiff_t>(n), h.end(), inputs.begin() + static_cast<std::ptrdiff_t>(b * L + L - n));
            const std::size_t u = users[start + b];
            ids[b] = static_cast<std::uint32_t>(u < net.n_users() ? u : net.n_users());
        }
        const matrix<float>& rep = net.forward(inputs, ids);
        std::copy_n(rep.data(), B * d2, out.data() + start * d2);
    }
    return out;
}

CAUSALREC_INLINE auto caser::continue_fit(std::size_t epochs) -> train::history { return training_.continue_fit(model_name, epochs); }

}  // namespace causalrec::rec
