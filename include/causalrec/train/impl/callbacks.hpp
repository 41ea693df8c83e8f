#pragma once
/// @file
/// Definitions of the non-template functions declared in train/callbacks.hpp (the progress bar's
/// formatting): included by that header in the header-only build, compiled once into
/// causalrec::compiled with CAUSALREC_COMPILED.

#include "../callbacks.hpp"

namespace causalrec::train {
namespace detail {

CAUSALREC_INLINE bool is_terminal(std::FILE* stream) {
#if defined(_WIN32)
    return _isatty(_fileno(stream)) != 0;
#else
    return isatty(fileno(stream)) != 0;
#endif
}

CAUSALREC_INLINE std::string format_logs(const epoch_logs& logs) {
    std::string out;
    char buf[64];
    // "loss" first, then the metrics, then the validation values, as Keras prints them.
    auto emit = [&](const std::string& key, double value) {
        std::snprintf(buf, sizeof buf, "%.4f", value);
        out.append(" - ").append(key).append(": ").append(buf);
    };
    if (auto it = logs.find("loss"); it != logs.end()) emit(it->first, it->second);
    for (const auto& [key, value] : logs)
        if (key != "loss" && key.rfind("val_", 0) != 0) emit(key, value);
    for (const auto& [key, value] : logs)
        if (key.rfind("val_", 0) == 0) emit(key, value);
    return out;
}

CAUSALREC_INLINE std::string format_duration(double seconds) {
    char buf[32];
    if (seconds >= 1.0) std::snprintf(buf, sizeof buf, "%.0fs", seconds);
    else if (seconds >= 1e-3) std::snprintf(buf, sizeof buf, "%.0fms", seconds * 1e3);
    else std::snprintf(buf, sizeof buf, "%.0fus", seconds * 1e6);
    return buf;
}

}  // namespace detail
}  // namespace causalrec::train
