#pragma once
/// @file
/// Alternating least squares matrix factorisation: explicit ratings (ALS-WR, Zhou et al. 2008) and
/// implicit feedback with confidence weights (Hu, Koren & Volinsky 2008), each user and item solved
/// exactly (Cholesky) or approximately by a few warm-started conjugate-gradient steps (Takács,
/// Pilászy & Tikk 2011); new users are folded in without retraining.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/rng.hpp"
#include "../data/interactions.hpp"
#include "../io/safetensors.hpp"
#include "common.hpp"
#include "factor_model.hpp"
#include "factor_recommender.hpp"
#include "concepts.hpp"
#include "../core/blas.hpp"
#include "../core/linalg.hpp"
#include "persistence.hpp"

namespace causalrec::rec {

/// What the log's values mean to ALS.
enum class als_feedback : std::uint8_t {
    explicit_ratings,  ///< values are ratings; only observed entries enter the loss
    implicit,          ///< values are counts/strengths (>= 0): preference 1 where > 0, confidence 1 + alpha * value, all entries in the loss
};

/// How each user's (item's) least-squares system is solved.
enum class als_solver : std::uint8_t {
    cholesky,            ///< exact solve (the library's own Cholesky, sixteen systems per SIMD batch: linalg::batched_cholesky_solve), O(n k^2 + k^3) per user
    conjugate_gradient,  ///< cg_steps conjugate-gradient steps warm-started at the current factors, O(cg_steps n k)
};

/// Options of als.
struct als_options {
    std::size_t factors = 64;                                ///< latent dimension k (>= 1)
    std::size_t epochs = 15;                                ///< alternations (each solves all users, then all items)
    double l2 = 0.05;                            ///< lambda > 0
    als_feedback feedback = als_feedback::explicit_ratings;  ///< explicit ratings or implicit feedback
    /// Explicit feedback: lambda * n_u on the diagonal (ALS-WR) when true, lambda when false.
    /// Implicit feedback always uses lambda (Hu et al.).
    bool scale_l2 = true;
    double alpha = 40.0;                                     ///< implicit: confidence 1 + alpha * value; > 0
    als_solver solver = als_solver::cholesky;                ///< exact or conjugate-gradient solves
    std::size_t cg_steps = 3;                                ///< conjugate-gradient steps per solve (>= 1)
    bool center = true;                                      ///< explicit: factorise ratings minus their mean
    double init_std = 0.1;                                   ///< factors start as N(0, init_std^2)
    std::uint64_t seed = 42;                                 ///< initialisation
};

/// How one als fit is spread over several processes (distributed::fit_als fills it in; a single
/// process needs none): the contiguous blocks of users and items this process solves, and how the
/// processes combine what they computed.
struct als_partition {
    std::size_t user_begin = 0;  ///< first user this process solves
    std::size_t user_end = 0;    ///< one past its last user
    std::size_t item_begin = 0;  ///< first item this process solves
    std::size_t item_end = 0;    ///< one past its last item
    /// Completes a factor table (the users' when `users` is true) from every process's solved block.
    std::function<void(std::vector<float>& factors, bool users)> share{};
    /// Sums values over the processes, in place (the ratings' sum and count).
    std::function<void(std::span<double>)> sum{};
    /// Every process's values concatenated in rank order (the users' seen items).
    std::function<std::vector<std::size_t>(std::span<const std::size_t>)> concatenate{};
};

/// Matrix factorisation by alternating least squares. Explicit: minimises
/// sum over observed (u, i) of (r_ui - mu - <p_u, q_i>)^2 + lambda (n_u |p_u|^2 + n_i |q_i|^2) (mu = 0
/// when center is false; without scale_regularization n_u = n_i = 1). Implicit: minimises
/// sum over all (u, i) of c_ui (p_ui - <p_u, q_i>)^2 + lambda (|p_u|^2 + |q_i|^2) with p_ui = [r_ui > 0]
/// and c_ui = 1 + alpha r_ui. Repeated (user, item) rows are merged by the log's duplicate policy.
/// Users and items without interactions get zero factors. Solves run on causalrec::num_threads()
/// threads; the result does not depend on the thread count.
class als : public factor_recommender<als> {
    friend class factor_recommender<als>;
public:
    /// The model name in files and messages.
    static constexpr std::string_view model_name = "als";


    /// A model with the given options; raises argument_error for factors = 0, lambda <= 0,
    /// alpha <= 0, cg_steps = 0 or a negative init_std.
    explicit als(als_options options = {}) : options_(options) { check_options(); }

    /// Runs options().epochs alternations from a fresh seeded start; raises argument_error for
    /// an empty log or (implicit) a negative value.
    void fit(const data::interactions& log);

    /// One fit shared by several processes (see distributed::fit_als, which builds the arguments):
    /// `user_part` holds every interaction of this process's users, `item_part` every interaction of
    /// its items, both with the whole log's user and item counts; `partition` says which users and
    /// items this process solves and how the processes exchange results. Every process ends with the
    /// whole model (factors, global mean, each user's seen items). Same seed, same factors as fit()
    /// on the whole log (explicit ratings: up to the summation order of the global mean).
    void fit(const data::interactions& user_part, const data::interactions& item_part, const als_partition& partition);

    /// Runs `iterations` more alternations from the current factors (fits from scratch when the
    /// model is unfitted); raises shape_error when the log's user or item count differs from the
    /// fitted one.
    void partial_fit(const data::interactions& log, std::size_t iterations);

