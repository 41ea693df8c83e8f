#pragma once
/// @file
/// model_checkpoint: a fit() callback that saves the model with io::save_model at the end of each
/// epoch, or only when a monitored value improves (Keras's ModelCheckpoint).

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../io/model.hpp"
#include "callbacks.hpp"

namespace causalrec::train {

/// Options of model_checkpoint: `model_checkpoint({.path = "best.safetensors", .save_best_only = true})`.
struct model_checkpoint_options {
    std::string path{};                           ///< file to write; "{epoch}" is replaced by the 1-based epoch
    std::string monitor{"val_loss"};              ///< a key of the epoch logs ("val_loss", "loss", "val_auc", ...)
    bool save_best_only{false};                   ///< save only when the monitored value improves
    monitor_mode mode{monitor_mode::automatic};   ///< direction of improvement
    io::model_extras extras{};                    ///< preprocessor state and user metadata saved with the model
};

/// Saves the model at each epoch end with io::save_model (Keras's ModelCheckpoint). With
/// save_best_only, only epochs whose monitored value beats the best so far are saved (the first epoch
/// always is, unless its value is NaN); otherwise every epoch is saved and the best value is still
/// tracked when the monitored key is in the logs. Put "{epoch}" in the path to keep one file per epoch.
class model_checkpoint {
public:
    /// A checkpoint writer with the given options; argument_error when the path is empty or when
    /// save_best_only is set without a monitored key.
    explicit model_checkpoint(model_checkpoint_options options) : options_(std::move(options)) {
        if (options_.path.empty()) throw argument_error("causalrec::train::model_checkpoint: the path is empty");
        if (options_.save_best_only && options_.monitor.empty())
            throw argument_error("causalrec::train::model_checkpoint: save_best_only needs a monitored key (e.g. \"val_loss\")");
    }

    /// Resets the best value and the list of saved epochs; picks the direction of improvement.
    template <class Ctx>
    void on_train_begin(Ctx& ctx) {
        best_.reset(ctx, options_.mode, options_.monitor);
        best_epoch_ = 0;
        saved_.clear();
    }

    /// Updates the best value and saves the model when due. With save_best_only, a monitored key
    /// missing from the logs raises argument_error listing the keys there are.
    template <class Ctx>
    void on_epoch_end(Ctx& ctx) {
        bool improved = false;
        if (options_.save_best_only || ctx.logs.find(options_.monitor) != ctx.logs.end()) {
            improved = best_.improve(ctx.log_value(options_.monitor));
            if (improved) best_epoch_ = ctx.epoch + 1;
        }
        if (options_.save_best_only && !improved) return;
        io::save_model(path_for(ctx.epoch + 1), ctx.model, options_.extras);
        saved_.push_back(ctx.epoch + 1);
    }

    /// The file written for a 1-based epoch: the path with every "{epoch}" replaced by the number.
    std::string path_for(std::size_t epoch) const {
        static constexpr std::string_view token = "{epoch}";
        std::string out;
        const std::string& p = options_.path;
        std::size_t pos = 0;
        for (std::size_t hit = p.find(token); hit != std::string::npos; hit = p.find(token, pos)) {
            out.append(p, pos, hit - pos).append(std::to_string(epoch));
            pos = hit + token.size();
        }
        out.append(p, pos, std::string::npos);
        return out;
    }

    /// Best monitored value seen (+inf or -inf before any, by direction).
    double best() const noexcept { return best_.value; }
    /// 1-based epoch of the best monitored value; 0 when none was seen.
    std::size_t best_epoch() const noexcept { return best_epoch_; }
    /// 1-based epochs whose model was saved, in order.
    const std::vector<std::size_t>& saved_epochs() const noexcept { return saved_; }
    /// The options in use.
    const model_checkpoint_options& options() const noexcept { return options_; }

private:
    model_checkpoint_options options_;
    detail::best_value best_{};
    std::size_t best_epoch_ = 0;
    std::vector<std::size_t> saved_{};
};

}  // namespace causalrec::train
