#pragma once
/// @file
/// Definitions of the non-template member functions declared in causal/exposure.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../exposure.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE popularity_propensity::popularity_propensity(popularity_propensity_options o) : o_(o) {
    if (!(o_.power > 0.0 && std::isfinite(o_.power)))
        throw argument_error(causalrec::cat("causalrec::causal::popularity_propensity: power must be finite and > 0, got ", o_.power));
    detail::check_propensity_clip(o_.clip, "popularity_propensity");
}

CAUSALREC_INLINE void popularity_propensity::fit(const data::interactions& log) {
    if (log.empty()) throw argument_error("causalrec::causal::popularity_propensity::fit: the log is empty");
    const auto& by_user = log.by_user();
    nu_.assign(log.n_users(), 0.0);
    ni_.assign(log.n_items(), 0.0);
    n_obs_ = static_cast<double>(by_user.nnz());
    for (std::size_t u = 0; u < by_user.rows(); ++u)
        for (std::size_t i : by_user.row_indices(u)) nu_[u] += 1.0, ni_[i] += 1.0;
    scale_ = 1.0;
    if (o_.normalize) {
        double total = 0.0;
        for (std::size_t u = 0; u < nu_.size(); ++u)
            for (std::size_t i = 0; i < ni_.size(); ++i) total += unscaled(u, i);
        scale_ = total > 0.0 ? n_obs_ / total : 1.0;
    }
    fitted_ = true;
}

CAUSALREC_INLINE double popularity_propensity::propensity(std::size_t user, std::size_t item) const {
    if (!fitted_) throw not_fitted_error("causalrec::causal::popularity_propensity: propensity called before fit");
    if (user >= nu_.size() || item >= ni_.size())
        throw argument_error(causalrec::cat("causalrec::causal::popularity_propensity: pair (", user, ", ", item, ") is out of range (", nu_.size(),
                                                    " users, ", ni_.size(), " items)"));
    return std::clamp(scale_ * unscaled(user, item), std::max(o_.clip, 1e-12), 1.0);
}

CAUSALREC_INLINE auto popularity_propensity::propensities(const data::interactions& log) const -> std::vector<double> {
    return detail::propensities_per_row(log, o_.clip, [&](std::size_t r) { return propensity(log.users()[r], log.items()[r]); });
}

CAUSALREC_INLINE auto popularity_propensity::matrix_of() const -> matrix<double> {
    if (!fitted_) throw not_fitted_error("causalrec::causal::popularity_propensity: matrix_of called before fit");
    matrix<double> m = matrix<double>::from_shape({nu_.size(), ni_.size()});
    for (std::size_t u = 0; u < nu_.size(); ++u)
        for (std::size_t i = 0; i < ni_.size(); ++i) m(u, i) = propensity(u, i);
    return m;
}

CAUSALREC_INLINE double popularity_propensity::unscaled(std::size_t u, std::size_t i) const noexcept {
    double base = 0.0;
    switch (o_.kind) {
        case popularity_kind::item: base = ni_[i] / static_cast<double>(nu_.size()); break;
        case popularity_kind::user: base = nu_[u] / static_cast<double>(ni_.size()); break;
        case popularity_kind::product: base = nu_[u] * ni_[i] / n_obs_; break;
    }
    return std::pow(base, o_.power);
}

CAUSALREC_INLINE naive_bayes_propensity::naive_bayes_propensity(naive_bayes_propensity_options o) : o_(o) {
    if (!(o_.smoothing >= 0.0 && std::isfinite(o_.smoothing)))
        throw argument_error(causalrec::cat("causalrec::causal::naive_bayes_propensity: smoothing must be finite and >= 0, got ", o_.smoothing));
    detail::check_propensity_clip(o_.clip, "naive_bayes_propensity");
}

