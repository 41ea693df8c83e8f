#pragma once
/// @file
/// The record of a training run: per-epoch loss, validation loss, metrics, learning rate and wall time.

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/message.hpp"

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
    const std::vector<double>& series(const std::string& name) const {
        if (name == "loss") return loss;
        if (name == "val_loss") return val_loss;
        if (name == "learning_rate") return learning_rate;
        if (name == "seconds") return seconds;
        auto it = metrics.find(name);
        if (it == metrics.end()) {
            std::string names = val_loss.empty() ? "loss" : "loss, val_loss";
            for (const auto& [key, values] : metrics) names = cat(names, ", ", key);
            throw argument_error(error_message("train", "history::series", "history has no series '", name, "'; it has: ", names));
        }
        return it->second;
    }

    /// The history as CSV text: a header "epoch,loss[,val_loss],metrics...,learning_rate,seconds" and a row per epoch.
    std::string csv() const {
        std::vector<std::pair<std::string, const std::vector<double>*>> columns{{"loss", &loss}};
        if (!val_loss.empty()) columns.emplace_back("val_loss", &val_loss);
        for (const auto& [name, values] : metrics) columns.emplace_back(name, &values);
        columns.emplace_back("learning_rate", &learning_rate);
        columns.emplace_back("seconds", &seconds);
        std::string out = "epoch";
        for (const auto& c : columns) out.append(",").append(c.first);
        out.push_back('\n');
        char buf[32];
        for (std::size_t e = 0; e < epochs(); ++e) {
            out.append(std::to_string(e + 1));
            for (const auto& c : columns) {
                out.push_back(',');
                if (e < c.second->size() && !std::isnan((*c.second)[e])) {
                    std::snprintf(buf, sizeof buf, "%.17g", (*c.second)[e]);
                    out.append(buf);
                }
            }
            out.push_back('\n');
        }
        return out;
    }

    /// Writes csv() to a file.
    void to_csv(const std::string& path) const {
        std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
        if (!f) throw error(causalrec::cat("causalrec::train::history: cannot open '", path, "' for writing"));
        const std::string text = csv();
        if (std::fwrite(text.data(), 1, text.size(), f.get()) != text.size())
            throw error(causalrec::cat("causalrec::train::history: write to '", path, "' failed"));
    }
};

}  // namespace causalrec::train