    /// Online update after new interactions: `log` is the whole log so far (the old rows and the new,
    /// with the same or more users and items, from the same id maps) and `batch` the new rows. Solves
    /// again only the users in the batch (against the current item factors), then only the items in it
    /// (against the updated user factors): the fold-in of the touched rows, as a nightly refit would
    /// do for them alone. New users and items get factors from their interactions; the global mean
    /// stays that of the fit. Fits `log` when the model is not fitted yet. Raises shape_error when
    /// `log` has fewer users or items than the model, argument_error for a batch index beyond `log`.
    void update(const data::interactions& log, const data::interactions& batch);

    /// The options.
    const als_options& options() const noexcept { return options_; }
    /// The mean subtracted from explicit ratings (0 for implicit feedback or center = false).
    double global_mean() const noexcept { return model_.offset; }
    /// Implicit feedback: Q^T Q of the item factors (factors x factors, row-major), kept current for
    /// fold_in; empty for explicit ratings. Raises not_fitted_error before fit.
    const std::vector<float>& item_gram() const {
        detail::require_fitted(fitted_, model_name);
        return item_gram_;
    }
    /// The fitted factors (user and item tables, offset, log summary); raises not_fitted_error before fit.
    const factor_model<float>& model() const {
        detail::require_fitted(fitted_, model_name);
        return model_;
    }

    /// The factors of a new user with the given interactions (items of this model, values as in
    /// the training log), solved exactly against the fitted item factors without retraining
    /// (fold-in). Raises argument_error for an item out of range or a length mismatch.
    std::vector<float> fold_in(std::span<const std::size_t> items, std::span<const double> values) const;

    /// Recommends for a user given only some interactions (fold_in), leaving out those items when
    /// exclude_given is true.
    std::vector<scored_item> recommend_from_history(std::span<const std::size_t> items, std::span<const double> values,
                                                    std::size_t k, bool exclude_given = true) const;

    /// The model as a recommender file (see save_recommender).
    io::tensor_file to_file() const;

    /// A model read from a recommender file; raises format_error when it is not a valid als file.
    static als from_file(io::tensor_file file);

private:

    /// Per-thread buffers of one side's solves: `slots` systems (a, b) side by side for a batched solve.
    struct workspace {
        std::size_t stride;  // floats from one slot's system to the next (padded: no cache-set aliasing)
        std::vector<float> rows, a, b, coef, gram_all, r, p, ap, tmp;
        workspace(std::size_t k, std::size_t max_nnz, std::vector<float> gram, std::size_t slots = 1)
            : stride(k * k + 16), rows(max_nnz * k), a(slots * stride), b(slots * k), coef(max_nnz), gram_all(std::move(gram)),
              r(k), p(k), ap(k), tmp(max_nnz) {}
    };

    bool duplicates_sum() const noexcept { return duplicates_sum_; }

    nlohmann::json options_json() const;

    void check_options() const;

    /// Solves all users, then all items, `iterations` times. Implicit feedback: the user side uses the
    /// kept item Gram matrix (current on entry), which is refreshed after each item side.
    void alternate(const data::interactions& log, std::size_t iterations);

    /// Implicit feedback: keeps Q^T Q of the current item factors for the user side and fold_in
    /// (empty otherwise).
    void refresh_item_gram();

    /// The Gram matrix F^T F (full, row-major) of a factor table with `rows` rows.
    std::vector<float> gram(const std::vector<float>& f, std::size_t rows) const;

    /// Solves the rows [begin, end) of `m` (users or items; all rows by default) against the `other`
    /// factors into `out`; `g` is the Gram matrix of `other` for implicit feedback (empty for explicit ratings).
    void solve_side(const data::csr_matrix& m, const std::vector<float>& other, const std::vector<float>& g, std::vector<float>& out,
                    std::size_t begin = 0, std::size_t end = static_cast<std::size_t>(-1));

    /// Solves the listed rows of `m` only (ascending, without repeats), as solve_side does.
    void solve_rows(const data::csr_matrix& m, const std::vector<float>& other, const std::vector<float>& g, std::vector<float>& out,
                    std::span<const std::size_t> rows);

    /// Fresh seeded factors for the log's counts, the global mean of `ratings` (explicit, centred; the
    /// merged ratings, summed over processes by `sum` when given), and the duplicate policy.
    void initialize(const data::interactions& log, std::span<const double> ratings, const std::function<void(std::span<double>)>& sum);

    [[noreturn]] static void throw_not_positive_definite();

    /// Solves one user's (item's) system against the `other` factors; x holds the warm start for
    /// conjugate gradient and receives the solution. With the Cholesky solver and x == nullptr
    /// the system is only built, in the workspace's slot `slot`, for a batched solve.
    void solve_one(std::span<const std::size_t> cols, std::span<const double> vals, const std::vector<float>& other,
                   workspace& ws, float* x, als_solver solver, std::size_t slot = 0) const;

    std::vector<double> all_scores(const float* x) const;

    als_options options_;
    factor_model<float> model_{};  // factors, global mean and log summary
    std::vector<float> item_gram_;  // implicit feedback: Q^T Q of model_.item_factors, used by fold_in
    bool duplicates_sum_ = false;
    bool fitted_ = false;
};

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/als.hpp"
#endif
