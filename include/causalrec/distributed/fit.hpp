#pragma once
/// @file
/// Data-parallel training over MPI: distributed::fit runs the library's one training loop
/// (train::fit) on every rank with the gradients of each step averaged over the ranks by one fused
/// in-place allreduce, so that every rank takes the same optimizer step. Works for any
/// train::Objective with dense parameters, and for the supervised fit(model, loss, optimizer, X, Y).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"
#include "../core/parameter.hpp"
#include "../data/batches.hpp"
#include "../train/fit.hpp"
#include "../train/forwarding_objective.hpp"
#include "../train/loop.hpp"
#include "communicator.hpp"

namespace causalrec::distributed {

/// Where the training samples are.
enum class data_layout : std::uint8_t {
    /// Every rank holds the same samples (same order). Each global batch is cut into one slice per
    /// rank: with the same seed and batch size, the weights equal a one-process run's up to float
    /// summation order.
    replicated,
    /// Each rank holds its own samples (a shard). Every step takes from each rank a share of the
    /// global batch proportional to its sample count, from its own shuffled order; an epoch visits
    /// every sample of every rank once.
    sharded,
};

/// The processes of a data-parallel fit and where their data is.
struct data_parallel {
    communicator comm{};                        ///< the ranks that train together
    data_layout layout = data_layout::replicated;  ///< replicated or sharded samples

    /// All ranks of `c`, replicated data.
    data_parallel(communicator c) : comm(c) {}  // NOLINT: implicit on purpose (fit(world, ...))
    /// All ranks of `c` with the given layout.
    data_parallel(communicator c, data_layout l) : comm(c), layout(l) {}
};

/// A train::Objective that trains `inner` on every rank at once: for each batch of the training
/// loop, this rank computes the gradient of its part of the batch, and one allreduce over a packed
/// buffer (every parameter's gradient, the loss, the row count and a failure flag) gives every rank the
/// gradient of the whole batch. A failure on one rank (an exception from the inner objective) becomes
/// the same distributed_error on every rank. Dense parameters only.
template <train::Objective O>
class data_parallel_objective : public train::forwarding_objective<O> {
    using train::forwarding_objective<O>::inner_;

public:
    using value_type = typename O::value_type;  ///< the parameters' element type

    /// Wraps `inner` (referred to, not copied) for the ranks of `parallel`; `seed` seeds the sharded
    /// layout's per-rank order. Collective: every rank must construct it. Raises argument_error (on
    /// every rank) for sparse parameters, differing replicated sample counts or no samples at all.
    data_parallel_objective(const data_parallel& parallel, O& inner, std::uint64_t seed)
        : train::forwarding_objective<O>(inner), comm_(parallel.comm), layout_(parallel.layout), seed_(seed) {
        std::size_t values = 0;
        comm_.agree(
            [&] {
                for (const auto& p : inner_->parameters()) {
                    params_.push_back(p);
                    if (p.sparse)
                        throw argument_error(causalrec::cat(
                            "causalrec::distributed::fit: parameter '", p.name,
                            "' is sparse (embedding rows); data-parallel training averages dense gradients only"));
                    values += p.size();
                }
            },
            "causalrec::distributed::fit");
        local_samples_ = static_cast<std::size_t>(inner_->samples());
        const auto counts = comm_.allgatherv(std::span<const unsigned long long>(
            std::vector<unsigned long long>{static_cast<unsigned long long>(local_samples_)}));
        std::size_t total = 0, largest = 0, smallest = local_samples_;
        for (auto c : counts) {
            total += static_cast<std::size_t>(c);
            largest = std::max<std::size_t>(largest, static_cast<std::size_t>(c));
            smallest = std::min<std::size_t>(smallest, static_cast<std::size_t>(c));
        }
        if (layout_ == data_layout::replicated && largest != smallest)
            throw argument_error(causalrec::cat("causalrec::distributed::fit: replicated data, but the ranks hold ", smallest, " to ",
                                                largest, " samples (use data_layout::sharded for a different part per rank)"));
        if (total == 0) throw argument_error("causalrec::distributed::fit: no rank has samples to train on");
        global_samples_ = layout_ == data_layout::replicated ? local_samples_ : total;
        const auto totals = comm_.max(static_cast<unsigned long long>(values));
        if (totals != values)
            throw argument_error("causalrec::distributed::fit: the ranks' models have different parameter counts");
        buffer_.resize(values + tail);
        if constexpr (requires { inner_->set_epoch_gather(&gather_); }) {
            gather_.concatenate = [this](std::vector<double>& v) { v = comm_.allgatherv(std::span<const double>(v)); };
            gather_.sum = [this](double x) { return comm_.sum(x); };
            gather_.validation_is_local = layout_ == data_layout::sharded;
            inner_->set_epoch_gather(&gather_);
        }
    }

    data_parallel_objective(const data_parallel_objective&) = delete;
    data_parallel_objective& operator=(const data_parallel_objective&) = delete;
    /// Detaches the epoch gathering from the inner objective.
    ~data_parallel_objective() {
        if constexpr (requires { inner_->set_epoch_gather(nullptr); }) inner_->set_epoch_gather(nullptr);
    }

