#pragma once
/// @file
/// Debiased matrix factorisation: MF-Naive, MF-IPS, MF-SNIPS, MF-DR and DR-JL (Schnabel et al., ICML 2016;
/// Wang et al., ICML 2019), trained full-batch through train::fit (L-BFGS or Adam) on a small user x item
/// matrix such as Coat's 290 x 300. Satisfies rec::Recommender.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>

#include "../../core/compiler.hpp"
#include "../../core/message.hpp"
#include "../../core/math.hpp"
#include "../../core/checks.hpp"
#include "../../core/error.hpp"
#include "../../core/linalg.hpp"
#include "../../core/rng.hpp"
#include "../../core/tensor.hpp"
#include "../../data/interactions.hpp"
#include "../../io/safetensors.hpp"
#include "../../loss/reduction.hpp"
#include "../../optim/adam.hpp"
#include "../../optim/lbfgs.hpp"
#include "../../train/function_objective.hpp"
#include "../../train/loop.hpp"
#include "../../core/blas.hpp"
#include "../../rec/common.hpp"
#include "../../rec/concepts.hpp"
#include "../../rec/factor_model.hpp"
#include "../../rec/factor_recommender.hpp"
#include "../../rec/persistence.hpp"
#include "weights.hpp"

namespace causalrec::causal {

/// Which training objective debiased_mf minimises.
enum class debias_method : std::uint8_t {
    naive,  ///< mean loss over the observed ratings (MF-Naive)
    ips,    ///< sum over observed of loss / p, divided by n_users n_items (MF-IPS)
    snips,  ///< sum over observed of loss / p, divided by sum of 1 / p (MF-SNIPS, self-normalised)
    dr,     ///< doubly robust over all pairs with a fixed imputation model fitted first by SNIPS (MF-DR)
    dr_jl,  ///< doubly robust with the imputation model learned jointly, alternating (DR-JL, Wang et al. 2019)
};

/// The loss on one rating.
enum class rating_loss : std::uint8_t {
    squared,   ///< (f - y)^2 on explicit ratings; predictions f are the raw model output, clipped
    logistic,  ///< cross-entropy of sigmoid(f) against y in [0, 1]; predictions are probabilities
};

/// How the full-batch objective is minimised.
enum class mf_solver : std::uint8_t {
    lbfgs,  ///< L-BFGS with backtracking line search, `epochs` iterations (not for dr_jl)
    adam,   ///< full-batch Adam, `epochs` steps at `learning_rate`
};

/// The name of a debias_method ("naive", "ips", "snips", "dr", "dr_jl").
inline std::string_view to_string(debias_method m) noexcept {
    switch (m) {
        case debias_method::naive: return "naive";
        case debias_method::ips: return "ips";
        case debias_method::snips: return "snips";
        case debias_method::dr: return "dr";
        case debias_method::dr_jl: return "dr_jl";
    }
    return "?";
}

/// Options of debiased_mf. The objective is (weighted mean loss, see debias_method) +
/// l2 (|P|^2 + |Q|^2 + |b_user|^2 + |b_item|^2); the global offset is not penalised.
struct debiased_mf_options {
    debias_method method = debias_method::snips;  ///< training objective
    rating_loss loss = rating_loss::squared;      ///< loss on one rating
    std::size_t factors = 10;                     ///< latent dimension (>= 1)
    double l2 = 1e-3;                             ///< L2 penalty on factors and biases (>= 0)
    mf_solver solver = mf_solver::lbfgs;          ///< minimiser (dr_jl always alternates Adam steps)
    std::size_t epochs = 500;                     ///< L-BFGS iterations or Adam steps (>= 1)
    double learning_rate = 0.01;                  ///< Adam step size (> 0)
    double propensity_clip = 0.0;                 ///< propensities below are raised to it; in [0, 1]
    double init_std = 0.1;                        ///< factors start as N(0, init_std^2)
    std::size_t imputation_factors = 0;           ///< dr / dr_jl imputation model rank (0 = factors)
    std::optional<double> imputation_l2{};        ///< dr / dr_jl imputation model L2 (empty = l2)
    double min_prediction = -std::numeric_limits<double>::infinity();  ///< squared loss: predictions clipped below
    double max_prediction = std::numeric_limits<double>::infinity();   ///< squared loss: predictions clipped above
    std::uint64_t seed = 42;                      ///< initialisation
};

namespace detail {

/// One term of a full-batch objective: pair (u, i), target and weight.
struct mf_entry {
    std::uint32_t u = 0, i = 0;  ///< user and item
    double target = 0.0;         ///< y, or a DR pseudo-target
    double weight = 1.0;         ///< per-term weight
};

/// Flat parameters of a biased MF: P (n_users x k), Q (n_items x k), b_user, b_item, offset.
struct mf_layout {
    std::size_t n_users = 0, n_items = 0, k = 1;  ///< sizes

