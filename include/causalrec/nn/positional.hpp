#pragma once
/// @file
/// Learned positional embeddings for sequence batches in the (B * L) x d layout: row b * L + t gets
/// the learned vector of position t added (Gehring et al. 2017; SASRec's positional embedding).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../core/rng.hpp"
#include "../core/shape_cache.hpp"
#include "../core/tensor.hpp"
#include "fwd.hpp"
#include "initializers.hpp"

namespace causalrec::nn {

/// Options of positional_embedding.
struct positional_embedding_options {
    std::size_t sequence_length = 0;                 ///< steps per sequence L in a batch; 0 = max_length
    initializer init = initializer::glorot_uniform;  ///< how the table is drawn
    std::uint64_t seed = 0;                          ///< initial table
};

/// y[b * L + t] = x[b * L + t] + P[t] with a learned table P of max_length x width rows (positions
/// count from the first row of each sequence; left-padded batches give the most recent step the
/// same position whatever the history's length, as SASRec does).
template <class T>
class positional_embedding {
public:
    /// Value type of the layer.
    using value_type = T;

    /// A table for up to `max_length` positions of `width` features; raises argument_error for 0 or a
    /// sequence_length above max_length.
    positional_embedding(std::size_t max_length, std::size_t width, positional_embedding_options options = {})
        : o_(options), max_length_(max_length), d_(width), table_(max_length * width), grad_(table_.size()), shape_{max_length, width} {
        if (max_length == 0 || width == 0)
            throw argument_error(causalrec::cat("causalrec::nn::positional_embedding: max_length and width must be positive, got ", max_length,
                                                " and ", width));
        set_sequence_length(o_.sequence_length == 0 ? max_length : o_.sequence_length);
        rng engine(options.seed);
        initialize(engine);
    }

    /// Draws a new table from `engine`.
    void initialize(rng& engine) { initialize_weights(std::span<T>(table_), max_length_, d_, o_.init, engine); }

    /// Steps per sequence (at most max_length); raises argument_error otherwise.
    void set_sequence_length(std::size_t length) {
        if (length == 0 || length > max_length_)
            throw argument_error(causalrec::cat("causalrec::nn::positional_embedding: sequence_length must be in [1, ", max_length_, "], got ", length));
        o_.sequence_length = length;
    }
    /// Steps per sequence.
    std::size_t sequence_length() const noexcept { return o_.sequence_length; }

    /// x plus each row's positional vector.
    const matrix<T>& forward(const matrix<T>& x) {
        const std::size_t N = x.shape()[0], L = o_.sequence_length;
        if (x.shape()[1] != d_)
            throw shape_error(causalrec::cat("causalrec::nn::positional_embedding: input has ", x.shape()[1], " columns, the layer expects ", d_));
        if (N == 0 || N % L != 0)
            throw shape_error(causalrec::cat("causalrec::nn::positional_embedding: ", N, " rows are not a positive whole number of sequences of ", L,
                                             " steps"));
        matrix<T>& y = output_.get(N, d_);
        for (std::size_t r = 0; r < N; ++r) {
            const T* in = x.data() + r * d_;
            const T* p = table_.data() + (r % L) * d_;
            T* out = y.data() + r * d_;
            for (std::size_t j = 0; j < d_; ++j) out[j] = in[j] + p[j];
        }
        rows_ = N;
        return y;
    }

    /// Given dL/dy, stores dL/dP (summed over sequences) and returns dL/dx (= dL/dy).
    const matrix<T>& backward(const matrix<T>& grad_output) {
        if (rows_ == 0) throw argument_error("causalrec::nn::positional_embedding: backward called before forward");
        if (grad_output.shape()[0] != rows_ || grad_output.shape()[1] != d_)
            throw shape_error(causalrec::cat("causalrec::nn::positional_embedding: gradient has shape (", grad_output.shape()[0], ", ",
                                             grad_output.shape()[1], "), the output was (", rows_, ", ", d_, ")"));
        const std::size_t L = o_.sequence_length;
        std::fill(grad_.begin(), grad_.end(), T(0));
        for (std::size_t r = 0; r < rows_; ++r) {
            const T* g = grad_output.data() + r * d_;
            T* gp = grad_.data() + (r % L) * d_;
            for (std::size_t j = 0; j < d_; ++j) gp[j] += g[j];
        }
        return grad_output;
    }

    /// The table (max_length x width) with its gradient.
    std::array<parameter_view<T>, 1> parameters() {
        return {parameter_view<T>{"embedding", std::span<T>(table_), std::span<T>(grad_), shape_}};
    }

    /// The architecture: {"type": "positional_embedding", "max_length", "width", "sequence_length", "init"}.
    template <class Json = nlohmann::json>
    Json config() const {
        return {{"type", "positional_embedding"}, {"max_length", max_length_}, {"width", d_},
                {"sequence_length", o_.sequence_length}, {"init", std::string(to_string(o_.init))}};
    }

    /// The table, max_length x width row-major.
    std::span<T> table() noexcept { return table_; }

private:
    positional_embedding_options o_;
    std::size_t max_length_, d_, rows_ = 0;
    std::vector<T> table_, grad_;
    std::array<std::size_t, 2> shape_;
    shape_cache<T> output_;
};

}  // namespace causalrec::nn
