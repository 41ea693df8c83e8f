#pragma once
/// @file
/// The record of a training run: per-epoch loss, validation loss, metrics, learning rate and wall time.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "../core/compiler.hpp"

namespace causalrec::train {

/// Per-epoch values of a training run (Keras's History). Metric series are keyed by name; the
/// validation series are named "val_" + name.
struct history {
    std::vector<double> loss{};           ///< mean training loss of each epoch
    std::vector<double> val_loss{};       ///< validation loss of each epoch (empty without validation data)
    std::map<std::string, std::vector<double>> metrics{};  ///< "accuracy", "val_accuracy", ... per epoch
    std::vector<double> learning_rate{};  ///< learning rate in use during each epoch
    std::vector<double> seconds{};        ///< wall time of each epoch

    /// Number of epochs recorded.
    std::size_t epochs() const noexcept { return loss.size(); }

    /// The series named `name`: "loss", "val_loss", "learning_rate", "seconds" or a metric; throws argument_error if absent.
    const std::vector<double>& series(const std::string& name) const;

    /// The history as CSV text: a header "epoch,loss[,val_loss],metrics...,learning_rate,seconds" and a row per epoch.
    std::string csv() const;

    /// Writes csv() to a file.
    void to_csv(const std::string& path) const;
};

}  // namespace causalrec::train

#if CAUSALREC_HEADER_ONLY
#include "impl/history.hpp"
#endif