    /// Number of doubles.
    std::size_t size() const noexcept { return (n_users + n_items) * (k + 1) + 1; }
    /// Offset of Q.
    std::size_t q() const noexcept { return n_users * k; }
    /// Offset of the user biases.
    std::size_t bu() const noexcept { return (n_users + n_items) * k; }
    /// Offset of the item biases.
    std::size_t bi() const noexcept { return bu() + n_users; }
    /// Offset of the global offset.
    std::size_t mu() const noexcept { return bi() + n_items; }

    /// The raw output f(u, i) under parameters x.
    double raw(const double* x, std::size_t u, std::size_t i) const noexcept {
        const double* p = x + u * k;
        const double* qq = x + q() + i * k;
        double s = x[mu()] + x[bu() + u] + x[bi() + i];
        for (std::size_t f = 0; f < k; ++f) s += p[f] * qq[f];
        return s;
    }

    /// Adds d * d f(u, i) / d x to g.
    void add_grad(const double* x, double* g, std::size_t u, std::size_t i, double d) const noexcept {
        const double* p = x + u * k;
        const double* qq = x + q() + i * k;
        linalg::axpy(d, qq, g + u * k, k);      // P and Q are disjoint blocks of g
        linalg::axpy(d, p, g + q() + i * k, k);
        g[bu() + u] += d;
        g[bi() + i] += d;
        g[mu()] += d;
    }

    /// l2 * (sum of squares of all but the offset), its gradient added to g.
    double penalty(std::span<const double> x, std::span<double> g, double l2) const noexcept {
        double s = 0.0;
        for (std::size_t j = 0; j < mu(); ++j) {
            s += x[j] * x[j];
            g[j] += 2.0 * l2 * x[j];
        }
        return l2 * s;
    }

    /// Random factors, zero biases, offset `offset`.
    std::vector<double> init(double init_std, double offset, rng& engine) const {
        std::vector<double> x(size(), 0.0);
        for (std::size_t j = 0; j < bu(); ++j) x[j] = init_std * engine.normal();
        x[mu()] = offset;
        return x;
    }
};

/// Element loss and its derivative in f.
inline std::pair<double, double> element_loss(rating_loss loss, double f, double y) noexcept {
    if (loss == rating_loss::squared) return {(f - y) * (f - y), 2.0 * (f - y)};
    return causalrec::bce_from_logits_and_derivative(f, y);
}

/// d element_loss / d y (the loss is affine in y for logistic, quadratic for squared).
inline double element_loss_dy(rating_loss loss, double f, double y) noexcept {
    return loss == rating_loss::squared ? -2.0 * (f - y) : -f;
}

/// sum_j w_j l(f_j, t_j) / divisor + penalty, with gradient.
double mf_objective(const mf_layout& L, const std::vector<mf_entry>& entries, double divisor, rating_loss loss, double l2,
                           std::span<const double> x, std::span<double> g);

/// Raw outputs of every pair into z (n_users x n_items, row-major): P Q^T by BLAS plus biases.
void mf_all_raw(const mf_layout& L, std::span<const double> x, std::vector<double>& z);

/// Mean loss against dense targets t over all pairs + penalty, with gradient (BLAS for the factors);
/// z and d are workspaces (z holds the raw outputs afterwards); without `with_value` the logistic
/// value omits its log(1 + exp(-|z|)) terms (for steps that only need the gradient).
double mf_dense_objective(const mf_layout& L, const std::vector<double>& t, rating_loss loss, double l2,
                                 std::span<const double> x, std::span<double> g, std::vector<double>& z,
                                 std::vector<double>& d, bool with_value = true);

}  // namespace detail

/// Matrix factorisation r_hat(u, i) = mu + b_u + b_i + <p_u, q_i> trained full-batch on a debiased
/// objective (see debias_method) from a log with values and, except for naive, propensities of the
/// logged pairs P(O_ui = 1). dr and dr_jl work on the full n_users x n_items matrix (meant for
/// small catalogues). With rating_loss::logistic the values must be in [0, 1] and scores are
/// probabilities. Satisfies rec::Recommender; saves and loads as a recommender file.
class debiased_mf : public rec::factor_recommender<debiased_mf, double> {
    friend class rec::factor_recommender<debiased_mf, double>;
public:
    /// The model name in files and messages.
    static constexpr std::string_view model_name = "debiased_mf";


