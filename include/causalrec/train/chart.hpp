#pragma once
/// @file
/// Training curves as SVG: history_svg draws loss, val_loss and chosen metric series of a History
/// per epoch with io::svg_line_chart; write_history_svg writes the chart to a file.

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../core/compiler.hpp"
#include "../io/svg.hpp"
#include "history.hpp"

namespace causalrec::train {

/// Options of history_svg: which series to draw and how the chart looks.
struct history_chart_options {
    std::vector<std::string> metrics{};  ///< further series by name, drawn after the losses ("accuracy", "val_accuracy", "learning_rate")
    bool loss{true};                     ///< draw the training loss
    bool val_loss{true};                 ///< draw the validation loss (when the History has one)
    std::string title{"Training history"};  ///< text above the plot; none when empty
    std::string x_label{"epoch"};        ///< text below the x axis
    std::string y_label{};               ///< text left of the y axis; empty: "loss" when only losses are drawn
    int width{640};                      ///< picture width in pixels (at least 160)
    int height{400};                     ///< picture height in pixels (at least 120)
    bool markers{false};                 ///< a dot at every epoch
    std::optional<double> y_min{};       ///< fix the bottom of the y axis (auto when empty)
    std::optional<double> y_max{};       ///< fix the top of the y axis (auto when empty)
};

/// An SVG chart of a History: one line per series (loss, val_loss when recorded, and the series named
/// in options.metrics), x = epoch 1..n; validation series are dashed in their training series' colour.
/// NaN values are skipped. Raises argument_error naming the series when options.metrics names one the
/// History does not have, or when the picture options are invalid (see io::svg_line_chart).
CAUSALREC_INLINE std::string history_svg(const history& h, const history_chart_options& options = {});

/// Writes history_svg(h, options) to `path`; raises causalrec::error when the file cannot be written.
CAUSALREC_INLINE void write_history_svg(const std::filesystem::path& path, const history& h, const history_chart_options& options = {});

}  // namespace causalrec::train

#if CAUSALREC_HEADER_ONLY
#include "impl/chart.hpp"
#endif
