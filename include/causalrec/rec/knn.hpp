#pragma once
/// @file
/// Neighbourhood collaborative filtering: item-kNN and user-kNN with cosine, Jaccard or Pearson
/// similarity, shrinkage and a sparse top-N neighbour list per item (user).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../data/interactions.hpp"
#include "common.hpp"
#include "concepts.hpp"
#include "persistence.hpp"

namespace causalrec::rec {

/// Similarity between two items (two users), computed on the deduplicated CSR view of the log.
enum class similarity : std::uint8_t {
    cosine,   ///< sum_c r_a r_b / (|r_a| |r_b|), norms over all of a's and b's entries
    jaccard,  ///< |common| / (|a| + |b| - |common|), values ignored
    pearson,  ///< centred on each side's mean over all its entries, sums over common entries only
};

/// Options of item_knn and user_knn.
struct knn_options {
    similarity measure = similarity::cosine;  ///< similarity measure
    double shrinkage = 0.0;                    ///< lambda >= 0: sim * n_common / (n_common + lambda)
    std::size_t neighbours = 50;               ///< top-N neighbours kept per item (user); 0 = keep all
};

namespace detail {

/// For the rows `rows` of `by_entity` (rows = items or users, columns = the other side; all rows
/// when null), each one's top-N most similar other rows by `options`, neighbours ascending (element
/// e of the result; the other elements stay empty). `by_other` is the transposed view. Only pairs
/// with a common column and a non-zero similarity are kept; the top-N order is similarity
/// descending, ties by lower index. Rows are processed in parallel; the result does not depend on
/// the thread count.
std::vector<std::vector<std::pair<std::size_t, double>>> neighbour_lists(const data::csr_matrix& by_entity,
                                                                               const data::csr_matrix& by_other, const knn_options& options,
                                                                               const std::vector<std::size_t>* rows);

/// Every row's top-N neighbours (neighbour_lists over all rows) as a CSR matrix.
data::csr_matrix neighbours_of(const data::csr_matrix& by_entity, const data::csr_matrix& by_other, const knn_options& options);

void check_knn_options(const knn_options& o, std::string_view model_name);

}  // namespace detail

namespace detail {

/// The neighbourhood model behind item_knn (ItemBased) and user_knn: the two differ only in which
/// side the neighbours are computed for and in how the neighbours' weights reach the items.
template <bool ItemBased>
class knn_recommender {

public:
    /// The model name in files and messages.
    static constexpr std::string_view model_name = ItemBased ? "item_knn" : "user_knn";

    /// A model with the given options; raises argument_error for a negative shrinkage.
    explicit knn_recommender(knn_options options = {}) : options_(options) { check_knn_options(options_, model_name); }

    /// Computes the neighbour lists from the log's CSR views; raises argument_error for an empty log.
    void fit(const data::interactions& log) {
        require_nonempty_log(log, model_name);
        weights_ = ItemBased ? neighbours_of(log.by_item(), log.by_user(), options_)
                             : neighbours_of(log.by_user(), log.by_item(), options_);
        log_ = log_summary::of(log);
        fitted_ = true;
    }