CAUSALREC_INLINE void naive_bayes_propensity::fit(const data::interactions& observed, std::span<const double> mcar_values) {
    if (observed.empty()) throw argument_error("causalrec::causal::naive_bayes_propensity::fit: the observed log is empty");
    if (mcar_values.empty()) throw argument_error("causalrec::causal::naive_bayes_propensity::fit: the MCAR sample is empty");
    std::map<double, double> obs, mcar;
    for (double v : observed.values()) obs[v] += 1.0;
    for (double v : mcar_values) {
        if (!std::isfinite(v)) throw argument_error("causalrec::causal::naive_bayes_propensity::fit: the MCAR sample holds a non-finite value");
        mcar[v] += 1.0;
    }
    for (auto& [v, c] : obs) mcar.try_emplace(v, 0.0);
    for (auto& [v, c] : mcar) obs.try_emplace(v, 0.0);
    const double n_obs = static_cast<double>(observed.size()), n_mcar = static_cast<double>(mcar_values.size());
    const double levels = static_cast<double>(obs.size());
    p_observed_ = n_obs / (static_cast<double>(observed.n_users()) * static_cast<double>(observed.n_items()));
    table_.clear();
    for (const auto& [v, c] : obs) {
        const double p_r_given_o = (c + o_.smoothing) / (n_obs + o_.smoothing * levels);
        const double p_r = (mcar[v] + o_.smoothing) / (n_mcar + o_.smoothing * levels);
        if (!(p_r > 0.0)) {
            if (c == 0.0) continue;
            throw argument_error(causalrec::cat("causalrec::causal::naive_bayes_propensity::fit: value ", v,
                                                        " occurs in the observed log but not in the MCAR sample (use smoothing > 0)"));
        }
        table_[v] = p_r_given_o * p_observed_ / p_r;
    }
    fitted_ = true;
}

CAUSALREC_INLINE double naive_bayes_propensity::propensity(double value) const {
    if (!fitted_) throw not_fitted_error("causalrec::causal::naive_bayes_propensity: propensity called before fit");
    const auto it = table_.find(value);
    if (it == table_.end())
        throw argument_error(causalrec::cat("causalrec::causal::naive_bayes_propensity: value ", value, " was in neither sample"));
    return std::clamp(it->second, std::max(o_.clip, 1e-12), 1.0);
}

CAUSALREC_INLINE auto naive_bayes_propensity::propensities(const data::interactions& log) const -> std::vector<double> {
    return detail::propensities_per_row(log, o_.clip, [&](std::size_t r) { return propensity(log.values()[r]); });
}

CAUSALREC_INLINE logistic_exposure::logistic_exposure(logistic_exposure_options o) : o_(o) {
    if (!(o_.l2 >= 0.0 && std::isfinite(o_.l2)))
        throw argument_error(causalrec::cat("causalrec::causal::logistic_exposure: l2 must be finite and >= 0, got ", o_.l2));
    if (o_.max_iterations == 0) throw argument_error("causalrec::causal::logistic_exposure: max_iterations must be >= 1");
    detail::check_propensity_clip(o_.clip, "logistic_exposure");
}