    /// A model with the given options; raises argument_error for invalid options.
    explicit debiased_mf(debiased_mf_options options = {}) : o_(std::move(options)) { check_options(); }

    /// Trains on `log`; raises argument_error for an empty log, a missing propensities column
    /// (every method but naive) or, with the logistic loss, a value outside [0, 1].
    void fit(const data::interactions& log);

    /// The options.
    const debiased_mf_options& options() const noexcept { return o_; }

    /// The prediction for (user, item): the clipped rating (squared loss) or the probability
    /// (logistic); a user outside the training range gets the item's bias only. Raises
    /// not_fitted_error before fit and argument_error for an item out of range.
    double predict(std::size_t user, std::size_t item) const;

    /// Predictions for every user x item pair (n_users x n_items).
    matrix<double> predict_all() const;

    /// The model as a recommender file (see rec::save_recommender).
    io::tensor_file to_file() const;

    /// A model read from a recommender file; raises format_error when it is not a valid
    /// debiased_mf file.
    static debiased_mf from_file(io::tensor_file file);

private:

    /// The logged pairs as dense indices: value and (clipped) propensity, last row wins.
    struct observed_pairs {
        std::vector<std::uint32_t> u, i;
        std::vector<double> y, p;
    };

    nlohmann::json options_json() const;

    void check_options() const;

    void check_log(const data::interactions& log) const;

    std::size_t imputation_factors() const noexcept { return o_.imputation_factors ? o_.imputation_factors : o_.factors; }
    double imputation_l2() const noexcept { return o_.imputation_l2 ? *o_.imputation_l2 : o_.l2; }

    observed_pairs observed(const data::interactions& log) const;

    void weighted_entries(const observed_pairs& obs, debias_method method, std::vector<detail::mf_entry>& entries,
                          double& divisor) const;

    /// The starting offset: the weighted mean target (or its logit).
    double offset(const std::vector<detail::mf_entry>& entries, double) const;

    /// DR pseudo-targets over all pairs (row-major) from the imputation model's raw outputs zi.
    void dr_targets(const observed_pairs& obs, const std::vector<double>& zi, std::vector<double>& t) const;

    double imputed(double raw_value) const noexcept { return o_.loss == rating_loss::squared ? raw_value : causalrec::sigmoid(raw_value); }

    /// Minimises f over x with the configured solver through train::fit: Adam for `epochs` full-batch
    /// steps, or L-BFGS for at most `epochs` iterations.
    template <class F>
    void minimize_function(std::vector<double>& x, F f) const {
        train::function_objective<double, F> objective(x, std::move(f), "debiased_mf");
        if (o_.solver == mf_solver::lbfgs) {
            train::fit(objective,
                       optim::lbfgs<double>({.max_iterations = o_.epochs, .max_evaluations = 25 * o_.epochs,
                                             .gradient_tolerance = 1e-7, .change_tolerance = 0.0}),
                       {.epochs = 1, .verbose = 0});
        } else {
            train::fit(objective, optim::adam<double>({.learning_rate = o_.learning_rate}),
                       {.epochs = o_.epochs, .verbose = 0});
        }
    }

    void minimize(const detail::mf_layout& L, std::vector<double>& x, const std::vector<detail::mf_entry>& entries, double divisor,
                  double l2) const;

    void minimize_dense(std::vector<double>& x, const std::vector<double>& t, std::vector<double>& z, std::vector<double>& d) const;

    /// DR-JL (Wang et al. 2019) as an objective over the prediction model x: each epoch first takes one
    /// Adam step of the imputation model xi on sum_observed (e - e_hat)^2 / p / n_observed, e = l(f, y),
    /// e_hat = l(f, m), at the prediction model of the previous step (from the second epoch on), then
    /// imputes the DR targets; the loss is the DR objective of x on them (its value without the
    /// log(1 + exp(-|z|)) terms of the logistic loss, which the gradient does not need).
    struct joint_objective {
        using value_type = double;
        debiased_mf* model;
        const observed_pairs* obs;
        detail::mf_layout I;
        std::vector<double> xi, gi, gx, zi, t, z, d;
        optim::adam<double> imputation_step;
        std::vector<std::size_t> x_shape, xi_shape;

