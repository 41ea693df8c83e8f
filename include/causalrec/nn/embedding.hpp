#pragma once
/// @file
/// Embedding lookup with a sparse gradient: only the rows the batch used are updated.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"
#include "../core/shape_cache.hpp"
#include "fwd.hpp"

namespace causalrec::nn {

/// Options of an embedding layer.
struct embedding_options {
    double init_stddev = 0.05;  ///< initial values ~ N(0, init_stddev^2)
    std::uint64_t seed = 0;     ///< seed of the initial values
};

/// Maps integer ids to learned vectors. Input: (batch, fields) ids stored as T (exact integers);
/// output: (batch, fields * dim), the fields' vectors side by side. The gradient is sparse: the
/// parameter view lists the rows the last batch touched, and optimizers update only those.
template <class T>
class embedding {
public:
    /// Value type of the layer.
    using value_type = T;
    /// Its parameter is sparse (see nn::has_sparse_parameters_v): optimizers must update only touched rows.
    static constexpr bool sparse_parameters = true;

    /// A table of `count` vectors of `dim` values.
    embedding(std::size_t count, std::size_t dim, embedding_options options = {})
        : options_(options), table_(make_matrix<T>(count, dim)), grad_(xt::zeros<T>({count, dim})), seen_(count, 0) {
        if (count == 0 || dim == 0) throw argument_error("causalrec::nn::embedding: count and dim must be positive");
        shape_ = {count, dim};
        touched_.reserve(count);
        rng engine(options.seed);
        initialize(engine);
    }

    /// Draws new vectors ~ N(0, init_stddev^2).
    void initialize(rng& engine) {
        for (T& v : table_) v = static_cast<T>(engine.normal(0.0, options_.init_stddev));
    }

    /// Looks up the vectors of a batch of ids given as T (exact integers, the nn::Layer form); an id
    /// outside [0, count) or not an integer raises argument_error. Ids above 2^24 are not exact in
    /// float: models with large catalogues pass integer ids to forward_ids instead.
    const matrix<T>& forward(const matrix<T>& ids) {
        const std::size_t batch = ids.shape()[0], fields = ids.shape()[1];
        ids_.resize(batch * fields);
        for (std::size_t i = 0; i < batch; ++i)
            for (std::size_t f = 0; f < fields; ++f) ids_[i * fields + f] = checked_id(ids(i, f), i, f);
        return gather(batch, fields);
    }

    /// Looks up the vectors of integer ids (batch x fields, row-major, each < count): no float
    /// round-trip, so every id of a table of any size is exact. An id out of range raises argument_error.
    const matrix<T>& forward_ids(std::span<const std::size_t> ids, std::size_t fields) {
        if (fields == 0 || ids.size() % fields != 0)
            throw shape_error(causalrec::cat("causalrec::nn::embedding: ", ids.size(), " ids are not a whole number of rows of ", fields,
                                             " fields"));
        const std::size_t n = count();
        for (std::size_t j = 0; j < ids.size(); ++j)
            if (ids[j] >= n)
                throw argument_error(causalrec::cat("causalrec::nn::embedding: id ", ids[j], " at row ", j / fields, ", field ", j % fields,
                                                    " is not in [0, ", n, ")"));
        ids_.assign(ids.begin(), ids.end());
        return gather(ids.size() / fields, fields);
    }

    /// Accumulates dL/dY into the rows used by the batch; returns an empty matrix (ids have no gradient).
    const matrix<T>& backward(const matrix<T>& grad_output) {
        if (fields_ == 0) throw argument_error("causalrec::nn::embedding: backward called before forward");
        const std::size_t fields = fields_, batch = ids_.size() / fields, dim = this->dim();
        if (grad_output.shape()[0] != batch || grad_output.shape()[1] != fields * dim)
            throw shape_error("causalrec::nn::embedding: gradient shape differs from the output shape");
        for (std::size_t row : touched_) seen_[row] = 0;
        touched_.clear();
        for (std::size_t j = 0; j < ids_.size(); ++j) {
            const std::size_t row = ids_[j];
            T* g = grad_.data() + row * dim;
            if (!seen_[row]) {
                seen_[row] = 1;
                touched_.push_back(row);
                std::fill_n(g, dim, T(0));
            }
            if (defer_parameter_gradients_) continue;
            const T* go = grad_output.data() + j * dim;
            for (std::size_t k = 0; k < dim; ++k) g[k] += go[k];
        }
        std::sort(touched_.begin(), touched_.end());
        grad_output_ = &grad_output;
        return no_input_grad_;
    }