CAUSALREC_INLINE void logistic_exposure::fit(const data::interactions& log, const matrix<double>& user_features, const matrix<double>& item_features) {
    if (log.empty()) throw argument_error("causalrec::causal::logistic_exposure::fit: the log is empty");
    if (user_features.shape()[0] != log.n_users())
        throw shape_error(causalrec::cat("causalrec::causal::logistic_exposure::fit: user features have ", user_features.shape()[0],
                                                 " rows, the log has ", log.n_users(), " users"));
    if (item_features.shape()[0] != log.n_items())
        throw shape_error(causalrec::cat("causalrec::causal::logistic_exposure::fit: item features have ", item_features.shape()[0],
                                                 " rows, the log has ", log.n_items(), " items"));
    uf_ = user_features;
    if_ = item_features;
    const std::size_t nu = log.n_users(), ni = log.n_items(), du = uf_.shape()[1], di = if_.shape()[1];
    std::vector<char> o(nu * ni, 0);
    for (std::size_t r = 0; r < log.size(); ++r) o[log.users()[r] * ni + log.items()[r]] = 1;
    w_.assign(1 + du + di, 0.0);
    double rate = 0.0;
    for (char c : o) rate += c;
    rate /= static_cast<double>(o.size());
    w_[0] = std::log(rate / (1.0 - std::min(rate, 1.0 - 1e-9)));
    const double inv_n = 1.0 / static_cast<double>(o.size());
    std::vector<double> user_part(nu), item_part(ni), user_g(nu), item_g(ni);
    auto f = [&](std::span<const double> w, std::span<double> g) {
        std::fill(g.begin(), g.end(), 0.0);
        for (std::size_t u = 0; u < nu; ++u) {
            double s = 0.0;
            for (std::size_t j = 0; j < du; ++j) s += uf_(u, j) * w[1 + j];
            user_part[u] = s, user_g[u] = 0.0;
        }
        for (std::size_t i = 0; i < ni; ++i) {
            double s = 0.0;
            for (std::size_t j = 0; j < di; ++j) s += if_(i, j) * w[1 + du + j];
            item_part[i] = s, item_g[i] = 0.0;
        }
        double total = 0.0;
        for (std::size_t u = 0; u < nu; ++u)
            for (std::size_t i = 0; i < ni; ++i) {
                const double z = w[0] + user_part[u] + item_part[i], y = o[u * ni + i];
                total += causalrec::bce_from_logits(z, y);
                const double d = causalrec::sigmoid_minus(z, y) * inv_n;
                g[0] += d, user_g[u] += d, item_g[i] += d;
            }
        for (std::size_t u = 0; u < nu; ++u)
            for (std::size_t j = 0; j < du; ++j) g[1 + j] += user_g[u] * uf_(u, j);
        for (std::size_t i = 0; i < ni; ++i)
            for (std::size_t j = 0; j < di; ++j) g[1 + du + j] += item_g[i] * if_(i, j);
        double pen = 0.0;
        for (std::size_t j = 1; j < w.size(); ++j) pen += w[j] * w[j], g[j] += 2.0 * o_.l2 * w[j];
        return total * inv_n + o_.l2 * pen;
    };
    train::function_objective<double, decltype(f)> objective(w_, f, "logistic_exposure");
    train::fit(objective,
               optim::lbfgs<double>({.max_iterations = o_.max_iterations, .max_evaluations = 25 * o_.max_iterations,
                                     .gradient_tolerance = 1e-7, .change_tolerance = 0.0}),
               {.epochs = 1, .verbose = 0});
    fitted_ = true;
}

CAUSALREC_INLINE double logistic_exposure::propensity(std::size_t user, std::size_t item) const {
    if (!fitted_) throw not_fitted_error("causalrec::causal::logistic_exposure: propensity called before fit");
    if (user >= uf_.shape()[0] || item >= if_.shape()[0])
        throw argument_error(causalrec::cat("causalrec::causal::logistic_exposure: pair (", user, ", ", item, ") is out of range"));
    const std::size_t du = uf_.shape()[1], di = if_.shape()[1];
    double z = w_[0];
    for (std::size_t j = 0; j < du; ++j) z += uf_(user, j) * w_[1 + j];
    for (std::size_t j = 0; j < di; ++j) z += if_(item, j) * w_[1 + du + j];
    return std::clamp(causalrec::sigmoid(z), std::max(o_.clip, 1e-12), 1.0);
}

CAUSALREC_INLINE auto logistic_exposure::propensities(const data::interactions& log) const -> std::vector<double> {
    return detail::propensities_per_row(log, o_.clip, [&](std::size_t r) { return propensity(log.users()[r], log.items()[r]); });
}

