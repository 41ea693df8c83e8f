#pragma once
/// @file
/// Implicit feedback for the neural recommenders (not API): the negative sampler and the
/// train::Objective that trains a network on positives and sampled negatives, ids as integers.

#include "common.hpp"

namespace causalrec::rec {

namespace detail {

/// Training rows for implicit feedback with sampled negatives. The positives are the distinct
/// (user, item) pairs of the log, in a seeded random order; row r belongs to positive
/// r / (1 + negatives): its first row is the positive (target 1), the others negatives of the same
/// user (target 0), drawn uniformly from the items the user did not interact with.
class negative_sampler {
public:
    /// A sampler over `seen` (a log's seen items) with a catalogue of `n_items` items; raises
    /// argument_error when the log has no interaction or a user interacted with every item.
    negative_sampler(const seen_items& seen, std::size_t n_items, std::size_t negatives, std::uint64_t seed,
                     std::string_view model)
        : seen_(&seen), n_items_(n_items), negatives_(negatives), seed_(seed) {
        const std::size_t n_users = seen.row_ptr.size() - 1;
        for (std::size_t u = 0; u < n_users; ++u) {
            const auto items = seen.of(u);
            if (!items.empty() && items.size() >= n_items)
                throw argument_error(causalrec::error_message("rec", model, "user ", u, " interacted with all ", n_items,
                                                            " items; there is no negative item to sample"));
            for (std::size_t i : items) {
                users_.push_back(u);
                items_.push_back(i);
            }
        }
        if (users_.empty()) throw argument_error(causalrec::error_message("rec", model, "the log has no interaction to train on"));
        rng engine(seed);
        order_ = engine.permutation(users_.size());
    }

    /// Number of rows: positives * (1 + negatives).
    std::size_t rows() const noexcept { return users_.size() * (1 + negatives_); }

    /// Writes rows 0..users.size()-1 (user, item and target) with the negatives of draw `stream`
    /// (the same stream gives the same negatives; a shorter span gets the same first rows).
    void fill(std::uint64_t stream, std::span<std::size_t> users, std::span<std::size_t> items, std::span<float> targets) const {
        rng engine(seed_ ^ (0x9e3779b97f4a7c15ULL * (stream + 1)));
        const std::size_t group = 1 + negatives_;
        for (std::size_t r = 0; r < users.size(); ++r) {
            const std::size_t p = order_[r / group];
            const std::size_t user = users_[p];
            const bool positive = r % group == 0;
            users[r] = user;
            items[r] = positive ? items_[p] : draw(user, engine);
            targets[r] = positive ? 1.0f : 0.0f;
        }
    }

    /// The draw of the rows held out for validation (the same every epoch).
    static constexpr std::uint64_t held_out_stream = ~std::uint64_t{0};

private:
    /// A uniform draw among the items `user` did not interact with: a few rejection trials, then the
    /// exact k-th unseen item (both uniform).
    std::size_t draw(std::size_t user, rng& engine) const {
        const auto seen = seen_->of(user);
        for (int trial = 0; trial < 8; ++trial) {
            const auto item = static_cast<std::size_t>(engine.uniform_index(n_items_));
            if (!std::binary_search(seen.begin(), seen.end(), item)) return item;
        }
        auto item = static_cast<std::size_t>(engine.uniform_index(n_items_ - seen.size()));
        for (std::size_t s : seen) {
            if (s > item) break;
            ++item;
        }
        return item;
    }

    const seen_items* seen_;
    std::size_t n_items_, negatives_;
    std::uint64_t seed_;
    std::vector<std::size_t> users_{}, items_{}, order_{};
};

/// Implicit feedback as a train::Objective for a network with forward(users, items) -> logits and
/// backward(dlogits): the rows are the log's positives, each followed by `negatives` sampled items of
/// the same user, with user and item ids carried as integers (no float round-trip, any catalogue size).
/// The loss of a batch is the mean binary cross-entropy of its logits. With a validation share, the
/// last rows (positives with their negatives, drawn once) are held out and scored as "val_loss" after
/// every epoch; the training rows draw fresh negatives at the start of every epoch.
template <class Net>
class implicit_feedback_objective {
public:
    using value_type = typename Net::value_type;  ///< the network's element type

