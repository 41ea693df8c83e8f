#pragma once
/// @file
/// Definitions of the non-template member functions declared in rec/als.hpp: included by that header
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED.

#include "../als.hpp"

namespace causalrec::rec {

namespace detail {

/// The options of als saved in its model files, under their keys.
constexpr auto als_saved_fields = std::tuple{
    field("factors", &als_options::factors),   field("epochs", &als_options::epochs),
    field("l2", &als_options::l2),             field("scale_l2", &als_options::scale_l2),
    field("alpha", &als_options::alpha),       field("cg_steps", &als_options::cg_steps),
    field("center", &als_options::center),     field("init_std", &als_options::init_std),
    field("seed", &als_options::seed)};

}  // namespace detail

CAUSALREC_INLINE void als::fit(const data::interactions& log) {
    detail::require_nonempty_log(log, model_name);
    initialize(log, log.by_user().values, {});
    model_.log = log_summary::of(log);
    refresh_item_gram();
    alternate(log, options_.epochs);
    fitted_ = true;
}

CAUSALREC_INLINE void als::initialize(const data::interactions& log, std::span<const double> ratings,
                                      const std::function<void(std::span<double>)>& sum) {
    const bool implicit = options_.feedback == als_feedback::implicit;
    if (implicit)
        for (std::size_t r = 0; r < log.size(); ++r)
            if (log.values()[r] < 0.0)
                throw argument_error(causalrec::cat("causalrec::rec::als: implicit feedback needs values >= 0; row ", r, " has ",
                                                            log.values()[r]));
    model_.factors = options_.factors;
    const std::size_t k = options_.factors;
    rng g(options_.seed);
    model_.user_factors.resize(log.n_users() * k);
    model_.item_factors.resize(log.n_items() * k);
    for (auto& x : model_.item_factors) x = static_cast<float>(options_.init_std * g.normal());
    for (auto& x : model_.user_factors) x = static_cast<float>(options_.init_std * g.normal());
    model_.offset = 0.0;
    if (!implicit && options_.center) {
        double total[2] = {0.0, static_cast<double>(ratings.size())};
        for (double v : ratings) total[0] += v;
        if (sum) sum(std::span<double>(total, 2));
        model_.offset = total[1] > 0.0 ? total[0] / total[1] : 0.0;
    }
    duplicates_sum_ = log.duplicates() == data::duplicate_policy::sum;
}

CAUSALREC_INLINE void als::fit(const data::interactions& user_part, const data::interactions& item_part, const als_partition& partition) {
    if (!partition.share || !partition.sum || !partition.concatenate)
        throw argument_error("causalrec::rec::als::fit: the partition needs its share, sum and concatenate functions");
    if (user_part.n_users() != item_part.n_users() || user_part.n_items() != item_part.n_items())
        throw shape_error(causalrec::cat("causalrec::rec::als::fit: the user part has ", user_part.n_users(), " users and ",
                                         user_part.n_items(), " items, the item part ", item_part.n_users(), " and ", item_part.n_items()));
    if (partition.user_begin > partition.user_end || partition.user_end > user_part.n_users() ||
        partition.item_begin > partition.item_end || partition.item_end > user_part.n_items())
        throw argument_error(causalrec::cat("causalrec::rec::als::fit: blocks users [", partition.user_begin, ", ", partition.user_end,
                                            ") and items [", partition.item_begin, ", ", partition.item_end, ") do not fit ",
                                            user_part.n_users(), " users and ", user_part.n_items(), " items"));
    const auto& by_user = user_part.by_user();
    const auto& by_item = item_part.by_item();
    // Only this process's users count towards the mean: each rating is in exactly one user block.
    const std::size_t first = by_user.row_ptr[partition.user_begin], last = by_user.row_ptr[partition.user_end];
    initialize(user_part, std::span<const double>(by_user.values).subspan(first, last - first), partition.sum);
    const bool implicit = options_.feedback == als_feedback::implicit;
    const std::size_t n_users = user_part.n_users(), n_items = user_part.n_items();
    // Implicit feedback: every process holds the whole factor tables after each share, and computes
    // their Gram matrices whole, as one process does (the same bits; truncated conjugate gradient
    // amplifies the rounding differences of a sum of block Gram matrices to 1e-4).
    item_gram_ = implicit ? gram(model_.item_factors, n_items) : std::vector<float>{};
    for (std::size_t it = 0; it < options_.epochs; ++it) {
        solve_side(by_user, model_.item_factors, item_gram_, model_.user_factors, partition.user_begin, partition.user_end);
        partition.share(model_.user_factors, true);
        const auto user_gram = implicit ? gram(model_.user_factors, n_users) : std::vector<float>{};
        solve_side(by_item, model_.user_factors, user_gram, model_.item_factors, partition.item_begin, partition.item_end);
        partition.share(model_.item_factors, false);
        if (implicit) item_gram_ = gram(model_.item_factors, n_items);
    }
    // The whole model on every process: the counts and id maps, and every user's seen items.
    std::vector<std::size_t> counts(partition.user_end - partition.user_begin);
    for (std::size_t u = partition.user_begin; u < partition.user_end; ++u) counts[u - partition.user_begin] = by_user.row_ptr[u + 1] - by_user.row_ptr[u];
    const auto all_counts = partition.concatenate(counts);
    const auto all_items = partition.concatenate(std::span<const std::size_t>(by_user.indices).subspan(
        by_user.row_ptr[partition.user_begin], by_user.row_ptr[partition.user_end] - by_user.row_ptr[partition.user_begin]));
    if (all_counts.size() != n_users)
        throw shape_error(causalrec::cat("causalrec::rec::als::fit: the processes' user blocks cover ", all_counts.size(), " of ", n_users, " users"));
    model_.log = log_summary{n_users, n_items, user_part.user_ids(), user_part.item_ids(), {}};
    model_.log.seen.row_ptr.assign(n_users + 1, 0);
    for (std::size_t u = 0; u < n_users; ++u) model_.log.seen.row_ptr[u + 1] = model_.log.seen.row_ptr[u] + all_counts[u];
    model_.log.seen.items = all_items;
    fitted_ = true;
}

CAUSALREC_INLINE void als::partial_fit(const data::interactions& log, std::size_t iterations) {
    if (!fitted_) {
        const auto saved = options_.epochs;
        options_.epochs = iterations;
        fit(log);
        options_.epochs = saved;
        return;
    }
    model_.log.require_same_ids(log, "causalrec::rec::als::partial_fit");
    if (log.n_users() != model_.log.n_users || log.n_items() != model_.log.n_items)
        throw shape_error(causalrec::cat("causalrec::rec::als::partial_fit: the log has ", log.n_users(), " users and ", log.n_items(),
                                                 " items, the model was fitted on ", model_.log.n_users, " and ", model_.log.n_items));
    alternate(log, iterations);
}

CAUSALREC_INLINE void als::update(const data::interactions& log, const data::interactions& batch) {
    if (!fitted_) {
        fit(log);
        return;
    }
    model_.log.require_same_ids(log, batch, "causalrec::rec::als::update");
    if (log.n_users() < model_.log.n_users || log.n_items() < model_.log.n_items)
        throw shape_error(causalrec::cat("causalrec::rec::als::update: the log has ", log.n_users(), " users and ", log.n_items(),
                                         " items, fewer than the model's ", model_.log.n_users, " and ", model_.log.n_items));
    std::vector<std::size_t> users(batch.users().begin(), batch.users().end()), items(batch.items().begin(), batch.items().end());
    for (std::size_t u : users)
        if (u >= log.n_users()) throw argument_error(causalrec::cat("causalrec::rec::als::update: batch user ", u, " is not in the log"));
    for (std::size_t i : items)
        if (i >= log.n_items()) throw argument_error(causalrec::cat("causalrec::rec::als::update: batch item ", i, " is not in the log"));
    const bool implicit = options_.feedback == als_feedback::implicit;
    if (implicit)
        for (std::size_t r = 0; r < batch.size(); ++r)
            if (batch.values()[r] < 0.0)
                throw argument_error(causalrec::cat("causalrec::rec::als::update: implicit feedback needs values >= 0; batch row ", r, " has ",
                                                    batch.values()[r]));
    std::sort(users.begin(), users.end());
    users.erase(std::unique(users.begin(), users.end()), users.end());
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    const std::size_t k = options_.factors;
    model_.user_factors.resize(log.n_users() * k, 0.0f);
    model_.item_factors.resize(log.n_items() * k, 0.0f);
    model_.log = log_summary::of(log);
    refresh_item_gram();
    solve_rows(log.by_user(), model_.item_factors, item_gram_, model_.user_factors, users);
    solve_rows(log.by_item(), model_.user_factors, implicit ? gram(model_.user_factors, model_.log.n_users) : std::vector<float>{},
               model_.item_factors, items);
    refresh_item_gram();
}

CAUSALREC_INLINE auto als::fold_in(std::span<const std::size_t> items, std::span<const double> values) const -> std::vector<float> {
    detail::require_fitted(fitted_, model_name);
    detail::check_items(items, model_.log.n_items, model_name);
    if (values.size() != items.size())
        throw argument_error(causalrec::cat("causalrec::rec::als::fold_in: ", items.size(), " items but ", values.size(), " values"));
    // Merge repeated items as the training log's views do, then solve one row exactly.
    std::vector<std::size_t> order(items.size());
    for (std::size_t j = 0; j < order.size(); ++j) order[j] = j;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return items[a] < items[b]; });
    data::csr_matrix row;
    row.cols = model_.log.n_items;
    for (std::size_t j : order) {
        if (!row.indices.empty() && row.indices.back() == items[j]) {
            if (duplicates_sum()) row.values.back() += values[j];
            else row.values.back() = values[j];
        } else {
            row.indices.push_back(items[j]);
            row.values.push_back(values[j]);
        }
    }
    row.row_ptr = {0, row.indices.size()};
    const std::size_t k = options_.factors;
    std::vector<float> x(k, 0.0f);
    workspace ws(k, row.nnz(), item_gram_);
    solve_one(row.row_indices(0), row.row_values(0), model_.item_factors, ws, x.data(), als_solver::cholesky);
    return x;
}

