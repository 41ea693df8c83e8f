#pragma once
/// @file
/// What the next-item recommenders share in training: the network, the training sequences, the
/// objective over them and the Adam state, kept between fit and continue_fit (more epochs from the
/// same weights, optimiser moments and sample streams, as Keras's repeated fit).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>
#include <string>
#include <string_view>
#include <algorithm>
#include <type_traits>

#include "../../../core/error.hpp"
#include "../../../core/message.hpp"
#include "../../../data/sequences.hpp"
#include "../../../optim/adam.hpp"
#include "../../../train/fit.hpp"
#include "../../../io/safetensors.hpp"
#include "../../common.hpp"
#include "../../log_summary.hpp"
#include "../../persistence.hpp"

namespace causalrec::rec::detail {

/// A network of type Net (built from (sequences, options) when it has such a constructor, else from
/// (n_items, options)) trained by an Objective (built from
/// (net, sequences, options)) with Adam. Options has epochs, batch_size, seed and verbose.
template <class Net, class Objective>
class sequence_training {
public:
    /// Value type of the network.
    using value_type = typename Net::value_type;

    /// Builds a fresh network and objective for `train` and trains options.epochs epochs.
    /// `shuffle` = false for objectives that serve their own order (session-parallel batches).
    template <class Options>
    train::history fit(std::string_view model, const data::sequences& train, const Options& o, optim::adam_options adam, bool shuffle = true) {
        if (train.n_items() == 0) throw argument_error(causalrec::cat("causalrec::rec::", model, "::fit: the sequences have no items"));
        fitted_ = false;
        if constexpr (std::is_constructible_v<Net, const data::sequences&, const Options&>) net_ = std::make_unique<Net>(train, o);
        else net_ = std::make_unique<Net>(train.n_items(), o);
        state_ = std::make_unique<state>(train, adam);
        state_->objective = std::make_unique<Objective>(*net_, state_->train, o);
        epochs_done_ = 0;
        batch_size_ = o.batch_size;
        seed_ = o.seed;
        verbose_ = o.verbose;
        shuffle_ = shuffle;
        auto history = run(o.epochs);
        fitted_ = true;
        return history;
    }

    /// A recommender file of the fitted model: `options`, the training sequences in time order (as the
    /// seen-items tensors), the epochs trained, and every tensor of the network as "net.<k>.<name>".
    io::tensor_file to_file(std::string_view model, const nlohmann::json& options) const {
        require_fitted(fitted_, model, "save");
        const auto& seq = state_->train;
        log_summary log{seq.n_users(), seq.n_items(), seq.user_ids(), seq.item_ids(), {}};
        log.seen.row_ptr.assign(seq.offsets().begin(), seq.offsets().end());
        log.seen.items.assign(seq.items().begin(), seq.items().end());
        io::tensor_file f = begin_recommender_file(model, options, log);
        f.metadata["epochs_trained"] = std::to_string(epochs_done_);
        std::size_t k = 0;
        for (const auto& p : net_->parameters())
            f.add<value_type>(tensor_name(k++, p.name), std::span<const value_type>(p.value.data(), p.value.size()),
                         std::vector<std::size_t>(p.shape.begin(), p.shape.end()));
        return f;
    }

    /// Rebuilds the fitted state from an opened recommender file with the options read from it (as
    /// fit would, without training) and copies the saved tensors in; raises format_error when a
    /// tensor is missing or has another shape. Adam's moments start afresh for continue_fit.
    template <class Options>
    void restore(const opened_recommender& f, const Options& o, optim::adam_options adam, bool shuffle = true) {
        std::vector<std::vector<std::uint32_t>> per_user(f.log.n_users);
        for (std::size_t u = 0; u < f.log.n_users; ++u) {
            const auto items = f.log.seen.of(u);
            per_user[u].assign(items.begin(), items.end());
        }
        const data::sequences train(per_user, f.log.n_items, f.log.user_ids, f.log.item_ids);
        if constexpr (std::is_constructible_v<Net, const data::sequences&, const Options&>) net_ = std::make_unique<Net>(train, o);
        else net_ = std::make_unique<Net>(train.n_items(), o);
        state_ = std::make_unique<state>(train, adam);
        state_->objective = std::make_unique<Objective>(*net_, state_->train, o);
        std::size_t k = 0;
        for (const auto& p : net_->parameters()) {
            const auto values = saved_values<value_type>(f, tensor_name(k++, p.name), std::vector<std::size_t>(p.shape.begin(), p.shape.end()));
            std::copy(values.begin(), values.end(), p.value.begin());
        }
        epochs_done_ = causalrec::rec::detail::metadata_count(f.file, "epochs_trained");
        batch_size_ = o.batch_size;
        seed_ = o.seed;
        verbose_ = o.verbose;
        shuffle_ = shuffle;
        net_->set_training(false);
        fitted_ = true;
    }

    /// Trains `epochs` more epochs; raises not_fitted_error before fit and argument_error for 0.
    train::history continue_fit(std::string_view model, std::size_t epochs) {
        require_fitted(fitted_ && state_ != nullptr, model, "continue_fit");
        if (epochs == 0) throw argument_error(causalrec::cat("causalrec::rec::", model, "::continue_fit: epochs must be >= 1"));
        return run(epochs);
    }

    /// True after fit.
    bool fitted() const noexcept { return fitted_; }
    /// Epochs trained so far.
    std::size_t epochs_trained() const noexcept { return epochs_done_; }
    /// The network (fitted() must be true). Scoring runs its forward pass: not thread-safe.
    Net& net() const noexcept { return *net_; }
    /// The training sequences of the last fit (empty before).
    const data::sequences& sequences() const noexcept { return state_ ? state_->train : empty_; }

private:
    static std::string tensor_name(std::size_t k, std::string_view name) { return causalrec::cat("net.", k, ".", name); }

    // On the heap: the objective refers to `train`.
    struct state {
        state(const data::sequences& sequences, optim::adam_options adam) : train(sequences), optimizer(adam) {}
        data::sequences train;
        std::unique_ptr<Objective> objective{};
        optim::adam<value_type> optimizer;  // an lvalue for train::fit: its moments carry over to continue_fit
    };

    train::history run(std::size_t epochs) {
        auto history = train::fit(*state_->objective, state_->optimizer,
                                  {.epochs = epochs, .batch_size = batch_size_, .shuffle = shuffle_, .seed = seed_ + epochs_done_,
                                   .verbose = verbose_});
        epochs_done_ += epochs;
        net_->set_training(false);
        return history;
    }

    std::unique_ptr<Net> net_{};
    std::unique_ptr<state> state_{};
    std::size_t epochs_done_ = 0, batch_size_ = 1;
    std::uint64_t seed_ = 0;
    int verbose_ = 0;
    bool shuffle_ = true, fitted_ = false;
    data::sequences empty_{};
};

}  // namespace causalrec::rec::detail