CAUSALREC_INLINE auto logistic_exposure::matrix_of() const -> matrix<double> {
    if (!fitted_) throw not_fitted_error("causalrec::causal::logistic_exposure: matrix_of called before fit");
    matrix<double> m = matrix<double>::from_shape({uf_.shape()[0], if_.shape()[0]});
    for (std::size_t u = 0; u < m.shape()[0]; ++u)
        for (std::size_t i = 0; i < m.shape()[1]; ++i) m(u, i) = propensity(u, i);
    return m;
}

}  // namespace causalrec::causal
namespace causalrec::causal {

CAUSALREC_INLINE data::interactions with_propensities(const data::interactions& log, std::vector<double> propensities) {
    if (propensities.size() != log.size())
        throw shape_error(causalrec::cat("causalrec::causal::with_propensities: ", propensities.size(), " propensities for a log of ", log.size(), " rows"));
    return detail::with_propensities(log, std::move(propensities));
}

CAUSALREC_INLINE std::vector<reliability_bin> reliability_table(std::span<const double> predicted, std::span<const double> exposed,
                                                      const reliability_options& options) {
    if (predicted.size() != exposed.size())
        throw shape_error(causalrec::cat("causalrec::causal::reliability_table: ", predicted.size(), " predictions but ", exposed.size(), " outcomes"));
    if (predicted.empty()) throw argument_error("causalrec::causal::reliability_table: no pairs");
    if (options.bins == 0) throw argument_error("causalrec::causal::reliability_table: bins must be >= 1");
    for (std::size_t k = 0; k < predicted.size(); ++k)
        if (!(predicted[k] >= 0.0 && predicted[k] <= 1.0))
            throw argument_error(causalrec::cat("causalrec::causal::reliability_table: prediction ", predicted[k], " at position ", k, " is outside [0, 1]"));
    const std::size_t n = predicted.size(), b = options.bins;
    std::vector<std::size_t> order(n);
    for (std::size_t k = 0; k < n; ++k) order[k] = k;
    std::vector<reliability_bin> out(b);
    std::vector<std::size_t> bin_of(n);
    if (options.quantile_bins) {
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t c) { return predicted[a] < predicted[c]; });
        for (std::size_t r = 0; r < n; ++r) bin_of[order[r]] = std::min(b - 1, r * b / n);
    } else {
        for (std::size_t k = 0; k < n; ++k)
            bin_of[k] = std::min(b - 1, static_cast<std::size_t>(predicted[k] * static_cast<double>(b)));
        for (std::size_t j = 0; j < b; ++j)
            out[j].lower = static_cast<double>(j) / static_cast<double>(b), out[j].upper = static_cast<double>(j + 1) / static_cast<double>(b);
    }
    std::vector<double> lo(b, 1.0), hi(b, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        auto& bin = out[bin_of[k]];
        ++bin.count;
        bin.mean_predicted += predicted[k];
        bin.observed_rate += exposed[k] != 0.0 ? 1.0 : 0.0;
        lo[bin_of[k]] = std::min(lo[bin_of[k]], predicted[k]);
        hi[bin_of[k]] = std::max(hi[bin_of[k]], predicted[k]);
    }
    for (std::size_t j = 0; j < b; ++j) {
        if (out[j].count) {
            out[j].mean_predicted /= static_cast<double>(out[j].count);
            out[j].observed_rate /= static_cast<double>(out[j].count);
        }
        if (options.quantile_bins) out[j].lower = out[j].count ? lo[j] : 0.0, out[j].upper = out[j].count ? hi[j] : 0.0;
    }
    return out;
}

CAUSALREC_INLINE std::vector<reliability_bin> exposure_calibration(const matrix<double>& propensities, const data::interactions& log,
                                                         const reliability_options& options) {
    if (propensities.shape()[0] != log.n_users() || propensities.shape()[1] != log.n_items())
        throw shape_error(causalrec::cat("causalrec::causal::exposure_calibration: propensities have shape (", propensities.shape()[0], ", ",
                                                 propensities.shape()[1], "), the log has ", log.n_users(), " users and ", log.n_items(),
                                                 " items"));
    std::vector<double> exposed(propensities.size(), 0.0);
    for (std::size_t r = 0; r < log.size(); ++r) exposed[log.users()[r] * log.n_items() + log.items()[r]] = 1.0;
    return reliability_table(std::span<const double>(propensities.data(), propensities.size()), exposed, options);
}

CAUSALREC_INLINE double expected_calibration_error(const std::vector<reliability_bin>& table) {
    double total = 0.0, n = 0.0;
    for (const auto& b : table) total += static_cast<double>(b.count) * std::abs(b.mean_predicted - b.observed_rate), n += static_cast<double>(b.count);
    return n > 0.0 ? total / n : 0.0;
}

}  // namespace causalrec::causal

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE void check_propensity_clip(double clip, const char* fn) {
    if (!(clip >= 0.0 && clip <= 1.0)) throw argument_error(causalrec::error_message("causal", fn, "clip must be in [0, 1], got ", clip));
}

CAUSALREC_INLINE data::interactions with_propensities(const data::interactions& log, std::vector<double> p) {
    auto c = log.columns();
    c.propensities = std::move(p);
    return data::interactions(std::move(c));
}

}  // namespace detail
}  // namespace causalrec::causal
