#pragma once
/// @file
/// Mini-batch iteration: each epoch visits every row once, in an order reshuffled from a seed,
/// gathering the rows of each batch into buffers that are allocated once and then reused.

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/rng.hpp"
#include "../core/tensor.hpp"

namespace causalrec::data {

/// Options of a batch_iterator.
struct batch_options {
    std::size_t batch_size = 32;  ///< rows per batch (the last batch of an epoch may be smaller)
    bool shuffle = true;          ///< reshuffle the rows every epoch
    std::uint64_t seed = 0;       ///< the order of epoch e depends only on (seed, e)
    bool drop_last = false;       ///< skip the last, smaller batch of an epoch
};

/// Fills `order` with 0..n-1 and, when `shuffle` is set, permutes it: the order of epoch `epoch`
/// depends only on (seed, epoch). Every mini-batch loop of the library draws its epochs this way.
inline void epoch_order(std::span<std::size_t> order, bool shuffle, std::uint64_t seed, std::size_t epoch) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    if (shuffle) {
        rng engine(seed ^ (0x9e3779b97f4a7c15ULL * (static_cast<std::uint64_t>(epoch) + 1)));
        engine.shuffle(order);
    }
}

/// Iterates over mini-batches of (features, targets[, weights]). The matrices it refers to must
/// outlive it. Usage: `for (it.start_epoch(e); it.next();) use(it.features(), it.targets());`
template <class T>
class batch_iterator {
public:
    /// Batches of X (n x d) with targets y (n x k).
    batch_iterator(const matrix<T>& X, const matrix<T>& y, batch_options options = {})
        : X_(&X), y_(&y), options_(options) {
        if (options_.batch_size == 0) throw argument_error("causalrec::data::batch_iterator: batch_size must be at least 1");
        if (y.shape()[0] != X.shape()[0])
            throw shape_error(causalrec::cat("causalrec::data::batch_iterator: features have ", X.shape()[0], " rows, targets ", y.shape()[0]));
        order_.resize(X.shape()[0]);
        std::iota(order_.begin(), order_.end(), std::size_t{0});
    }

    /// Batches of X with targets y and per-sample weights w (length n).
    batch_iterator(const matrix<T>& X, const matrix<T>& y, const vector<T>& w, batch_options options = {})
        : batch_iterator(X, y, options) {
        if (w.size() != X.shape()[0])
            throw shape_error(causalrec::cat("causalrec::data::batch_iterator: features have ", X.shape()[0], " rows, weights ", w.size()));
        w_ = &w;
    }

    /// Starts an epoch: resets the position and, with shuffle, draws the order for epoch `epoch`.
    void start_epoch(std::size_t epoch) {
        pos_ = 0;
        epoch_order(order_, options_.shuffle, options_.seed, epoch);
    }

    /// Gathers the next batch; false when the epoch is over.
    bool next() {
        const std::size_t n = order_.size();
        if (pos_ >= n) return false;
        const std::size_t rows = std::min(options_.batch_size, n - pos_);
        if (rows < options_.batch_size && options_.drop_last) {
            pos_ = n;
            return false;
        }
        current_ = rows == options_.batch_size ? &full_ : &tail_;
        gather(*current_, rows);
        batch_indices_ = std::span<const std::size_t>(order_.data() + pos_, rows);
        pos_ += rows;
        return true;
    }

    /// Features of the current batch (rows x d).
    const matrix<T>& features() const noexcept { return current_->x; }
    /// Targets of the current batch (rows x k).
    const matrix<T>& targets() const noexcept { return current_->y; }
    /// Weights of the current batch (empty when the iterator has no weights).
    const vector<T>& weights() const noexcept { return current_->w; }
    /// Dataset row indices of the current batch.
    std::span<const std::size_t> indices() const noexcept { return batch_indices_; }
    /// Number of batches per epoch.
    std::size_t batches_per_epoch() const noexcept {
        const std::size_t n = order_.size(), b = options_.batch_size;
        return options_.drop_last ? n / b : (n + b - 1) / b;
    }
    /// The options in use.
    const batch_options& options() const noexcept { return options_; }

private:
    struct buffers {
        matrix<T> x = make_matrix<T>(0, 0);
        matrix<T> y = make_matrix<T>(0, 0);
        vector<T> w = make_vector<T>(0);
    };

    void gather(buffers& b, std::size_t rows) {
        const std::size_t d = X_->shape()[1], k = y_->shape()[1];
        if (b.x.shape()[0] != rows || b.x.shape()[1] != d) b.x.resize({rows, d});  // first use only
        if (b.y.shape()[0] != rows || b.y.shape()[1] != k) b.y.resize({rows, k});
        if (w_ != nullptr && b.w.size() != rows) b.w.resize(std::array<std::size_t, 1>{rows});
        const T* xs = X_->data();
        const T* ys = y_->data();
        T* xd = b.x.data();
        T* yd = b.y.data();
        for (std::size_t r = 0; r < rows; ++r) {
            const std::size_t i = order_[pos_ + r];
            std::copy_n(xs + i * d, d, xd + r * d);
            std::copy_n(ys + i * k, k, yd + r * k);
            if (w_ != nullptr) b.w(r) = (*w_)(i);
        }
    }

    const matrix<T>* X_;
    const matrix<T>* y_;
    const vector<T>* w_ = nullptr;
    batch_options options_;
    std::vector<std::size_t> order_;
    std::size_t pos_ = 0;
    buffers full_, tail_;
    buffers* current_ = &full_;
    std::span<const std::size_t> batch_indices_;
};

/// Views a label vector as an (n x 1) target matrix (copies the values once).
template <class T>
matrix<T> as_column(const vector<T>& v) {
    matrix<T> out = make_matrix<T>(v.size(), 1);
    std::copy(v.begin(), v.end(), out.data());
    return out;
}

}  // namespace causalrec::data