    /// Online update after new interactions: `log` is the whole log so far (the old rows and the
    /// new, with the same or more users and items, from the same id maps) and `batch` the new rows.
    /// Recomputes the neighbour lists of the rows the batch can change and keeps the others: the
    /// touched items (users) and every item (user) that shares a user (item) with one of them in
    /// `log` — a touched row's norm, mean or size changes its similarity to all of those, and no
    /// other pair changes. The result equals fit(log) exactly; the cost is that of those rows alone.
    /// Fits `log` when the model is not fitted yet. Raises shape_error when `log` has fewer users or
    /// items than the model, argument_error for an empty log or a batch index beyond `log`.
    void update(const data::interactions& log, const data::interactions& batch) {
        if (!fitted_) {
            fit(log);
            return;
        }
        require_nonempty_log(log, model_name);
        log_.require_same_ids(log, batch, qualified("rec", model_name) + "::update");
        if (log.n_users() < log_.n_users || log.n_items() < log_.n_items)
            throw shape_error(causalrec::error_message("rec", model_name, "update: the log has ", log.n_users(), " users and ", log.n_items(),
                                                       " items, fewer than the model's ", log_.n_users, " and ", log_.n_items));
        if (batch.n_users() > log.n_users() || batch.n_items() > log.n_items())
            throw argument_error(causalrec::error_message("rec", model_name, "update: the batch has ", batch.n_users(), " users and ",
                                                          batch.n_items(), " items, the log only ", log.n_users(), " and ", log.n_items()));
        const data::csr_matrix& by_entity = ItemBased ? log.by_item() : log.by_user();
        const data::csr_matrix& by_other = ItemBased ? log.by_user() : log.by_item();
        const std::size_t n = by_entity.rows();
        std::vector<char> affected(n, 0);
        for (std::size_t t : ItemBased ? batch.items() : batch.users()) affected[t] = 1;
        std::vector<std::size_t> touched;
        for (std::size_t e = 0; e < n; ++e)
            if (affected[e]) touched.push_back(e);
        for (std::size_t t : touched)
            for (std::size_t c : by_entity.row_indices(t))
                for (std::size_t e : by_other.row_indices(c)) affected[e] = 1;
        std::vector<std::size_t> rows;
        for (std::size_t e = 0; e < n; ++e)
            if (affected[e]) rows.push_back(e);
        auto lists = neighbour_lists(by_entity, by_other, options_, &rows);
        for (std::size_t e = 0; e < n; ++e) {
            if (affected[e]) continue;
            const auto js = weights_.row_indices(e);
            const auto ws = weights_.row_values(e);
            lists[e].reserve(js.size());
            for (std::size_t q = 0; q < js.size(); ++q) lists[e].emplace_back(js[q], ws[q]);
        }
        weights_ = data::csr_from_rows(n, lists);
        log_ = log_summary::of(log);
        last_update_rows_ = rows.size();
    }

    /// Rows (items or users) whose neighbour lists the last update recomputed.
    std::size_t last_update_rows() const noexcept { return last_update_rows_; }

    /// True after fit().
    bool is_fitted() const noexcept { return fitted_; }
    /// Items in the training log.
    std::size_t n_items() const noexcept { return log_.n_items; }
    /// The neighbour weights: row r holds item (or user) r's kept neighbours (ascending) and their weights.
    const data::csr_matrix& neighbours() const {
        require_fitted(fitted_, model_name);
        return weights_;
    }

    /// The training items of `user` (ascending; empty for a user without history or beyond the log).
    std::span<const std::size_t> seen(std::size_t user) const {
        require_fitted(fitted_, model_name);
        return user < log_.n_users ? log_.seen.of(user) : std::span<const std::size_t>{};
    }

    /// The score of every item for `user` (0 for items no neighbour reaches).
    std::vector<double> scores(std::size_t user) const {
        std::vector<char> reached;
        return all_scores(user, reached);
    }

    /// Scores of `items` for `user`; raises not_fitted_error before fit and argument_error for an
    /// item index out of range.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const {
        require_fitted(fitted_, model_name);
        check_items(items, log_.n_items, model_name);
        return gather(scores(user), items);
    }

    /// The k best items reached through the user's neighbourhood, best first (ties: lower item index).
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const {
        std::vector<char> reached;
        const auto s = all_scores(user, reached);
        return top_k(s, k, exclude_seen ? log_.seen.of(user) : std::span<const std::size_t>{}, reached);
    }

    /// True for a user with at least one training item (others get no neighbourhood scores).
    bool covers(std::size_t user) const noexcept { return fitted_ && log_.has_history(user); }
    /// Original user ids of the training log (empty when it had none).
    const data::id_map& user_ids() const noexcept { return log_.user_ids; }
    /// Original item ids of the training log (empty when it had none).
    const data::id_map& item_ids() const noexcept { return log_.item_ids; }

    /// The model as a recommender file (see save_recommender): options and the neighbour lists.
    io::tensor_file to_file() const {
        require_fitted(fitted_, model_name);
        auto f = begin_recommender_file(model_name,
                            {{"measure", static_cast<int>(options_.measure)},
                             {"shrinkage", options_.shrinkage},
                             {"neighbours", options_.neighbours}},
                            log_);
        const auto ptr = to_u64(weights_.row_ptr), idx = to_u64(weights_.indices);
        f.add<std::uint64_t>("neighbours.row_ptr", std::span<const std::uint64_t>(ptr), {ptr.size()});
        f.add<std::uint64_t>("neighbours.indices", std::span<const std::uint64_t>(idx), {idx.size()});
        f.add<double>("neighbours.weights", std::span<const double>(weights_.values), {weights_.values.size()});
        return f;
    }

