#pragma once
/// @file
/// Definitions of the non-template member functions declared in causal/debias/mf.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../mf.hpp"

namespace causalrec::causal {

namespace detail {

/// The options of debiased_mf saved in its model files, under their keys.
constexpr auto debiased_mf_saved_fields = std::tuple{
    rec::field("factors", &debiased_mf_options::factors),
    rec::field("l2", &debiased_mf_options::l2),
    rec::field("epochs", &debiased_mf_options::epochs),
    rec::field("learning_rate", &debiased_mf_options::learning_rate),
    rec::field("propensity_clip", &debiased_mf_options::propensity_clip),
    rec::field("init_std", &debiased_mf_options::init_std),
    rec::field("imputation_factors", &debiased_mf_options::imputation_factors),
    rec::field("min_prediction", &debiased_mf_options::min_prediction),
    rec::field("max_prediction", &debiased_mf_options::max_prediction),
    rec::field("seed", &debiased_mf_options::seed)};

}  // namespace detail

CAUSALREC_INLINE void debiased_mf::fit(const data::interactions& log) {
    check_log(log);
    L_ = {log.n_users(), log.n_items(), o_.factors};
    rng engine(o_.seed);
    const auto obs = observed(log);
    const double l2 = o_.l2;
    switch (o_.method) {
        case debias_method::naive:
        case debias_method::ips:
        case debias_method::snips: {
            std::vector<detail::mf_entry> entries;
            double divisor = 0.0;
            weighted_entries(obs, o_.method, entries, divisor);
            x_ = L_.init(o_.init_std, offset(entries, divisor), engine);
            minimize(L_, x_, entries, divisor, l2);
            break;
        }
        case debias_method::dr: {
            const detail::mf_layout I{L_.n_users, L_.n_items, imputation_factors()};
            std::vector<detail::mf_entry> entries;
            double divisor = 0.0;
            weighted_entries(obs, debias_method::snips, entries, divisor);
            auto xi = I.init(o_.init_std, offset(entries, divisor), engine);
            minimize(I, xi, entries, divisor, imputation_l2());
            std::vector<double> zi, t, z, d;
            detail::mf_all_raw(I, xi, zi);
            dr_targets(obs, zi, t);
            x_ = L_.init(o_.init_std, xi[I.mu()], engine);
            minimize_dense(x_, t, z, d);
            break;
        }
        case debias_method::dr_jl: joint_learning(obs, engine); break;
    }
    model_ = factor_model_of(x_, L_, rec::log_summary::of(log));
    x_.clear();
    fitted_ = true;
}

CAUSALREC_INLINE double debiased_mf::predict(std::size_t user, std::size_t item) const {
    require_fitted(fitted_, qualified("causal", model_name));
    const std::size_t one[1] = {item};
    return model_.score(user, one, model_name)[0];
}

CAUSALREC_INLINE auto debiased_mf::predict_all() const -> matrix<double> {
    require_fitted(fitted_, qualified("causal", model_name));
    matrix<double> m = matrix<double>::from_shape({model_.n_users(), model_.n_items()});
    for (std::size_t u = 0; u < model_.n_users(); ++u)
        for (std::size_t i = 0; i < model_.n_items(); ++i) m(u, i) = model_.predict(u, i);
    return m;
}

CAUSALREC_INLINE auto debiased_mf::to_file() const -> io::tensor_file {
    require_fitted(fitted_, qualified("causal", model_name));
    auto f = rec::begin_recommender_file(model_name, options_json(), model_.log);
    model_.write(f);
    return f;
}

CAUSALREC_INLINE auto debiased_mf::from_file(io::tensor_file file) -> debiased_mf {
    auto f = rec::open_recommender_file(std::move(file), model_name);
    debiased_mf_options o;
    const auto method = rec::saved_option<std::string>(f, "method");
    const std::string where = f.file.source().empty() ? std::string("<memory>") : f.file.source();
    bool known = false;
    for (auto m : {debias_method::naive, debias_method::ips, debias_method::snips, debias_method::dr, debias_method::dr_jl})
        if (method == to_string(m)) o.method = m, known = true;
    if (!known) throw format_error(causalrec::cat(where, ": unknown debias method '", method, "'"));
    const auto loss = rec::saved_option<std::string>(f, "loss");
    if (loss != "squared" && loss != "logistic") throw format_error(causalrec::cat(where, ": unknown loss '", loss, "'"));
    o.loss = loss == "squared" ? rating_loss::squared : rating_loss::logistic;
    o.solver = rec::saved_option<std::string>(f, "solver") == "adam" ? mf_solver::adam : mf_solver::lbfgs;
    rec::read_options(f, o, detail::debiased_mf_saved_fields);
    if (f.options.contains("imputation_l2") && !f.options["imputation_l2"].is_null())
        o.imputation_l2 = rec::saved_option<double>(f, "imputation_l2");
    debiased_mf m(o);
    m.L_ = {f.log.n_users, f.log.n_items, o.factors};
    m.model_ = rec::factor_model<double>::read(f, o.factors, true, true);
    m.set_output(m.model_);
    m.fitted_ = true;
    return m;
}

CAUSALREC_INLINE nlohmann::json debiased_mf::options_json() const {
    nlohmann::json j = {{"method", std::string(to_string(o_.method))},
                        {"loss", o_.loss == rating_loss::squared ? "squared" : "logistic"},
                        {"solver", o_.solver == mf_solver::adam ? "adam" : "lbfgs"}};
    rec::write_options(j, o_, detail::debiased_mf_saved_fields);
    j["imputation_l2"] = o_.imputation_l2 ? nlohmann::json(*o_.imputation_l2) : nlohmann::json(nullptr);
    return j;
}

CAUSALREC_INLINE void debiased_mf::check_options() const {
    auto nonneg = [](double v) { return v >= 0.0 && std::isfinite(v); };
    if (o_.factors == 0) throw argument_error("causalrec::causal::debiased_mf: factors must be >= 1");
    if (o_.epochs == 0) throw argument_error("causalrec::causal::debiased_mf: epochs must be >= 1");
    if (!nonneg(o_.l2)) throw argument_error(causalrec::cat("causalrec::causal::debiased_mf: l2 must be finite and >= 0, got ", o_.l2));
    if (o_.imputation_l2 && !nonneg(*o_.imputation_l2))
        throw argument_error(causalrec::cat("causalrec::causal::debiased_mf: imputation_l2 must be finite and >= 0, got ", *o_.imputation_l2));
    if (!(o_.learning_rate > 0.0 && std::isfinite(o_.learning_rate)))
        throw argument_error(causalrec::cat("causalrec::causal::debiased_mf: learning_rate must be finite and > 0, got ", o_.learning_rate));
    if (!(o_.propensity_clip >= 0.0 && o_.propensity_clip <= 1.0))
        throw argument_error(causalrec::cat("causalrec::causal::debiased_mf: propensity_clip must be in [0, 1], got ", o_.propensity_clip));
    if (!nonneg(o_.init_std))
        throw argument_error(causalrec::cat("causalrec::causal::debiased_mf: init_std must be finite and >= 0, got ", o_.init_std));
    if (!(o_.min_prediction <= o_.max_prediction))
        throw argument_error(causalrec::cat("causalrec::causal::debiased_mf: min_prediction ", o_.min_prediction, " is above max_prediction ",
                                                    o_.max_prediction));
}

CAUSALREC_INLINE void debiased_mf::check_log(const data::interactions& log) const {
    if (log.empty()) throw argument_error("causalrec::causal::debiased_mf::fit: the log is empty");
    if (log.n_users() > 0xFFFFFFFFu || log.n_items() > 0xFFFFFFFFu)
        throw argument_error("causalrec::causal::debiased_mf::fit: at most 2^32 - 1 users and items");
    if (o_.method != debias_method::naive && !log.has_propensities())
        throw argument_error(causalrec::cat("causalrec::causal::debiased_mf::fit: method '", to_string(o_.method),
                                                    "' needs the log's propensities column, and the log has none"));
    if (o_.loss == rating_loss::logistic)
        for (std::size_t r = 0; r < log.size(); ++r)
            if (!(log.values()[r] >= 0.0 && log.values()[r] <= 1.0))
                throw argument_error(causalrec::cat("causalrec::causal::debiased_mf::fit: row ", r, ": value ", log.values()[r],
                                                            " is outside [0, 1] (the logistic loss needs labels)"));
}

CAUSALREC_INLINE auto debiased_mf::observed(const data::interactions& log) const -> observed_pairs {
    const std::size_t n_items = log.n_items();
    std::vector<std::size_t> last(log.n_users() * n_items, std::numeric_limits<std::size_t>::max());
    for (std::size_t r = 0; r < log.size(); ++r) last[log.users()[r] * n_items + log.items()[r]] = r;
    observed_pairs out;
    for (std::size_t c = 0; c < last.size(); ++c) {
        const std::size_t r = last[c];
        if (r == std::numeric_limits<std::size_t>::max()) continue;
        out.u.push_back(static_cast<std::uint32_t>(c / n_items));
        out.i.push_back(static_cast<std::uint32_t>(c % n_items));
        out.y.push_back(log.values()[r]);
        out.p.push_back(log.has_propensities() ? std::max(log.propensities()[r], o_.propensity_clip) : 1.0);
    }
    return out;
}

CAUSALREC_INLINE void debiased_mf::weighted_entries(const observed_pairs& obs, debias_method method, std::vector<detail::mf_entry>& entries,
                          double& divisor) const {
    entries.resize(obs.u.size());
    divisor = 0.0;
    for (std::size_t j = 0; j < entries.size(); ++j) {
        const double w = method == debias_method::naive ? 1.0 : 1.0 / obs.p[j];
        entries[j] = {obs.u[j], obs.i[j], obs.y[j], w};
        divisor += w;
    }
    if (method == debias_method::ips) divisor = static_cast<double>(L_.n_users) * static_cast<double>(L_.n_items);
}

CAUSALREC_INLINE double debiased_mf::offset(const std::vector<detail::mf_entry>& entries, double) const {
    double s = 0.0, w = 0.0;
    for (const auto& e : entries) s += e.weight * e.target, w += e.weight;
    const double m = w > 0.0 ? s / w : 0.0;
    if (o_.loss == rating_loss::squared) return m;
    const double c = std::clamp(m, 1e-6, 1.0 - 1e-6);
    return std::log(c / (1.0 - c));
}

CAUSALREC_INLINE void debiased_mf::dr_targets(const observed_pairs& obs, const std::vector<double>& zi, std::vector<double>& t) const {
    t.resize(zi.size());
    for (std::size_t c = 0; c < zi.size(); ++c) t[c] = imputed(zi[c]);
    for (std::size_t j = 0; j < obs.u.size(); ++j) {
        double& e = t[obs.u[j] * L_.n_items + obs.i[j]];
        e += (obs.y[j] - e) / obs.p[j];
    }
}

CAUSALREC_INLINE void debiased_mf::minimize(const detail::mf_layout& L, std::vector<double>& x, const std::vector<detail::mf_entry>& entries, double divisor,
                  double l2) const {
    minimize_function(x, [&](std::span<const double> at, std::span<double> g) {
        return detail::mf_objective(L, entries, divisor, o_.loss, l2, at, g);
    });
}

CAUSALREC_INLINE void debiased_mf::minimize_dense(std::vector<double>& x, const std::vector<double>& t, std::vector<double>& z, std::vector<double>& d) const {
    minimize_function(x, [&](std::span<const double> at, std::span<double> g) {
        return detail::mf_dense_objective(L_, t, o_.loss, o_.l2, at, g, z, d);
    });
}

CAUSALREC_INLINE void debiased_mf::joint_learning(const observed_pairs& obs, rng& engine) {
    const detail::mf_layout I{L_.n_users, L_.n_items, imputation_factors()};
    std::vector<detail::mf_entry> seed_entries;
    double divisor = 0.0;
    weighted_entries(obs, debias_method::snips, seed_entries, divisor);
    const double start = offset(seed_entries, divisor);
    x_ = L_.init(o_.init_std, start, engine);
    joint_objective objective{.model = this, .obs = &obs, .I = I, .xi = I.init(o_.init_std, start, engine),
                              .gi = {}, .gx = std::vector<double>(x_.size()), .zi = {}, .t = {}, .z = {}, .d = {},
                              .imputation_step = optim::adam<double>({.learning_rate = o_.learning_rate}),
                              .x_shape = {x_.size()}, .xi_shape = {}};
    objective.gi.assign(objective.xi.size(), 0.0);
    objective.xi_shape = {objective.xi.size()};
    train::fit(objective, optim::adam<double>({.learning_rate = o_.learning_rate}), {.epochs = o_.epochs, .verbose = 0});
}

CAUSALREC_INLINE void debiased_mf::set_output(rec::factor_model<double>& m) const {
    m.output = o_.loss == rating_loss::logistic ? rec::factor_output::logistic : rec::factor_output::clipped;
    m.min_prediction = o_.min_prediction;
    m.max_prediction = o_.max_prediction;
}

CAUSALREC_INLINE auto debiased_mf::factor_model_of(const std::vector<double>& x, const detail::mf_layout& L, rec::log_summary log) const -> rec::factor_model<double> {
    rec::factor_model<double> m;
    m.factors = L.k;
    m.user_factors.assign(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(L.q()));
    m.item_factors.assign(x.begin() + static_cast<std::ptrdiff_t>(L.q()), x.begin() + static_cast<std::ptrdiff_t>(L.bu()));
    m.user_bias.assign(x.begin() + static_cast<std::ptrdiff_t>(L.bu()), x.begin() + static_cast<std::ptrdiff_t>(L.bi()));
    m.item_bias.assign(x.begin() + static_cast<std::ptrdiff_t>(L.bi()), x.begin() + static_cast<std::ptrdiff_t>(L.mu()));
    m.offset = x[L.mu()];
    m.log = std::move(log);
    set_output(m);
    return m;
}

}  // namespace causalrec::causal
namespace causalrec::causal {

CAUSALREC_INLINE debiased_mf dr_jl(debiased_mf_options o) {
    o.method = debias_method::dr_jl;
    o.solver = mf_solver::adam;
    return debiased_mf(std::move(o));
}

}  // namespace causalrec::causal

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE double mf_objective(const mf_layout& L, const std::vector<mf_entry>& entries, double divisor, rating_loss loss, double l2,
                           std::span<const double> x, std::span<double> g) {
    std::fill(g.begin(), g.end(), 0.0);
    double total = 0.0;
    const double inv = 1.0 / divisor;
    for (const auto& e : entries) {
        const double f = L.raw(x.data(), e.u, e.i);
        const auto [l, d] = element_loss(loss, f, e.target);
        total += e.weight * l;
        L.add_grad(x.data(), g.data(), e.u, e.i, e.weight * d * inv);
    }
    return total * inv + L.penalty(x, g, l2);
}