    /// Samples of one epoch: the replicated count, or the sum over the ranks (sharded).
    std::size_t samples() const noexcept { return global_samples_; }
    /// This rank's samples.
    std::size_t local_samples() const noexcept { return local_samples_; }
    /// The inner objective's parameters.
    auto parameters() { return inner_->parameters(); }
    /// Starts an epoch: the inner objective's begin_epoch and (sharded) this rank's order of the epoch.
    void begin_epoch(std::size_t epoch) {
        comm_.agree(
            [&] {
                if constexpr (train::ObjectiveWithEpochs<O>) inner_->begin_epoch(epoch);
            },
            "causalrec::distributed::fit");
        position_ = 0;
        if (layout_ == data_layout::sharded) {
            order_.resize(local_samples_);
            // The same per-rank order for a given (seed, epoch, rank) on every run.
            const std::uint64_t rank_seed = seed_ ^ (0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(comm_.rank()) + 1));
            data::epoch_order(order_, true, rank_seed, epoch);
        }
    }

    /// The inner objective's end of epoch (its metrics over every rank's predictions).
    void end_epoch(train::epoch_logs& logs)
        requires requires(O& o, train::epoch_logs& l) { o.end_epoch(l); }
    {
        inner_->end_epoch(logs);
    }

    /// The loss of the global batch `rows` (indices into the replicated samples; with sharded data only
    /// its size counts) and, in the parameters, the gradient of that loss: this rank's part, weighted
    /// by its row count, summed over the ranks by one allreduce.
    double loss_and_gradient(std::span<const std::size_t> rows) {
        using T = value_type;
        std::span<const std::size_t> mine;
        if (layout_ == data_layout::replicated) {
            const std::size_t m = rows.size(), r = static_cast<std::size_t>(comm_.rank()), p = static_cast<std::size_t>(comm_.size());
            mine = rows.subspan(m * r / p, m * (r + 1) / p - m * r / p);
        } else {
            const std::size_t begin = position_ * local_samples_ / global_samples_;
            position_ += rows.size();
            const std::size_t end = std::min(position_, global_samples_) * local_samples_ / global_samples_;
            mine = std::span<const std::size_t>(order_).subspan(begin, end - begin);
        }
        if (comm_.size() == 1) {  // the plain loop: no packing, no reduction
            try {
                return static_cast<double>(inner_->loss_and_gradient(mine));
            } catch (const std::exception& e) {
                comm_.raise_if_any_failed(true, e.what(), "causalrec::distributed::fit");
                throw;  // not reached
            }
        }

        const auto count = static_cast<double>(mine.size());
        double loss = 0.0;
        bool failed = false;
        std::string message;
        if (!mine.empty()) {
            try {
                loss = static_cast<double>(inner_->loss_and_gradient(mine));
            } catch (const std::exception& e) {
                failed = true;
                message = e.what();
            }
        }
        // Pack: gradient x row count, then loss x row count, row count, failure flag.
        T* out = buffer_.data();
        const T weight = static_cast<T>(count);
        for (const auto& p : params_) {
            if (mine.empty() || failed) {
                std::fill_n(out, p.size(), T(0));
            } else {
                const T* g = p.grad.data();
                for (std::size_t j = 0; j < p.size(); ++j) out[j] = g[j] * weight;
            }
            out += p.size();
        }
        const bool finite_loss = std::isfinite(loss);
        out[0] = failed ? T(0) : static_cast<T>(finite_loss ? loss * count : 0.0);
        out[1] = static_cast<T>(count);
        out[2] = static_cast<T>((failed ? 1 : 0));
        out[3] = static_cast<T>((!failed && !finite_loss) ? 1 : 0);
        comm_.allreduce_sum(std::span<T>(buffer_));
        if (out[2] > T(0)) comm_.raise_if_any_failed(failed, message, "causalrec::distributed::fit");
        if (out[3] > T(0)) return std::numeric_limits<double>::quiet_NaN();  // the loop names epoch and batch
        const T total = out[1];
        const T* in = buffer_.data();
        for (const auto& p : params_) {
            T* g = p.grad.data();
            for (std::size_t j = 0; j < p.size(); ++j) g[j] = in[j] / total;
            in += p.size();
        }
        return static_cast<double>(out[0]) / static_cast<double>(total);
    }

    /// Bytes each rank sends into the allreduce per step (the packed buffer).
    std::size_t bytes_per_step() const noexcept { return buffer_.size() * sizeof(value_type); }

private:
    static constexpr std::size_t tail = 4;  // loss, rows, failure flag, non-finite flag
    communicator comm_;
    data_layout layout_;
    std::uint64_t seed_;
    std::size_t local_samples_ = 0, global_samples_ = 0, position_ = 0;
    std::vector<std::size_t> order_{};
    std::vector<parameter_view<value_type>> params_{};  // the inner objective's views (they stay valid)
    std::vector<value_type> buffer_{};
    train::epoch_gather gather_{};
};