    /// A model read from a recommender file; raises format_error when it is not a valid file of this model.
    static knn_recommender from_file(io::tensor_file file) {
        auto f = open_recommender_file(std::move(file), model_name);
        const int measure = saved_option<int>(f, "measure");
        if (measure < 0 || measure > static_cast<int>(similarity::pearson))
            throw format_error(causalrec::cat(model_name, " file: unknown similarity measure ", measure));
        knn_recommender m({.measure = static_cast<similarity>(measure), .shrinkage = saved_option<double>(f, "shrinkage"),
                           .neighbours = saved_option<std::size_t>(f, "neighbours")});
        const std::size_t rows = ItemBased ? f.log.n_items : f.log.n_users;
        const auto ptr = f.file.get_values<std::uint64_t>("neighbours.row_ptr");
        const auto idx = f.file.get_values<std::uint64_t>("neighbours.indices");
        auto w = f.file.get_values<double>("neighbours.weights");
        bool ok = ptr.size() == rows + 1 && ptr.front() == 0 && ptr.back() == idx.size() && w.size() == idx.size();
        for (std::size_t r = 0; ok && r < rows; ++r) ok = ptr[r] <= ptr[r + 1];
        for (std::size_t j = 0; ok && j < idx.size(); ++j) ok = idx[j] < rows;
        if (!ok) throw format_error(causalrec::cat(model_name, " file: the neighbour lists do not describe ", rows, " rows"));
        m.weights_.cols = rows;
        m.weights_.row_ptr.assign(ptr.begin(), ptr.end());
        m.weights_.indices.assign(idx.begin(), idx.end());
        m.weights_.values = std::move(w);
        m.log_ = std::move(f.log);
        m.fitted_ = true;
        return m;
    }

private:
    std::vector<double> all_scores(std::size_t user, std::vector<char>& reached) const {
        require_fitted(fitted_, model_name);
        std::vector<double> s(log_.n_items, 0.0);
        reached.assign(log_.n_items, 0);
        if constexpr (ItemBased) {
            // Item j gets w_ij from every item i the user has.
            for (std::size_t i : log_.seen.of(user)) {
                const auto js = weights_.row_indices(i);
                const auto ws = weights_.row_values(i);
                for (std::size_t q = 0; q < js.size(); ++q) {
                    s[js[q]] += ws[q];
                    reached[js[q]] = 1;
                }
            }
        } else {
            // Item j gets w_uv from every neighbour v that has j.
            const auto vs = weights_.row_indices(user);
            const auto ws = weights_.row_values(user);
            for (std::size_t q = 0; q < vs.size(); ++q)
                for (std::size_t j : log_.seen.of(vs[q])) {
                    s[j] += ws[q];
                    reached[j] = 1;
                }
        }
        return s;
    }

    knn_options options_;
    data::csr_matrix weights_;
    log_summary log_;
    bool fitted_ = false;
    std::size_t last_update_rows_ = 0;
};

}  // namespace detail

/// Item-based neighbourhood CF (Sarwar et al. 2001; Deshpande & Karypis 2004). fit() keeps, for
/// each item i, its top-N most similar items j (a sparse row of weights w_ij). The score of item j
/// for user u is sum over the user's training items i of w_ij (implicit feedback: the user's values
/// do not weight the sum). A user with no training items (also a user index beyond the training
/// range) scores 0 everywhere and gets an empty recommendation list. recommend() only returns items
/// that some neighbour reaches, so it may return fewer than k.
using item_knn = detail::knn_recommender<true>;

/// User-based neighbourhood CF (Herlocker et al. 1999, implicit form). fit() keeps, for each user
/// u, the top-N most similar users v (weights w_uv). The score of item j for user u is the sum of
/// w_uv over the neighbours v that interacted with j in training. A user beyond the training range
/// (or without training items) has no neighbours: scores 0 everywhere, empty recommendations.
/// recommend() only returns items some neighbour reached, so it may return fewer than k.
using user_knn = detail::knn_recommender<false>;

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/knn.hpp"
#endif
