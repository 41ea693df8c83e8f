#pragma once
/// @file
/// Content-based recommendation: items are described by feature vectors (dense, or a sparse bag of
/// words with optional TF-IDF), a user's profile is the mean of the L2-normalised vectors of the
/// items they consumed, and items are scored by cosine similarity to the profile. New items and new
/// users are scored from their features alone (cold start).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/compiler.hpp"
#include "../core/message.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../data/interactions.hpp"
#include "../io/safetensors.hpp"
#include "common.hpp"
#include "concepts.hpp"
#include "persistence.hpp"

namespace causalrec::rec {

/// Options of content_based.
struct content_options {
    /// Weight the features by TF-IDF as scikit-learn's TfidfTransformer does with its defaults:
    /// tf * idf, idf = ln((1 + n_items) / (1 + df)) + 1, df = items with a non-zero count of the
    /// term; features must then be non-negative counts.
    bool tfidf = false;
    bool sublinear_tf = false;     ///< with tfidf: tf = 1 + ln(count) (scikit-learn's sublinear_tf)
    bool weight_by_value = false;  ///< profile = mean weighted by the interaction values (> 0); false: every item counts 1
};

namespace detail {

/// Checks a sparse feature matrix (row_ptr, ascending column indices below cols, finite values);
/// raises shape_error or argument_error naming `what`, the row and the fault.
inline void check_feature_csr(const data::csr_matrix& m, std::string_view what) {
    if (m.row_ptr.empty() || m.row_ptr.front() != 0 || m.row_ptr.back() != m.indices.size() || m.values.size() != m.indices.size())
        throw shape_error(causalrec::cat(what, ": row_ptr, indices and values do not describe a CSR matrix (",
                                                 m.row_ptr.size(), " offsets, ", m.indices.size(), " indices, ", m.values.size(),
                                                 " values)"));
    for (std::size_t r = 0; r < m.rows(); ++r)
        if (m.row_ptr[r] > m.row_ptr[r + 1]) throw shape_error(causalrec::cat(what, ": row_ptr decreases at row ", r));
    for (std::size_t r = 0; r < m.rows(); ++r) {
        const auto cols = m.row_indices(r);
        const auto vals = m.row_values(r);
        for (std::size_t k = 0; k < cols.size(); ++k) {
            if (cols[k] >= m.cols)
                throw shape_error(causalrec::cat(what, ": row ", r, " has column ", cols[k], " (the matrix has ", m.cols, " columns)"));
            if (k > 0 && cols[k] <= cols[k - 1])
                throw shape_error(causalrec::cat(what, ": the columns of row ", r, " are not strictly ascending"));
            if (!std::isfinite(vals[k]))
                throw argument_error(causalrec::cat(what, ": row ", r, " column ", cols[k], " holds ", vals[k]));
        }
    }
}

}  // namespace detail

/// Content-based recommender. The item feature matrix (items x features) is given at construction,
/// dense or sparse; with options.tfidf it is weighted by TF-IDF (scikit-learn's defaults), and every
/// item vector is L2-normalised (x_i / |x_i|; an all-zero row stays zero). fit() builds each training
/// user's profile p_u = sum_i w_i x_i / sum_i w_i over the user's distinct training items (w_i = 1,
/// or the interaction value with weight_by_value). The score of item j is the cosine
/// <p_u, x_j> / (|p_u| |x_j|) (0 when either vector is zero). A user without training items (also a
/// user index beyond the training range) scores 0 everywhere, gets an empty recommendation list and
/// is not covered. score_new_item() and recommend_from_items() serve new items and new users without
/// refitting.
class content_based {

public:
    /// The model name in files and messages.
    static constexpr std::string_view model_name = "content_based";

    /// A model over dense item features (row i = item i); raises argument_error for a non-finite
    /// value, a negative value with tfidf, or sublinear_tf without tfidf, and shape_error for zero columns.
    explicit content_based(const matrix<double>& features, content_options options = {});

    /// A model over a sparse item x term matrix (e.g. word counts; stored zeros are dropped); raises
    /// shape_error for a malformed matrix or zero columns and argument_error as the dense form does.
    explicit content_based(data::csr_matrix features, content_options options = {});

    /// Builds the profiles of the log's users; raises argument_error for an empty log, shape_error when log.n_items() differs from
    /// the feature rows, argument_error with weight_by_value when a (merged) value is not > 0.
    void fit(const data::interactions& log);

