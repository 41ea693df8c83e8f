#pragma once
/// @file
/// Approximate nearest-neighbour retrieval over item vectors (HNSW, backed by hnswlib): top-k items
/// by inner product or cosine without scoring the whole catalogue. Optional: needs hnswlib's headers
/// (Debian `libhnswlib-dev`; link causalrec::ann). Exact brute force (each model's recommend) stays
/// the default and the reference; item_index() and recommend_approximate() serve factor models (ALS,
/// MF, BPR, ...), and ann_index works on any item table (two-tower item vectors, SASRec's item
/// embedding with its history state as the query).

// hnswlib's SSE prefetch in searchBaseLayer reads one link past a node's list (nmslib/hnswlib#107,
// #578; harmless in practice, but AddressSanitizer reports it as a heap-buffer-overflow): under
// AddressSanitizer, hnswlib is built without its manual vectorisation, which removes that prefetch.
#if !defined(NO_MANUAL_VECTORIZATION)
#if defined(__SANITIZE_ADDRESS__)
#define NO_MANUAL_VECTORIZATION
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_MANUAL_VECTORIZATION
#endif
#endif
#endif
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "concepts.hpp"
#include "factor_model.hpp"

namespace causalrec::rec {

/// What "nearest" means for an ann_index.
enum class ann_metric : std::uint8_t {
    inner_product,  ///< largest <query, item> first (factor models, two-tower, SASRec)
    cosine,         ///< largest cosine similarity first (vectors are normalised when added and searched)
};

/// Options of an ann_index (HNSW's parameters, hnswlib's names in brackets).
struct ann_options {
    ann_metric metric = ann_metric::inner_product;  ///< inner product or cosine
    std::size_t links = 16;              ///< links per node and layer [M]; more: better recall, more memory
    std::size_t ef_construction = 200;   ///< candidate list while building [ef_construction]
    std::size_t ef_search = 100;         ///< candidate list while searching [ef], at least k (raised to k)
    std::uint64_t seed = 100;            ///< seed of the layer assignment
};

/// An HNSW index over n item vectors of one dimension: search(query, k) returns the k items with the
/// largest inner product (or cosine) with the query, approximately, best first, with their exact
/// scores. Item i is row i of the table it was built from; the index keeps a copy of the table (for
/// the exact scores) besides HNSW's graph. Searches are const and may run concurrently.
class ann_index {
public:
    /// Builds the index over `vectors` (n x dim, row-major). Raises argument_error for dim = 0, a size
    /// that is not a multiple of dim, no vectors, links < 2 or a non-finite value.
    ann_index(std::span<const float> vectors, std::size_t dim, ann_options options = {}) : options_(options), dim_(dim) {
        if (dim == 0 || vectors.empty() || vectors.size() % dim != 0)
            throw argument_error(causalrec::cat("causalrec::rec::ann_index: ", vectors.size(), " values are not rows of ", dim,
                                                " (need at least one row and dim >= 1)"));
        if (options.links < 2) throw argument_error(causalrec::cat("causalrec::rec::ann_index: links must be >= 2, got ", options.links));
        for (float v : vectors)
            if (!std::isfinite(v)) throw argument_error("causalrec::rec::ann_index: the item vectors have a non-finite value");
        size_ = vectors.size() / dim;
        // Maximum inner product search becomes nearest-neighbour search (Bachrach et al. 2014): every
        // item gets one more coordinate, sqrt(M^2 - |x|^2) with M the largest norm, so that all items
        // have norm M, and the query gets 0 there; then |q - x|^2 = |q|^2 + M^2 - 2 <q, x>, and HNSW's
        // L2 graph (much better recall than its inner-product space on clustered data) finds the
        // largest inner products. Cosine: unit vectors, where L2 order is cosine order.
        items_.assign(vectors.begin(), vectors.end());
        if (options_.metric == ann_metric::cosine)
            for (std::size_t i = 0; i < size_; ++i) normalize(std::span<float>(items_).subspan(i * dim, dim));
        double largest = 0.0;
        for (std::size_t i = 0; i < size_; ++i) largest = std::max(largest, squared_norm(std::span<const float>(items_).subspan(i * dim, dim)));
        space_ = std::make_unique<hnswlib::L2Space>(dim + 1);
        index_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), size_, options.links,
                                                                   std::max(options.ef_construction, options.links),
                                                                   static_cast<std::size_t>(options.seed));
        std::vector<float> row(dim + 1);
        for (std::size_t i = 0; i < size_; ++i) {
            const std::span<const float> x(items_.data() + i * dim, dim);
            std::copy(x.begin(), x.end(), row.begin());
            row[dim] = static_cast<float>(std::sqrt(std::max(0.0, largest - squared_norm(x))));
            index_->addPoint(row.data(), static_cast<hnswlib::labeltype>(i));
        }
        index_->setEf(options.ef_search);
    }

    /// Number of items.
    std::size_t size() const noexcept { return size_; }
    /// Dimension of the vectors.
    std::size_t dim() const noexcept { return dim_; }
    /// The options it was built with (ef_search as last set).
    const ann_options& options() const noexcept { return options_; }

    /// Sets the search's candidate list length (larger: better recall, slower).
    void set_ef_search(std::size_t ef) {
        options_.ef_search = std::max<std::size_t>(ef, 1);
        index_->setEf(options_.ef_search);
    }

    /// The (approximately) k best items for `query`, best first, with their inner product (cosine
    /// similarity for ann_metric::cosine), leaving out the items in `exclude` (ascending or not).
    /// Raises argument_error when the query's length is not dim().
    std::vector<scored_item> search(std::span<const float> query, std::size_t k, std::span<const std::size_t> exclude = {}) const {
        if (query.size() != dim_)
            throw argument_error(causalrec::cat("causalrec::rec::ann_index::search: the query has ", query.size(), " values, the index ", dim_));
        if (k == 0) return {};
        std::vector<float> q(query.begin(), query.end());
        q.push_back(0.0f);
        if (options_.metric == ann_metric::cosine) normalize(std::span<float>(q).first(dim_));
        const std::size_t want = std::min(size_, k + exclude.size());
        auto found = index_->searchKnn(q.data(), want);
        std::vector<scored_item> out;
        out.reserve(found.size());
        for (; !found.empty(); found.pop()) {
            const auto item = static_cast<std::size_t>(found.top().second);
            double dot = 0.0;  // the exact score of a candidate, from the kept vectors
            for (std::size_t j = 0; j < dim_; ++j) dot += static_cast<double>(items_[item * dim_ + j]) * q[j];
            out.push_back({item, dot});
        }
        if (!exclude.empty()) {
            std::vector<std::size_t> skip(exclude.begin(), exclude.end());
            std::sort(skip.begin(), skip.end());
            std::erase_if(out, [&](const scored_item& s) { return std::binary_search(skip.begin(), skip.end(), s.item); });
        }
        std::sort(out.begin(), out.end(), [](const scored_item& a, const scored_item& b) {
            return a.score != b.score ? a.score > b.score : a.item < b.item;
        });
        if (out.size() > k) out.resize(k);
        return out;
    }