        std::size_t samples() const noexcept { return 1; }
        std::vector<parameter_view<double>> parameters() {
            return {{.name = "prediction", .value = std::span<double>(model->x_), .grad = std::span<double>(gx),
                     .shape = x_shape}};
        }
        void begin_epoch(std::size_t epoch) {
            if (epoch > 0) step_imputation();
            detail::mf_all_raw(I, xi, zi);
            model->dr_targets(*obs, zi, t);
        }
        double loss_and_gradient(std::span<const std::size_t>) {
            return detail::mf_dense_objective(model->L_, t, model->o_.loss, model->o_.l2, model->x_, gx, z, d, false);
        }
        void step_imputation() {
            const auto& L = model->L_;
            const auto loss = model->o_.loss;
            const double n_obs = static_cast<double>(obs->u.size());
            std::fill(gi.begin(), gi.end(), 0.0);
            for (std::size_t j = 0; j < obs->u.size(); ++j) {
                const std::size_t u = obs->u[j], i = obs->i[j];
                const double f = L.raw(model->x_.data(), u, i);
                const double g = zi[u * L.n_items + i];
                const double m = model->imputed(g);
                const double diff = detail::element_loss(loss, f, obs->y[j]).first - detail::element_loss(loss, f, m).first;
                // d/dg of diff^2 / p: -2 diff dl(f, m)/dm dm/dg / p.
                const double dm = loss == rating_loss::squared ? 1.0 : m * (1.0 - m);
                const double dg = -2.0 * diff * detail::element_loss_dy(loss, f, m) * dm / obs->p[j] / n_obs;
                I.add_grad(xi.data(), gi.data(), u, i, dg);
            }
            I.penalty(xi, gi, model->imputation_l2());
            const std::vector<parameter_view<double>> views{
                {.name = "imputation", .value = std::span<double>(xi), .grad = std::span<double>(gi), .shape = xi_shape}};
            imputation_step.step(views);
        }
    };

    /// DR-JL: alternates one Adam step of the prediction model on the DR objective (imputed targets
    /// from the current imputation model) and one of the imputation model (joint_objective).
    void joint_learning(const observed_pairs& obs, rng& engine);

    /// How predictions come out of the raw scores: probabilities (logistic loss) or clipped ratings.
    void set_output(rec::factor_model<double>& m) const;

    /// The trained parameter vector (layout L: P, Q, b_u, b_i, mu) as a factor model.
    rec::factor_model<double> factor_model_of(const std::vector<double>& x, const detail::mf_layout& L, rec::log_summary log) const;

    debiased_mf_options o_;
    detail::mf_layout L_{};
    std::vector<double> x_;
    rec::factor_model<double> model_{};  // the trained model (x_ holds the parameters only during fit)
    bool fitted_ = false;
};

/// MF-Naive: debiased_mf with method naive (no propensities needed).
inline debiased_mf mf_naive(debiased_mf_options o = {}) { o.method = debias_method::naive; return debiased_mf(std::move(o)); }
/// MF-IPS: debiased_mf with method ips (sum of loss / p over N = n_users n_items).
inline debiased_mf mf_ips(debiased_mf_options o = {}) { o.method = debias_method::ips; return debiased_mf(std::move(o)); }
/// MF-SNIPS: debiased_mf with the self-normalised IPS objective.
inline debiased_mf mf_snips(debiased_mf_options o = {}) { o.method = debias_method::snips; return debiased_mf(std::move(o)); }
/// MF-DR: debiased_mf with the doubly robust objective and an imputation model fitted first.
inline debiased_mf mf_dr(debiased_mf_options o = {}) { o.method = debias_method::dr; return debiased_mf(std::move(o)); }
/// DR-JL: debiased_mf with joint learning of the prediction and imputation models (full-batch Adam).
debiased_mf dr_jl(debiased_mf_options o = {});

}  // namespace causalrec::causal

#if CAUSALREC_HEADER_ONLY
#include "impl/mf.hpp"
#endif