    /// True after fit().
    bool is_fitted() const noexcept { return fitted_; }
    /// The options.
    const content_options& options() const noexcept { return options_; }
    /// Users of the training log (0 before fit).
    std::size_t n_users() const noexcept { return log_.n_users; }
    /// Items (rows of the feature matrix).
    std::size_t n_items() const noexcept { return items_.rows(); }
    /// Features (columns of the feature matrix).
    std::size_t n_features() const noexcept { return items_.cols; }
    /// The idf of each feature (empty without tfidf).
    const std::vector<double>& idf() const noexcept { return idf_; }
    /// The item vectors as scored: TF-IDF weighted when asked, then L2-normalised (items x features).
    const data::csr_matrix& item_vectors() const noexcept { return items_; }
    /// The training users' profiles (mean item vectors, not normalised; users x features).
    const data::csr_matrix& profiles() const;
    /// The training log's user and item id maps (empty when it had none).
    const data::id_map& user_ids() const noexcept { return log_.user_ids; }
    /// The training log's item id map.
    const data::id_map& item_ids() const noexcept { return log_.item_ids; }

    /// True when `user` is a training user with at least one training item.
    bool covers(std::size_t user) const noexcept { return fitted_ && log_.has_history(user); }

    /// Cosine scores of `items` for `user`; raises not_fitted_error before fit and argument_error
    /// for an item index out of range.
    std::vector<double> score(std::size_t user, std::span<const std::size_t> items) const;

    /// The k items most similar to the user's profile, best first (ties: lower item index), without
    /// the user's training items when exclude_seen is true; empty for a user without history.
    std::vector<scored_item> recommend(std::size_t user, std::size_t k, bool exclude_seen = true) const;

    /// The score of an item outside the training log, given as a dense feature row of n_features()
    /// raw values (TF-IDF weighted with the fitted idf when tfidf is on); raises shape_error for a
    /// wrong length and argument_error for a non-finite or (tfidf) negative value.
    double score_new_item(std::size_t user, std::span<const double> features) const;

    /// The score of an item outside the training log, given sparsely as feature (term) indices and
    /// their raw values (repeated indices add up); raises shape_error when the lengths differ and
    /// argument_error for an index >= n_features() or a bad value.
    double score_new_item(std::size_t user, std::span<const std::size_t> terms, std::span<const double> counts) const;

    /// Recommends k items to a new user from a few items they consumed (their profile is built as a
    /// training user's; `values` are the interaction values, empty = all 1, used as weights with
    /// weight_by_value), leaving the given items out. No refit. Raises argument_error for an item out
    /// of range or a value not > 0 (weight_by_value), shape_error when values has another length.
    std::vector<scored_item> recommend_from_items(std::span<const std::size_t> items, std::span<const double> values,
                                                  std::size_t k) const;

    /// The model as a recommender file (options, log summary, item vectors, idf, training values).
    io::tensor_file to_file() const;

    /// Reads a model written by to_file(); raises format_error when the file is not a content_based
    /// recommender file or its tensors do not fit together.
    static content_based from_file(io::tensor_file file);

private:
    content_based() = default;

    void check_options() const;

    // Raises argument_error for a non-finite value, or a negative one with tfidf.
    template <class... Where>
    void check_value(double v, const Where&... where) const {
        if (!std::isfinite(v) || (options_.tfidf && v < 0.0))
            throw argument_error(causalrec::error_message("rec", model_name, where..., " is ", v,
                                                        options_.tfidf ? " (tfidf needs finite counts >= 0)" : " (must be finite)"));
    }

    // The TF-IDF weight of raw value v of term t (v itself without tfidf).
    double weigh(std::size_t t, double v) const;

    // Weighs (TF-IDF) and L2-normalises the raw features.
    void prepare(data::csr_matrix m);

    // Adds w_q x_{items[q]} into the dense `p` (touched lists the columns it reached, unsorted),
    // divides by the weight sum and returns |p| (0 when there is nothing).
    double accumulate_profile(std::span<const std::size_t> items, std::span<const double> w, std::vector<double>& p,
                              std::vector<std::size_t>& touched) const;

    // Profiles of all training users (parallel over users; the same result for any thread count).
    void build_profiles();

    // Scatters the profile of `user` into a dense vector; returns its norm (0 without a profile).
    double dense_profile(std::size_t user, std::vector<double>& p) const;

    // <p, x_item> for a dense p (item vectors are unit or zero).
    double dot_item(const std::vector<double>& p, std::size_t item) const;

    std::vector<double> all_scores(const std::vector<double>& p, double norm) const;

    content_options options_{};
    data::csr_matrix items_{};
    std::vector<double> idf_{};
    log_summary log_{};
    std::vector<double> seen_values_{};
    data::csr_matrix profiles_{};
    std::vector<double> profile_norms_{};
    bool fitted_ = false;
};

}  // namespace causalrec::rec

#if CAUSALREC_HEADER_ONLY
#include "impl/content.hpp"
#endif
