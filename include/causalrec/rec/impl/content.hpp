#pragma once
/// @file
/// Definitions of the non-template member functions declared in rec/content.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../content.hpp"

namespace causalrec::rec {

CAUSALREC_INLINE content_based::content_based(const matrix<double>& features, content_options options) : options_(options) {
    check_options();
    data::csr_matrix m;
    m.cols = features.shape()[1];
    m.row_ptr.assign(features.shape()[0] + 1, 0);
    for (std::size_t r = 0; r < features.shape()[0]; ++r) {
        for (std::size_t c = 0; c < m.cols; ++c) {
            const double v = features(r, c);
            if (!std::isfinite(v))
                throw argument_error(causalrec::error_message("rec", model_name, "feature (", r, ", ", c, ") is ", v));
            if (v != 0.0) {
                m.indices.push_back(c);
                m.values.push_back(v);
            }
        }
        m.row_ptr[r + 1] = m.indices.size();
    }
    prepare(std::move(m));
}

CAUSALREC_INLINE content_based::content_based(data::csr_matrix features, content_options options) : options_(options) {
    check_options();
    detail::check_feature_csr(features, "causalrec::rec::content_based: item features");
    data::csr_matrix m;
    m.cols = features.cols;
    m.row_ptr.assign(features.rows() + 1, 0);
    for (std::size_t r = 0; r < features.rows(); ++r) {
        const auto cols = features.row_indices(r);
        const auto vals = features.row_values(r);
        for (std::size_t k = 0; k < cols.size(); ++k)
            if (vals[k] != 0.0) {
                m.indices.push_back(cols[k]);
                m.values.push_back(vals[k]);
            }
        m.row_ptr[r + 1] = m.indices.size();
    }
    prepare(std::move(m));
}

CAUSALREC_INLINE void content_based::fit(const data::interactions& log) {
    detail::require_nonempty_log(log, model_name);
    if (log.n_items() != items_.rows())
        throw shape_error(causalrec::error_message("rec", model_name, "the log has ", log.n_items(), " items but the feature matrix has ",
                                                 items_.rows(), " rows"));
    const auto& by_user = log.by_user();
    if (options_.weight_by_value)
        for (std::size_t u = 0; u < by_user.rows(); ++u) {
            const auto vals = by_user.row_values(u);
            for (std::size_t k = 0; k < vals.size(); ++k)
                if (!(vals[k] > 0.0))
                    throw argument_error(causalrec::error_message("rec", model_name, "weight_by_value needs values > 0; user ", u, " item ",
                                                                by_user.row_indices(u)[k], " has ", vals[k]));
        }
    log_ = log_summary::of(log);
    seen_values_ = by_user.values;
    build_profiles();
    fitted_ = true;
}

CAUSALREC_INLINE auto content_based::profiles() const -> const data::csr_matrix& {
    detail::require_fitted(fitted_, model_name);
    return profiles_;
}

CAUSALREC_INLINE auto content_based::score(std::size_t user, std::span<const std::size_t> items) const -> std::vector<double> {
    detail::require_fitted(fitted_, model_name);
    detail::check_items(items, n_items(), model_name);
    std::vector<double> out(items.size(), 0.0);
    std::vector<double> p;
    const double norm = dense_profile(user, p);
    if (norm > 0.0)
        for (std::size_t k = 0; k < items.size(); ++k) out[k] = dot_item(p, items[k]) / norm;
    return out;
}

CAUSALREC_INLINE auto content_based::recommend(std::size_t user, std::size_t k, bool exclude_seen) const -> std::vector<scored_item> {
    detail::require_fitted(fitted_, model_name);
    std::vector<double> p;
    const double norm = dense_profile(user, p);
    if (norm == 0.0) return {};
    return detail::top_k(all_scores(p, norm), k, exclude_seen ? log_.seen.of(user) : std::span<const std::size_t>{});
}

CAUSALREC_INLINE double content_based::score_new_item(std::size_t user, std::span<const double> features) const {
    detail::require_fitted(fitted_, model_name);
    if (features.size() != n_features())
        throw shape_error(causalrec::error_message("rec", model_name, "score_new_item got ", features.size(), " features, the model has ",
                                                 n_features()));
    std::vector<std::size_t> terms;
    std::vector<double> counts;
    for (std::size_t t = 0; t < features.size(); ++t)
        if (features[t] != 0.0) {  // also NaN, which the sparse form rejects
            terms.push_back(t);
            counts.push_back(features[t]);
        }
    return score_new_item(user, terms, counts);
}

CAUSALREC_INLINE double content_based::score_new_item(std::size_t user, std::span<const std::size_t> terms, std::span<const double> counts) const {
    detail::require_fitted(fitted_, model_name);
    if (terms.size() != counts.size())
        throw shape_error(causalrec::error_message("rec", model_name, "score_new_item got ", terms.size(), " feature indices and ",
                                                 counts.size(), " values"));
    std::vector<std::pair<std::size_t, double>> row;
    row.reserve(terms.size());
    for (std::size_t k = 0; k < terms.size(); ++k) {
        if (terms[k] >= n_features())
            throw argument_error(causalrec::error_message("rec", model_name, "feature index ", terms[k], " at position ", k,
                                                        " is out of range (the model has ", n_features(), " features)"));
        check_value(counts[k], "score_new_item: feature ", terms[k]);
        row.emplace_back(terms[k], counts[k]);
    }
    std::sort(row.begin(), row.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::size_t n = 0;  // merge repeated indices
    for (std::size_t k = 0; k < row.size(); ++k) {
        if (n > 0 && row[n - 1].first == row[k].first) row[n - 1].second += row[k].second;
        else row[n++] = row[k];
    }
    row.resize(n);
    double sq = 0.0;
    for (auto& [t, v] : row) {
        v = weigh(t, v);
        sq += v * v;
    }
    std::vector<double> p;
    const double norm = dense_profile(user, p);
    if (norm == 0.0 || sq == 0.0) return 0.0;
    double dot = 0.0;
    for (const auto& [t, v] : row) dot += p[t] * v;
    return dot / (norm * std::sqrt(sq));
}

CAUSALREC_INLINE auto content_based::recommend_from_items(std::span<const std::size_t> items, std::span<const double> values,
                                                  std::size_t k) const -> std::vector<scored_item> {
    detail::require_fitted(fitted_, model_name);
    detail::check_items(items, n_items(), model_name);
    if (!values.empty() && values.size() != items.size())
        throw shape_error(causalrec::error_message("rec", model_name, "recommend_from_items got ", items.size(), " items and ",
                                                 values.size(), " values"));
    std::vector<double> w(items.size(), 1.0);
    if (options_.weight_by_value && !values.empty())
        for (std::size_t q = 0; q < items.size(); ++q) {
            if (!(values[q] > 0.0 && std::isfinite(values[q])))
                throw argument_error(causalrec::error_message("rec", model_name, "weight_by_value needs finite values > 0; value ", q,
                                                            " is ", values[q]));
            w[q] = values[q];
        }
    std::vector<double> p(n_features(), 0.0);
    std::vector<std::size_t> touched;
    const double norm = accumulate_profile(items, w, p, touched);
    if (norm == 0.0) return {};
    std::vector<std::size_t> given(items.begin(), items.end());
    std::sort(given.begin(), given.end());
    return detail::top_k(all_scores(p, norm), k, given);
}

CAUSALREC_INLINE auto content_based::to_file() const -> io::tensor_file {
    detail::require_fitted(fitted_, model_name);
    const nlohmann::json opts = {{"tfidf", options_.tfidf},
                                 {"sublinear_tf", options_.sublinear_tf},
                                 {"weight_by_value", options_.weight_by_value}};
    io::tensor_file f = begin_recommender_file(model_name, opts, log_);
    f.metadata["n_features"] = std::to_string(n_features());
    const auto ptr = detail::to_u64(items_.row_ptr), idx = detail::to_u64(items_.indices);
    f.add<std::uint64_t>("content.items.row_ptr", std::span<const std::uint64_t>(ptr), {ptr.size()});
    f.add<std::uint64_t>("content.items.indices", std::span<const std::uint64_t>(idx), {idx.size()});
    f.add<double>("content.items.values", std::span<const double>(items_.values), {items_.values.size()});
    f.add<double>("content.idf", std::span<const double>(idf_), {idf_.size()});
    f.add<double>("content.seen_values", std::span<const double>(seen_values_), {seen_values_.size()});
    return f;
}

CAUSALREC_INLINE auto content_based::from_file(io::tensor_file file) -> content_based {
    auto opened = open_recommender_file(std::move(file), model_name);
    const std::string where = opened.file.source().empty() ? std::string("<memory>") : opened.file.source();
    content_based m;
    m.options_ = {.tfidf = saved_option<bool>(opened, "tfidf"),
                  .sublinear_tf = saved_option<bool>(opened, "sublinear_tf"),
                  .weight_by_value = saved_option<bool>(opened, "weight_by_value")};
    try {
        m.check_options();
    } catch (const argument_error& e) {
        throw format_error(causalrec::cat(where, ": ", e.what()));
    }
    const std::size_t d = detail::metadata_count(opened.file, "n_features");
    const std::size_t ni = opened.log.n_items;
    const auto ptr = saved_values<std::uint64_t>(opened, "content.items.row_ptr", {ni + 1});
    const auto idx = opened.file.get_values<std::uint64_t>("content.items.indices");
    m.items_.cols = d;
    m.items_.row_ptr.assign(ptr.begin(), ptr.end());
    m.items_.indices.assign(idx.begin(), idx.end());
    m.items_.values = saved_values<double>(opened, "content.items.values", {idx.size()});
    try {
        detail::check_feature_csr(m.items_, "item vectors");
    } catch (const error& e) {
        throw format_error(causalrec::cat(where, ": ", e.what()));
    }
    m.idf_ = saved_values<double>(opened, "content.idf", {m.options_.tfidf ? d : 0});
    m.seen_values_ = saved_values<double>(opened, "content.seen_values", {opened.log.seen.items.size()});
    m.log_ = std::move(opened.log);
    m.build_profiles();
    m.fitted_ = true;
    return m;
}

CAUSALREC_INLINE void content_based::check_options() const {
    if (options_.sublinear_tf && !options_.tfidf)
        throw argument_error(causalrec::error_message("rec", model_name, "sublinear_tf = true needs tfidf = true"));
}

CAUSALREC_INLINE double content_based::weigh(std::size_t t, double v) const {
    if (!options_.tfidf) return v;
    const double tf = options_.sublinear_tf && v > 0.0 ? 1.0 + std::log(v) : v;
    return tf * idf_[t];
}

CAUSALREC_INLINE void content_based::prepare(data::csr_matrix m) {
    if (m.cols == 0) throw shape_error(causalrec::error_message("rec", model_name, "the feature matrix has no columns"));
    for (std::size_t r = 0; r < m.rows(); ++r) {
        const auto cols = m.row_indices(r);
        const auto vals = m.row_values(r);
        for (std::size_t k = 0; k < cols.size(); ++k) check_value(vals[k], "feature (", r, ", ", cols[k], ")");
    }
    if (options_.tfidf) {
        std::vector<std::size_t> df(m.cols, 0);
        for (std::size_t t : m.indices) ++df[t];
        const double n = static_cast<double>(m.rows());
        idf_.resize(m.cols);
        for (std::size_t t = 0; t < m.cols; ++t) idf_[t] = std::log((1.0 + n) / (1.0 + static_cast<double>(df[t]))) + 1.0;
        for (std::size_t e = 0; e < m.nnz(); ++e) m.values[e] = weigh(m.indices[e], m.values[e]);
    }
    for (std::size_t r = 0; r < m.rows(); ++r) {
        double sq = 0.0;
        for (std::size_t e = m.row_ptr[r]; e < m.row_ptr[r + 1]; ++e) sq += m.values[e] * m.values[e];
        if (sq == 0.0) continue;
        const double norm = std::sqrt(sq);
        for (std::size_t e = m.row_ptr[r]; e < m.row_ptr[r + 1]; ++e) m.values[e] /= norm;
    }
    items_ = std::move(m);
}

CAUSALREC_INLINE double content_based::accumulate_profile(std::span<const std::size_t> items, std::span<const double> w, std::vector<double>& p,
                              std::vector<std::size_t>& touched) const {
    double total = 0.0;
    for (std::size_t q = 0; q < items.size(); ++q) {
        const auto cols = items_.row_indices(items[q]);
        const auto vals = items_.row_values(items[q]);
        for (std::size_t k = 0; k < cols.size(); ++k) {
            if (p[cols[k]] == 0.0) touched.push_back(cols[k]);
            p[cols[k]] += w[q] * vals[k];
        }
        total += w[q];
    }
    if (total == 0.0) return 0.0;
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    double sq = 0.0;
    for (std::size_t t : touched) {
        p[t] /= total;
        sq += p[t] * p[t];
    }
    return std::sqrt(sq);
}

CAUSALREC_INLINE void content_based::build_profiles() {
    const std::size_t nu = log_.n_users;
    std::vector<std::vector<std::pair<std::size_t, double>>> rows(nu);
    std::vector<double> norms(nu, 0.0);
    detail::parallel_ranges(nu, [&](std::size_t begin, std::size_t end) {
        std::vector<double> p(n_features(), 0.0), w;
        std::vector<std::size_t> touched;
        for (std::size_t u = begin; u < end; ++u) {
            const auto items = log_.seen.of(u);
            const std::size_t offset = log_.seen.row_ptr[u];
            w.assign(items.size(), 1.0);
            if (options_.weight_by_value)
                for (std::size_t q = 0; q < items.size(); ++q) w[q] = seen_values_[offset + q];
            touched.clear();
            norms[u] = accumulate_profile(items, w, p, touched);
            for (std::size_t t : touched) {
                if (p[t] != 0.0) rows[u].emplace_back(t, p[t]);
                p[t] = 0.0;
            }
        }
    });
    profiles_ = data::csr_from_rows(n_features(), rows);
    profile_norms_ = std::move(norms);
}

CAUSALREC_INLINE double content_based::dense_profile(std::size_t user, std::vector<double>& p) const {
    p.assign(n_features(), 0.0);
    if (user >= profile_norms_.size() || profile_norms_[user] == 0.0) return 0.0;
    const auto cols = profiles_.row_indices(user);
    const auto vals = profiles_.row_values(user);
    for (std::size_t k = 0; k < cols.size(); ++k) p[cols[k]] = vals[k];
    return profile_norms_[user];
}

CAUSALREC_INLINE double content_based::dot_item(const std::vector<double>& p, std::size_t item) const {
    const auto cols = items_.row_indices(item);
    const auto vals = items_.row_values(item);
    double s = 0.0;
    for (std::size_t k = 0; k < cols.size(); ++k) s += p[cols[k]] * vals[k];
    return s;
}

CAUSALREC_INLINE auto content_based::all_scores(const std::vector<double>& p, double norm) const -> std::vector<double> {
    std::vector<double> s(n_items());
    for (std::size_t j = 0; j < s.size(); ++j) s[j] = dot_item(p, j) / norm;
    return s;
}

}  // namespace causalrec::rec