CAUSALREC_INLINE auto als::recommend_from_history(std::span<const std::size_t> items, std::span<const double> values,
                                                    std::size_t k, bool exclude_given) const -> std::vector<scored_item> {
    const auto x = fold_in(items, values);
    std::vector<std::size_t> given(items.begin(), items.end());
    std::sort(given.begin(), given.end());
    given.erase(std::unique(given.begin(), given.end()), given.end());
    return detail::top_k(all_scores(x.data()), k, exclude_given ? std::span<const std::size_t>(given) : std::span<const std::size_t>{});
}

CAUSALREC_INLINE auto als::to_file() const -> io::tensor_file {
    detail::require_fitted(fitted_, model_name);
    auto f = begin_recommender_file(model_name, options_json(), model_.log);
    model_.write(f);
    f.metadata["duplicates"] = duplicates_sum_ ? "sum" : "keep_last";
    return f;
}

CAUSALREC_INLINE auto als::from_file(io::tensor_file file) -> als {
    auto f = open_recommender_file(std::move(file), model_name);
    als_options o;
    read_options(f, o, detail::als_saved_fields);
    o.feedback = saved_option<bool>(f, "implicit") ? als_feedback::implicit : als_feedback::explicit_ratings;
    o.solver = saved_option<bool>(f, "conjugate_gradient") ? als_solver::conjugate_gradient : als_solver::cholesky;
    als m(o);
    const auto d = f.file.metadata.find("duplicates");
    m.duplicates_sum_ = d != f.file.metadata.end() && d->second == "sum";
    m.model_ = factor_model<float>::read(f, o.factors, false, false);
    m.refresh_item_gram();
    m.fitted_ = true;
    return m;
}