namespace detail {

/// Copies rank 0's parameter values to every rank.
template <class Params>
void broadcast_parameters(const communicator& comm, Params&& params) {
    for (const auto& p : params) comm.broadcast(p.value, 0);
}

/// The last callback of every rank in a data-parallel fit: rank 0's decisions (stop, learning rate)
/// and, at the end, its weights (early stopping may restore earlier ones) reach every rank, so that
/// no rank diverges or waits alone. The user's callbacks run on rank 0 only.
struct rank_agreement {
    communicator comm;  ///< the ranks

    /// Rank 0's learning rate (a schedule may have changed it) on every rank before the epoch.
    template <class Ctx>
    void on_epoch_begin(Ctx& ctx) {
        share_learning_rate(ctx);
    }
    /// Rank 0's learning rate after each batch (schedules that act per batch).
    template <class Ctx>
    void on_batch_end(Ctx& ctx) {
        share_learning_rate(ctx);
    }
    /// Rank 0's stop decision and learning rate on every rank.
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        double state[2] = {ctx.stop_training ? 1.0 : 0.0, ctx.learning_rate()};
        comm.broadcast(std::span<double>(state, 2), 0);
        ctx.stop_training = state[0] != 0.0;
        if (!comm.is_root()) ctx.set_learning_rate(state[1]);
    }
    /// Rank 0's final weights on every rank.
    template <class Ctx>
    void on_train_end(Ctx& ctx) {
        broadcast_parameters(comm, ctx.parameters);
    }

private:
    template <class Ctx>
    void share_learning_rate(Ctx& ctx) {
        double lr = ctx.learning_rate();
        comm.broadcast(std::span<double>(&lr, 1), 0);
        if (!comm.is_root()) ctx.set_learning_rate(lr);
    }
};

}  // namespace detail

/// Trains `objective` on every rank of `parallel` (train::fit's loop, data-parallel). Collective:
/// every rank calls it with the same options. Rank 0's initial weights are broadcast first; each step
/// averages the gradient over the ranks (one allreduce) and every rank takes the same optimizer
/// step. The progress bar (options.verbose) and `callbacks` run on rank 0 only; its decisions (early
/// stopping, learning-rate changes) and its final weights are broadcast. Every rank returns the same
/// History (losses and metrics are global). A failure on any rank raises the same distributed_error on
/// every rank; a non-finite global loss raises numeric_error on every rank.
template <train::Objective O, class Optimizer, class... Callbacks>
train::history fit(const data_parallel& parallel, O& objective, Optimizer&& optimizer, const train::train_options& options = {},
                   Callbacks&&... callbacks) {
    data_parallel_objective<O> shared(parallel, objective, options.seed);
    detail::broadcast_parameters(parallel.comm, objective.parameters());
    detail::rank_agreement agreement{parallel.comm};
    if (parallel.comm.is_root())
        return train::fit(shared, std::forward<Optimizer>(optimizer), options, std::forward<Callbacks>(callbacks)..., agreement);
    train::train_options quiet = options;
    quiet.verbose = 0;
    return train::fit(shared, std::forward<Optimizer>(optimizer), quiet, agreement);
}

/// The supervised fit (train::fit(model, loss, optimizer, X, Y, options, callbacks...)) on every rank
/// of `parallel`: X and Y are the whole training set (replicated) or this rank's part (sharded);
/// validation data (explicit, or validation_split of the rows each rank holds) is replicated or
/// each rank's part likewise, and validation values and metrics are computed over every rank's
/// predictions. Checks of the data run on every rank and any rank's failure is every rank's error.
template <class M, class L, class Optimizer, std::floating_point T, class... Callbacks>
    requires train::Model<M, T> && loss::Loss<L, T> && optim::Optimizer<std::remove_cvref_t<Optimizer>, T>
train::history fit(const data_parallel& parallel, M& model, const L& loss, Optimizer&& optimizer, const matrix<T>& X,
                   const matrix<T>& Y, const train::fit_options<T>& options = {}, Callbacks&&... callbacks) {
    std::optional<train::supervised_setup<M, L, T>> setup;
    parallel.comm.agree([&] { setup.emplace(model, loss, X, Y, options); }, "causalrec::distributed::fit");
    return fit(parallel, *setup->objective, std::forward<Optimizer>(optimizer), setup->loop, std::forward<Callbacks>(callbacks)...);
}

/// The supervised fit with a label vector y (one output column).
template <class M, class L, class Optimizer, std::floating_point T, class... Callbacks>
    requires train::Model<M, T> && loss::Loss<L, T> && optim::Optimizer<std::remove_cvref_t<Optimizer>, T>
train::history fit(const data_parallel& parallel, M& model, const L& loss, Optimizer&& optimizer, const matrix<T>& X,
                   const vector<T>& y, const train::fit_options<T>& options = {}, Callbacks&&... callbacks) {
    return fit(parallel, model, loss, std::forward<Optimizer>(optimizer), X, data::as_column(y), options,
               std::forward<Callbacks>(callbacks)...);
}

}  // namespace causalrec::distributed