    /// The objective of `net` on the rows of `sampler`, holding out `validation_split` of them.
    implicit_feedback_objective(Net& net, const negative_sampler& sampler, double validation_split, std::string_view model)
        : net_(&net), sampler_(&sampler), users_(sampler.rows()), items_(sampler.rows()), targets_(sampler.rows()) {
        if (!(validation_split >= 0.0 && validation_split < 1.0))
            throw argument_error(causalrec::error_message("rec", model, "validation_split must be in [0, 1), got ", validation_split));
        const std::size_t n = sampler.rows();
        train_rows_ = n;
        if (validation_split > 0.0) {
            train_rows_ = static_cast<std::size_t>(static_cast<double>(n) * (1.0 - validation_split));
            if (train_rows_ == 0 || train_rows_ == n)
                throw argument_error(causalrec::cat("causalrec::rec::fit: validation_split ", validation_split, " leaves an empty part of ",
                                                    n, " rows"));
        }
        sampler.fill(negative_sampler::held_out_stream, users_, items_, targets_);
    }

    /// Training rows (positives and their negatives).
    std::size_t samples() const noexcept { return train_rows_; }
    /// The network's trainable tensors.
    auto parameters() { return net_->parameters(); }
    /// The network (what callbacks see as ctx.model).
    Net& model() noexcept { return *net_; }
    /// Training mode (id dropout of the two-tower model).
    void set_training(bool training) {
        if constexpr (requires { net_->set_training(training); }) net_->set_training(training);
    }

    /// Draws the negatives of the training rows for this epoch.
    void begin_epoch(std::size_t epoch) {
        sampler_->fill(epoch, std::span<std::size_t>(users_.data(), train_rows_), std::span<std::size_t>(items_.data(), train_rows_),
                       std::span<float>(targets_.data(), train_rows_));
    }

    /// Mean binary cross-entropy of the batch's logits, back-propagated into the network.
    double loss_and_gradient(std::span<const std::size_t> batch) {
        gather(batch);
        const matrix<value_type>& logits = net_->forward(batch_users_, batch_items_);
        matrix<value_type>& grad = grads_.get(batch.size(), 1);
        const double value = loss_.value_and_gradient(logits, batch_targets_.get(batch.size(), 1), {}, grad);
        net_->backward(grad);
        return value;
    }

    /// "val_loss": the mean loss of the held-out rows, in inference mode, in passes of 512 rows.
    void end_epoch(train::epoch_logs& logs) {
        const std::size_t n = users_.size();
        if (train_rows_ == n) return;
        set_training(false);
        double total = 0.0;
        std::vector<std::size_t> rows;
        for (std::size_t begin = train_rows_; begin < n; begin += 512) {
            const std::size_t end = std::min(n, begin + 512);
            rows.resize(end - begin);
            for (std::size_t r = 0; r < rows.size(); ++r) rows[r] = begin + r;
            gather(rows);
            const matrix<value_type>& logits = net_->forward(batch_users_, batch_items_);
            total += loss_.value(logits, batch_targets_.get(rows.size(), 1)) * static_cast<double>(rows.size());
        }
        set_training(true);
        logs["val_loss"] = total / static_cast<double>(n - train_rows_);
    }

private:
    void gather(std::span<const std::size_t> rows) {
        const std::size_t b = rows.size();
        batch_users_.resize(b), batch_items_.resize(b);
        matrix<value_type>& t = batch_targets_.get(b, 1);
        for (std::size_t r = 0; r < b; ++r) {
            batch_users_[r] = users_[rows[r]];
            batch_items_[r] = items_[rows[r]];
            t(r, 0) = static_cast<value_type>(targets_[rows[r]]);
        }
    }

    Net* net_;
    const negative_sampler* sampler_;
    loss::binary_cross_entropy_with_logits loss_{};
    std::vector<std::size_t> users_, items_;
    std::vector<float> targets_;
    std::size_t train_rows_ = 0;
    std::vector<std::size_t> batch_users_{}, batch_items_{};
    shape_cache<value_type> batch_targets_{}, grads_{};
};

/// The training loop's options of a neural recommender.
template <class Options>
train::train_options neural_train_options(const Options& o, std::uint64_t shuffle_seed) {
    return {.epochs = o.epochs, .batch_size = o.batch_size, .seed = shuffle_seed, .verbose = o.verbose};
}

}  // namespace detail

}  // namespace causalrec::rec
