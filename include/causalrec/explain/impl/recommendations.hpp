#pragma once
/// @file
/// Definitions of the non-template functions declared in explain/recommendations.hpp (the recommendation explanations): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../recommendations.hpp"

namespace causalrec::explain {

CAUSALREC_INLINE recommendation_explanation explain_recommendation(const rec::item_knn& model, std::size_t user, std::size_t item) {
    const auto history = model.seen(user);
    detail::check_item(item, model.n_items(), "item_knn");
    const data::csr_matrix& w = model.neighbours();
    recommendation_explanation out{.item = item};
    for (const std::size_t i : history) {
        const auto js = w.row_indices(i);
        const auto ws = w.row_values(i);
        const auto at = std::lower_bound(js.begin(), js.end(), item);
        const double share = at != js.end() && *at == item ? ws[static_cast<std::size_t>(at - js.begin())] : 0.0;
        out.history.push_back({i, share});
        out.score += share;
    }
    detail::sort_shares(out.history);
    return out;
}

CAUSALREC_INLINE recommendation_explanation explain_recommendation(const rec::als& model, std::span<const std::size_t> items,
                                                         std::span<const double> values, std::size_t item) {
    const auto& m = model.model();
    const auto& o = model.options();
    const std::size_t k = m.factors, n_items = m.n_items(), n = items.size();
    detail::check_item(item, n_items, "als");
    if (values.size() != n)
        throw argument_error(causalrec::error_message("explain", "explain_recommendation", items.size(), " items but ", values.size(), " values"));
    std::vector<std::size_t> sorted(items.begin(), items.end());
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t q = 0; q < n; ++q) {
        detail::check_item(sorted[q], n_items, "als");
        if (q > 0 && sorted[q] == sorted[q - 1])
            throw argument_error(causalrec::error_message("explain", "explain_recommendation", "item ", sorted[q],
                                                          " is repeated in the history; merge its values first"));
    }
    const bool implicit = o.feedback == rec::als_feedback::implicit;
    const auto y = [&](std::size_t i) { return m.item_factors.data() + i * k; };
    std::vector<double> a(k * k, 0.0), coef(n, 0.0);
    if (implicit) {  // Y^T Y: the model keeps it for fold_in
        const std::vector<float>& gram = model.item_gram();
        std::copy(gram.begin(), gram.end(), a.begin());
    }
    for (std::size_t q = 0; q < n; ++q) {
        const double weight = implicit ? o.alpha * values[q] : 1.0;
        for (std::size_t r = 0; r < k; ++r)
            for (std::size_t c = 0; c < k; ++c) a[r * k + c] += weight * static_cast<double>(y(items[q])[r]) * static_cast<double>(y(items[q])[c]);
        coef[q] = implicit ? (values[q] > 0.0 ? 1.0 + o.alpha * values[q] : 0.0) : values[q] - m.offset;
    }
    const double diag = implicit || !o.scale_l2 ? o.l2 : o.l2 * static_cast<double>(n);
    for (std::size_t r = 0; r < k; ++r) a[r * k + r] += diag;
    // v = A^-1 y_item; share_i = (v . y_i) c_i (A is symmetric).
    std::vector<double> v(y(item), y(item) + k);
    if (!linalg::cholesky_solve(k, a.data(), v.data()))
        throw numeric_error("causalrec::explain::explain_recommendation: the ALS system is not positive definite");
    recommendation_explanation out{.item = item, .base = implicit ? 0.0 : m.offset};
    out.score = out.base;
    for (std::size_t q = 0; q < n; ++q) {
        double dot = 0.0;
        for (std::size_t f = 0; f < k; ++f) dot += v[f] * static_cast<double>(y(items[q])[f]);
        out.history.push_back({items[q], dot * coef[q]});
        out.score += dot * coef[q];
    }
    detail::sort_shares(out.history);
    return out;
}

CAUSALREC_INLINE recommendation_explanation explain_recommendation(const rec::content_based& model, std::size_t user, std::size_t item) {
    const data::csr_matrix& profiles = model.profiles();
    detail::check_item(item, model.n_items(), "content_based");
    recommendation_explanation out{.item = item};
    if (user >= profiles.rows()) return out;
    const auto pf = profiles.row_indices(user);
    const auto pv = profiles.row_values(user);
    double norm = 0.0;
    for (double v : pv) norm += v * v;
    norm = std::sqrt(norm);
    const data::csr_matrix& items = model.item_vectors();
    const auto xf = items.row_indices(item);
    const auto xv = items.row_values(item);
    if (norm == 0.0 || xf.empty()) return out;
    for (std::size_t a = 0, b = 0; a < pf.size() && b < xf.size();) {
        if (pf[a] < xf[b]) {
            ++a;
        } else if (xf[b] < pf[a]) {
            ++b;
        } else {
            const double share = pv[a] * xv[b] / norm;
            out.features.push_back({pf[a], share});
            out.score += share;
            ++a, ++b;
        }
    }
    detail::sort_shares(out.features);
    return out;
}

CAUSALREC_INLINE recommendation_explanation explain_recommendation(const rec::sasrec& model, std::span<const std::uint32_t> history, std::size_t item,
                                                         std::size_t steps) {
    const rec::sequence_attribution a = model.explain_history(history, item, steps);
    recommendation_explanation out{.item = item, .score = a.score, .base = a.baseline_score};
    for (std::size_t t = 0; t < a.items.size(); ++t) out.history.push_back({a.items[t], a.integrated_gradients[t]});
    detail::sort_shares(out.history);
    return out;
}

}  // namespace causalrec::explain

namespace causalrec::explain {
namespace detail {

CAUSALREC_INLINE void check_item(std::size_t item, std::size_t n_items, const char* model) {
    if (item >= n_items)
        throw argument_error(causalrec::error_message("explain", "explain_recommendation", "item ", item, " is not below the ", model,
                                                      " model's ", n_items, " items"));
}

}  // namespace detail
}  // namespace causalrec::explain
