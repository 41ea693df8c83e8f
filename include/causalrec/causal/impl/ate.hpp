#pragma once
/// @file
/// Definitions of the non-template functions declared in causal/ate.hpp (the average-effect estimators): included by that
/// header in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../ate.hpp"

namespace causalrec::causal {

CAUSALREC_INLINE double crump_alpha(const vector<double>& e) {
    std::vector<double> g;
    g.reserve(e.size());
    for (std::size_t i = 0; i < e.size(); ++i) {
        if (!(e(i) > 0.0 && e(i) < 1.0))
            throw numeric_error(detail::cat("causalrec::causal::crump_alpha: propensity ", i, " is ", e(i), "; it must be in (0, 1)"));
        g.push_back(1.0 / (e(i) * (1.0 - e(i))));
    }
    if (g.empty()) throw argument_error("causalrec::causal::crump_alpha: no propensities");
    std::sort(g.begin(), g.end());
    double sum = 0.0;
    for (double v : g) sum += v;
    if (g.back() <= 2.0 * sum / static_cast<double>(g.size())) return 0.0;
    sum = 0.0;
    double gamma = g.back();
    for (std::size_t k = 0; k < g.size(); ++k) {
        sum += g[k];
        const double two_mean = 2.0 * sum / static_cast<double>(k + 1);
        if (two_mean >= g[k] && (k + 1 == g.size() || two_mean < g[k + 1])) {
            gamma = two_mean;
            break;
        }
    }
    return 0.5 - std::sqrt(std::max(0.0, 0.25 - 1.0 / gamma));
}

CAUSALREC_INLINE effect_estimate difference_in_means(const vector<double>& t, const vector<double>& y, const effect_options& options) {
    const char* fn = "difference_in_means";
    detail::check_effect_options(fn, options);
    detail::check_inputs(fn, nullptr, t, y);
    if (options.trim != trimming::none) throw argument_error("causalrec::causal::difference_in_means: trimming needs a propensity model");
    return detail::with_bootstrap("difference-in-means", nullptr, t, y, options,
                                  [&](const matrix<double>*, const vector<double>& tb, const vector<double>& yb) {
                                      return detail::evaluate(fn, detail::formula::difference, tb, yb, {}, options);
                                  });
}

CAUSALREC_INLINE effect_estimate ipw_from_propensity(const vector<double>& t, const vector<double>& y, const vector<double>& e,
                                           const effect_options& options) {
    const char* fn = "ipw";
    detail::check_effect_options(fn, options);
    detail::check_inputs(fn, nullptr, t, y);
    if (e.size() != t.size()) throw shape_error(detail::cat("causalrec::causal::ipw: propensity has ", e.size(), " entries but treatment has ", t.size()));
    detail::require_finite(fn, "propensity", e);
    if (options.bootstrap > 0) throw argument_error("causalrec::causal::ipw_from_propensity: the bootstrap needs the propensity model (use ipw)");
    detail::nuisances nu;
    nu.e = e;
    const auto f = options.weighting == ipw_weighting::hajek ? detail::formula::ipw_hajek : detail::formula::ipw_ht;
    return detail::with_bootstrap(options.weighting == ipw_weighting::hajek ? "ipw-hajek" : "ipw-horvitz-thompson", nullptr,
                                  t, y, options, [&](const matrix<double>*, const vector<double>& tb, const vector<double>& yb) {
                                      return detail::evaluate(fn, f, tb, yb, nu, options);
                                  });
}

}  // namespace causalrec::causal