private:
    static double squared_norm(std::span<const float> x) noexcept {
        double s = 0.0;
        for (float v : x) s += static_cast<double>(v) * v;
        return s;
    }
    static void normalize(std::span<float> x) noexcept {
        const double norm = squared_norm(x);
        if (norm > 0.0) {
            const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
            for (float& v : x) v *= scale;
        }
    }

    ann_options options_;
    std::size_t dim_ = 0, size_ = 0;
    std::vector<float> items_{};  // the item vectors (unit vectors for cosine), for exact scores
    std::unique_ptr<hnswlib::L2Space> space_;
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> index_;
};

/// An inner-product index over a factor model's items: item i's vector is [q_i, b_i] (b_i its bias,
/// when the model has item biases), so that <[p_u, 1], [q_i, b_i]> orders the items as the model's
/// scores do (the offset and the user's bias are the same for every item). Raises not_fitted_error
/// for an unfitted model (no items).
template <class T>
ann_index item_index(const factor_model<T>& model, ann_options options = {}) {
    const std::size_t n = model.log.n_items, k = model.factors;
    if (n == 0 || model.item_factors.size() != n * k) throw not_fitted_error("causalrec::rec::item_index: the model has no item factors");
    options.metric = ann_metric::inner_product;
    std::vector<float> rows(n * (k + 1));
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t f = 0; f < k; ++f) rows[i * (k + 1) + f] = static_cast<float>(model.item_factors[i * k + f]);
        rows[i * (k + 1) + k] = model.item_bias.empty() ? 0.0f : static_cast<float>(model.item_bias[i]);
    }
    return ann_index(rows, k + 1, options);
}

/// The (approximately) k best items for `user` of a factor model through `index` (item_index of the
/// same model), best first, with the model's exact raw scores; the user's training items are left out
/// when exclude_seen. An unknown user (no factors) gets an empty list.
template <class T>
std::vector<scored_item> recommend_approximate(const factor_model<T>& model, const ann_index& index, std::size_t user, std::size_t k,
                                               bool exclude_seen = true) {
    const std::size_t f = model.factors;
    if (index.dim() != f + 1 || index.size() != model.log.n_items)
        throw argument_error(causalrec::cat("causalrec::rec::recommend_approximate: the index (", index.size(), " items of ", index.dim(),
                                            " values) was not built by item_index of this model (", model.log.n_items, " items, ", f,
                                            " factors)"));
    if (user >= model.log.n_users || model.user_factors.size() < (user + 1) * f) return {};
    std::vector<float> query(f + 1, 1.0f);
    for (std::size_t j = 0; j < f; ++j) query[j] = static_cast<float>(model.user_factors[user * f + j]);
    auto found = index.search(query, k, exclude_seen ? model.log.seen.of(user) : std::span<const std::size_t>{});
    for (auto& s : found) s.score = model.raw(user, s.item);
    std::stable_sort(found.begin(), found.end(), [](const scored_item& a, const scored_item& b) {
        return a.score != b.score ? a.score > b.score : a.item < b.item;
    });
    return found;
}

}  // namespace causalrec::rec