CAUSALREC_INLINE void mf_all_raw(const mf_layout& L, std::span<const double> x, std::vector<double>& z) {
    z.resize(L.n_users * L.n_items);
    blas::gemm<double>(false, true, L.n_users, L.n_items, L.k, 1.0, x.data(), L.k, x.data() + L.q(), L.k, 0.0, z.data(),
                             L.n_items);
    for (std::size_t u = 0; u < L.n_users; ++u) {
        double* row = z.data() + u * L.n_items;
        const double b = x[L.mu()] + x[L.bu() + u];
        for (std::size_t i = 0; i < L.n_items; ++i) row[i] += b + x[L.bi() + i];
    }
}

CAUSALREC_INLINE double mf_dense_objective(const mf_layout& L, const std::vector<double>& t, rating_loss loss, double l2,
                                 std::span<const double> x, std::span<double> g, std::vector<double>& z,
                                 std::vector<double>& d, bool with_value) {
    mf_all_raw(L, x, z);
    const std::size_t n = z.size();
    d.resize(n);
    const double inv = 1.0 / static_cast<double>(n);
    double total = 0.0;
    if (loss == rating_loss::squared) {
        for (std::size_t c = 0; c < n; ++c) {
            const double r = z[c] - t[c];
            total += r * r;
            d[c] = 2.0 * r * inv;
        }
    } else {
        for (std::size_t c = 0; c < n; ++c) {  // one exp per pair: e = exp(-|z|)
            const double zc = z[c], e = std::exp(-std::abs(zc)), s = e / (1.0 + e);
            total += std::max(zc, 0.0) - zc * t[c] + (with_value ? std::log1p(e) : 0.0);
            d[c] = ((zc >= 0.0 ? 1.0 - s : s) - t[c]) * inv;
        }
    }
    std::fill(g.begin(), g.end(), 0.0);
    blas::gemm<double>(false, false, L.n_users, L.k, L.n_items, 1.0, d.data(), L.n_items, x.data() + L.q(), L.k, 0.0, g.data(),
                             L.k);
    blas::gemm<double>(true, false, L.n_items, L.k, L.n_users, 1.0, d.data(), L.n_items, x.data(), L.k, 0.0, g.data() + L.q(),
                             L.k);
    for (std::size_t u = 0; u < L.n_users; ++u) {
        const double* row = d.data() + u * L.n_items;
        double su = 0.0;
        for (std::size_t i = 0; i < L.n_items; ++i) su += row[i], g[L.bi() + i] += row[i];
        g[L.bu() + u] = su;
        g[L.mu()] += su;
    }
    return total * inv + L.penalty(x, g, l2);
}

}  // namespace detail
}  // namespace causalrec::causal
