#pragma once
/// @file
/// Definitions of the non-template member functions declared in rec/sequential/sasrec.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../sasrec.hpp"

namespace causalrec::rec {

CAUSALREC_INLINE sasrec::sasrec(sasrec_options options) : o_(options) { check_options(); }
CAUSALREC_INLINE sasrec::~sasrec() = default;
CAUSALREC_INLINE sasrec::sasrec(sasrec&&) noexcept = default;
CAUSALREC_INLINE sasrec& sasrec::operator=(sasrec&&) noexcept = default;

namespace detail {

/// The options of sasrec saved in its model files, under their keys.
constexpr auto sasrec_saved_fields = std::tuple{
      field("max_length", &sasrec_options::max_length), field("hidden", &sasrec_options::hidden), field("blocks", &sasrec_options::blocks),
      field("heads", &sasrec_options::heads), field("dropout", &sasrec_options::dropout), field("learning_rate", &sasrec_options::learning_rate),
      field("beta2", &sasrec_options::beta2), field("l2_embedding", &sasrec_options::l2_embedding),
      field("batch_size", &sasrec_options::batch_size), field("epochs", &sasrec_options::epochs), field("negatives", &sasrec_options::negatives),
      field("layer_norm_epsilon", &sasrec_options::layer_norm_epsilon), field("seed", &sasrec_options::seed)};

}  // namespace detail

CAUSALREC_INLINE auto sasrec::fit(const data::sequences& train) -> train::history {
    return training_.fit(model_name, train, o_, {.learning_rate = o_.learning_rate, .beta1 = 0.9, .beta2 = o_.beta2});
}

CAUSALREC_INLINE auto sasrec::fit(const data::interactions& log) -> train::history {
    detail::require_nonempty_log(log, model_name);
    return fit(data::sequences_from_log(log));
}

CAUSALREC_INLINE auto sasrec::score_history(std::span<const std::uint32_t> history, std::span<const std::size_t> items) const -> std::vector<double> {
    detail::require_fitted(is_fitted(), model_name);
    detail::check_items(items, n_items(), model_name);
    const std::vector<float> h = final_state(history);
    return detail::scores_of_items(h, training_.net().item_embedding().data(), {}, items);
}

CAUSALREC_INLINE auto sasrec::history_state(std::span<const std::uint32_t> history) const -> std::vector<float> {
    detail::require_fitted(is_fitted(), model_name);
    for (const auto item : history)
        if (item >= n_items())
            throw argument_error(causalrec::cat("causalrec::rec::sasrec::history_state: item ", item, " is out of range (", n_items(), " items)"));
    return final_state(history);
}

CAUSALREC_INLINE auto sasrec::item_vectors() const -> std::span<const float> {
    detail::require_fitted(is_fitted(), model_name);
    return {training_.net().item_embedding().data(), n_items() * training_.net().width()};
}

CAUSALREC_INLINE auto sasrec::score_all(std::span<const std::span<const std::uint32_t>> histories) const -> matrix<float> {
    detail::require_fitted(is_fitted(), model_name);
    matrix<float> states = make_matrix<float>(histories.size(), training_.net().width());
    final_states(histories, states.data());
    return detail::scores_of_all_items(states, training_.net().item_embedding().data(), n_items(), {});
}

CAUSALREC_INLINE auto sasrec::top_items(std::span<const std::span<const std::uint32_t>> histories, std::size_t k) const -> matrix<std::size_t> {
    detail::require_fitted(is_fitted(), model_name);
    matrix<float> states = make_matrix<float>(histories.size(), training_.net().width());
    final_states(histories, states.data());
    return detail::top_items_of_states(states, training_.net().item_embedding().data(), n_items(), {}, k);
}

CAUSALREC_INLINE auto sasrec::recommend_from_history(std::span<const std::uint32_t> history, std::size_t k, bool exclude_seen) const -> std::vector<scored_item> {
    detail::require_fitted(is_fitted(), model_name);
    detail::check_history(history, n_items(), model_name);
    return detail::recommend_after(*this, history, k, exclude_seen);
}

CAUSALREC_INLINE auto sasrec::recommend(std::size_t user, std::size_t k, bool exclude_seen) const -> std::vector<scored_item> {
    return detail::recommend_user(*this, user, k, exclude_seen);
}

CAUSALREC_INLINE auto sasrec::to_file() const -> io::tensor_file {
    nlohmann::json j = nlohmann::json::object();
    write_options(j, o_, detail::sasrec_saved_fields);
    return training_.to_file(model_name, j);
}

CAUSALREC_INLINE auto sasrec::from_file(io::tensor_file file) -> sasrec {
    const auto f = open_recommender_file(std::move(file), model_name);
    sasrec_options o;
    read_options(f, o, detail::sasrec_saved_fields);
    sasrec m(o);
    m.training_.restore(f, o, {.learning_rate = o.learning_rate, .beta1 = 0.9, .beta2 = o.beta2});
    return m;
}

CAUSALREC_INLINE void sasrec::check_options() const {
    auto fail = [](auto&&... parts) { throw argument_error(causalrec::cat("causalrec::rec::sasrec: ", parts...)); };
    if (o_.max_length == 0) fail("max_length must be >= 1");
    if (o_.hidden == 0) fail("hidden must be >= 1");
    if (o_.blocks == 0) fail("blocks must be >= 1");
    if (o_.heads == 0 || o_.hidden % o_.heads != 0) fail("heads (", o_.heads, ") must divide hidden (", o_.hidden, ")");
    if (!(o_.dropout >= 0.0 && o_.dropout < 1.0)) fail("dropout must be in [0, 1), got ", o_.dropout);
    if (!(o_.learning_rate > 0.0 && std::isfinite(o_.learning_rate))) fail("learning_rate must be finite and > 0, got ", o_.learning_rate);
    if (!(o_.beta2 >= 0.0 && o_.beta2 < 1.0)) fail("beta2 must be in [0, 1), got ", o_.beta2);
    if (!(o_.l2_embedding >= 0.0 && std::isfinite(o_.l2_embedding))) fail("l2_embedding must be finite and >= 0, got ", o_.l2_embedding);
    if (o_.batch_size == 0) fail("batch_size must be >= 1");
    if (o_.epochs == 0) fail("epochs must be >= 1");
    if (o_.negatives == 0) fail("negatives must be >= 1");
    if (!(o_.layer_norm_epsilon > 0.0)) fail("layer_norm_epsilon must be > 0");
}

CAUSALREC_INLINE auto sasrec::final_state(std::span<const std::uint32_t> history) const -> std::vector<float> {
    std::vector<float> h(training_.net().width());
    const std::span<const std::uint32_t> one[1] = {history};
    final_states(one, h.data());
    return h;
}

CAUSALREC_INLINE void sasrec::final_states(std::span<const std::span<const std::uint32_t>> histories, float* out) const {
    const std::size_t L = training_.net().max_length(), d = training_.net().width();
    const auto padding = static_cast<std::uint32_t>(training_.net().n_items());
    std::vector<std::uint32_t> inputs;
    for (std::size_t start = 0; start < histories.size(); start += 256) {
        const std::size_t B = std::min<std::size_t>(256, histories.size() - start);
        inputs.assign(B * L, padding);
        for (std::size_t b = 0; b < B; ++b) {
            const auto hist = histories[start + b];
            const std::size_t n = std::min(hist.size(), L);
            std::copy(hist.end() - static_cast<std::ptrdiff_t>(n), hist.end(), inputs.begin() + static_cast<std::ptrdiff_t>(b * L + L - n));
        }
        auto& net = training_.net();
        const matrix<float>& h = net.forward(inputs);
        const auto lengths = net.sequence_lengths();
        std::size_t end = 0;  // one past sequence b's last packed row
        for (std::size_t b = 0; b < B; ++b) {
            end += lengths[b];
            const float* state = lengths[b] > 0 ? h.data() + (end - 1) * d : net.empty_state().data();
            std::copy_n(state, d, out + (start + b) * d);
        }
    }
}

CAUSALREC_INLINE auto sasrec::explain_history(std::span<const std::uint32_t> history, std::size_t item, std::size_t steps) const
    -> sequence_attribution {
    detail::require_fitted(is_fitted(), model_name);
    detail::check_history(history, n_items(), model_name);
    if (history.empty()) throw argument_error("causalrec::rec::sasrec::explain_history: the history is empty");
    if (item >= n_items())
        throw argument_error(causalrec::cat("causalrec::rec::sasrec::explain_history: item ", item, " is out of range (", n_items(), " items)"));
    if (steps == 0) throw argument_error("causalrec::rec::sasrec::explain_history: steps must be at least 1");
    auto& net = training_.net();
    const std::size_t L = net.max_length(), d = net.width(), n = std::min(history.size(), L);
    const auto padding = static_cast<std::uint32_t>(net.n_items());
    std::vector<std::uint32_t> inputs(L, padding);
    std::copy(history.end() - static_cast<std::ptrdiff_t>(n), history.end(), inputs.begin() + static_cast<std::ptrdiff_t>(L - n));
    const float* target = net.item_embedding().data() + item * d;
    sequence_attribution out;
    for (std::size_t t = 0; t < n; ++t) {
        out.positions.push_back(history.size() - n + t);
        out.items.push_back(history[history.size() - n + t]);
    }
    out.integrated_gradients.assign(n, 0.0);
    // score(alpha) = h_last(alpha) . e_item; its gradient w.r.t. the packed last row is e_item.
    std::vector<float> scale(L, 0.0f);
    matrix<float> grad = make_matrix<float>(n, d);
    const auto score_at = [&](float alpha, bool with_gradient) {
        for (std::size_t t = 0; t < n; ++t) scale[L - n + t] = alpha;
        const matrix<float>& h = net.forward(inputs, scale);
        double s = 0.0;
        for (std::size_t j = 0; j < d; ++j) s += static_cast<double>(h(n - 1, j)) * static_cast<double>(target[j]);
        if (with_gradient) {
            std::fill(grad.begin(), grad.end(), 0.0f);
            std::copy_n(target, d, grad.data() + (n - 1) * d);
            net.backward(grad);
        }
        return s;
    };
    const auto [nodes, weights] = gauss_legendre_unit(steps);  // integrated gradients' default rule
    const float root_d = std::sqrt(static_cast<float>(d));
    for (std::size_t i = 0; i < steps; ++i) {
        score_at(static_cast<float>(nodes[i]), true);
        const matrix<float>& g0 = net.input_gradient();
        for (std::size_t t = 0; t < n; ++t) {
            const float* e = net.item_embedding().data() + static_cast<std::size_t>(out.items[t]) * d;
            double dot = 0.0;
            for (std::size_t j = 0; j < d; ++j) dot += static_cast<double>(e[j] * root_d) * static_cast<double>(g0(t, j));
            out.integrated_gradients[t] += weights[i] * dot;
        }
    }
    out.baseline_score = score_at(0.0f, false);
    out.score = score_at(1.0f, false);
    out.attention = net.last_attention(0, n - 1, o_.heads);
    double total = 0.0;
    for (double v : out.integrated_gradients) total += v;
    out.convergence_delta = total - (out.score - out.baseline_score);
    return out;
}

CAUSALREC_INLINE auto sasrec::continue_fit(std::size_t epochs) -> train::history { return training_.continue_fit(model_name, epochs); }

}  // namespace causalrec::rec