CAUSALREC_INLINE nlohmann::json als::options_json() const {
    nlohmann::json j = {{"implicit", options_.feedback == als_feedback::implicit},
                        {"conjugate_gradient", options_.solver == als_solver::conjugate_gradient}};
    write_options(j, options_, detail::als_saved_fields);
    return j;
}

CAUSALREC_INLINE void als::check_options() const {
    if (options_.factors == 0) throw argument_error("causalrec::rec::als: factors must be >= 1");
    if (!(options_.l2 > 0.0 && std::isfinite(options_.l2)))
        throw argument_error(causalrec::cat("causalrec::rec::als: l2 must be finite and > 0, got ", options_.l2));
    if (!(options_.alpha > 0.0 && std::isfinite(options_.alpha)))
        throw argument_error(causalrec::cat("causalrec::rec::als: alpha must be finite and > 0, got ", options_.alpha));
    if (options_.cg_steps == 0) throw argument_error("causalrec::rec::als: cg_steps must be >= 1");
    if (!(options_.init_std >= 0.0 && std::isfinite(options_.init_std)))
        throw argument_error(causalrec::cat("causalrec::rec::als: init_std must be finite and >= 0, got ", options_.init_std));
}

CAUSALREC_INLINE void als::alternate(const data::interactions& log, std::size_t iterations) {
    const auto& by_user = log.by_user();
    const auto& by_item = log.by_item();
    const bool implicit = options_.feedback == als_feedback::implicit;
    for (std::size_t it = 0; it < iterations; ++it) {
        solve_side(by_user, model_.item_factors, item_gram_, model_.user_factors);
        solve_side(by_item, model_.user_factors, implicit ? gram(model_.user_factors, model_.log.n_users) : std::vector<float>{}, model_.item_factors);
        refresh_item_gram();
    }
}

