#pragma once
/// @file
/// What the next-item recommenders share in training: the network, the training sequences, the
/// objective over them and the Adam state, kept between fit and continue_fit (more epochs from the
/// same weights, optimiser moments and sample streams, as Keras's repeated fit).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>

#include "../../../core/error.hpp"
#include "../../../core/message.hpp"
#include "../../../data/sequences.hpp"
#include "../../../optim/adam.hpp"
#include "../../../train/fit.hpp"
#include "../../common.hpp"

namespace causalrec::rec::detail {

/// A network of type Net (built from (sequences, options) when it has such a constructor, else from
/// (n_items, options)) trained by an Objective (built from
/// (net, sequences, options)) with Adam. Options has epochs, batch_size, seed and verbose.
template <class Net, class Objective>
class sequence_training {
public:
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
    // On the heap: the objective refers to `train`.
    struct state {
        state(const data::sequences& sequences, optim::adam_options adam) : train(sequences), optimizer(adam) {}
        data::sequences train;
        std::unique_ptr<Objective> objective{};
        optim::adam<float> optimizer;  // an lvalue for train::fit: its moments carry over to continue_fit
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
