#pragma once
/// @file
/// Definitions of train::history's member functions (io/compiled split: included by train/history.hpp
/// in the header-only build, compiled once into causalrec::compiled with CAUSALREC_COMPILED).

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../../core/error.hpp"
#include "../../core/message.hpp"
#include "../history.hpp"

namespace causalrec::train {

CAUSALREC_INLINE const std::vector<double>& history::series(const std::string& name) const {
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

CAUSALREC_INLINE std::string history::csv() const {
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

CAUSALREC_INLINE void history::to_csv(const std::string& path) const {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
    if (!f) throw error(causalrec::cat("causalrec::train::history: cannot open '", path, "' for writing"));
    const std::string text = csv();
    if (std::fwrite(text.data(), 1, text.size(), f.get()) != text.size())
        throw error(causalrec::cat("causalrec::train::history: write to '", path, "' failed"));
}

}  // namespace causalrec::train