CAUSALREC_INLINE void als::refresh_item_gram() {
    item_gram_ = options_.feedback == als_feedback::implicit ? gram(model_.item_factors, model_.log.n_items) : std::vector<float>{};
}

CAUSALREC_INLINE auto als::gram(const std::vector<float>& f, std::size_t rows) const -> std::vector<float> {
    const std::size_t k = options_.factors;
    std::vector<float> g(k * k, 0.0f);
    if (rows > 0) blas::gram_upper<float>(rows, k, f.data(), 1.0f, 0.0f, g.data());
    linalg::symmetrize_from_upper(k, g.data());
    return g;
}

CAUSALREC_INLINE void als::solve_side(const data::csr_matrix& m, const std::vector<float>& other, const std::vector<float>& g, std::vector<float>& out,
                                      std::size_t first, std::size_t last) {
    last = std::min(last, m.rows());
    std::vector<std::size_t> rows(last > first ? last - first : 0);
    for (std::size_t e = 0; e < rows.size(); ++e) rows[e] = first + e;
    solve_rows(m, other, g, out, rows);
}

CAUSALREC_INLINE void als::solve_rows(const data::csr_matrix& m, const std::vector<float>& other, const std::vector<float>& g, std::vector<float>& out,
                                      std::span<const std::size_t> rows) {
    const std::size_t k = options_.factors;
    std::size_t max_nnz = 0;
    for (std::size_t e : rows) max_nnz = std::max(max_nnz, m.row_ptr[e + 1] - m.row_ptr[e]);
    detail::parallel_ranges(rows.size(), [&](std::size_t from, std::size_t to) {
        const bool batched = options_.solver == als_solver::cholesky;
        constexpr std::size_t L = linalg::cholesky_lanes;
        workspace ws(k, max_nnz, g, batched ? L : 1);
        if (batched) {
            // Build linalg::cholesky_lanes systems side by side in the workspace, then solve them at once.
            // The AVX-512 clone of the portable solver assumes 64-byte aligned lanes; alignof(float_lanes)
            // follows the caller's target (16 without AVX), so align by hand.
            std::vector<float> lane_storage((k * k + k) * L + L);
            void* base = lane_storage.data();
            std::size_t space = lane_storage.size() * sizeof(float);
            auto* la = static_cast<linalg::float_lanes*>(std::align(64, (k * k + k) * L * sizeof(float), base, space));
            linalg::float_lanes* lb = la + k * k;
            std::size_t ids[L];
            std::size_t used = 0;
            auto flush = [&] {
                linalg::systems_to_lanes(k, used, ws.a.data(), ws.stride, ws.b.data(), la, lb);
                if (!linalg::batched_cholesky_solve(k, la, lb)) throw_not_positive_definite();
                for (std::size_t s = 0; s < used; ++s)
                    for (std::size_t r = 0; r < k; ++r) out[ids[s] * k + r] = lb[r][s];
                used = 0;
            };
            for (std::size_t j = from; j < to; ++j) {
                const std::size_t e = rows[j];
                if (m.row_ptr[e] == m.row_ptr[e + 1]) {
                    std::fill_n(out.data() + e * k, k, 0.0f);
                    continue;
                }
                solve_one(m.row_indices(e), m.row_values(e), other, ws, nullptr, als_solver::cholesky, used);
                ids[used++] = e;
                if (used == L) flush();
            }
            if (used > 0) flush();
            return;
        }
        for (std::size_t j = from; j < to; ++j) {
            const std::size_t e = rows[j];
            float* x = out.data() + e * k;
            if (m.row_ptr[e] == m.row_ptr[e + 1]) {
                std::fill_n(x, k, 0.0f);
                continue;
            }
            solve_one(m.row_indices(e), m.row_values(e), other, ws, x, options_.solver);
        }
    });
}

CAUSALREC_INLINE void als::throw_not_positive_definite() {
    throw numeric_error("causalrec::rec::als: a least-squares system is not positive definite (non-finite factors?)");
}