    /// Adds each row's squared norm of its contribution to the last backward pass's gradient to
    /// norms[row]: for a row whose fields hold ids a_f with output gradients g_f, the sum over field
    /// pairs with equal ids of g_f . g_f' (no per-row gradient is formed).
    void add_per_sample_squared_norms(std::span<double> norms) const {
        const std::size_t fields = check_per_sample(norms.size(), "add_per_sample_squared_norms"), dim = this->dim();
        const T* go = grad_output_->data();
        for (std::size_t i = 0; i < norms.size(); ++i) {
            double total = 0.0;
            for (std::size_t f = 0; f < fields; ++f) {
                const T* a = go + (i * fields + f) * dim;
                for (std::size_t h = 0; h < fields; ++h) {
                    if (ids_[i * fields + h] != ids_[i * fields + f]) continue;
                    const T* b = go + (i * fields + h) * dim;
                    double dot = 0.0;
                    for (std::size_t k = 0; k < dim; ++k) dot += static_cast<double>(a[k]) * static_cast<double>(b[k]);
                    total += dot;
                }
            }
            norms[i] += total;
        }
    }

    /// With true, backward only records the touched rows (rescale_per_sample forms their gradient).
    void defer_parameter_gradients(bool defer) noexcept { defer_parameter_gradients_ = defer; }

    /// Rewrites the touched rows' gradient as the batch rows' contributions weighted by scale.
    void rescale_per_sample(std::span<const T> scale) {
        const std::size_t fields = check_per_sample(scale.size(), "rescale_per_sample"), dim = this->dim();
        for (std::size_t row : touched_) std::fill_n(grad_.data() + row * dim, dim, T(0));
        const T* go = grad_output_->data();
        for (std::size_t j = 0; j < ids_.size(); ++j) {
            T* g = grad_.data() + ids_[j] * dim;
            const T s = scale[j / fields];
            for (std::size_t k = 0; k < dim; ++k) g[k] += s * go[j * dim + k];
        }
    }

    /// The table, with a sparse gradient over the rows the last batch touched.
    std::array<parameter_view<T>, 1> parameters() {
        parameter_view<T> p{"embedding", {table_.data(), table_.size()}, {grad_.data(), grad_.size()}, shape_};
        p.sparse = true;
        p.touched_rows = touched_;
        p.row_size = dim();
        return {p};
    }

    /// The architecture: {"type": "embedding", "count", "dim"}.
    template <class Json = nlohmann::json>
    Json config() const { return {{"type", "embedding"}, {"count", count()}, {"dim", dim()}}; }

    /// Number of vectors.
    std::size_t count() const noexcept { return table_.shape()[0]; }
    /// Length of each vector.
    std::size_t dim() const noexcept { return table_.shape()[1]; }
    /// The table (count, dim).
    matrix<T>& table() noexcept { return table_; }
    /// The table (count, dim).
    const matrix<T>& table() const noexcept { return table_; }

private:
    /// Copies the rows of ids_ (batch x fields) side by side into the output.
    const matrix<T>& gather(std::size_t batch, std::size_t fields) {
        const std::size_t dim = this->dim();
        matrix<T>& y = output_.get(batch, fields * dim);
        for (std::size_t j = 0; j < ids_.size(); ++j) std::copy_n(table_.data() + ids_[j] * dim, dim, y.data() + j * dim);
        fields_ = fields;
        grad_output_ = nullptr;  // per-sample gradients need the backward of this forward
        return y;
    }

    /// The fields per row of the last backward pass; raises before a backward or on a wrong row count.
    std::size_t check_per_sample(std::size_t rows, const char* fn) const {
        if (grad_output_ == nullptr) throw argument_error(causalrec::cat("causalrec::nn::embedding::", fn, ": called before backward"));
        if (rows * fields_ != ids_.size())
            throw shape_error(causalrec::cat("causalrec::nn::embedding::", fn, ": ", rows, " per-row entries for a batch of ",
                                             ids_.size() / fields_, " rows"));
        return fields_;
    }

    std::size_t checked_id(T value, std::size_t row, std::size_t field) const {
        if (!(value >= T(0)) || value != std::floor(value) || static_cast<double>(value) >= static_cast<double>(count()))
            throw argument_error(causalrec::cat("causalrec::nn::embedding: id ", static_cast<double>(value), " at row ", row, ", field ", field, " is not in [0, ", count(), ")"));
        return static_cast<std::size_t>(value);
    }

    embedding_options options_;
    matrix<T> table_, grad_;
    std::array<std::size_t, 2> shape_{};
    std::vector<char> seen_;
    std::vector<std::size_t> touched_;
    shape_cache<T> output_;
    matrix<T> no_input_grad_ = make_matrix<T>(0, 0);
    std::vector<std::size_t> ids_{};  // the last forward's ids, batch x fields
    std::size_t fields_ = 0;          // 0 before the first forward
    const matrix<T>* grad_output_ = nullptr;  // the last backward's dY (per-sample gradients read it)
    bool defer_parameter_gradients_ = false;
};

}  // namespace causalrec::nn