namespace causalrec::causal {
namespace detail {

CAUSALREC_INLINE void check_effect_options(const char* fn, const effect_options& o) {
    if (!(o.confidence > 0.0 && o.confidence < 1.0))
        throw argument_error(causalrec::error_message("causal", fn, "confidence must be in (0, 1), got ", o.confidence));
    if (!(o.clip_eps >= 0.0 && o.clip_eps < 0.5)) throw argument_error(causalrec::error_message("causal", fn, "clip_eps must be in [0, 0.5), got ", o.clip_eps));
    if (o.trim == trimming::crump && !(o.trim_alpha < 0.5))
        throw argument_error(causalrec::error_message("causal", fn, "trim_alpha must be below 0.5, got ", o.trim_alpha));
    if (o.bootstrap == 1) throw argument_error(causalrec::error_message("causal", fn, "bootstrap needs at least 2 resamples (0 = off)"));
}

CAUSALREC_INLINE void check_inputs(const char* fn, const matrix<double>* x, const vector<double>& t, const vector<double>& y) {
    if (x) check_length(fn, "treatment", t.size(), x->shape()[0]);
    if (y.size() != t.size())
        throw shape_error(causalrec::error_message("causal", fn, "outcome has ", y.size(), " entries but treatment has ", t.size()));
    check_treatment(fn, t);
    require_finite(fn, "outcome", y);
    if (x) require_finite(fn, "X", *x);
}

CAUSALREC_INLINE point evaluate(const char* fn, formula f, const vector<double>& t, const vector<double>& y, const nuisances& nu,
                      const effect_options& o) {
    const std::size_t n_all = t.size();
    std::vector<char> keep(n_all, 1);
    point out;
    const bool has_e = nu.e.size() == n_all && n_all > 0;
    // Validate the propensities first: neither trimming nor clipping may hide one that is not a probability.
    if (has_e)
        for (std::size_t i = 0; i < n_all; ++i)
            if (!(nu.e(i) >= 0.0 && nu.e(i) <= 1.0))
                throw numeric_error(causalrec::error_message("causal", fn, "propensity ", nu.e(i), " at row ", i, " is outside [0, 1]"));
    if (o.trim != trimming::none) {
        if (!has_e) throw argument_error(causalrec::error_message("causal", fn, "trimming needs a propensity model"));
        if (o.trim == trimming::common_support) {
            double lo[2] = {1.0, 1.0}, hi[2] = {0.0, 0.0};
            for (std::size_t i = 0; i < n_all; ++i) {
                const int a = t(i) == 1.0 ? 1 : 0;
                lo[a] = std::min(lo[a], nu.e(i));
                hi[a] = std::max(hi[a], nu.e(i));
            }
            const double l = std::max(lo[0], lo[1]), h = std::min(hi[0], hi[1]);
            for (std::size_t i = 0; i < n_all; ++i) keep[i] = nu.e(i) >= l && nu.e(i) <= h;
        } else {
            out.alpha = o.trim_alpha > 0.0 ? o.trim_alpha : crump_alpha(clip_propensity(nu.e, 1e-12));
            for (std::size_t i = 0; i < n_all; ++i) keep[i] = nu.e(i) >= out.alpha && nu.e(i) <= 1.0 - out.alpha;
        }
    }
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < n_all; ++i)
        if (keep[i]) rows.push_back(i);
    out.used = rows.size();
    out.trimmed = n_all - rows.size();
    for (std::size_t i : rows) (t(i) == 1.0 ? out.treated : out.control) += 1;
    if (out.treated == 0 || out.control == 0)
        throw argument_error(causalrec::error_message("causal", fn, "after trimming the ", out.treated == 0 ? "treated" : "control", " arm is empty (",
                                 out.trimmed, " of ", n_all, " rows trimmed)"));
    auto e_of = [&](std::size_t i) {
        const double e = o.clip_eps > 0.0 ? std::clamp(nu.e(i), o.clip_eps, 1.0 - o.clip_eps) : nu.e(i);  // validated above
        const bool treated = t(i) == 1.0;
        if ((treated && o.target == estimand::ate && e == 0.0) || (!treated && e == 1.0))
            throw numeric_error(causalrec::error_message("causal", fn, "propensity ", e, " at row ", i, " (", treated ? "treated" : "control",
                                    ") gives an infinite inverse weight; set clip_eps or trimming"));
        return e;
    };
    const auto n = static_cast<double>(out.used);
    const auto n1 = static_cast<double>(out.treated), n0 = static_cast<double>(out.control);
    const bool att = o.target == estimand::att;
    std::vector<double> phi;  // influence-function contributions (mean zero)
    phi.reserve(rows.size());
    switch (f) {
        case formula::difference: {
            double s1 = 0.0, s0 = 0.0;
            for (std::size_t i : rows) (t(i) == 1.0 ? s1 : s0) += y(i);
            const double m1 = s1 / n1, m0 = s0 / n0;
            out.estimate = m1 - m0;
            double v1 = 0.0, v0 = 0.0;
            for (std::size_t i : rows) (t(i) == 1.0 ? v1 : v0) += t(i) == 1.0 ? (y(i) - m1) * (y(i) - m1) : (y(i) - m0) * (y(i) - m0);
            v1 = n1 > 1 ? v1 / (n1 - 1) : 0.0;
            v0 = n0 > 1 ? v0 / (n0 - 1) : 0.0;
            out.std_error = std::sqrt(v1 / n1 + v0 / n0);
            return out;
        }
        case formula::regression: {
            // Influence terms of regression adjustment with the arm shares as propensities (exact for a
            // randomised treatment and linear arm models, Lin 2013); under confounding prefer the bootstrap.
            double s = 0.0;
            for (std::size_t i : rows) s += att ? (t(i) == 1.0 ? y(i) - nu.mu0(i) : 0.0) : nu.mu1(i) - nu.mu0(i);
            out.estimate = s / (att ? n1 : n);
            double ss = 0.0;
            for (std::size_t i : rows) {
                double p;
                if (att)
                    p = t(i) == 1.0 ? (y(i) - nu.mu0(i) - out.estimate) / (n1 / n) : -(y(i) - nu.mu0(i)) / (n0 / n);
                else
                    p = nu.mu1(i) - nu.mu0(i) - out.estimate +
                        (t(i) == 1.0 ? (y(i) - nu.mu1(i)) / (n1 / n) : -(y(i) - nu.mu0(i)) / (n0 / n));
                ss += p * p;
            }
            out.std_error = std::sqrt(ss) / n;
            return out;
        }
        case formula::ipw_ht:
        case formula::aipw: {
            const bool dr = f == formula::aipw;
            if (!att) {
                for (std::size_t i : rows) {
                    const double e = e_of(i);
                    const double m1 = dr ? nu.mu1(i) : 0.0, m0 = dr ? nu.mu0(i) : 0.0;
                    phi.push_back(m1 - m0 + (t(i) == 1.0 ? (y(i) - m1) / e : -(y(i) - m0) / (1.0 - e)));
                }
                out.estimate = mean(phi);
                out.std_error = std::sqrt(variance(phi) / n);
            } else {
                double s = 0.0;
                std::vector<double> c;
                for (std::size_t i : rows) {
                    const double e = e_of(i), r = y(i) - (dr ? nu.mu0(i) : 0.0);
                    c.push_back(t(i) == 1.0 ? r : -e / (1.0 - e) * r);
                    s += c.back();
                }
                out.estimate = s / n1;
                double ss = 0.0;
                std::size_t k = 0;
                for (std::size_t i : rows) {
                    const double p = (c[k++] - (t(i) == 1.0 ? out.estimate : 0.0)) / (n1 / n);
                    ss += p * p;
                }
                out.std_error = std::sqrt(ss) / n;
            }
            return out;
        }
        case formula::ipw_hajek:
        case formula::aipw_hajek: {
            // Self-normalised weights within each arm; for AIPW the weighted terms are outcome-model
            // residuals (y - mu1 on the treated, y - mu0 on the controls; y - mu0 for both arms for ATT)
            // and the ATE adds mean(mu1 - mu0).
            const bool dr = f == formula::aipw_hajek;
            double sw1 = 0.0, sw0 = 0.0, swy1 = 0.0, swy0 = 0.0, base = 0.0;
            std::vector<double> w(n_all, 0.0), r(n_all, 0.0);
            for (std::size_t i : rows) {
                const double e = e_of(i);
                if (t(i) == 1.0) {
                    w[i] = att ? 1.0 : 1.0 / e;
                    r[i] = y(i) - (dr ? (att ? nu.mu0(i) : nu.mu1(i)) : 0.0);
                    sw1 += w[i];
                    swy1 += w[i] * r[i];
                } else {
                    w[i] = att ? e / (1.0 - e) : 1.0 / (1.0 - e);
                    r[i] = y(i) - (dr ? nu.mu0(i) : 0.0);
                    sw0 += w[i];
                    swy0 += w[i] * r[i];
                }
                if (dr && !att) base += nu.mu1(i) - nu.mu0(i);
            }
            base /= n;
            const double m1 = swy1 / sw1, m0 = swy0 / sw0;
            out.estimate = base + m1 - m0;
            double ss = 0.0;
            for (std::size_t i : rows) {
                double p = t(i) == 1.0 ? w[i] * (r[i] - m1) / (sw1 / n) : -w[i] * (r[i] - m0) / (sw0 / n);
                if (dr && !att) p += nu.mu1(i) - nu.mu0(i) - base;
                ss += p * p;
            }
            out.std_error = std::sqrt(ss) / n;
            return out;
        }
    }
    return out;
}

CAUSALREC_INLINE std::vector<std::size_t> all_rows(std::size_t n) {
    std::vector<std::size_t> r(n);
    for (std::size_t i = 0; i < n; ++i) r[i] = i;
    return r;
}

}  // namespace detail
}  // namespace causalrec::causal