CAUSALREC_INLINE void als::solve_one(std::span<const std::size_t> cols, std::span<const double> vals, const std::vector<float>& other,
                   workspace& ws, float* x, als_solver solver, std::size_t slot) const {
    const std::size_t k = options_.factors, n = cols.size();
    const bool implicit = options_.feedback == als_feedback::implicit;
    float* rows = ws.rows.data();
    float* coef = ws.coef.data();  // explicit: centred ratings; implicit: c_ui p_ui / sqrt(c_ui - 1)
    float diag = static_cast<float>(options_.l2);
    if (!implicit && options_.scale_l2) diag *= static_cast<float>(n);
    // Explicit ratings, exact solve, AVX-512: A and b in one kernel over the rows where they lie (no
    // copy, no BLAS call). Otherwise the rows are gathered (scaled for implicit feedback) for BLAS.
    const bool in_place = !implicit && solver == als_solver::cholesky && linalg::gram_of_rows_vectorized(k);
    float* a = ws.a.data() + slot * ws.stride;
    float* b = ws.b.data() + slot * k;
    if (in_place) {
        for (std::size_t j = 0; j < n; ++j) coef[j] = static_cast<float>(vals[j] - model_.offset);
        linalg::gram_of_rows(other.data(), cols, k, coef, a, b);
    } else {
        for (std::size_t j = 0; j < n; ++j) {
            const float* src = other.data() + cols[j] * k;
            float* dst = rows + j * k;
            if (implicit) {
                // Row scaled by sqrt(c - 1) = sqrt(alpha r), so rows^T rows = sum (c - 1) q q^T.
                const double cm1 = options_.alpha * vals[j];
                const float s = static_cast<float>(std::sqrt(cm1));
                for (std::size_t f = 0; f < k; ++f) dst[f] = s * src[f];
                coef[j] = cm1 > 0.0 ? static_cast<float>((1.0 + cm1) / std::sqrt(cm1)) : 0.0f;
            } else {
                std::copy_n(src, k, dst);
                coef[j] = static_cast<float>(vals[j] - model_.offset);
            }
        }
        blas::gemv<float>(true, n, k, 1.0f, rows, k, coef, 0.0f, b);  // b = rows^T coef
    }
    if (solver == als_solver::cholesky) {
        if (!in_place) {
            if (implicit) std::copy(ws.gram_all.begin(), ws.gram_all.end(), a);
            blas::gram_upper<float>(n, k, rows, 1.0f, implicit ? 1.0f : 0.0f, a);
        }
        for (std::size_t f = 0; f < k; ++f) a[f * k + f] += diag;
        if (x == nullptr) return;  // batched: the caller lays the slots into lanes and solves them together
        if (!linalg::cholesky_solve(k, a, b)) throw_not_positive_definite();
        std::copy_n(b, k, x);
        return;
    }
    // Conjugate gradient on A x = b with A x = [Gram x] + rows^T (rows x) + diag x.
    auto apply = [&](const float* v, float* out) {
        float* t = ws.tmp.data();
        blas::gemv<float>(false, n, k, 1.0f, rows, k, v, 0.0f, t);
        blas::gemv<float>(true, n, k, 1.0f, rows, k, t, 0.0f, out);
        if (implicit) blas::gemv<float>(false, k, k, 1.0f, ws.gram_all.data(), k, v, 1.0f, out);
        for (std::size_t f = 0; f < k; ++f) out[f] += diag * v[f];
    };
    float* r = ws.r.data();
    float* p = ws.p.data();
    float* ap = ws.ap.data();
    apply(x, ap);
    for (std::size_t f = 0; f < k; ++f) r[f] = b[f] - ap[f];
    std::copy_n(r, k, p);
    float rs = linalg::dot(r, r, k);
    for (std::size_t step = 0; step < options_.cg_steps && rs > 1e-20f; ++step) {
        apply(p, ap);
        const float pap = linalg::dot(p, ap, k);
        if (!(pap > 0.0f)) break;
        const float alpha = rs / pap;
        for (std::size_t f = 0; f < k; ++f) {
            x[f] += alpha * p[f];
            r[f] -= alpha * ap[f];
        }
        const float rs_new = linalg::dot(r, r, k);
        const float beta = rs_new / rs;
        for (std::size_t f = 0; f < k; ++f) p[f] = r[f] + beta * p[f];
        rs = rs_new;
    }
}

CAUSALREC_INLINE auto als::all_scores(const float* x) const -> std::vector<double> {
    std::vector<float> dots(model_.log.n_items);
    blas::scores_of_all_rows(model_.log.n_items, options_.factors, model_.item_factors.data(), x, dots.data());
    std::vector<double> s(model_.log.n_items);
    for (std::size_t i = 0; i < model_.log.n_items; ++i) s[i] = model_.offset + static_cast<double>(dots[i]);
    return s;
}

}  // namespace causalrec::rec
